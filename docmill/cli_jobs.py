"""`docmill jobs`, `cancel`/`retry` of every job a filter finds, and `purge --queue`.

    docmill jobs [--state S] [--queue Q] [--task T] [--since SPAN] [--path TEXT] [--limit N]
    docmill cancel --queue Q [--state queued] [--yes]     docmill retry --state failed --yes
    docmill purge --queue Q [--yes]

The listing is the broker's `docmill.jobs` (docs/PROTOCOL.md §6.5b): the store's indexed,
bounded pages, newest first, so listing stays fast however many jobs the store holds. A command
acting on a filter lists what it found, says how many, and asks before acting unless `--yes`;
`purge --queue` likewise, then sends the broker a page of ids at a time (each page a bounded
piece of work for its loop).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import Any

from tabulate import tabulate

from docmill.cli_output import EXIT_OK, EXIT_USAGE, emit, when
from docmill.client import Client
from docmill.logread import since as parse_since
from docmill.protocol import JobStatus

PAGE = 200  # jobs asked for per page
STATES = [s.value for s in JobStatus if s is not JobStatus.UNKNOWN]


def add_filters(parser: argparse.ArgumentParser, listing: bool = False) -> None:
    """The filters a listing (and cancel/retry by filter) takes."""
    parser.add_argument("--state", choices=STATES, help="only jobs in this state")
    parser.add_argument("--queue", help="only jobs of this queue")
    parser.add_argument("--task", help="only jobs of this task")
    parser.add_argument("--since", help="only jobs created since: a span like 2h, or a time")
    parser.add_argument("--path", help="only jobs whose file name holds this text (any case)")
    if listing:
        parser.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    else:
        parser.add_argument("--yes", action="store_true", help="act without asking first")


def filtered(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) for name in ("state", "queue", "task", "since", "path"))


def found(client: Client, args: argparse.Namespace, limit: int | None) -> Iterator[dict[str, Any]]:
    """The jobs the filters find, newest first, page after page, `limit` at most."""
    after = parse_since(args.since).timestamp() if args.since else None
    cursor: str | None = None
    given = 0
    while True:
        size = PAGE if limit is None else min(PAGE, limit - given)
        page, cursor = client.jobs(
            args.state, args.queue, args.task, args.path, after=after, limit=size, cursor=cursor
        )
        for job in page:
            yield job
            given += 1
            if limit is not None and given >= limit:
                return
        if cursor is None:
            return


def cmd_jobs(client: Client, args: argparse.Namespace) -> int:
    try:
        jobs = list(found(client, args, max(1, args.limit)))
    except ValueError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    rows = [
        [
            j["id"],
            j["task"],
            j["queue"],
            j["status"],
            f"{j['attempts']}/{j['max_attempts']}",
            when(j["created"]),
            (j.get("path") or "")[-40:],
        ]
        for j in jobs
    ]
    headers = ["job", "task", "queue", "state", "attempts", "created", "file"]
    emit(args, jobs, tabulate(rows, headers=headers) if jobs else "no job matches")
    return EXIT_OK


def act_on_filter(client: Client, args: argparse.Namespace, action: str) -> int:
    """cancel or retry every job the filters find, after saying how many."""
    retryable = ("failed", "dead", "cancelled")
    try:
        jobs = [
            j
            for j in found(client, args, None)
            if (action == "cancel" and not JobStatus(j["status"]).terminal)
            or (action == "retry" and j["status"] in retryable)
        ]
    except ValueError as exc:
        print(f"docmill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not jobs:
        print(f"no job to {action}", file=sys.stderr)
        return EXIT_OK
    asked = _ask(args, f"{len(jobs)} job(s) found to {action}", f"{action} {len(jobs)} job(s)?")
    if asked is not None:
        return asked
    began = time.monotonic()
    done = []
    for job in jobs:
        if action == "cancel":
            if client.cancel(job["id"]) == JobStatus.CANCELLED.value:
                done.append(job["id"])
        else:
            done += client.retry(job["id"])
    seconds = time.monotonic() - began
    what = "cancelled" if action == "cancel" else "put back in line"
    emit(args, {"ids": done}, f"{len(done)} job(s) {what} in {seconds:.1f}s")
    return EXIT_OK


def _ask(args: argparse.Namespace, found: str, question: str) -> int | None:
    """None to go on: --yes, or a person said yes; else the exit code (nobody to ask: 2)."""
    if args.yes:
        return None
    if not sys.stdin.isatty():
        print(f"docmill: {found}; add --yes", file=sys.stderr)
        return EXIT_USAGE
    answer = input(f"{question} [y/N] ")
    return None if answer.strip().lower() in ("y", "yes") else EXIT_OK


PURGE_PAGE = 500  # ids per docmill.purge message (the broker takes 1000 at most)


def purge_queue(client: Client, args: argparse.Namespace) -> int:
    """Delete the jobs waiting in `args.queue`, after saying how many (docmill.purge)."""
    ids: list[str] = []
    for state in (JobStatus.QUEUED, JobStatus.RETRY_SCHEDULED):
        query = argparse.Namespace(
            state=state.value, queue=args.queue, task=None, since=None, path=None
        )
        ids += [job["id"] for job in found(client, query, None)]
    if not ids:
        print(f"no job waiting in queue {args.queue}", file=sys.stderr)
        return EXIT_OK
    waiting = f"{len(ids)} waiting job(s) of queue {args.queue}"
    asked = _ask(args, f"{waiting} found to purge", f"delete {waiting}, for good?")
    if asked is not None:
        return asked
    began = time.monotonic()
    deleted = kept = 0
    for start in range(0, len(ids), PURGE_PAGE):
        gone, cancelled = client.purge_waiting(args.queue, ids[start : start + PURGE_PAGE])
        deleted, kept = deleted + gone, kept + cancelled
    text = f"{deleted} waiting job(s) of queue {args.queue} deleted"
    if kept:
        text += f", {kept} part(s) of batches cancelled (kept for their batch's summary)"
    text += f" in {time.monotonic() - began:.1f}s"
    emit(args, {"queue": args.queue, "deleted": deleted, "cancelled": kept}, text)
    return EXIT_OK

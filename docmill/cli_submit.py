"""`docmill submit`: queue documents, and follow the jobs as they end.

Without `--wait` it prints each job's id and path (`--json`: one JSON line each, `{"id",
"path"}`). With `--wait` it reports each job as it ends:

- `--json` prints one JSON line per job as it ends (JSON Lines, in the order they end), on a
  terminal as off one: the job's view as `docmill result --json` gives it, plus `path`. When
  `--timeout` passes first, the jobs not ended get a line each too, as they stand (exit 3).
- otherwise a table of every job at the end, and a line on stderr for each failure as it
  happens.

While a person watches (stderr a terminal, and the JSON lines, if any, going elsewhere), a
progress bar (tqdm) on stderr shows done, failed and running jobs with the rate and the time
left. The paths given expand as docmill/cli_input.py says.
"""

from __future__ import annotations

import argparse
import queue
import sys
import time
from pathlib import Path
from typing import Any

from tabulate import tabulate

from docmill import cli_chunks
from docmill.cli_input import expand, readable
from docmill.cli_output import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    emit_line,
    exit_code,
    outcome,
)
from docmill.client import Client, Job
from docmill.home import Home, resolve_home
from docmill.inline import document_args
from docmill.protocol import JobStatus
from docmill.security import under_roots
from docmill.settings import load_settings

_REFRESH = 1.0  # seconds between the bar's counts of running jobs


def add_options(submit: argparse.ArgumentParser) -> None:
    submit.add_argument(
        "--include",
        action="append",
        metavar="GLOB",
        help="in folders, only files whose name or path matches (repeatable; default all)",
    )
    submit.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="in folders, leave out files whose name or path matches (repeatable)",
    )


def cmd_submit(client: Client, args: argparse.Namespace) -> int:
    """Exit 2 if a path was skipped (the others still go), unless the jobs say 1 or 3."""
    given = expand(args.paths, args.include, args.exclude)
    paths = readable(given)
    if not paths:
        print("docmill: nothing to submit", file=sys.stderr)
        return EXIT_USAGE
    code = _submit(client, args, paths)
    return EXIT_USAGE if code == EXIT_OK and len(paths) < len(given) else code


def _submit(client: Client, args: argparse.Namespace, paths: list[str]) -> int:
    jobs, labels = _enqueue(client, args, paths)
    if any(job.unserved for job in jobs):
        print(
            f"docmill: warning: no worker serves queue {args.queue!r}; the job(s) wait until one "
            f"does (python -m workers --queues {args.queue})",
            file=sys.stderr,
        )
    if not (args.wait or args.chunks):  # the chunks come with the results
        for job, label in zip(jobs, labels, strict=True):
            if args.json:
                emit_line({"id": job.id, "path": label})
            else:
                print(f"{job.id}  {label}")
        return EXIT_OK
    infos = follow(client, jobs, labels, args)
    if unknown := [i["id"] for i in infos if i["status"] == JobStatus.UNKNOWN.value]:
        print(f"docmill: the broker does not know job(s) {', '.join(unknown[:5])}", file=sys.stderr)
        return EXIT_USAGE  # deleted while waited for (purged)
    if args.batch and infos[0]["status"] == JobStatus.SUCCEEDED.value:
        counts = infos[0]["result"]["counts"]
        return EXIT_OK if set(counts) <= {JobStatus.SUCCEEDED.value} else EXIT_FAILED
    return exit_code(infos)


def _enqueue(
    client: Client, args: argparse.Namespace, paths: list[str]
) -> tuple[list[Job], list[str]]:
    """The jobs for `paths`, each with the label its lines show (its path)."""
    options = {
        "queue": args.queue,
        "priority": args.priority,
        "countdown": args.countdown,
        "max_attempts": args.max_attempts,
    }
    home = Home(resolve_home(args.home))
    security = load_settings(home).security
    chunking = cli_chunks.job_args(args, home)
    if args.batch:
        # A batch names its files by path: its parts cannot carry their bytes.
        outside = [p for p in paths if under_roots(p, security.allowed_roots) is None]
        if outside:
            print(
                f"docmill: {len(outside)} file(s) of the batch lie outside the folders workers "
                f"read ({', '.join(map(str, security.allowed_roots)) or 'none'}) and will fail "
                "as forbidden; copy them into one, or submit them without --batch",
                file=sys.stderr,
            )
        job = client.process_batch(paths, task=args.task, args=chunking or None, **options)
        return [job], [f"batch of {len(paths)} file(s)"]
    specs = [
        cli_chunks.with_chunks(document_args(Path(p), security, args.inline), p, chunking)
        for p in paths
    ]
    if inline := [p for p, spec in zip(paths, specs, strict=True) if "content" in spec]:
        roots = ", ".join(map(str, security.allowed_roots)) or "none"
        why = "as asked" if args.inline else f"outside the folders workers read ({roots})"
        print(f"docmill: sent the content of {len(inline)} file(s), {why}", file=sys.stderr)
    return [client.enqueue(args.task, spec, **options) for spec in specs], paths


def follow(
    client: Client, jobs: list[Job], labels: list[str], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Wait for the jobs (at most `args.timeout`), reporting each as it ends; then, without
    --json, the table of them all. Returns each job's view with its `path`, in the order
    given; those not ended when the time ran out, as they stand."""
    ended: queue.Queue[Job] = queue.Queue()
    label = {job.id: text for job, text in zip(jobs, labels, strict=True)}
    for job in jobs:
        job.add_done_callback(ended.put)  # the client's waiter calls it as the job ends
    watched = sys.stderr.isatty() and not (args.json and sys.stdout.isatty())
    bar = _bar(len(jobs)) if watched and not args.batch else None
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    pending = {job.id for job in jobs}
    counts = {"done": 0, "failed": 0, "running": 0}
    infos: dict[str, dict[str, Any]] = {}
    refreshed = 0.0
    try:
        while pending:
            if bar is not None and time.monotonic() - refreshed > _REFRESH:
                counts["running"] = _running(client, pending)
                bar.set_postfix(counts, refresh=True)
                refreshed = time.monotonic()
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            try:
                job = ended.get(timeout=min(_REFRESH, left) if left is not None else _REFRESH)
            except queue.Empty:
                continue
            pending.discard(job.id)
            info = infos[job.id] = {**_final(job), "path": label[job.id]}
            failed = info["status"] != JobStatus.SUCCEEDED.value
            counts["failed" if failed else "done"] += 1
            if args.json:
                emit_line(info)
            if failed and (bar is not None or not args.json):
                line = f"failed  {info['path']}: {outcome(info)}"
                if bar is None:
                    print(line, file=sys.stderr)
                else:
                    bar.write(line, file=sys.stderr)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(counts, refresh=False)
    finally:
        if bar is not None:
            counts["running"] = 0 if not pending else counts["running"]
            bar.set_postfix(counts, refresh=True)
            bar.close()
    if pending:  # out of time: the rest as they stand
        for info in client.infos([job.id for job in jobs if job.id in pending]):
            infos[info["id"]] = {**info, "path": label[info["id"]]}
            if args.json:
                emit_line(infos[info["id"]])
    ordered = [infos[job.id] for job in jobs]
    if not args.json:
        rows = [[i["id"], i["status"], i["path"], outcome(i)] for i in ordered]
        print(tabulate(rows, headers=["job", "status", "path", "outcome"]))
    if bar is not None or not args.json:
        summary = f"{counts['done']} done, {counts['failed']} failed"
        print(summary + (f", {len(pending)} not ended" if pending else ""), file=sys.stderr)
    return ordered


def _final(job: Job) -> dict[str, Any]:
    """The broker's view of an ended job; a job the client gave up on (closed) as unknown."""
    if job.final is not None:
        return dict(job.final)
    error = {"type": JobStatus.UNKNOWN.value, "message": str(job.exception())}
    return {"id": job.id, "status": JobStatus.UNKNOWN.value, "error": error}


def _bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="job", file=sys.stderr, dynamic_ncols=True)


def _running(client: Client, pending: set[str]) -> int:
    """How many of `pending` a worker runs now, from the broker's status."""
    try:
        return sum(w.get("job") in pending for w in client.status()["workers"])
    except (TimeoutError, OSError):
        return 0

"""`docmill submit` over many files: what the paths given expand to, and following the jobs as
they end.

PATH may be a file, a folder (every file under it, recursively, kept by `--include` and
`--exclude` globs on the file name or its path under the folder), a glob pattern (`**`
included, for shells that do not expand it), or `-`: one path per line on stdin.

With `--wait` on a terminal, a progress bar (tqdm) shows done, failed and running jobs with
the rate and the time left, and each failure is printed as it happens. `--jsonl` prints one
JSON line per job as it ends, for scripts (`--json` keeps printing one array at the end).
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import json
import os
import queue
import sys
import time
from pathlib import Path
from typing import IO, Any

from tabulate import tabulate

from docmill.cli_output import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, jsonable
from docmill.client import Client, Job
from docmill.job import JobFailed
from docmill.protocol import JobStatus

_GLOB = set("*?[")
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
    submit.add_argument(
        "--jsonl",
        action="store_true",
        help="print one JSON line per job as it ends (implies --wait)",
    )


def expand(
    given: list[str],
    include: list[str] | None,
    exclude: list[str] | None,
    stdin: IO[str] | None = None,
) -> list[str]:
    """The paths `given` stands for, in order, each once: folders walked, globs expanded,
    `-` read from `stdin`. A path that is none of these stays as given (missing: the worker
    says not_found)."""
    found: list[str] = []
    for item in given:
        if item == "-":
            lines = (stdin or sys.stdin).read().splitlines()
            found.extend(line.strip() for line in lines if line.strip())
        elif os.path.isdir(item):
            found.extend(_walk(Path(item), include or ["*"], exclude or []))
        elif _GLOB & set(item) and not os.path.lexists(item):
            found.extend(sorted(glob.glob(os.path.expanduser(item), recursive=True)))
        else:
            found.append(item)
    return list(dict.fromkeys(found))


def _walk(folder: Path, include: list[str], exclude: list[str]) -> list[str]:
    kept = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()

            def matches(patterns: list[str], name: str = name, relative: str = relative) -> bool:
                return any(
                    fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relative, p) for p in patterns
                )

            if matches(include) and not matches(exclude):
                kept.append(str(path))
    return kept


def follow(client: Client, jobs: list[Job], labels: list[str], args: argparse.Namespace) -> int:
    """Wait for the jobs, reporting each as it ends; the exit code of the whole submit."""
    ended: queue.Queue[Job] = queue.Queue()
    label = {job.id: text for job, text in zip(jobs, labels, strict=True)}
    order = {job.id: n for n, job in enumerate(jobs)}
    for job in jobs:
        job.add_done_callback(ended.put)  # the client's waiter calls it as the job ends
    bar = _bar(len(jobs)) if not args.jsonl and sys.stderr.isatty() else None
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    pending = {job.id for job in jobs}
    counts = {"done": 0, "failed": 0, "running": 0}
    rows: list[dict[str, Any]] = []
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
            row = _row(job, label[job.id])
            rows.append(row)
            failed = row["status"] != JobStatus.SUCCEEDED.value
            counts["failed" if failed else "done"] += 1
            if args.jsonl:
                print(json.dumps(row, default=jsonable), flush=True)
            elif failed:
                error = row["error"] or {"type": row["status"], "message": ""}
                line = f"failed  {row['path']}: {error['type']}: {error['message']}"
                if bar is not None:
                    bar.write(line, file=sys.stderr)
                else:
                    print(line, file=sys.stderr)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(counts, refresh=False)
    finally:
        if bar is not None:
            counts["running"] = 0 if not pending else counts["running"]
            bar.set_postfix(counts, refresh=True)
            bar.close()
    if not args.jsonl:
        rows.sort(key=lambda row: order[row["id"]])
        table = [[r["id"], r["status"], r["path"], _outcome(r)] for r in rows]
        print(tabulate(table, headers=["job", "status", "path", "outcome"]))
        summary = f"{counts['done']} done, {counts['failed']} failed"
        print(summary + (f", {len(pending)} not ended" if pending else ""), file=sys.stderr)
    if counts["failed"]:
        return EXIT_FAILED
    return EXIT_TIMEOUT if pending else EXIT_OK


def _bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="job", file=sys.stderr, dynamic_ncols=True)


def _running(client: Client, pending: set[str]) -> int:
    """How many of `pending` a worker runs now, from the broker's status."""
    try:
        return sum(w.get("job") in pending for w in client.status()["workers"])
    except (TimeoutError, OSError):
        return 0


def _outcome(row: dict[str, Any]) -> str:
    result, error = row.get("result"), row.get("error")
    if row["status"] == JobStatus.SUCCEEDED.value:
        if isinstance(result, dict) and "text" in result:
            return f"{result.get('kind', '?')}, {len(result['text'])} chars"
        return json.dumps(result, default=jsonable)[:60]
    if isinstance(error, dict):
        return f"{error.get('type', '')}: {error.get('message', '')}"[:120]
    return str(error or row["status"])


def _row(job: Job, path: str) -> dict[str, Any]:
    """One finished job as a JSON line: id, path, status, and its result or error."""
    if job.cancelled():
        return {"id": job.id, "path": path, "status": JobStatus.CANCELLED.value, "error": None}
    failure = job.exception()
    if failure is None:
        return {"id": job.id, "path": path, "status": "succeeded", "result": job.result()}
    if isinstance(failure, JobFailed):
        status = failure.info.get("status", JobStatus.FAILED.value)
        error = {"type": failure.type, "message": failure.message}
        return {"id": job.id, "path": path, "status": status, "error": error}
    return {"id": job.id, "path": path, "status": "unknown", "error": str(failure)}

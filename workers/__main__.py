"""python -m workers [--connect ENDPOINT | --home DIR] [--queues Q1,Q2] [--concurrency N]
[--allowed-root PATH ...]

Path jobs read only files under the allowed roots: with a home (--home, or no --connect) its
docmill.toml [security] allowed_roots (default: the inbox), plus each --allowed-root. A pool
with only --connect and no --allowed-root reads no path at all: send such a pool content.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from docmill import lifeline
from docmill.client import Client
from docmill.home import Home, resolve_home
from docmill.instance import AlreadyRunning, Instance
from docmill.logs import setup_logging
from docmill.protocol import DEFAULT_QUEUES, Command
from docmill.security import SecurityError, client_keys, load_security
from workers.agent import WorkerSettings
from workers.pool import Pool, PoolSettings

log = logging.getLogger("workers")


def allowed_roots(home: Home | None, extra: list[str]) -> tuple[str, ...]:
    """The folders path jobs may read, resolved: the home's [security] allowed_roots (default
    its inbox) when the pool has a home, plus `extra`. Empty means none, never "anywhere"."""
    found = list(load_security(home).allowed_roots) if home is not None else []
    found += [Path(root).expanduser().resolve() for root in extra]
    roots = tuple(dict.fromkeys(str(root) for root in found))
    for root in roots:
        if os.pathsep in root:  # the job process gets them os.pathsep-separated
            raise SecurityError(f"an allowed root may not contain {os.pathsep!r}: {root}")
        if not os.path.isdir(root):
            log.warning("allowed root %s is not a folder (yet)", root)
    if not roots:
        log.warning(
            "no allowed root (no home, no --allowed-root): every job that names a path will "
            "be forbidden; only documents sent as content can be processed"
        )
    return roots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description="Run a worker pool.")
    parser.add_argument("--connect", help="broker endpoint (default: the one in the home folder)")
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    parser.add_argument("--queues", default=",".join(DEFAULT_QUEUES), help="comma-separated")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--tasks", default="", help="comma-separated modules with a TASKS dict")
    parser.add_argument("--timeout", type=float, default=600.0, help="default job time limit (s)")
    parser.add_argument("--max-memory-mb", type=int, default=2048, help="job process RSS limit")
    parser.add_argument(
        "--max-jobs-per-worker", type=int, default=0, help="recycle after N jobs (0: never)"
    )
    parser.add_argument(
        "--recycle-rss-mb", type=int, default=512, help="recycle above this RSS between jobs"
    )
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to finish on stop")
    parser.add_argument(
        "--outbox", help="folder for task outputs (default: the home folder's outbox)"
    )
    parser.add_argument(
        "--split-pages",
        type=int,
        default=100,
        help="read PDFs of more pages in ranges of about this many, on several workers (0: never)",
    )
    parser.add_argument(
        "--allowed-root",
        action="append",
        default=[],
        metavar="PATH",
        help="a folder path jobs may read (repeatable); with a home, besides docmill.toml's "
        "[security] allowed_roots (default: the inbox)",
    )
    parser.add_argument(
        "--pdf-backend",
        choices=["pypdf", "pdfium"],
        default="pdfium",
        help="PDF text extraction: pdfium (the default, ~11x faster), or pypdf",
    )
    parser.add_argument("--server-key", help="CURVE: the broker's public key file (broker.key)")
    parser.add_argument("--key", help="CURVE: this host's key pair (NAME.key_secret)")
    parser.add_argument("--log-level", default="INFO")
    lifeline.add_option(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home))
    endpoint = args.connect or home.broker_endpoint()
    # A pool that only connects to a remote broker has no home here, unless told of one.
    local = home if args.home or not args.connect else None
    outbox = args.outbox or (str(local.outbox) if local else None)
    queues = tuple(q.strip() for q in args.queues.split(",") if q.strip())
    if not queues or args.concurrency < 1:
        parser.error("give at least one queue and a concurrency of 1 or more")
    try:
        keys = client_keys(local, args.server_key, args.key)
    except SecurityError as exc:
        parser.error(str(exc))
    try:
        roots = allowed_roots(local, args.allowed_root)
    except SecurityError as exc:
        parser.error(str(exc))
    worker = WorkerSettings(
        endpoint=endpoint,
        queues=queues,
        task_modules=tuple(m.strip() for m in args.tasks.split(",") if m.strip()),
        task_timeout=args.timeout,
        max_memory_mb=args.max_memory_mb,
        max_jobs=args.max_jobs_per_worker,
        recycle_rss_mb=args.recycle_rss_mb,
        log_level=args.log_level,
        outbox=outbox,
        split_pages=args.split_pages,
        pdf_backend=args.pdf_backend,
        allowed_roots=roots,
        keys=keys,
    )
    client = Client(endpoint=endpoint, timeout=2.0, server_key=args.server_key, key=args.key)

    def report(identity: str, reason: str) -> str | None:
        reply = client.call(Command.WORKER_GONE, {"worker": identity, "reason": reason})
        return reply.get("job")

    def report_stats(
        pool: str, concurrency: int, measures: dict[str, dict[str, float]]
    ) -> int | None:
        body = {"pool": pool, "concurrency": concurrency, "workers": measures}
        return client.call(Command.WORKER_STATS, body).get("concurrency")

    instance = None
    if args.lifeline and local is not None:
        # The pool run_all supervises is one per home; pools started by hand may join it.
        try:
            instance = Instance(local, "pool").acquire(supervised=True)
        except AlreadyRunning as exc:
            parser.exit(2, f"workers: {exc}\n")
    pool = Pool(
        PoolSettings(worker, args.concurrency, args.grace),
        report=report,
        report_stats=report_stats,
    )
    pool.install_signal_handlers()
    if args.lifeline:
        lifeline.watch(pool.request_stop)
    try:
        pool.run()
    finally:
        client.close()
        if instance is not None:
            instance.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

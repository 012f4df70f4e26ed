"""python -m workers [--connect ENDPOINT | --home DIR] [--queues Q1,Q2] [--concurrency N]"""

from __future__ import annotations

import argparse
import logging

from broker.client import Client
from broker.home import Home, resolve_home
from broker.logs import setup_logging
from broker.protocol import DEFAULT_QUEUES, Command
from workers.agent import WorkerSettings
from workers.pool import Pool, PoolSettings

log = logging.getLogger("workers")


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
        default=50,
        help="read PDFs of more pages in ranges of about this many, on several workers (0: never)",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home))
    endpoint = args.connect or home.broker_endpoint()
    # A pool that only connects to a remote broker has no home here, unless told of one.
    outbox = args.outbox or (str(home.outbox) if args.home or not args.connect else None)
    queues = tuple(q.strip() for q in args.queues.split(",") if q.strip())
    if not queues or args.concurrency < 1:
        parser.error("give at least one queue and a concurrency of 1 or more")
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
    )
    client = Client(endpoint=endpoint, timeout=2.0)

    def report(identity: str, reason: str) -> str | None:
        reply = client.call(Command.WORKER_GONE, {"worker": identity, "reason": reason})
        return reply.get("job")

    def report_stats(
        pool: str, concurrency: int, measures: dict[str, dict[str, float]]
    ) -> int | None:
        body = {"pool": pool, "concurrency": concurrency, "workers": measures}
        return client.call(Command.WORKER_STATS, body).get("concurrency")

    pool = Pool(
        PoolSettings(worker, args.concurrency, args.grace),
        report=report,
        report_stats=report_stats,
    )
    pool.install_signal_handlers()
    try:
        pool.run()
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

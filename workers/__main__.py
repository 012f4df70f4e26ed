"""python -m workers [--connect ENDPOINT | --home DIR] [--queues Q1,Q2] [--concurrency N]
[--allowed-root PATH ...] [pool options]

With a home (--home, or no --connect), each pool option left out comes from docmill.toml's
[workers] section, else its default there (docmill.settings.WorkersSettings); a pool with only
--connect has no home, so the defaults alone.

Path jobs read only files under the allowed roots: with a home its docmill.toml [security]
allowed_roots (default: the inbox), plus each --allowed-root. A pool with only --connect and
no --allowed-root reads no path at all: send such a pool content.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from docmill import lifeline, logs
from docmill.client import Client
from docmill.home import Home, resolve_home
from docmill.instance import AlreadyRunning, Instance
from docmill.logs import setup_logging
from docmill.protocol import Command
from docmill.security import SecurityError, SecuritySettings, client_keys
from docmill.settings import (
    OCR_ENGINES,
    PDF_BACKENDS,
    SettingsError,
    WorkersSettings,
    command_environment,
    load_settings,
    override,
)
from workers.context import JobContext
from workers.extract import DEFAULT_MAX_BYTES
from workers.ocr import OcrOptions
from workers.pool import Pool, PoolSettings
from workers.settings import WorkerSettings
from workers.tasks import load_tasks

log = logging.getLogger("workers")

# The options that are WorkersSettings' fields of the same name, besides --queues and --tasks.
POOL_OPTIONS = (
    *("concurrency", "timeout", "max_memory_mb", "max_jobs_per_worker", "recycle_rss_mb"),
    *("grace", "outbox", "split_pages", "pdf_backend", "ocr_engine", "ocr_languages"),
    "ocr_page_timeout",
)


def allowed_roots(security: SecuritySettings | None, extra: list[str]) -> tuple[Path, ...]:
    """The folders path jobs may read, resolved: the home's [security] allowed_roots (default
    its inbox) when the pool has a home, plus `extra`. Empty means none, never "anywhere"."""
    found = list(security.allowed_roots) if security is not None else []
    found += [Path(root).expanduser().resolve() for root in extra]
    roots = tuple(dict.fromkeys(found))
    for root in roots:
        if not root.is_dir():
            log.warning("allowed root %s is not a folder (yet)", root)
    if not roots:
        log.warning(
            "no allowed root (no home, no --allowed-root): every job that names a path will "
            "be forbidden; only documents sent as content can be processed"
        )
    return roots


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workers", description="Run a worker pool.")
    parser.add_argument("--connect", help="broker endpoint (default: the one in the home folder)")
    parser.add_argument("--home", help="home folder (default $DOCMILL_HOME or ./docmill-home)")
    # The pool options: unset (None) unless given, so [workers] or its default applies.
    pool = parser.add_argument_group("pool options (default: docmill.toml's [workers])")
    pool.add_argument("--queues", help="comma-separated queues to take jobs from")
    pool.add_argument("--concurrency", type=int, help="worker processes")
    pool.add_argument("--tasks", help="comma-separated modules with a TASKS dict")
    pool.add_argument("--timeout", type=float, help="time limit (s) of a job that names none")
    pool.add_argument("--max-memory-mb", type=int, help="job process RSS limit")
    pool.add_argument("--max-jobs-per-worker", type=int, help="recycle after N jobs (0: never)")
    pool.add_argument("--recycle-rss-mb", type=int, help="recycle above this RSS between jobs")
    pool.add_argument("--grace", type=float, help="seconds to finish the job in hand on stop")
    pool.add_argument("--outbox", help="folder for task outputs (default: the home's outbox)")
    pool.add_argument(
        "--split-pages",
        type=int,
        help="read PDFs of more pages in ranges of about this many, on several workers (0: never)",
    )
    pool.add_argument(
        "--pdf-backend",
        choices=PDF_BACKENDS,
        help="PDF text extraction: pdfium (the default, ~11x faster), or pypdf",
    )
    pool.add_argument(
        "--ocr-engine",
        choices=OCR_ENGINES,
        help="OCR of scanned pages (the `ocr` queue): auto, tesseract or rapidocr (docs/OCR.md)",
    )
    pool.add_argument("--ocr-languages", help="Tesseract's languages, joined by + (eng+deu)")
    pool.add_argument("--ocr-page-timeout", type=float, help="time limit (s) of one page's OCR")
    parser.add_argument(
        "--allowed-root",
        action="append",
        default=[],
        metavar="PATH",
        help="a folder path jobs may read (repeatable); with a home, besides docmill.toml's "
        "[security] allowed_roots (default: the inbox)",
    )
    parser.add_argument("--server-key", help="CURVE: the broker's public key file (broker.key)")
    parser.add_argument("--key", help="CURVE: this host's key pair (NAME.key_secret)")
    logs.add_options(parser)
    lifeline.add_option(parser)
    return parser


def _listed(value: str | None) -> list[str] | None:
    """A comma-separated option as a list; None (unset) stays None."""
    return None if value is None else [item.strip() for item in value.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.outbox:
        args.outbox = str(Path(args.outbox).expanduser().resolve())
    setup_logging(args.log_level)
    home = Home(resolve_home(args.home))
    endpoint = args.connect or home.broker_endpoint()
    # A pool that only connects to a remote broker has no home here, unless told of one.
    local = home if args.home or not args.connect else None
    try:
        settings = load_settings(local) if local is not None else None
        options = override(
            settings.workers if settings is not None else WorkersSettings(),
            queues=_listed(args.queues),
            tasks=_listed(args.tasks),
            **{name: getattr(args, name) for name in POOL_OPTIONS},
        )
        setup_logging(target=logs.target_of(args, settings.logs if settings else None))
        load_tasks(options.tasks)  # here, so a module that cannot be used stops the pool now
        keys = client_keys(local, args.server_key, args.key)
        roots = allowed_roots(
            settings.security if settings is not None else None, args.allowed_root
        )
    except (SettingsError, SecurityError, ImportError, TypeError) as exc:
        parser.error(str(exc))
    outbox = local.outbox if local is not None else None
    if options.outbox:  # a relative one: relative to the home (or, given as --outbox, to here)
        outbox = (local.root if local is not None else Path()) / Path(options.outbox).expanduser()
    context = JobContext(
        allowed_roots=roots,
        outbox=outbox.resolve() if outbox is not None else None,
        split_pages=options.split_pages,
        pdf_backend=options.pdf_backend,
        max_bytes=DEFAULT_MAX_BYTES,
        timeout=options.timeout,
        max_memory_mb=options.max_memory_mb,
        ocr=OcrOptions(
            engine=options.ocr_engine,
            languages=options.ocr_languages,
            page_timeout=options.ocr_page_timeout,
            environment=command_environment(),
        ),
    )
    worker = WorkerSettings(
        endpoint=endpoint,
        context=context,
        queues=options.queues,
        task_modules=options.tasks,
        max_jobs=options.max_jobs_per_worker,
        recycle_rss_mb=options.recycle_rss_mb,
        log=logs.target_of(args, settings.logs if settings is not None else None),
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
        PoolSettings(worker, options.concurrency, options.grace),
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

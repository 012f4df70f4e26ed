"""docmill.toml: optional settings in the home folder, read once when a process starts.

One loader (load_settings) reads the whole file into typed sections, one frozen dataclass each,
and every process takes the part it needs. Every key is optional; its default is written once,
as the field's default in the section's dataclass, and a command-line option left unset falls
back to it. A key or a section docmill does not know, or a value of the wrong type, is an
error (SettingsError) that names the section and the key, and the key it is closest to.

    [broker]                    # BrokerSettings
    bind = "tcp://10.0.0.5:5555"  # clients and workers (default: ipc in home/run)
    events_bind = "tcp://10.0.0.5:5556"  # the status stream
    synchronous = "FULL"        # or "NORMAL": see docs/DURABILITY.md
    drain_grace = 10.0          # seconds running jobs get to finish on SIGTERM
    max_result_wait = 300.0     # longest long-poll of docmill.result
    commit_delay = 0.05         # longest wait before job state changes are written

    [maintenance]               # MaintenanceSettings
    result_ttl = 604800         # finished jobs are kept 7 days, then cleanup_jobs deletes them
    cleanup_jobs_interval = 3600
    output_retention = 2592000  # output files are kept 30 days
    cleanup_outputs_interval = 21600
    first_run_after = 60
    batch = 5000                # jobs deleted per cleanup_jobs run at most

    [checks]                    # CheckSettings
    interval = 30               # health_check and queue_check every 30 s; 0 turns them off
    alert_command = "notify-send docmill"  # run on each new alert, the alert (JSON) on stdin
    backlog_age = 600           # seconds the oldest waiting job may wait
    disk_free = 1073741824      # bytes that must stay free on the home folder's disk

    [security]                  # CURVE, allowed roots, inline content: see docmill/security.py

    [tasks.process_document]    # a policy per task: what its submits leave out
    max_attempts = 3
    backoff = 1.0               # retry delay base (s), doubled per attempt, full jitter
    backoff_max = 300.0
    timeout = 600               # hard time limit (s)

    [workers]                   # WorkersSettings: `python -m workers --home` (run_all.py's pool)
    concurrency = 2             # worker processes
    queues = ["documents", "analysis", "maintenance", "ocr"]
    tasks = ["mytasks"]         # modules whose TASKS dict adds tasks
    timeout = 600.0             # time limit (s) of a job that names none
    max_memory_mb = 2048        # job process RSS limit
    max_jobs_per_worker = 0     # replace the job process after N jobs; 0: never
    recycle_rss_mb = 512        # replace it, between jobs, above this RSS; 0: never
    grace = 10.0                # seconds a stopping worker has to finish its job
    outbox = "/srv/out"         # where tasks write (default: the home's outbox)
    split_pages = 100           # PDFs of more pages are read in ranges by several workers
    pdf_backend = "pdfium"      # or "pypdf" (docs/EXTRACTION.md compares them)
    ocr_engine = "auto"         # or "tesseract", "rapidocr" (docs/OCR.md compares them)
    ocr_languages = "eng+deu"   # Tesseract's language packs
    ocr_page_timeout = 60.0     # time limit (s) of the OCR of one page

    [watcher]                   # the folder watcher: see docmill/watch_settings.py

    [chunking]                  # the chunk sizes of its jobs: see docmill/chunk_settings.py
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from docmill.chunk_settings import ChunkSettings
from docmill.home import Home
from docmill.logs import LogSettings
from docmill.protocol import DEFAULT_QUEUES, HEARTBEAT_INTERVAL, HEARTBEAT_LIVENESS
from docmill.security import DEFAULT_MAX_INLINE, SecuritySettings, keys_of
from docmill.tables import SettingsError, fields_of, known, table
from docmill.watch_settings import WatcherSettings, watcher_settings

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DAY = 86_400.0
PDF_BACKENDS = ("pypdf", "pdfium")
OCR_ENGINES = ("auto", "tesseract", "rapidocr")


@dataclass(frozen=True)
class CheckSettings:
    """[checks]: the periodic health_check and queue_check jobs, and what raises an alert."""

    interval: float = 30.0  # seconds between runs of each check; 0 turns them off
    alert_command: str | None = None  # run on each new alert, the alert as JSON on stdin
    backlog_age: float = 600.0  # seconds the oldest waiting job may wait
    disk_free: int = 1 << 30  # bytes that must stay free on the home folder's disk


@dataclass(frozen=True)
class MaintenanceSettings:
    """[maintenance]: how long finished jobs and output files are kept, and how often the
    clean-up jobs run."""

    result_ttl: float = 7 * DAY  # finished jobs and their results are kept this long
    cleanup_jobs_interval: float = 3600.0  # seconds between cleanup_jobs runs; 0 turns it off
    output_retention: float = 30 * DAY  # output files are kept this long
    cleanup_outputs_interval: float = 6 * 3600.0  # 0 turns cleanup_outputs off
    first_run_after: float = 60.0  # seconds after start of the first run of each
    batch: int = 5000  # jobs deleted per cleanup_jobs run at most


@dataclass(frozen=True)
class TaskPolicy:
    """[tasks.NAME]: what a submit of that task leaves out; unset (None) keys take the submit's
    own defaults. Only the keys the file sets reach BrokerSettings.task_policies."""

    max_attempts: int | None = None  # attempts before a retryable failure makes a job dead
    backoff: float | None = None  # retry delay base (s), doubled per attempt, full jitter
    backoff_max: float | None = None  # longest retry delay (s)
    timeout: float | None = None  # hard time limit (s)
    priority: int | None = None  # higher runs first
    queue: str | None = None  # the queue its jobs go to


@dataclass(frozen=True)
class WorkersSettings:
    """A worker pool: each option of `python -m workers` left unset falls back to the field of
    the same name, from docmill.toml's [workers] or this default."""

    concurrency: int = 2  # worker processes
    queues: tuple[str, ...] = DEFAULT_QUEUES  # the queues its workers take jobs from
    tasks: tuple[str, ...] = ()  # modules whose TASKS dict adds to the built-in tasks
    timeout: float = 600.0  # hard time limit (s) of a job that names none
    max_memory_mb: int = 2048  # RSS of a job process above which its job fails with `memory`
    max_jobs_per_worker: int = 0  # replace the job process after this many jobs; 0: never
    recycle_rss_mb: int = 512  # replace it when, between jobs, its RSS is above this; 0: never
    grace: float = 10.0  # seconds a stopping worker may take to finish its job
    outbox: str | None = None  # where tasks write their outputs; default: the home's outbox
    split_pages: int = 100  # PDFs of more pages are read in ranges by several workers; 0: never
    pdf_backend: str = "pdfium"  # or "pypdf"; each reads a file the other cannot open
    # The OCR engine of this pool's `ocr` queue jobs: "auto" (Tesseract if the command is there
    # with the languages asked for, else RapidOCR, the `ocr` extra), "tesseract" or "rapidocr"
    ocr_engine: str = "auto"
    ocr_languages: str = "eng"  # Tesseract's language packs, joined by + ("eng+deu")
    ocr_page_timeout: float = 60.0  # time limit (s) of one page's OCR; a part of N pages: N times

    def __post_init__(self) -> None:
        if self.concurrency < 1 or not self.queues or not all(self.queues):
            raise SettingsError(
                "[workers] a pool needs a concurrency of 1 or more and at least one queue"
            )
        if self.pdf_backend not in PDF_BACKENDS:
            raise SettingsError(
                f"[workers] pdf_backend is one of {', '.join(PDF_BACKENDS)}, "
                f"not {self.pdf_backend!r}"
            )
        if self.ocr_engine not in OCR_ENGINES:
            raise SettingsError(
                f"[workers] ocr_engine is one of {', '.join(OCR_ENGINES)}, not {self.ocr_engine!r}"
            )
        if self.ocr_page_timeout <= 0:
            raise SettingsError("[workers] ocr_page_timeout is a number of seconds above 0")
        if min(self.timeout, self.max_memory_mb, self.grace, self.split_pages) < 0:
            raise SettingsError(
                "[workers] timeout, max_memory_mb, grace and split_pages are not negative"
            )


@dataclass(frozen=True)
class DashboardSection:
    """[dashboard]: where the web dashboard serves its page (dashboard/settings.py checks it)."""

    bind: str = "127.0.0.1:8765"  # HOST:PORT, loopback by default; port 0: any free one
    access_token: str | None = None  # asked of every request; required beyond loopback


@dataclass(frozen=True)
class BrokerSettings:
    """Everything the broker process is told; every field has the documented default."""

    home: Home
    bind: str | None = None  # ROUTER endpoint; default ipc in home/run (loopback TCP on Windows)
    events_bind: str | None = None  # PUB endpoint; same rule
    heartbeat_interval: float = HEARTBEAT_INTERVAL
    heartbeat_liveness: int = HEARTBEAT_LIVENESS
    max_result_wait: float = 300.0  # longest long-poll a `docmill.result` may ask for
    synchronous: str = "FULL"  # SQLite: FULL survives power loss, NORMAL only process crashes
    drain_grace: float = 10.0  # on SIGTERM, seconds running jobs get to finish
    commit_delay: float = 0.05  # longest wait before job state changes are written
    state_interval: float = 2.0  # seconds between `broker.state` events; 0 turns them off
    # Per task: defaults for max_attempts, backoff, backoff_max, timeout, priority, queue.
    task_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    maintenance: MaintenanceSettings = field(default_factory=MaintenanceSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    logs: LogSettings = field(default_factory=LogSettings)  # [logs], which every process reads


@dataclass(frozen=True)
class Settings:
    """All of docmill.toml, each section typed; the broker's also holds [maintenance],
    [checks], [security] and [tasks.*]."""

    home: Home
    broker: BrokerSettings
    workers: WorkersSettings
    watcher: WatcherSettings
    dashboard: DashboardSection = field(default_factory=DashboardSection)
    chunking: ChunkSettings = field(default_factory=ChunkSettings)

    @property
    def security(self) -> SecuritySettings:
        return self.broker.security

    @property
    def logs(self) -> LogSettings:
        return self.broker.logs


CONFIG_NAME = "docmill.toml"
SECTIONS = (
    "broker", "maintenance", "checks", "security", "tasks", "workers", "watcher", "logs",
    "dashboard",
    "chunking",
)  # fmt: skip
# What [broker] may set; BrokerSettings' other fields are not the file's to change.
_BROKER_KEYS = {
    "synchronous",
    "drain_grace",
    "max_result_wait",
    "commit_delay",
    "bind",
    "events_bind",
}
_SECURITY_KEYS = {"curve", "insecure", "allowed_roots", "max_inline_bytes"}

Section = TypeVar("Section", bound="DataclassInstance")


def add_bind_options(parser: argparse.ArgumentParser) -> None:
    """--bind, --events and --insecure: where the broker listens, for it and for run_all.py."""
    parser.add_argument("--bind", help="ROUTER endpoint for clients and workers")
    parser.add_argument("--events", help="PUB endpoint for the status stream")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="allow binding TCP beyond loopback without CURVE (anyone who reaches it gets in)",
    )


def bind_options(args: argparse.Namespace) -> list[str]:
    """The options of add_bind_options as given, to pass on to `python -m broker`."""
    given = [("--bind", args.bind), ("--events", args.events)]
    return [word for flag, value in given if value for word in (flag, value)] + (
        ["--insecure"] if args.insecure else []
    )


def command_environment() -> tuple[tuple[str, str], ...]:
    """This process's environment, read once at its edge, for the commands its tasks run
    (the `tesseract` command): tasks never read the environment themselves."""
    return tuple(sorted(os.environ.items()))


def override(section: Section, **given: Any) -> Section:
    """`section` with the command line's values: each one given (not None) replaces the field
    of its name, checked and converted as the file's would be."""
    values = {key: value for key, value in given.items() if value is not None}
    return dataclasses.replace(section, **fields_of(type(section), values, "option"))


def read_toml(home: Home) -> dict[str, Any]:
    """home/docmill.toml as a dict ({} when there is none)."""
    path = home.root / CONFIG_NAME
    try:
        return tomllib.loads(path.read_text()) if path.exists() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def load_settings(home: Home) -> Settings:
    """Every section of home/docmill.toml, checked, with the defaults of what it leaves out."""
    data = read_toml(home)
    known(data, SECTIONS, CONFIG_NAME)
    tasks = table(data, "tasks", "[tasks]")
    policies = {
        name: fields_of(TaskPolicy, table(tasks, name, f"[tasks.{name}]"), f"[tasks.{name}]")
        for name in tasks
    }
    broker = BrokerSettings(
        home=home,
        maintenance=_section(MaintenanceSettings, data, "maintenance"),
        checks=_section(CheckSettings, data, "checks"),
        task_policies=policies,
        security=_security(home, table(data, "security", "[security]")),
        logs=_logs(_section(LogSettings, data, "logs")),
        **fields_of(BrokerSettings, table(data, "broker", "[broker]"), "[broker]", _BROKER_KEYS),
    )
    chunking = _section(ChunkSettings, data, "chunking")
    return Settings(
        home=home,
        broker=broker,
        workers=_section(WorkersSettings, data, "workers"),
        watcher=watcher_settings(home.root, table(data, "watcher", "[watcher]"), chunking),
        chunking=chunking,
        dashboard=_section(DashboardSection, data, "dashboard"),
    )


def _logs(logs: LogSettings) -> LogSettings:
    if logs.format not in ("text", "json") or logs.max_bytes < 1024 or logs.backups < 1:
        raise SettingsError(
            "[logs] format is text or json, max_bytes at least 1024, backups at least 1"
        )
    return logs


def _section(cls: type[Section], data: dict[str, Any], name: str) -> Section:
    return cls(**fields_of(cls, table(data, name, f"[{name}]"), f"[{name}]"))


def _security(home: Home, data: dict[str, Any]) -> SecuritySettings:
    """[security]: its allowed roots resolved (default: the inbox), its limits checked."""
    found = fields_of(SecuritySettings, data, "[security]", _SECURITY_KEYS)
    if found.get("curve", "auto") not in ("auto", True, False):
        raise SettingsError(f'[security] curve is "auto", true or false, not {data["curve"]!r}')
    roots = found.get("allowed_roots", (home.inbox,))
    found["allowed_roots"] = tuple(Path(root).expanduser().resolve() for root in roots)
    limit = found.get("max_inline_bytes", DEFAULT_MAX_INLINE)
    if not 0 <= limit <= DEFAULT_MAX_INLINE:
        raise SettingsError(
            f"[security] max_inline_bytes is a number of bytes up to {DEFAULT_MAX_INLINE}"
            " (it must fit in one message)"
        )
    return SecuritySettings(**found, keys=keys_of(home))


def load_broker_settings(home: Home, **overrides: Any) -> BrokerSettings:
    """The broker's settings from home/docmill.toml, then the command line's `overrides`
    (None = unset); `insecure=True` allows TCP beyond loopback without CURVE."""
    broker = load_settings(home).broker
    if overrides.pop("insecure", None):
        broker = dataclasses.replace(
            broker, security=dataclasses.replace(broker.security, insecure=True)
        )
    given = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(broker, **given)

"""docmill.toml: optional settings in the home folder, read once when a process starts.

    [broker]
    bind = "tcp://10.0.0.5:5555"  # clients and workers (default: ipc in home/run)
    events_bind = "tcp://10.0.0.5:5556"  # the status stream
    synchronous = "FULL"        # or "NORMAL": see docs/DURABILITY.md
    drain_grace = 10.0          # seconds running jobs get to finish on SIGTERM
    max_result_wait = 300.0     # longest long-poll of docmill.result
    commit_delay = 0.05         # longest wait before job state changes are written

    [maintenance]
    result_ttl = 604800         # finished jobs are kept 7 days, then cleanup_jobs deletes them
    cleanup_jobs_interval = 3600
    output_retention = 2592000  # output files are kept 30 days
    cleanup_outputs_interval = 21600
    first_run_after = 60

    [checks]
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

Every key is optional; its default is the field's default in BrokerSettings or
MaintenanceSettings. An unknown key is an error that names the known ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
from dataclasses import dataclass, field
from typing import Any

from docmill.home import Home
from docmill.protocol import HEARTBEAT_INTERVAL, HEARTBEAT_LIVENESS
from docmill.security import SecurityError, SecuritySettings, load_security

DAY = 86_400.0


@dataclass(frozen=True)
class CheckSettings:
    interval: float = 30.0  # seconds between runs of each check; 0 turns them off
    alert_command: str | None = None  # run on each new alert, the alert as JSON on stdin
    backlog_age: float = 600.0  # seconds the oldest waiting job may wait
    disk_free: int = 1 << 30  # bytes that must stay free on the home folder's disk


@dataclass(frozen=True)
class MaintenanceSettings:
    result_ttl: float = 7 * DAY  # finished jobs and their results are kept this long
    cleanup_jobs_interval: float = 3600.0  # seconds between cleanup_jobs runs; 0 turns it off
    output_retention: float = 30 * DAY  # output files are kept this long
    cleanup_outputs_interval: float = 6 * 3600.0  # 0 turns cleanup_outputs off
    first_run_after: float = 60.0  # seconds after start of the first run of each
    batch: int = 5000  # jobs deleted per cleanup_jobs run at most


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


CONFIG_NAME = "docmill.toml"
_BROKER_KEYS = {
    "synchronous",
    "drain_grace",
    "max_result_wait",
    "commit_delay",
    "bind",
    "events_bind",
}
_POLICY_KEYS = {"max_attempts", "backoff", "backoff_max", "timeout", "priority", "queue"}


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


class SettingsError(ValueError):
    pass


def _section(data: dict[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise SettingsError(f"[{name}] must be a table")
    unknown = set(section) - allowed
    if unknown:
        raise SettingsError(
            f"unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(allowed))}"
        )
    return section


def load_broker_settings(home: Home, **overrides: Any) -> BrokerSettings:
    """Settings from home/docmill.toml, then the command line's `overrides` (None = unset)."""
    path = home.root / CONFIG_NAME
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: {exc}") from exc
    check_keys = {f.name for f in dataclasses.fields(CheckSettings)}
    checks = CheckSettings(**_section(data, "checks", check_keys))
    maintenance_keys = {f.name for f in dataclasses.fields(MaintenanceSettings)}
    maintenance = MaintenanceSettings(**_section(data, "maintenance", maintenance_keys))
    tasks = data.get("tasks", {})
    if not isinstance(tasks, dict):
        raise SettingsError("[tasks] must hold one table per task, e.g. [tasks.process_document]")
    policies = {name: _section(tasks, name, _POLICY_KEYS) for name in tasks}
    broker = _section(data, "broker", _BROKER_KEYS)
    broker.update({k: v for k, v in overrides.items() if v is not None})
    try:
        security = load_security(home, data)
    except SecurityError as exc:
        raise SettingsError(str(exc)) from exc
    if broker.pop("insecure", False):
        security = dataclasses.replace(security, insecure=True)
    return BrokerSettings(
        home=home,
        maintenance=maintenance,
        checks=checks,
        task_policies=policies,
        security=security,
        **broker,
    )

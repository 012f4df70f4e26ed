"""The watcher's settings: one small dataclass per watched folder, one for the process.

Read once at the edge, from docmill.toml's optional `[watcher]` table and the command line:

    [watcher]
    retry_base = 1.0            # first retry delay (s) while the broker does not answer
    retry_max = 30.0            # longest retry delay (s)
    state_poll = 1.0            # seconds between job-state polls while jobs are outstanding

    [[watcher.folders]]         # default: one folder, the home folder's inbox
    path = "inbox"              # relative paths are relative to the home folder
    recursive = false
    include = ["*"]             # glob patterns matched against the file name
    exclude = []
    queue = "documents"         # default: the broker's default queue
    task = "process_document"   # called with args {"path": ...} (plus `args`)
    settle = 1.0                # seconds size and mtime must stay unchanged
    polling = false             # PollingObserver instead of the native one
    poll_interval = 1.0         # the PollingObserver's scan interval
    batch_window = 0.0          # > 0: gather files for this long into one process_batch job
    batch_size = 0              # > 0: a batch is sent as soon as it holds this many files
    after = "leave"             # or "move": to processed/ or failed/ once the job has ended
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docmill.home import Home

CONFIG_NAME = "docmill.toml"
AFTER_CHOICES = ("leave", "move")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class FolderSettings:
    """One watched folder and what becomes of the files that arrive in it."""

    path: Path
    recursive: bool = False
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    queue: str | None = None
    task: str = "process_document"
    args: dict[str, Any] = field(default_factory=dict)  # extra args for every job
    settle: float = 1.0
    polling: bool = False
    poll_interval: float = 1.0
    batch_window: float = 0.0
    batch_size: int = 0
    after: str = "leave"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path).expanduser().resolve())
        object.__setattr__(self, "include", tuple(self.include))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        if self.after not in AFTER_CHOICES:
            raise SettingsError(f"'after' must be one of {AFTER_CHOICES}, not {self.after!r}")
        if self.settle < 0 or self.batch_window < 0 or self.batch_size < 0:
            raise SettingsError("'settle', 'batch_window' and 'batch_size' must not be negative")

    @property
    def batched(self) -> bool:
        return self.batch_window > 0 or self.batch_size > 0

    @property
    def processed(self) -> Path:
        return self.path / "processed"

    @property
    def failed(self) -> Path:
        return self.path / "failed"


@dataclass(frozen=True)
class WatcherSettings:
    """The watcher process: its folders, its history and how it treats the broker."""

    home: Path
    folders: tuple[FolderSettings, ...] = ()
    db_path: Path | None = None  # default: home/state/watcher.db
    retry_base: float = 1.0
    retry_max: float = 30.0
    state_poll: float = 1.0
    submit_chunk: int = 500  # files per submit message
    submit_timeout: float = 5.0  # seconds a submit may wait for the broker's answer
    queue_limit: int = 100_000  # file events held before it counts as an overflow
    health_interval: float = 5.0  # seconds between checks that the observers still run

    def __post_init__(self) -> None:
        home = Path(self.home).expanduser().resolve()
        object.__setattr__(self, "home", home)
        if not self.folders:
            object.__setattr__(self, "folders", (FolderSettings(Home(home).inbox),))
        if self.db_path is None:
            object.__setattr__(self, "db_path", Home(home).state / "watcher.db")

    @property
    def history_path(self) -> Path:
        assert self.db_path is not None  # set in __post_init__
        return self.db_path


_FOLDER_KEYS = {f.name for f in dataclasses.fields(FolderSettings)}
_WATCHER_KEYS = {f.name for f in dataclasses.fields(WatcherSettings)} - {"home", "folders"}


def _known(table: dict[str, Any], allowed: set[str], where: str) -> dict[str, Any]:
    unknown = set(table) - allowed
    if unknown:
        raise SettingsError(
            f"unknown setting(s) in {where}: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(allowed))}"
        )
    return table


def load_settings(
    home: Path, folders: list[str] | None = None, **overrides: Any
) -> WatcherSettings:
    """Settings from home/docmill.toml's [watcher] table; `folders` (paths) replace its folders."""
    path = home / CONFIG_NAME
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text()).get("watcher", {})
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError("[watcher] must be a table")
    tables = data.pop("folders", [])
    options = _known(data, _WATCHER_KEYS, "[watcher]")
    if folders:
        specs: list[FolderSettings] = [FolderSettings(Path(f)) for f in folders]
    else:
        specs = []
        for table in tables:
            spec = dict(_known(table, _FOLDER_KEYS, "[[watcher.folders]]"))
            spec["path"] = home / Path(spec.get("path", "inbox")).expanduser()
            spec["include"] = tuple(spec.get("include", ("*",)))
            spec["exclude"] = tuple(spec.get("exclude", ()))
            specs.append(FolderSettings(**spec))
    options.update({k: v for k, v in overrides.items() if v is not None})
    return WatcherSettings(home=home, folders=tuple(specs), **options)

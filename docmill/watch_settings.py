"""The watcher's settings: one small dataclass per watched folder, one for the process.

docmill.toml's optional `[watcher]` table (read with the rest of the file by
docmill.settings.load_settings), then the command line of `python -m watcher`:

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
    chunking = { size = 500, unit = "words" }  # over docmill.toml's [chunking], for this folder

process_document jobs get the chunk sizes of their folder (docmill.toml's [chunking], with the
folder's `chunking` over it) in their args, unless the folder's `args` give their own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docmill.chunk_settings import ChunkSettings
from docmill.home import Home
from docmill.tables import SettingsError, fields_of

AFTER_CHOICES = ("leave", "move")


@dataclass(frozen=True)
class FolderSettings:
    """One watched folder and what becomes of the files that arrive in it."""

    path: Path
    recursive: bool = False  # watch its subfolders too
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()  # glob patterns of file names to leave alone
    queue: str | None = None
    task: str = "process_document"
    args: dict[str, Any] = field(default_factory=dict)  # extra args for every job
    settle: float = 1.0
    polling: bool = False
    poll_interval: float = 1.0
    batch_window: float = 0.0
    batch_size: int = 0
    after: str = "leave"
    chunking: ChunkSettings | None = None  # {size, overlap, unit} over [chunking], for this folder

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path).expanduser().resolve())
        object.__setattr__(self, "include", tuple(self.include))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        if self.after not in AFTER_CHOICES:
            raise SettingsError(f"'after' must be one of {AFTER_CHOICES}, not {self.after!r}")
        if self.settle < 0 or self.batch_window < 0 or self.batch_size < 0:
            raise SettingsError("'settle', 'batch_window' and 'batch_size' must not be negative")

    def job_args(self) -> dict[str, Any]:
        """What every job of this folder is given besides its path: the chunk sizes (for
        process_document), then the folder's `args` over them."""
        chunks = self.chunking.args() if self.chunking and self.task == "process_document" else {}
        return {**chunks, **self.args}

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
    chunking: ChunkSettings = field(default_factory=ChunkSettings)  # docmill.toml [chunking]

    def __post_init__(self) -> None:
        home = Path(self.home).expanduser().resolve()
        object.__setattr__(self, "home", home)
        if not self.folders:
            inbox = FolderSettings(Home(home).inbox, chunking=self.chunking)
            object.__setattr__(self, "folders", (inbox,))
        if self.db_path is None:
            object.__setattr__(self, "db_path", Home(home).state / "watcher.db")

    @property
    def history_path(self) -> Path:
        assert self.db_path is not None  # set in __post_init__
        return self.db_path


# What docmill.toml may set: the folders come from [[watcher.folders]], the home from elsewhere.
# [chunking] is a section of its own.
_WATCHER_KEYS = {f.name for f in dataclasses.fields(WatcherSettings)} - {
    "home",
    "folders",
    "chunking",
}


def watcher_settings(
    home: Path, data: dict[str, Any], chunking: ChunkSettings | None = None
) -> WatcherSettings:
    """The watcher's settings from docmill.toml's [watcher] table (`data`); a folder's relative
    path is relative to `home`; its chunk sizes are `chunking` ([chunking]) with its own
    `chunking` table over them."""
    chunking = chunking or ChunkSettings()
    tables = data.get("folders", [])
    if not isinstance(tables, list):
        raise SettingsError("[[watcher.folders]] must be an array of tables, one per folder")
    options = fields_of(
        WatcherSettings,
        {k: v for k, v in data.items() if k != "folders"},
        "[watcher]",
        only=_WATCHER_KEYS,
    )
    folders = []
    for number, folder in enumerate(tables, 1):
        if not isinstance(folder, dict):
            raise SettingsError(f"[[watcher.folders]] number {number} must be a table")
        where = f"[[watcher.folders]] number {number}"
        own = {k: v for k, v in folder.items() if k != "chunking"}
        spec = fields_of(FolderSettings, own, where)
        spec["path"] = home / Path(spec.get("path", "inbox")).expanduser()
        spec["chunking"] = chunking.over(folder.get("chunking", {}), f"{where} chunking")
        folders.append(FolderSettings(**spec))
    return WatcherSettings(home=home, folders=tuple(folders), chunking=chunking, **options)

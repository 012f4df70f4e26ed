"""The task registry: task names to plain functions, built explicitly, no import-time magic.

A task is called with the job's args as keyword arguments and returns a msgpack-serialisable
value, or raises TaskError for a typed failure. Users add their own with `--tasks MODULE`: the
module's `TASKS` dict is merged over the built-in tasks.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Task = Callable[..., Any]


def noop(seconds: float = 0.0) -> None:
    """Do nothing, optionally for a while: the yardstick for the system's own overhead."""
    if seconds > 0:
        time.sleep(seconds)


def echo(**args: Any) -> dict[str, Any]:
    """Return the arguments as they arrived: a round trip through every layer."""
    return args


def process_document(
    path: str,
    chunk_size: int = 1000,
    chunk_overlap: int = 200,
    outbox: str | None = None,
    split_pages: int | None = None,
    parts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Text, metadata and chunks of one document; outputs go to `outbox` (else $DOCMILL_OUTBOX).

    A PDF of more than `split_pages` pages (else the pool's setting) is read in page ranges by
    `extract_pages` jobs on any worker; the broker then runs this again with their `parts`.
    """
    from workers import document  # parsers load when the first document arrives

    return document.process_document(
        path, chunk_size, chunk_overlap, outbox, split_pages=split_pages, parts=parts
    )


def extract_pages(path: str, first: int, last: int) -> dict[str, Any]:
    """The text of pages `first` to `last` of a PDF: one part of a long process_document."""
    from workers.formats.pdf import extract_pages as run

    return run(path, first, last)


def extract_metadata(path: str) -> dict[str, Any]:
    """Kind, size, page count, title, author and dates, without extracting the full text."""
    from workers.extract import extract_metadata as run

    return run(path)


def analyze_document(path: str, index: str | None = None, near: int = 6) -> dict[str, Any]:
    """Language, word and sentence counts, keywords, SimHash and near-duplicates of a document;
    the fingerprint index is `index`, else one in $DOCMILL_OUTBOX."""
    from workers.analysis import analyze_document as run

    return run(path, index, near)


def cleanup_outputs(folder: str, older_than: float) -> dict[str, int]:
    """Remove files in `folder` (recursively) last modified more than `older_than` seconds ago,
    and temporary files of interrupted writes after an hour."""
    cutoff = time.time() - older_than
    removed = kept = 0
    root = Path(folder)
    if not root.is_dir():
        return {"removed": 0, "kept": 0}
    stale_part = time.time() - 3600  # a write cut short by a kill leaves its temporary file
    for path in root.rglob("*"):
        try:
            if path.name.startswith(".docmill-"):
                continue  # docmill's own state kept beside the outputs (the simhash index)
            is_part = path.name.startswith(".") and path.name.endswith(".part")
            if path.is_file() and path.stat().st_mtime < (stale_part if is_part else cutoff):
                path.unlink()
                removed += 1
            elif path.is_file():
                kept += 1
        except FileNotFoundError:
            continue  # removed by someone else meanwhile
    return {"removed": removed, "kept": kept}


BUILTIN: dict[str, Task] = {
    "noop": noop,
    "echo": echo,
    "process_document": process_document,
    "extract_pages": extract_pages,
    "extract_metadata": extract_metadata,
    "analyze_document": analyze_document,
    "cleanup_outputs": cleanup_outputs,
}


def load_tasks(modules: Iterable[str] = ()) -> dict[str, Task]:
    tasks = dict(BUILTIN)
    for name in modules:
        extra = getattr(importlib.import_module(name), "TASKS", None)
        if not isinstance(extra, dict):
            raise ImportError(f"task module {name!r} has no TASKS dict")
        tasks.update(extra)
    return tasks

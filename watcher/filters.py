"""Which files the watcher looks at: small callables `(path) -> bool`, True meaning "keep".

keep = all_of(not_temporary, globs(["*.pdf"], ["draft*"]), not_under([inbox / "processed"]))
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from pathlib import Path

Filter = Callable[[Path], bool]

# Partial downloads and editor scratch files: never complete documents.
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".swp", "~")
TEMP_PREFIXES = ("~$", ".~lock", ".", "#")


def not_temporary(path: Path) -> bool:
    """False for hidden files, lock files and the temporary files of downloads and saves."""
    name = path.name.lower()
    return not (name.startswith(TEMP_PREFIXES) or name.endswith(TEMP_SUFFIXES))


def globs(include: Iterable[str] = ("*",), exclude: Iterable[str] = ()) -> Filter:
    """Keep names matching one of `include` and none of `exclude` (case-insensitive globs)."""
    inc = tuple(p.lower() for p in include) or ("*",)
    exc = tuple(p.lower() for p in exclude)

    def keep(path: Path) -> bool:
        name = path.name.lower()
        return any(fnmatch.fnmatchcase(name, p) for p in inc) and not any(
            fnmatch.fnmatchcase(name, p) for p in exc
        )

    return keep


def not_under(folders: Iterable[Path]) -> Filter:
    """Drop anything inside one of `folders` (where processed and failed files are moved)."""
    roots = tuple(folders)

    def keep(path: Path) -> bool:
        return not any(path.is_relative_to(root) for root in roots)

    return keep


def within(root: Path, recursive: bool) -> Filter:
    """Keep files directly in `root`, or anywhere below it when `recursive`."""

    def keep(path: Path) -> bool:
        if recursive:
            return path.is_relative_to(root) and path != root
        return path.parent == root

    return keep


def not_hidden_below(root: Path) -> Filter:
    """Drop files inside hidden folders below `root` (.git, .Trash, a sync tool's scratch dir)."""

    def keep(path: Path) -> bool:
        try:
            parts = path.relative_to(root).parts[:-1]
        except ValueError:
            return False
        return not any(part.startswith(".") for part in parts)

    return keep


def all_of(*filters: Filter) -> Filter:
    def keep(path: Path) -> bool:
        return all(f(path) for f in filters)

    return keep

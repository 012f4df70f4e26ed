"""The task registry: task names to plain functions, built explicitly, no import-time magic.

A task is called as `task(context, **args)`: the worker's JobContext (workers.context) first,
as the parameter named `context`, then the job's args as keyword arguments. It returns a
msgpack-serialisable value, or raises TaskError for a typed failure. Users add their own with
`--tasks MODULE`: the module's `TASKS` dict is merged over the built-in tasks; its tasks take
the context first too."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from docmill.protocol import ErrorType
from docmill.security import under_roots
from workers.context import JobContext
from workers.errors import TaskError

Task = Callable[..., Any]


def noop(context: JobContext, seconds: float = 0.0) -> None:
    """Do nothing, optionally for a while: the yardstick for the system's own overhead."""
    if seconds > 0:
        time.sleep(seconds)


def echo(context: JobContext, **args: Any) -> dict[str, Any]:
    """Return the arguments as they arrived: a round trip through every layer."""
    return args


def process_document(
    context: JobContext,
    path: str | None = None,
    chunk_size: int = 1000,
    chunk_overlap: int = 200,
    split_pages: int | None = None,
    parts: list[dict[str, Any]] | None = None,
    content: bytes | None = None,
    name: str | None = None,
    html_main_content: bool = True,
    chunk_unit: str = "chars",
    include_chunks: bool | int = False,
    chunks_from: int = 0,
    source: str | None = None,
    ocr: str = "auto",
    ocr_parts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Text, metadata and chunks of one document, its outputs written to the context's outbox
    (if any): the file at `path`, or `content` (bytes) named `name`.
    `html_main_content` (default true): of a web page, only the main content, without its
    navigation, sidebars and footers; false keeps all its visible text.

    A PDF of more than `split_pages` pages (else the context's) is read in page ranges by
    `extract_pages` jobs on any worker; the broker then runs this again with their `parts`.
    Chunks are `chunk_size` (`chunk_overlap`) characters or words (`chunk_unit`); with
    `include_chunks` they come in the reply too (docs/CHUNKS.md). `source` is the name results
    give the document, the path the user gave (default: the path read, or `inline:<name>`).
    `ocr`: "auto" reads the pages of PDFs and images that have no text layer by OCR, as
    `ocr_pages` jobs on the `ocr` queue (the broker runs this again with their `ocr_parts`);
    "force" every page, its text layer replaced; "off" none (docs/OCR.md).
    """
    from workers import document  # parsers load when the first document arrives
    from workers.chunk_lines import check_request
    from workers.formats.scans import Request
    from workers.inputs import document_file, inline_meta

    check_request(chunk_size, chunk_overlap, chunk_unit, include_chunks, chunks_from, source)
    scan = Request(ocr, results=ocr_parts, page_timeout=context.ocr.page_timeout)
    if split_pages is None:
        split_pages = context.split_pages
    with document_file(context, path, content, name) as (readable, named):
        if content is not None:
            # The parts of a split PDF are jobs that name the file by path, and this copy lives
            # only in this job process: inline content is always read whole, here.
            split_pages = 0
        # The parts name the file as this job does: by path, or by name for the content the
        # broker passes on to them.
        where = {"path": readable} if content is None else {"name": named.split(":", 1)[1]}
        reply = document.process_document(
            readable,
            chunk_size,
            chunk_overlap,
            str(context.outbox) if context.outbox is not None else None,
            max_bytes=context.max_bytes,
            split_pages=split_pages,
            parts=parts,
            source=source or named,
            pdf_backend=context.pdf_backend,
            html_main_content=bool(html_main_content),
            chunk_unit=chunk_unit,
            include_chunks=include_chunks,
            chunks_from=chunks_from,
            ocr=dataclasses.replace(scan, source=where),
        )
    return inline_meta(reply, content)


def ocr_pages(
    context: JobContext,
    kind: str,
    pages: list[int],
    path: str | None = None,
    content: bytes | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The text of pages `pages` (numbers from 1) of a PDF or image (`kind` "pdf" or
    "image"), read by the pool's OCR engine: one part of a document with scanned pages."""
    from workers.inputs import document_file
    from workers.ocr import read_pages

    with document_file(context, path, content, name) as (readable, _):
        return read_pages(readable, kind, pages, context.ocr)


def extract_pages(context: JobContext, path: str, first: int, last: int) -> dict[str, Any]:
    """The text of pages `first` to `last` of a PDF: one part of a long process_document."""
    from workers.extract import confine
    from workers.formats.pdf import extract_pages as run

    return run(confine(path, context.allowed_roots), first, last, context.pdf_backend)


def extract_metadata(
    context: JobContext,
    path: str | None = None,
    content: bytes | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Kind, size, page count, title, author and dates, without extracting the full text."""
    from workers.extract import extract_metadata as run
    from workers.inputs import document_file, inline_meta

    with document_file(context, path, content, name) as (readable, _):
        return inline_meta(run(readable, max_bytes=context.max_bytes), content)


def analyze_document(
    context: JobContext,
    path: str | None = None,
    near: int = 6,
    content: bytes | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Language, word and sentence counts, keywords, SimHash and near-duplicates of a document
    (the file at `path`, or `content` named `name`); the fingerprint index is the one in the
    context's outbox, none without an outbox."""
    from workers.analysis import analyze_document as run
    from workers.analysis import index_in
    from workers.inputs import document_file

    with document_file(context, path, content, name) as (readable, source):
        return run(readable, index_in(context.outbox), near, source=source)


def cleanup_outputs(context: JobContext, folder: str, older_than: float) -> dict[str, Any]:
    """Remove files in `folder` (recursively) last modified more than `older_than` seconds ago,
    and temporary files of interrupted writes after an hour.

    `folder` must be the context's outbox or a folder in it, once links are resolved; links
    inside it are neither followed nor removed.
    """
    if isinstance(older_than, bool) or not isinstance(older_than, int | float):
        raise TaskError(ErrorType.BAD_REQUEST, f"older_than is seconds, not {older_than!r}")
    if context.outbox is None:
        # A pool on another host with no outbox takes the broker's periodic clean-up too.
        return {"removed": 0, "kept": 0, "skipped": "this worker has no outbox"}
    root = _inside_outbox(folder, context.outbox)
    cutoff = time.time() - older_than
    stale_part = time.time() - 3600  # a write cut short by a kill leaves its temporary file
    removed = kept = 0
    if not root.is_dir():
        return {"removed": 0, "kept": 0}
    for names, remove in _files(root):
        for entry_name, st in names:
            if entry_name.startswith(".docmill-"):
                continue  # docmill's own state kept beside the outputs (the simhash index)
            is_part = entry_name.startswith(".") and entry_name.endswith(".part")
            if st.st_mtime < (stale_part if is_part else cutoff):
                try:
                    remove(entry_name)
                    removed += 1
                except FileNotFoundError:
                    continue  # removed by someone else meanwhile
            else:
                kept += 1
    return {"removed": removed, "kept": kept}


def _inside_outbox(folder: str, outbox: Path) -> Path:
    """`folder`, resolved, if it is the worker's `outbox` or lies inside it; else `forbidden`."""
    if not isinstance(folder, str) or not folder or "\x00" in folder:
        raise TaskError(ErrorType.BAD_REQUEST, f"'folder' must be a folder path, not {folder!r}")
    real = under_roots(folder, (outbox.resolve(),))
    if real is None:
        raise TaskError(
            ErrorType.FORBIDDEN,
            f"cannot clean {folder}: a worker removes files only in its own outbox ({outbox})",
        )
    return real


Remover = Callable[[str], None]


def _files(root: Path) -> Iterator[tuple[list[tuple[str, os.stat_result]], Remover]]:
    """Per folder under `root`: its regular files with their stat, and how to remove one.

    Links are not followed: with os.fwalk (POSIX) each folder is held open and its files are
    removed relative to it, so a folder swapped for a link meanwhile cannot redirect a removal.
    """
    if hasattr(os, "fwalk"):
        for _, _, filenames, dirfd in os.fwalk(root, follow_symlinks=False):
            found = []
            for entry in filenames:
                try:
                    st = os.stat(entry, dir_fd=dirfd, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    found.append((entry, st))
            yield found, functools.partial(_unlink_at, dirfd=dirfd)
        return
    for dirpath, _, filenames in os.walk(root, followlinks=False):
        found = []
        for entry in filenames:
            try:
                st = os.lstat(os.path.join(dirpath, entry))
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((entry, st))
        yield found, functools.partial(_unlink_in, dirpath)


def _unlink_at(entry: str, dirfd: int) -> None:
    os.unlink(entry, dir_fd=dirfd)


def _unlink_in(dirpath: str, entry: str) -> None:
    os.unlink(os.path.join(dirpath, entry))


BUILTIN: dict[str, Task] = {
    "noop": noop,
    "echo": echo,
    "process_document": process_document,
    "extract_pages": extract_pages,
    "ocr_pages": ocr_pages,
    "extract_metadata": extract_metadata,
    "analyze_document": analyze_document,
    "cleanup_outputs": cleanup_outputs,
}


def load_tasks(modules: Iterable[str] = ()) -> dict[str, Task]:
    """The built-in tasks and those of each module's TASKS dict; ImportError or TypeError
    (a task that does not take the JobContext first) when a module cannot be used."""
    tasks = dict(BUILTIN)
    for name in modules:
        extra = getattr(importlib.import_module(name), "TASKS", None)
        if not isinstance(extra, dict):
            raise ImportError(f"task module {name!r} has no TASKS dict")
        for task_name, task in extra.items():
            if not _takes_context(task):
                raise TypeError(
                    f"task {task_name!r} of {name!r} does not take the JobContext first: a task "
                    "is called as task(context, **args), its first parameter named `context` "
                    "(see workers/context.py)"
                )
        tasks.update(extra)
    return tasks


def _takes_context(task: Task) -> bool:
    """Whether `task`'s first parameter is the positional `context`. Checked by its name: a task
    written before the context, `def t(name)`, would otherwise take the context as its `name`."""
    try:
        first = next(iter(inspect.signature(task).parameters.values()), None)
    except (TypeError, ValueError):
        return callable(task)  # no signature to read (some C callables): the call will tell
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return first is not None and first.name == "context" and first.kind in positional

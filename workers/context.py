"""What a job may use and where it may look: one frozen object, built once by the worker.

Every task is called as `task(context, **args)`: the `JobContext` first, then the job's args as
keyword arguments. Built-in tasks and user task modules (`--tasks MODULE`) alike take it as
their first parameter, named `context` (a pool refuses to start with a task that does not),
even when they do not use it:

    def shout(context: JobContext, text: str) -> str:
        return text.upper()

    TASKS = {"shout": shout}

Nothing a task needs comes from the environment: the worker reads its settings once, at the
edge, and hands them to its job process in this object. The allowed roots fail closed: a
context without roots lets no job read a path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from docmill.settings import PDF_BACKENDS
from workers.ocr import OcrOptions


@dataclass(frozen=True)
class JobContext:
    """The pool's settings a task sees, the same for every job of a job process."""

    # The only folders path jobs may read, resolved; empty: no path job may read anything.
    allowed_roots: tuple[Path, ...]
    # Where tasks write their outputs (and the SimHash index); None: they write nothing.
    outbox: Path | None
    # PDFs of more pages are read in page ranges, by several workers at once; 0: never.
    split_pages: int
    # "pdfium" (about 11x as fast as pypdf; docs/EXTRACTION.md) or "pypdf", each standing in
    # for the other on a file it cannot open.
    pdf_backend: str
    # The largest document a task reads, by path or as content, in bytes.
    max_bytes: int
    # The pool's time limit of a job that names none (s), and the job process's memory limit
    # (MiB): both enforced by the worker from outside; here for tasks that pace their work.
    timeout: float
    max_memory_mb: int
    # The engine of this pool's `ocr_pages` jobs, its languages and time limit per page, and
    # the environment the `tesseract` command runs in (workers.ocr, docs/OCR.md).
    ocr: OcrOptions = field(default_factory=OcrOptions)

    def __post_init__(self) -> None:
        roots = tuple(Path(root).resolve() for root in self.allowed_roots)
        object.__setattr__(self, "allowed_roots", roots)
        if self.outbox is not None:
            object.__setattr__(self, "outbox", Path(self.outbox))
        if self.pdf_backend not in PDF_BACKENDS:
            raise ValueError(f"pdf_backend is one of {PDF_BACKENDS}, not {self.pdf_backend!r}")

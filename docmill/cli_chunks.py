"""`docmill submit`'s chunk options: the sizes each process_document job is given (the
options, else docmill.toml's [chunking]), `--chunks` to get the chunks in the reply, and the
path the user gave as the `source` of a document sent as content; and `--ocr`, when pages
without text are read by OCR (docs/OCR.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from docmill.chunk_settings import CHUNK_UNITS
from docmill.home import Home
from docmill.settings import load_settings
from docmill.tables import SettingsError

DOCUMENT_TASK = "process_document"
OCR_MODES = ("auto", "force", "off")  # process_document's `ocr` (workers/formats/scans.py)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"not 0 or more: {text!r}")
    return value


def add_options(submit: argparse.ArgumentParser) -> None:
    submit.add_argument(
        "--chunks",
        action="store_true",
        help="put each document's chunks (LangChain Documents) in its result; implies --wait",
    )
    submit.add_argument("--chunk-size", type=_count, help="default: docmill.toml [chunking]")
    submit.add_argument("--chunk-overlap", type=_count, help="default: docmill.toml [chunking]")
    submit.add_argument("--chunk-unit", choices=CHUNK_UNITS, help="default: chars")
    submit.add_argument(
        "--ocr",
        choices=OCR_MODES,
        help="auto (default): OCR reads pages without a text layer; force: every page; off",
    )


def job_args(args: argparse.Namespace, home: Home) -> dict[str, Any]:
    """The chunk args every process_document job of this submit gets ({} for other tasks);
    ValueError (SettingsError) for a bad [chunking] section or options, or --chunks with
    --batch, whose result summarises its files instead of giving their results."""
    if args.chunks and args.batch:
        raise ValueError("--chunks needs a result per file: submit without --batch")
    if args.task != DOCUMENT_TASK:
        return {}
    given = {"size": args.chunk_size, "overlap": args.chunk_overlap, "unit": args.chunk_unit}
    chosen = {k: v for k, v in given.items() if v is not None}
    settings = load_settings(home).chunking.over(chosen, "the chunk options")
    extra = settings.args()
    if args.chunks:
        extra["include_chunks"] = True
    if args.ocr is not None:
        extra["ocr"] = args.ocr
    return extra


def with_chunks(spec: dict[str, Any], path: str, extra: dict[str, Any]) -> dict[str, Any]:
    """A job's args with the chunk args, and the path as the source of content sent inline."""
    if not extra:
        return spec
    named = {"source": str(Path(path))} if "content" in spec else {}
    return {**spec, **extra, **named}


__all__ = ["SettingsError", "add_options", "job_args", "with_chunks"]

"""The document task's work: extract, chunk, build the result record of DESIGN §4, and write it
to the outbox as `<doc_id>.json` plus `<doc_id>.chunks.jsonl` (one LangChain Document a line:
workers.chunk_lines, docs/CHUNKS.md).

doc_id is the sha256 of the file's bytes, so a redelivered job finds its outputs already there
and leaves them alone (unless they were made with other chunk settings); each file is written
atomically, the record last.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from workers import chunk_lines
from workers.chunking import chunk
from workers.extract import DEFAULT_MAX_BYTES, check_file, extract
from workers.formats.base import os_error
from workers.formats.structure import Structure
from workers.language import label_chunks
from workers.outputs import write_atomic

EXTRACTOR_VERSION = "docmill-extract/3"  # 3: structure-aware chunks as LangChain Documents


def process_document(
    path: str,
    chunk_size: int = 1000,
    chunk_overlap: int = 200,
    outbox: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    split_pages: int = 0,
    parts: list[dict[str, Any]] | None = None,
    source: str | None = None,
    pdf_backend: str = "pdfium",
    html_main_content: bool = True,
    chunk_unit: str = "chars",
    include_chunks: bool | int = False,
    chunks_from: int = 0,
    ocr: Any = None,
) -> dict[str, Any]:
    """Extract and chunk the document at `path`; write its outputs when there is an `outbox`.

    Returns doc_id, kind, status, metadata, warnings, text and the two output paths (None
    without an outbox); the chunks stay in the outbox to keep the reply small, unless
    `include_chunks` asks for them (from index `chunks_from`) in the reply: as many as fit in
    a message (or in `include_chunks` bytes, when a number), the rest counted and named
    (workers.chunk_lines.attach). A PDF of more than `split_pages` pages (0: never) is handed
    back to the broker in page ranges, and finished when it comes back with their `parts`.
    `source` names the document in the record (default: the absolute `path`).
    `html_main_content`: of a web page, only the main content (False: all its visible text).
    `ocr` (workers.formats.scans.Request): pages without text read by OCR parts (None: no OCR).

    This is the library function: it reads and writes where it is told. The task a client
    calls (workers.tasks.process_document) confines `path` to the allowed roots and takes the
    outbox, the split size and the PDF backend from its JobContext.
    """
    began = time.perf_counter()
    record = build_record(
        path,
        chunk_size,
        chunk_overlap,
        max_bytes=max_bytes,
        split_pages=split_pages,
        parts=parts,
        source=source,
        pdf_backend=pdf_backend,
        html_main_content=html_main_content,
        chunk_unit=chunk_unit,
        ocr=ocr,
    )
    folder = outbox or None
    json_path = chunks_path = None
    if folder:
        json_path, chunks_path = write_outputs(Path(folder), record)
    record["timings"]["total_s"] = round(time.perf_counter() - began, 6)
    reply = {key: record[key] for key in ("doc_id", "kind", "status", "metadata", "warnings")}
    reply |= {
        "text": record["text"],
        "json_path": str(json_path) if json_path else None,
        "chunks_path": str(chunks_path) if chunks_path else None,
    }
    if include_chunks:
        chunk_lines.attach(reply, chunk_lines.lines(record), include_chunks, chunks_from)
    return reply


def build_record(
    path: str,
    chunk_size: int = 1000,
    chunk_overlap: int = 200,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    split_pages: int = 0,
    parts: list[dict[str, Any]] | None = None,
    source: str | None = None,
    pdf_backend: str = "pdfium",
    html_main_content: bool = True,
    chunk_unit: str = "chars",
    ocr: Any = None,
) -> dict[str, Any]:
    """The full result record of DESIGN §4 for the document at `path` (nothing written)."""
    began = time.perf_counter()
    check_file(path, max_bytes)
    result = extract(
        path,
        max_bytes=max_bytes,
        split_pages=split_pages,
        parts=parts,
        pdf_backend=pdf_backend,
        html_main_content=html_main_content,
        ocr=ocr,
    )
    doc_id = file_sha256(path)
    extracted = time.perf_counter()
    pages = result["pages"] or None
    structure = Structure.from_dict(result.get("structure"))
    chunks = chunk(
        result["text"], chunk_size, chunk_overlap, pages, structure=structure, unit=chunk_unit
    )
    label_chunks(chunks, result["metadata"].get("language"))
    chunking = {"size": chunk_size, "overlap": chunk_overlap, "unit": chunk_unit}
    chunked = time.perf_counter()
    return {
        "doc_id": doc_id, "source": source or os.path.abspath(path), "kind": result["kind"],
        "mime": result["mime"], "status": result["status"], "text": result["text"],
        "pages": result["pages"], "metadata": result["metadata"], "chunks": chunks,
        "structure": structure.checked(len(result["text"])).as_dict(), "chunking": chunking,
        "warnings": result["warnings"],
        "timings": {
            "extract_s": round(extracted - began, 6), "chunk_s": round(chunked - extracted, 6),
            "total_s": round(chunked - began, 6),
        },
        "extractor_version": EXTRACTOR_VERSION,
        # Whether pages without text were read by OCR: the same bytes give other text.
        "ocr": ocr.mode if ocr is not None else "off",
    }  # fmt: skip


def write_outputs(outbox: Path, record: dict[str, Any]) -> tuple[Path, Path]:
    """Write `<doc_id>.chunks.jsonl` then `<doc_id>.json`, unless both exist already from the
    same chunk settings, schema and OCR mode (a redelivery); other settings replace them."""
    doc_id = record["doc_id"]
    json_path = outbox / f"{doc_id}.json"
    chunks_path = outbox / f"{doc_id}.chunks.jsonl"
    if json_path.is_file() and chunks_path.is_file() and _same_chunks(json_path, record):
        return json_path, chunks_path  # a redelivery: the same bytes gave these outputs
    write_atomic(chunks_path, chunk_lines.jsonl(chunk_lines.lines(record)))
    # The record goes last: its presence says the document's outputs are complete.
    write_atomic(json_path, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return json_path, chunks_path


def _same_chunks(json_path: Path, record: dict[str, Any]) -> bool:
    """Whether the record at `json_path` was chunked as `record` is, by this docmill, with
    the same OCR mode."""
    try:
        old = json.loads(json_path.read_bytes())
    except (OSError, ValueError):
        return False  # unreadable: write it again
    keys = ("chunking", "extractor_version", "ocr")
    return isinstance(old, dict) and all(old.get(key) == record[key] for key in keys)


def file_sha256(path: str) -> str:
    """Hex sha256 of the file's bytes, read in blocks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise os_error(exc, path) from exc
    return digest.hexdigest()

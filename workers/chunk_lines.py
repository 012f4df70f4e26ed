"""The chunk lines of `<doc_id>.chunks.jsonl` and of a reply: each a LangChain Document as JSON.

    {"id": "<doc_id>:<index>", "page_content": "...", "metadata": {...}}

`Document(**line)` (langchain-core) takes a line as it is. The metadata keys and their types are
written down in docs/chunk.schema.json; `schema_version` in every line says which version of
it the line follows. No key holds None: a key whose value is unknown is absent.

The id is the document's content hash and the chunk's index, so the same bytes chunked with
the same settings give the same ids on every run, on any worker, after any restart.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from docmill.protocol import MAX_MESSAGE_BYTES, ErrorType, pack
from workers.errors import TaskError
from workers.splitting import UNITS

SCHEMA_VERSION = 1
# Room left in a reply beside its chunks, for the job's own fields and the frames around them.
REPLY_MARGIN = 1 << 20
REPLY_BUDGET = MAX_MESSAGE_BYTES - REPLY_MARGIN
INLINE_PREFIX = "inline:"
MAX_SOURCE_CHARS = 4096


def check_request(
    size: Any, overlap: Any, unit: Any, include: Any, first: Any, source: Any
) -> None:
    """Refuse, as `bad_request`, chunk arguments a job cannot be run with."""

    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    problems = []
    if not whole(size) or size < 1:
        problems.append(f"chunk_size must be a whole number of 1 or more, not {size!r}")
    if not whole(overlap) or overlap < 0:
        problems.append(f"chunk_overlap must be a whole number of 0 or more, not {overlap!r}")
    if unit not in UNITS:
        problems.append(f"chunk_unit is one of {', '.join(UNITS)}, not {unit!r}")
    if not isinstance(include, bool) and not (whole(include) and include > 0):
        problems.append(f"include_chunks is true, false or a number of bytes, not {include!r}")
    if not whole(first) or first < 0:
        problems.append(f"chunks_from must be a chunk index of 0 or more, not {first!r}")
    if source is not None and not (isinstance(source, str) and 0 < len(source) <= MAX_SOURCE_CHARS):
        problems.append(f"source must be a path of 1 to {MAX_SOURCE_CHARS} characters")
    if problems:
        raise TaskError(ErrorType.BAD_REQUEST, "; ".join(problems))


def chunk_id(doc_id: str, index: int) -> str:
    return f"{doc_id}:{index}"


def title_of(record: dict[str, Any]) -> str:
    """The document's title, else its file name: a retriever shows something either way."""
    title = (record.get("metadata") or {}).get("title")
    if title:
        return str(title)
    source = str(record.get("source") or "")
    source = source.removeprefix(INLINE_PREFIX)
    return os.path.basename(source.replace("\\", "/")) or record["doc_id"]


def lines(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The chunk lines of a document record (workers.document.build_record)."""
    chunks = record["chunks"]
    meta = record.get("metadata") or {}
    common = {
        "schema_version": SCHEMA_VERSION,
        "source": record["source"],
        "doc_id": record["doc_id"],
        "title": title_of(record),
        "kind": record["kind"],
    }
    read_by_ocr = {page.get("number") for page in record.get("pages") or [] if page.get("ocr")}
    out = []
    for item in chunks:
        metadata = dict(common)
        # A chunk's own language (where it differs from its document's), else the document's.
        language = item.get("language") or meta.get("language")
        optional = {
            "language": language,
            "section": item.get("section"),
            "page_start": item.get("page_start"),
            "page_end": item.get("page_end"),
        }
        metadata |= {key: value for key, value in optional.items() if value is not None}
        metadata |= {
            "start_char": item["start_char"],
            "end_char": item["end_char"],
            "chunk_index": item["index"],
            "chunk_count": len(chunks),
            "hash": hashlib.sha256(item["text"].encode("utf-8")).hexdigest(),
        }
        if item.get("table"):
            metadata["table"] = True
        pages = range(item["page_start"], item["page_end"] + 1) if "page_start" in item else ()
        if not read_by_ocr.isdisjoint(pages):
            metadata["ocr"] = True
        out.append(
            {
                "id": chunk_id(record["doc_id"], item["index"]),
                "page_content": item["text"],
                "metadata": metadata,
            }
        )
    return out


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    """The lines as JSONL, UTF-8, keys in a fixed order so equal chunks give equal bytes."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def fit(rows: list[dict[str, Any]], first: int, budget: int) -> tuple[list[dict[str, Any]], int]:
    """The rows from index `first` on that fit in `budget` packed bytes, and the index of the
    first row left out (len(rows) when none is)."""
    used = 0
    for index in range(first, len(rows)):
        used += len(pack(rows[index]))
        if used > budget:
            return rows[first:index], index
    return rows[first:], len(rows)


def attach(
    reply: dict[str, Any], rows: list[dict[str, Any]], include: bool | int, first: int = 0
) -> None:
    """Put the chunk lines in `reply` from index `first`, as many as fit in the message limit
    (or in `include` bytes when it is a number); say how many were left out and how to get them."""
    limit = REPLY_BUDGET - len(pack(reply))
    if not isinstance(include, bool):
        limit = min(limit, int(include))
    first = max(0, min(int(first), len(rows)))
    given, following = fit(rows, first, max(limit, 0))
    reply["chunks"] = given
    reply["chunk_count"] = len(rows)
    omitted = len(rows) - following
    if omitted:
        where = f" or read them from {reply['chunks_path']}" if reply.get("chunks_path") else ""
        reply["chunks_omitted"] = omitted
        reply["chunks_next"] = following
        reply["chunks_hint"] = (
            f"{omitted} chunk(s) did not fit in the reply: submit the same document again with "
            f"include_chunks and chunks_from={following}{where}"
        )

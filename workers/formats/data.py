"""Structured text: JSON and NDJSON as "key.path: value" lines (one paragraph per record),
CSV and TSV as tab-separated rows with the dialect sniffed from the content."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from typing import Any

from workers.formats.base import Extracted, read
from workers.formats.encoding import decode_text

_SNIFF_BYTES = 64 * 1024


def extract_json(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the leaves of a JSON document; NDJSON or plain text when it does not parse."""
    raw = decode_text(read(path), path, warnings)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        lines = [line for line in raw.splitlines() if line.strip()]
        if len(lines) > 1 and _all_json(lines):
            return _records(lines, warnings, kind="ndjson")
        warnings.append("not valid JSON: kept as plain text")
        return Extracted(raw, kind="txt")
    records = value if isinstance(value, list) else [value]
    return Extracted("\n\n".join(_flatten(record) for record in records).strip())


def extract_ndjson(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return one paragraph per JSON line; a line that does not parse is kept as it is."""
    raw = decode_text(read(path), path, warnings)
    return _records([line for line in raw.splitlines() if line.strip()], warnings)


def extract_csv(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the rows of a CSV/TSV file, cells separated by tabs, one row per line."""
    raw = decode_text(read(path), path, warnings)
    tab = path.lower().endswith((".tsv", ".tab"))
    dialect: Any = csv.excel_tab if tab else csv.excel
    # One column, or too little text to tell: the default dialect reads it.
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(raw[:_SNIFF_BYTES], delimiters="\t" if tab else ",;\t|")
    try:
        rows = list(csv.reader(io.StringIO(raw, newline=""), dialect))
    except csv.Error as exc:  # e.g. a field over csv's size limit
        warnings.append(f"unreadable as CSV ({exc}): kept as plain text")
        return Extracted(raw)
    lines = ["\t".join(cell.strip() for cell in row).rstrip() for row in rows]
    return Extracted("\n".join(line for line in lines if line), meta={"row_count": len(rows)})


def _all_json(lines: list[str]) -> bool:
    for line in lines[:100]:
        try:
            json.loads(line)
        except (ValueError, RecursionError):
            return False
    return True


def _records(lines: list[str], warnings: list[str], kind: str | None = None) -> Extracted:
    paragraphs: list[str] = []
    for number, line in enumerate(lines, 1):
        try:
            paragraphs.append(_flatten(json.loads(line)))
        except (ValueError, RecursionError):
            warnings.append(f"line {number} is not valid JSON: kept as text")
            paragraphs.append(line.strip())
    return Extracted("\n\n".join(p for p in paragraphs if p), kind=kind)


def _flatten(value: Any) -> str:
    """Render a JSON value as "key.sub: value" lines for its scalar leaves, in document order."""
    lines: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:  # iterative: nesting thousands deep must not exhaust the stack
        prefix, item = stack.pop()
        if isinstance(item, dict):
            children = [(f"{prefix}.{key}" if prefix else str(key), v) for key, v in item.items()]
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(prefix, v) for v in item]))
        elif item is not None and item != "":
            text = item if isinstance(item, str) else json.dumps(item)
            lines.append(f"{prefix}: {text}" if prefix else text)
    return "\n".join(lines)

"""Plain text (txt, log, md, rst, org): decoded by workers.formats.encoding (BOM, strict UTF-8,
then detection)."""

from __future__ import annotations

from workers.formats.base import Extracted, read
from workers.formats.encoding import decode_text

__all__ = ["decode_text", "extract"]  # decode_text: the one decoder, kept importable here


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the decoded text of the file at `path`."""
    return Extracted(decode_text(read(path), path, warnings))

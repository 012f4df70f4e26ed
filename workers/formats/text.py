"""Plain text (txt, log, md, rst, org): decoded by BOM, else UTF-8, cp1252, latin-1."""

from __future__ import annotations

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.base import Extracted, read


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the decoded text of the file at `path`."""
    return Extracted(decode_text(read(path), path, warnings))


def decode_text(data: bytes, path: str, warnings: list[str]) -> str:
    """Decode plain text by BOM, else UTF-8, cp1252, latin-1; raise UNSUPPORTED for binary."""
    # UTF-32 LE's BOM starts with UTF-16 LE's, so it must be tested first.
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
    ):  # fmt: skip
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if b"\x00" in data:
        utf16 = bomless_utf16(data)
        if utf16 is None:
            raise TaskError(ErrorType.UNSUPPORTED, f"{path} contains binary data, not text")
        return data.decode(utf16, errors="replace")
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    warnings.append("text is neither UTF-8 nor cp1252; decoded as latin-1")
    return data.decode("latin-1")


def bomless_utf16(data: bytes) -> str | None:
    """Return the UTF-16 codec `data` looks like without a BOM (mostly-ASCII text), or None."""
    sample = data[:4096]
    half = len(sample) // 2
    if len(data) % 2 or half == 0:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    # ASCII-range text in UTF-16 has a NUL in every high byte and almost none in the low ones.
    if odd_nuls >= 0.3 * half and even_nuls <= 0.02 * half:
        return "utf-16-le"
    if even_nuls >= 0.3 * half and odd_nuls <= 0.02 * half:
        return "utf-16-be"
    return None

"""Legacy OLE2 compound files written at test time: a valid MS-CFB container whose directory
names the streams that mark a format docmill does not read (.doc, .ppt, a password-protected
DOCX/XLSX), which is what it looks at to name that format. (.xls and .msg it reads, from the
content of their streams, which these empty ones do not have.)"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

# The streams that name each legacy format, as Office writes them.
STREAMS = {
    "doc": ["WordDocument", "1Table"],
    "ppt": ["PowerPoint Document", "Current User"],
    "encrypted": ["EncryptionInfo", "EncryptedPackage"],  # a password-protected DOCX/XLSX
}
_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def write_ole2(path: Path, streams: Sequence[str]) -> Path:
    """A compound file (MS-CFB version 3) holding empty streams of these names: one FAT
    sector, one directory sector, what a reader needs to list the streams."""
    assert len(streams) <= 3, "one directory sector holds the root and three streams"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 0x1000,
                          _END, 0, _END, 0)  # fmt: skip
    header += struct.pack("<109I", 0, *[_FREE] * 108)
    fat = struct.pack("<128I", _FAT, _END, *[_FREE] * 126)
    entries = [_entry("Root Entry", 5, child=1 if streams else _FREE)]
    for number, name in enumerate(streams, 1):
        sibling = number + 1 if number < len(streams) else _FREE
        entries.append(_entry(name, 2, right=sibling))
    directory = b"".join(entries).ljust(512, b"\x00")
    path.write_bytes(header + fat + directory)
    return path


def _entry(name: str, kind: int, *, child: int = _FREE, right: int = _FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _FREE, right, child, bytes(16),
        0, 0, 0, _END, 0,
    )  # fmt: skip

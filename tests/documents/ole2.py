"""Legacy OLE2 compound files written at test time (with tests/compound_file.py): streams named
as a format docmill does not read names them (.doc, .ppt, a password-protected DOCX/XLSX),
which is what it looks at to name that format. (.xls and .msg it reads, from the content of
their streams: tests/test_legacy_formats.py writes those.)"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tests.compound_file import compound_file

# The streams that name each legacy format, as Office writes them.
STREAMS = {
    "doc": ["WordDocument", "1Table"],
    "ppt": ["PowerPoint Document", "Current User"],
    "encrypted": ["EncryptionInfo", "EncryptedPackage"],  # a password-protected DOCX/XLSX
}


def write_ole2(path: Path, streams: Sequence[str]) -> Path:
    """A compound file holding a small stream of each of these names."""
    path.write_bytes(compound_file({name: b"\x00" * 16 for name in streams}))
    return path

"""A minimal writer of OLE2 compound files ([MS-CFB], version 3, 512-byte sectors), for tests
of the formats that live in them (.msg, .doc): olefile reads them but cannot create one.

`compound_file({"a/b": data})` makes storage `a` holding stream `b`. Streams under 4096 bytes
go in the mini stream, as the format requires; larger ones in sectors of their own.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    start: int = END
    child: int = NOSTREAM
    right: int = NOSTREAM


def compound_file(streams: dict[str, bytes]) -> bytes:
    root = _Entry("Root Entry", 5)
    for path, data in streams.items():
        *folders, name = path.split("/")
        node = root
        for folder in folders:
            node = node.children.setdefault(folder, _Entry(folder, 1))
        node.children[name] = _Entry(name, 2, data)
    entries = [root]
    _number(root, entries)

    mini, minifat = bytearray(), []
    big: list[_Entry] = []
    for entry in entries:
        if entry.kind != 2 or not entry.data:
            continue
        if len(entry.data) >= CUTOFF:
            big.append(entry)
            continue
        entry.start = len(mini) // MINI
        count = -(-len(entry.data) // MINI)
        minifat += [*range(entry.start + 1, entry.start + count), END]
        mini += entry.data.ljust(count * MINI, b"\0")

    def sectors(size: int) -> int:
        return -(-size // SECTOR)

    sizes = {
        "directory": sectors(len(entries) * 128),
        "minifat": sectors(len(minifat) * 4),
        "mini": sectors(len(mini)),
    }
    others = sum(sizes.values()) + sum(sectors(len(entry.data)) for entry in big)
    fat_count = 1
    while fat_count * (SECTOR // 4) < fat_count + others:
        fat_count += 1
    fat = [FATSECT] * fat_count

    def chain(size: int) -> int:
        """Allocate `size` consecutive sectors; return the first (END when none)."""
        first = len(fat) if size else END
        fat.extend([*range(len(fat) + 1, len(fat) + size), END] if size else [])
        return first

    starts = {region: chain(size) for region, size in sizes.items()}
    for entry in big:
        entry.start = chain(sectors(len(entry.data)))
    fat += [FREE] * (-len(fat) % (SECTOR // 4))
    root.start = starts["mini"]

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, fat_count,
                          starts["directory"], 0, CUTOFF, starts["minifat"], sizes["minifat"],
                          END, 0)  # fmt: skip
    header += struct.pack("<109I", *range(fat_count), *[FREE] * (109 - fat_count))
    body = struct.pack(f"<{len(fat)}I", *fat)
    directory = b"".join(_pack(entry, len(mini)) for entry in entries)
    body += _pad(directory) + _pad(struct.pack(f"<{len(minifat)}I", *minifat)) + _pad(bytes(mini))
    for entry in big:
        body += _pad(entry.data)
    return header + body


def _number(storage: _Entry, entries: list[_Entry]) -> None:
    """Give each child an index and chain siblings by right links (a valid, if unbalanced,
    tree: names ordered by length, then upper-case, as [MS-CFB] compares them)."""
    children = sorted(storage.children.values(), key=lambda e: (len(e.name), e.name.upper()))
    first = len(entries)
    entries.extend(children)
    if children:
        storage.child = first
    for offset, child in enumerate(children[:-1]):
        child.right = first + offset + 1
    for child in children:
        _number(child, entries)


def _pack(entry: _Entry, mini_size: int) -> bytes:
    name = (entry.name + "\0").encode("utf-16-le")
    size = mini_size if entry.kind == 5 else len(entry.data)
    return struct.pack(
        "<64sHBBIII16sIQQIQ", name, len(name), entry.kind, 1, NOSTREAM, entry.right,
        entry.child, bytes(16), 0, 0, 0, entry.start, size,
    )  # fmt: skip


def _pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % SECTOR)

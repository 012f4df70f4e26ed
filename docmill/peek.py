"""A few keys of a msgpack map, read without decoding the rest of it.

A worker needs a job's time limit from its request before handing the request on to its job
process, and the request may carry 64 MiB of inline content in its `args` (docs/PROTOCOL.md
§7). Decoding the whole map to read one number copies that content; this reads the map's
entries in order, decodes only the values asked for (with the codec, docmill.protocol.unpack,
on a slice of the buffer), and passes over every other value by its msgpack length headers
alone, so nothing is copied and a view of the received frame stays the one copy of it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from docmill.protocol import ProtocolError, unpack, unpack_map

# A body this small is decoded whole: the compiled decoder is faster than reading it here, and
# its copy costs nothing worth saving.
WHOLE = 64 * 1024
# What reading a map may pass over before it gives up: a bound on the time it takes, however
# the body is made (an entry is at least two objects; a document's bytes are one).
PASS_LIMIT = 10_000

# Type byte -> bytes that follow it (nil, bool, float, int, fixext: type byte and data).
_FIXED = {
    0xC0: 0, 0xC2: 0, 0xC3: 0, 0xCA: 4, 0xCB: 8, 0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8,
    0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17,
}  # fmt: skip
_SIZED = {0xC4: 1, 0xC5: 2, 0xC6: 4, 0xD9: 1, 0xDA: 2, 0xDB: 4}  # bin, str: size's width
_EXT = {0xC7: 1, 0xC8: 2, 0xC9: 4}  # ext: size's width; a type byte follows the size
_ARRAY = {0xDC: 2, 0xDD: 4}  # array: count's width
_MAP = {0xDE: 2, 0xDF: 4}  # map: count's width (each entry two objects)


def _number(data: memoryview, at: int, width: int) -> int:
    if at + width > len(data):
        raise IndexError("cut short")
    return int.from_bytes(data[at : at + width], "big")


def _skip(data: memoryview, at: int, budget: int) -> tuple[int, int]:
    """Where the object at `at` ends, and what is left of `budget` (objects one may pass)."""
    pending = 1
    while pending:
        pending -= 1
        budget -= 1
        if budget < 0:
            raise ProtocolError(f"more than {PASS_LIMIT} objects to pass over")
        byte = data[at]
        at += 1
        if byte <= 0x7F or byte >= 0xE0:  # positive or negative fixint
            continue
        if byte <= 0x8F:  # fixmap
            pending += 2 * (byte & 0x0F)
        elif byte <= 0x9F:  # fixarray
            pending += byte & 0x0F
        elif byte <= 0xBF:  # fixstr
            at += byte & 0x1F
        elif (width := _FIXED.get(byte)) is not None:
            at += width
        elif (width := _SIZED.get(byte)) is not None:
            at += width + _number(data, at, width)
        elif (width := _EXT.get(byte)) is not None:
            at += width + 1 + _number(data, at, width)
        elif (width := _ARRAY.get(byte)) is not None:
            pending += _number(data, at, width)
            at += width
        elif (width := _MAP.get(byte)) is not None:
            pending += 2 * _number(data, at, width)
            at += width
        else:  # 0xC1, never used
            raise ProtocolError(f"undecodable body: no msgpack type 0x{byte:02x}")
    if at > len(data):
        raise IndexError("cut short")
    return at, budget


def peek_map(data: bytes | memoryview, keys: Collection[str]) -> dict[str, Any]:
    """Those of `keys` that the msgpack map `data` holds, with their values decoded.

    The entries are read in order until every key is found, so keys that come before a big
    value are read without passing over it. Raises ProtocolError if `data` is not a map, is
    cut short before the keys are found, or holds more than PASS_LIMIT objects before them;
    what comes after them is not read, so it is not checked either. A body of at most WHOLE
    bytes is decoded whole.
    """
    if len(data) <= WHOLE:
        found = unpack_map(data)
        return {key: found[key] for key in set(keys) if key in found}
    wanted = set(keys)
    view = memoryview(data).cast("B")
    try:
        byte = view[0]
        if 0x80 <= byte <= 0x8F:
            entries, at = byte & 0x0F, 1
        elif (width := _MAP.get(byte)) is not None:
            entries, at = _number(view, 1, width), 1 + width
        else:
            raise ProtocolError("body is not a map")
        values: dict[str, Any] = {}
        budget = PASS_LIMIT
        for _ in range(entries):
            if len(values) == len(wanted):
                break
            end, budget = _skip(view, at, budget)
            key = unpack(view[at:end])
            if not isinstance(key, str):
                raise ProtocolError(f"a map key is a {type(key).__name__}, not a str")
            at, (end, budget) = end, _skip(view, end, budget)
            if key in wanted:
                values[key] = unpack(view[at:end])
            at = end
    except IndexError:
        raise ProtocolError("undecodable body: cut short") from None
    return values

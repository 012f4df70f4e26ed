"""PDF files written at test time, byte by byte: pages of text in a standard font (Helvetica,
WinAnsi encoding, so every PDF reader can read it without an embedded font), pages without a
text layer (a scanned image, a drawing), the document information dictionary, and pypdf's
encryption of such a file."""

from __future__ import annotations

import textwrap
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
LINE_HEIGHT = 14
TOP = 760
LINES_PER_PAGE = 50
# A filled rectangle: a page that shows something but has no text to extract.
DRAWING = b"0.2 0.4 0.8 rg 72 300 400 300 re f"
# A scanned page: an image (16 x 16 grey levels) over the page, and no text.
SCAN = b"q 468 0 0 648 72 72 cm /Im1 Do Q"
_IMAGE = b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray "
_IMAGE += b"/BitsPerComponent 8 /Length 256 >>\nstream\n" + bytes(range(256)) + b"\nendstream"


def write_pdf(
    path: Path,
    pages: Sequence[str | bytes | None],
    *,
    info: Mapping[str, str] | None = None,
    notes: Mapping[int, str] | None = None,
    compress: bool = True,
    rotate: int = 0,
) -> Path:
    """Write a PDF at `path` with one page per item of `pages`: its lines of text (cp1252
    characters only), "" for an empty page, None for a scanned page (an image, no text), or
    bytes: the page's content stream as it is (DRAWING, say).

    `info` is the document information dictionary (Title, Author, Producer, CreationDate...);
    `notes` maps a page's index (from 0) to the text of a sticky note on it; `rotate` is every
    page's /Rotate (degrees clockwise, as a viewer shows it).
    """
    page_tree, fonts, image, first = 2, 3, 4, 5
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        FONT,
        _IMAGE,
    ]
    kids, annotations = [], []
    for number, text in enumerate(pages):
        page, content = first + 2 * number, first + 2 * number + 1
        kids.append(f"{page} 0 R".encode())
        annots = b""
        if notes and number in notes:
            annotations.append(
                b"<< /Type /Annot /Subtype /Text /Rect [72 72 96 96] /Contents %s >>"
                % _string(notes[number])
            )
            annots = b"/Annots [%d 0 R] " % (first + 2 * len(pages) + len(annotations) - 1)
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Rotate %d %s"
            b"/Resources << /Font << /F1 %d 0 R >> /XObject << /Im1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (page_tree, rotate, annots, fonts, image, content)
        )
        objects.append(_stream(_content(text), compress))
    objects.extend(annotations)
    objects[page_tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(kids),
        len(kids),
    )
    trailer = b"/Root 1 0 R"
    if info:
        entries = b" ".join(b"/%s %s" % (k.encode(), _string(v)) for k, v in info.items())
        objects.append(b"<< " + entries + b" >>")
        trailer += b" /Info %d 0 R" % len(objects)
    path.write_bytes(_file(objects, trailer))
    return path


def write_objects(path: Path, objects: Sequence[bytes]) -> Path:
    """Write a PDF of `objects` as they are (object 1 the catalog): for a font or a structure
    write_pdf does not make. `stream(data)` makes a stream object's body."""
    path.write_bytes(_file(list(objects), b"/Root 1 0 R"))
    return path


def stream(data: bytes) -> bytes:
    return _stream(data, compress=False)


def paginate(text: str, width: int = 90) -> list[str]:
    """`text` wrapped to lines of `width` characters and cut into pages of LINES_PER_PAGE."""
    lines = [
        line for paragraph in text.split("\n") for line in textwrap.wrap(paragraph, width) or [""]
    ]
    return [
        "\n".join(lines[start : start + LINES_PER_PAGE])
        for start in range(0, len(lines), LINES_PER_PAGE)
    ]


def encrypt(source: Path, target: Path, *, user: str, owner: str, algorithm: str) -> Path:
    """`source` encrypted by pypdf with these passwords and algorithm ("RC4-40" is revision 2,
    "AES-128" revision 4, "AES-256-R5" revision 5, "AES-256" revision 6).

    An empty `owner` password is written as such (revisions 5 and 6 only), as qpdf does when
    asked for a user password alone; pypdf's own encrypt takes "" to mean "the user's".
    """
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user, owner_password=owner or user, algorithm=algorithm)
    if not owner:
        from pypdf._encryption import AlgV5
        from pypdf.generic import ByteStringObject, NameObject

        done = writer._encryption
        assert done is not None and done.R in (5, 6), "an empty owner password needs R5 or R6"
        values = AlgV5.generate_values(
            done.R, user.encode(), b"", done._key, done.P, done.EncryptMetadata
        )
        entry = writer._encrypt_entry
        assert entry is not None
        for name, value in values.items():
            entry[NameObject(name)] = ByteStringObject(value)
    with target.open("wb") as fh:
        writer.write(fh)
    return target


def _content(text: str | bytes | None) -> bytes:
    if text is None:
        return SCAN
    if isinstance(text, bytes):
        return text
    if not text:
        return b""
    shown = b" T* ".join(_string(line) + b" Tj" for line in text.split("\n"))
    return b"BT /F1 12 Tf %d TL 72 %d Td %s ET" % (LINE_HEIGHT, TOP, shown)


def _string(value: str) -> bytes:
    """A PDF literal string of `value` in WinAnsi (cp1252) bytes."""
    raw = value.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _stream(data: bytes, compress: bool) -> bytes:
    if compress:
        data = zlib.compress(data)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data)
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def _file(objects: list[bytes], trailer: bytes) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)

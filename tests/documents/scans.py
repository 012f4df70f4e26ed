"""Scans written at test time: known text rendered to images at 300 dpi with Pillow, in the
fonts Debian's fonts-dejavu-core and fonts-wqy-microhei install (.ci/system-packages), and
image-only PDFs of them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

LATIN = "DejaVuSans.ttf"
CJK = "wqy-microhei.ttc"


def font_missing(*names: str) -> str | None:
    """Why a test cannot render with the fonts `names`, or None when it can."""
    for name in names:
        try:
            ImageFont.truetype(name, 12)
        except OSError:
            return f"font {name} is not installed (sh .ci/system-packages installs it)"
    return None


def render(
    lines: Sequence[str], font: str = LATIN, points: float = 12, dpi: int = 300
) -> Image.Image:
    """`lines` in black on a white page as wide as A4, as tall as they need, at `dpi`."""
    size = round(points * dpi / 72)
    face = ImageFont.truetype(font, size)
    width, step = round(8.27 * dpi), round(size * 1.5)
    page = Image.new("L", (width, step * (len(lines) + 2)), 255)
    draw = ImageDraw.Draw(page)
    for n, line in enumerate(lines):
        draw.text((dpi // 2, step * (n + 1)), line, font=face, fill=0)
    return page


def image_pdf(pages: Sequence[Image.Image], dpi: int = 300) -> bytes:
    """An image-only PDF: one page per image, no text layer."""
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=list(pages[1:]))
    return out.getvalue()


def join_pdfs(path: Path, *documents: bytes | Path) -> Path:
    """The pages of `documents` (PDF bytes or files) one after the other, in one PDF."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for document in documents:
        source = io.BytesIO(document) if isinstance(document, bytes) else document
        writer.append(PdfReader(source))
    with path.open("wb") as out:
        writer.write(out)
    return path

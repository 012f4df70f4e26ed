"""Images (PNG, JPEG, TIFF with its pages, BMP, WebP): pages with no text until OCR reads them.

Pillow reads an image's header without decoding its pixels; the dimensions of every frame are
checked there, and an image larger than MAX_PIXELS (a frame) or MAX_FRAMES is refused as
`too_large` before a pixel is decoded: a 100,000 x 100,000 PNG of a few kilobytes would
otherwise take 10 GB to decode. What OCR reads of a frame is at most ocr_scale's pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.base import PARSER_ERRORS, Extracted, describe, os_error

if TYPE_CHECKING:
    from PIL.Image import Image

# The kinds by their first bytes (BMP also by its header's size field, checked in kind_of).
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"), (b"II+\x00", "tiff"), (b"MM\x00+", "tiff"), (b"BM", "bmp"),
)  # fmt: skip
MIME = {
    "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff", "bmp": "image/bmp",
    "webp": "image/webp",
}  # fmt: skip
MAX_PIXELS = 150_000_000  # a frame: a 600-dpi A2 scan is 140 million; more is refused
MAX_FRAMES = 5_000  # pages of one TIFF
_BMP_HEADERS = {12, 40, 52, 56, 64, 108, 124}  # the sizes a BMP's DIB header can have
_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, *PARSER_ERRORS)  # a damaged image


def kind_of(head: bytes) -> str | None:
    """The image kind `head` (a file's first bytes) starts with, if any."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    for magic, kind in MAGIC:
        if head.startswith(magic):
            if kind == "bmp" and int.from_bytes(head[14:18], "little") not in _BMP_HEADERS:
                return None  # "BM" and a text that goes on: not a bitmap
            return kind
    return None


def extract(path: str, warnings: list[str], limit: int, *, ocr: Any = None) -> Extracted:
    """One page per frame, with no text of its own; OCR (workers.formats.scans) reads them when the
    job asks for it. Dimensions and the frame count are checked before any decoding."""
    from workers.formats import scans

    with _opened(path) as image:
        sizes = list(_frame_sizes(image, path))
    meta = {"page_count": len(sizes), "width": sizes[0][0], "height": sizes[0][1]}
    pages: list[dict[str, Any]] = [{"number": n, "text": ""} for n in range(1, len(sizes) + 1)]
    if ocr is not None:
        pages = scans.apply(ocr, "image", path, pages, meta, warnings)
    return Extracted("\n\n".join(page["text"] for page in pages), pages, meta)


def frames(path: str, numbers: list[int], max_pixels: int) -> Iterator[tuple[int, Image]]:
    """The frames `numbers` (from 1) of the image at `path`, upright (a photo's EXIF
    orientation applied), on white where it was transparent, and of at most `max_pixels`."""
    from PIL import Image as PIL
    from PIL import ImageOps

    with _opened(path) as image:
        sizes = list(_frame_sizes(image, path))
        for number in numbers:
            if not 1 <= number <= len(sizes):
                raise TaskError(ErrorType.BAD_REQUEST, f"{path} has no page {number}")
            try:
                image.seek(number - 1)
                width, height = image.size
                if width * height > max_pixels:
                    # JPEG decodes at a fraction of its size; the others are scaled after.
                    image.draft("RGB", (width // 2, height // 2))
                frame = ImageOps.exif_transpose(image)
                if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
                    rgba = frame.convert("RGBA")
                    frame = PIL.new("RGBA", rgba.size, "white")
                    frame.alpha_composite(rgba)
                frame = frame.convert("RGB")
            except _ERRORS as exc:
                raise TaskError(ErrorType.MALFORMED, f"unreadable image: {describe(exc)}") from exc
            yield number, fit(frame, max_pixels)


def fit(image: Image, max_pixels: int) -> Image:
    """`image`, scaled down to at most `max_pixels` if it is larger."""
    width, height = image.size
    if width * height <= max_pixels:
        return image
    scale = (max_pixels / (width * height)) ** 0.5
    return image.resize((max(1, int(width * scale)), max(1, int(height * scale))))


class _opened:
    """Pillow's lazy open of `path` (the header only), its errors as TaskErrors."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> Any:
        from PIL import Image as PIL

        limit, PIL.MAX_IMAGE_PIXELS = PIL.MAX_IMAGE_PIXELS, None
        try:
            # Pillow's own bomb check (a warning above 89 million pixels, an error above
            # twice that) is left to ours, which sees every frame (_frame_sizes); open()
            # reads the header only.
            self.image = PIL.open(self.path)
        except OSError as exc:
            if exc.errno is not None:
                raise os_error(exc, self.path) from exc
            raise TaskError(ErrorType.MALFORMED, f"unreadable image: {describe(exc)}") from exc
        except PARSER_ERRORS as exc:
            raise TaskError(ErrorType.MALFORMED, f"unreadable image: {describe(exc)}") from exc
        finally:
            PIL.MAX_IMAGE_PIXELS = limit
        return self.image

    def __exit__(self, *exc: object) -> None:
        self.image.close()


def _frame_sizes(image: Any, path: str) -> Iterator[tuple[int, int]]:
    """(width, height) of each frame, read from the headers, refusing a bomb on the way."""
    try:
        count = getattr(image, "n_frames", 1)
    except _ERRORS as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable image: {describe(exc)}") from exc
    if count > MAX_FRAMES:
        raise TaskError(ErrorType.TOO_LARGE, f"image has {count} pages, over {MAX_FRAMES}")
    for index in range(count):
        try:
            image.seek(index)
        except _ERRORS as exc:
            raise TaskError(ErrorType.MALFORMED, f"unreadable image: {describe(exc)}") from exc
        width, height = image.size
        if width * height > MAX_PIXELS or not width or not height:
            raise TaskError(
                ErrorType.TOO_LARGE,
                f"{path}: image of {width} x {height} pixels; docmill reads images of at most "
                f"{MAX_PIXELS:,} pixels",
            )
        yield width, height

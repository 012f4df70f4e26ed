"""Scanned pages: which pages of a document OCR reads, the `ocr_pages` parts that read them on
the `ocr` queue, and their text put back in its pages.

A document task that finds pages with no text layer (a PDF page with fewer than MIN_CHARS
characters and images over a quarter of it; every page of an image file) hands them back to
the broker as `ocr_pages` parts of PAGES_PER_PART pages (workers.errors.FanOut) on the `ocr`
queue, so that a long scan occupies `ocr` workers a few pages at a time and never a
`documents` worker; the broker runs the task again with their results in `ocr_parts`, and
`apply` puts each page's text in its place, marked with the engine and its mean confidence.
A part that fails (its time limit passed, its worker died) leaves its pages empty, with a
warning; the others count. The job's `ocr` says when: "auto" (pages without text), "force"
(every page, its text layer replaced), "off".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import FanOut, TaskError
from workers.formats.pdfium import open_document

MODES = ("auto", "force", "off")
QUEUE = "ocr"
PART_TASK = "ocr_pages"
RESULTS = "ocr_parts"  # the arg the parts' results come back in
PAGES_PER_PART = 4  # pages a part reads: RapidOCR's models load once per part at worst
PART_ALLOWANCE = 60.0  # s a part may take beyond its pages' limits: start, models, rendering
MIN_CHARS = 16  # a PDF page with fewer characters (not spaces) has no text layer to speak of
MIN_IMAGE_SHARE = 0.25  # ...and is read by OCR when images cover this share of it
MIN_CONFIDENCE = 0.4  # a page OCR reads with less mean confidence keeps no text (docs/OCR.md)


@dataclass(frozen=True)
class Request:
    """What a document job asks of OCR: its mode, how its parts name the document (`path`, or
    `name` for content the broker passes on), the results of its parts once they have run,
    and the time limit of one page."""

    mode: str = "auto"
    source: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, Any]] | None = None
    page_timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise TaskError(
                ErrorType.BAD_REQUEST, f"ocr is one of {', '.join(MODES)}, not {self.mode!r}"
            )


def apply(
    request: Request,
    kind: str,
    path: str,
    pages: list[dict[str, Any]],
    meta: dict[str, Any],
    warnings: list[str],
) -> list[dict[str, Any]]:
    """`pages` with the text OCR read of those that need it: hands them to `ocr_pages` parts
    (FanOut) the first time, and puts their results in place when they come back."""
    wanted = _wanted(request.mode, kind, path, pages)
    if not wanted:
        return pages
    batches = [wanted[i : i + PAGES_PER_PART] for i in range(0, len(wanted), PAGES_PER_PART)]
    if request.results is None:
        raise FanOut(
            PART_TASK,
            [{**request.source, "kind": kind, "pages": batch} for batch in batches],
            queue=QUEUE,
            into=RESULTS,
            timeout=PAGES_PER_PART * request.page_timeout + PART_ALLOWANCE,
            partial=True,
        )
    if len(request.results) != len(batches):
        warnings.append("the file changed while its pages were read by OCR: left unread")
        return pages
    read = _merge(pages, zip(batches, request.results, strict=True), warnings)
    if read:
        engines = sorted({page["ocr"]["engine"] for page in read})
        sure = [page["ocr"]["confidence"] for page in read if page["ocr"]["confidence"]]
        meta |= {
            "ocr_pages": len(read), "ocr_engine": ", ".join(engines),
            "ocr_confidence": round(sum(sure) / len(sure), 4) if sure else None,
        }  # fmt: skip
    return pages


def _merge(
    pages: list[dict[str, Any]],
    parts: Iterator[tuple[list[int], dict[str, Any]]],
    warnings: list[str],
) -> list[dict[str, Any]]:
    """Each part's pages in place in `pages`; the pages OCR read."""
    by_number = {page["number"]: page for page in pages}
    read = []
    for numbers, result in parts:
        if "error" in result:
            error = result["error"]
            warnings.append(
                f"pages {_span(numbers)}: OCR failed: {error.get('type')}: {error.get('message')}"
            )
            continue
        for warning in result.get("warnings", []):
            if warning not in warnings:
                warnings.append(warning)
        for found in result.get("pages", []):
            page = by_number.get(found.get("number"))
            if page is None:
                continue
            confidence = found["confidence"]
            page["ocr"] = {"engine": result["engine"], "confidence": confidence}
            text = found["text"]
            if confidence is not None and confidence < MIN_CONFIDENCE:
                # What OCR makes of a photo or a drawing: letters it is not sure of, noise to
                # a search or an embedding.
                text = ""
                warnings.append(
                    f"page {page['number']}: OCR text left out, its mean confidence "
                    f"{confidence:.2f} is under {MIN_CONFIDENCE}"
                )
            if text.strip():  # else the page keeps what its text layer had, if anything
                page["text"] = text
            read.append(page)
    return read


def _span(numbers: list[int]) -> str:
    return f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])


def _wanted(mode: str, kind: str, path: str, pages: list[dict[str, Any]]) -> list[int]:
    """The numbers of the pages OCR reads."""
    if mode == "off":
        return []
    if mode == "force" or kind == "image":
        return [page["number"] for page in pages]
    bare = [p["number"] for p in pages if sum(not c.isspace() for c in p["text"]) < MIN_CHARS]
    return _showing_images(path, bare) if bare else []


def _showing_images(path: str, numbers: list[int]) -> list[int]:
    """Those of the pages `numbers` of the PDF at `path` whose images cover at least
    MIN_IMAGE_SHARE of the page, as a scan's do: a blank page, a page with a title only or
    with a logo has nothing for OCR to read."""
    import pypdfium2.raw

    document = open_document(path)
    try:
        found = []
        for number in numbers:
            page = document[number - 1]
            try:
                width, height = page.get_size()
                covered = 0.0
                for item in page.get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE,)):
                    # pypdfium2 5 calls it get_bounds, 4 get_pos
                    bounds = getattr(item, "get_bounds", None) or item.get_pos
                    left, bottom, right, top = bounds()
                    covered += max(0.0, right - left) * max(0.0, top - bottom)
                if covered >= MIN_IMAGE_SHARE * width * height:
                    found.append(number)
            finally:
                page.close()
        return found
    finally:
        document.close()

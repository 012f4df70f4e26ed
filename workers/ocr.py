"""OCR engines: one page image in, its text and a mean confidence out.

Two engines, chosen by the pool's `[workers] ocr_engine` (docs/OCR.md compares them):

- **tesseract**: the `tesseract` command, where the system has it (Debian's `tesseract-ocr`,
  the Windows installers), run once per page with its time limit, in the languages of
  `ocr_languages` (installed language packs, `eng+deu`);
- **rapidocr**: RapidOCR (Apache-2.0) on ONNX Runtime, the `ocr` extra (`pip install
  'docmill[ocr]'`): PP-OCR detection and recognition models shipped in its wheel, read from
  there and never downloaded; Chinese, English and the Latin alphabets in one model. It runs
  on a GPU when the GPU build of ONNX Runtime is installed.

`auto` takes Tesseract when the command is there and has the languages asked for, else
RapidOCR when it is installed; with neither, `engine()` says so in words that name the extra.
An engine is made once per job process and kept: RapidOCR's models take a second to load.
`read_pages` is the `ocr_pages` task's work: the pages of a PDF rendered at 300 dpi (at most
40 million pixels), or an image's frames, each read in turn.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from docmill.protocol import ErrorType
from docmill.settings import OCR_ENGINES
from workers.errors import TaskError

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)

ENGINES = OCR_ENGINES
MISSING = (
    "no OCR engine on the worker that took the page: install docmill's `ocr` extra "
    "(pip install 'docmill[ocr]') or Tesseract (the `tesseract` command)"
)


class Unavailable(Exception):
    """The engine asked for cannot run here; the message says what to install."""


class PageFailed(Exception):
    """The engine could not read one page (its time limit passed, the command failed)."""


@dataclass(frozen=True)
class Read:
    """One page's OCR: its text, and the engine's mean confidence in it (0 to 1, weighted by
    the length of each line or word), None when it found no text."""

    text: str
    confidence: float | None


class Engine(Protocol):
    name: str

    def read(self, image: Image, timeout: float) -> Read: ...


@dataclass(frozen=True)
class OcrOptions:
    """The pool's OCR settings ([workers] ocr_engine, ocr_languages, ocr_page_timeout) and the
    environment the `tesseract` command runs in (read at the pool's edge)."""

    engine: str = "auto"
    languages: str = "eng"
    page_timeout: float = 60.0
    environment: tuple[tuple[str, str], ...] = ()


def engine(options: OcrOptions) -> Engine:
    """The engine `options` name, made once per job process; Unavailable when it cannot run."""
    return _engine(options)


@functools.cache
def _engine(options: OcrOptions) -> Engine:
    if options.engine not in ENGINES:
        raise Unavailable(f"unknown OCR engine {options.engine!r}; one of {', '.join(ENGINES)}")
    tried: list[str] = []
    for name in ("tesseract", "rapidocr") if options.engine == "auto" else (options.engine,):
        try:
            return Tesseract(options) if name == "tesseract" else RapidOcr()
        except Unavailable as exc:
            tried.append(str(exc))
    if options.engine == "auto":
        raise Unavailable(f"{MISSING} ({'; '.join(tried)})")
    raise Unavailable(tried[0])


def find_tesseract(env: dict[str, str]) -> str | None:
    """The `tesseract` command on PATH, else where Windows installers put it (UB Mannheim's
    installs to Program Files, or for one user to AppData\\Local\\Programs, and leaves PATH
    alone unless asked)."""
    found = shutil.which("tesseract", path=env.get("PATH"))
    if found is None:
        roots = [env.get(name) for name in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA")]
        places = [
            os.path.join(root, *sub, "Tesseract-OCR")
            for root, sub in zip(roots, [(), (), ("Programs",)], strict=True)
            if root
        ]
        found = shutil.which("tesseract", path=os.pathsep.join(places)) if places else None
    return found


class Tesseract:
    """The `tesseract` command: text and word confidences (TSV) from one run per page."""

    name = "tesseract"

    def __init__(self, options: OcrOptions) -> None:
        env = dict(options.environment)
        found = find_tesseract(env)
        if found is None:
            raise Unavailable("the `tesseract` command is not on PATH")
        self.command, self.languages = found, options.languages
        # One thread per page: the pool runs pages side by side, and Tesseract's OpenMP
        # threads spin against each other (3 to 6 times the CPU for the same page).
        self.env = {**env, "OMP_THREAD_LIMIT": "1"}
        try:
            said = self._run(["--list-langs"], 30)
        except PageFailed as exc:
            raise Unavailable(str(exc)) from exc
        # "List of available languages in "DIR" (3):" then one per line (older versions say
        # it on stderr).
        lines = (said.stdout or said.stderr).splitlines()
        listed = [line.strip() for line in lines if line.strip() and not line.startswith("List")]
        wanted = [lang for lang in self.languages.split("+") if lang]
        if not wanted or (absent := [lang for lang in wanted if lang not in listed]):
            raise Unavailable(
                f"Tesseract has no language pack for {', '.join(absent or ['(none asked)'])} "
                f"(it has {', '.join(listed) or 'none'})"
            )

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [self.command, *args],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=self.env,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired as exc:
            raise PageFailed(f"tesseract took more than {timeout:g} s") from exc
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise PageFailed(f"tesseract failed: {' '.join(detail.split())[:300]}") from exc

    def read(self, image: Image, timeout: float) -> Read:
        with tempfile.TemporaryDirectory(prefix="docmill-ocr-") as folder:
            page = Path(folder) / "page.png"
            image.save(page)
            self._run([str(page), str(Path(folder) / "out"), "-l", self.languages, "txt", "tsv"],
                      timeout)  # fmt: skip
            text = (Path(folder) / "out.txt").read_text("utf-8", errors="replace")
            tsv = (Path(folder) / "out.tsv").read_text("utf-8", errors="replace")
        return Read(_tidy(text), _tsv_confidence(tsv))


def _tsv_confidence(tsv: str) -> float | None:
    """The mean confidence of Tesseract's words (TSV level 5), weighted by their length."""
    total = weight = 0.0
    for line in tsv.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            conf = float(cells[10])
        except ValueError:
            continue
        if conf >= 0:
            total += conf / 100 * len(cells[11].strip())
            weight += len(cells[11].strip())
    return round(total / weight, 4) if weight else None


class RapidOcr:
    """RapidOCR with the detection and recognition models its wheel ships (no angle
    classifier: it turned whole lines of an upright page upside down, docs/OCR.md)."""

    name = "rapidocr"

    def __init__(self) -> None:
        try:
            import onnxruntime
            import rapidocr
        except ImportError as exc:
            raise Unavailable(f"RapidOCR is not installed ({exc})") from exc
        models = Path(rapidocr.__file__).parent / "models"
        found = {task: sorted(models.glob(f"*{task}*.onnx")) for task in ("det", "rec")}
        if not found["det"] or not found["rec"]:
            # Never let it fetch models from the network: they must be in the package.
            raise Unavailable(f"RapidOCR's models are not in its package ({models})")
        gpu = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
        params: dict[str, Any] = {
            "Global.log_level": "error", "Global.use_cls": False,
            "Det.model_path": str(found["det"][-1]), "Rec.model_path": str(found["rec"][-1]),
            # One thread: the pool's processes are its parallelism, as for every task.
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.use_cuda": gpu,
        }  # fmt: skip
        self.ocr = rapidocr.RapidOCR(params=params)
        self.name = "rapidocr-gpu" if gpu else "rapidocr"
        log.info("RapidOCR ready (%s, models %s)", "CUDA" if gpu else "CPU", models)

    def read(self, image: Image, timeout: float) -> Read:
        import numpy

        found: Any = self.ocr(numpy.asarray(image.convert("RGB")))
        boxes, texts, scores = found.boxes, found.txts, found.scores
        if boxes is None or not texts:
            return Read("", None)
        lines = [
            (float(min(p[1] for p in box)), float(max(p[1] for p in box)),
             float(min(p[0] for p in box)), str(text), float(score))
            for box, text, score in zip(boxes, texts, scores, strict=True)
        ]  # fmt: skip
        weight = sum(len(line[3]) for line in lines) or 1
        confidence = sum(line[4] * len(line[3]) for line in lines) / weight
        return Read(_layout(lines), round(confidence, 4))


def _layout(boxes: list[tuple[float, float, float, str, float]]) -> str:
    """Text boxes (top, bottom, left, text, score) as lines: boxes whose middles lie within
    half a line of each other make one line, left to right; a gap taller than a line between
    two lines starts a paragraph."""
    rows: list[list[tuple[float, float, float, str, float]]] = []
    for box in sorted(boxes, key=lambda b: (b[0] + b[1]) / 2):
        middle, height = (box[0] + box[1]) / 2, box[1] - box[0]
        last = rows[-1] if rows else None
        if last and abs(middle - (last[0][0] + last[0][1]) / 2) < max(height, 1) / 2:
            last.append(box)
        else:
            rows.append([box])
    out: list[str] = []
    previous_bottom = None
    for row in rows:
        top, bottom = min(b[0] for b in row), max(b[1] for b in row)
        if previous_bottom is not None and top - previous_bottom > bottom - top:
            out.append("")
        out.append(" ".join(b[3] for b in sorted(row, key=lambda b: b[2])))
        previous_bottom = bottom
    return _tidy("\n".join(out))


def _tidy(text: str) -> str:
    """Lines without trailing spaces, at most one blank line between paragraphs, no form feed."""
    lines = [line.rstrip() for line in text.replace("\f", "\n").splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


# -- pages of a document, read by an engine (the `ocr_pages` task) ------------------------------

DPI = 300  # PDF pages are rendered at this resolution...
MAX_PAGE_PIXELS = 40_000_000  # ...unless that makes more pixels (an A3 page at 300 dpi: 17 M)


def read_pages(path: str, kind: str, numbers: list[int], options: OcrOptions) -> dict[str, Any]:
    """The `ocr_pages` task's work: the text of pages `numbers` of the document at `path`,
    each with the engine's mean confidence, and what went wrong with any of them."""
    from workers.formats.pdf import close_cjk_gaps

    if not isinstance(numbers, list) or not all(isinstance(n, int) for n in numbers):
        raise TaskError(ErrorType.BAD_REQUEST, f"'pages' is a list of page numbers: {numbers!r}")
    try:
        found_engine = engine(options)
    except Unavailable as exc:
        return {"pages": [], "warnings": [str(exc)], "engine": None}
    pages, warnings = [], []
    for number, image in page_images(path, kind, numbers):
        try:
            found = found_engine.read(image, options.page_timeout)
        except PageFailed as exc:
            warnings.append(f"page {number}: OCR failed: {exc}")
            continue
        finally:
            image.close()
        text = close_cjk_gaps(found.text)  # Tesseract spaces out Chinese as PDF readers do
        pages.append({"number": number, "text": text, "confidence": found.confidence})
    return {"pages": pages, "warnings": warnings, "engine": found_engine.name}


def page_images(path: str, kind: str, numbers: list[int]) -> Iterator[tuple[int, Image]]:
    """Each page as an image, one at a time: a PDF page rendered at DPI, an image's frame."""
    if kind == "image":
        from workers.formats import image

        yield from image.frames(path, numbers, MAX_PAGE_PIXELS)
        return
    if kind != "pdf":
        raise TaskError(ErrorType.BAD_REQUEST, f"OCR reads PDFs and images, not {kind!r}")
    from workers.formats import pdfium

    document = pdfium.open_document(path)
    try:
        count = len(document)
        for number in numbers:
            if not 1 <= number <= count:
                raise TaskError(ErrorType.BAD_REQUEST, f"{path} has no page {number}")
            page = document[number - 1]
            try:
                width, height = page.get_size()  # points
                # PDFium rounds each side up: a thousandth less keeps the page under the cap.
                scale = min(DPI / 72, 0.999 * (MAX_PAGE_PIXELS / max(width * height, 1)) ** 0.5)
                bitmap = page.render(scale=scale, grayscale=True)
                yield number, bitmap.to_pil()
                bitmap.close()
            finally:
                page.close()
    finally:
        document.close()

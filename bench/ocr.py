# ruff: noqa: RUF001  (Chinese text, its full-width commas included, is one of the cases)
"""OCR accuracy and speed through a running system: known text rendered to images and to
image-only PDFs, and the corpus's PDFs that have no text layer.

    python bench/ocr.py [--workers 2] [--engines tesseract,rapidocr] [--corpus DIR]
                        [--corpus-max-pages 20] [--no-corpus]

For each engine, a broker and a pool (`[workers] ocr_engine`) on a fresh home; every case is
rendered at 300 dpi to a PNG and to a one-page image-only PDF in its inbox, all are submitted
at once, and the character error rate of each (Levenshtein distance / reference length, on
text with runs of white space made one space; for Chinese, without white space) is printed
with the engine's mean confidence, then pages per second over the whole run. Tesseract reads
the Latin cases in `eng` and the Chinese one in `chi_sim+eng` (a pool each).

Then the corpus (MANIFEST.tsv): every PDF through a pool with `ocr="off"`, those that end
`no_text` (up to --corpus-max-pages pages each) again with OCR, and how many now give text.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.system import CORPUS, QUIET, running  # noqa: E402
from docmill.client import Client  # noqa: E402

DPI = 300
LATIN = (
    "This agreement is made on 3 March 2025 between Northwind Traders Ltd, 12 Harbour Road, "
    "Bristol, and the customer named in schedule A. The supplier shall deliver the goods no "
    "later than thirty days after the order is confirmed in writing. Payment is due within 45 "
    "days of the invoice date; late payments bear interest at 1.5% per month. Either party may "
    "end this agreement by giving ninety days' notice to the other, by registered mail or by "
    "e-mail to legal@northwind.example, with a copy by post. Clause 7(b) survives its end."
)
CHINESE = (
    "本合同自双方签字之日起生效，有效期为三年。甲方应于每月五日前支付上月的服务费用，逾期付款"
    "每日按未付金额的万分之五计收滞纳金。乙方应按照附件一所列标准提供服务，并对服务质量负责。"
    "任何一方提前终止合同，应提前九十日书面通知对方。本合同一式两份，双方各执一份，具有同等法律效力。"
)


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    font: str
    points: float
    skew: float = 0.0  # degrees
    noise: float = 0.0  # share of pixels flipped, after a slight blur
    cjk: bool = False


CASES = [
    Case("sans 11pt", LATIN, "DejaVuSans.ttf", 11),
    Case("serif 11pt", LATIN, "DejaVuSerif.ttf", 11),
    Case("mono 10pt", LATIN, "DejaVuSansMono.ttf", 10),
    Case("sans 8pt", LATIN, "DejaVuSans.ttf", 8),
    Case("serif 14pt", LATIN, "DejaVuSerif.ttf", 14),
    Case("sans 11pt skewed 3°", LATIN, "DejaVuSans.ttf", 11, skew=3.0),
    Case("sans 11pt noisy 3%", LATIN, "DejaVuSans.ttf", 11, noise=0.03),
    Case("chinese 12pt", CHINESE, "wqy-microhei.ttc", 12, cjk=True),
]


def render(case: Case) -> Image.Image:
    """The case's text wrapped on an A4 page at 300 dpi, skewed and noisy as the case says."""
    face = ImageFont.truetype(case.font, round(case.points * DPI / 72))
    width, height = round(8.27 * DPI), round(11.69 * DPI)
    margin = DPI
    lines: list[str] = []
    unit = list(case.text) if case.cjk else case.text.split()
    line = ""
    for word in unit:
        candidate = word if not line else line + ("" if case.cjk else " ") + word
        if face.getlength(candidate) > width - 2 * margin:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    step = round(case.points * DPI / 72 * 1.5)
    for n, text in enumerate(lines):
        draw.text((margin, margin + n * step), text, font=face, fill=0)
    if case.skew:
        page = page.rotate(case.skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if case.noise:
        page = page.filter(ImageFilter.GaussianBlur(0.8))
        rng = random.Random(7)
        pixels = page.load()
        assert pixels is not None
        for _ in range(int(width * height * case.noise)):
            x, y = rng.randrange(width), rng.randrange(height)
            pixels[x, y] = 0 if rng.random() < 0.5 else 255
    return page


def reference(case: Case) -> str:
    return normal(case.text, case.cjk)


def normal(text: str, cjk: bool) -> str:
    return "".join(text.split()) if cjk else " ".join(text.split())


def cer(expected: str, found: str) -> float:
    """Levenshtein distance over the expected text's length."""
    previous = list(range(len(found) + 1))
    for i, a in enumerate(expected, 1):
        current = [i]
        for j, b in enumerate(found, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1] / max(len(expected), 1)


def settings(engine: str, languages: str) -> str:
    return QUIET + f'[workers]\nocr_engine = "{engine}"\nocr_languages = "{languages}"\n'


def run_cases(engine: str, languages: str, cases: list[Case], workers: int) -> list[list[Any]]:
    """Every case as a PNG and as a PDF through a system whose pool reads with `engine`."""
    rows = []
    with running(workers, settings(engine, languages)) as system:
        inbox = system.home / "inbox"
        inbox.mkdir(exist_ok=True)
        files = []
        for n, case in enumerate(cases):
            page = render(case)
            png, pdf = inbox / f"case{n}.png", inbox / f"case{n}.pdf"
            page.save(png)
            buffer = io.BytesIO()
            page.save(buffer, "PDF", resolution=DPI)
            pdf.write_bytes(buffer.getvalue())
            files += [(case, "png", png), (case, "pdf", pdf)]
        with Client(home=str(system.home), timeout=60) as client:
            began = time.perf_counter()
            jobs = client.submit_many("process_document", [{"path": str(f)} for *_, f in files])
            infos = client.wait(jobs, timeout=3600)
            wall = time.perf_counter() - began
    pages = 0
    for (case, form, _), info in zip(files, infos, strict=True):
        if info["status"] != "succeeded":
            rows.append([engine, case.name, form, "failed", "", info.get("error")])
            continue
        result = info["result"]
        pages += 1
        text = normal(result["text"], case.cjk)
        meta = result["metadata"]
        rows.append([engine, case.name, form, f"{100 * cer(reference(case), text):.2f}",
                     meta.get("ocr_confidence"), "; ".join(result["warnings"])[:60]])  # fmt: skip
    rows.append(
        [engine, f"{pages} pages in {wall:.1f} s", "", "", "", f"{pages / wall:.2f} pages/s"]
    )
    return rows


def corpus_run(corpus: Path, workers: int, max_pages: int, engine: str) -> None:
    """The corpus's PDFs that end no_text without OCR, read again with it."""
    with (corpus / "MANIFEST.tsv").open() as f:
        paths = [str(corpus / r["relative_path"]) for r in csv.DictReader(f, delimiter="\t")
                 if r["kind"] == "pdf"]  # fmt: skip
    system_settings = settings(engine, "eng")
    with (
        running(workers, system_settings) as system,
        Client(home=str(system.home), timeout=60) as client,
    ):
        jobs = client.submit_many("process_document", [{"path": p, "ocr": "off"} for p in paths])
        before = client.wait(jobs, timeout=3600)
        bare = [
            (path, info["result"]["metadata"]["page_count"])
            for path, info in zip(paths, before, strict=True)
            if info["status"] == "succeeded" and info["result"]["status"] == "no_text"
        ]
        failed = sum(info["status"] != "succeeded" for info in before)
        chosen = [path for path, count in bare if count <= max_pages]
        began = time.perf_counter()
        jobs = client.submit_many("process_document", [{"path": p} for p in chosen])
        after = client.wait(jobs, timeout=3600)
        wall = time.perf_counter() - began
    done = [info["result"] for info in after if info["status"] == "succeeded"]
    read = [r for r in done if r["status"] == "ok"]
    ocr_pages = sum(r["metadata"].get("ocr_pages") or 0 for r in done)
    print(f"\ncorpus: {len(paths)} PDFs, {failed} fail without OCR (encrypted, damaged), "
          f"{len(bare)} end no_text; {len(chosen)} of at most {max_pages} pages read again "
          f"with OCR in {wall:.1f} s: {len(read)} now give text, {ocr_pages} pages read by OCR, "
          f"{len(chosen) - len(read)} still no_text (blank, drawn, or images too small to be "
          f"a scan)")  # fmt: skip
    engines = sorted(
        {str(r["metadata"]["ocr_engine"]) for r in done if r["metadata"].get("ocr_engine")}
    )
    words = sum(r["metadata"]["word_count"] for r in read)
    dropped = sum("OCR text left out" in w for r in done for w in r["warnings"])
    print(f"engine {', '.join(engines) or '-'}; {words} words found; {dropped} pages' text left "
          f"out for its low confidence")  # fmt: skip
    for r in read[:10]:
        text = " ".join(r["text"].split())[:70]
        print(f"  {r['metadata'].get('ocr_confidence')}  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default="tesseract,rapidocr")
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--corpus-max-pages", type=int, default=20)
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--corpus-engine", default="auto", help="the engine the corpus is read by")
    args = parser.parse_args()
    rows: list[list[Any]] = []
    latin, chinese = [c for c in CASES if not c.cjk], [c for c in CASES if c.cjk]
    for engine in filter(None, args.engines.split(",")):
        if engine == "tesseract":
            rows += run_cases(engine, "eng", latin, args.workers)
            rows += run_cases(engine, "chi_sim+eng", chinese, args.workers)
        else:
            rows += run_cases(engine, "eng", CASES, args.workers)
    print(f"{args.workers} workers, 300 dpi, A4 pages")
    print(tabulate(rows, headers=["engine", "case", "as", "CER %", "confidence", "warnings"]))
    if not args.no_corpus and Path(args.corpus, "MANIFEST.tsv").is_file():
        corpus_run(Path(args.corpus), args.workers, args.corpus_max_pages, args.corpus_engine)


if __name__ == "__main__":
    main()

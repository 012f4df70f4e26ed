"""OCR of scanned pages and image files: rendered text through a real broker and pool, the
pages read as `ocr_pages` parts on the `ocr` queue, a page with a text layer left alone unless
the job forces OCR, image bombs refused, and a pool with no engine saying what to install."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from broker import batches
from broker.jobs import Job
from docmill.client import Client, JobFailed
from docmill.home import Home
from docmill.protocol import JobStatus, ProtocolError, pack, parse_reply
from docmill.settings import SettingsError, WorkersSettings, command_environment
from tests.conftest import QUIET, ROOT, Events, Proc, allow, start_broker, wait_for
from tests.documents.pdf import write_pdf
from tests.documents.scans import CJK, LATIN, font_missing, image_pdf, join_pdfs, render
from workers.errors import FanOut
from workers.formats import scans
from workers.formats.detect import detect
from workers.ocr import (
    MAX_PAGE_PIXELS,
    OcrOptions,
    Tesseract,
    find_tesseract,
    page_images,
    read_pages,
)

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(bool(font_missing(LATIN)), reason=font_missing(LATIN) or ""),
]

INVOICE = ["Invoice number 4711 is due on 3 March 2025.", "Pay by bank transfer, please."]
NOTE = ["A short note to read from an image."]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """One broker and one pool of two workers on the default queues (`ocr` among them), for
    every test of this module: starting them is most of the time such a test takes."""
    folder = tmp_path_factory.mktemp("ocr")
    home = Home(folder / "h").ensure()
    (home.root / "docmill.toml").write_text(QUIET + allow(folder))
    broker = start_broker(home, folder / "broker.log")
    events = Events(home)
    pool = Proc(["-m", "workers", "--home", str(home.root), "--concurrency", "2"], folder / "p.log")
    client = Client(home=str(home.root), timeout=10)
    try:
        wait_for(lambda: len(client.status()["workers"]) >= 2, 30, "2 workers")
        yield SimpleNamespace(home=home, client=client, events=events, folder=folder)
    finally:
        client.close()
        pool.stop()
        events.close()
        broker.stop()


def _parts(events: Events, parent: str) -> list[dict[str, Any]]:
    return [b for t, b in events.items if t == "job.submitted" and b.get("parent") == parent]


def _words(text: str) -> str:
    return " ".join(text.split())


def _record(result: dict[str, Any]) -> dict[str, Any]:
    return json.loads(Path(result["json_path"]).read_text())


def test_a_scanned_page_is_read_on_the_ocr_queue_and_a_text_page_left_alone(
    system: SimpleNamespace,
) -> None:
    text_page = write_pdf(system.folder / "text.pdf", ["The first page has a text layer."])
    pdf = join_pdfs(system.folder / "mixed.pdf", text_page, image_pdf([render(INVOICE)]))
    # Chunks of a page or less, so that a retriever can tell the OCR'd page's text.
    job = system.client.submit("process_document", path=str(pdf), chunk_size=60, chunk_overlap=0)
    result = job.result(timeout=60)
    assert result["status"] == "ok", result["warnings"]
    record = _record(result)
    first, second = record["pages"]
    assert first["text"].strip() == "The first page has a text layer."
    assert "ocr" not in first, "a page with a text layer is never read by OCR"
    assert _words(second["text"]) == _words(" ".join(INVOICE))
    assert second["ocr"]["engine"] in ("tesseract", "rapidocr")
    assert 0.8 < second["ocr"]["confidence"] <= 1
    assert result["metadata"]["ocr_pages"] == 1
    assert result["metadata"]["ocr_confidence"] == second["ocr"]["confidence"]
    assert "Invoice number 4711" in result["text"] and "text layer" in result["text"]
    lines = [json.loads(line) for line in Path(result["chunks_path"]).read_text().splitlines()]
    assert "Invoice number 4711" in " ".join(c["page_content"] for c in lines)
    typed = [c["metadata"] for c in lines if c["metadata"]["page_end"] == 1]
    scanned = [c["metadata"] for c in lines if c["metadata"]["page_start"] == 2]
    assert typed and scanned and len(typed) + len(scanned) == len(lines)
    assert all(m["ocr"] is True for m in scanned), "a retriever can tell OCR'd text"
    assert not any("ocr" in m for m in typed)
    wait_for(lambda: "job.succeeded" in system.events.topics(job.id), 10, "the job's end")
    parts = _parts(system.events, job.id)
    assert [(p["task"], p["queue"]) for p in parts] == [("ocr_pages", "ocr")]


def test_a_long_pdf_read_in_page_ranges_has_its_scanned_pages_read_after(
    system: SimpleNamespace,
) -> None:
    text_page = write_pdf(system.folder / "typed2.pdf", ["A typed page before the scan."])
    pdf = join_pdfs(system.folder / "ranges.pdf", text_page, image_pdf([render(INVOICE)]))
    job = system.client.submit("process_document", path=str(pdf), split_pages=1)
    result = job.result(timeout=60)
    assert "A typed page before the scan." in result["text"] and "4711" in result["text"]
    wait_for(lambda: "job.succeeded" in system.events.topics(job.id), 10, "the job's end")
    tasks = [(p["task"], p["queue"]) for p in _parts(system.events, job.id)]
    assert tasks == [("extract_pages", "documents")] * 2 + [("ocr_pages", "ocr")]
    assert [page["number"] for page in _record(result)["pages"]] == [1, 2]


def test_image_files_of_each_kind_are_read_page_by_page(system: SimpleNamespace) -> None:
    picture = render(NOTE)
    files = {}
    for kind, ext in (("png", "png"), ("jpeg", "jpg"), ("bmp", "bmp"), ("webp", "webp")):
        files[kind] = system.folder / f"note.{ext}"
        picture.save(files[kind], quality=95) if kind == "jpeg" else picture.save(files[kind])
    files["tiff"] = system.folder / "two.tif"
    picture.save(files["tiff"], save_all=True, append_images=[render(INVOICE)])
    jobs = {
        kind: system.client.submit("process_document", path=str(p)) for kind, p in files.items()
    }
    for kind, job in jobs.items():
        result = job.result(timeout=60)
        assert (result["kind"], result["status"]) == (kind, "ok"), result["warnings"]
        pages = _record(result)["pages"]
        assert _words(pages[0]["text"]) == _words(NOTE[0]), kind
        assert all(page["ocr"]["confidence"] for page in pages)
    assert result["metadata"]["page_count"] == 2  # the TIFF's two pages
    assert _words(pages[1]["text"]) == _words(" ".join(INVOICE))


def test_forced_ocr_reads_a_text_page_and_off_reads_none(system: SimpleNamespace) -> None:
    typed = write_pdf(system.folder / "typed.pdf", ["Words typed into the PDF itself."])
    forced = system.client.submit("process_document", path=str(typed), ocr="force")
    scanned = system.folder / "scanned.pdf"
    scanned.write_bytes(image_pdf([render(NOTE)]))
    off = system.client.submit("process_document", path=str(scanned), ocr="off")
    result = forced.result(timeout=60)
    page = _record(result)["pages"][0]
    assert page["ocr"]["engine"] and _words(page["text"]) == "Words typed into the PDF itself."
    assert off.result(timeout=60)["status"] == "no_text"
    wait_for(lambda: "job.succeeded" in system.events.topics(off.id), 10, "the job's end")
    assert _parts(system.events, off.id) == []
    bad = system.client.submit("process_document", path=str(scanned), ocr="sometimes")
    with pytest.raises(JobFailed) as refused:
        bad.result(timeout=30)
    assert refused.value.type == "bad_request"


def _png(width: int, height: int) -> bytes:
    """A PNG whose header says `width` x `height` pixels, with one byte of image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))


def test_an_image_bomb_is_refused_before_it_is_decoded(system: SimpleNamespace) -> None:
    bomb = system.folder / "bomb.png"
    bomb.write_bytes(_png(200_000, 200_000))  # 40 billion pixels in 60 bytes
    job = system.client.submit("process_document", path=str(bomb))
    with pytest.raises(JobFailed) as refused:
        job.result(timeout=30)
    assert refused.value.type == "too_large" and "200000 x 200000" in refused.value.message


def test_a_document_sent_as_content_has_its_parts_read_the_same_bytes(
    system: SimpleNamespace,
) -> None:
    data = io.BytesIO()
    render(NOTE).save(data, "PNG")
    job = system.client.submit("process_document", content=data.getvalue(), name="note.png")
    result = job.result(timeout=60)
    assert _words(result["text"]) == _words(NOTE[0])
    wait_for(lambda: "job.succeeded" in system.events.topics(job.id), 10, "the job's end")
    assert [p["queue"] for p in _parts(system.events, job.id)] == ["ocr"]


def test_a_long_scan_holds_no_worker_while_text_documents_flow(system: SimpleNamespace) -> None:
    pages = [render([f"Page {n} of a long scan.", *INVOICE]) for n in range(1, 13)]
    scan = system.folder / "long-scan.pdf"
    scan.write_bytes(image_pdf(pages))
    job = system.client.submit("process_document", path=str(scan))

    def parts_started() -> list[dict[str, Any]]:
        started = {b["job"] for t, b in system.events.items if t == "job.started"}
        return [p for p in _parts(system.events, job.id) if p["job"] in started]

    wait_for(parts_started, 30, "the scan's first part")
    assert system.client.job(job.id).info()["worker"] == "broker"  # held, on no worker
    note = system.folder / "note.txt"
    note.write_text("A text document submitted while the scan is read.\n")
    text = system.client.submit("process_document", path=str(note))
    assert text.result(timeout=60)["status"] == "ok"
    result = job.result(timeout=90)
    assert [p["queue"] for p in _parts(system.events, job.id)] == ["ocr"] * 3  # 4 pages each
    assert text.info()["finished"] < job.info()["finished"], "the text did not wait for the scan"
    assert result["metadata"]["ocr_pages"] == 12 and "Page 12 of a long scan." in result["text"]


def test_a_pool_for_the_ocr_queue_alone_without_an_engine_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Home(tmp_path / "h").ensure()
    (home.root / "docmill.toml").write_text(QUIET + allow(tmp_path))
    broker = start_broker(home, tmp_path / "broker.log")
    reader = Proc(["-m", "workers", "--home", str(home.root), "--concurrency", "1",
                   "--queues", "documents"], tmp_path / "documents.log")  # fmt: skip
    # The `ocr` pool: its Python has no RapidOCR (the import fails as an absent package's
    # does) and its PATH no tesseract, as on a machine without the extra.
    hidden = tmp_path / "hidden" / "rapidocr"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ModuleNotFoundError('No module named rapidocr')\n")
    monkeypatch.setenv("PYTHONPATH", f"{hidden.parent}{os.pathsep}{ROOT}")
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    ocr = Proc(["-m", "workers", "--home", str(home.root), "--concurrency", "1",
                "--queues", "ocr"], tmp_path / "ocr.log")  # fmt: skip
    try:
        render(NOTE).save(tmp_path / "note.png")
        with Client(home=str(home.root), timeout=10) as client:
            wait_for(lambda: len(client.status()["workers"]) >= 2, 30, "both pools")
            job = client.submit("process_document", path=str(tmp_path / "note.png"))
            result = job.result(timeout=60)
        assert result["status"] == "no_text"
        assert any("docmill[ocr]" in warning for warning in result["warnings"]), result
    finally:
        ocr.stop()
        reader.stop()
        broker.stop()


@pytest.mark.skipif(bool(font_missing(CJK)), reason=font_missing(CJK) or "")
def test_rapidocr_reads_latin_and_chinese_from_its_packaged_models(tmp_path: Path) -> None:
    pytest.importorskip("rapidocr", reason="the `ocr` extra is not installed")
    lines = ["Invoice number 4711", "本合同自双方签字之日起生效"]
    tiff = tmp_path / "two.tif"
    render(lines[:1]).save(tiff, save_all=True, append_images=[render(lines[1:], CJK)])
    found = read_pages(str(tiff), "image", [1, 2], OcrOptions(engine="rapidocr"))
    assert found["engine"] == "rapidocr" and found["warnings"] == []
    assert [page["text"] for page in found["pages"]] == lines
    assert all(page["confidence"] > 0.9 for page in found["pages"])


def test_images_are_told_by_their_first_bytes(tmp_path: Path) -> None:
    picture = Image.new("L", (8, 8), 255)
    for kind, fmt in (("png", "PNG"), ("jpeg", "JPEG"), ("tiff", "TIFF"), ("bmp", "BMP")):
        path = tmp_path / f"{kind}.dat"  # no telling extension
        picture.save(path, fmt)
        assert detect(str(path), 1 << 20) == kind
    picture.save(tmp_path / "w.dat", "WEBP")
    assert detect(str(tmp_path / "w.dat"), 1 << 20) == "webp"
    (tmp_path / "bm.txt").write_text("BMW and BMX are not bitmaps.\n")
    assert detect(str(tmp_path / "bm.txt"), 1 << 20) == "txt"


def test_a_failed_part_leaves_its_pages_unread_and_unsure_text_is_left_out(
    tmp_path: Path,
) -> None:
    pages = [{"number": n, "text": ""} for n in range(1, 7)]
    pages[5]["text"] = "Fig. 3"  # a caption over a photograph: kept when OCR reads nothing
    results = [
        {"error": {"type": "timeout", "message": "over its time limit"}},
        {"pages": [{"number": 5, "text": "five", "confidence": 0.9},
                   {"number": 6, "text": "Hoy c ieee a TTT", "confidence": 0.2}],
         "warnings": [], "engine": "tesseract"},
    ]  # fmt: skip
    warnings: list[str] = []
    meta: dict[str, Any] = {}
    request = scans.Request("auto", results=results)
    scans.apply(request, "image", str(tmp_path / "x"), pages, meta, warnings)
    assert [page["text"] for page in pages] == ["", "", "", "", "five", "Fig. 3"]
    assert pages[5]["ocr"] == {"engine": "tesseract", "confidence": 0.2}
    assert warnings == [
        "pages 1-4: OCR failed: timeout: over its time limit",
        "page 6: OCR text left out, its mean confidence 0.20 is under 0.4",
    ]
    assert meta == {"ocr_pages": 2, "ocr_engine": "tesseract", "ocr_confidence": 0.55}


def test_a_partial_fan_out_returns_its_failed_parts_errors_under_its_own_arg() -> None:
    parent = Job(id="p", task="process_document", queue="documents", args={"parts": [1]})
    children = batches.make_children(parent, "ocr_pages", [{}, {}], 0.0, {"queue": "ocr"})
    parent.result = batches.holding(
        children, {"queue": "ocr", "into": "ocr_parts", "partial": True}
    )
    assert [child.queue for child in children] == ["ocr", "ocr"]
    children[0].status, children[0].result = JobStatus.SUCCEEDED, {"pages": []}
    children[1].status, children[1].error = JobStatus.DEAD, {"type": "timeout"}
    assert batches.completion(parent, children) is None  # finished by a worker, not failed
    assert batches.results(parent, children) == {
        "ocr_parts": [{"pages": []}, {"error": {"type": "timeout"}}]
    }
    assert batches.back_from_parts(Job(id="q", task="t", queue="q", args={"ocr_parts": []}))


def test_parts_have_a_time_limit_by_their_pages_and_pages_a_pixel_limit(tmp_path: Path) -> None:
    pages = [{"number": n, "text": ""} for n in range(1, 7)]
    request = scans.Request("auto", source={"path": "scan.tif"}, page_timeout=30.0)
    with pytest.raises(FanOut) as handed:
        scans.apply(request, "image", "scan.tif", pages, {}, [])
    assert [part["pages"] for part in handed.value.parts] == [[1, 2, 3, 4], [5, 6]]
    assert handed.value.options == {
        "queue": "ocr", "into": "ocr_parts", "timeout": 4 * 30.0 + 60, "partial": True
    }  # fmt: skip
    # A page of 200 x 200 inches: 3.6 billion pixels at 300 dpi, rendered at 40 million.
    poster = tmp_path / "poster.pdf"
    poster.write_bytes(image_pdf([Image.new("L", (200, 200), 255)], dpi=1))
    [(number, image)] = list(page_images(str(poster), "pdf", [1]))
    assert number == 1 and 39_000_000 < image.width * image.height <= MAX_PAGE_PIXELS


@pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract is not installed")
def test_a_page_over_its_time_limit_costs_that_page_alone(tmp_path: Path) -> None:
    render(NOTE).save(tmp_path / "two.tif", save_all=True, append_images=[render(INVOICE)])
    hasty = OcrOptions(engine="tesseract", page_timeout=0.001, environment=command_environment())
    found = read_pages(str(tmp_path / "two.tif"), "image", [1, 2], hasty)
    assert found["pages"] == [] and len(found["warnings"]) == 2
    assert found["warnings"][0] == "page 1: OCR failed: tesseract took more than 0.001 s"


def test_fan_out_options_and_ocr_settings_are_checked() -> None:
    good = {"task": "ocr_pages", "parts": [{}], "queue": "ocr", "into": "ocr_parts",
            "timeout": 300.0, "partial": True}  # fmt: skip
    assert parse_reply([pack({"ok": True, "fan_out": good})])["fan_out"] == good
    for bad in ({"into": "results"}, {"queue": "docmill.submit"}, {"timeout": 0},
                {"partial": "yes"}, {"parts": []}):  # fmt: skip
        with pytest.raises(ProtocolError):
            parse_reply([pack({"ok": True, "fan_out": {**good, **bad}})])
    with pytest.raises(SettingsError, match="ocr_engine"):
        WorkersSettings(ocr_engine="paddle")
    with pytest.raises(SettingsError, match="ocr_page_timeout"):
        WorkersSettings(ocr_page_timeout=0)


def test_tesseract_is_found_where_windows_installers_put_it(tmp_path: Path) -> None:
    # UB Mannheim's installer puts it in Program Files\Tesseract-OCR (or, for one user, in
    # AppData\Local\Programs\Tesseract-OCR) and leaves PATH alone unless asked.
    real = shutil.which("tesseract")
    if real is None:
        pytest.skip("needs the tesseract command (sh .ci/system-packages)")
    for variable, folder in (("ProgramFiles", ()), ("LOCALAPPDATA", ("Programs",))):
        root = tmp_path / variable
        installed = root.joinpath(*folder, "Tesseract-OCR")
        installed.mkdir(parents=True)
        (installed / "tesseract").symlink_to(real)
        env = {"PATH": str(tmp_path / "empty"), variable: str(root)}
        assert find_tesseract(env) == str(installed / "tesseract")
        engine = Tesseract(OcrOptions(engine="tesseract", environment=tuple(env.items())))
        assert engine.command == str(installed / "tesseract")
    assert find_tesseract({"PATH": str(tmp_path / "empty")}) is None

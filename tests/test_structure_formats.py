"""Headings of HTML, EPUB, ODT and PPTX start sections, and chunks say which section they are
in; inputs built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.office_files import opendocument, presentation, shape
from workers.document import build_record
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

PROSE = "The figures were gathered every week and checked twice by the team. " * 8


def _sections(path: Path) -> list[tuple[int, str]]:
    structure = extract(str(path))["structure"] or {"sections": []}
    return [(level, title) for _, level, title in structure["sections"]]


def test_html_headings_start_sections_and_chunks_carry_their_path(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        "<html><body><nav><a href='/'>Home</a></nav><article>"
        f"<h1>Annual Report</h1><p>{PROSE}</p><h2>Results</h2><p>{PROSE}</p>"
        f"<h3>Tables <small>(audited)</small></h3><p>{PROSE}</p></article></body></html>"
    )
    assert _sections(page) == [(1, "Annual Report"), (2, "Results"), (3, "Tables (audited)")]
    record = build_record(str(page), chunk_size=2000, chunk_overlap=0)
    paths = [c.get("section") for c in record["chunks"]]
    assert paths == [
        "Annual Report",
        "Annual Report > Results",
        "Annual Report > Results > Tables (audited)",
    ]


def test_odt_headings_by_outline_level(tmp_path: Path) -> None:
    body = (
        "<office:text>"
        '<text:h text:outline-level="1">Findings</text:h>'
        f"<text:p>{PROSE}</text:p>"
        '<text:h text:outline-level="2">Costs<text:note text:note-class="footnote">'
        "<text:note-citation>1</text:note-citation><text:note-body><text:p>In euros.</text:p>"
        "</text:note-body></text:note></text:h>"
        f"<text:p>{PROSE}</text:p></office:text>"
    )
    path = opendocument(tmp_path, "r.odt", "application/vnd.oasis.opendocument.text", body)
    assert _sections(path) == [(1, "Findings"), (2, "Costs")]


def test_each_slide_title_starts_a_section(tmp_path: Path) -> None:
    slides = [
        shape("Quarterly review", "ctrTitle") + shape("Spring 2026"),
        shape("Revenue", "title") + shape(PROSE),
        shape("No title on this one"),
    ]
    path = presentation(tmp_path, slides, {})
    assert _sections(path) == [(1, "Quarterly review"), (1, "Revenue")]

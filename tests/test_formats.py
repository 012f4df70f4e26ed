"""Each format family of workers.formats on real corpus files (read in place)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

UNS = "Unstructured-IO__unstructured/example-docs"
LANG = f"{UNS}/language-docs"
UDHR_EN = "All human beings are born free and equal in dignity and rights."
UDHR_ES = "Todos los seres humanos nacen libres e iguales en dignidad y derechos"


def run(corpus: Path, relative: str) -> dict[str, Any]:
    return extract(str(corpus / relative))


@pytest.mark.parametrize(
    ("relative", "kind", "phrases"),
    [
        (
            f"{UNS}/fake-power-point-table.pptx",
            "pptx",
            ["Column 1\tColumn 2\tColumn 3", "Red\tGreen\tBlue"],
        ),
        (f"{LANG}/eng_spa_mult.ppt", "pptx", [UDHR_EN, UDHR_ES]),  # OOXML under a .ppt name
        (
            f"{UNS}/stanley-cups.xlsx",
            "xlsx",
            ["Team\tLocation\tStanley Cups", "Maple Leafs\tTOR\t13"],
        ),
        (f"{UNS}/emoji.xlsx", "xlsx", ["🤠😅"]),
        (f"{UNS}/fake.odt", "odt", ["Lorem ipsum dolor sit amet.", "Color\tBlue\tRed\tGreen"]),
        (f"{LANG}/eng_spa_mult.odt", "odt", [UDHR_EN, UDHR_ES]),
        (f"{LANG}/eng_spa_mult.epub", "epub", [UDHR_EN, UDHR_ES]),
        (f"{UNS}/fake-html.html", "html", ["My First Heading", "My first paragraph."]),
        (f"{UNS}/fake-html-cp1252.html", "html", ["Der Preis betrug 15,50 €."]),
        (f"{UNS}/example-steelJIS-datasheet-utf-16.html", "html", ["SteelJIS: Japanese Steels"]),
        (f"{UNS}/fake-html-pre.htm", "html", ["[107th Congress Public Law 56]"]),
        (f"{UNS}/factbook.xml", "xml", ["Washington, DC", "Justin Trudeau"]),
        (f"{UNS}/factbook-utf-16.xml", "xml", ["Washington, DC"]),  # BOM says UTF-16, decl. UTF-8
        (f"{UNS}/arbitrary-records.json", "json", ["sku: GRD-8842", "name: Garden Trowel"]),
        (f"{UNS}/arbitrary-records.ndjson", "ndjson", ["name: Watering Can"]),
        (f"{UNS}/semicolon-delimited.csv", "csv", ["Lorem, ipsum\tdolor sit\tamet"]),
        (f"{UNS}/stanley-cups-utf-16.csv", "csv", ["Maple Leafs\tTOR\t13"]),
        (f"{UNS}/stanley-cups.tsv", "tsv", ["Team\tLocation\tStanley Cups"]),
        (f"{UNS}/README.md", "md", ["The sample docs directory contains the following files"]),
        (f"{UNS}/README.rst", "rst", ["Example Docs"]),
        (f"{UNS}/README.org", "org", ["* Example Docs"]),
        (f"{UNS}/umlauts-non-utf8.md", "md", ["können", "äöüß"]),
        (f"{UNS}/fake-doc.rtf", "rtf", ["My First Heading", "Row 1, Cell 1\tRow 1, Cell 2"]),
        (f"{LANG}/eng_spa_mult.rtf", "rtf", [UDHR_EN, UDHR_ES]),
        (f"{UNS}/eml/fake-email-utf-16-be.eml", "eml", ["Roses are red"]),
        (f"{UNS}/eml/mime-html-only.eml", "eml", ["The first emoticon, :) , was proposed"]),
    ],
    ids=lambda value: value.rsplit("/", 1)[-1] if isinstance(value, str) else None,
)
def test_format_text(corpus: Path, relative: str, kind: str, phrases: list[str]) -> None:
    result = run(corpus, relative)
    assert (result["kind"], result["status"]) == (kind, "ok")
    assert result["mime"]
    for phrase in phrases:
        assert phrase in result["text"], phrase


def test_pptx_slides_are_pages_in_order(corpus: Path) -> None:
    result = run(corpus, f"{UNS}/sample-presentation.pptx")
    pages = result["pages"]
    assert pages[0]["text"].startswith("Title Slide\nWith a subtitle")
    assert "This is the first content slide" in pages[1]["text"]
    assert result["metadata"]["page_count"] == len(pages) > 1
    assert all(page["text"] in result["text"] for page in pages)


def test_pptx_speaker_notes_follow_their_slide(corpus: Path, tmp_path: Path) -> None:
    """A corpus deck whose notes page is empty, given notes: they join their slide's page, and
    the notes page's other placeholders (the slide's picture, its number) do not."""
    source = corpus / UNS / "fake-power-point.pptx"
    target = tmp_path / "with-notes.pptx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "ppt/notesSlides/notesSlide1.xml":
                assert data.count(b"<a:t></a:t>") == 1
                data = data.replace(b"<a:t></a:t>", b"<a:t>Thank the hosts first.</a:t>")
                number = b"<p:txBody><a:bodyPr/><a:p><a:r><a:t>7</a:t></a:r></a:p></p:txBody>"
                data = data.replace(b'type="sldImg"/>', b'type="sldNum"/>')
                data = data.replace(
                    b"</p:spPr></p:sp></p:spTree>", b"</p:spPr>" + number + b"</p:sp></p:spTree>"
                )
                assert number in data, "the slide number placeholder was added"
            zout.writestr(item, data)
    plain, noted = extract(str(source)), extract(str(target))
    assert "notes" not in plain["pages"][0]
    assert noted["pages"][0]["notes"] == "Thank the hosts first."
    assert noted["pages"][0]["text"] == plain["pages"][0]["text"] + "\n\nThank the hosts first."
    assert "Thank the hosts first." in noted["text"]


def test_xlsx_sheets_in_workbook_order(corpus: Path) -> None:
    text = run(corpus, f"{UNS}/stanley-cups.xlsx")["text"]
    assert text.startswith("Stanley Cups\n")  # the sheet's name heads its rows
    assert text.count("Team\tLocation\tStanley Cups") == 2  # two sheets with the same table


@pytest.mark.parametrize(("date1904", "day"), [(False, 45292), (True, 45292 - 1462)])
def test_xlsx_dates_read_as_dates(corpus: Path, tmp_path: Path, date1904: bool, day: int) -> None:
    """A corpus workbook given cells styled as a built-in date, a custom date-time and a
    thousands format: the first two read as ISO dates (in either date system), the last as the
    number it holds."""
    source = corpus / UNS / "stanley-cups.xlsx"
    target = tmp_path / "dates.xlsx"
    custom = b'<numFmts count="1"><numFmt numFmtId="200" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    styles = b'<xf numFmtId="14"/><xf numFmtId="200"/><xf numFmtId="3"/></cellXfs>'
    row = (
        f'<row r="9"><c r="A9" s="3"><v>{day}</v></c><c r="B9" s="4"><v>{day}.75</v></c>'
        f'<c r="C9" s="5"><v>{day}</v></c><c r="D9" s="4"><v>0.5</v></c></row></sheetData>'
    ).encode()
    edits = {
        "xl/styles.xml": [(b"<fonts", custom + b"<fonts"), (b"</cellXfs>", styles)],
        "xl/worksheets/sheet1.xml": [(b"</sheetData>", row)],
        "xl/workbook.xml": [(b"<workbookPr/>", b'<workbookPr date1904="1"/>')] if date1904 else [],
    }
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            for old, new in edits.get(item.filename, []):
                assert data.count(old) == 1, (item.filename, old)
                data = data.replace(old, new)
            zout.writestr(item, data)
    text = extract(str(target))["text"]
    assert f"2024-01-01\t2024-01-01 18:00:00\t{day}\t12:00:00" in text
    assert "Stanley Cups" in text  # the rest as before


def test_html_drops_scripts_and_keeps_title(corpus: Path) -> None:
    result = run(corpus, f"{UNS}/example-with-scripts.html")
    assert result["metadata"]["title"].startswith("Russian Offensive Campaign Assessment")
    assert "function(" not in result["text"] and "window." not in result["text"]
    # The main content only, by default: the page's own links around the article are gone.
    assert "Skip to main content" not in result["text"]
    full = extract(str(corpus / UNS / "example-with-scripts.html"), html_main_content=False)
    assert "Skip to main content" in full["text"] and "function(" not in full["text"]


def test_epub_follows_the_spine_and_reads_opf_metadata(corpus: Path) -> None:
    result = run(corpus, f"{UNS}/winter-sports.epub")
    assert result["metadata"]["title"] == "Winter Sports in Switzerland"
    assert result["metadata"]["author"] == "E. F. Benson"
    text = result["text"]
    # The cover is an image whose alt text is "Cover", said where it stands.
    assert text.startswith("[image: Cover]\n\nThe Project Gutenberg eBook of Winter Sports in")
    assert text.index("START OF THE PROJECT GUTENBERG EBOOK") < text.index("END OF THE PROJECT")


def test_eml_headers_and_attachments(corpus: Path) -> None:
    result = run(corpus, f"{UNS}/eml/fake-email-attachment.eml")
    meta = result["metadata"]
    assert meta["title"] == "Fake email with attachment"
    assert meta["author"] and "@" in meta["author"]
    assert meta["created"] and meta["created"].endswith("+00:00")
    assert meta["attachments"] and meta["attachments"][0]["filename"] == "fake-attachment.txt"
    assert meta["attachments"][0]["size"] > 0
    assert "Here's the attachments!" in result["text"]


def test_eml_detected_by_content_under_txt_name(corpus: Path) -> None:
    result = run(corpus, f"{UNS}/eml/fake-email.txt")
    assert (result["kind"], result["metadata"]["title"]) == ("eml", "Test Email")


def test_eml_prefers_plain_over_html(corpus: Path) -> None:
    text = run(corpus, f"{UNS}/eml/mime-different-plain-html.eml")["text"]
    assert "This is the text/plain part." in text and "text/html part" not in text


def test_encrypted_email_and_xlsx_are_encrypted(corpus: Path) -> None:
    for relative in (f"{UNS}/eml/fake-encrypted.eml", f"{UNS}/password_protected.xlsx"):
        with pytest.raises(TaskError) as info:
            run(corpus, relative)
        assert info.value.type is ErrorType.ENCRYPTED, relative


def test_msg_is_read_and_doc_stays_unsupported(corpus: Path) -> None:
    result = run(corpus, f"{UNS}/fake-email.msg")
    assert (result["kind"], result["metadata"]["title"]) == ("msg", "Test Email")
    with pytest.raises(TaskError) as info:
        run(corpus, f"{UNS}/fake.doc")
    assert info.value.type is ErrorType.UNSUPPORTED and "Word 97-2003" in info.value.message


def test_invalid_json_falls_back_to_text(corpus: Path) -> None:
    result = run(corpus, f"{UNS}/fake-incomplete-json.txt")
    assert result["kind"] == "txt" and '"name": "John Doe"' in result["text"]


def test_pdf_matches_pypdf_expected_text(corpus: Path) -> None:
    resources = corpus / "py-pdf__pypdf" / "resources"
    expected = (resources / "crazyones.txt").read_text(encoding="utf-8")
    # pypdf's own reading; tests/test_pdfium.py compares PDFium's
    result = extract(str(resources / "crazyones.pdf"), pdf_backend="pypdf")
    assert " ".join(result["text"].split()) == " ".join(expected.split())


def test_damaged_zip_is_malformed(corpus: Path, tmp_path: Path) -> None:
    data = (corpus / UNS / "fake-power-point.pptx").read_bytes()
    target = tmp_path / "cut.pptx"
    target.write_bytes(data[: len(data) // 3])
    with pytest.raises(TaskError) as info:
        extract(str(target))
    assert info.value.type is ErrorType.MALFORMED

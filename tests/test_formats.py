"""Each format family of workers.formats on documents the test writes (tests/documents/)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from docmill.protocol import ErrorType
from tests.documents import mail, ole2, ooxml, opendoc
from tests.documents.ooxml import DATE, DATE_TIME, THOUSANDS, Slide
from tests.documents.prose import OPENING, UDHR_EN, UDHR_ES, english
from tests.documents.rtf import write_rtf
from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

UNS = "Unstructured-IO__unstructured/example-docs"
CUPS = [["Team", "Location", "Stanley Cups"], ["Blues", "STL", 1], ["Maple Leafs", "TOR", 13]]
RECORDS = [
    {"sku": "GRD-8842", "name": "Garden Trowel", "price": 12.5, "tags": ["steel", "ash"]},
    {"sku": "GRD-1203", "name": "Watering Can", "price": 19.0, "stock": {"north": 4}},
]
FACTBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<factbook><country><name>United States</name>'
    "<capital>Washington, DC</capital><leader>Joe Biden</leader></country><country>"
    "<name>Canada</name><capital>Ottawa</capital><leader>Justin Trudeau</leader></country>"
    "</factbook>\n"
)
HTML = (
    "<!DOCTYPE html><html><head><title>Page</title></head><body>"
    "<h1>My First Heading</h1><p>My first paragraph.</p></body></html>"
)
README = "The sample docs directory contains the following files"


def text(data: str | bytes, codec: str = "utf-8") -> Callable[[Path], Path]:
    """A writer of `data` (text in `codec`, or bytes as they are)."""

    def write(path: Path) -> Path:
        path.write_bytes(data if isinstance(data, bytes) else data.encode(codec))
        return path

    return write


def csv_rows(rows: list[list[Any]], delimiter: str) -> str:
    """`rows` as CSV with this delimiter, a value holding a delimiter or a comma quoted."""

    def cell(value: Any) -> str:
        value = str(value)
        return f'"{value}"' if delimiter in value or "," in value else value

    return "".join(delimiter.join(cell(value) for value in row) + "\n" for row in rows)


CASES: list[tuple[str, Callable[[Path], Path], str, list[str]]] = [
    (
        "table.pptx",
        lambda p: ooxml.write_pptx(
            p, [Slide(table=[["Column 1", "Column 2", "Column 3"], ["Red", "Green", "Blue"]])]
        ),
        "pptx",
        ["Column 1\tColumn 2\tColumn 3", "Red\tGreen\tBlue"],
    ),
    (  # OOXML under a .ppt name
        "eng_spa_mult.ppt",
        lambda p: ooxml.write_pptx(p, [Slide([UDHR_EN]), Slide([UDHR_ES])]),
        "pptx",
        [UDHR_EN, UDHR_ES],
    ),
    (
        "stanley-cups.xlsx",
        lambda p: ooxml.write_xlsx(p, {"Stanley Cups": CUPS}),
        "xlsx",
        ["Team\tLocation\tStanley Cups", "Maple Leafs\tTOR\t13"],
    ),
    ("emoji.xlsx", lambda p: ooxml.write_xlsx(p, {"Sheet1": [["🤠😅"]]}), "xlsx", ["🤠😅"]),
    (
        "fake.odt",
        lambda p: opendoc.write_odt(
            p,
            [
                "<text:h>Heading</text:h>",
                opendoc.paragraph("Lorem ipsum dolor sit amet."),
                opendoc.paragraph("Total:\tthree   spaces"),  # text:tab and text:s
                opendoc.table("Colors", [["Color", "Blue", "Red", "Green"]]),
            ],
        ),
        "odt",
        ["Lorem ipsum dolor sit amet.", "Total:\tthree   spaces", "Color\tBlue\tRed\tGreen"],
    ),
    (
        "eng_spa_mult.odt",
        lambda p: opendoc.write_odt(p, [opendoc.paragraph(UDHR_EN), opendoc.paragraph(UDHR_ES)]),
        "odt",
        [UDHR_EN, UDHR_ES],
    ),
    (
        "cups.ods",
        lambda p: opendoc.write_ods(p, {"Cups": [[str(v) for v in row] for row in CUPS]}),
        "ods",
        ["Cups\nTeam\tLocation\tStanley Cups", "Maple Leafs\tTOR\t13"],
    ),
    (
        "talk.odp",
        lambda p: opendoc.write_odp(p, [["Welcome", "to the harbour"], ["Questions?"]]),
        "odp",
        ["Welcome\nto the harbour", "Questions?"],
    ),
    (
        "eng_spa_mult.epub",
        lambda p: opendoc.write_epub(
            p,
            {"en.xhtml": f"<p>{UDHR_EN}</p>", "es.xhtml": f"<p>{UDHR_ES}</p>"},
            title="UDHR",
            author="United Nations",
        ),
        "epub",
        [UDHR_EN, UDHR_ES],
    ),
    ("fake-html.html", text(HTML), "html", ["My First Heading", "My first paragraph."]),
    (
        "cp1252.html",
        text(
            '<html><head><meta charset="windows-1252"></head><body>'
            "<p>Der Preis betrug 15,50 €.</p></body></html>",
            "cp1252",
        ),
        "html",
        ["Der Preis betrug 15,50 €."],
    ),
    (
        "datasheet-utf-16.html",
        text("<html><body><h1>SteelJIS: Japanese Steels</h1></body></html>", "utf-16"),
        "html",
        ["SteelJIS: Japanese Steels"],
    ),
    (
        "law.htm",
        text(
            "<html><body><pre>\n[107th Congress Public Law 56]\nSec. 2.   Findings</pre>"
            "</body></html>"
        ),
        "html",
        ["[107th Congress Public Law 56]\nSec. 2.   Findings"],  # <pre> keeps its spaces
    ),
    ("factbook.xml", text(FACTBOOK), "xml", ["Washington, DC", "Justin Trudeau"]),
    # The BOM says UTF-16, the declaration UTF-8: the BOM wins.
    ("factbook-utf-16.xml", text(FACTBOOK, "utf-16"), "xml", ["Washington, DC"]),
    (
        "records.json",
        text(json.dumps(RECORDS, indent=2)),
        "json",
        ["sku: GRD-8842", "name: Garden Trowel", "tags: ash", "stock.north: 4"],
    ),
    (
        "records.ndjson",
        text("".join(json.dumps(record) + "\n" for record in RECORDS)),
        "ndjson",
        ["name: Watering Can"],
    ),
    (
        "semicolon-delimited.csv",
        text(csv_rows([["Lorem, ipsum", "dolor sit", "amet"], ["a", "b", "c"]] * 3, ";")),
        "csv",
        ["Lorem, ipsum\tdolor sit\tamet"],
    ),
    ("cups-utf-16.csv", text(csv_rows(CUPS, ","), "utf-16"), "csv", ["Maple Leafs\tTOR\t13"]),
    ("cups.tsv", text(csv_rows(CUPS, "\t")), "tsv", ["Team\tLocation\tStanley Cups"]),
    ("README.md", text(f"# Example Docs\n\n{README}:\n\n- one\n"), "md", [README]),
    ("README.rst", text("Example Docs\n============\n\nFiles.\n"), "rst", ["Example Docs\n===="]),
    ("README.org", text("* Example Docs\n** Files\n"), "org", ["* Example Docs"]),
    (
        "umlauts-non-utf8.md",
        text("Wir können äöüß schreiben.\n", "latin-1"),
        "md",
        ["können", "äöüß"],
    ),
    (
        "fake-doc.rtf",
        lambda p: write_rtf(
            p,
            ["My First Heading", "Der Preis betrug 15,50 €."],
            table=[["Row 1, Cell 1", "Row 1, Cell 2"]],
            title="Fake",
            author="Anna",
        ),
        "rtf",
        ["My First Heading", "Row 1, Cell 1\tRow 1, Cell 2", "15,50 €"],
    ),
    (
        "eng_spa_mult.rtf",
        lambda p: write_rtf(p, [UDHR_EN, UDHR_ES, "中文 and Ελληνικά"]),
        "rtf",
        [UDHR_EN, UDHR_ES, "中文 and Ελληνικά"],
    ),
    (
        "utf-16-be.eml",
        lambda p: mail.write_eml(
            p, mail.message("Roses", "Roses are red, violets are blue."), encoding="utf-16-be"
        ),
        "eml",
        ["Roses are red"],
    ),
    (
        "html-only.eml",
        lambda p: mail.write_eml(
            p, mail.message("Emoticons", None, html="<p>The first emoticon, :) , was proposed</p>")
        ),
        "eml",
        ["The first emoticon, :) , was proposed"],
    ),
    (
        "cp1252.eml",
        lambda p: mail.write_eml(
            p, mail.message("Preis", "Die schöne Frau zahlte 15,50 €.", charset="cp1252")
        ),
        "eml",
        ["Die schöne Frau zahlte 15,50 €."],
    ),
]


@pytest.mark.parametrize(
    ("name", "write", "kind", "phrases"), CASES, ids=[case[0] for case in CASES]
)
def test_format_text(
    tmp_path: Path, name: str, write: Callable[[Path], Path], kind: str, phrases: list[str]
) -> None:
    result = extract(str(write(tmp_path / name)))
    assert (result["kind"], result["status"]) == (kind, "ok")
    assert result["mime"]
    for phrase in phrases:
        assert phrase in result["text"], phrase


def test_pptx_slides_are_pages_in_order(tmp_path: Path) -> None:
    slides = [
        Slide(["Title Slide", "With a subtitle"]),
        Slide(["This is the first content slide", "with two lines"]),
        Slide(["Thank you"]),
    ]
    result = extract(str(ooxml.write_pptx(tmp_path / "deck.pptx", slides)))
    pages = result["pages"]
    assert [page["text"] for page in pages] == ["\n".join(slide.lines) for slide in slides]
    assert result["metadata"]["page_count"] == len(pages) == 3
    assert all(page["text"] in result["text"] for page in pages)


def test_pptx_speaker_notes_follow_their_slide(tmp_path: Path) -> None:
    """Notes join their slide's page, and the notes page's other placeholders (the slide's
    picture, its number) do not."""
    lines, notes = ["Welcome", "to the harbour"], "Thank the hosts first."
    plain = extract(str(ooxml.write_pptx(tmp_path / "plain.pptx", [Slide(lines), Slide(["2"])])))
    deck = [Slide(lines, notes=notes), Slide(["2"])]
    noted = extract(str(ooxml.write_pptx(tmp_path / "noted.pptx", deck)))
    assert "notes" not in plain["pages"][0]
    assert noted["pages"][0]["notes"] == notes
    assert noted["pages"][0]["text"] == plain["pages"][0]["text"] + "\n\n" + notes
    assert noted["pages"][1] == plain["pages"][1]
    assert notes in noted["text"]


def test_xlsx_sheets_in_workbook_order(tmp_path: Path) -> None:
    sheets = {"Stanley Cups": CUPS, "Copy": CUPS}
    text = extract(str(ooxml.write_xlsx(tmp_path / "cups.xlsx", sheets)))["text"]
    assert text.startswith("Stanley Cups\n")  # the sheet's name heads its rows
    assert text.count("Team\tLocation\tStanley Cups") == 2  # two sheets with the same table
    assert text.index("Stanley Cups\nTeam") < text.index("\n\nCopy\nTeam")


@pytest.mark.parametrize(("date1904", "day"), [(False, 45292), (True, 45292 - 1462)])
def test_xlsx_dates_read_as_dates(tmp_path: Path, date1904: bool, day: int) -> None:
    """Cells styled as a built-in date, a custom date-time and a thousands format: the first
    two read as ISO dates (in either date system), the last as the number it holds."""
    row = [(str(day), DATE), (f"{day}.75", DATE_TIME), (str(day), THOUSANDS), ("0.5", DATE_TIME)]
    sheets = {"Stanley Cups": [*CUPS, row]}
    path = ooxml.write_xlsx(tmp_path / "dates.xlsx", sheets, date1904=date1904)
    text = extract(str(path))["text"]
    assert f"2024-01-01\t2024-01-01 18:00:00\t{day}\t12:00:00" in text
    assert "Maple Leafs\tTOR\t13" in text  # the rest as before


def test_html_drops_scripts_and_keeps_title(tmp_path: Path) -> None:
    links = ["Skip to main content", "Home", "Research", "About us"]
    article = "".join(f"<p>{p}</p>" for p in english(250).split("\n\n") if p.strip())
    page = tmp_path / "page.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Russian Offensive Campaign Assessment, May 1"
        "</title><script>window.dataLayer = []; function(){ return 1; }</script>"
        "<style>body { color: red }</style></head><body><nav>"
        + " ".join(f"<a href='#{n}'>{link}</a>" for n, link in enumerate(links))
        + f"</nav><main><article><h1>The assessment</h1>{article}</article></main>"
        "<footer>Copyright 2024 the Institute.</footer><script>window.track();</script>"
        "</body></html>"
    )
    result = extract(str(page))
    assert result["metadata"]["title"].startswith("Russian Offensive Campaign Assessment")
    assert "function(" not in result["text"] and "window." not in result["text"]
    assert "color" not in result["text"]
    # The main content only, by default: the page's own links around the article are gone.
    assert result["text"].startswith(f"The assessment\n\n{OPENING}")
    assert "Skip to main content" not in result["text"] and "Copyright" not in result["text"]
    full = extract(str(page), html_main_content=False)
    assert full["text"].startswith("Skip to main content Home Research About us")
    assert "Copyright 2024" in full["text"] and "function(" not in full["text"]


def test_epub_follows_the_spine_and_reads_opf_metadata(tmp_path: Path) -> None:
    chapters = {
        "end.xhtml": "<p>END OF THE PROJECT GUTENBERG EBOOK</p>",
        "title.xhtml": '<p><img src="cover.jpg" alt="Cover"/></p>'
        "<h1>The Project Gutenberg eBook of Winter Sports in Switzerland</h1>",
        "body.xhtml": "<p>START OF THE PROJECT GUTENBERG EBOOK</p><p>Skating.</p>",
    }
    path = opendoc.write_epub(
        tmp_path / "winter-sports.epub",
        chapters,
        title="Winter Sports in Switzerland",
        author="E. F. Benson",
        spine=["title.xhtml", "body.xhtml", "end.xhtml"],  # not the manifest's order
    )
    result = extract(str(path))
    assert result["metadata"]["title"] == "Winter Sports in Switzerland"
    assert result["metadata"]["author"] == "E. F. Benson"
    text = result["text"]
    # The cover is an image whose alt text is "Cover", said where it stands.
    assert text.startswith("[image: Cover]\n\nThe Project Gutenberg eBook of Winter Sports in")
    assert text.index("START OF THE PROJECT GUTENBERG EBOOK") < text.index("END OF THE PROJECT")
    assert "p { margin" not in text  # the stylesheet is in the manifest, not the spine


def test_encrypted_email_and_xlsx_are_encrypted(tmp_path: Path) -> None:
    paths = [
        mail.write_eml(tmp_path / "fake-encrypted.eml", mail.encrypted("Secret")),
        ole2.write_ole2(tmp_path / "password_protected.xlsx", ole2.STREAMS["encrypted"]),
    ]
    for path in paths:
        with pytest.raises(TaskError) as info:
            extract(str(path))
        assert info.value.type is ErrorType.ENCRYPTED, path.name


def test_msg_is_read_and_doc_stays_unsupported(corpus: Path) -> None:
    result = extract(str(corpus / UNS / "fake-email.msg"))
    assert (result["kind"], result["metadata"]["title"]) == ("msg", "Test Email")
    with pytest.raises(TaskError) as info:
        extract(str(corpus / UNS / "fake.doc"))
    assert info.value.type is ErrorType.UNSUPPORTED and "Word 97-2003" in info.value.message


@pytest.mark.parametrize("name", ["incomplete.json", "incomplete-json.txt"])
def test_invalid_json_falls_back_to_text(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('{\n  "name": "John Doe",\n  "age": 30,\n  "children": [\n')
    result = extract(str(path))
    assert result["kind"] == "txt" and '"name": "John Doe"' in result["text"]


def test_pdf_matches_pypdf_expected_text(corpus: Path) -> None:
    resources = corpus / "py-pdf__pypdf" / "resources"
    expected = (resources / "crazyones.txt").read_text(encoding="utf-8")
    # pypdf's own reading; tests/test_pdfium.py compares PDFium's
    result = extract(str(resources / "crazyones.pdf"), pdf_backend="pypdf")
    assert " ".join(result["text"].split()) == " ".join(expected.split())


def test_damaged_zip_is_malformed(tmp_path: Path) -> None:
    slides = [Slide([f"Slide {n}", "x" * 300]) for n in range(10)]
    data = ooxml.write_pptx(tmp_path / "whole.pptx", slides).read_bytes()
    target = tmp_path / "cut.pptx"
    target.write_bytes(data[: len(data) // 3])
    with pytest.raises(TaskError) as info:
        extract(str(target))
    assert info.value.type is ErrorType.MALFORMED

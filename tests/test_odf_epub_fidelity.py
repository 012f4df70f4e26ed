"""OpenDocument notes, comments and pictures' alt text; EPUB metadata from the OPF.
Inputs built here."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.office_files import book, opendocument
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)


def test_odt_notes_and_comments_follow_their_paragraph(tmp_path: Path) -> None:
    annotation = (
        "<office:annotation><dc:creator>Ann Lee</dc:creator><dc:date>2026-01-01T00:00:00</dc:date>"
        "<text:p>Which year?</text:p></office:annotation>"
    )
    body = (
        "<office:text>"
        '<text:p>Revenue grew<text:note text:id="ftn1" text:note-class="footnote">'
        "<text:note-citation>1</text:note-citation><text:note-body>"
        "<text:p>Smith 2020, p. 4.</text:p></text:note-body></text:note> strongly.</text:p>"
        f'<text:p>Costs{annotation} fell<text:note text:note-class="endnote">'
        "<text:note-citation>i</text:note-citation><text:note-body>"
        "<text:p>Data as of June.</text:p></text:note-body></text:note>.</text:p>"
        "<text:p>Outlook stable.</text:p>"
        "</office:text>"
    )
    path = opendocument(tmp_path, "notes.odt", "application/vnd.oasis.opendocument.text", body)
    assert extract(str(path))["text"].splitlines() == [
        "Revenue grew strongly.",
        "[footnote 1: Smith 2020, p. 4.]",
        "Costs fell.",
        "[comment by Ann Lee: Which year?]",
        "[endnote i: Data as of June.]",
        "Outlook stable.",
    ]


def test_ods_cell_comment_stays_in_its_row(tmp_path: Path) -> None:
    body = (
        '<office:spreadsheet><table:table table:name="Budget"><table:table-row>'
        "<table:table-cell><text:p>Travel</text:p></table:table-cell>"
        "<table:table-cell><office:annotation><dc:creator>Bo</dc:creator>"
        "<text:p>Includes the Lyon trip.</text:p></office:annotation>"
        "<text:p>1200</text:p></table:table-cell>"
        "</table:table-row></table:table></office:spreadsheet>"
    )
    mime = "application/vnd.oasis.opendocument.spreadsheet"
    text = extract(str(opendocument(tmp_path, "budget.ods", mime, body)))["text"]
    assert text.splitlines() == ["Budget", "Travel\t[comment by Bo: Includes the Lyon trip.] 1200"]


def test_odf_picture_alt_text_in_and_between_paragraphs(tmp_path: Path) -> None:
    def frame(title: str, desc: str) -> str:
        return (
            '<draw:frame draw:name="Image1"><draw:image xlink:href="Pictures/1.png"/>'
            f"<svg:title>{title}</svg:title><svg:desc>{desc}</svg:desc></draw:frame>"
        )

    body = (
        "<office:text><text:p>See the map"
        f"{frame('Map', 'Route from the station to the venue')} for directions.</text:p>"
        f"{frame('Logo', '')}<text:p>End.</text:p></office:text>"
    )
    path = opendocument(tmp_path, "map.odt", "application/vnd.oasis.opendocument.text", body)
    assert extract(str(path))["text"].splitlines() == [
        "See the map for directions.",
        "[image: Route from the station to the venue]",  # the description over the title
        "[image: Logo]",
        "End.",
    ]


def test_epub3_metadata_with_refinements(tmp_path: Path) -> None:
    metadata = (
        '<dc:title id="sub">A Field Guide</dc:title><dc:title id="t">Alpine Flowers</dc:title>'
        '<meta refines="#t" property="title-type">main</meta>'
        '<meta refines="#sub" property="title-type">subtitle</meta>'
        '<dc:creator id="a1">Marta Keller</dc:creator>'
        '<meta refines="#a1" property="role" scheme="marc:relators">aut</meta>'
        '<dc:creator id="a2">Jon Berg</dc:creator>'
        '<dc:creator id="i1">Lea Roth</dc:creator>'
        '<meta refines="#i1" property="role" scheme="marc:relators">ill</meta>'
        "<dc:description>&lt;p&gt;Over &lt;b&gt;300&lt;/b&gt; species &amp;amp; where "
        "to find them.&lt;/p&gt;</dc:description>"
        "<dc:language>de-CH</dc:language><dc:language>en</dc:language>"
        "<dc:subject>Botany</dc:subject><dc:subject>Alps</dc:subject>"
        "<dc:date>2021-05-01</dc:date>"
        '<meta property="dcterms:modified">2024-02-03T10:00:00Z</meta>'
    )
    result = extract(str(book(tmp_path, metadata)))
    meta = result["metadata"]
    assert (meta["title"], meta["author"]) == ("Alpine Flowers", "Marta Keller; Jon Berg")
    assert meta["description"] == "Over 300 species & where to find them."
    assert (meta["language"], meta["subject"]) == ("de-CH", "Botany; Alps")
    assert meta["created"] == "2021-05-01T00:00:00+00:00"
    assert meta["modified"] == "2024-02-03T10:00:00+00:00"
    assert result["text"] == "Chapter one."


def test_epub2_metadata_roles_and_events(tmp_path: Path) -> None:
    metadata = (
        "<dc:title>Winter Notes</dc:title>"
        '<dc:creator opf:role="edt">An Editor</dc:creator>'
        '<dc:creator opf:role="aut" opf:file-as="Benson, E. F.">E. F. Benson</dc:creator>'
        "<dc:description>Essays on snow.</dc:description><dc:language>en</dc:language>"
        '<dc:date opf:event="conversion">2023-02-26</dc:date>'
        '<dc:date opf:event="publication">2019-08-23</dc:date>'
    )
    meta = extract(str(book(tmp_path, metadata)))["metadata"]
    assert (meta["title"], meta["author"], meta["language"]) == (
        "Winter Notes", "E. F. Benson", "en",
    )  # fmt: skip
    assert meta["description"] == "Essays on snow."
    assert (meta["created"], meta["modified"]) == ("2019-08-23T00:00:00+00:00", None)


def test_odt_form_answers_come_after_the_text(tmp_path: Path) -> None:
    body = (
        "<office:text><office:forms><form:form form:name='Form'>"
        "<form:property form:property-name='TargetURL' form:value='ignored'/>"
        "<form:text form:name='First Name' form:current-value='Alice'/>"
        "<form:text form:name='Last Name'/>"
        "<form:textarea form:name='Notes' form:value='Allergic to  penicillin'/>"
        "</form:form></office:forms>"
        "<text:p>Registration</text:p></office:text>"
    )
    path = opendocument(tmp_path, "form.odt", "application/vnd.oasis.opendocument.text", body)
    assert extract(str(path))["text"].splitlines() == [
        "Registration",
        "[form field First Name: Alice]",
        "[form field Notes: Allergic to penicillin]",
    ]


def test_odt_formulas_read_as_latex(tmp_path: Path) -> None:
    # LibreOffice Math keeps a formula as an object of its own (Object 1/content.xml, MathML):
    # it vanished from the text.
    body = (
        "<office:text><text:p>The energy is <draw:frame><draw:object "
        'xlink:href="./Object 1" xlink:type="simple"/></draw:frame> as shown.</text:p>'
        "</office:text>"
    )
    path = opendocument(tmp_path, "physics.odt", "application/vnd.oasis.opendocument.text", body)
    formula = (
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><mi>E</mi>'
        "<mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></mrow>"
        '<annotation encoding="StarMath 5.0">E = m c^2</annotation></semantics></math>'
    )
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("Object 1/content.xml", formula)
    assert extract(str(path))["text"] == "The energy is $E=mc^{2}$ as shown."

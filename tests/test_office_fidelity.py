"""What Office, OpenDocument and EPUB files hold beyond their body text: DOCX notes, comments
and tracked changes, PPTX charts, groups and alt text, ODF notes, EPUB metadata. Every input is
built here, with python-docx or zipfile and XML."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest

from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORD_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


def rewrite(path: Path, edits: dict[str, bytes], extra: dict[str, bytes]) -> None:
    """Rewrite the zip at `path`, each member in `edits` given new bytes, `extra` added."""
    with zipfile.ZipFile(path) as zin:
        members = {info.filename: zin.read(info) for info in zin.infolist()}
    members |= edits | extra
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def note_part(kind: str, notes: dict[int, str]) -> bytes:
    """A footnotes or endnotes part: Word's two separators, then one note per id."""
    items = [
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>',
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:t>SEPARATOR</w:t>'
        f"</w:r></w:p></w:{kind}>",
    ]
    for note_id, text in notes.items():
        items.append(
            f'<w:{kind} w:id="{note_id}"><w:p><w:r><w:{kind}Ref/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{kind}>'
        )
    return f'<w:{kind}s xmlns:w="{W_NS}">{"".join(items)}</w:{kind}s>'.encode()


def word_with(tmp_path: Path, body: str, charts: dict[str, bytes] | None = None) -> Path:
    """A DOCX saved by python-docx with a comment by "Ann Lee" (id 0) on its first paragraph,
    whose body is then replaced by `body`, with footnotes 1-2 and endnote 1 added, and the
    chart parts `charts` as relationships rId<key>."""
    charts = charts or {}
    document = docx.Document()
    run = document.add_paragraph("anchor").runs[0]
    document.add_comment(run, text="Please cite the 2019 survey.", author="Ann Lee")
    path = tmp_path / "notes.docx"
    document.save(str(path))
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode()
        rels = zf.read("word/_rels/document.xml.rels").decode()
        types = zf.read("[Content_Types].xml").decode()
    xml = re.sub(r"<w:body>.*?(<w:sectPr)", lambda _: f"<w:body>{body}<w:sectPr", xml, flags=re.S)
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId90" Type="{REL_NS}/footnotes" Target="footnotes.xml"/>'
        f'<Relationship Id="rId91" Type="{REL_NS}/endnotes" Target="endnotes.xml"/>'
        + "".join(
            f'<Relationship Id="rId{key}" Type="{REL_NS}/chart" Target="charts/{key}.xml"/>'
            for key in charts
        )
        + "</Relationships>",
    )
    types = types.replace(
        "</Types>",
        f'<Override PartName="/word/footnotes.xml" ContentType="{WORD_CT}.footnotes+xml"/>'
        f'<Override PartName="/word/endnotes.xml" ContentType="{WORD_CT}.endnotes+xml"/>'
        + "".join(
            f'<Override PartName="/word/charts/{key}.xml" ContentType="{CHART_CT}"/>'
            for key in charts
        )
        + "</Types>",
    )
    rewrite(
        path,
        {"word/document.xml": xml.encode(), "word/_rels/document.xml.rels": rels.encode(),
         "[Content_Types].xml": types.encode()},
        {"word/footnotes.xml": note_part("footnote", {1: "Smith 2020, p. 4.", 2: "Ibid."}),
         "word/endnotes.xml": note_part("endnote", {1: "Data as of June."}),
         **{f"word/charts/{key}.xml": data for key, data in charts.items()}},
    )  # fmt: skip
    return path


def para(*runs: str) -> str:
    return f"<w:p>{''.join(runs)}</w:p>"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def test_docx_notes_and_comments_follow_their_paragraph(tmp_path: Path) -> None:
    body = (
        para(run("Revenue grew."), '<w:r><w:footnoteReference w:id="2"/></w:r>')
        + para(run("Costs fell."), '<w:r><w:footnoteReference w:id="1"/></w:r>')
        + para(
            '<w:commentRangeStart w:id="0"/>',
            run("Margins held."),
            '<w:commentRangeEnd w:id="0"/>',
            '<w:r><w:commentReference w:id="0"/></w:r>',
            '<w:r><w:endnoteReference w:id="1"/></w:r>',
        )
        + para(run("Outlook stable."))
    )  # fmt: skip
    result = extract(str(word_with(tmp_path, body)))
    lines = result["text"].splitlines()
    assert lines == [
        "Revenue grew.",
        "[footnote 1: Ibid.]",  # numbered in the order the text refers to them, as Word shows
        "Costs fell.",
        "[footnote 2: Smith 2020, p. 4.]",
        "Margins held.",
        "[comment by Ann Lee: Please cite the 2019 survey.]",
        "[endnote 1: Data as of June.]",
        "Outlook stable.",
    ]
    assert "SEPARATOR" not in result["text"]


def test_docx_comment_whose_anchor_is_gone_is_kept_at_the_end(tmp_path: Path) -> None:
    result = extract(str(word_with(tmp_path, para(run("Only text.")))))
    assert result["text"].splitlines() == [
        "Only text.",
        "[comment by Ann Lee: Please cite the 2019 survey.]",
    ]


def test_docx_tracked_changes_read_as_accepted(tmp_path: Path) -> None:
    change = 'w:id="{}" w:author="Bo" w:date="2026-01-01T00:00:00Z"'
    body = (
        para(
            run("The fee is "),
            f"<w:del {change.format(5)}><w:r><w:delText>ten</w:delText></w:r></w:del>",
            f"<w:ins {change.format(6)}>{run('twelve')}</w:ins>",
            run(" euros."),
        )
        + para(f"<w:moveFrom {change.format(7)}>{run('Moved sentence.')}</w:moveFrom>")
        + para(f"<w:moveTo {change.format(8)}>{run('Moved sentence.')}</w:moveTo>")
        + "<w:tbl>"
        + f"<w:tr><w:tc>{para(run('kept row'))}</w:tc></w:tr>"
        + f"<w:tr><w:trPr><w:del {change.format(9)}/></w:trPr>"
        + f"<w:tc>{para(run('deleted row'))}</w:tc></w:tr>"
        + "</w:tbl>"
    )
    text = extract(str(word_with(tmp_path, body)))["text"]
    assert "The fee is twelve euros." in text
    assert "ten twelve" not in text and "deleted row" not in text and "kept row" in text
    assert text.count("Moved sentence.") == 1


# -- PPTX --------------------------------------------------------------------------------------

P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def shape(text: str, placeholder: str = "") -> str:
    ph = f'<p:nvPr><p:ph type="{placeholder}"/></p:nvPr>' if placeholder else "<p:nvPr/>"
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/>{ph}</p:nvSpPr><p:spPr/>'
        f"<p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"
    )


def picture(alt: str) -> str:
    return (
        f'<p:pic><p:nvPicPr><p:cNvPr id="4" name="Picture 3" descr="{alt}"/><p:cNvPicPr/>'
        '<p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="rId9"/></p:blipFill><p:spPr/></p:pic>'
    )


def group(*shapes: str) -> str:
    return (
        f'<p:grpSp><p:nvGrpSpPr><p:cNvPr id="5" name="g"/></p:nvGrpSpPr>{"".join(shapes)}</p:grpSp>'
    )


def frame(graphic: str, uri: str) -> str:
    return (
        '<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="6" name="f"/></p:nvGraphicFramePr>'
        f'<a:graphic><a:graphicData uri="{uri}">{graphic}</a:graphicData></a:graphic>'
        "</p:graphicFrame>"
    )


def table(*rows: tuple[str, ...]) -> str:
    cells = "".join(
        "<a:tr>"
        + "".join(
            f"<a:tc><a:txBody><a:p><a:r><a:t>{c}</a:t></a:r></a:p></a:txBody></a:tc>" for c in row
        )
        + "</a:tr>"
        for row in rows
    )
    return frame(f"<a:tbl>{cells}</a:tbl>", f"{A_NS}/table")


def chart_ref(rel_id: str) -> str:
    return frame(f'<c:chart xmlns:c="{C_NS}" r:id="{rel_id}"/>', f"{C_NS}")


def cache(kind: str, values: list[str]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>' for i, v in enumerate(values))
    ref = "strRef" if kind == "str" else "numRef"
    count = f'<c:ptCount val="{len(values)}"/>'
    return f"<c:{ref}><c:f>Sheet1!A1</c:f><c:{kind}Cache>{count}{points}</c:{kind}Cache></c:{ref}>"


def chart_part(title: str, series: dict[str, list[str]], categories: list[str]) -> bytes:
    title_xml = (
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{title}</a:t></a:r></a:p></c:rich></c:tx></c:title>"
        if title
        else ""
    )
    sers = "".join(
        f'<c:ser><c:idx val="{i}"/><c:tx>{cache("str", [name])}</c:tx>'
        f"<c:cat>{cache('str', categories)}</c:cat><c:val>{cache('num', values)}</c:val></c:ser>"
        for i, (name, values) in enumerate(series.items())
    )
    return (
        f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}"><c:chart>{title_xml}'
        f"<c:plotArea><c:barChart>{sers}</c:barChart><c:catAx/><c:valAx/></c:plotArea>"
        "</c:chart></c:chartSpace>"
    ).encode()


def rels(*targets: tuple[str, str, str]) -> bytes:
    items = "".join(
        f'<Relationship Id="{i}" Type="{REL_NS}/{kind}" Target="{target}"/>'
        for i, kind, target in targets
    )
    return f'<Relationships xmlns="{PKG_REL_NS}">{items}</Relationships>'.encode()


def presentation(tmp_path: Path, slides: list[str], charts: dict[str, bytes]) -> Path:
    """A PPTX of `slides` (spTree contents) whose relationship rId<key> is charts[key]."""
    ids = "".join(f'<p:sldId id="{256 + n}" r:id="rId{n}"/>' for n in range(1, len(slides) + 1))
    members = {
        "[Content_Types].xml": b"<Types/>",
        "ppt/presentation.xml": (
            f'<p:presentation xmlns:p="{P_NS}" xmlns:r="{REL_NS}"><p:sldIdLst>{ids}</p:sldIdLst>'
            "</p:presentation>"
        ).encode(),
        "ppt/_rels/presentation.xml.rels": rels(
            *((f"rId{n}", "slide", f"slides/slide{n}.xml") for n in range(1, len(slides) + 1))
        ),
    }
    for n, tree in enumerate(slides, 1):
        members[f"ppt/slides/slide{n}.xml"] = (
            f'<p:sld xmlns:p="{P_NS}" xmlns:a="{A_NS}" xmlns:r="{REL_NS}"><p:cSld><p:spTree>'
            f"{tree}</p:spTree></p:cSld></p:sld>"
        ).encode()
        members[f"ppt/slides/_rels/slide{n}.xml.rels"] = rels(
            *((f"rId{k}", "chart", f"../charts/{k}.xml") for k in charts)
        )
    for name, data in charts.items():
        members[f"ppt/charts/{name}.xml"] = data
    path = tmp_path / "deck.pptx"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_pptx_charts_tables_groups_and_alt_text_in_slide_order(tmp_path: Path) -> None:
    revenue = chart_part(
        "Revenue by quarter", {"2024": ["10", "12.5"], "2025": ["11", "0.30000000000000004"]},
        ["Q1", "Q2"],
    )  # fmt: skip
    one_series = chart_part("", {"Headcount": ["40", "42"]}, ["Jan", "Feb"])
    slides = [
        shape("Quarterly results", "title")
        + table(("Region", "Lead"), ("North", "Ines"))
        + group(group(shape("Nested caption"), picture("Map of the northern sales region")))
        + chart_ref("rIdrevenue"),
        chart_ref("rIdheads") + shape("After the chart"),
    ]
    path = presentation(tmp_path, slides, {"revenue": revenue, "heads": one_series})
    result = extract(str(path))
    assert result["warnings"] == []
    first, second = (page["text"].splitlines() for page in result["pages"])
    assert first == [
        "Quarterly results",
        "Region\tLead",
        "North\tInes",
        "Nested caption",
        "[image: Map of the northern sales region]",
        "[chart: Revenue by quarter]",
        "\t2024\t2025",
        "Q1\t10\t11",
        "Q2\t12.5\t0.3",
    ]
    # A chart of one series without a title shows the series' name as its title.
    assert second == ["[chart: Headcount]", "\tHeadcount", "Jan\t40", "Feb\t42", "After the chart"]


def test_pptx_chart_part_missing_is_a_warning(tmp_path: Path) -> None:
    path = presentation(tmp_path, [shape("Still read") + chart_ref("rIdgone")], {})
    slide_rels = rels(("rIdgone", "chart", "../charts/gone.xml"))
    rewrite(path, {"ppt/slides/_rels/slide1.xml.rels": slide_rels}, {})
    result = extract(str(path))
    assert result["text"].startswith("Still read")
    assert any("gone.xml" in warning for warning in result["warnings"])


def test_docx_chart_follows_its_paragraph(tmp_path: Path) -> None:
    drawing = (
        '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
        f'wordprocessingDrawing"><a:graphic xmlns:a="{A_NS}"><a:graphicData uri="{C_NS}">'
        f'<c:chart xmlns:c="{C_NS}" xmlns:r="{REL_NS}" r:id="rIdsales"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    sales = chart_part("Units sold", {"Units": ["3", "5"]}, ["East", "West"])
    body = para(run("Figure 1."), drawing) + para(run("Next paragraph."))
    result = extract(str(word_with(tmp_path, body, {"sales": sales})))
    assert result["text"].splitlines()[:6] == [
        "Figure 1.",
        "[chart: Units sold]",
        "\tUnits",
        "East\t3",
        "West\t5",
        "Next paragraph.",
    ]


def test_xlsx_charts_and_drawings_follow_their_sheet(tmp_path: Path) -> None:
    s_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xdr = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    drawing = (
        f'<xdr:wsDr xmlns:xdr="{xdr}" xmlns:a="{A_NS}" xmlns:r="{REL_NS}">'
        "<xdr:twoCellAnchor><xdr:graphicFrame><xdr:nvGraphicFramePr>"
        '<xdr:cNvPr id="2" name="Chart 1"/></xdr:nvGraphicFramePr><a:graphic>'
        f'<a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" r:id="rId1"/></a:graphicData>'
        "</a:graphic></xdr:graphicFrame></xdr:twoCellAnchor>"
        '<xdr:twoCellAnchor><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="3" name="Picture 2" '
        'descr="Company logo"/></xdr:nvPicPr></xdr:pic></xdr:twoCellAnchor>'
        # Office writes the shape's name as its description when no one described it.
        '<xdr:twoCellAnchor><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="4" name="Picture 3" '
        'descr="Picture 3"/></xdr:nvPicPr></xdr:pic></xdr:twoCellAnchor>'
        "<xdr:twoCellAnchor><xdr:sp><xdr:txBody><a:p><a:r><a:t>Figures unaudited.</a:t></a:r>"
        "</a:p></xdr:txBody></xdr:sp></xdr:twoCellAnchor></xdr:wsDr>"
    )
    members = {
        "xl/workbook.xml": (
            f'<workbook xmlns="{s_ns}" xmlns:r="{REL_NS}"><sheets>'
            '<sheet name="Sales" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": rels(("rId1", "worksheet", "worksheets/sheet1.xml")),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{s_ns}" xmlns:r="{REL_NS}"><sheetData><row r="1">'
            '<c r="A1" t="inlineStr"><is><t>Units</t></is></c><c r="B1"><v>8</v></c></row>'
            '</sheetData><drawing r:id="rId1"/></worksheet>'
        ),
        "xl/worksheets/_rels/sheet1.xml.rels": rels(("rId1", "drawing", "../drawings/d1.xml")),
        "xl/drawings/d1.xml": drawing,
        "xl/drawings/_rels/d1.xml.rels": rels(("rId1", "chart", "../charts/chart1.xml")),
        "xl/charts/chart1.xml": chart_part("Units by month", {"Units": ["8"]}, ["Jan"]),
    }
    path = tmp_path / "sales.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    assert extract(str(path))["text"].splitlines() == [
        "Sales",
        "Units\t8",
        "[chart: Units by month]",
        "\tUnits",
        "Jan\t8",
        "[image: Company logo]",
        "Figures unaudited.",
    ]


# -- ODF ---------------------------------------------------------------------------------------

ODF_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}


def opendocument(tmp_path: Path, name: str, mimetype: str, body: str) -> Path:
    spaces = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in ODF_NS.items())
    content = f'<office:document-content {spaces} office:version="1.3"><office:body>{body}'
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", mimetype)
        zf.writestr("content.xml", f"{content}</office:body></office:document-content>")
    return path


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


# -- EPUB --------------------------------------------------------------------------------------


def book(tmp_path: Path, metadata: str) -> Path:
    opf = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:opf="http://www.idpf.org/2007/opf">{metadata}</metadata>'
        '<manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>'
        '<spine><itemref idref="c1"/></spine></package>'
    )
    container = (
        '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
        '<rootfiles><rootfile full-path="OEBPS/book.opf" '
        'media-type="application/oebps-package+xml"/></rootfiles></container>'
    )
    path = tmp_path / "book.epub"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr("META-INF/container.xml", container)
        zf.writestr("OEBPS/book.opf", opf)
        zf.writestr(
            "OEBPS/c1.xhtml",
            '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Chapter one.</p></body></html>',
        )
    return path


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


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def test_docx_picture_alt_text_follows_its_paragraph(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Site plan:")
    document.add_picture(io.BytesIO(tiny_png()))
    document.add_picture(io.BytesIO(tiny_png()))  # no alt text: nothing to say
    document.add_paragraph("End.")
    described = document.inline_shapes[0]._inline.docPr
    described.set("descr", "Ground floor plan with\nthree exits")
    path = tmp_path / "picture.docx"
    document.save(str(path))
    lines = [line for line in extract(str(path))["text"].splitlines() if line]
    assert lines == ["Site plan:", "[image: Ground floor plan with three exits]", "End."]


def test_numbers_that_str_isdigit_accepts_but_int_refuses_are_damage_not_crashes(
    tmp_path: Path,
) -> None:
    """'²' is a digit to str.isdigit() and not a number to int(): a part that uses one as a
    point index or a repeat count is read as if the attribute were absent."""
    chart = chart_part("T", {"A": ["1", "2"]}, ["x", "y"]).replace(b'idx="0"', 'idx="²"'.encode())
    deck = presentation(tmp_path, [chart_ref("rIdc")], {"c": chart})
    assert "y\t2" in extract(str(deck))["text"]
    body = (
        '<office:spreadsheet><table:table table:name="S">'
        '<table:table-row table:number-rows-repeated="²"><table:table-cell><text:p>x</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
    )
    mime = "application/vnd.oasis.opendocument.spreadsheet"
    assert extract(str(opendocument(tmp_path, "s.ods", mime, body)))["text"] == "S\nx"


DGM_NS = "http://schemas.openxmlformats.org/drawingml/2006/diagram"


def smartart_data(*points: tuple[str, list[str]]) -> bytes:
    """A SmartArt data model of (point type, paragraphs) points."""
    items = "".join(
        f'<dgm:pt modelId="{n}" {f"type={kind!r}" if kind else ""}><dgm:t><a:bodyPr/>'
        + "".join(f"<a:p><a:r><a:t>{text}</a:t></a:r></a:p>" for text in paragraphs)
        + "</dgm:t></dgm:pt>"
        for n, (kind, paragraphs) in enumerate(points)
    )
    return (
        f'<dgm:dataModel xmlns:dgm="{DGM_NS}" xmlns:a="{A_NS}"><dgm:ptLst>{items}</dgm:ptLst>'
        "<dgm:cxnLst/></dgm:dataModel>"
    ).encode()


def test_pptx_smartart_text_in_slide_order(tmp_path: Path) -> None:
    data = smartart_data(
        ("doc", []), ("", ["Plan"]), ("parTrans", ["not text"]), ("", ["Build", "and test"]),
        ("sibTrans", []), ("pres", ["layout only"]), ("asst", ["Review"]),
    )  # fmt: skip
    diagram = frame(f'<dgm:relIds xmlns:dgm="{DGM_NS}" r:dm="rIddata" r:lo="rIdlo"/>', DGM_NS)
    deck = presentation(
        tmp_path, [shape("Process") + diagram + shape("Questions?")], {"data": data}
    )
    assert extract(str(deck))["text"].splitlines() == [
        "Process", "Plan", "Build", "and test", "Review", "Questions?",
    ]  # fmt: skip


def test_docx_smartart_text_follows_its_paragraph(tmp_path: Path) -> None:
    drawing = (
        '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
        f'wordprocessingDrawing"><a:graphic xmlns:a="{A_NS}"><a:graphicData uri="{DGM_NS}">'
        f'<dgm:relIds xmlns:dgm="{DGM_NS}" xmlns:r="{REL_NS}" r:dm="rIddata"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    data = smartart_data(("doc", []), ("", ["Apply"]), ("", ["Approve"]))
    body = para(run("How it works:"), drawing) + para(run("Next."))
    text = extract(str(word_with(tmp_path, body, {"data": data})))["text"]
    assert text.splitlines()[:4] == ["How it works:", "Apply", "Approve", "Next."]


def test_pptx_comments_follow_their_slide_in_both_forms(tmp_path: Path) -> None:
    p188 = "http://schemas.microsoft.com/office/powerpoint/2018/8/main"
    legacy = (
        f'<p:cmLst xmlns:p="{P_NS}"><p:cm authorId="0" idx="1"><p:pos x="1" y="1"/>'
        "<p:text>Check the Q3 total.</p:text></p:cm></p:cmLst>"
    ).encode()
    modern = (
        f'<p188:cmLst xmlns:p188="{p188}" xmlns:a="{A_NS}"><p188:cm id="{{C1}}" authorId="{{A2}}">'
        '<p188:replyLst><p188:reply id="{R1}" authorId="{A1}"><p188:txBody><a:bodyPr/>'
        "<a:p><a:r><a:t>Done.</a:t></a:r></a:p></p188:txBody></p188:reply></p188:replyLst>"
        "<p188:txBody><a:bodyPr/><a:p><a:r><a:t>Use the new logo</a:t></a:r></a:p>"
        "<a:p><a:r><a:t>on this slide.</a:t></a:r></a:p></p188:txBody></p188:cm></p188:cmLst>"
    ).encode()
    deck = presentation(tmp_path, [shape("Results"), shape("Brand")], {})
    rewrite(
        deck,
        {"ppt/slides/_rels/slide1.xml.rels": rels(("rId1", "comments", "../comments/c1.xml")),
         "ppt/slides/_rels/slide2.xml.rels": rels(("rId1", "comments", "../comments/m2.xml"))},
        {"ppt/comments/c1.xml": legacy, "ppt/comments/m2.xml": modern,
         "ppt/commentAuthors.xml": f'<p:cmAuthorLst xmlns:p="{P_NS}"><p:cmAuthor id="0" '
                                   'name="Ann Lee" initials="AL"/></p:cmAuthorLst>'.encode(),
         "ppt/authors.xml": f'<p188:authorLst xmlns:p188="{p188}"><p188:author id="{{A1}}" '
                            'name="Bo Berg"/><p188:author id="{A2}" name="Cy Chan"/>'
                            "</p188:authorLst>".encode()},
    )  # fmt: skip
    first, second = (page["text"] for page in extract(str(deck))["pages"])
    assert first == "Results\n[comment by Ann Lee: Check the Q3 total.]"
    assert second.splitlines() == [
        "Brand",
        "[comment by Cy Chan: Use the new logo on this slide.]",
        "[comment by Bo Berg: Done.]",
    ]


def test_xlsx_notes_follow_their_sheet(tmp_path: Path) -> None:
    s_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    threaded = (
        "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
        "however, any edits to it will get removed if the file is opened in a newer version of "
        "Excel. Learn more: https://go.microsoft.com/fwlink/?linkid=870924\n\n"
        "Comment:\n    Is this final?"
    )
    notes = (
        f'<comments xmlns="{s_ns}"><authors><author>Ann Lee</author><author>tc={{X}}</author>'
        '</authors><commentList><comment ref="B1" authorId="0"><text><r><t>Ann Lee:</t></r>'
        '<r><t xml:space="preserve">\nIncludes VAT.</t></r></text></comment>'
        f'<comment ref="A1" authorId="1"><text><t>{threaded}</t></text></comment>'
        "</commentList></comments>"
    )
    members = {
        "xl/workbook.xml": (
            f'<workbook xmlns="{s_ns}" xmlns:r="{REL_NS}"><sheets>'
            '<sheet name="Costs" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": rels(("rId1", "worksheet", "worksheets/sheet1.xml")),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{s_ns}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Total'
            '</t></is></c><c r="B1"><v>120</v></c></row></sheetData></worksheet>'
        ),
        "xl/worksheets/_rels/sheet1.xml.rels": rels(("rId1", "comments", "../comments1.xml")),
        "xl/comments1.xml": notes,
    }
    path = tmp_path / "costs.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    assert extract(str(path))["text"].splitlines() == [
        "Costs",
        "Total\t120",
        "[comment by Ann Lee on B1: Includes VAT.]",
        "[comment on A1: Is this final?]",  # its author is named in threadedComments only
    ]

"""PPTX and XLSX beyond their shapes and cells: charts, SmartArt, groups, tables, pictures'
alt text and comments, in slide or sheet order. Inputs built here."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.office_files import (
    A_NS,
    C_NS,
    DGM_NS,
    P_NS,
    REL_NS,
    chart_part,
    chart_ref,
    frame,
    group,
    opendocument,
    picture,
    presentation,
    rels,
    rewrite,
    shape,
    smartart_data,
    table,
)
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)


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


S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _workbook(path: Path, sheet: str, rows: str, parts: dict[str, str]) -> Path:
    """A one-sheet XLSX at `path`: sheet `sheet` holding `rows` (sheetData's XML; a drawing
    element after it, if any), and the further `parts` (its relationships, drawings...)."""
    members = {
        "xl/workbook.xml": (
            f'<workbook xmlns="{S_NS}" xmlns:r="{REL_NS}"><sheets>'
            f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": rels(("rId1", "worksheet", "worksheets/sheet1.xml")),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{S_NS}" xmlns:r="{REL_NS}">{rows}</worksheet>'
        ),
        **parts,
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_xlsx_charts_and_drawings_follow_their_sheet(tmp_path: Path) -> None:
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
    rows = (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Units</t></is></c><c r="B1"><v>8'
        '</v></c></row></sheetData><drawing r:id="rId1"/>'
    )
    path = _workbook(tmp_path / "sales.xlsx", "Sales", rows, {
        "xl/worksheets/_rels/sheet1.xml.rels": rels(("rId1", "drawing", "../drawings/d1.xml")),
        "xl/drawings/d1.xml": drawing,
        "xl/drawings/_rels/d1.xml.rels": rels(("rId1", "chart", "../charts/chart1.xml")),
        "xl/charts/chart1.xml": chart_part("Units by month", {"Units": ["8"]}, ["Jan"]),
    })  # fmt: skip
    assert extract(str(path))["text"].splitlines() == [
        "Sales",
        "Units\t8",
        "[chart: Units by month]",
        "\tUnits",
        "Jan\t8",
        "[image: Company logo]",
        "Figures unaudited.",
    ]


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
    threaded = (
        "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
        "however, any edits to it will get removed if the file is opened in a newer version of "
        "Excel. Learn more: https://go.microsoft.com/fwlink/?linkid=870924\n\n"
        "Comment:\n    Is this final?"
    )
    notes = (
        f'<comments xmlns="{S_NS}"><authors><author>Ann Lee</author><author>tc={{X}}</author>'
        '</authors><commentList><comment ref="B1" authorId="0"><text><r><t>Ann Lee:</t></r>'
        '<r><t xml:space="preserve">\nIncludes VAT.</t></r></text></comment>'
        f'<comment ref="A1" authorId="1"><text><t>{threaded}</t></text></comment>'
        "</commentList></comments>"
    )
    rows = (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Total</t></is></c><c r="B1">'
        "<v>120</v></c></row></sheetData>"
    )
    path = _workbook(tmp_path / "costs.xlsx", "Costs", rows, {
        "xl/worksheets/_rels/sheet1.xml.rels": rels(("rId1", "comments", "../comments1.xml")),
        "xl/comments1.xml": notes,
    })  # fmt: skip
    assert extract(str(path))["text"].splitlines() == [
        "Costs",
        "Total\t120",
        "[comment by Ann Lee on B1: Includes VAT.]",
        "[comment on A1: Is this final?]",  # its author is named in threadedComments only
    ]


def test_xlsx_numbers_read_as_the_sheet_shows_them(tmp_path: Path) -> None:
    # Google Sheets stores 13 as "13.0"; a sum may be stored as 0.30000000000000004.
    cells = "".join(
        f'<c r="{ref}"><v>{value}</v></c>'
        for ref, value in (("A1", "13.0"), ("B1", "0.30000000000000004"), ("C1", "2.5E-3"))
    )
    rows = f'<sheetData><row r="1">{cells}</row></sheetData>'
    path = _workbook(tmp_path / "cups.xlsx", "Cups", rows, {})
    assert extract(str(path))["text"].splitlines()[-1] == "13\t0.3\t0.0025"


def test_pptx_equations_read_as_latex(tmp_path: Path) -> None:
    # PowerPoint keeps an equation as Office Math inside a14:m, with a picture of it as the
    # fallback: its letters ran together ("E=mc2") where they were read at all.
    math = (
        '<m:oMathPara xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math">'
        "<m:oMath><m:r><m:t>E=m</m:t></m:r><m:sSup><m:e><m:r><m:t>c</m:t></m:r></m:e>"
        "<m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup></m:oMath></m:oMathPara>"
    )
    alternate = (
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/'
        '2006"><mc:Choice xmlns:a14="http://schemas.microsoft.com/office/drawing/2010/main" '
        f'Requires="a14"><a14:m>{math}</a14:m></mc:Choice>'
        "<mc:Fallback><a:r><a:t>E = mc squared (picture)</a:t></a:r></mc:Fallback>"
        "</mc:AlternateContent>"
    )
    slide = shape("Einstein").replace(
        "<a:p><a:r><a:t>Einstein</a:t></a:r></a:p>",
        f"<a:p><a:r><a:t>Einstein: </a:t></a:r>{alternate}</a:p>",
    )
    text = extract(str(presentation(tmp_path, [slide], {})))["text"]
    assert text.splitlines()[0] == "Einstein: $E=mc^{2}$"

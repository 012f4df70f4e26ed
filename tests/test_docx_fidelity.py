"""DOCX beyond its body text: footnotes, endnotes, comments, tracked changes, charts,
SmartArt and pictures' alt text, each where a reader meets it. Inputs built here."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from tests.office_files import (
    A_NS,
    C_NS,
    DGM_NS,
    REL_NS,
    chart_part,
    para,
    run,
    smartart_data,
    tiny_png,
    word_with,
)
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)


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


def field(form: str) -> str:
    """A legacy form field (FORMCHECKBOX, FORMDROPDOWN) whose ffData is `form`."""
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="F"/>{form}</w:ffData>'
        '</w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText>'
        '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def test_docx_legacy_form_check_boxes_and_drop_downs_show_their_values(tmp_path: Path) -> None:
    body = (
        para(run("Paid: "), field('<w:checkBox><w:default w:val="0"/><w:checked/></w:checkBox>'))
        + para(run("Shipped: "), field('<w:checkBox><w:default w:val="1"/></w:checkBox>'))
        + para(run("Signed: "), field('<w:checkBox><w:checked w:val="0"/></w:checkBox>'))
        + para(
            run("Region: "),
            field(
                '<w:ddList><w:result w:val="1"/><w:listEntry w:val="North"/>'
                '<w:listEntry w:val="South"/></w:ddList>'
            ),
        )
    )
    lines = extract(str(word_with(tmp_path, body)))["text"].splitlines()
    assert lines[:4] == ["Paid: ☒", "Shipped: ☒", "Signed: ☐", "Region: South"]


_MATH = 'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'


def _r(text: str) -> str:
    return f"<m:r><m:t>{text}</m:t></m:r>"


def test_docx_equations_read_as_latex(tmp_path: Path) -> None:
    # Word's equations (OMML) vanished from the text: "The energy is  as shown."
    inline = (
        f"<m:oMath {_MATH}>{_r('E')}{_r('=m')}"
        f"<m:sSup><m:e>{_r('c')}</m:e><m:sup>{_r('2')}</m:sup></m:sSup></m:oMath>"
    )
    displayed = (
        f'<m:oMathPara {_MATH}><m:oMath><m:nary><m:naryPr><m:chr m:val="\u2211"/></m:naryPr>'
        f"<m:sub>{_r('i=1')}</m:sub><m:sup>{_r('n')}</m:sup><m:e><m:f><m:num>{_r('a')}</m:num>"
        f'<m:den><m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/><m:e>{_r("b")}'
        "</m:e></m:rad></m:den></m:f></m:e></m:nary></m:oMath></m:oMathPara>"
    )
    others = (
        f'<m:oMath {_MATH}><m:d><m:dPr><m:begChr m:val="["/><m:endChr m:val="]"/></m:dPr>'
        f"<m:e>{_r('x')}</m:e><m:e>{_r('y')}</m:e></m:d>"
        f"<m:func><m:fName>{_r('sin')}</m:fName><m:e>{_r('t')}</m:e></m:func>"
        f"<m:sSub><m:e>{_r('x')}</m:e><m:sub>{_r('k')}</m:sub></m:sSub>"
        f"<m:acc><m:e>{_r('v')}</m:e></m:acc><m:unknown>{_r('z')}</m:unknown></m:oMath>"
    )
    body = (
        '<w:p><w:r><w:t xml:space="preserve">The energy is </w:t></w:r>'
        f'{inline}<w:r><w:t xml:space="preserve"> as shown.</w:t></w:r></w:p>'
        f"<w:p>{displayed}</w:p><w:p>{others}</w:p>"
    )
    lines = extract(str(word_with(tmp_path, body)))["text"].splitlines()
    assert lines[:3] == [
        "The energy is $E=mc^{2}$ as shown.",
        "$$\\sum_{i=1}^{n}{\\frac{a}{\\sqrt{b}}}$$",
        "$[x|y]\\sin{t}x_{k}\\hat{v}z$",
    ]

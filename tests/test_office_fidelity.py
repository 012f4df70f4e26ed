"""What Office, OpenDocument and EPUB files hold beyond their body text: DOCX notes, comments
and tracked changes, PPTX charts, groups and alt text, ODF notes, EPUB metadata. Every input is
built here, with python-docx or zipfile and XML."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest

from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORD_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"


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


def word_with(tmp_path: Path, body: str) -> Path:
    """A DOCX saved by python-docx with a comment by "Ann Lee" (id 0) on its first paragraph,
    whose body is then replaced by `body`, with footnotes 1-2 and endnote 1 added."""
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
        "</Relationships>",
    )
    types = types.replace(
        "</Types>",
        f'<Override PartName="/word/footnotes.xml" ContentType="{WORD_CT}.footnotes+xml"/>'
        f'<Override PartName="/word/endnotes.xml" ContentType="{WORD_CT}.endnotes+xml"/></Types>',
    )
    rewrite(
        path,
        {"word/document.xml": xml.encode(), "word/_rels/document.xml.rels": rels.encode(),
         "[Content_Types].xml": types.encode()},
        {"word/footnotes.xml": note_part("footnote", {1: "Smith 2020, p. 4.", 2: "Ibid."}),
         "word/endnotes.xml": note_part("endnote", {1: "Data as of June."})},
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

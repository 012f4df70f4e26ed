"""Zip archives of documents (workers.formats.archive): each member read as the document it
is, under a marker that starts a section; a member that cannot be read costs that member only;
names cannot write outside the private folder; nesting is bounded."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.documents.pdf import write_pdf
from workers.document import build_record
from workers.errors import TaskError
from workers.extract import extract, extract_metadata

pytestmark = pytest.mark.timeout(60)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_each_member_is_read_as_the_document_it_is(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "report.pdf", ["Quarterly report, page one"]).read_bytes()
    page = b"<html><body><nav>Home | About</nav><main><p>The main text.</p></main></body></html>"
    path = _zip(
        tmp_path / "bundle.zip",
        {
            "reports/q3.pdf": pdf,
            "notes/readme.md": b"# Notes\n\nSome notes.\n\n## Part two\n\nMore notes.\n",
            "web/page.html": page,
            "reports/broken.pdf": b"%PDF-1.4 and then nothing",
            "tools/data.bin": bytes(range(256)),
            "__MACOSX/reports/._q3.pdf": b"resource fork",
            "reports/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "reports/~$q3.docx": b"lock",
            "empty/": b"",
        },
    )
    result = extract(str(path))
    assert (result["kind"], result["mime"], result["status"]) == ("zip", "application/zip", "ok")
    assert result["text"] == (
        "[archive member: reports/q3.pdf]\nQuarterly report, page one\n\n"
        "[archive member: notes/readme.md]\n"
        "# Notes\n\nSome notes.\n\n## Part two\n\nMore notes.\n\n"
        "[archive member: web/page.html]\nThe main text."
    )
    members = result["metadata"]["members"]
    assert [m["name"] for m in members] == [
        "reports/q3.pdf", "notes/readme.md", "web/page.html", "reports/broken.pdf",
        "tools/data.bin",
    ]  # fmt: skip
    assert [m.get("kind") or m["error"] for m in members] == [
        "pdf", "md", "html", "malformed", "unsupported",
    ]  # fmt: skip
    assert result["metadata"]["member_count"] == 5
    assert any(w.startswith("reports/broken.pdf: malformed: ") for w in result["warnings"])
    assert (
        "tools/data.bin: unsupported: not a document format docmill reads (.bin)"
        in (result["warnings"])
    )
    assert not any("docmill-zip-" in w for w in result["warnings"]), result["warnings"]
    # Each member starts a section, its own headings below it.
    text = result["text"]
    sections = [(text[start:].split("\n", 1)[0], level, title) for start, level, title in
                result["structure"]["sections"]]  # fmt: skip
    assert sections == [
        ("[archive member: reports/q3.pdf]", 1, "reports/q3.pdf"),
        ("[archive member: notes/readme.md]", 1, "notes/readme.md"),
        ("# Notes", 2, "Notes"),
        ("## Part two", 3, "Part two"),
        ("[archive member: web/page.html]", 1, "web/page.html"),
    ]
    assert extract_metadata(str(path))["metadata"]["member_count"] == 5


def test_a_member_name_cannot_write_outside_the_private_folder(tmp_path: Path) -> None:
    inside = tmp_path / "in"
    inside.mkdir()
    path = _zip(inside / "evil.zip", {"../../escaped.txt": b"escaped text", "/abs.txt": b"abs"})
    result = extract(str(path))
    assert "[archive member: ../../escaped.txt]\nescaped text" in result["text"]
    assert "[archive member: /abs.txt]\nabs" in result["text"]
    assert not (tmp_path / "escaped.txt").exists() and not Path("/abs.txt").exists()
    assert sorted(p.name for p in inside.iterdir()) == ["evil.zip"]


def test_archives_inside_archives_are_read_to_a_bounded_depth(tmp_path: Path) -> None:
    data = b"innermost words"
    for level in range(4):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"level{level}.txt", f"words at level {level}".encode())
            archive.writestr(f"inner{level}.zip" if level else "inner.txt", data)
        data = buffer.getvalue()
    path = tmp_path / "nested.zip"
    path.write_bytes(data)
    result = extract(str(path))
    text = result["text"]
    assert "words at level 3" in text and "words at level 1" in text
    assert "words at level 0" not in text and "innermost words" not in text
    assert any("nested over 3 deep is not read" in w for w in result["warnings"])


def test_office_and_other_zip_based_documents_are_not_read_as_archives(tmp_path: Path) -> None:
    drawing = _zip(
        tmp_path / "drawing.odg",
        {"mimetype": b"application/vnd.oasis.opendocument.graphics", "content.xml": b"<x/>"},
    )
    with pytest.raises(TaskError) as info:
        extract(str(drawing))
    assert info.value.type.value == "unsupported"
    assert "opendocument.graphics" in info.value.message
    pages = _zip(tmp_path / "letter.pages", {"Index/Document.iwa": b"\x00", "preview.jpg": b""})
    with pytest.raises(TaskError) as info:
        extract(str(pages))
    assert (info.value.type.value, info.value.message) == (
        "unsupported",
        "an Apple Pages, Keynote or Numbers document (iWork)",
    )


def test_chunks_say_which_member_and_section_they_come_from(tmp_path: Path) -> None:
    prose = "The figures were gathered every week and checked twice by the team. " * 8
    path = _zip(
        tmp_path / "papers.zip",
        {
            "a/first.md": f"# Methods\n\n{prose}\n\n## Sampling\n\n{prose}\n".encode(),
            "b/second.txt": prose.encode(),
        },
    )
    record = build_record(str(path), chunk_size=2000, chunk_overlap=0)
    assert [c.get("section") for c in record["chunks"]] == [
        "a/first.md > Methods",
        "a/first.md > Methods > Sampling",
        "b/second.txt",
    ]

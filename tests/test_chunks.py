"""Chunk lines as LangChain Documents (schema, metadata, stable ids), structure-aware chunking
(sections and tables from Markdown, RST, Org, DOCX and PDF outlines), sizes in characters,
words or a length function, and chunks in the reply."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import job_context
from workers import tasks
from workers.chunk_lines import lines
from workers.chunking import chunk
from workers.document import build_record, process_document
from workers.formats import headings
from workers.formats.structure import Section, Structure, Table, markdown
from workers.splitting import words_in

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "chunk.schema.json").read_text(encoding="utf-8"))
NESTED_OUTLINE = "mozilla__pdf.js/test/pdfs/nested_outline.pdf"

REPORT_MD = """# Report

An opening paragraph about the report, long enough to be a paragraph of its own.

## Results

### Tables

The results came in late but they came in.

| Region | Sales | Growth |
| --- | --- | --- |
| North | 120 | 4% |
| South | 98 | -2% |

## Discussion

What it all means, in a few words.
"""


def write_docx(path: Path, rows: int = 4) -> Path:
    """A DOCX with a title, headings on two levels and a table."""
    import docx

    document = docx.Document()
    document.add_heading("Quarterly Report", 0)
    document.add_paragraph("An introduction to the report. " * 3)
    document.add_heading("Results", 1)
    document.add_paragraph("The results follow. " * 2)
    document.add_heading("Tables", 2)
    table = document.add_table(rows=rows, cols=3)
    data = [("Region", "Sales", "Growth")] + [
        (f"R{i}", str(100 + i), f"{i}%") for i in range(1, rows)
    ]
    for i, row in enumerate(data):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    document.add_paragraph("After the table.")
    document.add_heading("Discussion", 1)
    document.add_paragraph("Discussion text. " * 5)
    document.save(str(path))
    return path


def check_lines(rows: list[dict[str, Any]]) -> None:
    """Every line valid against docs/chunk.schema.json, a LangChain Document, no None."""
    import jsonschema
    from langchain_core.documents import Document

    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for number, row in enumerate(rows):
        validator.validate(row)
        assert None not in row["metadata"].values()
        document = Document(**row)
        assert document.id == row["id"] == f"{row['metadata']['doc_id']}:{number}"
        assert document.page_content == row["page_content"]
        assert row["metadata"]["chunk_count"] == len(rows)


def chunk_file(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- 1, 2: the chunk line -------------------------------------------------------------------------


def test_lines_are_langchain_documents_valid_against_the_schema(tmp_path: Path) -> None:
    md = tmp_path / "report.md"
    md.write_text(REPORT_MD, encoding="utf-8")
    reply = process_document(str(md), chunk_size=120, chunk_overlap=20, outbox=str(tmp_path))
    rows = chunk_file(Path(reply["chunks_path"]))
    check_lines(rows)
    meta = rows[0]["metadata"]
    assert meta["source"] == str(md) and meta["kind"] == "md" and meta["title"] == "report.md"
    assert "page_start" not in meta and "page_end" not in meta  # Markdown has no pages
    text = reply["text"]
    for row in rows:
        m = row["metadata"]
        if not m.get("table"):
            assert text[m["start_char"] : m["end_char"]] == row["page_content"]


def test_a_pdf_line_has_pages_and_its_outline_sections(corpus: Path, tmp_path: Path) -> None:
    reply = process_document(str(corpus / NESTED_OUTLINE), 300, 50, str(tmp_path))
    rows = chunk_file(Path(reply["chunks_path"]))
    check_lines(rows)
    assert [(r["metadata"]["section"], r["metadata"]["page_start"]) for r in rows[:3]] == [
        ("1. Introduction", 1),
        ("1. Introduction > 1.1 Background", 2),
        ("1. Introduction > 1.2 Motivation", 3),
    ]
    assert rows[-1]["metadata"]["section"] == "3. Conclusion > 3.2 Future Work"
    assert all(r["metadata"]["page_start"] == r["metadata"]["page_end"] for r in rows)


def test_ids_are_stable_and_follow_content_and_settings(tmp_path: Path) -> None:
    md = tmp_path / "in" / "report.md"
    md.parent.mkdir()
    md.write_text(REPORT_MD, encoding="utf-8")
    first = process_document(str(md), 120, 20, str(tmp_path / "a"))
    again = process_document(str(md), 120, 20, str(tmp_path / "b"))
    a, b = Path(first["chunks_path"]), Path(again["chunks_path"])
    assert a.read_bytes() == b.read_bytes()  # same bytes, same settings: the same file
    # Other settings in the same outbox replace the outputs instead of leaving stale chunks.
    other = process_document(str(md), 60, 0, str(tmp_path / "a"))
    assert len(chunk_file(Path(other["chunks_path"]))) > len(chunk_file(b))
    assert json.loads(Path(other["json_path"]).read_text())["chunking"]["size"] == 60


def test_inline_content_keeps_the_source_the_client_gave(tmp_path: Path) -> None:
    context = job_context()  # no roots: only content may be read
    reply = tasks.process_document(
        context, content=REPORT_MD.encode(), name="report.md", source="/home/ada/report.md",
        include_chunks=True,
    )  # fmt: skip
    assert {row["metadata"]["source"] for row in reply["chunks"]} == {"/home/ada/report.md"}
    unnamed = tasks.process_document(
        context, content=b"plain words", name="a.txt", include_chunks=True
    )
    assert unnamed["chunks"][0]["metadata"]["source"] == "inline:a.txt"
    # Too little text to tell its language: None in the record, absent from the chunk.
    assert unnamed["metadata"]["language"] is None
    assert "language" not in unnamed["chunks"][0]["metadata"]
    assert {row["metadata"]["language"] for row in reply["chunks"]} == {"en"}


@pytest.mark.parametrize(
    "args",
    [
        {"chunk_size": 0}, {"chunk_overlap": -1}, {"chunk_unit": "tokens"},
        {"include_chunks": -5}, {"chunks_from": -1}, {"source": ""},
    ],
    ids=lambda a: next(iter(a)),
)  # fmt: skip
def test_bad_chunk_arguments_are_refused(tmp_path: Path, args: dict[str, Any]) -> None:
    from workers.errors import TaskError

    md = tmp_path / "a.md"
    md.write_text("# A\n\ntext\n", encoding="utf-8")
    with pytest.raises(TaskError) as caught:
        tasks.process_document(job_context(tmp_path), str(md), **args)
    assert caught.value.type.value == "bad_request" and next(iter(args)) in caught.value.message


# -- 3: structure ---------------------------------------------------------------------------------


def test_markdown_rst_and_org_headings() -> None:
    md = headings.markdown(REPORT_MD + "\n```\n# not a heading\n```\nSetext\n------\n")
    assert [(s.level, s.title) for s in md.sections] == [
        (1, "Report"), (2, "Results"), (3, "Tables"), (2, "Discussion"), (2, "Setext"),
    ]  # fmt: skip
    assert md.tables[0].rows == (("Region", "Sales", "Growth"), ("North", "120", "4%"),
                                 ("South", "98", "-2%"))  # fmt: skip
    rst = headings.rst(
        "=====\nTitle\n=====\n\nIntro.\n\nPart\n----\n\nText.\n\nSub\n~~~\n\nMore.\n"
    )
    assert [(s.level, s.title) for s in rst.sections] == [(1, "Title"), (2, "Part"), (3, "Sub")]
    org = headings.org("* One :tag:\ntext\n** Two\n*not bold*\n")
    assert [(s.level, s.title) for s in org.sections] == [(1, "One"), (2, "Two")]


def test_chunks_start_at_sections_and_never_cross_one() -> None:
    shape = headings.markdown(REPORT_MD)
    chunks = chunk(REPORT_MD, 80, 20, structure=shape)
    starts = [s.start for s in shape.sections]
    for item in chunks:
        for at in starts:
            if item["start_char"] < at < item["end_char"]:  # only below a bare heading
                assert re.fullmatch(r"(#+ .*\n\s*)+", REPORT_MD[item["start_char"] : at]), item
    by_section = {item["section"] for item in chunks}
    assert "Report > Results > Tables" in by_section and "Report > Discussion" in by_section
    # A heading alone ("## Results" right before "### Tables") is not a chunk of its own.
    assert all(not re.fullmatch(r"#+ \w+", item["text"]) for item in chunks)


def test_a_section_that_fits_is_one_chunk() -> None:
    chunks = chunk(REPORT_MD, 1000, 200, structure=headings.markdown(REPORT_MD))
    assert [c["section"] for c in chunks] == [
        "Report", "Report > Results > Tables", "Report > Discussion",
    ]  # fmt: skip


def test_a_table_is_whole_as_markdown_or_split_by_rows_under_its_header() -> None:
    rows = (("Name", "Value"), *((f"item {i}", str(i * 7)) for i in range(40)))
    body = "\n".join("\t".join(row) for row in rows)
    text = f"Intro paragraph before the table.\n\n{body}\n\nClosing words."
    start = text.index("Name")
    shape = Structure(tables=(Table(start, start + len(body), rows),))
    whole = chunk(text, 5000, 0, structure=shape)
    assert len(whole) == 1 and markdown(rows) in whole[0]["text"] and whole[0]["table"]
    parts = chunk(text, 200, 40, structure=shape)
    tables = [c for c in parts if c.get("table")]
    assert len(tables) > 3
    seen: list[str] = []
    for item in tables:
        lines_ = item["text"].splitlines()
        assert lines_[:2] == ["| Name | Value |", "| --- | --- |"]  # the header, every time
        assert len(item["text"]) <= 200
        seen += lines_[2:]
    assert seen == markdown(rows).splitlines()[2:]  # every row once, in order
    spans = [(c["start_char"], c["end_char"]) for c in parts]
    assert spans == sorted(spans)


def test_docx_headings_and_table(tmp_path: Path) -> None:
    record = build_record(str(write_docx(tmp_path / "r.docx")), 120, 20)
    sections = [(level, title) for _, level, title in record["structure"]["sections"]]
    assert sections == [(0, "Quarterly Report"), (1, "Results"), (2, "Tables"), (1, "Discussion")]
    rows = lines(record)
    check_lines(rows)
    table = next(r for r in rows if r["metadata"].get("table"))
    assert table["metadata"]["section"] == "Quarterly Report > Results > Tables"
    assert (
        "| Region | Sales | Growth |\n| --- | --- | --- |\n| R1 | 101 | 1% |"
        in table["page_content"]
    )


def test_sizes_in_words_and_by_a_length_function() -> None:
    text = " ".join(f"word{i}." if i % 9 == 8 else f"w{i}" for i in range(500))
    by_words = chunk(text, 50, 10, unit="words")
    assert all(len(c["text"].split()) <= 50 for c in by_words) and len(by_words) >= 10
    assert max(len(c["text"].split()) for c in by_words) >= 40

    calls = []

    def tokens(piece: str) -> int:  # a stand-in tokenizer: 1 token per 3 characters
        calls.append(piece)
        return -(-len(piece) // 3)

    by_tokens = chunk(text, 100, 20, length=tokens)
    assert calls and all(tokens(c["text"]) <= 100 for c in by_tokens)
    assert by_tokens != chunk(text, 100, 20)


def test_a_structure_that_does_not_fit_the_text_is_cut_to_what_does() -> None:
    text = "alpha beta\n\ngamma delta"
    shape = Structure(
        sections=(Section(-1, 1, "bad"), Section(12, 1, "Gamma"), Section(99, 1, "out")),
        tables=(Table(0, 50, (("x",),)), Table(3, 2, (("y",),))),
    )
    chunks = chunk(text, 100, 0, structure=shape)
    assert [(c["text"], c.get("section")) for c in chunks] == [
        ("alpha beta", None), ("gamma delta", "Gamma"),
    ]  # fmt: skip
    assert words_in(text, 0, len(text))[0] == (0, 5)


# -- 5: chunks in the reply -----------------------------------------------------------------------


def test_chunks_in_the_reply_up_to_a_budget_then_where_the_rest_is(tmp_path: Path) -> None:
    md = tmp_path / "long.md"
    md.write_text("# Long\n\n" + "A sentence of some length goes here. " * 400, encoding="utf-8")
    full = process_document(str(md), 200, 0, str(tmp_path), include_chunks=True)
    assert len(full["chunks"]) == full["chunk_count"] > 20 and "chunks_omitted" not in full
    assert full["chunks"] == chunk_file(Path(full["chunks_path"]))
    part = process_document(str(md), 200, 0, str(tmp_path), include_chunks=2000)
    given = len(part["chunks"])
    assert 0 < given < part["chunk_count"]
    assert part["chunks_omitted"] == part["chunk_count"] - given
    assert part["chunks_next"] == given
    assert (
        f"chunks_from={given}" in part["chunks_hint"] and part["chunks_path"] in part["chunks_hint"]
    )
    rest = process_document(str(md), 200, 0, str(tmp_path), include_chunks=True, chunks_from=given)
    assert part["chunks"] + rest["chunks"] == full["chunks"]


def test_outline_entries_on_one_page_start_at_their_lines_in_outline_order(corpus: Path) -> None:
    # Its outline names "Arcane Horror" and then "Horror", which is only the end of that line:
    # a section must not start in the middle of the heading.
    record = build_record(str(corpus / "Unstructured-IO__unstructured/example-docs/pdf/DA-1p.pdf"))
    text = record["text"]
    sections = record["structure"]["sections"]
    assert [title for _, _, title in sections] == [
        "Codex DAO", "CREATURES", "Abomination", "Arcane Horror",
    ]  # fmt: skip
    assert all(at == 0 or text[at - 1] == "\n" for at, _, _ in sections)
    assert [c["section"] for c in record["chunks"]][-1] == "Codex DAO > CREATURES > Arcane Horror"


def test_docx_headings_with_tabs_and_breaks_are_found(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("A.\tPURPOSE", 1)  # python-docx writes the tab as <w:tab/>
    document.add_paragraph("Why this exists.")
    heading = document.add_heading("B.\tROLE", 1)
    heading.runs[0].add_break()
    heading.add_run("OF THE TRUSTEE")
    document.add_paragraph("Who does what.")
    document.save(str(tmp_path / "h.docx"))
    record = build_record(str(tmp_path / "h.docx"), 1000, 0)
    assert [title for _, _, title in record["structure"]["sections"]] == [
        "A.\tPURPOSE", "B.\tROLE\nOF THE TRUSTEE",
    ]  # fmt: skip
    assert [c["section"] for c in record["chunks"]] == ["A. PURPOSE", "B. ROLE OF THE TRUSTEE"]


def test_a_docx_table_is_found_by_all_its_rows_not_a_paragraph_like_its_first(
    tmp_path: Path,
) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Totals", 1)
    document.add_paragraph("Related Provisions:")  # reads as the table's first row
    document.add_paragraph("Some words between.")
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "Related Provisions:"
    for j, cell in enumerate(("", "11 U.S.C. § 343", "Examination of the Debtor")):
        table.cell(1, j).text = cell
    document.save(str(tmp_path / "t.docx"))
    record = build_record(str(tmp_path / "t.docx"), 1000, 0)
    [(start, end, rows)] = record["structure"]["tables"]
    assert record["text"][start:end].startswith("Related Provisions:")
    assert record["text"][:start].count("Related Provisions:") == 1  # the paragraph's
    assert rows == [["Related Provisions:"], ["", "11 U.S.C. § 343", "Examination of the Debtor"]]


def test_heading_scans_take_linear_time_on_long_lines() -> None:
    # A lazy title pattern before an optional ending backtracks quadratically on such lines.
    spaces = " " * 200_000
    for scan, line in ((headings.org, f"* {spaces}x"), (headings.markdown, f"# {spaces}x")):
        assert [s.title for s in scan(line + "\n").sections] == ["x"]
    assert [s.title for s in headings.markdown("# C# ##\n## Title #\n").sections] == [
        "C#", "Title",
    ]  # fmt: skip

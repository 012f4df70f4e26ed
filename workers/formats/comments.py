"""Review comments of PPTX slides and XLSX sheets, marked as DOCX's are:
`[comment by Author: text]` after the slide's text, `[comment by Author on B2: text]` after the
sheet's rows.

PowerPoint writes comments in two forms: the legacy `p:cmLst` with `ppt/commentAuthors.xml`,
and since 2021 `p188:cmLst` (with replies) with `ppt/authors.xml`. Excel's notes (`comments`
parts) name their authors in the part itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.formats.base import clean, local, member, parse_xml

if TYPE_CHECKING:
    import zipfile


def slide_authors(zf: zipfile.ZipFile, limit: int) -> dict[str, str]:
    """The names of a presentation's comment authors by id, in either form."""
    names: dict[str, str] = {}
    for part in ("ppt/commentAuthors.xml", "ppt/authors.xml"):
        data = member(zf, part, limit)
        for element in parse_xml(data, part).iter() if data is not None else ():
            if local(element.tag) in ("cmAuthor", "author") and (
                name := clean(element.get("name"))
            ):
                names[element.get("id", "")] = name
    return names


def slide_comments(root: Any, authors: dict[str, str]) -> list[str]:
    """The comments of a slide's comments part, each reply after the comment it answers."""
    lines: list[str] = []
    for comment in root.iter():
        if local(comment.tag) not in ("cm", "reply"):
            continue
        parts: list[str] = []
        for child in comment:
            if local(child.tag) == "text":  # the legacy form: plain text
                parts.append(child.text or "")
            elif local(child.tag) == "txBody":  # the modern form: DrawingML paragraphs
                parts.extend(_paragraphs(child))
        text = " ".join(" ".join(parts).split())
        if text:
            lines.append(_marked(authors.get(comment.get("authorId", "")), None, text))
    return lines


def sheet_comments(root: Any) -> list[str]:
    """The notes of a sheet's comments part, in the order Excel lists them."""
    authors = [
        clean("".join(element.itertext()))
        for element in root.iter()
        if local(element.tag) == "author"
    ]
    lines: list[str] = []
    for comment in root.iter():
        if local(comment.tag) != "comment":
            continue
        index = comment.get("authorId", "")
        author = authors[int(index)] if index.isdecimal() and int(index) < len(authors) else None
        if author and author.startswith("tc="):  # the id of a threaded comment, not a name
            author = None
        body = next((child for child in comment if local(child.tag) == "text"), None)
        # Plain text (t) or rich text runs (r/t); phonetic guides (rPh) repeat it in kana.
        runs = [
            element.text or ""
            for element in (body.iter() if body is not None else ())
            if local(element.tag) == "t"
        ]
        text = "".join(runs).strip()
        if text.startswith("[Threaded comment]") and "Comment:" in text:
            # Excel 365 keeps a threaded comment as a note too, after a paragraph of its own.
            text = text.split("Comment:", 1)[1]
        elif author and text.startswith(f"{author}:"):  # Excel starts a note with its author's name
            text = text[len(author) + 1 :].strip()
        if text := " ".join(text.split()):
            lines.append(_marked(author, clean(comment.get("ref")), text))
    return lines


def _paragraphs(body: Any) -> list[str]:
    return [
        "".join(e.text or "" for e in paragraph.iter() if local(e.tag) == "t")
        for paragraph in body
        if local(paragraph.tag) == "p"
    ]


def _marked(author: str | None, cell: str | None, text: str) -> str:
    label = f"comment by {author}" if author else "comment"
    return f"[{label} on {cell}: {text}]" if cell else f"[{label}: {text}]"

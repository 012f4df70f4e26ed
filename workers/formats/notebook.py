"""Jupyter notebooks (.ipynb): the text a reader sees, not the JSON that stores it.

A notebook is JSON (nbformat 4: `cells`; nbformat 3: `worksheets[].cells`), read with the
stdlib after workers.formats.encoding has decoded it. Its text is, cell by cell, separated by
blank lines, empty cells left out:

- a markdown (or raw) cell: its source as written, so its headings start sections as a
  Markdown file's do (kind `ipynb` is scanned as `md`: workers.formats.headings);
- a code cell: its source in a fenced block, "```python", the language from the kernel
  (`metadata.kernelspec.language`, else `metadata.language_info.name`, else python); the fence
  is longer than any run of backticks that starts a line of the code, so no line of it closes
  the block early, and a `# comment` inside is never read as a heading;
- then the cell's text outputs, each in a fenced "```output" block (so a printed `# line` or
  `===` is no heading either): a stream's text (consecutive ones of a stream merged, a
  terminal's carriage-return redraws kept at their last state), an execute_result's or
  display_data's `text/plain` (not the `<Figure ...>` placeholder of a richer output), an
  error as "ename: evalue" in an "```error" block. At most OUTPUT_CHARS characters each, then
  OUTPUT_TRUNCATED: a cell that prints a million rows is one chunk, not a thousand.

Left out: the JSON keys and metadata (`execution_count`, `cell_type`, ...), images, HTML and
every other rich output (a base64 PNG is no text and would flood the chunks), widget state,
tracebacks (their ANSI-coloured frames repeat the code), and markdown attachments. A `data:`
URI pasted into a markdown cell becomes `[image: alt text]`, its payload dropped.

`title` is the notebook's `metadata.title`, else its first level-1 heading in a markdown cell;
`author` its `metadata.authors` names. The language stays docmill's own detection: a kernel's
language is that of the code, not of the prose. A file that is not JSON, or JSON without
cells, is `malformed`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats import headings
from workers.formats.base import Extracted, clean, describe, read
from workers.formats.encoding import decode_text

OUTPUT_CHARS = 2_000
OUTPUT_TRUNCATED = "[output truncated]"
DEFAULT_LANGUAGE = "python"
# CSI sequences (colours, cursor moves), then the two-character escapes; IPython colours
# tracebacks and many libraries colour their log lines.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_FENCE_RUN = re.compile(r"^ {0,3}(`{3,})", re.MULTILINE)
_DATA_IMAGE = re.compile(r"!\[([^\]\n]{0,1000})\]\(\s*data:[^)\s]*\)")
_DATA_URI = re.compile(r"data:([\w.+-]{1,100}/[\w.+-]{1,100});base64,[A-Za-z0-9+/=]+")
_PLACEHOLDER = re.compile(r"<[^\n<>]*>")  # `<Figure size 640x480 with 1 Axes>`
_INFO_STRING = re.compile(r"[\w.+#-]{1,40}")
_NOT_STREAM = object()  # what came before an output, when it was not a stream


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the cells of the notebook at `path` as text: markdown as it is, code fenced,
    then its text outputs."""
    raw = decode_text(read(path), path, warnings)
    try:
        notebook = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise TaskError(
            ErrorType.MALFORMED, f"unreadable notebook: not valid JSON ({describe(exc)})"
        ) from exc
    cells = _cells(notebook)
    if cells is None:
        raise TaskError(
            ErrorType.MALFORMED,
            "not a Jupyter notebook: JSON without `cells` (nbformat 4) or `worksheets` (3)",
        )
    meta = notebook.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    language = _language(meta)
    blocks: list[str] = []
    truncated = 0
    title: str | None = clean(meta.get("title"))
    for cell in cells:
        kind = cell.get("cell_type")
        if kind == "code":
            source = _code(cell)
            if source:
                blocks.append(_fenced(_info(cell.get("language")) or language, source))
            for label, text, cut in _outputs(cell.get("outputs")):
                blocks.append(_fenced(label, text))
                truncated += cut
            continue
        source = _scrub(_source(cell).strip())
        if kind == "heading":  # nbformat 3: a cell of its own per heading
            level = cell.get("level")
            level = level if isinstance(level, int) and 1 <= level <= 6 else 1
            source = f"{'#' * level} {' '.join(source.split())}" if source else ""
        if not source:
            continue
        blocks.append(_closed(source))
        if title is None and kind in ("markdown", "heading"):
            title = _first_title(source)
    if truncated:
        warnings.append(
            f"{truncated} cell output(s) over {OUTPUT_CHARS} characters cut short "
            f"(marked {OUTPUT_TRUNCATED})"
        )
    found: dict[str, Any] = {"title": title}
    if author := _authors(meta.get("authors")):
        found["author"] = author
    return Extracted("\n\n".join(blocks), meta={k: v for k, v in found.items() if v})


def _cells(notebook: Any) -> list[dict[str, Any]] | None:
    """The cells, in order, of an nbformat 4 or 3 notebook; None when it is neither."""
    if not isinstance(notebook, dict):
        return None
    cells = notebook.get("cells")
    if isinstance(cells, list):
        return [cell for cell in cells if isinstance(cell, dict)]
    worksheets = notebook.get("worksheets")
    if isinstance(worksheets, list):
        return [
            cell
            for sheet in worksheets
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
            for cell in sheet["cells"]
            if isinstance(cell, dict)
        ]
    return None


def _joined(value: Any) -> str:
    """A multiline string as nbformat stores it: one string, or a list of lines that keep
    their line ends. Anything else is no text."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list):
        text = "".join(item for item in value if isinstance(item, str))
    else:
        return ""
    return text.replace("\r\n", "\n")


def _source(cell: dict[str, Any]) -> str:
    return _joined(cell.get("source"))


def _code(cell: dict[str, Any]) -> str:
    """A code cell's source (nbformat 3 calls it `input`), without its blank first and last
    lines: the first line's indentation is code."""
    source = _joined(cell["source"] if "source" in cell else cell.get("input"))
    return source.strip("\n").rstrip()


def _info(value: Any) -> str | None:
    """`value` as a fence's info string (a language name), None when it cannot be one."""
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    return word if _INFO_STRING.fullmatch(word) else None


def _language(meta: dict[str, Any]) -> str:
    """The language of the notebook's code, from its kernel."""
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        entry = meta.get(key)
        if isinstance(entry, dict) and (language := _info(entry.get(field))):
            return language
    return DEFAULT_LANGUAGE


def _fenced(info: str, body: str) -> str:
    """`body` in a fenced block longer than any backtick fence inside it."""
    longest = max((len(run) for run in _FENCE_RUN.findall(body)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def _closed(source: str) -> str:
    """A markdown cell whose fenced block is still open at its end closed there: Jupyter
    renders each cell alone, and in one text an open fence would swallow the cells after it."""
    fence: str | None = None
    for line in source.split("\n"):
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 3:
            continue
        run = stripped[: len(stripped) - len(stripped.lstrip(stripped[:1]))]
        if len(run) < 3 or run[0] not in "`~":
            continue
        if fence is None:
            fence = run
        elif run[0] == fence[0] and len(run) >= len(fence) and not stripped[len(run) :].strip():
            fence = None
    return source if fence is None else f"{source}\n{fence}"


def _outputs(outputs: Any) -> list[tuple[str, str, int]]:
    """(fence info, text, 1 when cut short) of each text output of a code cell, in order."""
    if not isinstance(outputs, list):
        return []
    found: list[tuple[str, str]] = []
    last_stream: Any = _NOT_STREAM
    for output in outputs:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            name = output.get("name", output.get("stream"))
            text = _joined(output.get("text"))
            if found and last_stream == name:  # Jupyter splits one print loop into many
                found[-1] = ("output", found[-1][1] + text)
            else:
                found.append(("output", text))
            last_stream = name
            continue
        last_stream = _NOT_STREAM
        if kind in ("execute_result", "display_data", "pyout"):
            found.append(("output", _plain(output)))
        elif kind in ("error", "pyerr"):
            name, value = clean(output.get("ename")), clean(output.get("evalue"))
            found.append(("error", ": ".join(part for part in (name, value) if part)))
    result: list[tuple[str, str, int]] = []
    for label, text in found:
        body = _scrub(_terminal(text)).strip("\n").rstrip()
        if not body.strip():
            continue
        cut = len(body) > OUTPUT_CHARS
        if cut:
            body = f"{body[:OUTPUT_CHARS].rstrip()}\n{OUTPUT_TRUNCATED}"
        result.append((label, body, int(cut)))
    return result


def _plain(output: dict[str, Any]) -> str:
    """The text/plain form of a rich output (nbformat 3 kept the forms beside the output's
    own keys, as `text`), "" when it only names a picture or widget shown instead."""
    data = output.get("data")
    if isinstance(data, dict):
        text, others = _joined(data.get("text/plain")), len(data) > 1
    else:
        text = _joined(output.get("text"))
        others = any(key in output for key in ("png", "jpeg", "svg", "html", "latex"))
    if others and _PLACEHOLDER.fullmatch(text.strip()):
        return ""
    return text


def _terminal(text: str) -> str:
    """`text` as a terminal showed it: colours gone, a line redrawn after a carriage return
    (progress bars) kept as last drawn."""
    text = _ANSI.sub("", text)
    if "\r" not in text:
        return text
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


def _scrub(text: str) -> str:
    """`text` without the payload of `data:` URIs: a markdown picture becomes `[image: alt]`."""
    if "data:" not in text:
        return text
    text = _DATA_IMAGE.sub(_image, text)
    return _DATA_URI.sub(lambda m: f"data:{m[1]};base64,…", text)


def _image(match: re.Match[str]) -> str:
    alt = " ".join(match[1].split())
    return f"[image: {alt}]" if alt else "[image]"


def _first_title(source: str) -> str | None:
    """The first level-1 heading of a markdown cell."""
    return next((s.title for s in headings.markdown(source).sections if s.level == 1), None)


def _authors(value: Any) -> str | None:
    """The names of nbformat 4's `metadata.authors` ([{"name": ...}]), joined by "; "."""
    if not isinstance(value, list):
        return None
    names = [clean(a.get("name") if isinstance(a, dict) else a) for a in value]
    return "; ".join(name for name in names if name) or None

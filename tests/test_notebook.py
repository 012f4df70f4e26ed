"""Jupyter notebooks: markdown as it is, code fenced, text outputs short and never a picture's
base64, headings only from markdown; broken notebooks `malformed`. Notebooks written here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workers.document import process_document
from workers.errors import TaskError
from workers.extract import extract
from workers.formats.notebook import OUTPUT_CHARS, OUTPUT_TRUNCATED

pytestmark = pytest.mark.timeout(30)

PNG = (  # a 1x1 picture
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PROSE = "The measurements were taken every morning and checked against the previous week. " * 6


def markdown(*lines: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": list(lines)}


def code(source: str, *outputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "cell_type": "code", "execution_count": 3, "metadata": {"tags": []},
        "outputs": list(outputs), "source": source.splitlines(keepends=True),
    }  # fmt: skip


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text.splitlines(keepends=True)}


def notebook(
    tmp_path: Path, *cells: dict[str, Any], name: str = "analysis.ipynb", **meta: Any
) -> Path:
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.12.1"},
    } | meta
    path = tmp_path / name
    document = {"cells": list(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def test_markdown_code_and_outputs_read_as_a_person_sees_them(tmp_path: Path) -> None:
    table = {
        "output_type": "execute_result", "execution_count": 3, "metadata": {},
        "data": {"text/plain": ["   station  mm\n", "0  Oslo     81"],
                 "text/html": ["<table><tr><td>Oslo</td></tr></table>"]},
    }  # fmt: skip
    error = {
        "output_type": "error", "ename": "KeyError", "evalue": "'Bergen'",
        "traceback": ["\x1b[0;31mKeyError\x1b[0m Traceback (most recent call last)"],
    }  # fmt: skip
    path = notebook(
        tmp_path,
        markdown("# Rainfall\n", "\n", "Monthly *totals* per station."),
        code("", stream("")),  # an empty cell, and an empty output: nothing
        code(
            "import pandas as pd\nprint('loaded')\ntotals.head(2)\n",
            stream("loaded\n"),
            stream("12 rows\n"),  # Jupyter splits one cell's prints over many outputs
            stream("\x1b[33mWARNING\x1b[0m: 1 station missing\n", name="stderr"),
            table,
            error,
        ),
        {"cell_type": "raw", "metadata": {}, "source": "Raw text for nbconvert."},
        kernelspec={"language": "R", "name": "ir"},
    )
    found = extract(str(path))
    assert found["kind"] == "ipynb" and found["mime"] == "application/x-ipynb+json"
    assert found["text"] == (
        "# Rainfall\n\nMonthly *totals* per station.\n\n"
        "```r\nimport pandas as pd\nprint('loaded')\ntotals.head(2)\n```\n\n"
        "```output\nloaded\n12 rows\n```\n\n"
        "```output\nWARNING: 1 station missing\n```\n\n"
        "```output\n   station  mm\n0  Oslo     81\n```\n\n"
        "```error\nKeyError: 'Bergen'\n```\n\n"
        "Raw text for nbconvert."
    )
    assert found["metadata"]["title"] == "Rainfall" and found["warnings"] == []


def test_no_json_keys_no_base64_no_placeholders(tmp_path: Path) -> None:
    picture = {
        "output_type": "display_data", "metadata": {"image/png": {"width": 400}},
        "data": {"image/png": PNG, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
    }  # fmt: skip
    path = notebook(
        tmp_path,
        markdown(f"A chart: ![rainfall by month](data:image/png;base64,{PNG})\n"),
        code("plt.plot(months, mm)", picture),
    )
    text = extract(str(path))["text"]
    assert text == "A chart: [image: rainfall by month]\n\n```python\nplt.plot(months, mm)\n```"
    for key in ("nbformat", "execution_count", "cell_type", "kernelspec", "outputs", "metadata"):
        assert key not in text
    assert "iVBOR" not in text and "Figure size" not in text


def test_a_long_output_is_cut_short_and_said_so(tmp_path: Path) -> None:
    rows = "".join(f"row {n:05d}: {'x' * 40}\n" for n in range(2000))  # about 100,000 chars
    progress = "".join(f"\r{n}%" for n in range(0, 101, 10)) + "\n"
    path = notebook(tmp_path, code("for row in rows: print(row)", stream(rows + progress)))
    found = extract(str(path))
    output = found["text"].split("```output\n", 1)[1].removesuffix("\n```")
    assert output.endswith(f"\n{OUTPUT_TRUNCATED}") and output.startswith("row 00000: x")
    assert len(output) <= OUTPUT_CHARS + len(OUTPUT_TRUNCATED) + 1
    assert found["warnings"] == [
        f"1 cell output(s) over {OUTPUT_CHARS} characters cut short (marked {OUTPUT_TRUNCATED})"
    ]
    # A progress bar redrawn with carriage returns reads as its last state.
    short = notebook(tmp_path, code("fit()", stream(progress)), name="fit.ipynb")
    assert extract(str(short))["text"].endswith("```output\n100%\n```")


def test_only_markdown_headings_start_sections(tmp_path: Path) -> None:
    path = notebook(
        tmp_path,
        markdown("# Model\n", "\n", PROSE),
        code(
            "# Load the data\nx = 1\n```\n# still code\n",  # a fence inside the code, too
            stream("# printed, not a heading\n=====\n"),
        ),
        markdown("## Evaluation\n", "```\n", "an open fence, closed at the cell's end"),
        markdown("### Errors\n", PROSE),
        title="Forecasting rainfall",
    )
    found = extract(str(path))
    sections = [(level, title) for _, level, title in found["structure"]["sections"]]
    assert sections == [(1, "Model"), (2, "Evaluation"), (3, "Errors")]
    assert "````python\n# Load the data\nx = 1\n```\n# still code\n````" in found["text"]
    assert found["metadata"]["title"] == "Forecasting rainfall"  # metadata.title first

    record = process_document(str(path), 400, 0, str(tmp_path / "out"), include_chunks=True)
    assert record["kind"] == "ipynb" and record["status"] == "ok"
    chunks = record["chunks"]
    assert {c["metadata"]["kind"] for c in chunks} == {"ipynb"}
    assert {c["metadata"]["title"] for c in chunks} == {"Forecasting rainfall"}
    where = {c["metadata"].get("section") for c in chunks if "x = 1" in c["page_content"]}
    assert where == {"Model"}
    assert chunks[-1]["metadata"]["section"] == "Model > Evaluation > Errors"


def test_nbformat_3_worksheets(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    old = {
        "metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0,
        "worksheets": [{"cells": [
            {"cell_type": "heading", "level": 2, "metadata": {}, "source": ["Setup"]},
            {"cell_type": "code", "collapsed": False, "input": ["print(1 + 1)"],
             "language": "python", "metadata": {}, "prompt_number": 1,
             "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["2\n"]},
                         {"output_type": "pyout", "prompt_number": 1, "metadata": {},
                          "text": ["<matplotlib.figure.Figure at 0x10>"], "png": PNG}]},
        ]}],
    }  # fmt: skip
    path.write_text(json.dumps(old), encoding="utf-8")
    found = extract(str(path))
    assert found["text"] == "## Setup\n\n```python\nprint(1 + 1)\n```\n\n```output\n2\n```"
    assert found["structure"]["sections"] == [[0, 2, "Setup"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"cells": [{"cell_type": "markdown", "source": ["# A"]}', "not valid JSON"),
        ('{"nbformat": 4, "metadata": {}}', "not a Jupyter notebook"),
        ("[1, 2, 3]", "not a Jupyter notebook"),
    ],
    ids=["truncated", "no-cells", "a-list"],
)
def test_a_broken_notebook_is_malformed(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TaskError) as caught:
        extract(str(path))
    assert caught.value.type.value == "malformed" and message in caught.value.message

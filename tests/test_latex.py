"""LaTeX sources (workers.formats.latex): the body as written without comments, sectioning
commands as sections, title and authors from the preamble."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.document import build_record
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

PAPER = r"""\documentclass{article}
% a comment in the preamble
\usepackage{amsmath}
\title{Caching at the \emph{Edge}}
\author{Ana Lopez \and Bo Chen}
\begin{document}
\maketitle
\section{Introduction}\label{sec:intro}
Caches fail when 50\% of requests miss. % why it matters
% a whole comment line

We measure $x^2$ here.
\subsection*{Related {\bf work}}
Prior art \cite{knuth}.
\end{document}
text after the end
"""


def test_a_paper_reads_as_its_body_with_its_sections(tmp_path: Path) -> None:
    path = tmp_path / "paper.tex"
    path.write_text(PAPER, encoding="utf-8")
    result = extract(str(path))
    assert (result["kind"], result["mime"]) == ("tex", "application/x-tex")
    assert result["text"] == (
        "\\section{Introduction}\\label{sec:intro}\n"
        "Caches fail when 50\\% of requests miss.\n\nWe measure $x^2$ here.\n"
        "\\subsection*{Related {\\bf work}}\nPrior art \\cite{knuth}."
    )
    meta = result["metadata"]
    assert (meta["title"], meta["author"]) == ("Caching at the Edge", "Ana Lopez, Bo Chen")
    sections = [(level, title) for _, level, title in result["structure"]["sections"]]
    assert sections == [(2, "Introduction"), (3, "Related work")]
    assert result["structure"]["sections"][0][0] == 0
    record = build_record(str(path), chunk_size=2000, chunk_overlap=0)
    assert [c.get("section") for c in record["chunks"]] == [
        "Introduction", "Introduction > Related work",
    ]  # fmt: skip


def test_a_chapter_without_a_document_environment_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "chapter2.tex"
    path.write_text("\\chapter{Results}\nAll tests passed.\n", encoding="utf-8")
    result = extract(str(path))
    assert result["text"] == "\\chapter{Results}\nAll tests passed."
    assert result["structure"]["sections"] == [[0, 1, "Results"]]

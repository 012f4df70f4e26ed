"""Where the extraction tests find the third-party documents they still need (the shared
corpus, read in place), and `run`, which extracts one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import CORPUS, ROOT, needs_corpus
from workers.extract import extract

REPO = ROOT
UNS = CORPUS / "Unstructured-IO__unstructured" / "example-docs"
PYPDF = CORPUS / "py-pdf__pypdf" / "resources"
SAMPLES = CORPUS / "py-pdf__sample-files"
PDFJS = CORPUS / "mozilla__pdf.js" / "test" / "pdfs"

__all__ = ["CORPUS", "PDFJS", "PYPDF", "REPO", "SAMPLES", "UNS", "needs_corpus", "run"]


def run(path: Path, **kwargs: Any) -> dict[str, Any]:
    """Extract `path` (a corpus file or one a test wrote)."""
    return extract(str(path), **kwargs)

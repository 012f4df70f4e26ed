"""Where the extraction tests find their documents: the shared corpus of real third-party files,
read in place, and `run`, which extracts one of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workers.extract import extract

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
UNS = CORPUS / "Unstructured-IO__unstructured" / "example-docs"
PYPDF = CORPUS / "py-pdf__pypdf" / "resources"
SAMPLES = CORPUS / "py-pdf__sample-files"
PDFJS = CORPUS / "mozilla__pdf.js" / "test" / "pdfs"
DOCX_FILES = CORPUS / "python-openxml__python-docx" / "features" / "steps" / "test_files"

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"shared test corpus not found at {CORPUS}"
)


def run(path: Path, **kwargs: Any) -> dict[str, Any]:
    """Extract `path` (a corpus file or a tmp file)."""
    return extract(str(path), **kwargs)

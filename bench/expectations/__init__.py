"""Content expectations for the fidelity benchmark (bench/fidelity.py) and its guard test.

One entry per corpus file (pdf.py, office.py and text.py, by kind): (path relative to
../shared/corpus, phrases a reader of that file must find in docmill's text, boilerplate that
must not be there). Both sides are compared after
folding runs of white space to one space; nothing else is normalised, so a phrase is written as
a person reads it in the document (logical order for right-to-left scripts, ordinary letters
rather than presentation forms, real characters rather than the escapes of the source).

Every phrase was read from the file with a reader other than docmill: pdftotext (and the PDF's
own /V and /Contents entries for form fields and annotations), the XML parts of the zip for
DOCX/PPTX/XLSX/ODT/EPUB, Python's email package for EML, olefile for MSG, xlrd for XLS, and the
raw source for the text, markup and data formats. A comment above each group says which part of
the file its phrases come from.
"""

from __future__ import annotations

from bench.expectations import office, pdf, text

EXPECTATIONS: list[tuple[str, list[str], list[str]]] = [
    *pdf.EXPECTATIONS,
    *office.EXPECTATIONS,
    *text.EXPECTATIONS,
]

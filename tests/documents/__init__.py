"""Documents the tests write at test time, so the suite needs no files from elsewhere: `pdf`
(text, scanned and drawn pages, info, encryption), `word` (DOCX), `ooxml` (PPTX, XLSX),
`ole2` (legacy compound files, through tests/compound_file.py), `opendoc` (ODT, ODS, ODP,
EPUB), `mail`, `rtf`, and `prose` (the text to put in them)."""

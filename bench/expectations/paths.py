"""Where the corpus's collections lie, and phrases several files share."""

U = "Unstructured-IO__unstructured/example-docs/"
UP = U + "pdf/"
UE = U + "eml/"
UL = U + "language-docs/"
PY = "py-pdf__pypdf/resources/"
SF = "py-pdf__sample-files/"
JS = "mozilla__pdf.js/test/pdfs/"
DX = "python-openxml__python-docx/features/steps/test_files/"

# The first article of the Universal Declaration of Human Rights, in English and Spanish, as the
# multilingual "eng_spa_mult" files give it.
UDHR_EN = "They are endowed with reason and conscience and should act towards one another"
UDHR_ES = "Todos los seres humanos nacen libres e iguales en dignidad y derechos"
UDHR_ES_ACCENTS = "dotados como están de razón y conciencia"

"""Content expectations for the fidelity benchmark (bench/fidelity.py) and its guard test.

One entry per corpus file: (path relative to ../shared/corpus, phrases a reader of that file
must find in docmill's text, boilerplate that must not be there). Both sides are compared after
folding runs of white space to one space; nothing else is normalised, so a phrase is written as
a person reads it in the document (logical order for right-to-left scripts, ordinary letters
rather than presentation forms, real characters rather than the escapes of the source).

Every phrase was read from the file with a reader other than docmill: pdftotext (and the PDF's
own /V and /Contents entries for form fields and annotations), the XML parts of the zip for
DOCX/PPTX/XLSX/ODT/EPUB, Python's email package for EML, olefile for MSG, xlrd for XLS, and the
raw source for the text, markup and data formats. A comment above each group says which part of
the file its phrases come from.
"""

# The phrases are Cyrillic, Greek and typographic quotes on purpose: ruff's look-alike check
# (RUF001) would have them rewritten as the Latin letters they resemble.
# ruff: noqa: RUF001

from __future__ import annotations

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

EXPECTATIONS: list[tuple[str, list[str], list[str]]] = [
    # --- PDF, Unstructured: body text (pdftotext), across line breaks and columns ---
    (
        UP + "fake-memo.pdf",
        [
            "There were 20,000 bottles of water, 10,000 blankets, and 200 laptops delivered",
            "A total of 3 trucks were used for 15 hours.",
        ],
        [],
    ),
    (
        UP + "layout-parser-paper-fast.pdf",
        [
            "LayoutParser: A Unified Toolkit for Deep Learning Based Document Image Analysis",
            "Recent advances in document image analysis (DIA) have been primarily driven by the"
            " application of neural networks.",
        ],
        [],
    ),
    # two columns: a sentence of the right-hand column that crosses two of its lines
    (
        UP + "multi-column-2p.pdf",
        [
            "Dense Passage Retrieval for Open-Domain Question Answering",
            "Sala Baker is best known for portraying the villain Sauron in the Lord of the Rings"
            " trilogy.",
            "Open-domain question answering relies on efficient passage retrieval",
        ],
        [],
    ),
    # Korean (Hangul) text and the cells of its tables
    (
        UP + "korean-text-with-tables.pdf",
        [
            "커피전문점·제과점·편의점",
            "이마트, 이마트 트레이더스, 롯데마트, 홈플러스",
            "모든 주유소",
        ],
        [],
    ),
    (
        UP + "DA-1p.pdf",
        [
            "We arrived in the dead of night.",
            "Transcribed from a tale told by a former templar in Cumberland, 8:84 Blessed.",
            "Abominations have been responsible for some of the worst cataclysms in history",
        ],
        [],
    ),
    (UP + "emphasis-text.pdf", ["Test bold.", "Italic. Now Italic and bold."], []),
    (
        UP + "embedded-link.pdf",
        [
            "This is the link.",
            "Now, what would happen if the embedded url is across two lines with broken list item"
            " group capturing?",
        ],
        [],
    ),
    (
        UP + "interface-config-guide-p93.pdf",
        [
            "A faceplate port that has been placed in the loopback mode for PXC use, supports only"
            " hybrid mode of operation and dot1q encapsulation.",
            "Interface Configuration Guide Release 23.7.R1",
        ],
        [],
    ),
    (
        UP + "chevron-page.pdf",
        [
            "We’re investing to grow in the Eastern Mediterranean, offshore Israel and Egypt.",
            "Chevron-operated Tamar and Leviathan fields are exporting natural gas to neighboring"
            " Jordan and Egypt.",
        ],
        [],
    ),
    # a figure caption and a table caption
    (
        UP + "embedded-images-tables.pdf",
        [
            "Anodic and cathodic polarization curve of stainless steel",
            "Potentiodynamic polarization data for stainless steel in the absence and presence"
            " of ES",
        ],
        [],
    ),
    (
        UP + "list-item-example.pdf",
        [
            "This module looks at the role of the design team in detail",
            "Module Three: Step 2: Design and Prototyping",
        ],
        [],
    ),
    (
        UP + "a1977-backus-p21.pdf",
        [
            "In evaluating the last expression, the meaning function will produce the meaning of"
            " each application",
        ],
        [],
    ),
    (UP + "reliance.pdf", ["Integrated Annual Report 2021-22", "For an inclusive ecosystem"], []),
    # a page turned by /Rotate 90
    (
        U + "rotated-page-90.pdf",
        ["Hello World Test Text", "Second line of text here", "Rotated page fixture"],
        [],
    ),
    # each letter of the bold lines drawn twice, slightly offset: read once, as the words the page
    # shows (pdftotext has the same letters with spaces inside the words)
    (
        UP + "fake-bold-sample.pdf",
        [
            "Fake Bold PDF Test Document",
            "BOLD TEXT SAMPLE",
            "Testing Deduplication",
            "The quick brown fox jumps over the lazy dog.",
        ],
        [],
    ),
    # French, with accents and typographic apostrophes
    (
        UL + "fr_olap.pdf",
        [
            "Résumés et interrogations de logs de requêtes OLAP",
            "Université François Rabelais Tours",
            "Une façon d’assister l’analyse d’entrepôt de données",
        ],
        [],
    ),
    # --- PDF, pypdf resources: body text, annotations, many scripts ---
    (
        PY + "crazyones.pdf",
        ["The round pegs in the square holes.", "They push the human race forward."],
        [],
    ),
    # body text, and the text of the two sticky notes (/Annots /Contents)
    (
        PY + "commented.pdf",
        ["The round pegs in the square holes.", "Note in second paragraph", "Umlaut: äöüß"],
        [],
    ),
    # one greeting per script: Cyrillic, Han, Kana, Arabic, Thai
    (
        PY + "hello-world.pdf",
        ["Hello World", "Привет, мир", "你好世界", "こんにちは世界", "مرحبا بالعالم", "สวัสดีชาวโลก"],
        [],
    ),
    # /Rotate given by an indirect object
    (
        PY + "indirect-rotation.pdf",
        ["International Council of Containership Operators", "Appendix A - Members"],
        [],
    ),
    # boxes of text written vertically on a landscape page
    (PY + "test Orient.pdf", ["This is box text on left", "This is box text at bottom"], []),
    (
        PY + "example.pdf",
        [
            "Beautiful is better than ugly.",
            "In the face of ambiguity, refuse the temptation to guess.",
        ],
        [],
    ),
    (
        PY + "GeoBase_NHNC1_Data_Model_UML_EN.pdf",
        [
            "National Hydro Network, Canada, Level 1",
            "Centre canadien de la cartographie et d’observation de la Terre",
        ],
        [],
    ),
    (
        PY + "SF424_page2.pdf",
        [
            "Application for Federal Assistance SF-424",
            "U.S. Department of Interior, Fish and Wildlife Service",
        ],
        [],
    ),
    # --- PDF, py-pdf sample files: LibreOffice, pdfLaTeX, Google Docs, forms, annotations ---
    (
        SF + "001-trivial/minimal-document.pdf",
        ["Stet clita kasd gubergren, no sea takimata sanctus est Lorem ipsum dolor sit amet."],
        [],
    ),
    (
        SF + "002-trivial-libre-office-writer/002-trivial-libre-office-writer.pdf",
        ["At vero eos et accusam et justo duo dolores et ea rebum."],
        [],
    ),
    # the filled values of the two "First Name" text fields (/V)
    (
        SF + "012-libreoffice-form/libreoffice-form.pdf",
        ["Example for a Form", "Alice", "Bob"],
        [],
    ),
    # two columns: the abstract's last sentence, and one that crosses lines of the left column
    (
        SF + "026-latex-multicolumn/multicolumn.pdf",
        [
            "Two-Column Document with Lorem Ipsum",
            "This is a sample document with two columns filled with Lorem Ipsum text.",
            "Duis nibh mi, congue eu, accumsan eleifend, sagittis quis, diam.",
        ],
        [],
    ),
    (
        SF + "011-google-doc-document/google-doc-document.pdf",
        ["Special cases aren't special enough to break the rules."],
        [],
    ),
    # page text, and the notes of a text annotation and a highlight (/Contents)
    (
        SF + "024-annotations/annotated_pdf.pdf",
        ["Some text.", "This is a text annotation.", "Highlight comment"],
        [],
    ),
    (
        SF + "016-libre-office-link/libre-office-link.pdf",
        ["This is a link to an awesome blog."],
        [],
    ),
    # Arabic in logical order, as the HTML this PDF was made from (015-arabic/habibi.html) has it
    (SF + "015-arabic/habibi.pdf", ["حَبيبي"], []),
    # --- PDF, pdf.js test files: CJK, Arabic, Thai, odd fonts, forms, annotations ---
    (
        JS + "tracemonkey.pdf",
        [
            "Trace-based Just-in-Time Type Specialization for Dynamic Languages",
            "Dynamic languages such as JavaScript are more difficult to compile than statically"
            " typed ones.",
        ],
        [],
    ),
    # Chinese (a table of contents): pdftotext gives the GBK bytes as Latin-1; decoded, they read
    (JS + "XiaoBiaoSong.pdf", ["对国防问题的意见", "中日战争爆发后的形势与任务"], []),
    # Japanese
    (JS + "issue16538.pdf", ["価格も一意でなくなる.", "無裁定条件の議論"], []),
    # Arabic drawn with presentation forms: the words as a reader would search for them
    (JS + "ArabicCIDTrueType.pdf", ["الخطوط العربية"], []),
    (JS + "noembed-sjis.pdf", ["あいうえお"], []),
    (JS + "issue13211.pdf", ["คือเวกเตอร์ในข้อใดต่อไปนี้"], []),
    (JS + "arial_unicode_en_cidfont.pdf", ["This is an Arial Unicode PDF from OpenOffice."], []),
    # a FreeText annotation's text (/Contents)
    (JS + "annotation-freetext.pdf", ["FreeText content"], []),
    # a multi-line text field's value (/V)
    (JS + "annotation-tx3.pdf", ["tx annotation"], []),
    (
        JS + "chrome-text-selection-markedContent.pdf",
        [
            "We reiterate our EUR 8.00 target price and Accumulate recommendation for Kreate"
            " following the Q4 report.",
        ],
        [],
    ),
    (
        JS + "issue6132.pdf",
        [
            "Efficient Arithmetic in Finite Field Extensions with Application in Elliptic Curve"
            " Cryptography",
            "Worcester Polytechnic Institute",
        ],
        [],
    ),
    (
        JS + "bug1019475_1.pdf",
        ["This Ecma Standard defines the Source map format"],
        [],
    ),
    (JS + "bug1947248_text.pdf", ["Hello PDF.js World"], []),
    # --- DOCX: body (word/document.xml) ---
    (
        U + "category-level.docx",
        [
            "Call me Ishmael.",
            "A top level list item",
            "There now is your insular city of the Manhattoes",
        ],
        [],
    ),
    (
        U + "contains-pictures.docx",
        [
            "Some paragraph text that runs “through” the floating picture",
            "Text following an inline picture that appears as the first glyph of the paragraph.",
        ],
        [],
    ),
    (
        U + "fake-doc-emphasized-text.docx",
        ["I am a bold italic bold-italic text.", "I am a normal text."],
        [],
    ),
    (
        U + "handbook-1p.docx",
        ["The United States Trustee appoints and supervises standing trustees"],
        [],
    ),
    (U + "teams_chat.docx", ["OK. Yeah.", "James Bond"], []),
    (U + "simple.docx", ["These are a few of my favorite things:", "DOYLESTOWN, PA 18901"], []),
    (
        U + "page-breaks.docx",
        ["Text on second page.", "but break falls inside link so text stays together."],
        [],
    ),
    (UL + "eng_spa_mult.docx", [UDHR_EN, UDHR_ES, UDHR_ES_ACCENTS], []),
    (DX + "run-char-style.docx", ["Next run having Emphasis character style."], []),
    (DX + "txt-font-props.docx", ["Text having some superscript and some subscript."], []),
    # --- DOCX: table cells (w:tbl), nested tables ---
    (
        U + "docx-tables.docx",
        ["Simple uniform table", "Header Col 1", "A link example", "Table with merged cells"],
        [],
    ),
    (
        U + "tables-with-incomplete-rows.docx",
        ["Example of DOCX table where one or more rows is missing cells from the end."],
        [],
    ),
    (DX + "tbl-having-applied-style.docx", ["and a hearty foo to you too sir!"], []),
    # --- DOCX: headers and footers (word/header*.xml, word/footer*.xml) ---
    (
        U + "docx-hdrftr.docx",
        ["Main document", "First header para", "Table cell1", "Last header para"],
        [],
    ),
    (
        DX + "doc-add-section.docx",
        [
            "Second page",
            "Primary (Odd-Page) Header content",
            "First Page Footer content",
            "Even Page Header content",
        ],
        [],
    ),
    (
        DX + "sct-first-page-hdrftr.docx",
        ["Page 4, First Page of second section.", "First Page Header (section 2)"],
        [],
    ),
    (
        DX + "blk-paras-and-tables.docx",
        ["Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "Left-side", "Copyright"],
        [],
    ),
    # --- DOCX: footnotes (word/footnotes.xml), comments (word/comments.xml), a chart ---
    (
        U + "handbook-872p.docx",
        [
            "the banking institution must execute a Uniform Depository Agreement",
            "shall have the same meaning as “adjourn.”",
        ],
        [],
    ),
    (
        DX + "comments-rich-para.docx",
        [
            "Some text worthy of note.",
            "in the middle.",
            "Paragraph with Heading 2 paragraph style.",
        ],
        [],
    ),
    # the series and categories of word/charts/chart1.xml (the body holds only the shapes)
    (DX + "shp-inline-shape-access.docx", ["Series 1", "Series 3", "Category 4"], []),
    # --- PPTX: slides (ppt/slides/slide*.xml), text boxes, tables, alt text ---
    (
        U + "fake-power-point.pptx",
        [
            "Adding a Bullet Slide",
            "Use _TextFrame.add_paragraph() for subsequent bullets",
            "Here is some text in a text box!",
        ],
        [],
    ),
    (U + "fake-power-point-table.pptx", ["A Slide with a Table", "Tangerine", "Column 3"], []),
    (U + "fake-power-point-many-pages.pptx", ["Page 1", "Page 2"], []),
    (
        U + "sample-presentation.pptx",
        [
            "This is the first content slide",
            "This one is a sub-sub-bullet",
            "Subtopic 1 of subtopic 2",
            "This is kinda backwards, huh?",
        ],
        [],
    ),
    (
        U + "science-exploration-1p.pptx",
        ["Code 660: Astrophysics Science Division", "Virtual Machine Environment Scorecard"],
        [],
    ),
    (U + "simple.pptx", ["Things to think about", "Where have all the flowers gone?"], []),
    (UL + "eng_spa_mult.pptx", ["Testing multiple languages", UDHR_ES], []),
    # the picture's alt text (p:cNvPr descr), the only text of the slide
    (U + "picture.pptx", ["python-powered.png"], []),
    # --- XLSX: cells (xl/sharedStrings.xml), a text box (xl/drawings/drawing1.xml) ---
    (
        U + "2023-half-year-analyses-by-segment.xlsx",
        ["In millions of CHF", "Nestlé Health Science", "Inter-segment sales are not significant."],
        [],
    ),
    (U + "stanley-cups.xlsx", ["Maple Leafs", "Stanley Cups Since 67"], []),
    (
        U + "vodafone.xlsx",
        [
            "Nine quarters to 30 June 2023",
            "Fixed broadband customers",
            "which contains unaudited information, is a collation of financial information from"
            " previous Vodafone Group Plc press releases",
        ],
        [],
    ),
    (U + "emoji.xlsx", ["🤠😅"], []),
    (UL + "eng_spa.xlsx", ["English text", UDHR_EN], []),
    # --- XLS (BIFF, read with xlrd) ---
    (
        U + "tests-example.xls",
        ["What C datatypes are 8 bits? (assume i386)", "Bagpipes are awesome.", "Multiple Choice"],
        [],
    ),
    # --- ODT: body and table cells (content.xml), a form field's value (form:current-value) ---
    (U + "fake.odt", ["Lorem ipsum dolor sit amet.", "Header row", "Sarah"], []),
    (U + "simple.odt", ["These are a few of my favorite things:", "DOYLESTOWN, PA 18901"], []),
    (
        SF + "002-trivial-libre-office-writer/source.odt",
        ["At vero eos et accusam et justo duo dolores et ea rebum."],
        [],
    ),
    (SF + "012-libreoffice-form/libreoffice-form.odt", ["Example for a Form", "Alice"], []),
    (UL + "eng_spa_mult.odt", [UDHR_EN, UDHR_ES_ACCENTS], []),
    # --- EPUB: spine documents (OEBPS/*.html) ---
    (
        U + "winter-sports.epub",
        [
            "Winter Sports in Switzerland",
            "From the Drawing by Fleming Williams",
            "the four edges, the sixteen turns, the two mohawks, the two choctaws",
        ],
        [],
    ),
    (UL + "eng_spa_mult.epub", [UDHR_EN, UDHR_ES_ACCENTS], []),
    # --- EML: body parts (email package; the message's own headers are metadata), the
    # headers and bodies of digested messages, charsets ---
    (
        UE + "fake-email.eml",
        ["This is a test email to use for unit tests.", "Important points:", "Violets are blue"],
        [],
    ),
    (UE + "fake-email-attachment.eml", ["Here's the attachments!", "Lots of whitespace"], []),
    # the three message/rfc822 parts of a multipart/digest: their bodies and their headers
    (
        UE + "mime-multipart-digest.eml",
        [
            "This is the first message in the digest.",
            "This is the second message in the digest.",
            "This is the third message in the digest.",
            "Second Message",
            "frank@example.com",
        ],
        [],
    ),
    # Hebrew in windows-1255, subject in an encoded word
    (
        UE + "email-no-utf8-2008-07-16.062410.eml",
        ["סלבה היקר", "אם אוכל לעזור לך בשאלות מקצועיות גרידא, אשמח לסייע."],
        [],
    ),
    (
        UE + "email-no-utf8-2014-03-17.111517.eml",
        ["If you made this change, you don't need to do", "The Google Accounts team"],
        [],
    ),
    # an HTML-only message
    (
        UE + "mime-html-only.eml",
        ["Gmail was launched by Google in 2004 with 1 GB of free storage"],
        [],
    ),
    (
        UE + "mime-word-encoded-subject.eml",
        ["This is a simple email message with Unicode characters in the subject."],
        [],
    ),
    (UE + "fake-email-header.eml", ["This is a test email to use for unit tests."], []),
    # the whole message is UTF-16 with a BOM
    (UE + "fake-email-utf-16.eml", ["This is a test email to use for unit tests."], []),
    (
        UE + "email-replace-mime-encodings-error-2.eml",
        ["Did you get a chance to review my previous email?"],
        [],
    ),
    (
        UE + "family-day.eml",
        ["There will be face painting, a petting zoo, funnel cake and more."],
        [],
    ),
    (UE + "email-inline-content-disposition.eml", ["This is a test of inline"], []),
    (UL + "eng_spa_mult.eml", [UDHR_ES_ACCENTS], []),
    # --- MSG (Outlook, OLE2): the body (property stream 1000) ---
    (U + "fake-email.msg", ["This is a test email to use for unit tests.", "Roses are red"], []),
    (U + "fake-email-with-cc-and-bcc.msg", ["This is a test email. Please ignore."], []),
    (U + "fake-email-attachment.msg", ["Here's the attachments!", "Little to no content"], []),
    # --- HTML: pages of a few elements (raw source); alt text; encodings ---
    (
        U + "fake-html.html",
        ["My first paragraph.", "With sub-bullets!", "Row 2, Cell 1", "A Third Heading"],
        [],
    ),
    # cp1252 bytes, no charset declared: umlauts and the euro sign (0x80)
    (
        U + "fake-html-cp1252.html",
        [
            "Die schöne Frau hat einen Kaffee mit Kuchen gegessen.",
            "Der Preis betrug 15,50 €.",
            "El niño comió paella con ñoquis.",
        ],
        [],
    ),
    (U + "fake-html-with-image-from-url.html", ["Test page", "Unstructured Logo"], []),
    (U + "fake-html-with-base64-image.html", ["Test page", "Unstructured Logo"], []),
    (U + "fake-html-lang-de.html", ["Jahresabschluss zum Geschäftsjahr vom 01.01.2020"], []),
    (
        U + "fake-html-with-duplicate-elements.html",
        ["Example heading.", "This is another span."],
        [],
    ),
    (SF + "015-arabic/habibi.html", ["حَبيبي habibi"], []),
    (UL + "eng_spa_mult.html", [UDHR_EN, UDHR_ES_ACCENTS], []),
    # a <pre> block whose &lt;&lt;NOTE&gt;&gt; entities must read as text
    (
        U + "fake-html-pre.htm",
        [
            "Be it enacted by the Senate and House of Representatives of the United States of"
            " America",
            "Sec. 101. Counterterrorism fund.",
            "<<NOTE: 18 USC 1 note.>>",
        ],
        [],
    ),
    (
        U + "example-10k-1p.html",
        [
            "Galaxy Gaming, Inc.",
            "(Exact name of small business issuer as specified in its charter)",
        ],
        [],
    ),
    # an inline-XBRL filing: the report's text, not the facts of its display:none ix:header
    (
        U + "example-10k.html",
        [
            "Galaxy Gaming, Inc.",
            "Casinos use our proprietary products and services to enhance their gaming operations",
        ],
        ["P3Y5M12D"],
    ),
    # --- HTML saved web pages: the article, without the site's navigation and footer ---
    (
        U + "example-with-scripts.html",
        [
            "Belarusian forces remain unlikely to attack Ukraine",
            "Russian Offensive Campaign Assessment, December 13",
        ],
        ["Skip to main content", "1400 16th Street NW, Suite 515"],
    ),
    (
        U + "ideas-page.html",
        [
            "The way to get new ideas is to notice anomalies",
            "Knowledge grows fractally.",
        ],
        [],
    ),
    (
        U + "example-steelJIS-datasheet.html",
        [
            "Alloy steel bars for special application bolting materials",
            "Mechanical properties of grade SNB22-3",
        ],
        ["Is this information useful?", "The contents from this site may not be reproduced."],
    ),
    # the same page in UTF-16
    (
        U + "example-steelJIS-datasheet-utf-16.html",
        ["Alloy steel bars for special application bolting materials"],
        ["The contents from this site may not be reproduced."],
    ),
    # a header and a footer around the one paragraph
    (
        U + "fake-html-with-footer-and-header.html",
        ["My First Heading", "My first paragraph."],
        ["Footer"],
    ),
    # --- Markdown, reStructuredText, Org (raw source) ---
    (
        U + "README.md",
        [
            "These documents can be used to test out the parsers in the library.",
            "You can parse this document using the HTML parser.",
        ],
        [],
    ),
    (U + "codeblock.md", ["HTML Example", "Don't forget me this weekend!"], []),
    (U + "simple-table.md", ["Juicy Apples", "Bananas"], []),
    (U + "umlauts-utf8.md", ["können", "äöüß"], []),
    # the same words in latin-1 bytes
    (U + "umlauts-non-utf8.md", ["können", "äöüß"], []),
    (
        "mozilla__pdf.js/test/pdfs/sig_corpus/README.md",
        ["Digital signature properties", "The PDFs themselves are"],
        [],
    ),
    (UL + "eng_spa_mult.md", [UDHR_EN, UDHR_ES_ACCENTS], []),
    (
        U + "README.rst",
        [
            "These documents can be used to test out the parsers in the library.",
            "SEC site will reject your request.",
        ],
        [],
    ),
    (
        U + "README-w-include.rst",
        ["These documents can be used to test out the parsers in the library."],
        [],
    ),
    (UL + "eng_spa_mult.rst", [UDHR_ES_ACCENTS], []),
    (
        U + "README.org",
        [
            "These documents can be used to test out the parsers in the library.",
            "You can parse this document using the HTML parser.",
        ],
        [],
    ),
    (
        U + "README-w-include.org",
        ["These documents can be used to test out the parsers in the library."],
        [],
    ),
    (UL + "eng_spa_mult.org", [UDHR_ES_ACCENTS], []),
    # --- plain text: UTF-8, UTF-16 with and without BOM, UTF-32, many scripts ---
    (
        U + "fake-text.txt",
        ["This is a test document to use for unit tests.", "Hamburgers are delicious"],
        [],
    ),
    (U + "fake-text-utf-16.txt", ["This is a test document to use for unit tests."], []),
    (U + "fake-text-utf-16-be.txt", ["This is a test document to use for unit tests."], []),
    (U + "fake-text-utf-16-le.txt", ["This is a test document to use for unit tests."], []),
    (U + "fake-text-utf-32.txt", ["This is a test document to use for unit tests."], []),
    # Arabic, Simplified Chinese, Russian, Greek, Japanese, Korean, Hindi
    (
        UL + "UDHR_first_article_all.txt",
        [
            "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق.",
            "人人生而自由,在尊严和权利上一律平等。",
            "Все люди рождаются свободными и равными в своем достоинстве и правах.",
            "Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι στην αξιοπρέπεια και τα δικαιώματα.",
            "すべての人間は、生まれながらにして自由であり",
            "모든 인간은 태어날 때부터 자유로우며",
            "सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता",
        ],
        [],
    ),
    (
        U + "norwich-city.txt",
        ["Iwan Wyn Roberts (born 26 June 1968) is a Welsh former professional footballer"],
        [],
    ),
    (
        U + "book-war-and-peace-1p.txt",
        ["Well, Prince, so Genoa and Lucca are now just family estates of the Buonapartes."],
        [],
    ),
    (
        UL + "eng_afr_spa.txt",
        ["Alle menslike wesens word vry, met gelyke waardigheid en regte, gebore.", UDHR_ES],
        [],
    ),
    (UL + "eng_spa_mult.txt", [UDHR_EN, UDHR_ES_ACCENTS], []),
    # --- CSV / TSV: cells (raw source), UTF-16, quoted cells holding the delimiter ---
    (U + "stanley-cups.csv", ["Maple Leafs", "Stanley Cups", "TOR"], []),
    (U + "stanley-cups-utf-16.csv", ["Maple Leafs", "Flyers"], []),
    (U + "table-multi-row-column-cells-actual.csv", ["98.3% n=2 (97.7%, n=3)", "Low Vision"], []),
    (U + "semicolon-delimited.csv", ["tempor incididunt", "magna aliqua"], []),
    (U + "table-semicolon-delimiter.csv", ["Revenue", "-814,38"], []),
    (U + "stanley-cups-with-emoji.csv", ["Maple Leafs", "🔧"], []),
    (U + "stanley-cups.tsv", ["Maple Leafs", "Stanley Cups"], []),
    (U + "stanley-cups-with-emoji.tsv", ["Maple Leafs", "🔧"], []),
    # --- JSON / NDJSON: string values (raw source) ---
    (U + "arbitrary-records.json", ["Garden Trowel", "Pruning Shears", "GRD-1290"], []),
    (U + "not-unstructured-payload.json", ["This is sample data #1"], []),
    (U + "spring-weather.html.json", ["News Around NOAA"], []),
    (SF + "files.json", ["pdfTeX-1.40.23"], []),
    (U + "arbitrary-records.ndjson", ["Watering Can", "GRD-3317"], []),
    (U + "simple.ndjson", ["These are a few of my favorite things:"], []),
    # --- XML: element text with entities decoded (raw source), UTF-16 ---
    (U + "factbook.xml", ["Trinidad & Tobado", "Port of Spain", "Emmanuel Macron"], []),
    (U + "factbook-utf-16.xml", ["Trinidad & Tobado", "Justin Trudeau"], []),
    (UL + "eng_spa_mult.xml", [UDHR_EN, UDHR_ES_ACCENTS], []),
    # --- RTF: paragraphs and table cells; accents written as \'xx escapes ---
    (U + "fake-doc.rtf", ["My First Heading", "My first paragraph.", "Row 2, Cell 2"], []),
    (UL + "eng_spa_mult.rtf", [UDHR_EN, UDHR_ES_ACCENTS], []),
]

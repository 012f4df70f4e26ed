"""The content expectations of PDF files."""

# The phrases are Cyrillic, Greek and typographic quotes on purpose: ruff's look-alike check
# (RUF001) would have them rewritten as the Latin letters they resemble.
# ruff: noqa: RUF001

from __future__ import annotations

from bench.expectations.paths import JS, PY, SF, UL, UP, U

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
]

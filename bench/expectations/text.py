"""The content expectations of web pages, markup, plain text and data files."""

# The phrases are Cyrillic, Greek and typographic quotes on purpose: ruff's look-alike check
# (RUF001) would have them rewritten as the Latin letters they resemble.
# ruff: noqa: RUF001

from __future__ import annotations

from bench.expectations.paths import SF, UDHR_EN, UDHR_ES, UDHR_ES_ACCENTS, UL, U

EXPECTATIONS: list[tuple[str, list[str], list[str]]] = [
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

"""The content expectations of Office, OpenDocument, EPUB and e-mail files."""

# The phrases are Cyrillic, Greek and typographic quotes on purpose: ruff's look-alike check
# (RUF001) would have them rewritten as the Latin letters they resemble.

from __future__ import annotations

from bench.expectations.paths import DX, SF, UDHR_EN, UDHR_ES, UDHR_ES_ACCENTS, UE, UL, U

EXPECTATIONS: list[tuple[str, list[str], list[str]]] = [
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
]

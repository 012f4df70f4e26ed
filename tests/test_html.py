"""A saved web page reads as its article: no navigation, sidebars, footers, buttons or language
lists by default (all visible text on request), hidden elements dropped, one tab between table
cells, and no soft hyphens or zero-width characters in any format's text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.html_cases import ARTICLE, HIDDEN, PAGE, PAGES, PageCase
from workers.document import process_document
from workers.extract import extract

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "tidal.html"
    path.write_text(PAGE.format(*ARTICLE).replace("\n  ", " "), encoding="utf-8")
    return path


def _flat(text: str) -> str:
    """Lines with their runs of spaces collapsed, as a reader would compare them."""
    return "\n".join(" ".join(line.split(" ")).strip() for line in text.split("\n"))


@pytest.mark.parametrize("case", PAGES, ids=[case.name for case in PAGES])
def test_main_content_only(tmp_path: Path, case: PageCase) -> None:
    path = tmp_path / case.name
    path.write_text(case.html, encoding="utf-8")
    text = extract(str(path))["text"]
    for passage in case.keep:
        assert passage in text, passage
    lines = set(text.splitlines())
    for chrome in [*case.drop, "function("]:
        # Short words ("hide", "History") are judged as whole lines, longer ones anywhere.
        assert (chrome not in lines) if len(chrome) < 8 else (chrome not in text), chrome


def test_title(page: Path) -> None:
    assert extract(str(page))["metadata"]["title"] == "Tidal energy - Example Encyclopedia"


def test_whole_page_on_request_still_without_hidden_text(page: Path) -> None:
    text = extract(str(page), html_main_content=False)["text"]
    for passage in ARTICLE:
        assert passage in text, passage
    for chrome in ("Random article", "move to sidebar", "Deutsch", "Privacy policy"):
        assert chrome in text, chrome
    for hidden in [*HIDDEN, "function("]:
        assert hidden not in text, hidden


def test_the_setting_reaches_process_document(page: Path, tmp_path: Path) -> None:
    main = process_document(str(page), outbox=str(tmp_path / "a"))
    whole = process_document(str(page), outbox=str(tmp_path / "b"), html_main_content=False)
    assert "Privacy policy" not in main["text"] and "Privacy policy" in whole["text"]


def test_one_tab_between_cells() -> None:
    from workers.formats.markup import html_to_text

    html = (
        "<table>\n <tr>\n  <td> a </td>\n  <td>b</td>\n  <td>c</td>\n </tr>\n"
        " <tr><td></td><td>e</td><td></td></tr>\n <tr><th>f</th></tr>\n</table>"
    )
    assert html_to_text(html, [])[0] == "a\tb\tc\n\te\nf"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("note.txt", "co\u00adope\u00adrate with zero\u200bwidth and joined\u2060words\ufeff."),
        ("note.md", "# co\u00adope\u00adrate\n\nzero\u200bwidth and joined\u2060words\ufeff."),
        ("table.csv", "word,note\nco\u00adope\u00adrate,zero\u200bwidth\n"),
    ],
)
def test_invisible_characters_gone_from_every_format(tmp_path: Path, name: str, data: str) -> None:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    text = extract(str(path))["text"]
    assert "cooperate" in text and "zerowidth" in text
    assert not set(text) & set("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def test_invisible_characters_gone_from_chunks_and_pages(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("<p>Ran&shy;ce power sta&#8203;tion</p>" * 3, encoding="utf-8")
    reply = process_document(str(path), outbox=str(tmp_path / "out"))
    rows = Path(reply["chunks_path"]).read_text(encoding="utf-8").splitlines()
    assert "Rance power station" in json.loads(rows[0])["page_content"]
    assert "\u00ad" not in reply["text"] and "\u200b" not in reply["text"]


CORPUS_PAGES = [
    # (file, phrases of its main content, boilerplate that must not be there)
    # Too short to have chrome worth removing: kept whole, with its structure.
    ("fake-html-with-footer-and-header.html", ["My First Heading\n\nMy first paragraph."], []),
    (
        "fake-html.html",
        ["My Second Heading", "With sub-bullets!", "Row 2, Cell 1\tRow 2, Cell 2"],
        [],
    ),
    (
        "example-with-scripts.html",
        ["Russian Offensive Campaign Assessment", "Russian forces continued"],
        ["Skip to main content", "function("],
    ),
    ("ideas-page.html", ["January 2023"], []),
]


@pytest.mark.parametrize(("name", "phrases", "absent"), CORPUS_PAGES)
def test_corpus_pages(corpus: Path, name: str, phrases: list[str], absent: list[str]) -> None:
    path = corpus / "Unstructured-IO__unstructured" / "example-docs" / name
    text = extract(str(path))["text"]
    assert text.strip()
    for phrase in phrases:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase


def test_xhtml_with_an_xml_declaration(tmp_path: Path) -> None:
    path = tmp_path / "page.xhtml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>T</title></head><body>'
        '<p>Seen text.</p><p hidden="hidden">Hidden text.</p></body></html>',
        encoding="utf-8",
    )
    assert extract(str(path))["text"] == "Seen text."


def test_a_hidden_body_is_still_read(tmp_path: Path) -> None:
    # Saved before its scripts ran: an anti-flicker snippet hides the body, a modal marks the
    # page aria-hidden. The text is the page's all the same.
    path = tmp_path / "page.html"
    path.write_text(
        '<html><body style="display:none" aria-hidden="true"><p>Body text.</p>'
        '<p style="display:none">Hidden text.</p></body></html>',
        encoding="utf-8",
    )
    assert extract(str(path))["text"] == "Body text."


def test_a_very_large_page_is_kept_whole_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.formats import webpage

    monkeypatch.setattr(webpage, "MAX_MAIN_ELEMENTS", 1000)  # not to build 50,000 elements
    rows = "".join(f"<tr><td>row {n}</td><td>{n * n}</td></tr>" for n in range(4000))
    path = tmp_path / "big.html"
    path.write_text(f"<html><body><nav><a href='/'>Home</a></nav><table>{rows}</table></body>")
    result = extract(str(path))
    assert "row 3999\t15992001" in result["text"] and "Home" in result["text"]
    assert any("elements: its whole visible text is kept" in w for w in result["warnings"])


@pytest.mark.parametrize("main_content", [True, False])
def test_an_image_says_its_alt_text_where_it_stands(tmp_path: Path, main_content: bool) -> None:
    story = " ".join(["The river rose all night and the town watched it from the bridge."] * 6)
    page = tmp_path / "image.html"
    page.write_text(
        "<html><body><nav><a href='/'>Home</a></nav><article><h1>Flood</h1>"
        f"<p>{story}</p><p>Before <img src='map.png' alt='Map of the  flooded streets'> after."
        "<img src='spacer.gif' alt=''></p></article></body></html>"
    )
    text = extract(str(page), html_main_content=main_content)["text"]
    assert "Before [image: Map of the flooded streets] after." in text
    assert "[image: ]" not in text  # a decorative image (empty alt) says nothing


def test_a_short_page_loses_its_own_navigation_and_footer(tmp_path: Path) -> None:
    page = tmp_path / "short.html"
    page.write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/about'>About us</a></nav>"
        "<main><h1>Opening hours</h1><p>Monday to Friday, nine to five.</p>"
        "<footer>Updated in May</footer></main><footer>© Example Town Library</footer>"
        "</body></html>"
    )
    text = extract(str(page))["text"]
    assert "Opening hours" in text and "Monday to Friday, nine to five." in text
    assert "Updated in May" in text  # the main content's own footer stays
    assert "About us" not in text and "Example Town Library" not in text
    whole = extract(str(page), html_main_content=False)["text"]
    assert "About us" in whole and "Example Town Library" in whole


def test_formulas_read_as_latex(tmp_path: Path) -> None:
    # Wikipedia hides its MathML (display: none, for screen readers) and shows a picture
    # marked aria-hidden whose alt text is the TeX: the formula vanished from the text.
    wikipedia = (
        '<span class="mwe-math-element"><span class="mwe-math-mathml-inline" '
        'style="display: none;"><math alttext="{\\displaystyle E=mc^{2}}"><mi>E</mi><mo>=</mo>'
        "<mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></math></span>"
        '<img class="mwe-math-fallback-image-inline" aria-hidden="true" '
        'src="e.svg" alt="{\\displaystyle E=mc^{2}}"></span>'
    )
    annotated = (
        '<math><semantics><mrow><mi>a</mi></mrow><annotation encoding="application/x-tex">'
        "\\frac{a}{b}</annotation></semantics></math>"
    )
    plain = "<math><mfrac><mi>x</mi><msup><mi>y</mi><mn>2</mn></msup></mfrac></math>"
    page = tmp_path / "physics.html"
    page.write_text(
        f"<html><body><p>The formula is {wikipedia}, where E is energy.</p>"
        f"<p>A ratio {annotated} and a sum {plain}.</p></body></html>",
        encoding="utf-8",
    )
    assert extract(str(page))["text"].splitlines() == [
        "The formula is $E=mc^{2}$, where E is energy.",
        "",
        "A ratio $\\frac{a}{b}$ and a sum $\\frac{x}{y^{2}}$.",
    ]

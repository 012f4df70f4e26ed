"""A saved web page reads as its article: no navigation, sidebars, footers, buttons or language
lists by default (all visible text on request), hidden elements dropped, one tab between table
cells, and no soft hyphens or zero-width characters in any format's text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workers.document import process_document
from workers.extract import extract

pytestmark = pytest.mark.timeout(60)

ARTICLE = [
    "Tidal energy is a form of hydropower that converts the energy obtained from tides into "
    "useful forms of power, mainly electricity.",
    "Historically, tide mills have been used both in Europe and on the Atlantic coast of North "
    "America.",
    "Tidal stream generators make use of the kinetic energy of moving water to power turbines.",
    "Station\tCountry\tCapacity (MW)\nSihwa Lake\tSouth Korea\t254\nLa Rance\t\t240",
    "The first large-scale tidal power plant was the Rance Tidal Power Station in France, which "
    "became operational in 1966.",
]
CHROME = [
    "Random article", "Contact us", "move to sidebar", "What links here", "Related changes",
    "Deutsch", "Français", "Русский", "日本語", "Privacy policy", "last edited on",
    "Cookie statement",
]  # fmt: skip
HIDDEN = ["hidden paragraph", "display none block", "aria hidden text", "invisible words"]
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Tidal energy - Example Encyclopedia</title>
<style>.hide {{ color: red }}</style><script>var tracking = "function(";</script></head>
<body>
<header class="site-header"><a href="/">Example Encyclopedia</a>
 <nav class="main-nav"><ul><li><a href="/">Main page</a></li>
  <li><a href="/random">Random article</a></li><li><a href="/contact">Contact us</a></li></ul>
 </nav>
 <form role="search"><input name="q" placeholder="Search"><button>Search</button></form>
</header>
<div class="page">
 <aside id="sidebar" class="sidebar">
  <div class="vector-pinnable-header"><button>move to sidebar</button><button>hide</button></div>
  <h2>Tools</h2><ul><li><a href="#">What links here</a></li>
  <li><a href="#">Related changes</a></li></ul>
 </aside>
 <main id="content"><article>
  <h1>Tidal energy</h1>
  <p>{0} Although not yet widely used, tidal energy has the potential for future electricity
  generation because tides are more predictable than wind and sunlight.</p>
  <p>{1} The incoming water was contained in large storage ponds, and as the tide went out, it
  turned waterwheels that used the mechanical power to mill grain.</p>
  <h2>Generating methods</h2>
  <p>{2} Some tidal generators can be built into the structures of existing bridges or are
  entirely submerged, and they need no dam across an estuary.</p>
  <p hidden>A hidden paragraph that no reader sees.</p>
  <div style="color: red; display : none">A display none block of text.</div>
  <span aria-hidden="true">Some aria hidden text.</span>
  <p>The table lists <span style="visibility:hidden">invisible words</span>stations.</p>
  <table>
   <tr><th>Station</th><th>Country</th><th>Capacity (MW)</th></tr>
   <tr><td>Sihwa Lake</td><td> South Korea </td><td>254</td></tr>
   <tr><td>La Rance</td><td></td><td>240</td></tr>
  </table>
  <p>The first large-scale tidal power plant was the Ran&shy;ce Tidal Power Sta\u00adtion in
  France, which be&#8203;came opera\u200dtional in 19\u206066.</p>
 </article></main>
</div>
<div class="languages"><h3>Languages</h3><ul><li><a lang="de" href="#">Deutsch</a></li>
<li><a lang="fr" href="#">Français</a></li><li><a lang="ru" href="#">Русский</a></li>
<li><a lang="ja" href="#">日本語</a></li></ul></div>
<footer class="site-footer"><p>This page was last edited on 3 November 2026.</p>
<ul><li><a href="#">Privacy policy</a></li><li><a href="#">Cookie statement</a></li></ul></footer>
</body></html>
"""


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "tidal.html"
    path.write_text(PAGE.format(*ARTICLE).replace("\n  ", " "), encoding="utf-8")
    return path


def _flat(text: str) -> str:
    """Lines with their runs of spaces collapsed, as a reader would compare them."""
    return "\n".join(" ".join(line.split(" ")).strip() for line in text.split("\n"))


def test_main_content_only(page: Path) -> None:
    result = extract(str(page))
    text = " ".join(result["text"].split(" "))
    assert result["metadata"]["title"] == "Tidal energy - Example Encyclopedia"
    for passage in ARTICLE:
        assert passage in text, passage
    for chrome in [*CHROME, *HIDDEN, "function("]:
        assert chrome not in text, chrome


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
    assert "Rance power station" in json.loads(rows[0])["text"]
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

# ruff: noqa: E501  (a saved page: its markup as the site writes it)
"""Saved web pages written for the tests, each with the passages its main content must keep and
the chrome (navigation, sidebars, buttons, language lists, footers) and hidden text it must
not: tests/test_html.py checks them, and a fidelity benchmark may reuse PAGES."""

from __future__ import annotations

from typing import NamedTuple


class PageCase(NamedTuple):
    name: str
    html: str
    keep: list[str]  # passages of the main content, as the text must have them
    drop: list[str]  # chrome and hidden text


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


WIKI_KEEP = [
    "Lighthouse\n\nA lighthouse is a tower, building, or other type of physical structure",
    "Lighthouses mark dangerous coastlines, hazardous shoals, reefs, rocks, and safe entries",
    "History",
    "Before the development of clearly defined ports, mariners were guided by fires",
    "Lighthouse\tCountry\tHeight (m)\nJeddah Light\tSaudi Arabia\t133\nÎle Vierge\tFrance\t82.5",
    "The Fresnel lens, invented in 1822, made it possible to collect and focus the light",
]
WIKI_DROP = [
    "Jump to content", "Main menu", "move to sidebar", "hide", "Random article", "Contact us",
    "Search Wikipedia", "Create account", "Log in", "(Top)", "98 languages", "Afrikaans",
    "العربية", "Deutsch", "Français", "日本語", "Русский", "Edit links", "View history",
    "What links here", "Permanent link", "Cite this page", "Privacy policy", "Cookie statement",
    "last edited on", "Mobile view",
]  # fmt: skip
# A page laid out as Wikipedia's 2022 skin lays out an article: menus that move to the sidebar,
# a table of contents, a language list and page tools around the body, a footer below.
WIKI = """<!DOCTYPE html>
<html class="client-nojs vector-feature-language-in-header-enabled" lang="en" dir="ltr">
<head><meta charset="UTF-8"><title>Lighthouse - Wikipedia</title></head>
<body class="skin-vector skin-vector-2022 mediawiki">
<a class="mw-jump-link" href="#bodyContent">Jump to content</a>
<div class="vector-header-container"><header class="vector-header mw-header">
<div class="vector-header-start"><nav class="vector-main-menu-landmark" aria-label="Site">
<div id="vector-main-menu-dropdown" class="vector-dropdown"><label class="vector-dropdown-label"><span>Main menu</span></label>
<div class="vector-dropdown-content"><div id="vector-main-menu" class="vector-main-menu vector-pinnable-element">
<div class="vector-pinnable-header vector-main-menu-pinnable-header"><div class="vector-pinnable-header-label">Main menu</div>
<button class="vector-pinnable-header-toggle-button vector-pinnable-header-pin-button">move to sidebar</button>
<button class="vector-pinnable-header-toggle-button vector-pinnable-header-unpin-button">hide</button></div>
<div id="p-navigation" class="vector-menu mw-portlet"><div class="vector-menu-heading">Navigation</div><div class="vector-menu-content"><ul class="vector-menu-content-list">
<li id="n-mainpage-description"><a href="/wiki/Main_Page"><span>Main page</span></a></li><li id="n-contents"><a href="/wiki/Contents"><span>Contents</span></a></li>
<li id="n-currentevents"><a href="/wiki/Current_events"><span>Current events</span></a></li><li id="n-randompage"><a href="/wiki/Random"><span>Random article</span></a></li>
<li id="n-aboutsite"><a href="/wiki/About"><span>About Wikipedia</span></a></li><li id="n-contactpage"><a href="/wiki/Contact_us"><span>Contact us</span></a></li></ul></div></div>
</div></div></div></nav>
<a href="/wiki/Main_Page" class="mw-logo"><span class="mw-logo-container">The Free Encyclopedia</span></a></div>
<div class="vector-header-end"><div id="p-search" role="search" class="vector-search-box"><form action="/w/index.php" id="searchform"><input type="search" name="search" placeholder="Search Wikipedia"><button>Search</button></form></div>
<nav class="vector-user-links" aria-label="Personal tools"><ul><li><a href="/donate">Donate</a></li><li><a href="/create">Create account</a></li><li><a href="/login">Log in</a></li></ul></nav></div>
</header></div>
<div class="mw-page-container"><div class="mw-page-container-inner">
<div class="vector-column-start"><div class="vector-main-menu-container"></div>
<nav id="mw-panel-toc" aria-label="Contents" class="vector-toc-landmark"><div id="vector-toc-pinned-container" class="vector-pinned-container">
<div id="vector-toc" class="vector-toc vector-pinnable-element"><div class="vector-pinnable-header vector-toc-pinnable-header vector-pinnable-header-pinned">
<h2 class="vector-pinnable-header-label">Contents</h2><button class="vector-pinnable-header-toggle-button vector-pinnable-header-pin-button">move to sidebar</button>
<button class="vector-pinnable-header-toggle-button vector-pinnable-header-unpin-button">hide</button></div>
<ul class="vector-toc-contents" id="mw-panel-toc-list"><li><a href="#"><div class="vector-toc-text">(Top)</div></a></li>
<li><a href="#History"><div class="vector-toc-text"><span class="vector-toc-numb">1</span><span>History</span></div></a></li>
<li><a href="#Lens"><div class="vector-toc-text"><span class="vector-toc-numb">2</span><span>Lens and light source</span></div></a></li></ul></div></div></nav></div>
<div class="mw-content-container"><main id="content" class="mw-body">
<header class="mw-body-header vector-page-titlebar"><h1 id="firstHeading" class="firstHeading mw-first-heading"><span class="mw-page-title-main">Lighthouse</span></h1>
<div id="p-lang-btn" class="vector-dropdown mw-portlet mw-portlet-lang"><input type="checkbox" id="p-lang-btn-checkbox" aria-label="Go to an article in another language. Available in 98 languages">
<label id="p-lang-btn-label" for="p-lang-btn-checkbox" class="vector-dropdown-label"><span class="vector-dropdown-label-text">98 languages</span></label>
<div class="vector-dropdown-content"><div class="vector-menu-content"><ul class="vector-menu-content-list">
<li class="interlanguage-link interwiki-af"><a href="https://af.wikipedia.org/wiki/Vuurtoring" lang="af" hreflang="af" class="interlanguage-link-target"><span>Afrikaans</span></a></li>
<li class="interlanguage-link interwiki-ar"><a href="https://ar.wikipedia.org/wiki/x" lang="ar" class="interlanguage-link-target"><span>العربية</span></a></li>
<li class="interlanguage-link interwiki-de"><a href="https://de.wikipedia.org/wiki/Leuchtturm" lang="de" class="interlanguage-link-target"><span>Deutsch</span></a></li>
<li class="interlanguage-link interwiki-fr"><a href="https://fr.wikipedia.org/wiki/Phare" lang="fr" class="interlanguage-link-target"><span>Français</span></a></li>
<li class="interlanguage-link interwiki-ja"><a href="https://ja.wikipedia.org/wiki/x" lang="ja" class="interlanguage-link-target"><span>日本語</span></a></li>
<li class="interlanguage-link interwiki-ru"><a href="https://ru.wikipedia.org/wiki/x" lang="ru" class="interlanguage-link-target"><span>Русский</span></a></li></ul>
<div class="after-portlet after-portlet-lang"><span class="wb-langlinks-edit wb-langlinks-link"><a href="#" class="wbc-editpage">Edit links</a></span></div></div></div></div></header>
<div class="vector-page-toolbar"><div class="vector-page-toolbar-container"><div id="left-navigation"><nav aria-label="Namespaces"><ul><li class="selected"><a href="/wiki/Lighthouse"><span>Article</span></a></li><li><a href="/wiki/Talk:Lighthouse"><span>Talk</span></a></li></ul></nav></div>
<div id="right-navigation"><nav aria-label="Views"><ul><li class="selected"><a href="#"><span>Read</span></a></li><li><a href="#"><span>Edit</span></a></li><li><a href="#"><span>View history</span></a></li></ul></nav>
<nav class="vector-page-tools-landmark" aria-label="Page tools"><div id="vector-page-tools-dropdown" class="vector-dropdown"><label class="vector-dropdown-label"><span>Tools</span></label>
<div class="vector-dropdown-content"><div id="vector-page-tools" class="vector-page-tools vector-pinnable-element"><div class="vector-pinnable-header"><div class="vector-pinnable-header-label">Tools</div>
<button class="vector-pinnable-header-toggle-button vector-pinnable-header-pin-button">move to sidebar</button><button class="vector-pinnable-header-toggle-button vector-pinnable-header-unpin-button">hide</button></div>
<div class="vector-menu-heading">Actions</div><ul><li><a href="#">What links here</a></li><li><a href="#">Related changes</a></li><li><a href="#">Upload file</a></li><li><a href="#">Permanent link</a></li><li><a href="#">Cite this page</a></li></ul></div></div></div></nav></div></div></div>
<div id="bodyContent" class="vector-body" aria-labelledby="firstHeading"><div id="siteSub" class="noprint">From Wikipedia, the free encyclopedia</div>
<div id="mw-content-text" class="mw-body-content"><div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">
<div role="note" class="hatnote navigation-not-searchable">For other uses, see <a href="#">Lighthouse (disambiguation)</a>.</div>
<p>A <b>lighthouse</b> is a tower, building, or other type of physical structure designed to emit light from a system of lamps and lenses and to serve as a beacon for navigational aid for maritime pilots at sea or on inland waterways.</p>
<p>Lighthouses mark dangerous coastlines, hazardous shoals, reefs, rocks, and safe entries to harbors; they also assist in aerial navigation. Once widely used, the number of operational lighthouses has declined due to the expense of maintenance and the use of modern electronic navigational systems.</p>
<div class="mw-heading mw-heading2"><h2 id="History">History</h2><span class="mw-editsection"><span class="mw-editsection-bracket">[</span><a href="#">edit</a><span class="mw-editsection-bracket">]</span></span></div>
<p>Before the development of clearly defined ports, mariners were guided by fires built on hilltops. Since elevating the fire would improve visibility, placing the fire on a platform became a practice that led to the development of the lighthouse.</p>
<table class="wikitable"><tbody><tr><th>Lighthouse</th><th>Country</th><th>Height (m)</th></tr><tr><td>Jeddah Light</td><td>Saudi Arabia</td><td>133</td></tr><tr><td>Île Vierge</td><td>France</td><td>82.5</td></tr></tbody></table>
<div class="mw-heading mw-heading2"><h2 id="Lens">Lens and light source</h2></div>
<p>The Fresnel lens, invented in 1822, made it possible to collect and focus the light of a lamp into a narrow beam that could be seen at much greater distances.</p>
<div class="navbox" role="navigation"><table class="nowraplinks"><tr><th>Navigational aids</th><td><ul><li><a href="#">Beacon</a></li><li><a href="#">Buoy</a></li><li><a href="#">Daymark</a></li><li><a href="#">Lightvessel</a></li></ul></td></tr></table></div>
</div></div>
<div id="catlinks" class="catlinks" data-mw="interface"><div id="mw-normal-catlinks" class="mw-normal-catlinks"><a href="/wiki/Help:Category">Categories</a>: <ul><li><a href="#">Lighthouses</a></li><li><a href="#">Coastal construction</a></li></ul></div></div>
</div></main></div>
<div class="mw-footer-container"><footer id="footer" class="mw-footer"><ul id="footer-info"><li id="footer-info-lastmod"> This page was last edited on 1 November 2026, at 10:00<span class="anonymous-show">&#160;(UTC)</span>.</li>
<li id="footer-info-copyright">Text is available under the <a href="#">Creative Commons Attribution-ShareAlike 4.0 License</a>; additional terms may apply.</li></ul>
<ul id="footer-places"><li><a href="#">Privacy policy</a></li><li><a href="#">About Wikipedia</a></li><li><a href="#">Disclaimers</a></li><li><a href="#">Contact Wikipedia</a></li><li><a href="#">Code of Conduct</a></li><li><a href="#">Developers</a></li><li><a href="#">Statistics</a></li><li><a href="#">Cookie statement</a></li><li><a href="#">Mobile view</a></li></ul></footer></div>
</div></div></body></html>
"""

TABLE_KEEP = [
    "Grade S355J2: structural steel for welded and bolted constructions",
    "C\tSi\tMn\tP\tS\nmax 0.20\tmax 0.55\tmax 1.60\tmax 0.025\tmax 0.025",
    "The designation follows EN 10027-1; the grade is not protected by copyright and may be "
    "quoted freely in specifications.",
    "Yield strength falls with the thickness of the product",
]
TABLE_DROP = [
    "Was this page helpful? Please share it.",
    "Tweet",
    "Share",
    "SteelSearch: free database of steel grades",
    "All rights reserved",
    "may not be copied",
]
# A data sheet laid out as many catalogues still are: tables and <center>, nothing named as a
# footer or a share bar. A line asks for shares above a bar of share buttons, and the site's
# legal notice closes the page.
TABLE_LAYOUT = """<html><head><meta charset="utf-8"><title>S355J2 data sheet</title></head>
<body bgcolor="#ffffff"><center><table width="780" border="0"><tr><td>
<table width="100%"><tr><td><a href="/">Home</a> &gt; <a href="/grades">Grades</a> &gt; S355J2</td></tr></table>
<h1>Grade S355J2: structural steel for welded and bolted constructions</h1>
<p>S355J2 is a non-alloy structural steel with a minimum yield strength of 355 MPa for
products up to 16 mm thick, and guaranteed impact energy at minus twenty degrees.</p>
<p>The designation follows EN 10027-1; the grade is not protected by copyright and may be
quoted freely in specifications. Yield strength falls with the thickness of the product, as
the table of mechanical properties below shows for each range of thickness.</p>
<center><b>Chemical composition</b></center>
<table border="1"><tr><td>C</td><td>Si</td><td>Mn</td><td>P</td><td>S</td></tr>
<tr><td>max 0.20</td><td>max 0.55</td><td>max 1.60</td><td>max 0.025</td><td>max 0.025</td></tr></table>
<p>Thicker plates are normalised or delivered as rolled; the chemical composition above
applies to the ladle analysis, and the product analysis may exceed it slightly.</p>
<center><br><br><font class="text1"><b>Was this page helpful? &nbsp; Please share it.</b></font></center>
<table border="0" align="center"><tr align="center"><td><a href="https://twitter.com/share?ref_src=twsrc" class="twitter-share-button">Tweet</a>
<script async src="https://platform.twitter.com/widgets.js"></script></td>
<td><div class="fb-share-button"><a target="_blank" href="https://www.facebook.com/sharer/sharer.php?u=x">Share</a></div></td></tr></table>
</td></tr></table>
<table width="100%" bgcolor="#5F9EA0"><tr><td align="center"><b><a href="/">SteelSearch:</a></b>
&nbsp; free database of steel grades &nbsp; &copy; 2018-2026 &nbsp; All rights reserved.<br>
The contents may not be copied.</td></tr></table></center>
<script>var counter = 1;</script>
</body></html>
"""

PAGES = (
    PageCase("tidal.html", PAGE.format(*ARTICLE).replace("\n  ", " "), ARTICLE, [*CHROME, *HIDDEN]),
    PageCase("lighthouse.html", WIKI, WIKI_KEEP, WIKI_DROP),
    PageCase("datasheet.html", TABLE_LAYOUT, TABLE_KEEP, TABLE_DROP),
)

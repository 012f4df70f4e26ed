"""News feeds (RSS 2.0, RSS 1.0/RDF, Atom) read as documents, and HTML inside generic XML read
as text; every feed is written here."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from docmill.protocol import ErrorType
from workers.document import build_record
from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

# What WordPress writes: the article in content:encoded, its truncation in description, both
# HTML in CDATA with character references, and a link back to the post.
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Example Blog</title>
  <atom:link href="https://example.com/feed/" rel="self" type="application/rss+xml"/>
  <link>https://example.com</link>
  <description>Notes on machines &amp; people</description>
  <managingEditor>editor@example.com (Ed Itor)</managingEditor>
  <lastBuildDate>Mon, 06 Sep 2021 18:00:00 +0200</lastBuildDate>
  <generator>https://wordpress.org/?v=5.8</generator>
  <item>
    <title>That was quick</title>
    <link>https://example.com/2021/09/quick/</link>
    <dc:creator><![CDATA[Jane Doe]]></dc:creator>
    <pubDate>Mon, 06 Sep 2021 16:45:00 +0000</pubDate>
    <guid isPermaLink="false">https://example.com/?p=123</guid>
    <description><![CDATA[<p>Well, that was quick. In the case of AI &#8230;</p>
<p>The post <a href="https://example.com/2021/09/quick/">That was quick</a> appeared first.</p>
]]></description>
    <content:encoded><![CDATA[<p>Well, that was quick. In the case of AI the answer came
in a week.</p>
<p>Read on: <a href="x">More</a> &#8220;soon&#8221;.</p>]]></content:encoded>
  </item>
  <item>
    <title>Tom &amp;amp; Jerry</title>
    <guid>https://example.com/2021/09/tom/</guid>
    <description>&lt;p&gt;Only a &lt;b&gt;summary&lt;/b&gt; here &amp;#8230;&lt;/p&gt;</description>
  </item>
</channel>
</rss>
"""
RSS_TEXT = """Example Blog
Notes on machines & people

That was quick
By Jane Doe · Mon, 06 Sep 2021 16:45:00 +0000 · https://example.com/2021/09/quick/
Well, that was quick. In the case of AI the answer came in a week.

Read on: More “soon”.

Tom & Jerry
https://example.com/2021/09/tom/
Only a summary here …"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title type="html">Dive &lt;em&gt;into&lt;/em&gt; mark</title>
  <subtitle>A lot of effort went into making this effortless</subtitle>
  <updated>2005-07-31T12:29:29Z</updated>
  <id>tag:example.org,2003:3</id>
  <author><name>Mark Pilgrim</name></author>
  <entry>
    <title>Atom draft-07 snapshot</title>
    <link rel="enclosure" type="audio/mpeg" href="http://example.org/audio/cast.mp3"/>
    <link rel="alternate" type="text/html" href="http://example.org/2005/04/02/atom"/>
    <id>tag:example.org,2003:3.2397</id>
    <updated>2005-07-31T12:29:29Z</updated>
    <published>2003-12-13T08:29:29-04:00</published>
    <author><name>Mark Pilgrim</name></author>
    <summary>The draft is finished &#8230;</summary>
    <content type="html">&lt;p&gt;&lt;i&gt;[Update: The Atom draft is finished.]&lt;/i&gt;&lt;/p&gt;
      &lt;p&gt;Second &amp;amp; last &amp;#8230;&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Written in XHTML</title>
    <link href="http://example.org/xhtml"/>
    <id>tag:example.org,2003:3.2398</id>
    <updated>2005-08-01T00:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>One <b>bold</b>
      word.</p><p hidden="hidden">Not shown.</p><p>Two.</p></div></content>
  </entry>
  <entry>
    <title>Only a summary</title>
    <id>tag:example.org,2003:3.2399</id>
    <updated>2005-08-02T00:00:00Z</updated>
    <summary type="html">&lt;p&gt;Short &amp;amp; sweet.&lt;/p&gt;</summary>
  </entry>
</feed>
"""
ATOM_TEXT = """Dive into mark
A lot of effort went into making this effortless

Atom draft-07 snapshot
By Mark Pilgrim · 2003-12-13T08:29:29-04:00 · http://example.org/2005/04/02/atom
[Update: The Atom draft is finished.]

Second & last …

Written in XHTML
2005-08-01T00:00:00Z · http://example.org/xhtml
One bold word.

Two.

Only a summary
2005-08-02T00:00:00Z
Short & sweet."""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://www.xml.com/xml/news.rss">
    <title>XML.com</title>
    <link>http://xml.com/pub</link>
    <description>News and features for the XML community.</description>
    <dc:date>2000-08-09T12:00:00+02:00</dc:date>
    <items><rdf:Seq><rdf:li resource="http://xml.com/pub/2000/08/09/xslt/xslt.html"/>
    </rdf:Seq></items>
  </channel>
  <item rdf:about="http://xml.com/pub/2000/08/09/xslt/xslt.html">
    <title>Processing Inclusions with XSLT</title>
    <link>http://xml.com/pub/2000/08/09/xslt/xslt.html</link>
    <description>Processing document inclusions with general XML tools can be
    problematic.</description>
    <dc:creator>Bob DuCharme</dc:creator>
    <dc:date>2000-08-09</dc:date>
  </item>
</rdf:RDF>
"""
RDF_TEXT = """XML.com
News and features for the XML community.

Processing Inclusions with XSLT
By Bob DuCharme · 2000-08-09 · http://xml.com/pub/2000/08/09/xslt/xslt.html
Processing document inclusions with general XML tools can be
problematic."""


def _write(tmp_path: Path, name: str, data: str) -> str:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    return str(path)


def _sections(result: dict) -> list[tuple[int, str]]:
    text = result["text"]
    found = [(level, title) for _, level, title in result["structure"]["sections"]]
    # Each section starts at its title's line.
    for start, _, title in result["structure"]["sections"]:
        assert text[start:].split("\n", 1)[0] == title
    return found


def test_rss_items_read_as_sections_with_the_content_not_the_summary(tmp_path: Path) -> None:
    result = extract(_write(tmp_path, "blog.xml", RSS))
    assert (result["kind"], result["mime"]) == ("rss", "application/rss+xml")
    assert result["text"] == RSS_TEXT
    for markup in ("<p>", "&#8230;", "&amp;", "<a ", "appeared first"):
        assert markup not in result["text"]
    assert _sections(result) == [(0, "Example Blog"), (1, "That was quick"), (1, "Tom & Jerry")]
    meta = result["metadata"]
    assert meta["title"] == "Example Blog"
    assert meta["author"] == "editor@example.com (Ed Itor)"
    assert meta["modified"] == "2021-09-06T16:00:00+00:00"
    assert meta["producer"] == "https://wordpress.org/?v=5.8"


def test_a_chunk_holds_one_item_and_names_it(tmp_path: Path) -> None:
    record = build_record(_write(tmp_path, "blog.rss", RSS), chunk_size=1000, chunk_overlap=0)
    assert [c["section"] for c in record["chunks"]] == [
        "Example Blog",
        "Example Blog > That was quick",
        "Example Blog > Tom & Jerry",
    ]
    assert record["chunks"][2]["text"].startswith("Tom & Jerry\nhttps://example.com/2021/09/tom/")


def test_atom_html_and_xhtml_content_read_as_text(tmp_path: Path) -> None:
    result = extract(_write(tmp_path, "mark.atom", ATOM))
    assert (result["kind"], result["mime"]) == ("atom", "application/atom+xml")
    assert result["text"] == ATOM_TEXT
    assert "The draft is finished …" not in result["text"]  # the summary of a full content
    assert _sections(result) == [
        (0, "Dive into mark"),
        (1, "Atom draft-07 snapshot"),
        (1, "Written in XHTML"),
        (1, "Only a summary"),
    ]
    meta = result["metadata"]
    assert (meta["title"], meta["author"]) == ("Dive into mark", "Mark Pilgrim")
    assert meta["modified"] == "2005-07-31T12:29:29+00:00"


def test_rss_1_rdf(tmp_path: Path) -> None:
    result = extract(_write(tmp_path, "news.rdf", RDF))
    assert result["kind"] == "rss"
    assert result["text"] == RDF_TEXT
    assert _sections(result) == [(0, "XML.com"), (1, "Processing Inclusions with XSLT")]
    assert result["metadata"]["title"] == "XML.com"
    assert result["metadata"]["modified"] == "2000-08-09T10:00:00+00:00"


def test_a_feed_is_told_by_its_root_whatever_its_name(tmp_path: Path) -> None:
    # No declaration, no extension, and an item's HTML naming <html> in the first kilobyte:
    # still a feed, not a web page nor a text file.
    data = RSS.split("\n", 1)[1].replace("<p>Well,", "<html><body><p>Well,", 1)
    result = extract(_write(tmp_path, "feed", data))
    assert result["kind"] == "rss"
    assert result["text"].startswith("Example Blog\nNotes on machines & people\n\nThat was quick")
    # A description that repeats the title is said once.
    same = data.replace("Notes on machines &amp; people", "Example Blog", 1)
    assert extract(_write(tmp_path, "same", same))["text"].startswith("Example Blog\n\nThat was")


def test_rss_091_dtd_entities_read_nothing_fetched_broken_feeds_malformed(tmp_path: Path) -> None:
    # A DTD and an entity on a port that listens here: had the parser fetched either, the
    # connection would be waiting when the parse returns.
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        feed = (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS '
            f'0.91//EN" "{url}/rss-0.91.dtd">\n<rss version="0.91"><channel><title>Caf&eacute;'
            "</title><description>Menu</description><item><title>Cr&egrave;me br&ucirc;l&eacute;e"
            "</title><description>Sweet.</description></item></channel></rss>"
        )
        result = extract(_write(tmp_path, "old.rss", feed))
        assert result["text"] == "Café\nMenu\n\nCrème brûlée\nSweet."
        external = f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{url}/x">]><rss><channel>&x;</channel></rss>'
        with pytest.raises(TaskError) as info:
            extract(_write(tmp_path, "external.rss", external))
        assert info.value.type is ErrorType.MALFORMED
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()
    # A broken feed is broken XML, with the same error.
    with pytest.raises(TaskError) as info:
        extract(_write(tmp_path, "broken.xml", RSS.replace("</item>", "", 1)))
    assert info.value.type is ErrorType.MALFORMED
    assert "unreadable XML" in str(info.value)


def test_html_fields_of_generic_xml_read_as_text(tmp_path: Path) -> None:
    export = (
        '<?xml version="1.0"?><export><page><name>About us</name>'
        "<body><![CDATA[<h2>Who we are</h2><p>A small team &amp; a dog&#8230;</p>]]></body>"
        "<teaser>Escaped &lt;b&gt;bold&lt;/b&gt; teaser</teaser>"
        "<rule>keep a &lt; b &amp;&amp; c &gt; d</rule>"
        "<sample><![CDATA[<config><port>80</port></config>]]></sample></page></export>"
    )
    result = extract(_write(tmp_path, "export.xml", export))
    assert result["kind"] == "xml"
    assert result["text"].split("\n") == [
        "About us",
        "Who we are",
        "A small team & a dog…",
        "Escaped bold teaser",
        "keep a < b && c > d",  # text that is not HTML stays as it is
        "<config><port>80</port></config>",  # and so does quoted XML
    ]

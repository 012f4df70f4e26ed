"""Web pages saved as one file (.mht, .mhtml): the page's HTML part read as an .html file is,
its images and styles left out. Files written here as Chrome and Internet Explorer write them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

PAGE = (
    "<html><head><title>Quarterly report =E2=80=93 Example</title></head><body>"
    "<nav><a href=3D'/'>Home</a> | <a href=3D'/about'>About</a></nav>"
    "<main><h1>Quarterly report</h1><p>Revenue rose by 12 percent, driven by the new=\n"
    " caf=C3=A9 line.</p><h2>Outlook</h2><p>We expect a calmer second half.</p></main>"
    "<footer>=C2=A9 2026 Example Inc. All rights reserved.</footer></body></html>"
)
CHROME = (
    "From: <Saved by Blink>\r\n"
    "Snapshot-Content-Location: https://example.com/report\r\n"
    "Subject: Quarterly report =?utf-8?Q?=E2=80=93?= Example\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/related; type="text/html"; boundary="----B"\r\n\r\n'
    "------B\r\n"
    "Content-Type: text/html\r\n"
    "Content-ID: <frame-1@mhtml.blink>\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "Content-Location: https://example.com/report\r\n\r\n"
    f"{PAGE}\r\n"
    "------B\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Location: https://example.com/logo.png\r\n\r\n"
    f"{base64.b64encode(b'not really a png').decode()}\r\n"
    "------B--\r\n"
)


def test_a_saved_web_page_reads_as_its_main_content(tmp_path: Path) -> None:
    path = tmp_path / "report.mhtml"
    path.write_text(CHROME, encoding="ascii", newline="")
    result = extract(str(path))
    assert (result["kind"], result["mime"]) == ("mht", "multipart/related")
    assert result["metadata"]["title"] == "Quarterly report \u2013 Example"
    text = result["text"]
    assert "Revenue rose by 12 percent, driven by the new café line." in text
    assert "Home" not in text and "All rights reserved" not in text
    assert "iVBOR" not in text and "not really" not in text
    sections = [(level, title) for _, level, title in result["structure"]["sections"]]
    assert sections == [(1, "Quarterly report"), (2, "Outlook")]
    # The whole page on request, as for an .html file.
    assert "All rights reserved" in extract(str(path), html_main_content=False)["text"]


def test_an_archive_without_a_page_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "empty.mht"
    path.write_text(CHROME.replace("text/html", "image/gif"), encoding="ascii", newline="")
    with pytest.raises(TaskError) as info:
        extract(str(path))
    assert info.value.type.value == "malformed"
    assert "without an HTML or text page" in info.value.message

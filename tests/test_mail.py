"""E-mail: a message's headers, body and attachments; messages inside messages
(message/rfc822 parts: forwarded as attachments, or a digest's parts) read after the body,
each under a marker with its headers. Inputs built here and by tests/documents/mail.py."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.documents import mail
from tests.documents.pdf import write_pdf
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)


def message(sender: str, subject: str, body: str, html: bool = False) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "team@example.org", subject
    mail["Date"] = "Tue, 01 Dec 2026 08:00:00 +0000"
    if html:
        mail.set_content(f"<html><body><p>{body}</p></body></html>", subtype="html")
    else:
        mail.set_content(body)
    return mail


def test_forwarded_message_is_read_after_the_body(tmp_path: Path) -> None:
    inner = message("Chair <chair@example.org>", "Minutes", "The board approved the budget.", True)
    inner.add_attachment(b"col\n1\n", maintype="text", subtype="csv", filename="votes.csv")
    outer = message("ann@example.org", "Fwd: Minutes", "See the minutes below.")
    outer.add_attachment(inner)  # message/rfc822, Content-Disposition: attachment
    path = tmp_path / "forward.eml"
    path.write_bytes(bytes(outer))
    result = extract(str(path))
    assert result["text"] == (
        "See the minutes below.\n\n"
        "[attached message]\n"
        "From: Chair <chair@example.org>\nTo: team@example.org\n"
        "Date: Tue, 01 Dec 2026 08:00:00 +0000\nSubject: Minutes\n\n"
        "The board approved the budget.\n\n"
        "[attachment: votes.csv]\ncol\n1"  # the forwarded message's attached file, read
    )
    attachments = result["metadata"]["attachments"]
    assert attachments[0]["content_type"] == "message/rfc822"
    assert attachments[0]["filename"] == "Minutes" and attachments[0]["size"] > 0
    assert [a["filename"] for a in attachments[1:]] == ["votes.csv"]
    assert result["metadata"]["title"] == "Fwd: Minutes"  # the outer message's headers


def test_digest_parts_and_nested_forwards_in_order(tmp_path: Path) -> None:
    first = message("eve@example.org", "First", "First digest entry.")
    nested = message("zed@example.org", "Original", "Said first.")
    second = message("frank@example.org", "Second", "Second digest entry.")
    second.make_mixed()
    second.attach(_as_part(nested))
    digest = EmailMessage()
    digest["From"], digest["Subject"] = "list@example.org", "Digest, Vol 1"
    digest.make_mixed()
    digest.replace_header("Content-Type", 'multipart/digest; boundary="d1"')
    for entry in (first, second):
        # In a digest a part without a Content-Type header is a message/rfc822.
        part = EmailMessage()
        part.set_payload([entry])
        part.set_default_type("message/rfc822")
        digest.attach(part)
    path = tmp_path / "digest.eml"
    path.write_bytes(bytes(digest))
    assert b"--d1\n\nFrom: eve@example.org" in path.read_bytes()  # no Content-Type of its own
    result = extract(str(path))
    text = result["text"]
    assert result["status"] == "ok" and text.count("[attached message]") == 3
    order = ["First digest entry.", "Second digest entry.", "Subject: Original", "Said first."]
    positions = [text.index(phrase) for phrase in order]
    assert positions == sorted(positions), text


def _as_part(mail: EmailMessage) -> EmailMessage:
    part = EmailMessage()
    part.set_content(mail)
    return part


def test_corpus_digest_is_read(corpus: Path) -> None:
    path = corpus / "Unstructured-IO__unstructured/example-docs/eml/mime-multipart-digest.eml"
    result = extract(str(path))
    assert result["status"] == "ok"
    for n, word in enumerate(("first", "second", "third")):
        assert f"This is the {word} message in the digest." in result["text"]
        assert result["metadata"]["attachments"][n]["content_type"] == "message/rfc822"


def test_eml_headers_and_attachments(tmp_path: Path) -> None:
    message = mail.message(
        "Fake email with attachment",
        "Here's the attachments!",
        attachments={"fake-attachment.txt": b"Hey this is a fake attachment!"},
    )
    result = extract(str(mail.write_eml(tmp_path / "attachment.eml", message)))
    meta = result["metadata"]
    assert meta["title"] == "Fake email with attachment"
    assert meta["author"] == mail.SENDER and meta["to"] == mail.RECIPIENT
    assert meta["created"] == "2023-05-16T17:28:40+00:00"
    assert meta["attachments"] == [{
        "filename": "fake-attachment.txt", "content_type": "text/plain", "size": 30,
        "kind": "txt", "status": "ok",
    }]  # fmt: skip
    # The attached file is read as the document it is, after the body, and starts a section.
    assert result["text"] == (
        "Here's the attachments!\n\n[attachment: fake-attachment.txt]\n"
        "Hey this is a fake attachment!"
    )
    sections = result["structure"]["sections"]
    assert [(level, title) for _, level, title in sections] == [(1, "fake-attachment.txt")]


def test_attached_files_read_as_documents_and_failures_cost_only_themselves(
    tmp_path: Path,
) -> None:
    report = write_pdf(tmp_path / "q3.pdf", ["Revenue rose by 12 percent."]).read_bytes()
    outer = message("ann@example.org", "Q3", "Figures attached.")
    outer.add_attachment(report, maintype="application", subtype="pdf", filename="q3.pdf")
    outer.add_attachment(b"%PDF-1.4 broken", maintype="application", subtype="pdf",
                         filename="broken.pdf")  # fmt: skip
    outer.add_attachment(b"BEGIN:VCALENDAR", maintype="text", subtype="calendar",
                         filename="invite.ics")  # fmt: skip
    path = tmp_path / "q3.eml"
    path.write_bytes(bytes(outer))
    result = extract(str(path))
    assert result["text"] == (
        "Figures attached.\n\n[attachment: q3.pdf]\nRevenue rose by 12 percent."
    )
    states = [
        (a["filename"], a.get("kind") or a["error"]) for a in result["metadata"]["attachments"]
    ]
    assert states == [("q3.pdf", "pdf"), ("broken.pdf", "malformed"), ("invite.ics", "unsupported")]
    assert any(w.startswith("attachment broken.pdf: malformed: ") for w in result["warnings"])
    assert not any("invite.ics" in w for w in result["warnings"])  # listed, not a warning


def test_eml_detected_by_content_under_txt_name(tmp_path: Path) -> None:
    path = mail.write_eml(tmp_path / "fake-email.txt", mail.message("Test Email", "Hello."))
    result = extract(str(path))
    assert (result["kind"], result["metadata"]["title"]) == ("eml", "Test Email")
    assert result["text"].strip() == "Hello."


def test_eml_prefers_plain_over_html(tmp_path: Path) -> None:
    message = mail.message(
        "Both", "This is the text/plain part.", html="<p>This is the text/html part.</p>"
    )
    text = extract(str(mail.write_eml(tmp_path / "both.eml", message)))["text"]
    assert "This is the text/plain part." in text and "text/html part" not in text

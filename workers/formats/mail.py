"""E-mail messages (.eml, RFC 5322/MIME) through the stdlib's email package: subject, sender
and date as metadata, the text/plain body (else the HTML one as text); attached and digested
messages (message/rfc822) read after the body, each under a marker with its own headers; then
each attached file read as the document it is, under `[attachment: name]` (the caller's
`reader`: workers.extract.extract), all listed in `attachments`. Also web pages saved as one
file (.mht), which are MIME too."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats import archive
from workers.formats.base import PARSER_ERRORS, Extracted, clean, describe, iso, read
from workers.formats.encoding import decode_bytes, decode_text
from workers.formats.markup import html_document, html_to_text
from workers.formats.structure import Structure, sections_in

_ENCRYPTED = ("multipart/encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime")
_MESSAGES = ("message/rfc822", "message/global")  # the parts of a multipart/digest by default
_MAX_DEPTH = 8  # messages attached to attached messages, as far as anyone forwards
ATTACHED_MARKER = "[attached message]"
ATTACHMENT_MARKER = "[attachment: {}]"


def extract(
    path: str, warnings: list[str], limit: int, *, reader: archive.Reader | None = None
) -> Extracted:
    """Return the body text of the message at `path`, headers and attachments as metadata;
    with `reader` (workers.extract.extract, as for an archive's members), each attached file's
    text after the body, under `[attachment: name]`."""
    data = read(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        # A message saved as UTF-16: back to bytes the MIME parser reads (headers are ASCII).
        data = decode_text(data, path, warnings).encode("utf-8", errors="surrogateescape")
    try:
        # policy.default builds EmailMessage objects (get_body, iter_attachments).
        message = BytesParser(policy=policy.default).parsebytes(data)
        meta = _headers(message, warnings)
        text = _body(message, warnings)
        attached = _attached(message, warnings)
        files = _attachments(message, warnings)
    except PARSER_ERRORS as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable e-mail: {describe(exc)}") from exc
    if not text.strip() and message.get_content_type() in _ENCRYPTED:
        raise TaskError(ErrorType.ENCRYPTED, "e-mail body is encrypted (PGP/MIME or S/MIME)")
    meta["attachments"] = [entry for entry, _ in files]
    if attached:
        text = "\n\n".join([text.rstrip("\r\n"), *attached] if text.strip() else attached)
    text = text.replace("\r\n", "\n")
    if reader is None:
        return Extracted(text, meta=meta)
    payloads = [(entry, _payload(part) if part is not None else None) for entry, part in files]
    joined = read_attachments(text, payloads, limit, reader, warnings)
    return Extracted(joined.text(), meta=meta, structure=joined.structure())


def _payload(part: MIMEPart) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def read_attachments(
    body: str,
    files: list[tuple[dict[str, Any], bytes | None]],
    limit: int,
    reader: archive.Reader,
    warnings: list[str],
) -> archive.Joined:
    """The body, then each attached file (those with bytes: an attached message has none)
    read as the document it is, under `[attachment: name]`; its kind and status, or its error,
    in its entry. One docmill does not read (a calendar invitation, a signature's logo) is only
    listed, as before; a damaged one is a warning too. For .eml and .msg alike."""
    joined = archive.Joined(body)
    if not any(data is not None for _, data in files):
        return joined
    with tempfile.TemporaryDirectory(prefix="docmill-mail-", ignore_cleanup_errors=True) as folder:
        for number, (entry, data) in enumerate(files):
            if data is None:
                continue
            name = entry["filename"] or f"attachment {number + 1}"
            try:
                record = archive.read_as_file(name, [data], folder, number, limit, reader)
            except TaskError as exc:
                entry["error"] = exc.type.value
                if exc.type is not ErrorType.UNSUPPORTED:
                    warnings.append(f"attachment {name}: {exc.type.value}: {exc.message}")
                continue
            entry |= {"kind": record["kind"], "status": record["status"]}
            warnings.extend(f"attachment {name}: {w}" for w in record["warnings"][:20])
            joined.add(record, name, ATTACHMENT_MARKER.format(name))
    return joined


def _attached(message: EmailMessage, warnings: list[str], depth: int = 0) -> list[str]:
    """The messages attached to `message` (or making up its digest), each as a marker line, its
    From/To/Cc/Date/Subject headers, a blank line and its text, followed by its own."""
    out: list[str] = []
    for inner in _inner_messages(message, warnings):
        if depth >= _MAX_DEPTH:
            warnings.append(f"attached messages nested over {_MAX_DEPTH} deep are not read")
            break
        headers = [ATTACHED_MARKER]
        for name in ("From", "To", "Cc", "Date", "Subject"):
            if value := _header(inner, name, warnings):
                headers.append(f"{name}: {value}")
        body = _body(inner, warnings).strip("\r\n")
        out.append("\n".join(headers) + (f"\n\n{body}" if body.strip() else ""))
        out.extend(_attached(inner, warnings, depth + 1))
    return out


def _inner_messages(part: MIMEPart, warnings: list[str]) -> Iterator[EmailMessage]:
    """The message/rfc822 parts under `part`, in order, not looking inside them."""
    for child in part.iter_parts():
        if child.get_content_type() in _MESSAGES:
            payload = child.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], EmailMessage):
                yield payload[0]
                continue
            # Encoded (base64, quoted-printable) although RFC 2046 forbids it: decode and parse.
            data = child.get_payload(decode=True)
            if isinstance(data, bytes) and data.strip():
                yield BytesParser(policy=policy.default).parsebytes(data)
            else:
                warnings.append("an attached message is empty")
        elif child.is_multipart():
            yield from _inner_messages(child, warnings)


def _header(message: EmailMessage, name: str, warnings: list[str]) -> str | None:
    try:
        return clean(str(message.get(name, "") or ""))
    except PARSER_ERRORS as exc:  # an undecodable encoded word or a broken address list
        warnings.append(f"unreadable {name} header: {describe(exc)}")
        return None


def _headers(message: EmailMessage, warnings: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": _header(message, "Subject", warnings),
        "author": _header(message, "From", warnings),
        "created": None,
    }
    date = _header(message, "Date", warnings)
    if date:
        try:
            meta["created"] = iso(parsedate_to_datetime(date))
        except (TypeError, ValueError, IndexError):
            warnings.append(f"unparseable Date header: {date[:80]}")
    for key, name in (("to", "To"), ("cc", "Cc")):
        value = _header(message, name, warnings)
        if value:
            meta[key] = value
    return meta


def _body(message: EmailMessage, warnings: list[str]) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content(part, warnings)
    if part.get_content_subtype() == "html":
        return html_to_text(content, warnings, "e-mail body")[0]
    return content


def mime_text(data: bytes, warnings: list[str]) -> str:
    """The body text of the MIME message `data`, as for an .eml file (an Outlook message keeps
    a signed message's MIME whole, in an attachment)."""
    return _body(BytesParser(policy=policy.default).parsebytes(data), warnings)


def _content(part: MIMEPart, warnings: list[str]) -> str:
    """The decoded text of a part: its declared charset when the bytes are valid in it (labels
    read as WHATWG reads them), else strict UTF-8, else detection."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, "e-mail body", warnings, part.get_content_charset())


def _message_attachment(part: MIMEPart) -> dict[str, Any]:
    """The attachments entry of an attached message: named by its file name, else subject."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    subject = inner.get("Subject") if isinstance(inner, EmailMessage) else None
    try:
        size = len(part.as_bytes())
    except PARSER_ERRORS:  # a header that cannot be written back as it was read
        size = 0
    return {
        "filename": clean(part.get_filename()) or clean(str(subject or "")),
        "content_type": part.get_content_type(),
        "size": size,
    }


def _attachments(
    message: EmailMessage, warnings: list[str]
) -> list[tuple[dict[str, Any], MIMEPart | None]]:
    """Each attachment's entry, and its part when it is a file (an attached message is read
    with the body: _attached)."""
    out: list[tuple[dict[str, Any], MIMEPart | None]] = []
    for part in message.walk():
        if part.get_content_type() in _MESSAGES:
            out.append((_message_attachment(part), None))
            continue
        if part.is_multipart():
            continue
        # A part is a file when it says so or has a name; nameless inline parts are bodies.
        if part.get_content_disposition() != "attachment" and not part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        entry = {
            "filename": clean(part.get_filename()),
            "content_type": part.get_content_type(),
            "size": len(payload) if isinstance(payload, bytes) else 0,
        }
        out.append((entry, part))
    return out


def extract_web_archive(
    path: str, warnings: list[str], limit: int, *, main_content: bool = True
) -> Extracted:
    """A web page saved as one file (.mht, .mhtml: Edge's, Internet Explorer's and Chrome's
    "web page, single file"): MIME whose first HTML part is the page, read as an .html file is
    (its main content with `main_content`), the images and styles beside it left out."""
    errors: tuple[type[Exception], ...] = (UnicodeError, *PARSER_ERRORS)
    try:
        message = BytesParser(policy=policy.default).parsebytes(read(path))
        parts = list(message.walk())
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable web archive: {describe(exc)}") from exc
    page = next((p for p in parts if p.get_content_type() == "text/html"), None)
    if page is None:
        plain = next((p for p in parts if p.get_content_type() == "text/plain"), None)
        if plain is None:
            raise TaskError(ErrorType.MALFORMED, "web archive without an HTML or text page")
        return Extracted(_content(plain, warnings))
    text, title, headings = html_document(
        _content(page, warnings), warnings, path, main_content=main_content
    )
    title = title or clean(str(message.get("subject") or "")) or None
    return Extracted(
        text, meta={"title": title}, structure=Structure(sections_in(text, headings)) or None
    )

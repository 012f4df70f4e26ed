"""Outlook messages (.msg, [MS-OXMSG]) through olefile: subject, sender, recipients and date as
metadata, as for .eml; the plain-text body, else the compressed RTF body (decompressed with
compressed_rtf; read as the HTML it encapsulates if it does, else as RTF), else the HTML body
as text; attachments listed and read as for .eml, and attached messages read after the body
under the same marker, with their headers."""

from __future__ import annotations

import codecs
import mimetypes
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.parser import HeaderParser
from email.utils import parsedate_to_datetime
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats import archive
from workers.formats.base import PARSER_ERRORS, Extracted, clean, describe, iso, read
from workers.formats.mail import ATTACHED_MARKER, mime_text, read_attachments
from workers.formats.markup import html_to_text
from workers.formats.rtf import rtf_to_text
from workers.formats.rtfhtml import html_from_rtf, is_encapsulated_html

# Property ids ([MS-OXPROPS]) and types.
SUBJECT, SENDER_NAME, SENDER_EMAIL, SENDER_SMTP, HEADERS = 0x0037, 0x0C1A, 0x0C1F, 0x5D01, 0x007D
SUBMIT_TIME, DELIVERY_TIME, DISPLAY_TO, DISPLAY_CC = 0x0039, 0x0E06, 0x0E04, 0x0E03
BODY, RTF_COMPRESSED, HTML, CODEPAGE, INTERNET_CPID = 0x1000, 0x1009, 0x1013, 0x3FFD, 0x3FDE
MESSAGE_CLASS, DISPLAY_NAME, EMAIL, SMTP, RECIPIENT_TYPE = 0x001A, 0x3001, 0x3003, 0x39FE, 0x0C15
ATTACH_DATA, ATTACH_LONG_NAME, ATTACH_NAME, ATTACH_MIME = 0x3701, 0x3707, 0x3704, 0x370E
UNICODE, STRING8, BINARY, SYSTIME, LONG, OBJECT = 0x001F, 0x001E, 0x0102, 0x0040, 0x0003, 0x000D
_PROPERTIES = "__properties_version1.0"
# Bytes before the property entries of a properties stream: the message itself, a message
# attached to it, and a recipient or attachment.
_TOP, _EMBEDDED, _CHILD = 32, 24, 8
_MAX_DEPTH = 8
_ENCRYPTED = ("application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted")


def extract(
    path: str, warnings: list[str], limit: int, *, reader: archive.Reader | None = None
) -> Extracted:
    """Return the body text of the Outlook message at `path`, headers and attachments as
    metadata, attached messages after the body; with `reader`, each attached file's text
    after them, as for an .eml (workers.formats.mail.read_attachments)."""
    import olefile

    data = read(path)
    # olefile reads bytes here, so an OSError from it is damage, not the disk.
    errors: tuple[type[Exception], ...] = (OSError, *PARSER_ERRORS)
    try:
        with olefile.OleFileIO(data) as ole:
            message = _Storage(ole, "", _TOP)
            meta = _headers(message, warnings)
            text = _body(message, warnings) or _signed_body(message, warnings)
            files, attached = _attachments(message, warnings, 0)
            attachments = [entry for entry, _ in files]
            encrypted = not text.strip() and _encrypted(message, attachments)
            damage = sorted({str(issue) for _, issue in ole.parsing_issues})
    except errors as exc:
        raise TaskError(
            ErrorType.MALFORMED, f"unreadable Outlook message: {describe(exc)}"
        ) from exc
    if encrypted:
        raise TaskError(ErrorType.ENCRYPTED, "Outlook message body is encrypted (S/MIME or PGP)")
    if damage:  # olefile reads on past a damaged directory or FAT, noting what it skipped
        if not text.strip() and not attached:
            raise TaskError(ErrorType.MALFORMED, f"damaged Outlook message: {'; '.join(damage)}")
        warnings.append(f"damaged compound file, read in part: {'; '.join(damage)}")
    meta["attachments"] = attachments
    if attached:
        text = "\n\n".join([text.rstrip("\r\n"), *attached] if text.strip() else attached)
    text = text.replace("\r\n", "\n")
    if reader is None:
        return Extracted(text, meta=meta)
    joined = read_attachments(text, files, limit, reader, warnings)
    return Extracted(joined.text(), meta=meta, structure=joined.structure())


@dataclass
class _Storage:
    """A message, recipient or attachment: the streams under `prefix` and its fixed-size
    properties (numbers, dates) from its properties stream."""

    ole: Any
    prefix: str
    header: int

    def __post_init__(self) -> None:
        self.fixed: dict[int, tuple[int, bytes]] = {}
        raw = self.stream(_PROPERTIES) or b""
        for offset in range(self.header, len(raw) - 15, 16):
            kind, prop, _flags, value = struct.unpack_from("<HHI8s", raw, offset)
            self.fixed[prop] = (kind, value)
        self.codec = "cp1252"
        for prop in (INTERNET_CPID, CODEPAGE):
            if (page := self.number(prop)) is not None:
                self.codec = _codec(page)
                break

    def stream(self, name: str) -> bytes | None:
        path = f"{self.prefix}{name}"
        if not self.ole.exists(path):
            return None
        return bytes(self.ole.openstream(path).read())

    def binary(self, prop: int) -> bytes | None:
        return self.stream(f"__substg1.0_{prop:04X}{BINARY:04X}")

    def string(self, prop: int) -> str | None:
        if (raw := self.stream(f"__substg1.0_{prop:04X}{UNICODE:04X}")) is not None:
            return clean(raw.decode("utf-16-le", errors="replace"))
        if (raw := self.stream(f"__substg1.0_{prop:04X}{STRING8:04X}")) is not None:
            return clean(raw.decode(self.codec, errors="replace"))
        return None

    def number(self, prop: int) -> int | None:
        kind, value = self.fixed.get(prop, (0, b""))
        return int(struct.unpack_from("<i", value)[0]) if kind == LONG else None

    def time(self, prop: int) -> datetime | None:
        kind, value = self.fixed.get(prop, (0, b""))
        if kind != SYSTIME:
            return None
        ticks = struct.unpack_from("<Q", value)[0]  # 100 ns since 1601-01-01 UTC
        try:
            return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=ticks // 10)
        except OverflowError:
            return None

    def children(self, kind: str, header: int) -> list[_Storage]:
        """The recipient ("recip") or attachment ("attach") storages, in their order."""
        start = f"__{kind}_version1.0_#"
        names = sorted(
            {
                path[len(self.path)]
                for path in self._below()
                if path[len(self.path)].startswith(start)
            }
        )
        return [_Storage(self.ole, f"{self.prefix}{name}/", header) for name in names]

    def size(self) -> int:
        """The bytes of all the streams under this storage."""
        return sum(int(self.ole.get_size("/".join(path))) for path in self._below(streams=True))

    @property
    def path(self) -> list[str]:
        return self.prefix.rstrip("/").split("/") if self.prefix else []

    def _below(self, streams: bool = False) -> list[list[str]]:
        depth = len(self.path)
        return [
            entry
            for entry in self.ole.listdir(streams=True, storages=not streams)
            if len(entry) > depth and entry[:depth] == self.path
        ]


def _headers(message: _Storage, warnings: list[str]) -> dict[str, Any]:
    """Title (subject), author (sender), created (sent) and to/cc, as for .eml."""
    transport = HeaderParser().parsestr(message.string(HEADERS) or "")
    name, address = message.string(SENDER_NAME), message.string(SENDER_SMTP)
    if address is None and "@" in (message.string(SENDER_EMAIL) or ""):
        address = message.string(SENDER_EMAIL)
    sender = _address(name, address) or clean(transport.get("From"))
    sent = message.time(SUBMIT_TIME) or message.time(DELIVERY_TIME)
    created = iso(sent) if sent else None
    if created is None and (date := transport.get("Date")):
        try:
            created = iso(parsedate_to_datetime(date))
        except (TypeError, ValueError, IndexError):
            warnings.append(f"unparseable Date header: {date[:80]}")
    meta: dict[str, Any] = {"title": message.string(SUBJECT), "author": sender, "created": created}
    recipients: dict[int, list[str]] = {}
    for recipient in message.children("recip", _CHILD):
        address = recipient.string(SMTP) or recipient.string(EMAIL)
        entry = _address(
            recipient.string(DISPLAY_NAME), address if "@" in (address or "") else None
        )
        if entry:
            recipients.setdefault(recipient.number(RECIPIENT_TYPE) or 1, []).append(entry)
    for key, kind, display in (("to", 1, DISPLAY_TO), ("cc", 2, DISPLAY_CC)):
        value = ", ".join(recipients.get(kind, [])) or message.string(display)
        if value:
            meta[key] = value
    return meta


def _address(name: str | None, address: str | None) -> str | None:
    if name and address and name != address:
        return f"{name} <{address}>"
    return address or name


def _body(message: _Storage, warnings: list[str]) -> str:
    """The plain-text body; else the compressed RTF one as text; else the HTML one as text."""
    if text := message.string(BODY):
        return text
    if compressed := message.binary(RTF_COMPRESSED):
        from compressed_rtf import decompress

        try:
            rtf = decompress(compressed)
        except Exception as exc:  # compressed_rtf's only word for damage (bad CRC, bad type)
            warnings.append(f"unreadable compressed RTF body: {describe(exc)}")
        else:
            if is_encapsulated_html(rtf):  # an HTML message as Outlook keeps it
                return html_to_text(html_from_rtf(rtf), warnings, "Outlook message body")[0]
            return rtf_to_text(rtf.decode("latin-1"))[0]
    html = message.binary(HTML)
    if html is None and (html_text := message.string(HTML)):
        html = html_text.encode("utf-8")
    if html:
        return html_to_text(html, warnings, "Outlook message body")[0]
    return ""


def _signed_body(message: _Storage, warnings: list[str]) -> str:
    """The body of an S/MIME signed message, which Outlook keeps as the whole signed MIME
    message in an attachment (multipart/signed, named smime.p7m) and nowhere else."""
    for attachment in message.children("attach", _CHILD):
        if (attachment.string(ATTACH_MIME) or "").lower() == "multipart/signed":
            try:
                return mime_text(attachment.binary(ATTACH_DATA) or b"", warnings)
            except PARSER_ERRORS as exc:
                warnings.append(f"unreadable signed message body: {describe(exc)}")
    return ""


def _attachments(
    message: _Storage, warnings: list[str], depth: int
) -> tuple[list[tuple[dict[str, Any], bytes | None]], list[str]]:
    """The attachments list as for .eml, each entry with its file's bytes (None for an
    attached message), and the text of each attached message."""
    listed: list[tuple[dict[str, Any], bytes | None]] = []
    attached: list[str] = []
    for attachment in message.children("attach", _CHILD):
        inner_prefix = f"{attachment.prefix}__substg1.0_{ATTACH_DATA:04X}{OBJECT:04X}/"
        if attachment.ole.exists(inner_prefix.rstrip("/")):
            inner = _Storage(attachment.ole, inner_prefix, _EMBEDDED)
            entry = {
                "filename": attachment.string(DISPLAY_NAME) or inner.string(SUBJECT),
                "content_type": "message/rfc822",
                "size": inner.size(),
            }
            listed.append((entry, None))
            if depth >= _MAX_DEPTH:
                warnings.append(f"attached messages nested over {_MAX_DEPTH} deep are not read")
                continue
            attached.append(_attached_text(inner, warnings))
            # Its files are listed with the message's own, as .eml lists every part it carries.
            inner_listed, deeper = _attachments(inner, warnings, depth + 1)
            listed.extend(inner_listed)
            attached.extend(deeper)
            continue
        name = (
            attachment.string(ATTACH_LONG_NAME)
            or attachment.string(ATTACH_NAME)
            or attachment.string(DISPLAY_NAME)
        )
        content_type = attachment.string(ATTACH_MIME) or (
            mimetypes.guess_type(name)[0] if name else None
        )
        payload = attachment.binary(ATTACH_DATA) or b""
        entry = {
            "filename": name,
            "content_type": content_type or "application/octet-stream",
            "size": len(payload),
        }
        listed.append((entry, payload))
    return listed, attached


def _attached_text(inner: _Storage, warnings: list[str]) -> str:
    """An attached message as .eml shows one: the marker, its headers, a blank line, its text."""
    meta = _headers(inner, warnings)
    lines = [ATTACHED_MARKER]
    for key, name in (("author", "From"), ("to", "To"), ("cc", "Cc"), ("created", "Date")):
        if meta.get(key):
            lines.append(f"{name}: {meta[key]}")
    if meta.get("title"):
        lines.append(f"Subject: {meta['title']}")
    body = _body(inner, warnings).strip("\r\n")
    return "\n".join(lines) + (f"\n\n{body}" if body.strip() else "")


def _encrypted(message: _Storage, attachments: list[dict[str, Any]]) -> bool:
    """An S/MIME or PGP message: Outlook keeps its body in an encrypted attachment."""
    kind = (message.string(MESSAGE_CLASS) or "").upper()
    if kind.startswith("IPM.NOTE.SMIME") and not kind.endswith("MULTIPARTSIGNED"):
        return True
    transport = HeaderParser().parsestr(message.string(HEADERS) or "")
    if transport.get_content_type() == "multipart/encrypted":
        return True
    return any(item["content_type"] in _ENCRYPTED for item in attachments)


def _codec(codepage: int) -> str:
    """The Python codec of a Windows code page, cp1252 when Python has none."""
    name = {65001: "utf-8", 1200: "utf-16-le", 20127: "ascii", 28591: "latin-1"}.get(
        codepage, f"cp{codepage}"
    )
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"

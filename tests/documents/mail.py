"""E-mail messages written at test time with the stdlib's email package: plain, plain and
HTML alternatives, HTML only, with an attachment, in a non-UTF-8 charset, saved as UTF-16,
and PGP/MIME encrypted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from pathlib import Path

SENDER = "Mathilde Keeper <mathilde@lighthouse.example>"
RECIPIENT = "Harbour Office <office@harbour.example>"
SENT = datetime(2023, 5, 16, 17, 28, 40, tzinfo=UTC)


def message(
    subject: str,
    plain: str | None,
    *,
    html: str | None = None,
    attachments: Mapping[str, bytes] | None = None,
    charset: str = "utf-8",
) -> EmailMessage:
    """A message with a text/plain body (in `charset`), an HTML alternative or an HTML body
    alone (plain None), and text/plain attachments by file name."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, RECIPIENT, subject
    msg["Date"] = format_datetime(SENT)
    if plain is not None:
        msg.set_content(plain, charset=charset)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for name, data in (attachments or {}).items():
        msg.add_attachment(data, maintype="text", subtype="plain", filename=name)
    return msg


def encrypted(subject: str) -> EmailMessage:
    """A PGP/MIME message (RFC 3156): its only body is the ciphertext."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, RECIPIENT, subject
    msg["Date"] = format_datetime(SENT)
    msg.set_type("multipart/encrypted")
    msg.set_param("protocol", "application/pgp-encrypted")
    control, payload = MIMEPart(), MIMEPart()
    control.set_content(b"Version: 1\n", maintype="application", subtype="pgp-encrypted")
    armour = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA8sTcLbG1Zn6AQf/\n-----END PGP MESSAGE-----\n"
    payload.set_content(armour, maintype="application", subtype="octet-stream")
    msg.attach(control)
    msg.attach(payload)
    return msg


def write_eml(path: Path, msg: EmailMessage, *, encoding: str | None = None) -> Path:
    """Save `msg` at `path` as its bytes, or as text in `encoding` (a mail client's UTF-16)."""
    data = msg.as_bytes()
    path.write_bytes(data if encoding is None else data.decode("ascii").encode(encoding))
    return path

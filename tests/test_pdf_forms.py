"""PDF form-field values and annotation text are part of the page's text, marked as such."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from workers.extract import extract

pytestmark = pytest.mark.timeout(60)


def _rect(*values: float) -> ArrayObject:
    return ArrayObject([FloatObject(v) for v in values])


def _filled_form(path: Path) -> None:
    """One page of text, a filled text field, a ticked and an unticked box, a reviewer's
    free-text note and a sticky note, a link and a signature (which have no text of their
    own: a signature's value is binary data)."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 72 720 Td (Application for a library card) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)

    def annot(fields: dict[str, object]) -> object:
        entries = {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Rect"): _rect(0, 0, 9, 9),
        }
        for key, value in fields.items():
            entries[NameObject(key)] = (
                NameObject(value) if isinstance(value, str) and value.startswith("/") else
                TextStringObject(value) if isinstance(value, str) else value  # type: ignore[assignment]
            )  # fmt: skip
        return writer._add_object(DictionaryObject(entries))

    name = annot({"/Subtype": "/Widget", "/FT": "/Tx", "/T": "Applicant", "/V": "Ada Lovelace"})
    ticked = annot({"/Subtype": "/Widget", "/FT": "/Btn", "/T": "Adult", "/V": "/Yes"})
    unticked = annot({"/Subtype": "/Widget", "/FT": "/Btn", "/T": "Student", "/V": "/Off"})
    note = annot({"/Subtype": "/FreeText", "/Contents": "Approved by the front desk"})
    sticky = annot({"/Subtype": "/Text", "/Contents": "Check the address\nagain"})
    link = annot({"/Subtype": "/Link", "/Contents": "not text"})
    signed = annot({"/Subtype": "/Widget", "/FT": "/Sig", "/T": "Signature1"})
    signature = DictionaryObject({NameObject("/Contents"): ByteStringObject(b"\x30\x82\x21")})
    signed.get_object()[NameObject("/V")] = writer._add_object(signature)  # type: ignore[attr-defined]
    annots = [name, ticked, unticked, note, sticky, link, signed]
    page[NameObject("/Annots")] = ArrayObject(annots)
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject({NameObject("/Fields"): ArrayObject([name, ticked, unticked])})
    )
    with path.open("wb") as out:
        writer.write(out)


@pytest.mark.parametrize("backend", ["pdfium", "pypdf"])
def test_form_values_and_notes_follow_the_page_text(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "form.pdf"
    _filled_form(path)
    result = extract(str(path), pdf_backend=backend)
    assert result["status"] == "ok", result["warnings"]
    assert result["pages"][0]["text"].split("\n\n") == [
        "Application for a library card",
        "[form field Applicant: Ada Lovelace]",
        "[form field Adult: Yes]",
        "[annotation: Approved by the front desk]",
        "[annotation: Check the address again]",
    ]


def _form_with_appearances(path: Path) -> None:
    """A form whose widgets and notes carry appearance streams (what a viewer draws for them):
    a filled text field, a reviewer's note, a signature that shows who signed, a button whose
    caption stands over the same word in the page, and a list box with no appearance."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    fonts = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    page[NameObject("/Resources")] = fonts
    content = DecodedStreamObject()
    content.set_data(
        b"BT /F1 12 Tf 72 720 Td (Application for a library card) Tj ET"
        b" BT /F1 12 Tf 72 400 Td (Send) Tj ET"
    )
    page[NameObject("/Contents")] = writer._add_object(content)

    def shows(text: bytes, x: float, y: float) -> DictionaryObject:
        stream = DecodedStreamObject()
        stream.set_data(b"BT /F1 12 Tf 0 2 Td (" + text + b") Tj ET")
        stream.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): _rect(0, 0, 200, 16),
                NameObject("/Resources"): fonts,
            }
        )
        return DictionaryObject(
            {
                NameObject("/Rect"): _rect(x, y, x + 200, y + 16),
                NameObject("/F"): FloatObject(4),
                NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(stream)}),
            }
        )

    def annot(subtype: str, extra: dict[str, object], look: DictionaryObject | None) -> object:
        entries = look or DictionaryObject({NameObject("/Rect"): _rect(0, 0, 9, 9)})
        entries[NameObject("/Type")] = NameObject("/Annot")
        entries[NameObject("/Subtype")] = NameObject(subtype)
        for key, value in extra.items():
            entries[NameObject(key)] = value  # type: ignore[assignment]
        return writer._add_object(entries)

    text = lambda value: TextStringObject(value)  # noqa: E731
    name = annot(
        "/Widget",
        {"/FT": NameObject("/Tx"), "/T": text("Applicant"), "/V": text("Ada Lovelace")},
        shows(b"Ada Lovelace", 72, 680),
    )
    note = annot(
        "/FreeText",
        {"/Contents": text("Approved by the front desk")},
        shows(b"Approved by the front desk", 72, 600),
    )
    signature = DictionaryObject({NameObject("/Contents"): ByteStringObject(b"\x30\x82")})
    signed = annot(
        "/Widget",
        {"/FT": NameObject("/Sig"), "/T": text("Signature1"), "/V": writer._add_object(signature)},
        shows(b"Digitally signed by Ada Lovelace", 72, 500),
    )
    button = annot(
        "/Widget", {"/FT": NameObject("/Btn"), "/T": text("Send")}, shows(b"Send", 72, 398)
    )
    options = ArrayObject([text("Fiction"), ArrayObject([text("nf"), text("Non-fiction")])])
    listed = annot(
        "/Widget",
        {"/FT": NameObject("/Ch"), "/T": text("Shelves"), "/V": text("Fiction"), "/Opt": options},
        None,
    )
    page[NameObject("/Annots")] = ArrayObject([name, note, signed, button, listed])
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject({NameObject("/Fields"): ArrayObject([name, signed, button, listed])})
    )
    with path.open("wb") as out:
        writer.write(out)


def test_what_annotations_show_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    _form_with_appearances(path)
    result = extract(str(path))
    assert result["status"] == "ok", result["warnings"]
    lines = "\n".join(line.rstrip() for line in result["pages"][0]["text"].splitlines())
    assert lines.split("\n\n") == [
        # The page, then what only appearances show: the signature (the button's caption
        # stands over the page's own "Send").
        "Application for a library card\nSend\nDigitally signed by Ada Lovelace",
        # A value or note a marked line gives is not read from its appearance again.
        "[form field Applicant: Ada Lovelace]",
        "[annotation: Approved by the front desk]",
        "[form field Shelves: Fiction (options: Fiction, Non-fiction)]",
    ]

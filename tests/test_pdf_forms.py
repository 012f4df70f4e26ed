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
def test_form_values_and_notes_follow_the_page_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setenv("DOCMILL_PDF_BACKEND", backend)
    path = tmp_path / "form.pdf"
    _filled_form(path)
    result = extract(str(path))
    assert result["status"] == "ok", result["warnings"]
    assert result["pages"][0]["text"].split("\n\n") == [
        "Application for a library card",
        "[form field Applicant: Ada Lovelace]",
        "[form field Adult: Yes]",
        "[annotation: Approved by the front desk]",
        "[annotation: Check the address again]",
    ]

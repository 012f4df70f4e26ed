"""Legacy binary formats: Excel 97-2003 workbooks (written here with xlwt) and Outlook messages
(compound files built here stream by stream, olefile being read-only, and the corpus's own),
detected by their content; other OLE2 files stay unsupported."""

from __future__ import annotations

import datetime
import struct
from pathlib import Path

import pytest
import xlwt
from compressed_rtf import compress

from docmill.protocol import ErrorType
from tests.compound_file import compound_file
from workers.errors import TaskError
from workers.extract import extract

pytestmark = pytest.mark.timeout(30)

UNS = "Unstructured-IO__unstructured/example-docs"


def error_of(path: Path) -> TaskError:
    with pytest.raises(TaskError) as info:
        extract(str(path))
    return info.value


# -- .xls --------------------------------------------------------------------------------------


def workbook(path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    budget = book.add_sheet("Budget 2026")
    for column, title in enumerate(["Item", "Amount", "Due", "Paid", "Approved at"]):
        budget.write(0, column, title)
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    moment = xlwt.easyxf(num_format_str="YYYY-MM-DD hh:mm")
    budget.write(1, 0, "Zürich office, Łódź trip 東京")
    budget.write(1, 1, 1200)
    budget.write(1, 2, datetime.date(2026, 3, 31), day)
    budget.write(1, 3, True)
    budget.write(1, 4, datetime.datetime(2026, 1, 5, 9, 30), moment)
    budget.write(2, 0, "Rounding")
    budget.write(2, 1, 0.1 + 0.2)
    budget.write(4, 2, "after an empty row")
    book.add_sheet("Empty")
    notes = book.add_sheet("Notes")
    notes.write(0, 0, "Ask finance about Q2.")
    book.save(str(path))
    return path


def test_xls_sheets_rows_and_cells_as_xlsx_reads_them(tmp_path: Path) -> None:
    # Named .dat: the kind comes from the compound file's Workbook stream, not the name.
    result = extract(str(workbook(tmp_path / "budget.dat")))
    assert (result["kind"], result["status"], result["mime"]) == (
        "xls", "ok", "application/vnd.ms-excel",
    )  # fmt: skip
    assert result["text"] == (
        "Budget 2026\n"
        "Item\tAmount\tDue\tPaid\tApproved at\n"
        "Zürich office, Łódź trip 東京\t1200\t2026-03-31\tTRUE\t2026-01-05 09:30:00\n"
        "Rounding\t0.3\n"
        "\t\tafter an empty row\n\n"
        "Empty\n\n"
        "Notes\n"
        "Ask finance about Q2."
    )


def test_damaged_xls_is_malformed(tmp_path: Path) -> None:
    data = workbook(tmp_path / "whole.xls").read_bytes()
    cut = tmp_path / "cut.xls"
    cut.write_bytes(data[: len(data) // 2])  # the compound file's directory is lost
    assert error_of(cut).type is ErrorType.MALFORMED
    garbled = tmp_path / "garbled.xls"  # a sound compound file, a Workbook stream of noise
    garbled.write_bytes(compound_file({"Workbook": bytes(range(256)) * 20}))
    assert error_of(garbled).type is ErrorType.MALFORMED


def test_password_protected_xls_is_encrypted(tmp_path: Path) -> None:
    """A workbook saved with a password: its Workbook stream has a FILEPASS record (RC4) right
    after the first BOF, and the rest is ciphertext xlrd cannot read."""
    import olefile

    stream = olefile.OleFileIO(workbook(tmp_path / "open.xls").read_bytes()).openstream("Workbook")
    data = stream.read()
    kind, size = struct.unpack_from("<HH", data, 0)
    assert kind == 0x0809  # BOF
    filepass = struct.pack("<HHH", 0x002F, 54, 1) + bytes(52)  # RC4, its header zeroed
    locked = tmp_path / "locked.xls"
    locked.write_bytes(compound_file({"Workbook": data[: 4 + size] + filepass + data[4 + size :]}))
    error = error_of(locked)
    assert (error.type, error.message) == (ErrorType.ENCRYPTED, "password-protected Excel workbook")


def test_corpus_xls(corpus: Path) -> None:
    result = extract(str(corpus / UNS / "tests-example.xls"))
    assert result["kind"] == "xls"
    assert "MC\tWhat is 2+2?\t4\tcorrect\t3\tincorrect" in result["text"]
    assert "MAT\tMatch the lower-case greek letter with its capital form.\tλ\tΛ" in result["text"]
    assert result["metadata"]["created"] == "2012-01-23T00:12:31+00:00"


# -- .msg --------------------------------------------------------------------------------------


def unicode(prop: int, text: str) -> tuple[str, bytes]:
    return f"__substg1.0_{prop:04X}001F", text.encode("utf-16-le")


def binary(prop: int, data: bytes) -> tuple[str, bytes]:
    return f"__substg1.0_{prop:04X}0102", data


def properties(header: int, **fixed: tuple[int, int, bytes]) -> tuple[str, bytes]:
    """A properties stream: `header` reserved bytes, then (type, id, 8-byte value) entries."""
    entries = b"".join(
        struct.pack("<HHI8s", kind, prop, 6, value) for kind, prop, value in fixed.values()
    )
    return "__properties_version1.0", bytes(header) + entries


def filetime(moment: datetime.datetime) -> bytes:
    ticks = (moment - datetime.datetime(1601, 1, 1, tzinfo=datetime.UTC)).total_seconds()
    return struct.pack("<Q", int(ticks * 10_000_000))


def under(prefix: str, *streams: tuple[str, bytes]) -> dict[str, bytes]:
    return {f"{prefix}/{name}" if prefix else name: data for name, data in streams}


def recipient(number: int, name: str, address: str, kind: int) -> dict[str, bytes]:
    return under(
        f"__recip_version1.0_#{number:08X}",
        unicode(0x3001, name), unicode(0x39FE, address),
        properties(8, kind=(0x0003, 0x0C15, struct.pack("<i", kind) + bytes(4))),
    )  # fmt: skip


def outlook_message(tmp_path: Path) -> Path:
    """A message whose body is only compressed RTF, with two recipients, a file and an
    attached message (its body only HTML) that has a file of its own."""
    sent = datetime.datetime(2026, 11, 30, 15, 4, 5, tzinfo=datetime.UTC)
    rtf = rb"{\rtf1\ansi\ansicpg1252 Quarterly figures attached.\par Caf\'e9 budget approved.}"
    inner = "__attach_version1.0_#00000001/__substg1.0_3701000D"
    streams = {
        **under("", unicode(0x001A, "IPM.Note"), unicode(0x0037, "Q3 figures"),
                unicode(0x0C1A, "Ann Lee"), unicode(0x5D01, "ann@example.org"),
                binary(0x1009, compress(rtf)),
                properties(32, sent=(0x0040, 0x0039, filetime(sent)))),
        **recipient(0, "Bo Berg", "bo@example.org", 1),
        **recipient(1, "Cy Chan", "cy@example.org", 2),
        **under("__attach_version1.0_#00000000", unicode(0x3707, "figures.csv"),
                binary(0x3701, b"quarter,total\nQ3,12\n"), properties(8)),
        **under("__attach_version1.0_#00000001", unicode(0x3001, "Budget memo"),
                properties(8)),
        **under(inner, unicode(0x0037, "Budget memo"), unicode(0x0C1A, "Dee Diaz"),
                binary(0x1013, b"<html><body><p>Travel is <b>capped</b>.</p></body></html>"),
                properties(24)),
        **under(f"{inner}/__attach_version1.0_#00000000", unicode(0x3707, "memo.pdf"),
                binary(0x3701, b"%PDF-1.4 tiny"), properties(8)),
    }  # fmt: skip
    path = tmp_path / "figures.bin"
    path.write_bytes(compound_file(streams))
    return path


def test_msg_headers_rtf_body_attachments_and_attached_message(tmp_path: Path) -> None:
    result = extract(str(outlook_message(tmp_path)))
    assert (result["kind"], result["status"]) == ("msg", "ok")
    meta = result["metadata"]
    assert meta["title"] == "Q3 figures"
    assert meta["author"] == "Ann Lee <ann@example.org>"
    assert (meta["to"], meta["cc"]) == ("Bo Berg <bo@example.org>", "Cy Chan <cy@example.org>")
    assert meta["created"] == "2026-11-30T15:04:05+00:00"
    assert result["text"] == (
        "Quarterly figures attached.\nCafé budget approved.\n\n"
        "[attached message]\nFrom: Dee Diaz\nSubject: Budget memo\n\nTravel is capped.\n\n"
        "[attachment: figures.csv]\nquarter\ttotal\nQ3\t12"  # attached files read, as for .eml
    )
    assert meta["attachments"][0] == {
        "filename": "figures.csv", "content_type": "text/csv", "size": 20,
        "kind": "csv", "status": "ok",
    }  # fmt: skip
    assert meta["attachments"][1]["content_type"] == "message/rfc822"
    assert meta["attachments"][1]["filename"] == "Budget memo"
    assert meta["attachments"][2] == {  # the attached message's own file
        "filename": "memo.pdf", "content_type": "application/pdf", "size": 13,
        "error": "malformed",
    }  # fmt: skip


def test_msg_plain_body_wins_and_ansi_strings_use_the_code_page(tmp_path: Path) -> None:
    streams = dict([
        ("__substg1.0_0037001E", "Отчёт".encode("cp1251")),
        ("__substg1.0_1000001E", "Привет, мир".encode("cp1251")),
        binary(0x1009, compress(rb"{\rtf1 RTF copy}")),
        properties(32, page=(0x0003, 0x3FFD, struct.pack("<i", 1251) + bytes(4))),
    ])  # fmt: skip
    path = tmp_path / "ansi.msg"
    path.write_bytes(compound_file(streams))
    result = extract(str(path))
    assert (result["text"], result["metadata"]["title"]) == ("Привет, мир", "Отчёт")


def test_msg_rtf_body_encapsulating_html_is_read_as_html(tmp_path: Path) -> None:
    """Outlook keeps an HTML message's body as RTF with the HTML inside (\\fromhtml1): RTF's
    own rendering (between \\htmlrtf and \\htmlrtf0) is dropped, the HTML read as HTML."""
    rtf = (
        rb"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}"
        rb"{\*\htmltag64 <p>}Points for Caf\'e9 \u8364?5:{\*\htmltag72 </p>}\htmlrtf\par\htmlrtf0 "
        rb"{\*\htmltag64 <ul>}{\*\htmltag84 <li>}\htmlrtf {\pntext \bullet\tab}\htmlrtf0 "
        rb"Roses are red{\*\htmltag92 </li>}\htmlrtf\par\htmlrtf0 "
        rb"{\*\htmltag84 <li>}\htmlrtf {\pntext \bullet\tab}\htmlrtf0 "
        rb"Violets \{blue\}{\*\htmltag92 </li>}{\*\htmltag72 </ul>}"
        rb"{\*\htmltag64 <p>}\u-10179?\u-8704? \u-10179?{\*\htmltag72 </p>}}"  # a pair, a stray
    )
    streams = dict([unicode(0x0037, "Poem"), binary(0x1009, compress(rtf)), properties(32)])
    path = tmp_path / "html.msg"
    path.write_bytes(compound_file(streams))
    lines = [line for line in extract(str(path))["text"].splitlines() if line.strip()]
    assert lines == ["Points for Café €5:", "Roses are red", "Violets {blue}", "😀 \ufffd"]


def test_signed_msg_body_is_read_from_its_mime_attachment(tmp_path: Path) -> None:
    mime = (
        b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; '
        b'micalg=sha-256; boundary="s1"\r\n\r\n--s1\r\nContent-Type: text/plain; charset=utf-8'
        b"\r\n\r\nSigned: the contract is approved.\r\n--s1\r\n"
        b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--s1--\r\n"
    )
    streams = {
        **under("", unicode(0x001A, "IPM.Note.SMIME.MultipartSigned"),
                unicode(0x0037, "Contract"), properties(32)),
        **under("__attach_version1.0_#00000000", unicode(0x3707, "smime.p7m"),
                unicode(0x370E, "multipart/signed"), binary(0x3701, mime), properties(8)),
    }  # fmt: skip
    path = tmp_path / "signed.msg"
    path.write_bytes(compound_file(streams))
    result = extract(str(path))
    assert (result["status"], result["text"]) == ("ok", "Signed: the contract is approved.")


def test_msg_with_pdf_bytes_in_its_first_kilobyte_is_a_msg(tmp_path: Path) -> None:
    """Outlook writes an attachment's bytes wherever a sector is free, so a PDF's header can
    lie in the first kilobyte, where docmill looks for one. Here it is in the unused tail of
    the header's FAT list (olefile stops at the first free entry)."""
    data = bytearray(compound_file(dict([unicode(0x0037, "Scan"), unicode(0x1000, "Attached.")])))
    assert data[80:84] == b"\xff" * 4  # the FAT list's second entry: free
    data[100:108] = b"%PDF-1.7"
    path = tmp_path / "scan.msg"
    path.write_bytes(bytes(data))
    assert extract(str(path))["kind"] == "msg"


def test_damaged_msg_is_malformed(tmp_path: Path) -> None:
    data = outlook_message(tmp_path).read_bytes()
    cut = tmp_path / "cut.msg"
    cut.write_bytes(data[:1536])  # the header and the FAT, not the directory it points to
    assert error_of(cut).type is ErrorType.MALFORMED


@pytest.mark.parametrize(
    ("stream", "named"),
    [("WordDocument", "Word 97-2003 document (.doc)"),
     ("PowerPoint Document", "PowerPoint 97-2003 presentation (.ppt)")],
)  # fmt: skip
def test_other_compound_files_stay_unsupported(tmp_path: Path, stream: str, named: str) -> None:
    path = tmp_path / "legacy.xls"  # the name does not make it a workbook
    path.write_bytes(compound_file({stream: b"\0" * 600, "Workbook": b"\0" * 100}))
    error = error_of(path)
    assert error.type is ErrorType.UNSUPPORTED
    assert (
        error.message
        == f"legacy binary {named} is not supported; save it as a modern format or PDF"
    )


def test_corpus_msg_files(corpus: Path) -> None:
    result = extract(str(corpus / UNS / "fake-email-attachment.msg"))
    assert result["metadata"]["title"] == "Fake email with attachment"
    assert "Here's the attachments!" in result["text"]
    assert result["metadata"]["attachments"] == [{
        "filename": "fake-attachment.txt", "content_type": "text/plain", "size": 30,
        "kind": "txt", "status": "ok",
    }]  # fmt: skip
    assert result["text"].endswith(
        "[attachment: fake-attachment.txt]\nHey this is a fake attachment!"
    )
    cc = extract(str(corpus / UNS / "fake-email-with-cc-and-bcc.msg"))["metadata"]
    assert cc["cc"] == "steve@unstructured.io" and "john-ctr@unstructured.io" in cc["to"]
    assert error_of(corpus / UNS / "fake-encrypted.msg").type is ErrorType.ENCRYPTED

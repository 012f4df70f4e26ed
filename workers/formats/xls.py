"""Excel 97-2003 workbooks (.xls, BIFF5/8) through xlrd: each sheet as its name followed by one
tab-separated line per non-empty row, as XLSX reads; dates as ISO 8601; the OLE summary
properties (title, author, dates, application) through olefile."""

from __future__ import annotations

import codecs
import datetime
import io
from typing import Any

from docmill.protocol import ErrorType
from workers.errors import TaskError
from workers.formats.base import (
    PARSER_ERRORS,
    Extracted,
    clean,
    describe,
    iso,
    read,
    spreadsheet_number,
)

_MAX_WARNINGS = 20  # xlrd notes every odd record; a damaged file can have thousands


def extract(path: str, warnings: list[str], limit: int) -> Extracted:
    """Return the text of the workbook at `path`, sheets in workbook order."""
    import xlrd
    from xlrd.compdoc import CompDocError

    data = read(path)
    log = io.StringIO()  # xlrd writes its warnings to a file, stdout by default
    errors: tuple[type[Exception], ...] = (CompDocError, *PARSER_ERRORS)
    try:
        book = xlrd.open_workbook(file_contents=data, logfile=log, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise TaskError(ErrorType.ENCRYPTED, "password-protected Excel workbook") from exc
        raise TaskError(ErrorType.MALFORMED, f"unreadable XLS: {describe(exc)}") from exc
    except errors as exc:
        raise TaskError(ErrorType.MALFORMED, f"unreadable XLS: {describe(exc)}") from exc
    sheets: list[str] = []
    try:
        for index in range(book.nsheets):
            try:
                sheet = book.get_sheet(index)
            except (xlrd.XLRDError, *errors) as exc:
                warnings.append(f"sheet {index + 1} unreadable: {describe(exc)}")
                continue
            rows = [_row(sheet.row(number), book.datemode) for number in range(sheet.nrows)]
            rows = [row for row in rows if row]
            sheets.append("\n".join([sheet.name, *rows]) if rows else sheet.name)
            book.unload_sheet(index)
    finally:
        book.release_resources()
    notes = list(dict.fromkeys(line.strip() for line in log.getvalue().splitlines()))
    warnings.extend(note for note in notes[:_MAX_WARNINGS] if note)
    return Extracted("\n\n".join(sheets), meta=_summary(data, warnings))


def _row(cells: list[Any], datemode: int) -> str:
    return "\t".join(_cell(cell, datemode) for cell in cells).rstrip()


def _cell(cell: Any, datemode: int) -> str:
    """A cell as Excel shows it, near enough: text, numbers without a trailing .0, dates and
    times as ISO 8601, TRUE/FALSE, error codes such as #DIV/0!."""
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind == xlrd.XL_CELL_TEXT:
        return str(value).replace("\t", " ").replace("\n", " ")
    if kind == xlrd.XL_CELL_NUMBER:
        return spreadsheet_number(value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return spreadsheet_number(value)
        if value < 1:
            return moment.strftime("%H:%M:%S")
        if value == int(value):
            return moment.date().isoformat()
        return moment.replace(microsecond=0).isoformat(sep=" ")
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(value, "#ERROR"))
    return ""


def _summary(data: bytes, warnings: list[str]) -> dict[str, Any]:
    """Title, author, subject, keywords, dates and application from SummaryInformation."""
    import olefile

    errors: tuple[type[Exception], ...] = (OSError, *PARSER_ERRORS)
    try:
        with olefile.OleFileIO(data) as ole:
            props = ole.get_metadata()
    except errors as exc:
        warnings.append(f"unreadable summary properties: {describe(exc)}")
        return {}
    codec = _codec(props.codepage)

    def text(value: Any) -> str | None:
        if isinstance(value, bytes):
            value = value.decode(codec, errors="replace")
        return clean(value)

    def moment(value: Any) -> str | None:
        # An unset date is the FILETIME epoch, 1601-01-01.
        return iso(value) if isinstance(value, datetime.datetime) and value.year > 1601 else None

    return {
        "title": text(props.title), "author": text(props.author),
        "subject": text(props.subject), "keywords": text(props.keywords),
        "created": moment(props.create_time), "modified": moment(props.last_saved_time),
        "producer": text(props.creating_application),
    }  # fmt: skip


def _codec(codepage: Any) -> str:
    """The Python codec of a Windows code page (stored as a signed 16-bit number)."""
    if not isinstance(codepage, int):
        return "cp1252"
    number = codepage & 0xFFFF
    name = {65001: "utf-8", 1200: "utf-16-le", 10000: "mac-roman"}.get(number, f"cp{number}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"

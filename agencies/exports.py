"""Lists written as files: CSV and XLSX, streamed or spooled, safe to open in a spreadsheet.

Every export of personal records starts from its page's gate and filters (the caller's queryset),
writes the rows as the database gives them (``iterator``: a batch at a time, never the whole list in
memory) and records the records sent in the access log as an export.

**Formula injection.** A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (or their full-width forms) is a formula to Excel and LibreOffice: a name typed as
``=HYPERLINK(...)`` would run when a manager opens the file. Such text is written with a leading
apostrophe, the spreadsheets' own mark for "text, not a formula"; numbers and dates are written as
they are.

CSV starts with a byte order mark, so that Excel reads the Dari and Pashto names as UTF-8. XLSX is
written by XlsxWriter in its constant-memory mode to a temporary file, then sent; a Dari or Pashto
page gives a right-to-left sheet.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.text import slugify

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
BYTE_ORDER_MARK = "\ufeff"
RIGHT_TO_LEFT = {"fa", "ps"}


def cell_safe(value):
    """``value`` as a spreadsheet cell that is never a formula (text only; numbers and dates as they are)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """csv.writer's file: hands back the line it was given."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: list[str], rows: Iterable[tuple]) -> Iterator[str]:
    """The CSV text, a line at a time, from the byte order mark and the header on."""
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow([cell_safe(name) for name in header])
    for row in rows:
        yield writer.writerow([cell_safe(_text(value)) for value in row])


def _text(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def xlsx_file(header: list[str], rows: Iterable[tuple], *, title: str):
    """An XLSX file (open, at its start) of ``header`` and ``rows``: one sheet, the header row bold and
    frozen, dates as dates."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook = xlsxwriter.Workbook(spool, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(title[:31])
    if translation.get_language() in RIGHT_TO_LEFT:
        sheet.right_to_left()
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [cell_safe(name) for name in header], bold)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, datetime.datetime):
                sheet.write_string(index, column, value.isoformat())
            elif isinstance(value, datetime.date):
                sheet.write_datetime(index, column, datetime.datetime.combine(value, datetime.time()), day)
            elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                sheet.write_number(index, column, value)
            elif value is None:
                continue
            else:
                sheet.write_string(index, column, str(cell_safe(value)))
    workbook.close()
    spool.seek(0)
    return spool


def export_response(
    *, format: str, header: list[str], rows: Iterable[tuple], name: str, title: str
) -> StreamingHttpResponse | FileResponse:
    """The download of ``rows`` as CSV (streamed) or XLSX (spooled to a temporary file, then sent)."""
    filename = f"{slugify(name) or 'export'}-{datetime.date.today().isoformat()}.{format}"
    if format == CSV:
        response = StreamingHttpResponse(
            (line.encode() for line in csv_lines(header, rows)), content_type=CONTENT_TYPES[CSV]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            xlsx_file(header, rows, title=title),
            as_attachment=True,
            filename=filename,
            content_type=CONTENT_TYPES[XLSX],
        )
    response["Cache-Control"] = "no-store"
    return response


def logged_rows(
    rows: Iterable[tuple], *, record_id: Callable[[tuple], object], log: Callable[[list], object], batch: int = 2000
):
    """``rows`` as they are written, with the records of each ``batch`` handed to ``log`` first (the
    access log), so that whatever reached the file is in the log."""
    pending: list[tuple] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            log([record_id(item) for item in pending])
            yield from pending
            pending = []
    if pending:
        log([record_id(item) for item in pending])
        yield from pending

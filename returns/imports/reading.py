"""Reading a spreadsheet uploaded by a field officer (CSV or XLSX) into plain rows.

Officers save their sheets from Excel, LibreOffice, Kobo or a phone, in whatever encoding and
separator the tool chose: this module takes all of them and gives back the same thing, one dict per
row keyed by the template's column names, with the row number the officer sees in the spreadsheet.
A file that cannot be read at all is refused as a whole (``FileRefused``), with a stable code and a
sentence that says how to fix it. Checking the values is the caller's work; ``formula_like`` here
and ``agencies.calendars.date_read`` (a date in either calendar) help with the two checks every
importer needs.

No database here: the caller decides what the rows mean.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import openpyxl
from django.utils.translation import gettext as _

from returns.names import DIGITS

ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = (",", ";", "\t")
MEGABYTE = 1024 * 1024
HEADER_SEPARATORS = re.compile(r"[\s\-]+")

# What makes Excel or LibreOffice evaluate a cell (CSV injection), half-width and full-width.
FORMULA_STARTS = ("=", "@", "\t", "\r", "＝", "＠")
SIGN_STARTS = ("+", "-", "＋", "－")
SIGNED_NUMBER = re.compile(r" ?\d")  # any script's digits: a number, not a formula
# What a formula-like cell starts with: most cells start with none of these (one look, not two).
FORMULA_FIRST = frozenset(FORMULA_STARTS + SIGN_STARTS)
# The Persian and Arabic-Indic digits that ``DIGITS`` writes as ASCII: most files have none.
LOCAL_DIGITS = re.compile("[۰-۹٠-٩]")


class FileRefused(Exception):
    """The whole file is refused: ``code`` (stable, machine-readable) and ``message`` (for the officer)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Sheet:
    columns: list[str]
    extra_columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number, its written cells by column: empty ones left out)
    # A KoboToolbox export with a repeat group (``_kobo_sheet_build``): the rows above are the repeat
    # sheet's, each with its parent's columns; these say where the parent's columns were.
    kobo: "KoboLayout | None" = None


@dataclass
class KoboLayout:
    main_sheet: str  # the form's sheet: one row per submission (a household)
    repeat_sheet: str  # the repeat group's: one row per repetition (a person)
    parent_columns: set[str]  # the template's columns found in the form's sheet
    parent_rows: dict[int, int]  # a repeat row → its submission's row in the form's sheet
    # Submissions without a repetition, as problems ({"sheet", "row", "column", "message"}).
    problems: list[dict] = field(default_factory=list)


def sheet_read(
    content: bytes,
    *,
    filename: str,
    columns: list[str],
    required: list[str],
    max_rows: int,
    max_bytes: int,
    kobo_reference: str | None = None,
) -> Sheet:
    """The file's rows keyed by the canonical ``columns``, numbered as the spreadsheet shows them
    (header row 1), so that a problem reported on row 7 is on the row the officer sees as 7.

    ``kobo_reference``: the column that groups rows into a record. Given, an XLSX exported from
    KoboToolbox with a repeat group (a sheet of submissions, a sheet of repetitions) is read as one
    row per repetition carrying its submission's columns, the submission's ``_index`` as the reference.
    """
    if len(content) > max_bytes:
        limit = f"{max_bytes / MEGABYTE:.1f}".removesuffix(".0")
        raise FileRefused(
            "too_large",
            _("The file is larger than %(limit)s MB. Split it into smaller files and upload each one.")
            % {"limit": limit},
        )
    if not content:
        raise FileRefused("empty", _("The file is empty. Its first row should hold the column names."))
    if content.startswith(ZIP_MAGIC) or filename.lower().endswith(".xlsx"):
        workbook = _workbook(content)
        sheets = _kobo_sheets(workbook) if kobo_reference else None
        if sheets is not None:
            return _kobo_sheet_build(
                *sheets, columns=columns, required=required, max_rows=max_rows, reference=kobo_reference
            )
        cells_by_row = _xlsx_cells(workbook.worksheets[0], workbook)
    else:
        # The digits are made ASCII in the whole text at once: each cell then only needs stripping.
        cells_by_row = _csv_rows(content)
        return _sheet_build(cells_by_row, columns=columns, required=required, max_rows=max_rows, clean=str.strip)
    return _sheet_build(cells_by_row, columns=columns, required=required, max_rows=max_rows)


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run this cell as a formula when the officer opens an export.
    A sign before a number (a phone such as +93 700 123 456, or -5) is a value, not a formula."""
    if text[:1] not in FORMULA_FIRST:
        return False
    if text.startswith(FORMULA_STARTS):
        return True
    if text.startswith(SIGN_STARTS):
        rest = text[1:]
        return bool(rest) and not SIGNED_NUMBER.match(rest)
    return False


def _workbook(content: bytes):
    if not content.startswith(ZIP_MAGIC):
        raise _unreadable()
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # a damaged file fails in the zip or XML parser, in many ways
        raise _unreadable() from error


def _xlsx_cells(worksheet, workbook=None) -> Iterator[list[str]]:
    """A sheet's rows as text; closes the workbook (given) once read."""
    # Read-only workbooks parse as they are iterated: a damaged sheet fails here, not at load time.
    try:
        for values in worksheet.iter_rows(values_only=True):
            yield [_xlsx_text(value) for value in values]
    except Exception as error:  # as above
        raise _unreadable() from error
    finally:
        if workbook is not None:
            workbook.close()


# ---------------------------------------------------------------------------------------------
# KoboToolbox exports with a repeat group
#
# Kobo's XLSX export ("XML values and headers") writes a form with a repeat group (a household and
# its members) as two sheets: the submissions, each with an ``_index``, and the repetitions, each
# with the ``_parent_index`` of its submission, plus Kobo's own columns (``_id``, ``_uuid``,
# ``_submission_time``, ``start``, ``end``...), which are not the template's and are not reported.
# ---------------------------------------------------------------------------------------------

KOBO_INDEX = "_index"
KOBO_PARENT_INDEX = "_parent_index"
KOBO_META_COLUMNS = {"start", "end", "today", "deviceid", "instanceid", "username", "simserial", "subscriberid"}


def _kobo_sheets(workbook) -> tuple | None:
    """(the form's sheet, the repeat group's sheet, the workbook) when this is a Kobo export with a
    repeat group; None for any other workbook (read as one sheet)."""
    if len(workbook.worksheets) < 2:
        return None
    headers = []
    try:
        for worksheet in workbook.worksheets:
            first = next(worksheet.iter_rows(max_row=1, values_only=True), ())
            headers.append({_header_normal(_xlsx_text(value)) for value in first if value is not None})
    except Exception as error:  # a damaged sheet, as in _xlsx_cells
        workbook.close()
        raise _unreadable() from error
    if KOBO_INDEX not in headers[0]:
        return None
    repeat = next(
        (
            sheet
            for sheet, header in zip(workbook.worksheets[1:], headers[1:], strict=True)
            if KOBO_PARENT_INDEX in header
        ),
        None,
    )
    return None if repeat is None else (workbook.worksheets[0], repeat, workbook)


def _kobo_sheet_build(main, repeat, workbook, *, columns, required, max_rows, reference) -> Sheet:
    try:
        submissions = _sheet_build(
            _xlsx_cells(main), columns=[*columns, KOBO_INDEX], required=[KOBO_INDEX], max_rows=max_rows
        )
        repetitions = _sheet_build(
            _xlsx_cells(repeat), columns=[*columns, KOBO_PARENT_INDEX], required=[KOBO_PARENT_INDEX], max_rows=max_rows
        )
    finally:
        workbook.close()
    found = set(submissions.columns) | set(repetitions.columns)
    missing = [column for column in required if column not in found and column != reference]
    if missing:
        raise FileRefused(
            "missing_columns",
            _("These columns are missing from both sheets of the KoboToolbox export: %(columns)s.")
            % {"columns": ", ".join(missing)},
        )
    parent_columns = set(submissions.columns) - {KOBO_INDEX}
    parents = {cells.get(KOBO_INDEX, ""): (row, cells) for row, cells in submissions.rows}
    layout = KoboLayout(main_sheet=main.title, repeat_sheet=repeat.title, parent_columns=parent_columns, parent_rows={})
    rows = []
    with_members = set()
    for row, cells in repetitions.rows:
        index = cells.pop(KOBO_PARENT_INDEX, "")
        parent_row, parent = parents.get(index, (None, {}))
        merged = {column: text for column, text in parent.items() if column in parent_columns}
        merged.update({column: text for column, text in cells.items() if text or column not in merged})
        merged[reference] = index if parent_row is not None else ""
        rows.append((row, merged))
        if parent_row is not None:
            layout.parent_rows[row] = parent_row
            with_members.add(index)
    for index, (row, _cells) in parents.items():
        if index not in with_members:
            layout.problems.append(
                {
                    "sheet": main.title,
                    "row": row,
                    "column": KOBO_INDEX,
                    "message": _("This submission has no row in the sheet “%(sheet)s”: it was left out.")
                    % {"sheet": repeat.title},
                }
            )
    extra = [column for column in (*submissions.extra_columns, *repetitions.extra_columns) if not _kobo_own(column)]
    return Sheet(columns=sorted(found - {KOBO_INDEX, KOBO_PARENT_INDEX}), extra_columns=extra, rows=rows, kobo=layout)


def _kobo_own(written: str) -> bool:
    """Kobo's own columns (``_id``, ``_uuid``, ``meta/instanceID``, ``start``...): not the template's, not reported."""
    column = _header_normal(written)
    return column.startswith("_") or column in KOBO_META_COLUMNS


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: 12, not 12.0
    return str(value)


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    if content.startswith(UTF8_BOM):
        encoding = "utf-8-sig"
    elif content.startswith(UTF16_BOMS):
        encoding = "utf-16"  # Excel's "Unicode text": the BOM says which byte order
    else:
        encoding = "utf-8"
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as error:
        raise FileRefused(
            "encoding",
            _(
                "The file's letters could not be read. In Excel, save it as “CSV UTF-8 (Comma delimited)” "
                "and upload it again."
            ),
        ) from error
    if LOCAL_DIGITS.search(text):
        text = text.translate(DIGITS)
    return _csv_cells(text, delimiter=_delimiter(text))


def _delimiter(text: str) -> str:
    """The separator that splits the header line into the most fields (comma when in doubt): Excel
    writes semicolons where the comma is the decimal mark, and tabs in its "Unicode text"."""
    header = next((line for line in io.StringIO(text) if line.strip()), "")
    return max(DELIMITERS, key=lambda delimiter: len(next(csv.reader([header], delimiter=delimiter), [])))


def _csv_cells(text: str, *, delimiter: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise _unreadable() from error


def _sheet_build(
    cells_by_row: Iterable[list[str]], *, columns: list[str], required: list[str], max_rows: int, clean=None
) -> Sheet:
    """The rows as read; ``clean`` makes a cell's text what the checks read (``_cell_clean``)."""
    clean = clean or _cell_clean
    numbered = enumerate(cells_by_row, start=1)
    # The header is the first row with anything in it; the numbering still counts the rows above it.
    header = next((cells for _number, cells in numbered if any(clean(cell) for cell in cells)), None)
    if header is None:
        raise FileRefused("empty", _("The file is empty. Its first row should hold the column names."))

    known = set(columns)
    column_at: dict[int, str] = {}
    extra_columns = []
    for position, written in enumerate(clean(cell) for cell in header):
        if not written:
            continue  # a blank header cell (often trailing) is no column at all
        column = _header_normal(written)
        if column not in known:
            extra_columns.append(written)
        elif column in column_at.values():
            raise FileRefused(
                "duplicate_column",
                _("The column “%(column)s” appears twice. Keep one of them and delete the other.") % {"column": column},
            )
        else:
            column_at[position] = column
    missing = [column for column in required if column not in column_at.values()]
    if missing:
        raise FileRefused(
            "missing_columns",
            _("These columns are missing from the first row: %(columns)s. Add them, as in the template.")
            % {"columns": ", ".join(missing)},
        )

    # Each position's column (None: a column left out), as long as the longest row may be.
    names = [column_at.get(at) for at in range(max(column_at, default=-1) + 1)]
    rows = []
    for number, cells in numbered:
        texts = list(map(clean, cells))
        if not any(texts):
            continue
        if len(rows) == max_rows:
            raise FileRefused(
                "too_many_rows",
                _("The file has more than %(limit)s rows. Split it into files of at most %(limit)s rows each.")
                % {"limit": max_rows},
            )
        # Only the cells written (read with ``cells.get(column, "")``): most of a wide template's are empty,
        # and a 100,000-row file's cells are most of an import's memory.
        rows.append((number, {column: text for column, text in zip(names, texts, strict=False) if text and column}))
    return Sheet(columns=list(column_at.values()), extra_columns=extra_columns, rows=rows)


def _header_normal(written: str) -> str:
    """Kobo writes a question inside a group as ``group_members/given_name``: the group is dropped."""
    return HEADER_SEPARATORS.sub("_", written.rsplit("/", 1)[-1].strip().lower())


def _cell_clean(cell: str) -> str:
    cell = cell.strip()  # str.strip() also takes the no-break space (U+00A0)
    return cell.translate(DIGITS) if LOCAL_DIGITS.search(cell) else cell


def _unreadable() -> FileRefused:
    return FileRefused(
        "unreadable",
        _(
            "This file could not be read as a spreadsheet. Open it in Excel and save it again as an Excel "
            "workbook (.xlsx) or as “CSV UTF-8 (Comma delimited)”."
        ),
    )

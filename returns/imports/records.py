"""The records of an uploaded file, and the problems found in them, as every kind of import says them.

A record is what one import saves as one thing: a household (its rows), a VRF manifest (the rows of
one VRF) or a day's border count (one row). Problems are plain dicts, ``{"row", "column",
"message"}`` with the row the officer sees in the spreadsheet, so that they can be stored with the
import and written to the problems file as they are.

No database here: the kinds' modules (``returns.services.imports`` and the modules beside it) decide
what the rows mean.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from agencies.calendars import date_read
from returns.imports.reading import FORMULA_FIRST, formula_like


@dataclass
class ImportedRecord:
    """One record of the file: its reference (the column that groups its rows), its rows (the first
    carries the record's own columns), what they were read into, and the problems found so far."""

    reference: str
    rows: list[int] = field(default_factory=list)
    value: Any = None
    problems: list[dict] = field(default_factory=list)
    # Where the kind placed parts of ``value`` in the file (a person's second document's columns...).
    places: dict = field(default_factory=dict)
    # The rows' cells (row, cells) of a record read but not yet built (an import builds each chunk's
    # records as it saves them); None once built.
    cells: list | None = None


def problem(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": str(message)}


def formula_problems(rows: list[tuple[int, dict[str, str]]]) -> list[dict]:
    """A cell a spreadsheet would run as a formula, on every row of a record."""
    return [
        problem(row, column, _("This cell starts like a spreadsheet formula (=, +, -, @): write the value without it."))
        for row, cells in rows
        for column, text in cells.items()
        if text[:1] in FORMULA_FIRST and formula_like(text)
    ]


def date_cell(
    row: int, column: str, text: str, problems: list[dict], *, required: bool = False
) -> datetime.date | None:
    """The cell's date (Gregorian or Solar Hijri), or None with its problem said."""
    if not text:
        if required:
            problems.append(problem(row, column, _("Enter the date.")))
        return None
    try:
        return date_read(text)
    except ValueError as error:
        problems.append(problem(row, column, str(error)))
        return None


def whole_number_cell(
    row: int, column: str, text: str, problems: list[dict], *, message: str, required: bool = False
) -> int | None:
    """The cell's whole number (``1,200`` and ``1 200`` read as 1200), or None with its problem said."""
    if not text:
        if required:
            problems.append(problem(row, column, message))
        return None
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]  # a spreadsheet's number cell, read as text
    try:
        return int(cleaned)
    except ValueError:
        problems.append(problem(row, column, message))
        return None


def problems_sorted(problems: list[dict], columns: list[str]) -> list[dict]:
    """Problems in the file's order: by row, then by column as the template orders them."""

    def place(found: dict) -> tuple[int, int]:
        column = found["column"]
        return found["row"], columns.index(column) if column in columns else -1

    return sorted(problems, key=place)

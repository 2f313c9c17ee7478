"""Statistical disclosure control: no published figure may reveal a small count (under five by default).

Two uses share the vocabulary of this module (``Reason``):

* the partner statistics (``reports.selectors``) mark ``Cell`` objects with ``suppress``;
* the joint report's public edition (``public_edition``) is derived from the internal edition of
  a snapshot, table by table, following ``docs/joint-report.md``.

Why each rule of the public edition is what it is:

* **Primary suppression.** A count (a cell, a row total, a column total or the grand total) with
  ``0 < value < threshold`` is hidden: it could point at a family or a person. The threshold is the
  table's (``DisclosureThreshold``, ``*`` for every table without a row; 5 when nothing is set);
  rows with ``"sensitive": true`` (a sensitive vulnerability or specific-needs code) take the
  stricter ``sensitive_threshold`` (10 when nothing is set).
* **Zeros are published.** An empty cell says nothing about a person: no one can be found in it.
* **Secondary suppression.** A published line (a row's cells of one column group and the row
  total; a column's cells, per row group, and the column total; the column totals of a group and
  the grand total; the row totals and the grand total) with exactly one hidden entry gives that
  entry away by subtraction, so one more entry of that line is hidden, until every line has none
  or at least two. The complement chosen is a non-zero one, a cell before a total (readers need
  the totals), then one that also completes another line holding a single hidden entry (fewer
  cells are lost), then the smallest, then the first in reading order (the result never depends
  on dictionary or set order).
* **No recovery by combining lines.** Two lines with two hidden entries each may still pin one of
  them when subtracted from each other. After the greedy pass, the published lines are solved as a
  linear system over the hidden entries (exact rational Gaussian elimination; report tables are
  small); while any hidden entry is uniquely determined, one more entry of its lines is hidden and
  the greedy pass runs again. Hiding every non-zero entry always satisfies the check, so it ends.
* **Measures tables** (averages, money, percentages) cannot be solved for a count, so a row is
  hidden whole when any of its ``units_columns`` counts is small; when the total row is published
  and exactly one row is hidden, the row with the next smallest non-zero units is hidden too (the
  total is hidden when no such row is left).
* **Extras and highlights** are derived from the cells: an entry derived from a hidden cell is
  dropped or null, and headline numbers are rounded by ``HIGHLIGHT_ROUNDING``.
"""

import copy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext_noop

from reports.models import DisclosureThreshold

THRESHOLD = 5
SENSITIVE_THRESHOLD = 10

TOTAL = "total"

# Headline rounding: (below this, round to the nearest that); the last step covers everything above.
HIGHLIGHT_STEPS = ((1_000, 10), (100_000, 100), (1_000_000, 1_000), (None, 10_000))
HIGHLIGHT_ROUNDING = gettext_noop(
    "Headline numbers are rounded: below 1,000 to the nearest 10, below 100,000 to the nearest 100, "
    "below 1,000,000 to the nearest 1,000, and otherwise to the nearest 10,000 (halves upwards). "
    "A headline number below the disclosure threshold is not published. Percentages are rounded to "
    "whole numbers. Tables give exact figures, with small cells suppressed."
)

# Children in the age-and-sex table (the overall share is also a highlight).
CHILD_AGE_BANDS = ("0-4", "5-11", "12-17")


class Reason:
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass
class Cell:
    breakdown: str
    key: str
    units: int  # what the threshold is about
    counts: dict = field(default_factory=dict)  # what is published (units included)
    suppressed: str = ""

    def published(self) -> dict:
        return {name: (None if self.suppressed else value) for name, value in self.counts.items()}


def suppress(lines: list[list[Cell]]) -> None:
    """Mark the cells to suppress. ``lines``: every group of cells whose total is published or derivable."""
    for line in lines:
        for cell in line:
            if cell.units < THRESHOLD:
                cell.suppressed = Reason.PRIMARY
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for cell in line if cell.suppressed) != 1:
                continue
            shown = [cell for cell in line if not cell.suppressed]
            if shown:
                min(shown, key=lambda cell: (cell.units, cell.key)).suppressed = Reason.SECONDARY
                changed = True


def thresholds_current() -> dict:
    """The disclosure thresholds as they stand, for a snapshot to keep (``Report.thresholds``).

    ``{"*": {"threshold": 5, "sensitive_threshold": 10}, "<table code>": {...}}``: ``*`` is always
    present (5 and 10 when the admin has no row for it); a table without a row takes ``*``.
    """
    thresholds = {
        DisclosureThreshold.DEFAULT_TABLE: {"threshold": THRESHOLD, "sensitive_threshold": SENSITIVE_THRESHOLD}
    }
    for table, threshold, sensitive_threshold in DisclosureThreshold.objects.order_by("table").values_list(
        "table", "threshold", "sensitive_threshold"
    ):
        thresholds[table] = {"threshold": threshold, "sensitive_threshold": sensitive_threshold}
    return thresholds


def table_thresholds(thresholds: dict, *, table: str) -> tuple[int, int]:
    """``(threshold, sensitive_threshold)`` for a table: its own row, else ``*``, else 5 and 10."""
    fallback = thresholds.get(DisclosureThreshold.DEFAULT_TABLE) or {}
    own = thresholds.get(table) or fallback
    threshold = own.get("threshold", fallback.get("threshold", THRESHOLD))
    sensitive = own.get("sensitive_threshold", fallback.get("sensitive_threshold", SENSITIVE_THRESHOLD))
    return threshold, max(threshold, sensitive)


def public_edition(figures: dict, *, thresholds: dict) -> dict:
    """The public edition of a snapshot's figures: a new dict, the input left as it is.

    Small counts and what would give them away are ``None`` and listed in each table's
    ``suppressed`` (``[row, column, reason]``, ``"total"`` for a total); each table so controlled
    says its thresholds in ``disclosure``, for the reader's note; extras derived from hidden
    entries are dropped or null; highlights are rounded (``highlights["rounding"]`` says how).
    """
    public = copy.deepcopy(figures)
    public["edition"] = "public"
    hidden_by_table: dict[str, dict] = {}
    for table in public.get("tables", []):
        if table.get("threshold_class") == "none":
            continue
        threshold, sensitive_threshold = table_thresholds(thresholds, table=table.get("code", ""))
        if table.get("shape") == "measures":
            hidden = _measures_hidden(table, threshold=threshold, sensitive_threshold=sensitive_threshold)
            _measures_apply(table, hidden)
        else:
            hidden = counts_hidden(table, threshold=threshold, sensitive_threshold=sensitive_threshold)
            _counts_apply(table, hidden)
            _counts_extra(table, hidden)
        hidden_by_table[table.get("code", "")] = hidden
        table["disclosure"] = {"threshold": threshold, "sensitive_threshold": sensitive_threshold}
    headline_threshold, _sensitive = table_thresholds(thresholds, table="headline")
    public["highlights"] = _highlights_public(
        public.get("highlights") or {},
        tables={table.get("code", ""): table for table in figures.get("tables", [])},
        hidden_by_table=hidden_by_table,
        threshold=headline_threshold,
    )
    return public


def highlight_rounded(value: int, *, threshold: int) -> int | None:
    """A headline count as published: ``None`` below the threshold (0 stays 0), else rounded."""
    if value == 0:
        return 0
    if abs(value) < threshold:
        return None
    for below, step in HIGHLIGHT_STEPS:
        if below is None or abs(value) < below:
            rounded = (Decimal(abs(value)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
            return int(rounded) if value > 0 else -int(rounded)
    raise AssertionError("the last step covers every value")


def percent_rounded(value) -> str | None:
    """A percentage as published: a whole number (halves away from zero), kept a string to stay exact."""
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return str(number.quantize(Decimal(1), rounding=ROUND_HALF_UP) + 0)  # + 0 turns -0 into 0


# Counts tables ------------------------------------------------------------------------------------
#
# An entry's position is (row, column): a cell (i, j), a row total (i, "total"), a column total
# ("total", j), the grand total ("total", "total") -- the form of ``table["suppressed"]``.


def counts_entries(table: dict) -> dict:
    """Every count of a counts table by position."""
    entries = {}
    for i, row in enumerate(table.get("rows", [])):
        for j, value in enumerate(row.get("cells", [])):
            entries[(i, j)] = value
        if row.get("total") is not None:
            entries[(i, TOTAL)] = row["total"]
    total = table.get("total") or {}
    for j, value in enumerate(total.get("cells") or []):
        entries[(TOTAL, j)] = value
    if total.get("total") is not None:
        entries[(TOTAL, TOTAL)] = total["total"]
    return entries


def counts_lines(table: dict) -> list[list[tuple]]:
    """Every published line of a counts table: a list of positions whose last one is their sum."""
    rows = table.get("rows", [])
    column_count = len(table.get("columns") or (rows[0]["cells"] if rows else []))
    column_groups = table.get("column_groups") or [list(range(column_count))]
    row_groups = table.get("row_groups") or [list(range(len(rows)))]
    total = table.get("total") or {}
    has_row_totals = bool(rows) and all(row.get("total") is not None for row in rows)
    lines = []
    if has_row_totals:
        for i in range(len(rows)):
            lines += [[*((i, j) for j in group), (i, TOTAL)] for group in column_groups]
    if total.get("cells") is not None:
        for group in row_groups:
            lines += [[*((i, j) for i in group), (TOTAL, j)] for j in range(column_count)]
        if total.get("total") is not None:
            lines += [[*((TOTAL, j) for j in group), (TOTAL, TOTAL)] for group in column_groups]
    if has_row_totals and total.get("total") is not None:
        lines += [[*((i, TOTAL) for i in group), (TOTAL, TOTAL)] for group in row_groups]
    return lines


def counts_hidden(table: dict, *, threshold: int, sensitive_threshold: int) -> dict:
    """The entries of a counts table to suppress: ``{position: reason}``."""
    rows = table.get("rows", [])
    entries = counts_entries(table)
    lines = counts_lines(table)
    hidden = {}
    for position, value in entries.items():
        row = position[0]
        limit = sensitive_threshold if row != TOTAL and rows[row].get("sensitive") else threshold
        if _is_count(value) and 0 < value < limit:
            hidden[position] = Reason.PRIMARY
    if not hidden:
        return hidden
    lines_of: dict[tuple, list[int]] = {}
    for index, line in enumerate(lines):
        for position in line:
            lines_of.setdefault(position, []).append(index)
    while True:
        _complete_lines(lines, lines_of, entries, hidden)
        determined = determined_entries(lines, hidden=set(hidden))
        if not determined:
            return hidden
        first = determined[0]
        candidates = {position for index in lines_of.get(first, []) for position in lines[index]} - set(hidden)
        candidates = [position for position in candidates if _is_count(entries.get(position))]
        if not candidates:
            candidates = [p for p, value in entries.items() if p not in hidden and _is_count(value) and value]
        if not candidates:
            return hidden  # everything that could be hidden is; nothing more to do
        hidden[_complement(candidates, lines, lines_of, entries, hidden, skip=None)] = Reason.SECONDARY


def _complete_lines(lines, lines_of, entries, hidden) -> None:
    """Hide one more entry of every line with exactly one hidden entry, until there is none."""
    changed = True
    while changed:
        changed = False
        for index, line in enumerate(lines):
            if sum(1 for position in line if position in hidden) != 1:
                continue
            candidates = [p for p in line if p not in hidden and _is_count(entries.get(p))]
            if candidates:
                hidden[_complement(candidates, lines, lines_of, entries, hidden, skip=index)] = Reason.SECONDARY
                changed = True


def _complement(candidates, lines, lines_of, entries, hidden, *, skip) -> tuple:
    """The entry to hide as a complement: non-zero, a cell, one completing another line, smallest, first."""

    def completes_another(position) -> bool:
        return any(
            index != skip and sum(1 for p in lines[index] if p in hidden) == 1 for index in lines_of.get(position, [])
        )

    return min(
        candidates,
        key=lambda position: (
            entries[position] == 0,
            TOTAL in position,
            not completes_another(position),
            entries[position],
            _reading_order(position),
        ),
    )


def determined_entries(lines: list[list[tuple]], *, hidden: set) -> list[tuple]:
    """The hidden entries that the published lines determine uniquely, in reading order.

    Each line says ``sum(parts) - total = 0``; published entries are known, so only the hidden ones
    are unknowns. An unknown is determined when the reduced row echelon form of the system holds a
    row with that unknown alone (any other solution differs from it by a null-space vector, and a
    free unknown or one tied to a free unknown changes along one).
    """
    unknowns = sorted(hidden, key=_reading_order)
    column_of = {position: index for index, position in enumerate(unknowns)}
    pivots: dict[int, dict[int, Fraction]] = {}
    for line in lines:
        equation: dict[int, Fraction] = {}
        for position, sign in [*((p, 1) for p in line[:-1]), (line[-1], -1)]:
            if position in column_of:
                column = column_of[position]
                equation[column] = equation.get(column, Fraction(0)) + sign
        equation = {column: value for column, value in equation.items() if value}
        for column in [column for column in equation if column in pivots]:
            factor = equation.get(column)
            if factor:
                for other, value in pivots[column].items():
                    equation[other] = equation.get(other, Fraction(0)) - factor * value
                equation = {c: value for c, value in equation.items() if value}
        if not equation:
            continue
        pivot = min(equation)
        scale = equation[pivot]
        equation = {column: value / scale for column, value in equation.items()}
        for row in pivots.values():
            factor = row.get(pivot)
            if factor:
                for column, value in equation.items():
                    row[column] = row.get(column, Fraction(0)) - factor * value
                for column in [column for column, value in row.items() if not value]:
                    del row[column]
        pivots[pivot] = equation
    return [unknowns[column] for column in sorted(pivots) if set(pivots[column]) == {column}]


def _counts_apply(table: dict, hidden: dict) -> None:
    rows = table.get("rows", [])
    total = table.get("total") or {}
    for i, j in hidden:
        if i == TOTAL and j == TOTAL:
            total["total"] = None
        elif i == TOTAL:
            total["cells"][j] = None
        elif j == TOTAL:
            rows[i]["total"] = None
        else:
            rows[i]["cells"][j] = None
    table["suppressed"] = [[i, j, hidden[(i, j)]] for (i, j) in sorted(hidden, key=_reading_order)]


def _counts_extra(table: dict, hidden: dict) -> None:
    """Extras derived from hidden entries do not leak them.

    ``top`` (entries ``{"key": [...], "people": n, "share": "12.3"}``, people being the row's total):
    an entry whose row total is hidden is dropped; shares are null when the grand total is hidden.
    ``children_percent`` (``{status: "52.1", ..., "all": "51.0"}``): a status's share is null when
    any entry of that status's columns is hidden; any other key (the overall share) is null when a
    row total or the grand total is hidden.
    """
    extra = table.get("extra")
    if not isinstance(extra, dict) or not hidden:
        return
    rows = table.get("rows", [])
    if isinstance(extra.get("top"), list):
        kept = []
        for entry in extra["top"]:
            row = _row_index(rows, entry.get("key") if isinstance(entry, dict) else None)
            if row is None or (row, TOTAL) in hidden:
                continue
            if (TOTAL, TOTAL) in hidden and "share" in entry:
                entry["share"] = None
            kept.append(entry)
        if len(kept) < len(extra["top"]) or (TOTAL, TOTAL) in hidden:
            extra["top_share"] = None  # the share of the top provinces together leans on them
        extra["top"] = kept
    if isinstance(extra.get("children_percent"), dict):
        hidden_columns = {j for (_i, j) in hidden if j != TOTAL}
        any_total_hidden = any(j == TOTAL for (_i, j) in hidden)
        statuses: dict[str, set] = {}
        for j, column in enumerate(table.get("columns", [])):
            parts = column.get("parts") or []
            if parts:
                statuses.setdefault(parts[0], set()).add(j)
        for key in extra["children_percent"]:
            if key in statuses:
                if statuses[key] & hidden_columns:
                    extra["children_percent"][key] = None
            elif any_total_hidden:
                extra["children_percent"][key] = None


def _row_index(rows: list, key) -> int | None:
    """The row a key names: the row's key itself, or its only part."""
    for index, row in enumerate(rows):
        row_key = row.get("key")
        if key == row_key or (isinstance(row_key, list) and len(row_key) == 1 and key == row_key[0]):
            return index
    return None


# Measures tables ----------------------------------------------------------------------------------


def _measures_hidden(table: dict, *, threshold: int, sensitive_threshold: int) -> dict:
    """Whole rows of a measures table to suppress: ``{row index or "total": reason}``."""
    units_columns = table.get("units_columns") or []
    rows = table.get("rows", [])

    def units(cells) -> list[Decimal]:
        found = [_number(cells[j]) for j in units_columns if j < len(cells)]
        return [value for value in found if value is not None]

    hidden = {}
    for i, row in enumerate(rows):
        limit = sensitive_threshold if row.get("sensitive") else threshold
        if any(0 < value < limit for value in units(row.get("cells", []))):
            hidden[i] = Reason.PRIMARY
    total = table.get("total") or {}
    if total.get("cells") is not None and any(0 < value < threshold for value in units(total["cells"])):
        hidden[TOTAL] = Reason.PRIMARY
    published_total = total.get("cells") is not None and TOTAL not in hidden
    if published_total and sum(1 for key in hidden if key != TOTAL) == 1:
        candidates = [(min(units(row.get("cells", [])), default=0), i) for i, row in enumerate(rows) if i not in hidden]
        candidates = [(value, i) for value, i in candidates if value > 0]
        if candidates:
            hidden[min(candidates)[1]] = Reason.SECONDARY
        else:
            hidden[TOTAL] = Reason.SECONDARY
    return hidden


def _measures_apply(table: dict, hidden: dict) -> None:
    rows = table.get("rows", [])
    suppressed = []
    for key in sorted(hidden, key=lambda key: (key == TOTAL, key if key != TOTAL else 0)):
        holder = table["total"] if key == TOTAL else rows[key]
        holder["cells"] = [None] * len(holder.get("cells", []))
        suppressed += [[key, j, hidden[key]] for j in range(len(holder["cells"]))]
        if holder.get("total") is not None:
            holder["total"] = None
            suppressed.append([key, TOTAL, hidden[key]])
    table["suppressed"] = suppressed


# Highlights ---------------------------------------------------------------------------------------


def _highlights_public(highlights: dict, *, tables: dict, hidden_by_table: dict, threshold: int) -> dict:
    """Highlights rounded; one derived from a hidden entry is ``None``. ``tables``: the internal ones."""
    public = {}
    for name, value in highlights.items():
        if name == "rounding":
            continue
        if _highlight_hidden(name, tables=tables, hidden_by_table=hidden_by_table):
            public[name] = None
        elif name.endswith("_percent"):
            public[name] = percent_rounded(value)
        elif _is_count(value):
            public[name] = highlight_rounded(value, threshold=threshold)
        else:
            public[name] = value
    public["rounding"] = HIGHLIGHT_ROUNDING
    return public


def _highlight_hidden(name: str, *, tables: dict, hidden_by_table: dict) -> bool:
    """Whether a highlight comes from a hidden entry (its table, when it is in the report)."""
    headline = hidden_by_table.get("headline", {})
    if name == "total_returns":
        return (TOTAL, TOTAL) in headline
    if name == "previous_total_returns":
        return _previous_total_hidden(tables.get("headline_change"), hidden_by_table.get("headline_change", {}))
    if name == "change_percent":
        return (TOTAL, TOTAL) in headline or _previous_total_hidden(
            tables.get("headline_change"), hidden_by_table.get("headline_change", {})
        )
    if name == "children_percent":
        return any(column == TOTAL for (_row, column) in hidden_by_table.get("sex_age", {}))
    if name == "top_provinces_percent":
        return _top_hidden(tables.get("by_province"), hidden_by_table.get("by_province", {}))
    if "headline" in tables:
        row = _row_index(tables["headline"].get("rows", []), name)
        if row is not None:
            return (row, TOTAL) in headline
    return False


def _top_hidden(table: dict | None, hidden: dict) -> bool:
    """Whether the share of the top provinces leans on a hidden entry: the grand total, or the
    total of a province among the top (``extra.top`` of the internal table; every province's
    when the table has no ``top``)."""
    if table is None:
        return False
    if (TOTAL, TOTAL) in hidden:
        return True
    rows = table.get("rows", [])
    top = (table.get("extra") or {}).get("top")
    if not isinstance(top, list):
        return any(column == TOTAL for (_row, column) in hidden)
    keys = [entry.get("key") for entry in top if isinstance(entry, dict)]
    return any(_row_index(rows, key) is None or (_row_index(rows, key), TOTAL) in hidden for key in keys)


def _previous_total_hidden(table: dict | None, hidden: dict) -> bool:
    """The previous period's total in ``headline_change`` (its ``all`` row, or its total row)."""
    if table is None:
        return False
    row = _row_index(table.get("rows", []), "all")
    return (row if row is not None else TOTAL) in hidden


# Helpers ------------------------------------------------------------------------------------------


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> Decimal | None:
    if _is_count(value):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _reading_order(position: tuple) -> tuple:
    """Rows top to bottom, then the totals row; in a row, cells left to right, then the total."""
    row, column = position
    return (row == TOTAL, 0 if row == TOTAL else row, column == TOTAL, 0 if column == TOTAL else column)

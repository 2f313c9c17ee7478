"""The shapes of the report's tables (docs/joint-report.md, "The figures"): Python only lays out
the few rows PostgreSQL counted; it never counts people itself.

A ``counts`` table's row total is the sum of each of its column groups (every group adds up to it),
its total row the sum of each column. A ``measures`` table's columns are measures with a unit;
money and percentages are strings (two and one decimals), to stay exact in JSON.
"""

from decimal import ROUND_HALF_UP, Decimal


def column(parts: list[str], kinds: list[str]) -> dict:
    return {"key": "/".join(parts), "kinds": kinds, "parts": parts}


def measure(code: str, unit: str) -> dict:
    return {"key": code, "kinds": ["measure"], "parts": [code], "unit": unit}


def percent(part: int | Decimal, whole: int | Decimal) -> str | None:
    """``part`` of ``whole`` in percent, one decimal rounded half up; None when the whole is nothing."""
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def money(amount: Decimal | int | None) -> str:
    return str(Decimal(amount or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def describe(*, code: str, title: str, source: str, definition: str) -> dict:
    return {"code": code, "title": title, "source": source, "definition": definition}


def counts_table(
    *,
    about: dict,
    row_kinds: list[str],
    columns: list[dict],
    rows: list[tuple[list[str], list[int], bool]],
    column_groups: list[list[int]] | None = None,
    row_groups: list[list[int]] | None = None,
    chart: str | None = None,
    extra: dict | None = None,
    unit: str = "people",
) -> dict:
    """A ``counts`` table from its rows ``(key, cells, sensitive)``; totals added here.

    With ``row_groups`` (rows that are parts of larger wholes, e.g. answers of one question) the
    column totals are those of one group, each group adding up to them.
    """
    groups = column_groups or [list(range(len(columns)))]
    table_rows = [
        {"key": key, "cells": cells, "total": sum(cells[j] for j in groups[0]), "sensitive": sensitive}
        for key, cells, sensitive in rows
    ]
    counted = [rows[i] for i in row_groups[0]] if row_groups else rows
    total_cells = [sum(cells[j] for _key, cells, _sensitive in counted) for j in range(len(columns))]
    table = {
        **about,
        "unit": unit,
        "shape": "counts",
        "row_kinds": row_kinds,
        "columns": columns,
        "column_groups": groups,
        "rows": table_rows,
        "total": {"cells": total_cells, "total": sum(total_cells[j] for j in groups[0])},
        "threshold_class": "default",
        "chart": chart,
        "extra": extra or {},
        "suppressed": [],
    }
    if row_groups:
        table["row_groups"] = row_groups
    return table


def measures_table(
    *,
    about: dict,
    row_kinds: list[str],
    columns: list[dict],
    rows: list[tuple[list[str], list, bool]],
    total: list | None,
    units_columns: list[str],
    threshold_class: str = "default",
    chart: str | None = None,
    extra: dict | None = None,
    unit: str = "people",
) -> dict:
    """A ``measures`` table; ``total`` is the measures of all rows (None where they do not add up).

    ``units_columns`` names the measures whose counts decide whether a row may be published; the
    table lists them by index, as the format says.
    """
    keys = [column["key"] for column in columns]
    return {
        **about,
        "unit": unit,
        "shape": "measures",
        "row_kinds": row_kinds,
        "columns": columns,
        "column_groups": [list(range(len(columns)))],
        "rows": [{"key": key, "cells": cells, "total": None, "sensitive": sensitive} for key, cells, sensitive in rows],
        "total": {"cells": total if total is not None else [None] * len(columns), "total": None},
        "units_columns": [keys.index(name) for name in units_columns],
        "threshold_class": threshold_class,
        "chart": chart,
        "extra": extra or {},
        "suppressed": [],
    }

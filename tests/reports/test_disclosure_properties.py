"""The public edition's disclosure control, checked on many generated tables (Hypothesis).

Every check here is written independently of ``reports.disclosure``: the lines of a table, and
whether a hidden entry is determined by them (rank of the published system with and without that
entry's unit vector, by exact rational elimination).
"""

import copy
from fractions import Fraction

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reports.disclosure import public_edition

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Many small values (the ones disclosure control is about), zeros, and some larger ones.
small_counts = st.one_of(st.integers(0, 12), st.integers(0, 12), st.integers(0, 200))


def split(draw, total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` non-negative integers."""
    values = []
    remaining = total
    for _ in range(parts - 1):
        value = draw(st.integers(0, remaining))
        values.append(value)
        remaining -= value
    return [*values, remaining]


@st.composite
def counts_tables(draw):
    """A consistent counts table: random dimensions, column groups, row groups, sensitive rows."""
    use_row_groups = draw(st.booleans())
    if use_row_groups:
        # Several groups of rows, each adding up to the column totals (one column group).
        column_count = draw(st.integers(1, 4))
        column_groups = [list(range(column_count))]
        column_totals = draw(st.lists(small_counts, min_size=column_count, max_size=column_count))
        group_sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
        matrix = [[] for _ in range(sum(group_sizes))]
        row_groups = []
        start = 0
        for size in group_sizes:
            row_groups.append(list(range(start, start + size)))
            for total in column_totals:
                for offset, value in enumerate(split(draw, total, size)):
                    matrix[start + offset].append(value)
            start += size
    else:
        # One or two column groups, each adding up to the row total.
        row_count = draw(st.integers(1, 6))
        first = draw(st.integers(1, 4))
        second = draw(st.integers(0, 3))
        column_groups = [list(range(first))] + ([list(range(first, first + second))] if second else [])
        row_groups = None
        matrix = []
        for _ in range(row_count):
            cells = draw(st.lists(small_counts, min_size=first, max_size=first))
            if second:
                cells += split(draw, sum(cells), second)
            matrix.append(cells)
        column_count = first + second
    rows = [
        {
            "key": [f"r{i}"],
            "cells": cells,
            "total": sum(cells[j] for j in column_groups[0]),
            "sensitive": draw(st.booleans()),
        }
        for i, cells in enumerate(matrix)
    ]
    group_rows = row_groups or [list(range(len(rows)))]
    column_totals = [sum(rows[i]["cells"][j] for i in group_rows[0]) for j in range(column_count)]
    table = {
        "code": "generated",
        "shape": "counts",
        "columns": [{"key": f"c{j}", "kinds": ["status"], "parts": [f"c{j}"]} for j in range(column_count)],
        "column_groups": column_groups,
        "rows": rows,
        "total": {"cells": column_totals, "total": sum(column_totals[j] for j in column_groups[0])},
        "threshold_class": "default",
        "extra": {},
        "suppressed": [],
    }
    if row_groups:
        table["row_groups"] = row_groups
    return table


@st.composite
def measures_tables(draw):
    rows = []
    for i in range(draw(st.integers(1, 6))):
        people = draw(small_counts)
        households = draw(st.integers(0, people))
        value = draw(st.integers(0, 100_000))
        rows.append(
            {
                "key": [f"m{i}"],
                "cells": [people, households, f"{value}.00", f"{value / people:.2f}" if people else "0.00"],
                "sensitive": draw(st.booleans()),
            }
        )
    people = sum(row["cells"][0] for row in rows)
    households = sum(row["cells"][1] for row in rows)
    value = sum(int(row["cells"][2][:-3]) for row in rows)
    return {
        "code": "generated_measures",
        "shape": "measures",
        "columns": [
            {"key": key, "kinds": ["measure"], "parts": [key], "unit": unit}
            for key, unit in (("people", "people"), ("households", "households"), ("value", "USD"), ("avg", "USD"))
        ],
        "units_columns": [0, 1],
        "rows": rows,
        "total": {"cells": [people, households, f"{value}.00", f"{value / people:.2f}" if people else "0.00"]},
        "threshold_class": "default",
        "extra": {},
        "suppressed": [],
    }


def counts_table(matrix: list[list[int]], *, sensitive: tuple = (), code: str = "generated") -> dict:
    """A counts table of one column group from its cells, with its totals."""
    rows = [
        {"key": [f"r{i}"], "cells": list(cells), "total": sum(cells), "sensitive": i in sensitive}
        for i, cells in enumerate(matrix)
    ]
    column_totals = [sum(cells[j] for cells in matrix) for j in range(len(matrix[0]))]
    return {
        "code": code,
        "shape": "counts",
        "columns": [{"key": f"c{j}", "kinds": ["status"], "parts": [f"c{j}"]} for j in range(len(matrix[0]))],
        "column_groups": [list(range(len(matrix[0])))],
        "rows": rows,
        "total": {"cells": column_totals, "total": sum(column_totals)},
        "threshold_class": "default",
        "extra": {},
        "suppressed": [],
    }


# Two blocks of small cells joined by one more small cell: every line holds two hidden entries or
# more, yet the joining cell is the row's total minus sums the other lines give (only the check
# on the whole system finds it; random tables of this size rarely do).
BRIDGE = counts_table([[1, 2, 3, 50], [2, 1, 50, 50], [50, 50, 1, 2], [50, 50, 2, 1]])

thresholds = st.sampled_from([(5, 10), (5, 5), (3, 7), (10, 15)]).map(
    lambda pair: {"*": {"threshold": pair[0], "sensitive_threshold": pair[1]}}
)


def entries(table: dict) -> dict:
    """Every count of a counts table by (row, column), "total" for totals."""
    found = {}
    for i, row in enumerate(table["rows"]):
        for j, value in enumerate(row["cells"]):
            found[(i, j)] = value
        found[(i, "total")] = row["total"]
    for j, value in enumerate(table["total"]["cells"]):
        found[("total", j)] = value
    found[("total", "total")] = table["total"]["total"]
    return found


def lines(table: dict) -> list[list[tuple]]:
    """Each line: its parts then the total they add up to."""
    rows = range(len(table["rows"]))
    row_groups = table.get("row_groups") or [list(rows)]
    found = []
    for i in rows:
        for group in table["column_groups"]:
            found.append([*((i, j) for j in group), (i, "total")])
    for group in row_groups:
        for j in range(len(table["columns"])):
            found.append([*((i, j) for i in group), ("total", j)])
        found.append([*((i, "total") for i in group), ("total", "total")])
    for group in table["column_groups"]:
        found.append([*(("total", j) for j in group), ("total", "total")])
    return found


def rank(matrix: list[list[Fraction]]) -> int:
    """The rank of a matrix, by Gaussian elimination over the rationals."""
    matrix = [list(row) for row in matrix]
    found = 0
    columns = len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(len(matrix)):
            if r != found and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[found][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found


def determined(table: dict, hidden: list[tuple]) -> list[tuple]:
    """The hidden entries the published lines pin down: adding the entry's unit vector to the
    system's rows does not raise its rank exactly when the entry is a combination of the lines."""
    index = {position: k for k, position in enumerate(hidden)}
    system = []
    for line in lines(table):
        row = [Fraction(0)] * len(hidden)
        for position in line[:-1]:
            if position in index:
                row[index[position]] += 1
        if line[-1] in index:
            row[index[line[-1]]] -= 1
        if any(row):
            system.append(row)
    base = rank(system)
    pinned = []
    for position, k in index.items():
        unit = [Fraction(0)] * len(hidden)
        unit[k] = Fraction(1)
        if rank([*system, unit]) == base:
            pinned.append(position)
    return pinned


def limit_of(position: tuple, table: dict, threshold: int, sensitive: int) -> int:
    row = position[0]
    return sensitive if row != "total" and table["rows"][row]["sensitive"] else threshold


@SETTINGS
@given(table=counts_tables(), thresholds=thresholds)
@example(table=BRIDGE, thresholds={"*": {"threshold": 5, "sensitive_threshold": 10}})
def test_a_counts_table_publishes_no_small_count_and_none_can_be_recovered(table, thresholds):
    figures = {"format": 1, "edition": "internal", "highlights": {}, "tables": [table]}
    before = copy.deepcopy(figures)
    threshold = thresholds["*"]["threshold"]
    sensitive = thresholds["*"]["sensitive_threshold"]

    public = public_edition(figures, thresholds=thresholds)

    # (e) the input is as it was
    assert figures == before
    assert public["edition"] == "public"
    internal = entries(table)
    published = entries(public["tables"][0])
    hidden = [position for position, value in published.items() if value is None]
    # (a) no small count is published
    for position, value in published.items():
        if value is not None:
            assert not 0 < value < limit_of(position, table, threshold, sensitive), position
    # (d) what is published is the internal value; what is listed as suppressed is exactly what is hidden
    assert all(value == internal[position] for position, value in published.items() if value is not None)
    listed = {(row, column): reason for row, column, reason in public["tables"][0]["suppressed"]}
    assert set(listed) == set(hidden)
    for position, reason in listed.items():
        small = 0 < internal[position] < limit_of(position, table, threshold, sensitive)
        assert reason == ("primary" if small else "secondary")
    # (b) no line holds exactly one hidden entry
    for line in lines(table):
        assert sum(1 for position in line if position in listed) != 1, line
    # (c) no hidden entry is determined by the whole system of published lines
    assert determined(table, hidden) == []


@SETTINGS
@given(table=measures_tables(), thresholds=thresholds)
def test_a_measures_table_hides_whole_rows_and_never_one_alone_under_a_published_total(table, thresholds):
    figures = {"format": 1, "edition": "internal", "highlights": {}, "tables": [table]}
    before = copy.deepcopy(figures)
    threshold = thresholds["*"]["threshold"]
    sensitive = thresholds["*"]["sensitive_threshold"]

    public = public_edition(figures, thresholds=thresholds)

    assert figures == before
    result = public["tables"][0]
    hidden_rows = [i for i, row in enumerate(result["rows"]) if row["cells"][0] is None]
    for i, row in enumerate(result["rows"]):
        # a row is hidden whole or published whole, as it was
        assert row["cells"] == [None] * 4 or row["cells"] == table["rows"][i]["cells"]
        if i not in hidden_rows:
            limit = sensitive if table["rows"][i]["sensitive"] else threshold
            assert not any(0 < row["cells"][j] < limit for j in (0, 1))
    total_published = result["total"]["cells"][0] is not None
    if total_published:
        assert result["total"]["cells"] == table["total"]["cells"]
        assert not any(0 < result["total"]["cells"][j] < threshold for j in (0, 1))
        assert len(hidden_rows) != 1
    listed = {(row, column) for row, column, _reason in result["suppressed"]}
    expected = {(i, j) for i in hidden_rows for j in range(4)}
    if not total_published:
        expected |= {("total", j) for j in range(4)}
    assert listed == expected

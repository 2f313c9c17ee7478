"""The public edition of the joint report, on tables whose suppression pattern is known."""

import copy

import pytest

from reports.disclosure import (
    HIGHLIGHT_ROUNDING,
    counts_entries,
    counts_lines,
    determined_entries,
    highlight_rounded,
    percent_rounded,
    public_edition,
    thresholds_current,
)
from reports.models import DisclosureThreshold
from tests.reports.test_disclosure_properties import BRIDGE, counts_table, determined

DEFAULT = {"*": {"threshold": 5, "sensitive_threshold": 10}}


def figures_of(*tables: dict, highlights: dict | None = None) -> dict:
    return {"format": 1, "edition": "internal", "highlights": highlights or {}, "tables": list(tables)}


def test_a_small_cell_is_hidden_with_the_cells_that_would_give_it_away():
    # Given a table with one cell of 2 (under 5) and a zero
    table = counts_table([[2, 10, 20], [8, 9, 30], [12, 0, 40]], code="headline")
    figures = figures_of(table)
    before = copy.deepcopy(figures)

    # When its public edition is made
    public = public_edition(figures, thresholds=DEFAULT)

    # Then the 2 is hidden, and a rectangle of complements with it (the row's smallest, 10, then
    # the column's smallest, 8, then 9, which completes both remaining lines); the zero and every
    # total are published
    result = public["tables"][0]
    assert public["edition"] == "public"
    assert [row["cells"] for row in result["rows"]] == [[None, None, 20], [None, None, 30], [12, 0, 40]]
    assert [row["total"] for row in result["rows"]] == [32, 47, 52]
    assert result["total"] == {"cells": [22, 19, 90], "total": 131}
    assert result["suppressed"] == [
        [0, 0, "primary"],
        [0, 1, "secondary"],
        [1, 0, "secondary"],
        [1, 1, "secondary"],
    ]
    assert result["disclosure"] == {"threshold": 5, "sensitive_threshold": 10}
    # and the internal edition is as it was
    assert figures == before


def test_zeros_are_published_and_a_table_without_small_counts_is_unchanged():
    table = counts_table([[0, 10], [0, 25]])

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    assert public["tables"][0]["rows"] == table["rows"]
    assert public["tables"][0]["total"] == table["total"]
    assert public["tables"][0]["suppressed"] == []


def test_small_totals_are_hidden_too_and_their_lines_protected():
    # A row of 1 and 2: its total (3) is small as well, and the column totals of 6 and 7 are not
    table = counts_table([[1, 2], [5, 5]])

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    result = public["tables"][0]
    assert [row["cells"] for row in result["rows"]] == [[None, None], [None, None]]
    assert [row["total"] for row in result["rows"]] == [None, None]
    assert result["total"] == {"cells": [6, 7], "total": 13}
    assert result["suppressed"] == [
        [0, 0, "primary"],
        [0, 1, "primary"],
        [0, "total", "primary"],
        [1, 0, "secondary"],
        [1, 1, "secondary"],
        [1, "total", "secondary"],
    ]


def test_lines_that_each_hold_two_hidden_cells_can_still_pin_one_and_the_system_check_finds_it():
    # Given the bridge: two blocks of small cells joined by (0, 2), every line with two or more
    primary = {position for position, value in counts_entries(BRIDGE).items() if 0 < value < 5}
    assert all(sum(1 for position in line if position in primary) != 1 for line in counts_lines(BRIDGE))
    # the joining cell is still row 0's total minus what rows 1 and columns 0 and 1 give
    assert determined_entries(counts_lines(BRIDGE), hidden=primary) == [(0, 2)]

    public = public_edition(figures_of(BRIDGE), thresholds=DEFAULT)

    # Then one more cell of its lines is hidden (row 0's 50, first in reading order of the two 50s)
    result = public["tables"][0]
    assert [0, 3, "secondary"] in result["suppressed"]
    assert len(result["suppressed"]) == len(primary) + 1
    hidden = [(row, column) for row, column, _reason in result["suppressed"]]
    assert determined(BRIDGE, hidden) == []


def test_a_sensitive_row_takes_the_stricter_threshold():
    # Given vulnerability codes, the first sensitive: 7 is under its threshold of 10, 30 and 40 are not
    table = counts_table([[7], [30], [40]], sensitive=(0,), code="iom_vulnerability")

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    # Then the 7 and its row total are hidden, and the next smallest row (30) with them
    result = public["tables"][0]
    assert [(row["cells"], row["total"]) for row in result["rows"]] == [([None], None), ([None], None), ([40], 40)]
    assert result["total"] == {"cells": [77], "total": 77}
    assert result["suppressed"] == [
        [0, 0, "primary"],
        [0, "total", "primary"],
        [1, 0, "secondary"],
        [1, "total", "secondary"],
    ]


def test_the_same_7_is_published_in_a_row_that_is_not_sensitive():
    table = counts_table([[7], [30], [40]], code="iom_vulnerability")

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    assert public["tables"][0]["suppressed"] == []


def test_row_groups_each_add_up_to_the_column_totals():
    # Given monitoring answers: two questions of 20 interviews each, one answer given by 3
    table = counts_table([[3], [17], [12], [8]], code="monitoring")
    table["row_groups"] = [[0, 1], [2, 3]]
    table["total"] = {"cells": [20], "total": 20}

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    # Then the 3 is hidden with the other answer to its question (20 - 17 would tell), nothing else
    result = public["tables"][0]
    assert [row["cells"] for row in result["rows"]] == [[None], [None], [12], [8]]
    assert result["total"] == {"cells": [20], "total": 20}
    assert result["suppressed"] == [
        [0, 0, "primary"],
        [0, "total", "primary"],
        [1, 0, "secondary"],
        [1, "total", "secondary"],
    ]


def test_a_table_with_published_figures_is_never_suppressed():
    table = counts_table([[1, 2], [3, 4]], code="cumulative")
    table["threshold_class"] = "none"

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    assert public["tables"][0] == table


def assistance_table() -> dict:
    """Assistance by type: people, households, value (USD) and average per person."""
    return {
        "code": "assistance_by_type",
        "shape": "measures",
        "columns": [
            {"key": key, "kinds": ["measure"], "parts": [key], "unit": unit}
            for key, unit in (
                ("people", "people"),
                ("households", "households"),
                ("value", "USD"),
                ("average", "USD"),
            )
        ],
        "units_columns": [0, 1],
        "rows": [
            {"key": ["UNHCR", "cash"], "cells": [400, 80, "80000.00", "200.00"], "sensitive": False},
            {"key": ["IOM", "nfi"], "cells": [9, 3, "450.00", "50.00"], "sensitive": False},
            {"key": ["IOM", "transport"], "cells": [60, 12, "1200.00", "20.00"], "sensitive": False},
            {"key": ["IOM", "shelter"], "cells": [25, 5, "5000.00", "200.00"], "sensitive": False},
        ],
        "total": {"cells": [494, 100, "86650.00", "175.40"]},
        "threshold_class": "default",
        "extra": {},
        "suppressed": [],
    }


def test_a_measures_row_with_a_small_count_is_hidden_whole_and_never_alone():
    # Given the nfi row: 9 people in 3 households (3 is under 5)
    table = assistance_table()

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    # Then the nfi row is hidden whole, money and average too, and so is shelter (next smallest
    # units, 5 households): the published total minus the other rows would tell
    result = public["tables"][0]
    assert [row["cells"] for row in result["rows"]] == [
        [400, 80, "80000.00", "200.00"],
        [None, None, None, None],
        [60, 12, "1200.00", "20.00"],
        [None, None, None, None],
    ]
    assert result["total"] == {"cells": [494, 100, "86650.00", "175.40"]}
    assert result["suppressed"] == [
        [1, 0, "primary"],
        [1, 1, "primary"],
        [1, 2, "primary"],
        [1, 3, "primary"],
        [3, 0, "secondary"],
        [3, 1, "secondary"],
        [3, 2, "secondary"],
        [3, 3, "secondary"],
    ]


def test_a_single_row_measures_table_hides_its_total_with_its_small_row():
    table = assistance_table()
    table["rows"] = [table["rows"][0], table["rows"][1]]
    table["rows"][0]["cells"] = [0, 0, "0.00", "0.00"]
    table["total"] = {"cells": [9, 3, "450.00", "50.00"]}

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    # The total is small itself (3 households): hidden as primary; the zero row stays
    result = public["tables"][0]
    assert result["rows"][0]["cells"] == [0, 0, "0.00", "0.00"]
    assert result["rows"][1]["cells"] == [None, None, None, None]
    assert result["total"] == {"cells": [None, None, None, None]}
    assert [entry[0] for entry in result["suppressed"]] == [1, 1, 1, 1, "total", "total", "total", "total"]


def test_a_measures_total_is_hidden_when_no_other_row_can_cover_the_small_one():
    table = assistance_table()
    table["rows"] = [table["rows"][1], {"key": ["IOM", "other"], "cells": [0, 0, "0.00", "0.00"]}]
    table["total"] = {"cells": [9, 3, "450.00", "50.00"]}
    table["total"]["cells"] = [9, 5, "450.00", "50.00"]  # a total of 5 households: not small

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    result = public["tables"][0]
    assert result["total"] == {"cells": [None, None, None, None]}
    assert ["total", 0, "secondary"] in result["suppressed"]
    assert result["rows"][1]["cells"] == [0, 0, "0.00", "0.00"]


def province_table() -> dict:
    # Three provinces by status (registered refugees, undocumented); the third has 2 undocumented
    table = counts_table([[500, 300], [200, 100], [40, 2]], code="by_province")
    table["extra"] = {
        "top": [
            {"key": ["AF01"], "people": 800, "share": "69.9"},
            {"key": ["AF02"], "people": 300, "share": "26.2"},
            {"key": ["AF03"], "people": 42, "share": "3.7"},
        ]
    }
    for row, code in zip(table["rows"], ["AF01", "AF02", "AF03"], strict=True):
        row["key"] = [code]
    return table


def test_the_top_provinces_drop_an_entry_whose_total_is_hidden():
    table = province_table()
    table["rows"][2]["cells"] = [1, 2]  # AF03: 3 people, its total hidden
    table["rows"][2]["total"] = 3
    table["extra"]["top"][2]["people"] = 3
    table["total"] = {"cells": [701, 402], "total": 1103}

    public = public_edition(figures_of(table), thresholds=DEFAULT)

    # Then AF03's total is hidden, and AF02's with it (the grand total minus AF01 and AF02 would
    # tell): both leave the top, whose share of the whole is null as a highlight
    result = public["tables"][0]
    assert [row["total"] for row in result["rows"]] == [800, None, None]
    assert result["extra"]["top"] == [{"key": ["AF01"], "people": 800, "share": "69.9"}]
    highlights = public_edition(figures_of(table, highlights={"top_provinces_percent": "99.7"}), thresholds=DEFAULT)[
        "highlights"
    ]
    assert highlights["top_provinces_percent"] is None


def test_the_top_provinces_are_kept_when_only_cells_are_hidden():
    public = public_edition(figures_of(province_table()), thresholds=DEFAULT)

    result = public["tables"][0]
    assert [row["total"] for row in result["rows"]] == [800, 300, 42]
    assert result["extra"]["top"] == province_table()["extra"]["top"]


def test_children_share_of_a_status_with_a_hidden_cell_is_null():
    # Age bands by (status, sex): registered refugees' girls of 60+ are 3
    table = counts_table(
        [[50, 60, 700, 800], [40, 45, 500, 520], [70, 75, 600, 650], [200, 210, 900, 950], [3, 20, 300, 310]],
        code="sex_age",
    )
    for row, band in zip(table["rows"], ["0-4", "5-11", "12-17", "18-59", "60+"], strict=True):
        row["key"] = [band]
    parts = [["registered_refugee", "female"], ["registered_refugee", "male"], ["undocumented", "female"]]
    parts.append(["undocumented", "male"])
    table["columns"] = [{"key": "/".join(p), "kinds": ["status", "sex"], "parts": p} for p in parts]
    table["extra"] = {"children_percent": {"registered_refugee": "59.8", "undocumented": "55.5", "all": "56.0"}}

    public = public_edition(figures_of(table, highlights={"children_percent": "56.0"}), thresholds=DEFAULT)

    result = public["tables"][0]
    assert result["rows"][4]["cells"][0] is None
    assert result["extra"]["children_percent"] == {
        "registered_refugee": None,
        "undocumented": "55.5",
        "all": "56.0",
    }
    # no row total is hidden, so the overall share is published, rounded
    assert public["highlights"]["children_percent"] == "56"


def headline_table(registered_refugee_cells: list[int]) -> dict:
    table = counts_table([registered_refugee_cells, [5_000, 2_000, 100], [300_000, 250_000, 10_000]], code="headline")
    for row, status in zip(table["rows"], ["registered_refugee", "refugee_card", "undocumented"], strict=True):
        row["key"] = [status]
    return table


@pytest.mark.parametrize(
    ("value", "published"),
    [
        (0, 0),
        (4, None),  # below the threshold: not published at all
        (5, 10),
        (14, 10),
        (15, 20),  # halves upwards
        (999, 1_000),
        (58_817, 58_800),
        (58_850, 58_900),
        (99_960, 100_000),
        (123_456, 123_000),
        (1_234_567, 1_230_000),
        (1_235_000, 1_240_000),
        (-58_817, -58_800),
    ],
)
def test_headline_counts_are_rounded_by_the_stated_rules(value, published):
    assert highlight_rounded(value, threshold=5) == published


@pytest.mark.parametrize(
    ("value", "published"),
    [("-39.0", "-39"), ("52.1", "52"), ("52.5", "53"), ("-0.4", "0"), ("-2.5", "-3"), (None, None)],
)
def test_percentages_are_rounded_to_whole_numbers(value, published):
    assert percent_rounded(value) == published


def test_the_highlights_are_rounded_stated_and_null_when_they_come_from_a_hidden_cell():
    # Given 3 registered refugees from "other" countries: their row total (58,820) stays published
    table = headline_table([40_000, 18_817, 3])
    highlights = {
        "total_returns": 625_920,
        "registered_refugee": 58_820,
        "undocumented": 560_000,
        "previous_total_returns": 1_000_000,
        "change_percent": "-38.1",
        "top_provinces_percent": "68.0",
    }
    figures = figures_of(table, highlights=highlights)
    before = copy.deepcopy(figures)

    public = public_edition(figures, thresholds=DEFAULT)

    assert public["highlights"] == {
        "total_returns": 626_000,
        "registered_refugee": 58_800,
        "undocumented": 560_000,
        "previous_total_returns": 1_000_000,
        "change_percent": "-38",
        "top_provinces_percent": "68",
        "rounding": HIGHLIGHT_ROUNDING,
    }
    assert figures == before


def test_a_highlight_of_a_hidden_row_total_is_null():
    # Given 4 registered refugees in all: their row total is hidden, and refugee-card holders'
    # (the smaller other row total) with it; so are their highlights
    table = headline_table([1, 3, 0])
    highlights = {"total_returns": 567_104, "registered_refugee": 4, "refugee_card": 7_100, "undocumented": 560_000}

    public = public_edition(figures_of(table, highlights=highlights), thresholds=DEFAULT)

    assert [row["total"] for row in public["tables"][0]["rows"]] == [None, None, 560_000]
    assert public["highlights"] == {
        "total_returns": 567_000,
        "registered_refugee": None,
        "refugee_card": None,
        "undocumented": 560_000,
        "rounding": HIGHLIGHT_ROUNDING,
    }


@pytest.mark.django_db
def test_thresholds_default_to_5_and_10_without_rows(django_assert_num_queries):
    DisclosureThreshold.objects.all().delete()

    with django_assert_num_queries(1):
        thresholds = thresholds_current()

    assert thresholds == {"*": {"threshold": 5, "sensitive_threshold": 10}}


@pytest.mark.django_db
def test_thresholds_come_from_the_admin_rows_and_a_table_without_one_takes_the_default(
    django_assert_num_queries,
):
    DisclosureThreshold.objects.all().delete()
    DisclosureThreshold.objects.create(table="*", threshold=3, sensitive_threshold=6)
    DisclosureThreshold.objects.create(table="by_province", threshold=10, sensitive_threshold=20)

    with django_assert_num_queries(1):
        thresholds = thresholds_current()

    assert thresholds == {
        "*": {"threshold": 3, "sensitive_threshold": 6},
        "by_province": {"threshold": 10, "sensitive_threshold": 20},
    }
    # Then a count of 4 is published in a table on the default (3) and hidden by provinces (10)
    month = counts_table([[4, 30], [40, 50]], code="by_month")
    province = counts_table([[4, 30], [40, 50]], code="by_province")
    public = public_edition(figures_of(month, province), thresholds=thresholds)
    assert public["tables"][0]["suppressed"] == []
    assert public["tables"][0]["disclosure"] == {"threshold": 3, "sensitive_threshold": 6}
    assert public["tables"][1]["disclosure"] == {"threshold": 10, "sensitive_threshold": 20}
    assert public["tables"][1]["suppressed"][0] == [0, 0, "primary"]
    assert public["tables"][1]["rows"][0]["cells"][0] is None

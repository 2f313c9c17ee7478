"""The joint report's content equals independent counts of a caseload of known composition.

Given the households, members, border counts (with a correction and a version recorded after the
cut-off), cases, grants, referrals and interviews of ``tests.reports.content.world``; when the
figures for 2017 are computed; then every table equals what the specification says, computed in
``tests.reports.content.expected`` with Python arithmetic.
"""

import datetime

import pytest
from django.db import connection

from agencies.models import Agency, Province, User
from reports.content import TABLE_ORDER, report_figures
from reports.disclosure import public_edition, thresholds_current
from reports.models import PublishedReturnFigure
from returns.models import NeedCode
from tests.factories import UserFactory
from tests.reports.content import expected
from tests.reports.content.expected import AGE_BANDS, COUNTRY_GROUPS, SEXES, Y2016, Y2017
from tests.reports.content.world import BORDER_OFFICES, CUT_OFF, STATUSES, world_build
from tests.reports.test_disclosure_properties import determined, entries, limit_of


@pytest.fixture
def world(db):
    return world_build()


def figures_for(user, *, reference_date="arrival", cut_off=CUT_OFF, start=Y2017[0], end=Y2017[1]) -> dict:
    return report_figures(user=user, period_start=start, period_end=end, reference_date=reference_date, cut_off=cut_off)


def tables_of(figures: dict) -> dict[str, dict]:
    return {table["code"]: table for table in figures["tables"]}


def cells(table: dict) -> dict[tuple, object]:
    """Each cell by (row key..., column key)."""
    return {
        (*row["key"], column["key"]): row["cells"][j]
        for row in table["rows"]
        for j, column in enumerate(table["columns"])
    }


@pytest.fixture
def figures(world, coordinator) -> dict:
    return figures_for(coordinator)


@pytest.fixture
def tables(figures) -> dict[str, dict]:
    return tables_of(figures)


def test_every_table_is_there_in_order_with_its_words(figures):
    assert [table["code"] for table in figures["tables"]] == list(TABLE_ORDER)
    assert figures["format"] == 1
    assert figures["edition"] == "internal"
    assert figures["period"] == {
        "start": "2017-01-01",
        "end": "2017-12-31",
        "previous_start": "2016-01-01",
        "previous_end": "2016-12-31",
    }
    assert figures["reference_date"] == "arrival"
    assert figures["cut_off"] == "2018-02-01T00:00:00+00:00"
    for table in figures["tables"]:
        assert table["title"] and table["source"] and table["definition"], table["code"]
        assert table["suppressed"] == []


def test_headline_counts_registrations_and_undocumented_from_the_border(world, tables):
    want = expected.headline(world)
    table = tables["headline"]
    assert [row["key"] for row in table["rows"]] == [[status] for status in STATUSES]
    assert [column["key"] for column in table["columns"]] == list(COUNTRY_GROUPS)
    assert cells(table) == want
    assert table["total"]["total"] == sum(want.values())


def test_headline_change_against_the_same_days_a_year_earlier(world, tables):
    now, before = expected.headline(world), expected.headline(world, period=Y2016)
    rows = {row["key"][0]: row["cells"] for row in tables["headline_change"]["rows"]}
    for status in STATUSES:
        this_period = sum(now[status, cg] for cg in COUNTRY_GROUPS)
        previous = sum(before[status, cg] for cg in COUNTRY_GROUPS)
        change = f"{(this_period - previous) * 100 / previous:.1f}" if previous else None
        assert rows[status] == [this_period, previous, this_period - previous, change], status
    total_now, total_before = sum(now.values()), sum(before.values())
    assert tables["headline_change"]["total"]["cells"][:3] == [total_now, total_before, total_now - total_before]


def test_by_month_counts_each_month_of_the_period(world, tables):
    want = expected.by_month(world)
    table = tables["by_month"]
    assert [row["key"][0] for row in table["rows"]] == [f"2017-{month:02d}" for month in range(1, 13)]
    got = {
        (status, cg, row["key"][0]): row["cells"][j]
        for row in table["rows"]
        for j, (status, cg) in enumerate((s, c) for s in STATUSES for c in COUNTRY_GROUPS)
    }
    assert got == {key: want[key] for key in got}
    assert sum(want.values()) == table["total"]["total"]
    # The months add up to the headline.
    assert table["total"]["total"] == tables["headline"]["total"]["total"]


def test_by_province_lists_all_34_provinces_with_the_top_five(world, tables):
    want = expected.by_province(world)
    table = tables["by_province"]
    assert [row["key"][0] for row in table["rows"]] == list(
        Province.objects.order_by("pcode").values_list("pcode", flat=True)
    )
    assert len(table["rows"]) == 34
    assert cells(table) == {
        (pcode, status): want[pcode, status]
        for pcode in Province.objects.values_list("pcode", flat=True)
        for status in STATUSES
    }
    totals = sorted((-sum(want[p, s] for s in STATUSES), p) for p in {p for p, _s in want})[:5]
    everyone = sum(want.values())
    assert table["extra"]["top"] == [
        {"key": [pcode], "people": -negative, "share": f"{-negative * 100 / everyone:.1f}"}
        for negative, pcode in totals
    ]


def test_sex_and_age_on_arrival(world, tables):
    want = expected.sex_age(world)
    table = tables["sex_age"]
    assert [row["key"][0] for row in table["rows"]] == list(AGE_BANDS)
    assert cells(table) == {
        (band, f"{status}/{sex}"): want[status, sex, band] for band in AGE_BANDS for status in STATUSES for sex in SEXES
    }
    children = sum(want[s, x, b] for s in STATUSES for x in SEXES for b in AGE_BANDS[:3])
    everyone = sum(want.values())
    assert table["extra"]["children_percent"]["all"] == f"{children * 100 / everyone:.1f}"
    # Documented people add up to the headline's documented rows; the undocumented come from the same counts.
    assert table["total"]["total"] == tables["headline"]["total"]["total"]


def test_cumulative_since_2002_takes_published_figures_before_the_registry(world, tables):
    registry = expected.registry_refugees_by_year(world)
    first = min(registry)
    published = dict(PublishedReturnFigure.objects.values_list("year", "registered_refugee_returns"))
    rows = {row["key"][0]: row["cells"] for row in tables["cumulative"]["rows"]}
    assert list(rows) == [str(year) for year in range(2002, 2018)]
    running = 0
    for year in range(2002, 2018):
        from_published = published.get(year) if year < first else None
        from_registry = registry.get(year, 0) if year >= first else None
        running += (from_published or 0) + (from_registry or 0)
        assert rows[str(year)] == [from_published, from_registry, running], year
    assert first == 2016
    assert tables["cumulative"]["threshold_class"] == "none"


def test_by_crossing_counts_the_current_versions(world, tables):
    want = expected.crossing_counts(world)
    table = tables["by_crossing"]
    assert [row["key"][0] for row in table["rows"]] == sorted(BORDER_OFFICES)
    assert cells(table) == {
        (crossing, measure): want[crossing][measure]
        for crossing in sorted(BORDER_OFFICES)
        for measure in ("deported", "spontaneous", "in_families", "individuals")
    }
    assert table["column_groups"] == [[0, 1], [2, 3]]
    # The corrected version (250) counts; the one recorded after the cut-off (999) does not.
    first = world.counts[0]
    assert want[first.crossing]["total"] == 250 + sum(
        c.total
        for c in expected.current_counts(world)
        if c.crossing == first.crossing and c.day != first.day and expected.within(c.day, Y2017)
    )


def test_volrep_centres_and_assistance(tables):
    assert cells(tables["volrep_centres"]) == {
        ("PK", "EHR"): 0,
        ("PK", "EKB"): 0,
        ("PK", "EKD"): 0,
        ("PK", "ENG"): 3,
        ("IR", "EHR"): 2,
        ("IR", "EKB"): 0,
        ("IR", "EKD"): 0,
        ("IR", "ENG"): 0,
    }
    rows = {row["key"][0]: row["cells"] for row in tables["volrep_assistance"]["rows"]}
    # A (3 people paid, 600) and L (2 people, 400; paid in January 2018, before the cut-off).
    assert rows["grants"] == [5, 2, "1000.00", "200.00"]
    assert rows["already_assisted"] == [1, 1, None, None]
    # B (2, no grant) and D (3, its grant recorded after the cut-off); C was closed as not eligible.
    assert rows["no_shows"] == [5, 2, None, None]
    assert rows["supplements"] == [4, 1, "700.00", "175.00"]
    # One grant per person: B's head refused twice is one person; one of E refused by IOM; D's refusal
    # came after the cut-off. L's grant (2 people, 400) was given again on a manager's override.
    assert rows["already_granted_unhcr"] == [1, 1, None, None]
    assert rows["already_granted_iom"] == [1, 1, None, None]
    assert rows["granted_again_unhcr"] == [2, 1, "400.00", "200.00"]
    assert rows["granted_again_iom"] == [0, 0, "0.00", None]
    assert [row["key"][0] for row in tables["volrep_assistance"]["rows"]] == [
        "grants",
        "already_assisted",
        "no_shows",
        "supplements",
        "already_granted_unhcr",
        "already_granted_iom",
        "granted_again_unhcr",
        "granted_again_iom",
    ]


def test_iom_crossing_vulnerability_and_assistance(world, tables):
    counted = expected.crossing_counts(world)
    rows = {row["key"][0]: row["cells"] for row in tables["iom_crossing"]["rows"]}
    assert set(rows) == BORDER_OFFICES
    # E (3 people, screened eligible and assisted) and F (2, screened not eligible) at Islam Qala;
    # G at Torkham is still waiting for screening.
    iql = counted["IQL"]["total"]
    assert rows["IQL"] == [iql, 5, 3, f"{3 * 100 / iql:.1f}"]
    assert rows["TKM"] == [counted["TKM"]["total"], 0, 0, "0.0"]
    vulnerability = {row["key"][0]: (row["cells"][0], row["sensitive"]) for row in tables["iom_vulnerability"]["rows"]}
    codes = NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY)
    assert vulnerability == {
        f"iom_vulnerability:{need.code}": ({"SF": 1, "UMC": 1, "MI": 2}.get(need.code, 0), need.is_sensitive)
        for need in codes
    }
    assert vulnerability["iom_vulnerability:MI"] == (2, True)
    assistance = {row["key"][1]: row["cells"] for row in tables["assistance_by_type"]["rows"]}
    assert all(row["key"][1].startswith(f"{row['key'][0]}:") for row in tables["assistance_by_type"]["rows"])
    assert assistance["UNHCR:cash_grant"] == [6, "1000.00"]
    assert assistance["UNHCR:return_supplement"] == [4, "700.00"]
    assert assistance["UNHCR:health_screening"] == [1, "0.00"]
    assert assistance["IOM:meals"] == [3, "0.00"]
    assert assistance["IOM:transport_cash"] == [3, "50.00"]
    assert {key: value for key, value in assistance.items() if value != [0, "0.00"]}.keys() == {
        "UNHCR:cash_grant",
        "UNHCR:return_supplement",
        "UNHCR:health_screening",
        "IOM:meals",
        "IOM:transport_cash",
    }
    # Everyone reached, each once: A's 4, L's 2, E's 3.
    assert tables["assistance_by_type"]["total"]["cells"] == [9, "1750.00"]


def test_referrals_by_outcome_at_the_cut_off(tables):
    counted = {tuple(row["key"]): row["cells"] for row in tables["referrals"]["rows"] if row["total"]}
    assert [column["key"] for column in tables["referrals"]["columns"]] == [
        "pending",
        "accepted",
        "declined",
        "completed",
    ]
    assert counted == {
        ("between_agencies", "screening"): [0, 1, 0, 0],
        ("between_agencies", "assistance"): [0, 0, 0, 1],
        # NRC accepted after the cut-off: still pending then. The referral made after it is not counted.
        ("to_partners", "protection"): [1, 0, 1, 0],
    }
    assert len(tables["referrals"]["rows"]) == 16


def test_monitoring_counts_interviews_done_by_the_cut_off(tables):
    table = tables["monitoring"]
    counted = {row["key"][1]: row["cells"] for row in table["rows"] if row["total"]}
    assert counted == {
        "current_province:AF01": [1, 0],
        "current_province:AF30": [0, 1],
        "shelter:own_house": [1, 0],
        "shelter:rented": [0, 1],
        "work:daily_labour": [1, 0],
        "work:none": [0, 1],
        "intends_to_stay:yes": [1, 0],
        "intends_to_stay:undecided": [0, 1],
    }
    assert table["total"]["cells"] == [1, 1]
    for group in table["row_groups"]:
        assert [sum(table["rows"][i]["cells"][j] for i in group) for j in (0, 1)] == [1, 1]
    assert table["extra"]["drawn"] == {
        "UNHCR": {"completed": 1, "pending": 1, "not_reached": 1},
        "IOM": {"completed": 1, "pending": 1},
    }


def test_reconciliation_explains_each_difference(world, tables):
    want = expected.reconciliation(world)
    rows = {tuple(row["key"]): row["cells"] for row in tables["reconciliation"]["rows"]}
    explanation = {1: "counted_not_registered", -1: "registered_not_counted", 0: "equal"}
    assert rows == {
        key: [counted, people, counted - people, explanation[(counted > people) - (counted < people)]]
        for key, (counted, people) in want.items()
    }
    assert "registered_not_counted" in {cells[3] for cells in rows.values()}
    assert "counted_not_registered" in {cells[3] for cells in rows.values()}


def test_counts_tables_add_up(tables):
    for table in tables.values():
        if table["shape"] != "counts":
            continue
        for row in table["rows"]:
            for group in table["column_groups"]:
                assert sum(row["cells"][j] for j in group) == row["total"], table["code"]
        counted_rows = [table["rows"][i] for i in table["row_groups"][0]] if "row_groups" in table else table["rows"]
        assert table["total"]["cells"] == [
            sum(row["cells"][j] for row in counted_rows) for j in range(len(table["columns"]))
        ]
        for group in table["column_groups"]:
            assert sum(table["total"]["cells"][j] for j in group) == table["total"]["total"], table["code"]


def test_highlights_quote_the_tables(figures, tables):
    headline = {row["key"][0]: row["total"] for row in tables["headline"]["rows"]}
    assert figures["highlights"] == {
        "total_returns": tables["headline"]["total"]["total"],
        "registered_refugee": headline["registered_refugee"],
        "undocumented": headline["undocumented"],
        "previous_total_returns": tables["headline_change"]["total"]["cells"][1],
        "change_percent": tables["headline_change"]["total"]["cells"][3],
        "children_percent": tables["sex_age"]["extra"]["children_percent"]["all"],
        "top_provinces_percent": tables["by_province"]["extra"]["top_share"],
    }


def test_reference_date_grant_paid_counts_refugees_when_paid(world, coordinator):
    tables = tables_of(figures_for(coordinator, reference_date="grant_paid"))
    want = expected.headline(world, reference="grant_paid")
    # A (4, paid April 2017) and P (2, arrived December 2016, paid January 2017); L was paid in 2018.
    assert [want["registered_refugee", cg] for cg in COUNTRY_GROUPS] == [6, 0, 0]
    assert cells(tables["headline"]) == want
    rows = {row["key"][0]: row["cells"] for row in tables["volrep_assistance"]["rows"]}
    assert rows["grants"] == [5, 2, "1000.00", "200.00"]
    assert cells(tables["volrep_centres"])[("PK", "EKB")] == 2
    registry = {row["key"][0]: row["cells"][1] for row in tables["cumulative"]["rows"]}
    assert registry["2017"] == expected.registry_refugees_by_year(world, reference="grant_paid")[2017] == 6
    assert registry["2016"] is None  # the registry's first year of paid grants is 2017


def test_an_earlier_cut_off_counts_less(world, coordinator):
    """Cut at 1 March 2017: only what was recorded by then counts (households, counts, grants)."""
    tables = tables_of(figures_for(coordinator, cut_off=datetime.datetime(2017, 3, 1, tzinfo=datetime.UTC)))
    registered = sum(row["total"] for row in tables["headline"]["rows"] if row["key"][0] != "undocumented")
    want = sum(
        len(h.members)
        for h in world.households
        if h.category != "undocumented"
        and expected.within(h.arrival, Y2017)
        and h.created <= datetime.datetime(2017, 3, 1, tzinfo=datetime.UTC)
    )
    assert registered == want
    rows = {row["key"][0]: row["cells"] for row in tables["volrep_assistance"]["rows"]}
    assert rows["grants"] == [0, 0, "0.00", None]
    assert tables["monitoring"]["total"]["cells"] == [0, 0]


def test_a_user_outside_the_gates_counts_nothing(world):
    partner = UserFactory(
        username="partner.without.key", role=User.Role.PARTNER, agency=Agency.objects.get(code="NRC"), office=None
    )
    tables = tables_of(figures_for(partner))
    for table in tables.values():
        if table["shape"] == "counts":
            assert table["total"]["total"] == 0, table["code"]
    assert all(row["cells"][1] is None for row in tables["cumulative"]["rows"])
    assert tables["reconciliation"]["rows"] == []
    assert {tuple(row["cells"][:3]) for row in tables["iom_crossing"]["rows"]} == {(0, 0, 0)}


def test_progress_is_told_between_tables(world, coordinator):
    told = []
    report_figures(
        user=coordinator,
        period_start=Y2017[0],
        period_end=Y2017[1],
        reference_date="arrival",
        cut_off=CUT_OFF,
        progress=lambda percent, step: told.append(percent),
    )
    assert told == sorted(told)
    assert told[0] == 0 and told[-1] == 100


def test_the_report_takes_a_fixed_number_of_queries(world, coordinator, django_assert_num_queries):
    # 23: the stage of the households withdrawn by the cut-off is two of them (moved out of report_households);
    # one grant per person (refusals and overrides, by agency) is one.
    with django_assert_num_queries(23):
        figures_for(coordinator)


def test_an_unknown_reference_date_is_refused(coordinator, db):
    with pytest.raises(ValueError):
        figures_for(coordinator, reference_date="departure")


def test_any_date_range_with_its_previous_days(world, coordinator):
    """15 March to 30 June 2017: its months, and the same days of 2016 as the previous period."""
    start, end = datetime.date(2017, 3, 15), datetime.date(2017, 6, 30)
    figures = figures_for(coordinator, start=start, end=end)
    assert figures["period"]["previous_start"] == "2016-03-15"
    assert figures["period"]["previous_end"] == "2016-06-30"
    tables = tables_of(figures)
    assert [row["key"][0] for row in tables["by_month"]["rows"]] == ["2017-03", "2017-04", "2017-05", "2017-06"]
    assert cells(tables["headline"]) == expected.headline(world, period=(start, end))
    previous = expected.headline(world, period=(datetime.date(2016, 3, 15), datetime.date(2016, 6, 30)))
    assert tables["headline_change"]["total"]["cells"][1] == sum(previous.values())
    assert [row["key"][0] for row in tables["cumulative"]["rows"]][-1] == "2017"


def test_the_staged_tables_are_dropped_and_a_second_report_gives_the_same_figures(world, coordinator, figures):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass('report_households'), to_regclass('report_people'), to_regclass('report_border')"
        )
        assert cursor.fetchone() == (None, None, None)
    assert figures_for(coordinator) == figures


def test_the_public_edition_of_real_figures_publishes_no_small_count_and_none_can_be_recovered(figures):
    """Given the figures of the known caseload (many cells of one to four people), when the public
    edition is made with the default thresholds, then no published count is below its threshold and
    no hidden count is pinned down by the published totals (the same checks as the property tests)."""
    public = public_edition(figures, thresholds=thresholds_current())

    assert public["edition"] == "public"
    suppressed_somewhere = 0
    for table in public["tables"]:
        if table["threshold_class"] == "none":
            assert table == next(item for item in figures["tables"] if item["code"] == table["code"])
            continue
        if table["shape"] == "measures":
            for row in table["rows"]:
                units = [row["cells"][j] for j in table["units_columns"]]
                limit = 10 if row["sensitive"] else 5
                assert all(value is None or not 0 < value < limit for value in units), (table["code"], row)
            continue
        found = entries(table)
        hidden = [position for position, value in found.items() if value is None]
        suppressed_somewhere += len(hidden)
        for position, value in found.items():
            if value is not None:
                assert not 0 < value < limit_of(position, table, 5, 10), (table["code"], position, value)
        assert determined(table, hidden) == [], table["code"]
    assert suppressed_somewhere > 0

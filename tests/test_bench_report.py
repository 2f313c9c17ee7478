"""The report benchmark's own parts (``bench/report_data.py``, ``bench/report_sql.py``): the data it
loads and the hand-written SQL it times ``report_figures`` against. The benchmark itself is not run
here (``make bench``); these keep its yardstick runnable and counting what the doc defines."""

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from agencies.models import Office
from bench.report_data import REPORT_YEAR, report_data_load
from bench.report_sql import HAND_QUERIES
from returns.models import Assistance, BorderCount, Household, Member, MonitoringInterview, Referral

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 30)
START, END = datetime.date(REPORT_YEAR, 1, 1), datetime.date(REPORT_YEAR, 12, 31)
DOCUMENTED = ("registered_refugee", "refugee_card", "acc_holder", "passport_visa")


@pytest.fixture
def loaded():
    return report_data_load(people=4000, today=TODAY, seed=3)


def _run(code: str, cut_off) -> list[tuple]:
    parameters = {
        "start": START,
        "end": END,
        "prev_start": START.replace(year=REPORT_YEAR - 1),
        "prev_end": END.replace(year=REPORT_YEAR - 1),
        "cut_off": cut_off,
        "first_year": 2002,
        "end_year": REPORT_YEAR,
    }
    with connection.cursor() as cursor:
        cursor.execute(HAND_QUERIES[code], parameters)
        return cursor.fetchall()


def _group(country: str) -> str:
    return country if country in ("PK", "IR") else "other"


def test_a_third_of_the_households_arrive_in_the_report_year_with_referrals_and_interviews(loaded):
    households = Household.objects.count()
    in_year = Household.objects.filter(arrival_date__range=(START, END)).count()

    assert loaded["households"] == households == round(4000 / 5.35)
    assert loaded["people"] == Member.objects.count()
    assert 0.28 <= in_year / households <= 0.39
    assert Household.objects.filter(arrival_date__lt=datetime.date(2023, 1, 1)).count() == 0
    assert Household.objects.filter(arrival_date__gt=TODAY).count() == 0
    assert loaded["referrals"] == Referral.objects.count() > 0
    assert loaded["interviews"] == MonitoringInterview.objects.exclude(status="pending").count() > 0
    # An answer after the day the data is drawn for would be from the future: it stays pending.
    assert not Referral.objects.filter(responded_at__date__gt=timezone.now().date()).exists()


def test_every_hand_written_query_runs(loaded):
    cut_off = timezone.now()

    for code in HAND_QUERIES:
        assert isinstance(_run(code, cut_off), list), code


def test_the_hand_written_headline_counts_registered_people_and_the_border_counts(loaded):
    cut_off = timezone.now()
    in_year = Member.objects.filter(household__arrival_date__range=(START, END))
    expected = Counter()
    for category, country in in_year.filter(household__category__in=DOCUMENTED).values_list(
        "household__category", "household__country_of_departure_id"
    ):
        expected[(category, _group(country))] += 1
    counted = Counter()
    for country, total in (
        BorderCount.objects.current().filter(day__range=(START, END)).values_list("country_id", "total")
    ):
        counted[_group(country)] += total
    at_border = Counter()
    crossings = Office.objects.filter(kind=Office.Kind.BORDER_CROSSING)
    for country in in_year.filter(household__category__in=DOCUMENTED, household__office__in=crossings).values_list(
        "household__country_of_departure_id", flat=True
    ):
        at_border[_group(country)] += 1
    for group, people in counted.items():
        expected[("undocumented", group)] = people - at_border[group]

    got = {(status, group): int(people) for status, group, people in _run("headline", cut_off)}

    assert got == dict(expected)


def test_the_hand_written_crossing_table_sums_the_latest_versions(loaded):
    cut_off = timezone.now()
    current = BorderCount.objects.current().filter(day__range=(START, END))
    expected = {
        row["crossing__code"]: row["total"]
        for row in current.values("crossing__code").annotate(total=Sum("total")).order_by()
    }

    got = {crossing: int(total) for crossing, *_breakdown, total in _run("by_crossing", cut_off)}

    assert got == expected
    assert BorderCount.objects.filter(day__range=(START, END), version__gt=1).exists()  # corrections were left out


def test_the_hand_written_province_table_lists_all_34_provinces_with_the_people_registered(loaded):
    cut_off = timezone.now()
    expected = Counter(
        Member.objects.filter(household__arrival_date__range=(START, END)).values_list(
            "household__destination_province_id", "household__category"
        )
    )

    rows = _run("by_province", cut_off)

    assert len({province for province, _status, _people in rows}) == 34
    assert {(province, status): people for province, status, people in rows if status is not None} == dict(expected)
    assert all(people == 0 for _province, status, people in rows if status is None)


def test_the_hand_written_volrep_grants_are_the_approved_grants_of_the_year(loaded):
    cut_off = timezone.now()
    grants = Assistance.objects.filter(
        assistance_type__is_grant=True,
        approval="approved",
        case__household__category="registered_refugee",
        case__household__arrival_date__range=(START, END),
    )
    totals = grants.aggregate(people=Sum("quantity"), value=Sum("value"))

    rows = {
        item: (people, households, value)
        for item, people, households, value, _average in _run("volrep_assistance", cut_off)
    }

    assert totals["people"] > 0
    assert rows["grants"] == (
        totals["people"],
        grants.values("case__household_id").distinct().count(),
        totals["value"],
    )


def test_the_hand_written_reconciliation_sets_counted_against_registered_per_crossing_and_month(loaded):
    cut_off = timezone.now()
    counted = Counter()
    for code, day, total in (
        BorderCount.objects.current().filter(day__range=(START, END)).values_list("crossing__code", "day", "total")
    ):
        counted[(code, f"{day:%Y-%m}")] += total
    registered = Counter(
        (code, f"{day:%Y-%m}")
        for code, day in Member.objects.filter(
            household__arrival_date__range=(START, END), household__office__kind=Office.Kind.BORDER_CROSSING
        ).values_list("household__office__code", "household__arrival_date")
    )

    rows = _run("reconciliation", cut_off)

    assert {(code, month): (c, r, d) for code, month, c, r, d in rows} == {
        key: (counted[key], registered[key], counted[key] - registered[key])
        for key in counted.keys() | registered.keys()
    }

"""The demo's border counts: every crossing point, every day of the demo period, more arrivals counted
than people registered there, in the published proportions, with a few corrections."""

import datetime
import math
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from agencies.models import Office
from returns.demo import counts as demo_counts
from returns.demo.population import FIRST_ARRIVAL
from returns.models import BorderCount, Household
from returns.selectors.counts import border_count_reconciliation

pytestmark = pytest.mark.django_db

# As tests/returns/test_seed_demo.py: a caseload drawn as of a fixed day, the same on every run.
TODAY = datetime.date(2023, 4, 30)
DAYS = (TODAY - FIRST_ARRIVAL).days + 1  # 120
CROSSINGS = {"IQL": "IR", "MLK": "IR", "SBD": "PK", "TKM": "PK"}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed(**options) -> None:
    call_command("seed_demo", stdout=StringIO(), **{"households": 400, "seed": 3, "today": TODAY, **options})


def counted_by_crossing_and_day() -> dict[tuple[str, datetime.date], int]:
    return {
        (row["crossing__code"], row["day"]): row["people"]
        for row in BorderCount.objects.current()
        .values("crossing__code", "day")
        .annotate(people=Sum("total"))
        .order_by()
    }


def registered_by_crossing_and_day() -> dict[tuple[str, datetime.date], int]:
    return {
        (row["office__code"], row["arrival_date"]): row["people"]
        for row in Household.objects.filter(office__kind=Office.Kind.BORDER_CROSSING)
        .values("office__code", "arrival_date")
        .annotate(people=Sum("member_count"))
        .order_by()
    }


def test_every_crossing_is_counted_every_day_above_the_people_registered_there(debug, coordinator):
    seed()

    counted = counted_by_crossing_and_day()
    registered = registered_by_crossing_and_day()
    # One current count per crossing and day, from the crossing's country
    assert len(counted) == len(CROSSINGS) * DAYS == 480
    assert {code for code, _day in counted} == set(CROSSINGS)
    assert {day for _code, day in counted} == {FIRST_ARRIVAL + datetime.timedelta(days=n) for n in range(DAYS)}
    countries = set(BorderCount.objects.values_list("crossing__code", "country_id").distinct())
    assert countries == set(CROSSINGS.items())
    # Registered households are a subset of the arrivals counted: on every day, at every crossing
    assert sum(registered.values()) > 1000  # the demo registered people at the crossings
    assert set(registered) <= set(counted)
    assert all(counted[key] > people for key, people in registered.items())
    # ... and so in every week of the reconciliation
    weeks = border_count_reconciliation(user=coordinator, first_day=FIRST_ARRIVAL, last_day=TODAY)
    assert len(weeks) == len(CROSSINGS) * 18  # ISO weeks 2022-W52 to 2023-W17
    assert all(week.counted > week.registered for week in weeks)


def test_the_counts_follow_the_published_proportions(debug):
    seed()

    def share(code: str, part: str, whole: str = "total") -> float:
        sums = BorderCount.objects.current().filter(crossing__code=code).aggregate(part=Sum(part), whole=Sum(whole))
        return sums["part"] / sums["whole"]

    # Islam Qala 2,515 deported of 8,361 (30%); Milak 4,244 of 5,632 (75%)
    assert 0.27 <= share("IQL", "deported") <= 0.33
    assert 0.72 <= share("MLK", "deported") <= 0.78
    # From Iran, most arrivals alone are men of working age; from Pakistan, most come in families
    assert share("MLK", "male_18_59", "individuals") > 0.8
    assert share("TKM", "in_families") > 0.7
    # Ordinary days: Islam Qala busier than Milak, Torkham than Spin Boldak
    daily = {
        code: BorderCount.objects.current().filter(crossing__code=code).aggregate(people=Sum("total"))["people"] / DAYS
        for code in CROSSINGS
    }
    assert daily["IQL"] > daily["MLK"] > 500
    assert daily["TKM"] > daily["SBD"] > 250


def test_a_few_counts_are_corrected_with_a_note_and_the_correction_is_current(debug):
    seed()

    corrections = list(BorderCount.objects.filter(version__gt=1))
    assert 0 < len(corrections) < 0.1 * len(CROSSINGS) * DAYS
    assert {(count.version, count.note) for count in corrections} == {(2, demo_counts.CORRECTION_NOTE)}
    assert BorderCount.objects.count() == len(CROSSINGS) * DAYS + len(corrections)
    current = set(BorderCount.objects.current().filter(version=2).values_list("pk", flat=True))
    assert current == {count.pk for count in corrections}


def test_with_nobody_else_counted_the_count_is_the_registered_plus_a_tenth(debug, monkeypatch):
    # Given border teams who would count nobody on their own, the floor shows alone
    monkeypatch.setattr(
        demo_counts,
        "PROFILES",
        {code: demo_counts.CrossingProfile(country, 0, 0.5, 0.1, 0.6) for code, country in CROSSINGS.items()},
    )

    seed()

    counted = counted_by_crossing_and_day()
    registered = registered_by_crossing_and_day()
    for key, people in counted.items():
        expected = registered.get(key, 0) + max(1, math.ceil(registered.get(key, 0) * 0.1))
        assert people == expected, key


def test_loading_more_households_recounts_the_period(debug):
    seed()
    seed(seed=4)  # 400 more households on the same days

    counted = counted_by_crossing_and_day()
    registered = registered_by_crossing_and_day()
    assert Household.objects.count() == 800
    assert len(counted) == len(CROSSINGS) * DAYS
    assert all(counted[key] > people for key, people in registered.items())
    per_day = defaultdict(int)
    for (_code, day), _people in counted.items():
        per_day[day] += 1
    assert set(per_day.values()) == {len(CROSSINGS)}

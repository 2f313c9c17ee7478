"""Reads of the border arrival counts. Every one starts from ``BorderCount.objects.readable_by``
and counts only current versions; the database adds up."""

import datetime
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Coalesce, TruncWeek

from agencies.models import Office
from returns.models import BorderCount, Household
from returns.models.counts import MEASURES


def _sums() -> dict:
    return {name: Coalesce(Sum(name), 0) for name in MEASURES}


@dataclass(frozen=True)
class CountGrid:
    days: list[dict]  # one per day of the range: {"day": date, "counted": bool, <measure>: int}
    totals: dict  # <measure>: int over the range


def border_count_grid(*, user, crossing: Office, first_day: datetime.date, last_day: datetime.date) -> CountGrid:
    """The current counts at one crossing, day by day (all countries of departure together), and the
    totals over the range: two queries, whatever the number of days."""
    counts = BorderCount.objects.readable_by(user).current().filter(crossing=crossing, day__range=(first_day, last_day))
    by_day = {row["day"]: row for row in counts.values("day").annotate(**_sums()).order_by("day")}
    totals = counts.aggregate(**_sums())
    days = []
    day = first_day
    while day <= last_day:
        row = by_day.get(day)
        days.append({"day": day, "counted": row is not None, **{name: row[name] if row else 0 for name in MEASURES}})
        day += datetime.timedelta(days=1)
    return CountGrid(days=days, totals=totals)


def border_count_day(*, user, crossing: Office, day: datetime.date) -> list[BorderCount]:
    """The current counts at a crossing on a day, one per country of departure (by country name)."""
    return list(
        BorderCount.objects.readable_by(user)
        .current()
        .filter(crossing=crossing, day=day)
        .select_related("country")
        .order_by("-country__is_common_departure", "country__name")
    )


def border_count_history(*, user, crossing: Office, day: datetime.date, country_code: str) -> list[BorderCount]:
    """Every version recorded for a crossing, day and country, the current (latest) first."""
    return list(
        BorderCount.objects.readable_by(user)
        .filter(crossing=crossing, day=day, country_id=country_code)
        .select_related("recorded_by")
        .order_by("-version")
    )


@dataclass(frozen=True)
class WeekReconciliation:
    crossing: Office
    week: datetime.date  # the Monday
    counted: int  # arrivals counted at the border (current versions)
    registered: int  # people in the households registered there, by arrival date

    @property
    def iso_week(self) -> str:
        year, number, _weekday = self.week.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def unregistered(self) -> int:
        return self.counted - self.registered


def border_count_reconciliation(*, user, first_day: datetime.date, last_day: datetime.date) -> list[WeekReconciliation]:
    """Counted arrivals against registered people, per crossing and ISO week (Monday to Sunday).

    Registered people are the members of the households registered at the crossing whose arrival
    date falls in the week, through the aggregate gate (``Household.objects.countable_by``).
    Two grouped queries; weeks with neither a count nor a registration are left out.
    """
    counted = (
        BorderCount.objects.readable_by(user)
        .current()
        .filter(day__range=(first_day, last_day))
        .values("crossing_id", week=TruncWeek("day"))
        .annotate(people=Sum("total"))
        .order_by()
    )
    registered = (
        Household.objects.countable_by(user)
        .filter(office__kind=Office.Kind.BORDER_CROSSING, arrival_date__range=(first_day, last_day))
        .values("office_id", week=TruncWeek("arrival_date"))
        .annotate(people=Sum("member_count"))
        .order_by()
    )
    figures: dict[tuple[int, datetime.date], dict] = {}
    for row in counted:
        figures.setdefault((row["crossing_id"], row["week"]), {})["counted"] = row["people"]
    for row in registered:
        figures.setdefault((row["office_id"], row["week"]), {})["registered"] = row["people"]
    crossings = Office.objects.in_bulk({crossing_id for crossing_id, _week in figures})
    rows = [
        WeekReconciliation(
            crossing=crossings[crossing_id],
            week=week,
            counted=numbers.get("counted", 0),
            registered=numbers.get("registered", 0),
        )
        for (crossing_id, week), numbers in figures.items()
    ]
    return sorted(rows, key=lambda row: (row.crossing.name, row.week))

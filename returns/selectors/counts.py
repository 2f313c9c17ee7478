"""Reads of the border arrival counts. Every one starts from ``BorderCount.objects.readable_by``
and counts only current versions; the database adds up."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Office
from agencies.problems import Refused
from returns.models import BorderCount, Household
from returns.models.counts import MEASURES


def _sums() -> dict:
    return {name: Coalesce(Sum(name), 0) for name in MEASURES}


@dataclass(frozen=True)
class CountGrid:
    days: list[dict]  # one per day of the range: {"day": date, "iso_day": str, "counted": bool, <measure>: int}
    totals: dict  # <measure>: int over the range


def border_count_grid(*, user, crossing: Office, first_day: datetime.date, last_day: datetime.date) -> CountGrid:
    """The current counts at one crossing, day by day (all countries of departure together), and the
    totals over the range: one query, whatever the number of days.

    The database adds up each day; the range's totals are the sum of those daily sums (at most 366
    rows already counted), rather than a second pass of the database over the same counts.
    """
    days_asked = (first_day, last_day)
    counts = (
        BorderCount.objects.readable_by(user).current(days=days_asked).filter(crossing=crossing, day__range=days_asked)
    )
    by_day = {row["day"]: row for row in counts.values("day").annotate(**_sums()).order_by("day")}
    totals = {name: sum(row[name] for row in by_day.values()) for name in MEASURES}
    days = []
    day = first_day
    while day <= last_day:
        row = by_day.get(day)
        days.append(
            {
                "day": day,
                "iso_day": day.isoformat(),
                "counted": row is not None,
                **{name: row[name] if row else 0 for name in MEASURES},
            }
        )
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
        return iso_week(self.week)

    @property
    def unregistered(self) -> int:
        return self.counted - self.registered


# The reconciliation's weeks: the last 12 by default, at most about two years at once.
RECONCILIATION_DEFAULT_WEEKS = 12
RECONCILIATION_MAX_WEEKS = 104
ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
ISO_WEEK_MESSAGE = gettext_lazy("Enter a week as its year and week number, e.g. 2026-W41.")


def iso_week_monday(text: str) -> datetime.date | None:
    """The Monday of an ISO week written ``2026-W41`` (as a browser's week field sends it), or None."""
    match = ISO_WEEK.match(text or "")
    if not match or not 1900 <= int(match[1]) <= 2999:  # no counts then; and no date arithmetic overflows
        return None
    try:
        return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:  # week 0, or week 53 of a year that has 52
        return None


def iso_week(monday: datetime.date) -> str:
    year, number, _weekday = monday.isocalendar()
    return f"{year}-W{number:02d}"


def reconciliation_default_weeks(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Mondays of the first and last of the last ``RECONCILIATION_DEFAULT_WEEKS`` weeks (this one last)."""
    this_week = today - datetime.timedelta(days=today.weekday())
    return this_week - datetime.timedelta(weeks=RECONCILIATION_DEFAULT_WEEKS - 1), this_week


def reconciliation_days(
    *, week_from: datetime.date | None, week_to: datetime.date | None, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The days from the Monday of ``week_from`` to the Sunday of ``week_to``: whole ISO weeks.

    Without ``week_to``, up to this week; without ``week_from``, ``RECONCILIATION_DEFAULT_WEEKS``
    weeks up to ``week_to``. Refuses (``Refused``, by parameter) a range that runs backwards or is
    longer than ``RECONCILIATION_MAX_WEEKS``: the page and the API say so in the same words.
    """
    default_from, default_to = reconciliation_default_weeks(today)
    week_to = week_to or default_to
    week_from = week_from or week_to - (default_to - default_from)
    first_day = week_from - datetime.timedelta(days=week_from.weekday())
    last_day = week_to - datetime.timedelta(days=week_to.weekday()) + datetime.timedelta(days=6)
    if first_day > last_day:
        raise Refused.one(
            "week_to",
            "range_backwards",
            _("The last week (%(to)s) comes before the first (%(from)s): swap them.")
            % {"from": iso_week(first_day), "to": iso_week(week_to)},
        )
    weeks = (last_day - first_day).days // 7 + 1
    if weeks > RECONCILIATION_MAX_WEEKS:
        raise Refused.one(
            "week_from",
            "range_too_long",
            _("That is %(weeks)s weeks: choose at most %(most)s at once.")
            % {"weeks": weeks, "most": RECONCILIATION_MAX_WEEKS},
        )
    return first_day, last_day


def border_count_reconciliation(*, user, first_day: datetime.date, last_day: datetime.date) -> list[WeekReconciliation]:
    """Counted arrivals against registered people, per crossing and ISO week (Monday to Sunday).

    Registered people are the members of the households registered at the crossing whose arrival
    date falls in the week, through the aggregate gate (``Household.objects.countable_by``).
    Two grouped queries; weeks with neither a count nor a registration are left out.
    """
    counted = (
        BorderCount.objects.readable_by(user)
        .current(days=(first_day, last_day))
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

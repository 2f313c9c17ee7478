"""Dates on pages, in emails and in the PDF, in the reader's calendar and digits (``agencies.calendars``).

A builtin of the template engine (settings ``TEMPLATES``), so that no template shows a date without
it. Machine-read files (CSV, XLSX, the API) keep ISO Gregorian dates.

- ``{{ value|day }}``: 2025-03-21, or 1404/01/01 in the Solar Hijri calendar;
- ``{{ value|day_long }}``: 21 March 2025, or 1 Hamal 1404 (the month named in the reader's language);
- ``{{ value|moment }}``: the day and the time in Kabul, 1404/01/01 14:05;
- ``{{ value|month_long }}``: a Gregorian month, named in the reader's calendar;
- ``{{ value|both_calendars }}``: the long day in the reader's calendar, then in the other one.
"""

import datetime

from django import template
from django.utils import timezone

from agencies import calendars

register = template.Library()


def _local(value: datetime.datetime) -> datetime.datetime:
    """In Kabul time, unless a ``|utc`` (or ``|timezone``) filter already chose the zone."""
    if timezone.is_aware(value) and getattr(value, "convert_to_local_time", True):
        return timezone.localtime(value)
    return value


def _day(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return _local(value).date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):  # an ISO date kept in JSON (a household's routing facts)
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@register.filter
def day(value):
    shown = _day(value)
    return calendars.date_numeric(shown) if shown else ""


@register.filter
def day_long(value):
    shown = _day(value)
    return calendars.date_long(shown) if shown else ""


@register.filter
def moment(value):
    if not isinstance(value, datetime.datetime):
        return day(value)
    local = _local(value)
    return f"{calendars.date_numeric(local.date())} {calendars.digits_shown(local.strftime('%H:%M'))}"


@register.filter
def month_long(value):
    shown = _day(value)
    return calendars.month_long(shown.year, shown.month) if shown else ""


@register.filter
def both_calendars(value):
    shown = _day(value)
    if not shown:
        return ""
    return f"{calendars.date_long(shown)} ({calendars.date_long(shown, calendars.other_calendar())})"

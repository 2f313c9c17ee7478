"""Dates in the two calendars Afghan offices use: the Gregorian and the Solar Hijri (the official one).

Dates are stored Gregorian. What a person reads and types follows their preference (``User.calendar``
and ``User.digits``; when unset, the language decides: Dari and Pashto read the Solar Hijri calendar),
made active for the request by ``agencies.middleware.PreferencesMiddleware`` the way Django
activates a language.

Typing never depends on the preference: a date is read in either calendar, told apart by its year
(1300 to 1499 are Solar Hijri years, 1900 to 2100 Gregorian ones), in Latin, Persian or
Arabic-Indic digits. The conversion is jdatetime's; the month names are the Afghan ones (Hamal to
Hut, which Dari and Pashto share as the zodiac names), not the Iranian Farvardin to Esfand.
"""

import contextlib
import contextvars
import datetime
import re
from functools import lru_cache

import jdatetime
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

GREGORIAN = "gregorian"
SOLAR_HIJRI = "solar_hijri"
LATIN_DIGITS = "latin"
PERSIAN_DIGITS = "persian"

# Languages whose readers expect the Solar Hijri calendar unless they say otherwise.
SOLAR_HIJRI_LANGUAGES = ("fa", "ps")

SOLAR_HIJRI_YEARS = range(1300, 1500)  # 1404 is 2025/26
GREGORIAN_YEARS = range(1900, 2101)
DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
TO_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
YEAR_FIRST = re.compile(
    r"(?P<year>[0-9]{4})(?P<separator>[-/.])(?P<month>[0-9]{1,2})(?P=separator)(?P<day>[0-9]{1,2})"
    # The time of an ISO datetime (Kobo's submission time) is dropped.
    r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
YEAR_LAST = re.compile(r"(?P<day>[0-9]{1,2})(?P<separator>[-/.])(?P<month>[0-9]{1,2})(?P=separator)(?P<year>[0-9]{4})")

SOLAR_HIJRI_MONTHS = (
    pgettext_lazy("Solar Hijri month", "Hamal"),
    pgettext_lazy("Solar Hijri month", "Sawr"),
    pgettext_lazy("Solar Hijri month", "Jawza"),
    pgettext_lazy("Solar Hijri month", "Saratan"),
    pgettext_lazy("Solar Hijri month", "Asad"),
    pgettext_lazy("Solar Hijri month", "Sunbula"),
    pgettext_lazy("Solar Hijri month", "Mizan"),
    pgettext_lazy("Solar Hijri month", "Aqrab"),
    pgettext_lazy("Solar Hijri month", "Qaws"),
    pgettext_lazy("Solar Hijri month", "Jadi"),
    pgettext_lazy("Solar Hijri month", "Dalw"),
    pgettext_lazy("Solar Hijri month", "Hut"),
)
GREGORIAN_MONTHS = (
    pgettext_lazy("Gregorian month", "January"),
    pgettext_lazy("Gregorian month", "February"),
    pgettext_lazy("Gregorian month", "March"),
    pgettext_lazy("Gregorian month", "April"),
    pgettext_lazy("Gregorian month", "May"),
    pgettext_lazy("Gregorian month", "June"),
    pgettext_lazy("Gregorian month", "July"),
    pgettext_lazy("Gregorian month", "August"),
    pgettext_lazy("Gregorian month", "September"),
    pgettext_lazy("Gregorian month", "October"),
    pgettext_lazy("Gregorian month", "November"),
    pgettext_lazy("Gregorian month", "December"),
)

_active = contextvars.ContextVar("calendar_preference", default=None)


def calendar_choices():
    return [(GREGORIAN, pgettext("calendar", "Gregorian")), (SOLAR_HIJRI, pgettext("calendar", "Solar Hijri"))]


def digit_choices():
    return [(LATIN_DIGITS, _("Latin digits (0123)")), (PERSIAN_DIGITS, _("Persian digits (۰۱۲۳)"))]


def default_calendar(language: str | None = None) -> str:
    """The calendar a reader of ``language`` (the active one when not given) expects."""
    language = (language or get_language() or "en").split("-")[0]
    return SOLAR_HIJRI if language in SOLAR_HIJRI_LANGUAGES else GREGORIAN


def activate(calendar: str | None, digits: str | None = None):
    """Make ``calendar`` and ``digits`` the ones dates are shown in, until ``deactivate`` (None: by language)."""
    return _active.set((calendar or None, digits or None))


def deactivate(token=None) -> None:
    if token is not None:
        _active.reset(token)
    else:
        _active.set(None)


def active_calendar() -> str:
    preference = _active.get()
    return (preference and preference[0]) or default_calendar()


def active_digits() -> str:
    preference = _active.get()
    return (preference and preference[1]) or LATIN_DIGITS


def preference_for(user) -> tuple[str | None, str | None]:
    """A logged-in person's calendar and digits (None where they left it to their language)."""
    return (getattr(user, "calendar", "") or None, getattr(user, "digits", "") or None)


@contextlib.contextmanager
def written_for(user):
    """What is written to ``user`` outside a request (an email): in their language (the site's when
    they chose none), with dates in their calendar and digits (by that language when they chose none)."""
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        token = activate(*preference_for(user))
        try:
            yield
        finally:
            deactivate(token)


def digits_shown(text: str, digits: str | None = None) -> str:
    return text.translate(TO_PERSIAN_DIGITS) if (digits or active_digits()) == PERSIAN_DIGITS else text


def solar_hijri(day: datetime.date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=day)


def gregorian(year: int, month: int, day: int) -> datetime.date:
    """The Gregorian date of a Solar Hijri one (ValueError for a day that does not exist)."""
    return jdatetime.date(year, month, day).togregorian()


def date_read(text: str) -> datetime.date:
    """A date as officers write it, in the Gregorian or the Solar Hijri calendar (told apart by the year).

    Year first (2025-03-21, 1404/01/01) or last (21/03/2025, 01/01/1404), any of ``-/.`` between,
    in Latin, Persian or Arabic-Indic digits. Raises ValueError with a sentence that says how to
    write it.
    """
    found = _date_parsed(str(text).strip())
    if found is None:
        raise ValueError(_("Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar)."))
    return found


@lru_cache(maxsize=4096)
def _date_parsed(text: str) -> datetime.date | None:
    """``date_read``'s date, or None. Kept for the dates seen last: a file repeats its arrival and expiry dates."""
    cleaned = text.translate(DIGITS)
    match = YEAR_FIRST.fullmatch(cleaned) or YEAR_LAST.fullmatch(cleaned)
    if match is None:
        return None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    try:
        if year in SOLAR_HIJRI_YEARS:
            return gregorian(year, month, day)
        if year in GREGORIAN_YEARS:
            return datetime.date(year, month, day)
    except ValueError:
        pass  # an impossible day or month: the same advice as for any other unreadable date
    return None


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_typed(text: str, *, year_first: bool = False) -> datetime.date:
    """A date typed in a form or sent to the API: ``date_read``, and an ISO date of any Gregorian year
    (0001-01-01 is a date, refused later for what it says, not for how it is written). With
    ``year_first`` (the API), 10/05/2023 is refused: a machine must not leave the order to a guess."""
    cleaned = str(text).strip().translate(DIGITS)
    if year_first and not YEAR_FIRST.fullmatch(cleaned):
        raise ValueError(_("Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar)."))
    if ISO_DATE.fullmatch(cleaned) and int(cleaned[:4]) not in SOLAR_HIJRI_YEARS:
        try:
            return datetime.date.fromisoformat(cleaned)
        except ValueError:
            pass
    return date_read(cleaned)


def date_numeric(day: datetime.date, calendar: str | None = None, digits: str | None = None) -> str:
    """``day`` as typed into a date field: 2025-03-21, or 1404/01/01 in the Solar Hijri calendar."""
    if (calendar or active_calendar()) == SOLAR_HIJRI:
        shown = solar_hijri(day)
        text = f"{shown.year:04d}/{shown.month:02d}/{shown.day:02d}"
    else:
        text = day.isoformat()
    return digits_shown(text, digits)


def date_long(day: datetime.date, calendar: str | None = None, digits: str | None = None) -> str:
    """``day`` for reading: "21 March 2025", or "1 Hamal 1404" with the month named in the active language."""
    if (calendar or active_calendar()) == SOLAR_HIJRI:
        shown = solar_hijri(day)
        text = f"{shown.day} {SOLAR_HIJRI_MONTHS[shown.month - 1]} {shown.year}"
    else:
        text = f"{day.day} {GREGORIAN_MONTHS[day.month - 1]} {day.year}"
    return digits_shown(text, digits)


def day_and_month(day: datetime.date, calendar: str | None = None, digits: str | None = None) -> str:
    """A day of the year for a chart's label: "21 March", or "1 Hamal"."""
    if (calendar or active_calendar()) == SOLAR_HIJRI:
        shown = solar_hijri(day)
        text = f"{shown.day} {SOLAR_HIJRI_MONTHS[shown.month - 1]}"
    else:
        text = f"{day.day} {GREGORIAN_MONTHS[day.month - 1]}"
    return digits_shown(text, digits)


def month_long(year: int, month: int, calendar: str | None = None, digits: str | None = None) -> str:
    """A Gregorian month for reading: "March 2025", or the Solar Hijri months it spans ("Hut 1403 – Hamal 1404")."""
    if (calendar or active_calendar()) != SOLAR_HIJRI:
        return digits_shown(f"{GREGORIAN_MONTHS[month - 1]} {year}", digits)
    first = solar_hijri(datetime.date(year, month, 1))
    last = solar_hijri(datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1))
    text = (
        f"{SOLAR_HIJRI_MONTHS[first.month - 1]} {first.year} – {SOLAR_HIJRI_MONTHS[last.month - 1]} {last.year}"
        if (first.year, first.month) != (last.year, last.month)
        else f"{SOLAR_HIJRI_MONTHS[first.month - 1]} {first.year}"
    )
    return digits_shown(text, digits)


def calendar_name(calendar: str | None = None) -> str:
    return dict(calendar_choices())[calendar or active_calendar()]


def other_calendar(calendar: str | None = None) -> str:
    return GREGORIAN if (calendar or active_calendar()) == SOLAR_HIJRI else SOLAR_HIJRI


def numeric_pattern(calendar: str | None = None) -> str:
    """How a date is typed in this calendar, for a field's hint."""
    return (
        pgettext("date pattern", "yyyy/mm/dd")
        if (calendar or active_calendar()) == SOLAR_HIJRI
        else pgettext("date pattern", "yyyy-mm-dd")
    )

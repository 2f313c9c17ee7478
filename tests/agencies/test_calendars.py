"""Dates in the Gregorian and the Solar Hijri calendars (``agencies.calendars``) and the template filters
that show them (``agencies/templatetags/calendar_dates.py``, a builtin of the template engine)."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from agencies import calendars
from agencies.models import User

ADVICE = "Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar)."
NOWRUZ_1404 = datetime.date(2025, 3, 21)  # 1 Hamal 1404
# 20:00 UTC on 20 March 2025 is 00:30 on 21 March in Kabul (UTC+04:30): the Solar Hijri year turns over.
EVENING_IN_UTC = datetime.datetime(2025, 3, 20, 20, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _no_calendar_chosen():
    """Each test starts and ends with no calendar activated: the language decides."""
    calendars.deactivate()
    yield
    calendars.deactivate()


def shown(template: str, value) -> str:
    return Template(template).render(Context({"value": value}))


# --- Conversion, both ways ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("solar_hijri_day", "gregorian_day"),
    [
        ((1404, 1, 1), datetime.date(2025, 3, 21)),  # Nowruz 1404
        ((1403, 12, 30), datetime.date(2025, 3, 20)),  # 1403 is a leap year: Hut has 30 days
        ((1403, 1, 1), datetime.date(2024, 3, 20)),
        ((1399, 12, 30), datetime.date(2021, 3, 20)),  # 1399 is a leap year
        ((1402, 12, 10), datetime.date(2024, 2, 29)),  # a Gregorian leap day
        ((1404, 8, 1), datetime.date(2025, 10, 23)),
        ((1380, 5, 10), datetime.date(2001, 8, 1)),
    ],
)
def test_a_solar_hijri_day_and_its_gregorian_day_convert_both_ways(solar_hijri_day, gregorian_day):
    # Given a day known in both calendars
    year, month, day = solar_hijri_day

    # When it is converted each way
    to_gregorian = calendars.gregorian(year, month, day)
    to_solar_hijri = calendars.solar_hijri(gregorian_day)

    # Then each gives the other
    assert to_gregorian == gregorian_day
    assert (to_solar_hijri.year, to_solar_hijri.month, to_solar_hijri.day) == solar_hijri_day


def test_the_last_day_of_a_common_solar_hijri_year_is_the_29th_of_hut():
    # When 30 Hut 1404 is converted (1404 is not a leap year)
    with pytest.raises(ValueError) as refusal:
        calendars.gregorian(1404, 12, 30)

    # Then jdatetime refuses it
    assert str(refusal.value) == "day is out of range for month"
    assert calendars.gregorian(1404, 12, 29) == datetime.date(2026, 3, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1404/01/01", NOWRUZ_1404),
        ("1404-01-01", NOWRUZ_1404),
        ("1404.1.1", NOWRUZ_1404),
        ("01/01/1404", NOWRUZ_1404),
        ("۱۴۰۴/۰۱/۰۱", NOWRUZ_1404),  # Persian digits
        ("١٤٠٤/٠١/٠١", NOWRUZ_1404),  # Arabic-Indic digits
        ("2025-03-21", NOWRUZ_1404),
        ("21/03/2025", NOWRUZ_1404),
        ("21.3.2025", NOWRUZ_1404),
        ("2025-03-21T10:00:00Z", NOWRUZ_1404),  # Kobo's submission time: the time is dropped
        ("2025-03-21 23:59:59.123+04:30", NOWRUZ_1404),
        ("  1404/01/01 ", NOWRUZ_1404),
        ("1403/12/30", datetime.date(2025, 3, 20)),
        ("1402/12/10", datetime.date(2024, 2, 29)),
        ("2024-02-29", datetime.date(2024, 2, 29)),
        ("1300/01/01", datetime.date(1921, 3, 21)),  # the first Solar Hijri year read
        ("1900-01-01", datetime.date(1900, 1, 1)),  # the first Gregorian year read
        ("2100-12-31", datetime.date(2100, 12, 31)),  # the last Gregorian year read
    ],
)
def test_a_date_is_read_in_either_calendar_told_apart_by_its_year(text, expected):
    # When an officer's date is read
    read = calendars.date_read(text)

    # Then it is the Gregorian day it names
    assert read == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1250/01/01",  # neither a Solar Hijri year (1300-1499) nor a Gregorian one (1900-2100)
        "1899-12-31",
        "2101-01-01",
        "2025-13-01",
        "1404/13/01",
        "1404/12/30",  # 1404 is not a leap year
        "2025-02-29",  # nor is 2025
        "1404/00/10",
        "1404/01-01",  # two different separators
        "03/21/2025",  # month first: there is no 21st month
        "2025-03-21T10",
    ],
)
def test_a_date_that_cannot_be_read_is_refused_with_advice(text):
    # When it is read
    with pytest.raises(ValueError) as refusal:
        calendars.date_read(text)

    # Then the message says how to write a date
    assert str(refusal.value) == ADVICE


@pytest.mark.parametrize(
    ("language", "advice"),
    [
        ("fa", "تاریخ را به شکل \u20662025-03-21\u2069 بنویسید (یا \u20661404/01/01\u2069 به تقویم هجری شمسی)."),
        ("ps", "نېټه د \u20662025-03-21\u2069 په بڼه ولیکئ (یا په لمریز هجري کلیز کې \u20661404/01/01\u2069)."),
    ],
    ids=["dari", "pashto"],
)
def test_the_advice_is_in_the_officers_language(language, advice):
    # Given an officer reading Dari or Pashto
    with translation.override(language), pytest.raises(ValueError) as refusal:
        # When a date cannot be read
        calendars.date_read("1404/13/01")

    # Then the advice is in their language, the example dates isolated left to right
    assert str(refusal.value) == advice


def test_a_date_read_again_gives_the_same_answer_and_the_advice_each_time_in_the_language_of_then():
    # Dates read before are remembered (a file repeats its dates): what is remembered is the date, not the words
    advice = []
    for language in ("en", "fa", "en"):
        with translation.override(language), pytest.raises(ValueError) as refusal:
            calendars.date_read("1404/13/02")
        advice.append(str(refusal.value))
        assert calendars.date_read(" ۱۴۰۴/۰۱/۰۱ ") == NOWRUZ_1404

    assert advice == [
        ADVICE,
        "تاریخ را به شکل \u20662025-03-21\u2069 بنویسید (یا \u20661404/01/01\u2069 به تقویم هجری شمسی).",
        ADVICE,
    ]


def test_every_day_shown_in_either_calendar_and_digits_reads_back_as_itself():
    # Given every day of 2024 to 2026 (two Nowruz, a Gregorian and a Solar Hijri leap year)
    days = [datetime.date(2024, 1, 1) + datetime.timedelta(days=offset) for offset in range(1096)]

    # When each is shown as typed in a field and read back
    misread = [
        (day, calendar, digits)
        for day in days
        for calendar in (calendars.GREGORIAN, calendars.SOLAR_HIJRI)
        for digits in (calendars.LATIN_DIGITS, calendars.PERSIAN_DIGITS)
        if calendars.date_read(calendars.date_numeric(day, calendar, digits)) != day
    ]

    # Then none changes
    assert days[-1] == datetime.date(2026, 12, 31)
    assert misread == []


# --- Typed in a form or sent to the API ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0001-01-01", datetime.date(1, 1, 1)),  # refused later for what it says, not for how it is written
        ("1250-01-01", datetime.date(1250, 1, 1)),
        ("1404-01-01", NOWRUZ_1404),  # an ISO shape with a Solar Hijri year is Solar Hijri
        ("2025-03-21", NOWRUZ_1404),
        ("21/03/2025", NOWRUZ_1404),
        ("۱۴۰۴/۰۱/۰۱", NOWRUZ_1404),
    ],
)
def test_a_typed_date_is_read_as_iso_of_any_year_or_as_an_officer_writes_it(text, expected):
    # When it is typed
    typed = calendars.date_typed(text)

    # Then
    assert typed == expected


@pytest.mark.parametrize(("text", "expected"), [("1404/01/01", NOWRUZ_1404), ("2025-03-21", NOWRUZ_1404)])
def test_year_first_reads_a_date_whose_year_comes_first(text, expected):
    # When a machine sends a date year first
    typed = calendars.date_typed(text, year_first=True)

    # Then
    assert typed == expected


@pytest.mark.parametrize("text", ["21/03/2025", "01/01/1404", "10/05/2023", "2025-02-29", "1404-13-01", "abc"])
def test_year_first_refuses_a_day_first_date_and_an_impossible_one(text):
    # When a machine sends it
    with pytest.raises(ValueError) as refusal:
        calendars.date_typed(text, year_first=True)

    # Then it is refused: the order of day and month is not left to a guess
    assert str(refusal.value) == ADVICE


# --- Shown --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "digits", "numeric", "long"),
    [
        (calendars.GREGORIAN, None, "2025-03-21", "21 March 2025"),
        (calendars.GREGORIAN, calendars.PERSIAN_DIGITS, "۲۰۲۵-۰۳-۲۱", "۲۱ March ۲۰۲۵"),
        (calendars.SOLAR_HIJRI, None, "1404/01/01", "1 Hamal 1404"),
        (calendars.SOLAR_HIJRI, calendars.LATIN_DIGITS, "1404/01/01", "1 Hamal 1404"),
        (calendars.SOLAR_HIJRI, calendars.PERSIAN_DIGITS, "۱۴۰۴/۰۱/۰۱", "۱ Hamal ۱۴۰۴"),
    ],
)
def test_a_day_is_shown_in_the_calendar_and_digits_asked_for(calendar, digits, numeric, long):
    # When Nowruz 1404 is shown in English
    # Then
    assert calendars.date_numeric(NOWRUZ_1404, calendar, digits) == numeric
    assert calendars.date_long(NOWRUZ_1404, calendar, digits) == long


@pytest.mark.parametrize(
    ("language", "solar_hijri_long", "gregorian_long", "solar_hijri_month", "gregorian_month"),
    [
        ("en", "1 Hamal 1404", "21 March 2025", "Qaws 1404 – Jadi 1404", "December 2025"),
        ("fa", "1 حمل 1404", "21 مارچ 2025", "قوس 1404 – جدی 1404", "دسمبر 2025"),
        ("ps", "1 وری 1404", "21 مارچ 2025", "لیندۍ 1404 – مرغومی 1404", "ډسمبر 2025"),
    ],
)
def test_months_are_named_in_the_readers_language(
    language, solar_hijri_long, gregorian_long, solar_hijri_month, gregorian_month
):
    # Given a reader of English, Dari or Pashto
    with translation.override(language):
        # When a day and a month are shown in each calendar
        # Then the Afghan month names are used (Hamal, not Farvardin), in the reader's language
        assert calendars.date_long(NOWRUZ_1404, calendars.SOLAR_HIJRI) == solar_hijri_long
        assert calendars.date_long(NOWRUZ_1404, calendars.GREGORIAN) == gregorian_long
        assert calendars.month_long(2025, 12, calendars.SOLAR_HIJRI) == solar_hijri_month
        assert calendars.month_long(2025, 12, calendars.GREGORIAN) == gregorian_month
        # And the numeric form does not depend on the language
        assert calendars.date_numeric(NOWRUZ_1404, calendars.SOLAR_HIJRI) == "1404/01/01"
        assert calendars.date_numeric(NOWRUZ_1404, calendars.GREGORIAN) == "2025-03-21"


@pytest.mark.parametrize(
    ("language", "solar_hijri_months", "gregorian_months"),
    [
        (
            "en",
            ["Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sunbula", "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut"],
            ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"],
        ),
        (
            "fa",
            ["حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"],
            ["جنوری", "فبروری", "مارچ", "اپریل", "می", "جون", "جولای", "اگست", "سپتمبر", "اکتوبر", "نومبر", "دسمبر"],
        ),
        (
            "ps",
            ["وری", "غویی", "غبرګولی", "چنګاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"],
            ["جنوري", "فبروري", "مارچ", "اپریل", "مۍ", "جون", "جولای", "اګست", "سپتمبر", "اکتوبر", "نومبر", "ډسمبر"],
        ),
    ],
)  # fmt: skip
def test_the_first_of_each_month_is_named_with_its_month(language, solar_hijri_months, gregorian_months):
    # Given the first day of each Solar Hijri month of 1404 and of each Gregorian month of 2025
    solar_hijri_firsts = [calendars.gregorian(1404, month, 1) for month in range(1, 13)]
    gregorian_firsts = [datetime.date(2025, month, 1) for month in range(1, 13)]

    # When they are shown in the reader's language
    with translation.override(language):
        solar_hijri_shown = [calendars.date_long(day, calendars.SOLAR_HIJRI) for day in solar_hijri_firsts]
        gregorian_shown = [calendars.date_long(day, calendars.GREGORIAN) for day in gregorian_firsts]

    # Then each month has its own name, in order
    assert solar_hijri_shown == [f"1 {name} 1404" for name in solar_hijri_months]
    assert gregorian_shown == [f"1 {name} 2025" for name in gregorian_months]


@pytest.mark.parametrize(
    ("year", "month", "spanned"),
    [
        (2025, 1, "Jadi 1403 – Dalw 1403"),
        (2025, 3, "Hut 1403 – Hamal 1404"),  # the year turns over on 21 March
        (2025, 11, "Aqrab 1404 – Qaws 1404"),
        (2025, 12, "Qaws 1404 – Jadi 1404"),
        (2024, 12, "Qaws 1403 – Jadi 1403"),
    ],
)
def test_a_gregorian_month_is_shown_as_the_solar_hijri_months_it_spans(year, month, spanned):
    # When a Gregorian month is named for a Solar Hijri reader
    # Then
    assert calendars.month_long(year, month, calendars.SOLAR_HIJRI) == spanned


def test_a_gregorian_month_in_persian_digits():
    # Given a Dari reader who reads the Gregorian calendar in Persian digits
    with translation.override("fa"):
        # When a month is named
        # Then
        assert calendars.month_long(2025, 3, calendars.GREGORIAN, calendars.PERSIAN_DIGITS) == "مارچ ۲۰۲۵"


@pytest.mark.parametrize(
    ("language", "solar_hijri", "gregorian", "solar_hijri_pattern", "gregorian_pattern"),
    [
        ("en", "Solar Hijri", "Gregorian", "yyyy/mm/dd", "yyyy-mm-dd"),
        ("fa", "هجری شمسی", "میلادی", "سال/ماه/روز", "سال-ماه-روز"),
        ("ps", "لمریز هجري", "میلادي", "کال/میاشت/ورځ", "کال-میاشت-ورځ"),
    ],
)
def test_the_calendars_and_their_patterns_are_named_in_the_readers_language(
    language, solar_hijri, gregorian, solar_hijri_pattern, gregorian_pattern
):
    with translation.override(language):
        assert calendars.calendar_choices() == [("gregorian", gregorian), ("solar_hijri", solar_hijri)]
        assert calendars.calendar_name(calendars.SOLAR_HIJRI) == solar_hijri
        assert calendars.calendar_name(calendars.GREGORIAN) == gregorian
        assert calendars.numeric_pattern(calendars.SOLAR_HIJRI) == solar_hijri_pattern
        assert calendars.numeric_pattern(calendars.GREGORIAN) == gregorian_pattern


def test_the_other_calendar():
    assert calendars.other_calendar(calendars.SOLAR_HIJRI) == calendars.GREGORIAN
    assert calendars.other_calendar(calendars.GREGORIAN) == calendars.SOLAR_HIJRI
    # And with none given, the other of the active one (English: Gregorian)
    assert calendars.other_calendar() == calendars.SOLAR_HIJRI


# --- The reader's calendar ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", calendars.GREGORIAN),
        ("fa", calendars.SOLAR_HIJRI),
        ("ps", calendars.SOLAR_HIJRI),
        ("fa-af", calendars.SOLAR_HIJRI),
        ("de", calendars.GREGORIAN),
    ],
)
def test_the_language_decides_the_calendar_when_the_reader_has_not(language, expected):
    # When the default calendar of a language is asked, by name and as the active language
    by_name = calendars.default_calendar(language)
    with translation.override(language):
        active = calendars.default_calendar()
        chosen = calendars.active_calendar()

    # Then Dari and Pashto read the Solar Hijri calendar, every other language the Gregorian one
    assert (by_name, active, chosen) == (expected, expected, expected)


def test_nothing_activated_follows_the_language_in_latin_digits():
    # Given nothing activated
    # When the active calendar and digits are asked in English and in Dari
    english = (calendars.active_calendar(), calendars.active_digits(), calendars.date_numeric(NOWRUZ_1404))
    with translation.override("fa"):
        dari = (calendars.active_calendar(), calendars.active_digits(), calendars.date_numeric(NOWRUZ_1404))

    # Then
    assert english == ("gregorian", "latin", "2025-03-21")
    assert dari == ("solar_hijri", "latin", "1404/01/01")


def test_an_activated_calendar_and_digits_hold_until_deactivated():
    # Given an English reader who chose the Solar Hijri calendar in Persian digits
    token = calendars.activate(calendars.SOLAR_HIJRI, calendars.PERSIAN_DIGITS)

    # When dates are shown without naming a calendar
    # Then they are in the chosen ones
    assert calendars.active_calendar() == "solar_hijri"
    assert calendars.active_digits() == "persian"
    assert calendars.date_numeric(NOWRUZ_1404) == "۱۴۰۴/۰۱/۰۱"
    assert calendars.date_long(NOWRUZ_1404) == "۱ Hamal ۱۴۰۴"
    assert calendars.month_long(2025, 3) == "Hut ۱۴۰۳ – Hamal ۱۴۰۴"
    # And an argument still overrides the choice
    assert calendars.date_numeric(NOWRUZ_1404, calendars.GREGORIAN, calendars.LATIN_DIGITS) == "2025-03-21"

    # When it is deactivated
    calendars.deactivate(token)

    # Then the language decides again
    assert (calendars.active_calendar(), calendars.active_digits()) == ("gregorian", "latin")
    assert calendars.date_numeric(NOWRUZ_1404) == "2025-03-21"


def test_a_calendar_chosen_over_the_languages():
    # Given a Dari reader who chose the Gregorian calendar, leaving the digits to the default
    with translation.override("fa"):
        token = calendars.activate(calendars.GREGORIAN)

        # Then Gregorian dates, Latin digits, month named in Dari
        assert (calendars.active_calendar(), calendars.active_digits()) == ("gregorian", "latin")
        assert calendars.date_long(NOWRUZ_1404) == "21 مارچ 2025"
        calendars.deactivate(token)


def test_activating_no_preference_leaves_it_to_the_language():
    # Given a person with no calendar or digits of their own (the middleware activates None)
    token = calendars.activate(None, "")

    # Then the language decides
    assert (calendars.active_calendar(), calendars.active_digits()) == ("gregorian", "latin")
    with translation.override("ps"):
        assert (calendars.active_calendar(), calendars.active_digits()) == ("solar_hijri", "latin")
    calendars.deactivate(token)


def test_deactivating_a_token_restores_the_choice_before_it():
    # Given a choice made inside another one
    outer = calendars.activate(calendars.SOLAR_HIJRI, calendars.PERSIAN_DIGITS)
    inner = calendars.activate(calendars.GREGORIAN, calendars.LATIN_DIGITS)
    assert (calendars.active_calendar(), calendars.active_digits()) == ("gregorian", "latin")

    # When the inner one ends
    calendars.deactivate(inner)

    # Then the outer one holds
    assert (calendars.active_calendar(), calendars.active_digits()) == ("solar_hijri", "persian")

    # And deactivating without a token clears every choice
    calendars.deactivate()
    assert (calendars.active_calendar(), calendars.active_digits()) == ("gregorian", "latin")
    calendars.deactivate(outer)


@pytest.mark.parametrize(
    ("calendar", "digits", "preference"),
    [
        ("", "", (None, None)),
        ("solar_hijri", "", ("solar_hijri", None)),
        ("gregorian", "persian", ("gregorian", "persian")),
    ],
)
def test_a_persons_preference_is_their_calendar_and_digits_or_none(calendar, digits, preference):
    # Given a person's calendar and digits (blank: left to their language)
    person = User(username="reader", calendar=calendar, digits=digits)

    # Then
    assert calendars.preference_for(person) == preference


def test_an_anonymous_visitor_has_no_preference():
    assert calendars.preference_for(object()) == (None, None)


# --- Template filters ---------------------------------------------------------------------------------

FILTERS = "{{ value|day }}|{{ value|day_long }}|{{ value|moment }}|{{ value|month_long }}|{{ value|both_calendars }}"


@pytest.mark.parametrize(
    ("language", "calendar", "digits", "expected"),
    [
        ("en", None, None, "2025-03-21|21 March 2025|2025-03-21|March 2025|21 March 2025 (1 Hamal 1404)"),
        (
            "en",
            "solar_hijri",
            None,
            "1404/01/01|1 Hamal 1404|1404/01/01|Hut 1403 – Hamal 1404|1 Hamal 1404 (21 March 2025)",
        ),
        ("fa", None, None, "1404/01/01|1 حمل 1404|1404/01/01|حوت 1403 – حمل 1404|1 حمل 1404 (21 مارچ 2025)"),
        (
            "fa",
            "solar_hijri",
            "persian",
            "۱۴۰۴/۰۱/۰۱|۱ حمل ۱۴۰۴|۱۴۰۴/۰۱/۰۱|حوت ۱۴۰۳ – حمل ۱۴۰۴|۱ حمل ۱۴۰۴ (۲۱ مارچ ۲۰۲۵)",
        ),
        ("fa", "gregorian", None, "2025-03-21|21 مارچ 2025|2025-03-21|مارچ 2025|21 مارچ 2025 (1 حمل 1404)"),
        ("ps", None, None, "1404/01/01|1 وری 1404|1404/01/01|کب 1403 – وری 1404|1 وری 1404 (21 مارچ 2025)"),
    ],
    ids=["en", "en-solar_hijri", "fa", "fa-solar_hijri-persian", "fa-gregorian", "ps"],
)
def test_the_filters_show_a_date_in_the_readers_calendar(language, calendar, digits, expected):
    # Given a reader's language and calendar
    with translation.override(language):
        token = calendars.activate(calendar, digits)

        # When Nowruz 1404 is shown through each filter
        rendered = shown(FILTERS, NOWRUZ_1404)
        calendars.deactivate(token)

    # Then
    assert rendered == expected


@pytest.mark.parametrize(
    ("calendar", "digits", "expected"),
    [
        (None, None, "2025-03-21|21 March 2025|2025-03-21 00:30|March 2025|21 March 2025 (1 Hamal 1404)"),
        (
            "solar_hijri",
            None,
            "1404/01/01|1 Hamal 1404|1404/01/01 00:30|Hut 1403 – Hamal 1404|1 Hamal 1404 (21 March 2025)",
        ),
        (
            "solar_hijri",
            "persian",
            "۱۴۰۴/۰۱/۰۱|۱ Hamal ۱۴۰۴|۱۴۰۴/۰۱/۰۱ ۰۰:۳۰|Hut ۱۴۰۳ – Hamal ۱۴۰۴|۱ Hamal ۱۴۰۴ (۲۱ March ۲۰۲۵)",
        ),
    ],
)
def test_a_utc_moment_is_shown_on_its_day_in_kabul(calendar, digits, expected):
    # Given 20:00 UTC on 20 March 2025, which is 00:30 on 21 March in Kabul
    token = calendars.activate(calendar, digits)

    # When it is shown through each filter
    rendered = shown(FILTERS, EVENING_IN_UTC)
    calendars.deactivate(token)

    # Then every filter shows the Kabul day, and the moment its Kabul time
    assert rendered == expected


@pytest.mark.parametrize(
    ("calendar", "expected"),
    [(None, "2025-03-20 20:00|2025-03-20"), ("solar_hijri", "1403/12/30 20:00|1403/12/30")],
)
def test_a_moment_put_in_utc_by_a_filter_stays_in_utc(calendar, expected):
    # Given a template that asks for UTC first
    token = calendars.activate(calendar)

    # When the moment is shown
    rendered = shown("{% load tz %}{{ value|utc|moment }}|{{ value|utc|day }}", EVENING_IN_UTC)
    calendars.deactivate(token)

    # Then it is the UTC day and time, the day before Nowruz
    assert rendered == expected


def test_a_naive_moment_is_shown_as_it_is():
    # Given a datetime without a zone
    naive = datetime.datetime(2025, 3, 20, 20, 0)

    # Then it is not converted
    assert shown("{{ value|moment }}|{{ value|day }}", naive) == "2025-03-20 20:00|2025-03-20"


@pytest.mark.parametrize("value", [None, "", "21/03/2025", "not a date", 20250321])
def test_the_filters_show_nothing_for_what_is_not_a_date(value):
    # When a missing date (or text that is not an ISO date) is shown
    # Then each filter shows nothing
    assert shown(FILTERS, value) == "||||"


def test_the_filters_read_an_iso_date_kept_as_text():
    # Given a date kept in JSON (a household's routing facts keep the card decrees' dates so)
    # Then it is shown like a date
    assert shown(FILTERS, "2025-03-21") == "2025-03-21|21 March 2025|2025-03-21|March 2025|21 March 2025 (1 Hamal 1404)"


def test_the_filters_show_nothing_for_a_missing_variable():
    assert Template(FILTERS).render(Context({})) == "||||"

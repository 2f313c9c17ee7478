"""Numbers, money, percentages and dates written the way each of the report's languages writes them.

Dari and Pashto readers expect Persian digits with the Arabic thousands and decimal separators
(۱٬۲۳۴٫۵); English readers 1,234.5. The figures keep money and percentages as strings with a fixed
number of decimals so that they stay exact: they are formatted from ``Decimal``, never from floats.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.utils import dates
from django.utils.translation import gettext as _

from agencies import calendars

# The languages written right to left with Persian digits (settings.LANGUAGES_BIDI holds more).
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SUPPRESSED_MARK = "–"


def is_rtl(language: str) -> bool:
    return language.split("-")[0] in {"fa", "ps", "ar", "ur", "he"}


def _localise_digits(text: str, *, language: str) -> str:
    if not is_rtl(language):
        return text
    return text.translate(PERSIAN_DIGITS).replace(",", "٬").replace(".", "٫").replace("-", "−")


def number_text(value, *, language: str, decimals: int = 0) -> str:
    """``1234`` → "1,234" (en) or "۱٬۲۳۴" (fa, ps); ``None`` (suppressed) → "–"."""
    if value is None:
        return SUPPRESSED_MARK
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        # Not a number (a rounded headline written as words, say): shown as it is, digits localised.
        return plain_digits(value, language=language)
    return _localise_digits(f"{amount:,.{decimals}f}", language=language)


def plain_digits(value, *, language: str) -> str:
    """A year or a code-like number: the language's digits, no thousands separator."""
    return _localise_digits(str(value), language=language)


def money_text(value, *, currency: str, language: str) -> str:
    if value is None:
        return SUPPRESSED_MARK
    # Translators: an amount of money; %(currency)s is a code such as USD.
    return _("%(currency)s %(amount)s") % {
        "currency": currency,
        "amount": number_text(value, language=language, decimals=2),
    }


def percent_text(value, *, language: str, decimals: int | None = None) -> str:
    """ "52.1" → "52.1%"; as many decimals as the figure has ("-39" → "-39%", the public edition's
    whole numbers), unless ``decimals`` says."""
    if value is None:
        return SUPPRESSED_MARK
    if decimals is None:
        try:
            decimals = max(-Decimal(str(value)).as_tuple().exponent, 0)
        except (InvalidOperation, TypeError):
            decimals = 0
    sign = "٪" if is_rtl(language) else "%"
    return number_text(value, language=language, decimals=decimals) + sign


def date_text(day: datetime.date, *, language: str) -> str:
    """ "1 January 2017" in the active language (month names from Django's catalogues)."""
    day_number, year = plain_digits(day.day, language=language), plain_digits(day.year, language=language)
    return f"{day_number} {dates.MONTHS[day.month]} {year}"


def period_text(start: datetime.date, end: datetime.date, *, language: str) -> str:
    """A period named in both calendars, the reader's first: "1 January 2025 – 31 December 2025
    (12 Jadi 1403 – 10 Jadi 1404)" in English, the Solar Hijri days first in Dari and Pashto."""
    first = calendars.default_calendar(language)
    digits = calendars.PERSIAN_DIGITS if is_rtl(language) else calendars.LATIN_DIGITS

    def span(calendar: str) -> str:
        return f"{calendars.date_long(start, calendar, digits)} – {calendars.date_long(end, calendar, digits)}"

    return f"{span(first)} ({span(calendars.other_calendar(first))})"


def month_text(month: str, *, language: str) -> str:
    """``"2017-03"`` → "March 2017"."""
    year, number = month.split("-")
    return f"{dates.MONTHS[int(number)]} {plain_digits(int(year), language=language)}"


def moment_text(moment: datetime.datetime, *, language: str) -> str:
    """A cut-off, always in UTC and saying so."""
    moment = moment.astimezone(datetime.UTC)
    time = plain_digits(moment.strftime("%H:%M"), language=language)
    return f"{date_text(moment.date(), language=language)}, {time} UTC"

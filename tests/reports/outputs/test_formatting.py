"""Numbers as each language writes them; money and percentages exact, from their strings."""

import datetime

from django.utils import translation

from reports.outputs.formatting import moment_text, money_text, number_text, percent_text


def test_english_groups_thousands_with_commas():
    assert number_text(1234567, language="en") == "1,234,567"
    assert number_text(-40, language="en") == "-40"
    assert percent_text("52.1", language="en") == "52.1%"
    assert money_text("2036250.00", currency="USD", language="en") == "USD 2,036,250.00"


def test_dari_and_pashto_write_persian_digits_and_arabic_separators():
    for language in ("fa", "ps"):
        with translation.override(language):
            assert number_text(1234567, language=language) == "۱٬۲۳۴٬۵۶۷"
            assert number_text(-40, language=language) == "−۴۰"
            assert percent_text("52.1", language=language) == "۵۲٫۱٪"


def test_money_is_formatted_from_its_exact_string():
    assert money_text("0.10", currency="USD", language="en") == "USD 0.10"
    assert money_text("325.55", currency="USD", language="en") == "USD 325.55"


def test_a_suppressed_value_is_a_dash():
    assert number_text(None, language="en") == "–"
    assert percent_text(None, language="fa") == "–"
    assert money_text(None, currency="USD", language="en") == "–"


def test_the_cut_off_is_written_in_utc():
    moment = datetime.datetime.fromisoformat("2018-02-01T04:30:00+04:30")
    assert moment_text(moment, language="en") == "1 February 2018, 00:00 UTC"


def test_a_value_that_is_not_a_number_is_shown_as_it_is():
    assert number_text("about 250,000", language="en") == "about 250,000"

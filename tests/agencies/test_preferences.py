"""A person's language, calendar and digits: saved on the account page or by the language switch, and
applied to every page they read (``agencies.middleware.PreferencesMiddleware``)."""

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client

from agencies.models import User
from returns.models import Household
from returns.services.households import household_register
from tests.factories import household, member, por_card

pytestmark = pytest.mark.django_db

ACCOUNT_URL = "/accounts/"
SET_LANGUAGE_URL = "/i18n/setlang/"
ARRIVAL = datetime.date(2025, 3, 21)  # 1 Hamal 1404, the Solar Hijri new year


def preferences(user: User) -> tuple[str, str, str]:
    user.refresh_from_db()
    return (user.language, user.calendar, user.digits)


def registered_on_nowruz(user: User) -> Household:
    """A household that arrived on 2025-03-21, routed to IOM (a PoR card without a VRF)."""
    return household_register(
        registered_by=user,
        registration=household(
            arrival_date=ARRIVAL, members=[member(documents=[por_card(expiry_date=datetime.date(2030, 12, 31))])]
        ),
    )


def arrival_date_shown(content: str) -> str:
    """The text of the household page's arrival date (whatever markup wraps it)."""
    [shown] = re.findall(r"<dt>Arrival date</dt><dd>(.*?)</dd>", content)
    return re.sub(r"<[^>]+>", "", shown)


# --- What a new account reads --------------------------------------------------------------------


def test_a_new_account_follows_the_browser_for_language_calendar_and_digits(unhcr_officer):
    assert preferences(unhcr_officer) == ("", "", "")


def test_the_account_page_shows_the_preferences_form_with_blank_choices(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get(ACCOUNT_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<select name="language" aria-describedby="id_language_helptext" id="id_language">' in content
    assert '<option value="fa">Dari</option>' in content
    assert '<option value="ps">Pashto</option>' in content
    assert '<option value="solar_hijri">Solar Hijri</option>' in content
    assert '<option value="persian">Persian digits (۰۱۲۳)</option>' in content
    assert "Blank: Solar Hijri in Dari and Pashto, Gregorian in English." in content


# --- Saving them on the account page -------------------------------------------------------------


def test_saving_preferences_stores_them_remembers_the_language_and_confirms(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.post(ACCOUNT_URL, {"language": "en", "calendar": "solar_hijri", "digits": "persian"})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_URL
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert preferences(unhcr_officer) == ("en", "solar_hijri", "persian")
    page = client.get(ACCOUNT_URL).content.decode()
    assert '<li class="message message--success">Your preferences are saved.</li>' in page
    assert '<option value="solar_hijri" selected>Solar Hijri</option>' in page


def test_choosing_dari_serves_the_account_page_in_dari(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.post(ACCOUNT_URL, {"language": "fa", "calendar": "", "digits": ""}, follow=True)

    assert response.redirect_chain == [(ACCOUNT_URL, 302)]
    assert preferences(unhcr_officer) == ("fa", "", "")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fa"
    content = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in content
    # The confirmation is read on the Dari page that follows, so it is in Dari too.
    assert '<li class="message message--success">ترجیحات شما ذخیره شد.</li>' in content


def test_an_unknown_language_is_refused_beside_the_field_in_the_persons_language_and_nothing_changes(
    client, unhcr_officer
):
    unhcr_officer.language, unhcr_officer.calendar, unhcr_officer.digits = "fa", "gregorian", "latin"
    unhcr_officer.save()
    client.force_login(unhcr_officer)

    response = client.post(
        ACCOUNT_URL,
        {"language": "xx", "calendar": "solar_hijri", "digits": "persian"},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200
    assert response.context["preferences"].errors == {
        "language": ["یک گزینهٔ معتبر انتخاب کنید. xx یکی از گزینه\u200cهای موجود نیست."]
    }
    assert '<ul class="errorlist" id="id_language_error">' in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert preferences(unhcr_officer) == ("fa", "gregorian", "latin")
    assert [str(message) for message in response.context["messages"]] == []


def test_an_unknown_calendar_is_refused_and_nothing_changes(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.post(ACCOUNT_URL, {"language": "ps", "calendar": "lunar_hijri", "digits": "persian"})

    assert response.status_code == 200
    assert response.context["preferences"].errors == {
        "calendar": ["Select a valid choice. lunar_hijri is not one of the available choices."]
    }
    assert preferences(unhcr_officer) == ("", "", "")


def test_clearing_the_language_gives_the_browsers_language_back(client, unhcr_officer):
    """Blank means "the language your browser asks for": the language chosen before must not stay behind."""
    client.force_login(unhcr_officer)
    client.post(ACCOUNT_URL, {"language": "ps", "calendar": "", "digits": ""})

    client.post(ACCOUNT_URL, {"language": "", "calendar": "", "digits": ""})
    response = client.get("/households/", headers={"accept-language": "en"})

    assert preferences(unhcr_officer) == ("", "", "")
    assert '<html lang="en" dir="ltr">' in response.content.decode()


# --- The language switch in the header -----------------------------------------------------------


def test_the_language_switch_saves_the_language_of_a_logged_in_person(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.post(SET_LANGUAGE_URL, {"language": "ps", "next": "/households/"})

    assert response.status_code == 302
    assert response["Location"] == "/households/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ps"
    assert preferences(unhcr_officer) == ("ps", "", "")


def test_the_language_switch_of_a_visitor_only_sets_the_cookie(unhcr_officer):
    visitor = Client()

    response = visitor.post(SET_LANGUAGE_URL, {"language": "ps", "next": "/households/"})

    assert response.status_code == 302
    assert response["Location"] == "/households/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ps"
    assert list(User.objects.exclude(language="").values_list("username", flat=True)) == []


def test_the_language_switch_saves_nothing_for_an_unknown_language(client, unhcr_officer):
    unhcr_officer.language = "fa"
    unhcr_officer.save()
    client.force_login(unhcr_officer)

    response = client.post(SET_LANGUAGE_URL, {"language": "xx", "next": "/households/"})

    assert response.status_code == 302
    assert response["Location"] == "/households/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert preferences(unhcr_officer) == ("fa", "", "")


# --- The language of every page ------------------------------------------------------------------


def test_the_persons_language_wins_over_the_browsers(client, unhcr_officer):
    unhcr_officer.language = "ps"
    unhcr_officer.save()
    client.force_login(unhcr_officer)

    response = client.get("/households/", headers={"accept-language": "en"})

    assert response.status_code == 200
    assert '<html lang="ps" dir="rtl">' in response.content.decode()


def test_the_persons_language_wins_over_the_cookie_of_another_device(client, unhcr_officer):
    unhcr_officer.language = "fa"
    unhcr_officer.save()
    client.force_login(unhcr_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ps"

    response = client.get("/households/", headers={"accept-language": "en"})

    assert '<html lang="fa" dir="rtl">' in response.content.decode()


def test_without_a_language_of_their_own_a_person_reads_the_browsers(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get("/households/", headers={"accept-language": "ps"})

    assert '<html lang="ps" dir="rtl">' in response.content.decode()


# --- Dates in the person's calendar and digits ---------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "digits", "shown"),
    [("solar_hijri", "persian", "۱۴۰۴/۰۱/۰۱"), ("gregorian", "latin", "2025-03-21")],
)
def test_the_household_page_shows_the_arrival_date_in_the_persons_calendar(
    client, unhcr_officer, calendar, digits, shown
):
    unhcr_officer.calendar, unhcr_officer.digits = calendar, digits
    unhcr_officer.save()
    arrived = registered_on_nowruz(unhcr_officer)
    client.force_login(unhcr_officer)

    response = client.get(f"/households/{arrived.public_id}/")

    assert response.status_code == 200
    assert arrival_date_shown(response.content.decode()) == shown


@pytest.mark.parametrize(
    ("language", "calendar", "digits", "shown"),
    [
        ("en", "solar_hijri", "persian", "۱۴۰۴/۰۱/۰۱"),
        ("en", "gregorian", "latin", "2025-03-21"),
        ("ps", "gregorian", "persian", "۲۰۲۵-۰۳-۲۱"),
        # Blank: the language decides (Solar Hijri in Dari and Pashto), with Latin digits.
        ("ps", "", "", "1404/01/01"),
        ("fa", "", "", "1404/01/01"),
        ("en", "", "", "2025-03-21"),
    ],
)
def test_the_household_list_shows_the_arrival_date_in_the_persons_calendar(
    client, unhcr_officer, language, calendar, digits, shown
):
    unhcr_officer.language, unhcr_officer.calendar, unhcr_officer.digits = language, calendar, digits
    unhcr_officer.save()
    arrived = registered_on_nowruz(unhcr_officer)
    client.force_login(unhcr_officer)

    response = client.get("/households/", headers={"accept-language": "en"})

    content = response.content.decode()
    assert arrived.registration_number in content
    assert f'<td><span dir="ltr">{shown}</span></td>' in content

"""A date typed in either calendar: the page forms' ``agencies.fields.CalendarDateField``, the API's
``agencies.api.fields.CalendarDateField``, and the pages that show and filter by a date."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import strip_tags
from rest_framework import serializers
from rest_framework.test import APIClient

from agencies import calendars
from agencies.api.fields import CalendarDateField as ApiCalendarDateField
from returns.forms.households import HouseholdRegistrationForm
from returns.models import Household, Member
from returns.reference import reference_data
from returns.services.households import household_register
from tests.api.payloads import household_json, member_json
from tests.factories import api_token_for, household, member

pytestmark = pytest.mark.django_db

ADVICE = "Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar)."
NOWRUZ_1404 = datetime.date(2025, 3, 21)  # 1 Hamal 1404
API_URL = "/api/v1/households/"
REGISTER_URL = "/households/register/"


@pytest.fixture(autouse=True)
def _no_calendar_chosen():
    """Each test starts and ends with no calendar activated: the language (English) decides."""
    calendars.deactivate()
    yield
    calendars.deactivate()


@pytest.fixture
def unhcr_client(unhcr_officer) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(unhcr_officer)}")
    return client


def registration_form(data=None, **kwargs) -> HouseholdRegistrationForm:
    return HouseholdRegistrationForm(data, reference=reference_data(), **kwargs)


def arrival_date_field():
    return registration_form().fields["arrival_date"]


def rendered_in(calendar: str, form: HouseholdRegistrationForm) -> str:
    token = calendars.activate(calendar)
    try:
        return str(form["arrival_date"])
    finally:
        calendars.deactivate(token)


def arrival_date_shown(html: str) -> str:
    """The text of the household detail page's "Arrival date" fact."""
    [shown] = re.findall(r"<dt>Arrival date</dt>\s*<dd>(.*?)</dd>", html, flags=re.DOTALL)
    return strip_tags(shown).strip()


# --- The page form's field ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["1404/01/01", "۱۴۰۴/۰۱/۰۱", "١٤٠٤/٠١/٠١", "01/01/1404", "1404-01-01", "2025-03-21", "21/03/2025"]
)
def test_the_arrival_date_is_read_in_either_calendar_and_any_digits(typed):
    # When an officer types Nowruz 1404 in one of the ways officers write it
    cleaned = arrival_date_field().clean(typed)

    # Then the form holds the Gregorian day
    assert cleaned == NOWRUZ_1404


def test_a_form_with_a_solar_hijri_arrival_date_is_valid():
    # Given the registration form with only the arrival date filled in (the rest is the service's to check)
    form = registration_form({"arrival_date": "1404/08/01"})

    # Then
    assert form.is_valid()
    assert form.cleaned_data["arrival_date"] == datetime.date(2025, 10, 23)


@pytest.mark.parametrize("typed", ["1404/13/01", "1404/12/30", "2025-02-29", "1250/01/01", "abc"])
def test_an_impossible_arrival_date_is_refused_with_advice(typed):
    # When the form is posted with it
    form = registration_form({"arrival_date": typed})

    # Then the officer is told how to write a date
    assert not form.is_valid()
    assert form.errors == {"arrival_date": [ADVICE]}


def test_an_impossible_arrival_date_is_refused_in_the_officers_language():
    # Given a Dari-reading officer
    with translation.override("fa"):
        # When the form is posted with a 13th month
        form = registration_form({"arrival_date": "1404/13/01"})

        # Then
        assert form.errors == {
            "arrival_date": [
                "تاریخ را به شکل \u20662025-03-21\u2069 بنویسید (یا \u20661404/01/01\u2069 به تقویم هجری شمسی)."
            ]
        }


def test_a_missing_arrival_date_is_asked_for():
    form = registration_form({"arrival_date": ""})

    assert form.errors == {"arrival_date": ["Enter the day the household crossed."]}


def test_the_field_takes_a_date_or_a_datetime_as_it_is():
    field = arrival_date_field()

    assert field.to_python(NOWRUZ_1404) == NOWRUZ_1404
    assert field.to_python(datetime.datetime(2025, 3, 21, 10, 30)) == NOWRUZ_1404
    assert field.to_python("") is None
    assert field.to_python(None) is None


def test_the_field_refuses_with_the_invalid_code():
    with pytest.raises(ValidationError) as refusal:
        arrival_date_field().to_python("1404/13/01")

    assert refusal.value.code == "invalid"
    assert refusal.value.messages == [ADVICE]


@pytest.mark.parametrize(
    ("typed", "changed"),
    [("1404/01/01", False), ("۱۴۰۴/۰۱/۰۱", False), ("2025-03-21", False), ("1404/01/02", True), ("1404/13/01", True)],
)
def test_the_same_day_in_the_other_calendar_is_no_change(typed, changed):
    # Given a stored arrival date of 21 March 2025
    # When the officer's text is compared with it
    # Then the same day, however written, has not changed; an unreadable one has
    assert arrival_date_field().has_changed(NOWRUZ_1404, typed) is changed


# --- The page form's widget ---------------------------------------------------------------------------


def test_a_stored_date_is_shown_in_the_solar_hijri_calendar_with_the_gregorian_day_beside_it():
    # Given a form showing a stored arrival date
    form = registration_form(initial={"arrival_date": NOWRUZ_1404})

    # When it is rendered for a reader of the Solar Hijri calendar
    html = rendered_in(calendars.SOLAR_HIJRI, form)

    # Then the box holds the Solar Hijri date, the calendar is named, the Gregorian day is beside it
    assert html == (
        '<span class="date-field" data-calendar="solar_hijri"><input type="text" name="arrival_date" '
        'value="1404/01/01" autocomplete="off" spellcheck="false" dir="ltr" size="12" required '
        'id="id_arrival_date" placeholder="yyyy/mm/dd">\n\n'
        '<span class="date-field__calendar">Solar Hijri · <span dir="ltr">yyyy/mm/dd</span></span>\n'
        '<span class="date-field__other">1 Hamal 1404 = 21 March 2025</span></span>'
    )


def test_a_stored_date_is_shown_in_the_gregorian_calendar_with_the_solar_hijri_day_beside_it():
    # Given a form showing a stored arrival date
    form = registration_form(initial={"arrival_date": NOWRUZ_1404})

    # When it is rendered for a reader of the Gregorian calendar
    html = rendered_in(calendars.GREGORIAN, form)

    # Then
    assert html == (
        '<span class="date-field" data-calendar="gregorian"><input type="text" name="arrival_date" '
        'value="2025-03-21" autocomplete="off" spellcheck="false" dir="ltr" size="12" required '
        'id="id_arrival_date" placeholder="yyyy-mm-dd">\n\n'
        '<span class="date-field__calendar">Gregorian · <span dir="ltr">yyyy-mm-dd</span></span>\n'
        '<span class="date-field__other">21 March 2025 = 1 Hamal 1404</span></span>'
    )


def test_the_field_names_the_calendar_in_dari():
    # Given a Dari reader, whose calendar follows the language
    with translation.override("fa"):
        form = registration_form(initial={"arrival_date": NOWRUZ_1404})

        # When the field is rendered with no calendar activated
        html = str(form["arrival_date"])

    # Then the calendar, the pattern and the other day are in Dari
    assert html == (
        '<span class="date-field" data-calendar="solar_hijri"><input type="text" name="arrival_date" '
        'value="1404/01/01" autocomplete="off" spellcheck="false" dir="ltr" size="12" required '
        'id="id_arrival_date" placeholder="سال/ماه/روز">\n\n'
        '<span class="date-field__calendar">هجری شمسی · <span dir="ltr">سال/ماه/روز</span></span>\n'
        '<span class="date-field__other">1 حمل 1404 = 21 مارچ 2025</span></span>'
    )


def test_what_the_officer_typed_is_shown_back_as_typed_with_the_day_in_the_other_calendar():
    # Given a Gregorian reader who typed a Solar Hijri date in Persian digits
    form = registration_form({"arrival_date": "۱۴۰۴/۰۱/۰۱"})

    # When the form is shown again
    html = rendered_in(calendars.GREGORIAN, form)

    # Then their text is kept, and the day is shown in both calendars to check it
    assert 'value="۱۴۰۴/۰۱/۰۱"' in html
    assert '<span class="date-field__other">21 March 2025 = 1 Hamal 1404</span>' in html


def test_an_unreadable_date_is_shown_back_without_a_day_beside_it():
    # Given a form posted with a 13th month
    form = registration_form({"arrival_date": "1404/13/01"})

    # When it is shown again
    html = rendered_in(calendars.SOLAR_HIJRI, form)

    # Then the text is kept, marked invalid, and no day is guessed
    assert html == (
        '<span class="date-field" data-calendar="solar_hijri"><input type="text" name="arrival_date" '
        'value="1404/13/01" autocomplete="off" spellcheck="false" dir="ltr" size="12" required '
        'aria-invalid="true" aria-describedby="id_arrival_date_error" id="id_arrival_date" '
        'placeholder="yyyy/mm/dd">\n\n'
        '<span class="date-field__calendar">Solar Hijri · <span dir="ltr">yyyy/mm/dd</span></span></span>'
    )


def test_an_empty_field_shows_only_the_calendar_and_its_pattern():
    html = rendered_in(calendars.GREGORIAN, registration_form())

    assert 'class="date-field__other"' not in html
    assert '<span class="date-field__calendar">Gregorian · <span dir="ltr">yyyy-mm-dd</span></span>' in html


# --- The registration page ----------------------------------------------------------------------------


def test_the_registration_page_registers_a_household_from_solar_hijri_dates(client, unhcr_officer):
    # Given a field officer who types the arrival and a birth in the Solar Hijri calendar
    client.force_login(unhcr_officer)
    post = {
        "arrival_date": "1404/08/01",
        "office": "TKM",
        "country_of_departure": "PK",
        "return_type": "voluntary_repatriation",
        "destination_province": "AF06",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-given_name": "Ahmad",
        "members-0-fathers_name": "Mohammad",
        "members-0-sex": "male",
        "members-0-relationship": "head",
        "members-0-date_of_birth": "۱۳۸۰/۰۵/۱۰",
    }

    # When the page is posted
    response = client.post(REGISTER_URL, post)

    # Then the household is saved with the Gregorian days
    saved = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/households/{saved.public_id}/routed/"
    assert saved.arrival_date == datetime.date(2025, 10, 23)
    assert list(saved.members.values_list("date_of_birth", flat=True)) == [datetime.date(2001, 8, 1)]


def test_the_registration_page_refuses_an_impossible_solar_hijri_date_and_saves_nothing(client, unhcr_officer):
    # Given a field officer who types a 13th month
    client.force_login(unhcr_officer)
    post = {
        "arrival_date": "1404/13/01",
        "office": "TKM",
        "country_of_departure": "PK",
        "return_type": "voluntary_repatriation",
        "destination_province": "AF06",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-given_name": "Ahmad",
        "members-0-fathers_name": "Mohammad",
        "members-0-sex": "male",
        "members-0-relationship": "head",
        "members-0-estimated_age": "35",
    }

    # When the page is posted
    response = client.post(REGISTER_URL, post)

    # Then the page comes back with the advice, and nothing is saved
    assert response.status_code == 200
    assert response.context["household_form"].errors == {"arrival_date": [ADVICE]}
    assert (Household.objects.count(), Member.objects.count()) == (0, 0)


# --- The API's field ----------------------------------------------------------------------------------


def test_the_api_registers_a_household_from_solar_hijri_dates(unhcr_client):
    # Given an arrival on 1 Aqrab 1404 and a head born on 10 Asad 1380
    payload = household_json(arrival_date="1404/08/01", members=[member_json(date_of_birth="1380/05/10")])

    # When it is posted
    response = unhcr_client.post(API_URL, payload, format="json")

    # Then it is saved, and answered, with the Gregorian days
    assert response.status_code == 201
    saved = Household.objects.get()
    assert saved.arrival_date == datetime.date(2025, 10, 23)
    assert list(Member.objects.values_list("date_of_birth", flat=True)) == [datetime.date(2001, 8, 1)]
    assert response.json()["arrival_date"] == "2025-10-23"
    assert [member["date_of_birth"] for member in response.json()["members"]] == ["2001-08-01"]


@pytest.mark.parametrize("arrival_date", ["۱۴۰۴/۰۸/۰۱", "1404-08-01", "1404.8.1", "2025-10-23"])
def test_the_api_reads_a_year_first_date_in_either_calendar_and_any_digits(unhcr_client, arrival_date):
    # When a household is posted with the arrival written so
    response = unhcr_client.post(API_URL, household_json(arrival_date=arrival_date), format="json")

    # Then
    assert response.status_code == 201
    assert response.json()["arrival_date"] == "2025-10-23"
    assert list(Household.objects.values_list("arrival_date", flat=True)) == [datetime.date(2025, 10, 23)]


@pytest.mark.parametrize(
    ("arrival_date", "message"),
    [
        ("10/05/2023", ADVICE),  # day first: a machine must not leave the order to a guess
        ("01/08/1404", ADVICE),
        ("1404/13/01", ADVICE),
        ("1404/12/30", ADVICE),
        ("2025-10-23T00:00:00", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
    ],
)
def test_the_api_refuses_an_arrival_date_it_cannot_read_and_saves_nothing(unhcr_client, arrival_date, message):
    # Given no household yet
    assert Household.objects.count() == 0

    # When a household is posted with the arrival written so
    response = unhcr_client.post(API_URL, household_json(arrival_date=arrival_date), format="json")

    # Then it is refused on that field, and nothing is saved
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "arrival_date", "code": "invalid", "message": message}]
    assert (Household.objects.count(), Member.objects.count()) == (0, 0)


def test_the_api_refuses_a_day_first_date_of_birth_and_saves_nothing(unhcr_client):
    # When a head's date of birth is written day first
    payload = household_json(members=[member_json(date_of_birth="10/05/2023")])
    response = unhcr_client.post(API_URL, payload, format="json")

    # Then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "members.0.date_of_birth", "code": "invalid", "message": ADVICE}]
    assert (Household.objects.count(), Member.objects.count()) == (0, 0)


def test_the_api_field_takes_a_date_and_refuses_a_datetime_or_a_number():
    field = ApiCalendarDateField()

    assert field.to_internal_value(NOWRUZ_1404) == NOWRUZ_1404
    with pytest.raises(serializers.ValidationError) as datetime_refusal:
        field.to_internal_value(datetime.datetime(2025, 3, 21, 10, 0))
    with pytest.raises(serializers.ValidationError) as number_refusal:
        field.to_internal_value(20250321)

    assert datetime_refusal.value.detail == ["Expected a date but got a datetime."]
    assert number_refusal.value.detail == ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]


# --- The pages ----------------------------------------------------------------------------------------


@pytest.fixture
def nowruz_arrival(unhcr_officer) -> Household:
    """A household that arrived on Nowruz 1404, its head born on 10 Asad 1380 (1 August 2001)."""
    return household_register(
        registered_by=unhcr_officer,
        registration=household(arrival_date=NOWRUZ_1404, members=[member(date_of_birth=datetime.date(2001, 8, 1))]),
    )


@pytest.fixture
def eve_of_nowruz_arrival(unhcr_officer) -> Household:
    return household_register(
        registered_by=unhcr_officer, registration=household(arrival_date=datetime.date(2025, 3, 20))
    )


@pytest.mark.parametrize(
    ("calendar", "arrival", "birth"),
    [("solar_hijri", "1404/01/01", "1380/05/10"), ("gregorian", "2025-03-21", "2001-08-01")],
)
def test_the_household_page_shows_its_dates_in_the_officers_calendar(
    client, unhcr_officer, nowruz_arrival, calendar, arrival, birth
):
    # Given a field officer who reads the chosen calendar
    unhcr_officer.calendar = calendar
    unhcr_officer.save(update_fields=["calendar"])
    client.force_login(unhcr_officer)

    # When they open a household that arrived on Nowruz 1404
    response = client.get(nowruz_arrival.get_absolute_url())

    # Then the arrival date and the head's date of birth are in their calendar
    html = response.content.decode()
    assert response.status_code == 200
    assert arrival_date_shown(html) == arrival
    assert f"<td>{birth}</td>" in html


@pytest.mark.parametrize(("calendar", "expected"), [("solar_hijri", "1404/01/01"), ("gregorian", "2025-03-21")])
def test_the_household_list_shows_the_arrival_date_in_the_officers_calendar(
    client, unhcr_officer, nowruz_arrival, calendar, expected
):
    # Given a field officer who reads the chosen calendar
    unhcr_officer.calendar = calendar
    unhcr_officer.save(update_fields=["calendar"])
    client.force_login(unhcr_officer)

    # When they open the list
    response = client.get("/households/")

    # Then the household's row shows the arrival date in their calendar
    assert response.status_code == 200
    assert f'<td><span dir="ltr">{expected}</span></td>' in response.content.decode()


@pytest.mark.parametrize("arrival_from", ["1404/01/01", "۱۴۰۴/۰۱/۰۱", "2025-03-21"])
def test_the_list_filters_by_a_date_written_in_either_calendar(
    client, unhcr_officer, nowruz_arrival, eve_of_nowruz_arrival, arrival_from
):
    # Given households that arrived on the eve of Nowruz 1404 and on Nowruz
    client.force_login(unhcr_officer)

    # When the list is filtered from Nowruz 1404, however written
    response = client.get("/households/", {"arrival_from": arrival_from})

    # Then only the household that arrived on Nowruz is listed
    assert response.status_code == 200
    assert [row.pk for row in response.context["households"]] == [nowruz_arrival.pk]


def test_the_list_filters_until_a_solar_hijri_date(client, unhcr_officer, nowruz_arrival, eve_of_nowruz_arrival):
    client.force_login(unhcr_officer)

    # When the list is filtered until 30 Hut 1403 (1403 is a leap year)
    response = client.get("/households/", {"arrival_to": "1403/12/30"})

    # Then only the household that arrived on the eve of Nowruz is listed
    assert [row.pk for row in response.context["households"]] == [eve_of_nowruz_arrival.pk]


def test_the_api_list_filters_by_a_solar_hijri_date_like_a_gregorian_one(
    unhcr_client, nowruz_arrival, eve_of_nowruz_arrival
):
    # When the API's list is filtered from Nowruz 1404 in each calendar
    solar_hijri = unhcr_client.get(API_URL, {"arrival_from": "1404/01/01"})
    gregorian = unhcr_client.get(API_URL, {"arrival_from": "2025-03-21"})

    # Then both list only the household that arrived on Nowruz
    assert (solar_hijri.status_code, gregorian.status_code) == (200, 200)
    assert [row["id"] for row in solar_hijri.json()["results"]] == [str(nowruz_arrival.public_id)]
    assert [row["id"] for row in gregorian.json()["results"]] == [str(nowruz_arrival.public_id)]


def test_an_unreadable_list_filter_date_is_explained_beside_the_field(client, unhcr_officer, nowruz_arrival):
    client.force_login(unhcr_officer)

    # When the list is filtered from a 13th month
    response = client.get("/households/", {"arrival_from": "1404/13/01"})

    # Then the advice is shown beside the field
    assert response.status_code == 200
    assert response.context["filter"].form.errors == {"arrival_from": [ADVICE]}
    assert f'<p class="field__error" role="alert">{ADVICE}</p>' in response.content.decode()


def test_an_unreadable_api_filter_date_is_a_bad_request(unhcr_client, nowruz_arrival):
    # When the API's list is filtered from a 13th month
    response = unhcr_client.get(API_URL, {"arrival_from": "1404/13/01"})

    # Then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "arrival_from", "code": "invalid", "message": ADVICE}]

"""Every refused registration answers 400 with each problem's path, code and message, and saves nothing."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from returns.api.serializers.households import HouseholdRegistrationSerializer
from returns.models import Household, Member
from tests.api.payloads import household_json, member_json, por_card_json
from tests.problems import problem_of

URL = "/api/v1/households/"


@pytest.fixture
def nothing_saved(db):
    """Asserts, after the test, that no household or member was written."""
    yield
    assert (Household.objects.count(), Member.objects.count()) == (0, 0)


pytestmark = pytest.mark.usefixtures("nothing_saved")


def test_an_arrival_in_the_future_is_refused(unhcr_client):
    # Given an arrival date tomorrow
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    # When it is registered
    response = unhcr_client.post(URL, household_json(arrival_date=tomorrow), format="json")

    # Then
    message = f"The arrival date {tomorrow} is in the future. Enter the day the household crossed."
    assert response.status_code == 400
    assert problem_of(response) == {
        "code": "invalid",
        "detail": "1 problem found.",
        "errors": [{"path": "arrival_date", "code": "arrival_in_future", "message": message}],
        "fields": {"arrival_date": [message]},
    }


def test_a_birth_after_the_arrival_is_refused(unhcr_client):
    # Given a second member born after the household arrived
    members = [member_json(), member_json(relationship="daughter", sex="female", date_of_birth="2025-12-01")]

    # When it is registered
    response = unhcr_client.post(URL, household_json(members=members), format="json")

    # Then the problem points at that member's date of birth
    message = "The date of birth 2025-12-01 is after the arrival date 2025-11-01."
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "members.1.date_of_birth", "code": "born_after_arrival", "message": message}
    ]
    assert response.json()["fields"] == {"members": {"1": {"date_of_birth": [message]}}}


def test_a_date_of_birth_over_120_years_is_refused(unhcr_client):
    # When the head was born in 1900
    response = unhcr_client.post(URL, household_json(members=[member_json(date_of_birth="1900-01-01")]), format="json")

    # Then
    message = "This date of birth makes the person older than 120. Check the year."
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "members.0.date_of_birth", "code": "age_over_limit", "message": message}
    ]
    assert response.json()["fields"] == {"members": {"0": {"date_of_birth": [message]}}}


def test_an_estimated_age_over_120_is_refused(unhcr_client):
    # When the head's estimated age is 121
    response = unhcr_client.post(URL, household_json(members=[member_json(age=121)]), format="json")

    # Then
    message = "Enter an age between 0 and 120 years."
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "members.0.estimated_age", "code": "age_over_limit", "message": message}
    ]
    assert response.json()["fields"] == {"members": {"0": {"estimated_age": [message]}}}


def test_a_household_without_a_head_is_refused(unhcr_client):
    # Given a single member who is not marked as head
    members = [member_json(relationship="spouse", sex="female")]

    # When it is registered
    response = unhcr_client.post(URL, household_json(members=members), format="json")

    # Then the problem is about the members as a whole
    message = "Mark one member as the head of household."
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "members", "code": "no_head", "message": message}]
    assert response.json()["fields"] == {"members": {"non_field_errors": [message]}}


def test_a_household_with_two_heads_is_refused(unhcr_client):
    # Given two members marked as head
    members = [member_json(), member_json(given_name="Karim")]

    # When it is registered
    response = unhcr_client.post(URL, household_json(members=members), format="json")

    # Then
    message = "Only one member can be the head of household; rows 1, 2 are all marked as head."
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "members", "code": "several_heads", "message": message}]
    assert response.json()["fields"] == {"members": {"non_field_errors": [message]}}


def test_an_unknown_province_is_refused(unhcr_client):
    # When the destination is a P-code that does not exist
    response = unhcr_client.post(URL, household_json(destination_province="AF99"), format="json")

    # Then
    message = "Unknown province “AF99”. Choose one of the 34 provinces."
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "destination_province", "code": "unknown_province", "message": message}
    ]
    assert response.json()["fields"] == {"destination_province": [message]}


def test_a_refugee_card_expired_before_arrival_needs_confirmation(unhcr_client):
    # Given a PoR card that expired a month before the arrival, not confirmed as expired
    members = [member_json(documents=[por_card_json(expiry_date="2025-10-01")])]

    # When it is registered
    response = unhcr_client.post(URL, household_json(members=members), format="json")

    # Then the officer is asked to check the date or confirm
    message = (
        "This PoR card (Proof of Registration) expired on 2025-10-01 and no decision extended it to the arrival "
        "on 2025-11-01. Check the date on the card; if it is right, confirm the card is expired: the household is "
        "routed as a card holder outside voluntary repatriation, flagged for UNHCR verification."
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "members.0.documents.0.expiry_date", "code": "refugee_card_expired", "message": message}
    ]
    assert response.json()["fields"] == {"members": {"0": {"documents": {"0": {"expiry_date": [message]}}}}}


def test_every_problem_is_reported_at_once(unhcr_client):
    # Given a household with no head, an unknown province and a member born after arrival
    members = [member_json(relationship="spouse"), member_json(relationship="son", date_of_birth="2026-01-01")]

    # When it is registered
    response = unhcr_client.post(URL, household_json(destination_province="AF99", members=members), format="json")

    # Then every problem is listed, and the list-level one sits beside the member-level one
    body = response.json()
    assert response.status_code == 400
    assert body["detail"] == "3 problems found."
    assert [(error["path"], error["code"]) for error in body["errors"]] == [
        ("destination_province", "unknown_province"),
        ("members", "no_head"),
        ("members.1.date_of_birth", "born_after_arrival"),
    ]
    assert body["fields"] == {
        "destination_province": ["Unknown province “AF99”. Choose one of the 34 provinces."],
        "members": {
            "non_field_errors": ["Mark one member as the head of household."],
            "1": {"date_of_birth": ["The date of birth 2026-01-01 is after the arrival date 2025-11-01."]},
        },
    }


def test_a_malformed_arrival_date_is_refused_in_the_same_shape(unhcr_client):
    # When the arrival date is not a date
    response = unhcr_client.post(URL, household_json(arrival_date="2025-13-45"), format="json")

    # Then the parsing error comes with a code and a path, like the registration rules
    message = "Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar)."
    assert response.status_code == 400
    assert problem_of(response) == {
        "code": "invalid",
        "detail": "1 problem found.",
        "errors": [{"path": "arrival_date", "code": "invalid", "message": message}],
        "fields": {"arrival_date": [message]},
    }


def test_a_malformed_member_date_points_at_the_member(unhcr_client):
    # When the second member's date of birth is written day first
    members = [member_json(), member_json(relationship="son", date_of_birth="10/05/2023")]
    response = unhcr_client.post(URL, household_json(members=members), format="json")

    # Then it is refused: the API reads dates year first only (ISO, or Solar Hijri 1404/01/01)
    message = "Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar)."
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "members.1.date_of_birth", "code": "invalid", "message": message}]
    assert response.json()["fields"] == {"members": {"1": {"date_of_birth": [message]}}}


def test_missing_fields_are_refused_with_their_paths(unhcr_client):
    # Given a registration without members, and a document without a type
    payload = household_json()
    del payload["members"]
    payload_with_bad_document = household_json(members=[member_json(documents=[{"issuing_country": "PK"}])])

    # When both are posted
    missing_members = unhcr_client.post(URL, payload, format="json")
    missing_type = unhcr_client.post(URL, payload_with_bad_document, format="json")

    # Then
    required = "This field is required."
    assert missing_members.status_code == missing_type.status_code == 400
    assert missing_members.json()["errors"] == [{"path": "members", "code": "required", "message": required}]
    assert missing_members.json()["fields"] == {"members": {"non_field_errors": [required]}}
    assert missing_type.json()["errors"] == [
        {"path": "members.0.documents.0.document_type", "code": "required", "message": required}
    ]


def test_a_body_that_is_not_an_object_is_refused(unhcr_client):
    # When the body is a JSON list
    response = unhcr_client.post(URL, [household_json()], format="json")

    # Then the problem is about the request as a whole
    message = "Invalid data. Expected a dictionary, but got list."
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "", "code": "invalid", "message": message}]
    assert response.json()["fields"] == {"non_field_errors": [message]}


def test_malformed_json_is_refused_in_the_same_shape(unhcr_client):
    # When the body is not JSON
    response = unhcr_client.generic("POST", URL, "{not json", content_type="application/json")

    # Then
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "parse_error"
    assert [(error["path"], error["code"]) for error in body["errors"]] == [("", "parse_error")]
    assert body["fields"] == {"non_field_errors": [body["errors"][0]["message"]]}


def test_registrations_share_their_fields_but_not_what_they_found():
    """The input serializers' fields are built once (``FieldsBuiltOnceMixin``): two registrations read
    one after the other, or at once in two threads, keep their own values and problems."""
    wrong = household_json(members=[member_json(given_name="x" * 101, documents=[{"number": "1"}], nickname="N")])
    right = household_json(members=[member_json(given_name="Laila", sex="female")])

    def read(body):
        serializer = HouseholdRegistrationSerializer(data=body)
        return serializer.is_valid(), serializer

    first, second = HouseholdRegistrationSerializer(), HouseholdRegistrationSerializer()
    assert first.fields is second.fields
    assert first.fields["members"].child.fields is HouseholdRegistrationSerializer().fields["members"].child.fields
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(read, [wrong, right] * 20))
    for (valid, serializer), body in zip(results, [wrong, right] * 20, strict=True):
        if body is right:
            assert valid is True
            assert serializer.validated_data.members[0].given_name == "Laila"
        else:
            assert valid is False
            member_errors = serializer.errors["members"][0]
            assert set(member_errors) == {"given_name", "documents", "nickname"}
            assert [error.code for error in member_errors["given_name"]] == ["max_length"]
            assert set(member_errors["documents"][0]) == {"document_type", "issuing_country"}

"""``Idempotency-Key`` on POST: a retry gets the first answer back (status, body, Location) with
``Idempotent-Replayed: true`` and creates nothing new; the same key with another body is refused."""

import uuid

import pytest

from agencies.models import IdempotencyRecord
from returns.models import Household
from tests.api.payloads import household_json, member_json
from tests.partner_infra.keys import agreement, issue, key_client
from tests.problems import problem_of

URL = "/api/v1/households/"


def _post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def officer_client(client_for, unhcr_officer):
    return client_for(unhcr_officer)


def test_a_retry_returns_the_first_answer_and_creates_nothing(officer_client):
    key = str(uuid.uuid4())
    first = _post(officer_client, household_json(), key)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first

    retry = _post(officer_client, household_json(), key)

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"] == f"{URL}{first.json()['id']}/"
    assert retry["Content-Type"] == first["Content-Type"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Household.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_body_in_another_key_order_is_the_same_request(officer_client):
    key = str(uuid.uuid4())
    body = household_json()
    first = _post(officer_client, body, key)

    retry = _post(officer_client, dict(reversed(list(body.items()))), key)

    assert (retry.status_code, retry.json(), retry["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert Household.objects.count() == 1


def test_without_a_key_every_post_creates(officer_client):
    officer_client.post(URL, household_json(), format="json")
    officer_client.post(URL, household_json(), format="json")

    assert Household.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_refused(officer_client):
    key = str(uuid.uuid4())
    first = _post(officer_client, household_json(), key)

    reused = _post(officer_client, household_json(phone="0700123456"), key)

    assert reused.status_code == 422
    assert problem_of(reused) == {
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was already used with a different request body.",
    }
    assert list(Household.objects.values_list("public_id", flat=True)) == [uuid.UUID(first.json()["id"])]


def test_a_400_is_replayed_too(officer_client):
    key = str(uuid.uuid4())
    invalid = household_json(members=[member_json(relationship="spouse")])  # no head
    first = _post(officer_client, invalid, key)
    assert first.status_code == 400

    retry = _post(officer_client, invalid, key)

    assert retry.status_code == 400
    assert retry.json() == first.json()
    assert retry["Content-Type"] == "application/problem+json"
    assert retry["Idempotent-Replayed"] == "true"
    assert not Household.objects.exists()


def test_a_corrected_request_needs_a_new_key(officer_client):
    key = str(uuid.uuid4())
    _post(officer_client, household_json(members=[member_json(relationship="spouse")]), key)

    same_key = _post(officer_client, household_json(), key)
    new_key = _post(officer_client, household_json(), str(uuid.uuid4()))

    assert same_key.status_code == 422
    assert new_key.status_code == 201
    assert Household.objects.count() == 1


def test_different_users_with_the_same_key_are_independent(client_for, unhcr_officer, iom_officer):
    key = "shared-key-1"

    unhcr_answer = _post(client_for(unhcr_officer), household_json(), key)
    iom_answer = _post(client_for(iom_officer), household_json(), key)

    assert (unhcr_answer.status_code, iom_answer.status_code) == (201, 201)
    assert unhcr_answer.json()["id"] != iom_answer.json()["id"]
    assert "Idempotent-Replayed" not in iom_answer
    assert Household.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2


def test_a_partner_key_retry_is_replayed(nrc, unhcr, iom):
    agreement(partner=nrc, sources=[unhcr, iom])
    _key, full_key = issue(partner=nrc, scopes=["households:read", "households:write"])
    client = key_client(full_key)
    key = str(uuid.uuid4())

    first = _post(client, household_json(), key)
    retry = _post(client, household_json(), key)

    assert first.status_code == 201
    assert (retry.status_code, retry.json(), retry["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert Household.objects.count() == 1


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("k" * 256, id="too long"),
        pytest.param("tab\tinside", id="not printable"),
    ],
)
def test_an_invalid_key_header_is_a_400(officer_client, header):
    response = _post(officer_client, household_json(), header)

    assert response.status_code == 400
    body = problem_of(response)
    assert body["code"] == "invalid_idempotency_key"
    assert body["errors"] == [
        {
            "path": "Idempotency-Key",
            "code": "invalid_idempotency_key",
            "message": "Send 1 to 255 printable characters, e.g. a UUID.",
        }
    ]
    assert not Household.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_key_of_255_characters_is_accepted(officer_client):
    response = _post(officer_client, household_json(), "k" * 255)

    assert response.status_code == 201

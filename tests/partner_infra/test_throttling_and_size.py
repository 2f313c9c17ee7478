"""Throttling per key (its own requests_per_minute) and per staff user (API_STAFF_RATE): a 429
problem with ``Retry-After``. A body over DATA_UPLOAD_MAX_MEMORY_SIZE: a 413 problem, nothing saved."""

import json

import pytest
from django.conf import settings
from django.test import override_settings

from returns.models import Household
from tests.api.payloads import household_json
from tests.partner_infra.keys import issue, key_client
from tests.partner_infra.urls import PROBE_URL
from tests.problems import problem_of

# The probe asks for households:read, a scope of personal records: NRC's keys need its agreement in force.
pytestmark = [pytest.mark.urls("tests.partner_infra.urls"), pytest.mark.usefixtures("nrc_agreement")]

HOUSEHOLDS_URL = "/api/v1/households/"


def _assert_throttled(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = problem_of(response)
    assert body["code"] == "throttled"
    assert body["detail"] == f"Request was throttled. Expected available in {response['Retry-After']} seconds."


def test_a_key_is_throttled_after_its_requests_per_minute(nrc):
    _key, full_key = issue(partner=nrc, scopes=["households:read"], requests_per_minute=3)
    client = key_client(full_key)

    statuses = [client.get(PROBE_URL).status_code for _ in range(3)]
    fourth = client.get(PROBE_URL)

    assert statuses == [200, 200, 200]
    _assert_throttled(fourth)


def test_each_key_has_its_own_count(nrc):
    _busy, busy_key = issue(partner=nrc, scopes=["households:read"], requests_per_minute=1)
    _quiet, quiet_key = issue(partner=nrc, scopes=["households:read"], requests_per_minute=1)

    assert key_client(busy_key).get(PROBE_URL).status_code == 200
    assert key_client(busy_key).get(PROBE_URL).status_code == 429
    assert key_client(quiet_key).get(PROBE_URL).status_code == 200


def test_a_key_is_not_held_to_the_staff_rate(nrc):
    _key, full_key = issue(partner=nrc, scopes=["households:read"], requests_per_minute=10)

    with override_settings(API_STAFF_RATE="2/min"):
        statuses = [key_client(full_key).get(PROBE_URL).status_code for _ in range(5)]

    assert statuses == [200] * 5


def test_staff_are_throttled_at_the_staff_rate(client_for, unhcr_officer, iom_officer):
    with override_settings(API_STAFF_RATE="2/min"):
        client = client_for(unhcr_officer)
        statuses = [client.get(HOUSEHOLDS_URL).status_code for _ in range(2)]
        third = client.get(HOUSEHOLDS_URL)
        colleague = client_for(iom_officer).get(HOUSEHOLDS_URL)

    assert statuses == [200, 200]
    _assert_throttled(third)
    assert colleague.status_code == 200  # counted per user


def test_an_empty_staff_rate_turns_the_limit_off(client_for, unhcr_officer):
    with override_settings(API_STAFF_RATE=None):
        statuses = [client_for(unhcr_officer).get(HOUSEHOLDS_URL).status_code for _ in range(5)]

    assert statuses == [200] * 5


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_saved(client_for, unhcr_officer):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps(household_json(phone="0700000000"))
    padded = body[:-1] + " " * (limit + 1 - len(body)) + "}"
    assert len(padded.encode()) == limit + 1

    response = client_for(unhcr_officer).post(HOUSEHOLDS_URL, padded, content_type="application/json")

    assert response.status_code == 413
    assert problem_of(response) == {
        "code": "request_too_large",
        "detail": f"The request body is larger than {limit} bytes.",
    }
    assert not Household.objects.exists()


def test_a_body_at_the_limit_is_read(client_for, unhcr_officer):
    limit = 4096
    body = json.dumps(household_json())
    padded = body[:-1] + " " * (limit - len(body)) + "}"

    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=limit):
        response = client_for(unhcr_officer).post(HOUSEHOLDS_URL, padded, content_type="application/json")

    assert response.status_code == 201
    assert Household.objects.count() == 1


def test_the_limit_is_checked_before_authentication(nrc):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        response = key_client("rk_00000000_nonsense").post(PROBE_URL, "x" * 101, content_type="application/json")

    assert response.status_code == 413
    assert problem_of(response)["code"] == "request_too_large"

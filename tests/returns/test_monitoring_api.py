"""The return monitoring API: the queue, one interview, recording it; who sees what; the schema."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import User
from returns.models import MonitoringInterview
from returns.reference import reference_data
from tests.access_log_support import LOG_ROW
from tests.factories import UserFactory, api_token_for
from tests.returns.monitoring_support import households_arrived, interview_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/monitoring/interviews/"


def client_for(user) -> APIClient:
    token = api_token_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def unhcr_worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.api", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def iom_worker(iom, torkham) -> User:
    return UserFactory(username="iom.worker.api", agency=iom, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def pending(unhcr, unhcr_officer) -> MonitoringInterview:
    (arrived,) = households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=45, with_case=True)
    return interview_for(arrived)


def record_body(**changes) -> dict:
    body = {
        "status": "completed",
        "method": "phone",
        "interviewed_on": timezone.localdate().isoformat(),
        "consent": True,
        "current_province": "AF06",
        "shelter": "own_house",
        "work": "regular",
        "documents": ["tazkira"],
        "intends_to_stay": "yes",
        "needs": ["none"],
    }
    body.update(changes)
    return body


def test_the_queue_lists_the_agencys_interviews(pending, unhcr_worker):
    response = client_for(unhcr_worker).get(URL)

    assert response.status_code == 200
    (listed,) = response.json()["results"]
    assert listed["id"] == str(pending.public_id)
    assert listed["household"] == str(pending.household.public_id)
    assert listed["case"] == str(pending.case.public_id)
    assert (listed["agency"], listed["status"], listed["consent"], listed["needs"]) == ("UNHCR", "pending", False, [])
    assert listed["due_by"] == (pending.household.arrival_date + datetime.timedelta(days=180)).isoformat()


def test_iom_staff_get_an_empty_queue_and_a_404_for_a_unhcr_interview(pending, iom_worker):
    client = client_for(iom_worker)

    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{pending.public_id}/").status_code == 404
    assert client.post(f"{URL}{pending.public_id}/record/", record_body(), format="json").status_code == 404
    assert MonitoringInterview.objects.get(pk=pending.pk).status == "pending"


def test_the_queue_filters_overdue_and_status(pending, unhcr, unhcr_officer, unhcr_worker):
    (other,) = households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=45)
    overdue = interview_for(other)
    MonitoringInterview.objects.filter(pk=overdue.pk).update(due_by=timezone.localdate() - datetime.timedelta(days=2))
    client = client_for(unhcr_worker)

    def listed(params):
        return [row["id"] for row in client.get(URL, params).json()["results"]]

    assert listed({"overdue": "true"}) == [str(overdue.public_id)]
    assert listed({"status": "completed"}) == []
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


def test_recording_answers_the_recorded_interview(pending, unhcr_worker):
    response = client_for(unhcr_worker).post(f"{URL}{pending.public_id}/record/", record_body(), format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["consent"], body["shelter"], body["documents"], body["needs"], body["attempts"]) == (
        "completed",
        True,
        "own_house",
        ["tazkira"],
        ["none"],
        1,
    )


def test_answers_without_consent_are_a_400_and_nothing_changes(pending, unhcr_worker):
    before = MonitoringInterview.objects.filter(pk=pending.pk).values().get()

    response = client_for(unhcr_worker).post(
        f"{URL}{pending.public_id}/record/", record_body(consent=False), format="json"
    )

    assert response.status_code == 400
    codes = {(error["path"], error["code"]) for error in response.json()["errors"]}
    assert ("consent", "consent_required") in codes
    assert ("consent", "answers_without_consent") in codes
    assert MonitoringInterview.objects.filter(pk=pending.pk).values().get() == before


def test_a_recorded_interview_is_refused_a_second_time_but_a_retry_with_the_same_key_replays(pending, unhcr_worker):
    client = client_for(unhcr_worker)
    first = client.post(
        f"{URL}{pending.public_id}/record/", record_body(), format="json", headers={"Idempotency-Key": "k-1"}
    )
    replay = client.post(
        f"{URL}{pending.public_id}/record/", record_body(), format="json", headers={"Idempotency-Key": "k-1"}
    )
    again = client.post(f"{URL}{pending.public_id}/record/", record_body(work="none"), format="json")

    assert (first.status_code, replay.status_code, replay["Idempotent-Replayed"]) == (200, 200, "true")
    assert replay.json() == first.json()
    assert again.status_code == 400
    assert [(error["path"], error["code"]) for error in again.json()["errors"]] == [("status", "already_recorded")]
    assert MonitoringInterview.objects.get(pk=pending.pk).work == "regular"


def test_a_field_officer_reads_but_does_not_record(pending, unhcr_officer):
    client = client_for(unhcr_officer)

    assert client.get(f"{URL}{pending.public_id}/").status_code == 200
    assert client.post(f"{URL}{pending.public_id}/record/", record_body(), format="json").status_code == 403


def test_listing_takes_the_same_queries_for_1_or_40_interviews(
    unhcr, unhcr_officer, unhcr_worker, django_assert_num_queries
):
    for household in households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40, count=40):
        interview_for(household)
    reference_data()
    client = client_for(unhcr_worker)

    # Both: token, sync watermark, interviews (with household, agency, plan, case, head's name)
    with django_assert_num_queries(3 + LOG_ROW):
        small = client.get(URL, {"page_size": 1})
    with django_assert_num_queries(3 + LOG_ROW):
        large = client.get(URL, {"page_size": 40})
    assert (len(small.json()["results"]), len(large.json()["results"])) == (1, 40)


def test_the_schema_describes_the_monitoring_api(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    operations = {
        (path, method): sorted(operation["responses"])
        for path, methods in paths.items()
        if "monitor" in path
        for method, operation in methods.items()
    }
    assert operations == {
        ("/api/v1/monitoring/interviews/", "get"): ["200", "400", "401", "403", "429"],
        ("/api/v1/monitoring/interviews/{id}/", "get"): ["200", "401", "403", "404", "429"],
        ("/api/v1/monitoring/interviews/{id}/record/", "post"): [
            "200",
            "400",
            "401",
            "403",
            "404",
            "413",
            "415",
            "422",
            "429",
        ],
    }
    listing = paths["/api/v1/monitoring/interviews/"]["get"]
    assert "sample" in listing["description"]
    assert {parameter["name"] for parameter in listing["parameters"]} >= {"status", "overdue", "office", "cursor"}
    record = paths["/api/v1/monitoring/interviews/{id}/record/"]["post"]
    assert "consent" in record["description"]
    assert record["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MonitoringInterviewRecordRequest"
    }

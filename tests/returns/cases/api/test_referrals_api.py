import datetime

import pytest
from django.utils import timezone

from agencies.models import Agency, User
from returns.models import Case, Referral
from returns.services.cases import referral_make
from tests.access_log_support import LOG_ROW
from tests.factories import UserFactory
from tests.problems import problem_of

URL = "/api/v1/referrals/"


def _due(days=3) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _answer(client, referral, **body):
    return client.post(f"{URL}{referral.public_id}/answer/", body, format="json")


def _refer(client, case, **fields):
    body = {"to_agency": "IOM", "service": "assistance", "reason": "Needs transport home.", "due_date": _due()}
    return client.post(f"/api/v1/cases/{case.public_id}/referrals/", {**body, **fields}, format="json")


@pytest.fixture
def referral(client_for, unhcr_worker, unhcr_case) -> Referral:
    """UNHCR refers Ahmad's family to IOM for assistance."""
    _refer(client_for(unhcr_worker), unhcr_case)
    return Referral.objects.get()


def test_a_case_worker_refers_a_family_to_iom(client_for, unhcr_worker, unhcr_case):
    response = _refer(client_for(unhcr_worker), unhcr_case)

    assert response.status_code == 201
    body = response.json()
    referral = Referral.objects.get()
    assert body == {
        "id": str(referral.public_id),
        "case": str(unhcr_case.public_id),
        "case_number": unhcr_case.case_number,
        "household": {
            "id": str(unhcr_case.household.public_id),
            "registration_number": unhcr_case.household.registration_number,
        },
        "member": None,
        "from_agency": "UNHCR",
        "to_agency": "IOM",
        "service": "assistance",
        "reason": "Needs transport home.",
        "status": "pending",
        "due_date": _due(),
        "overdue_since": None,
        "flag": None,
        "response": "",
        "responded_by": None,
        "responded_at": None,
        "created_by": "unhcr.worker.t",
        "created_at": body["created_at"],
    }
    assert list(unhcr_case.events.values_list("kind", flat=True)) == ["opened", "referral_made"]


def test_a_referral_is_refused_with_every_problem(client_for, unhcr_worker, unhcr_case):
    response = _refer(client_for(unhcr_worker), unhcr_case, to_agency="UNHCR", reason=" ", due_date=_due(-1))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "to_agency", "code": "same_agency", "message": "Refer to another agency or a partner."},
        {"path": "reason", "code": "required", "message": "Say why the household is referred."},
        {"path": "due_date", "code": "in_past", "message": "The answer cannot be due in the past."},
    ]
    assert Referral.objects.count() == 0


def test_an_unknown_agency_is_a_400(client_for, unhcr_worker, unhcr_case):
    response = _refer(client_for(unhcr_worker), unhcr_case, to_agency="XYZ")

    assert response.json()["errors"] == [
        {"path": "to_agency", "code": "does_not_exist", "message": "Object with code=XYZ does not exist."}
    ]


def test_another_agency_cannot_refer_a_case_it_cannot_see(client_for, iom_worker, unhcr_case):
    assert _refer(client_for(iom_worker), unhcr_case, to_agency="NRC").status_code == 404
    assert Referral.objects.count() == 0


def test_each_agency_lists_the_referrals_it_made_or_received(
    client_for, unhcr_worker, iom_worker, coordinator, referral
):
    unhcr, iom = client_for(unhcr_worker), client_for(iom_worker)
    ours = [str(referral.public_id)]

    def ids(client, **params):
        return [item["id"] for item in client.get(URL, params).json()["results"]]

    assert ids(unhcr) == ids(unhcr, direction="made") == ids(iom) == ids(iom, direction="received") == ours
    assert ids(unhcr, direction="received") == ids(iom, direction="made") == []
    assert ids(iom, status="pending") == ours
    assert ids(iom, status="accepted") == []
    assert ids(client_for(coordinator)) == []


def test_a_partner_agency_sees_none_of_it(client_for, referral):
    nrc = UserFactory(username="nrc.worker.t", agency=Agency.objects.get(code="NRC"), role=User.Role.CASE_WORKER)

    assert client_for(nrc).get(URL).json()["results"] == []
    assert _answer(client_for(nrc), referral, status="accepted").status_code == 404


def test_an_invalid_direction_is_a_400(client_for, unhcr_worker):
    response = client_for(unhcr_worker).get(URL, {"direction": "sideways"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "direction"


def test_accepting_a_referral_opens_a_case_at_the_receiving_agency(client_for, iom_worker, unhcr_case, referral):
    # When IOM accepts UNHCR's referral
    client = client_for(iom_worker)
    response = _answer(client, referral, status="accepted", response="We will.")

    # Then the referral is accepted, and IOM has a case for the family, at screening, opened by the referral
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["response"], body["responded_by"]) == ("accepted", "We will.", "iom.worker.t")
    opened = Case.objects.get(household=unhcr_case.household, agency__code="IOM")
    assert (opened.workflow, opened.stage, opened.opened_by_referral) == ("iom_post_arrival", "screening", referral)
    assert [item["id"] for item in client.get("/api/v1/cases/").json()["results"]] == [str(opened.public_id)]
    assert list(unhcr_case.events.values_list("kind", "details__status")) == [
        ("opened", None),
        ("referral_made", None),
        ("referral_answered", "accepted"),
    ]

    # And the accepted referral is completed later
    completed = _answer(client, referral, status="completed")
    assert (completed.status_code, completed.json()["status"]) == (200, "completed")


def test_declining_needs_a_reason(client_for, iom_worker, referral):
    response = _answer(client_for(iom_worker), referral, status="declined")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "response", "code": "required", "message": "Say why the referral is declined."}
    ]
    referral.refresh_from_db()
    assert referral.status == "pending"


def test_a_pending_referral_cannot_be_completed(client_for, iom_worker, referral):
    response = _answer(client_for(iom_worker), referral, status="completed")

    assert response.json()["errors"] == [
        {"path": "status", "code": "invalid_transition", "message": "A Pending referral cannot become completed."}
    ]


def test_the_referring_agency_cannot_answer_its_own_referral(client_for, unhcr_worker, referral):
    response = _answer(client_for(unhcr_worker), referral, status="accepted")

    assert response.status_code == 403
    assert problem_of(response) == {
        "code": "permission_denied",
        "detail": "Only the agency the referral is addressed to can answer it.",
    }
    assert not Case.objects.filter(agency__code="IOM").exists()


@pytest.mark.usefixtures("warm_reference")
def test_listing_takes_the_same_queries_for_1_or_50_referrals(
    client_for, unhcr_worker, iom_worker, iom, unhcr_case, django_assert_num_queries
):
    ahmad = unhcr_case.household.members.get(relationship="head")
    for number in range(50):
        referral_make(
            case=unhcr_case,
            made_by=unhcr_worker,
            to_agency=iom,
            service="health",
            reason=f"Referral {number}",
            due_date=timezone.localdate(),
            member=ahmad if number % 2 else None,
        )
    client = client_for(iom_worker)

    # Both take: token, sync watermark, referrals with their case, household, member, agencies and users
    with django_assert_num_queries(3 + LOG_ROW):
        small = client.get(URL, {"page_size": 1})
    with django_assert_num_queries(3 + LOG_ROW):
        large = client.get(URL, {"page_size": 50})
    assert (len(small.json()["results"]), len(large.json()["results"])) == (1, 50)
    assert large.json()["results"][0]["reason"] == "Referral 49"

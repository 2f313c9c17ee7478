import datetime

import pytest
from django.utils import timezone

from returns.models import Assistance, Case, CaseEvent
from tests.access_log_support import LOG_ROW
from tests.factories import entitle
from tests.problems import problem_of


def _url(case) -> str:
    return f"/api/v1/cases/{case.public_id}/assistance/"


def _decision_url(assistance_id) -> str:
    return f"/api/v1/assistance/{assistance_id}/decision/"


@pytest.fixture
def at_encashment(unhcr_case) -> Case:
    """Ahmad and Omid's case, verified with both eligible: the grant is due."""
    entitle(unhcr_case, decided_by=unhcr_case.household.registered_by)
    Case.objects.filter(pk=unhcr_case.pk).update(stage="encashment")
    return unhcr_case


def _record(client, case, **fields):
    return client.post(_url(case), {"delivered_on": timezone.localdate().isoformat(), **fields}, format="json")


def test_the_grant_is_recorded_from_the_rate_and_waits_for_approval(client_for, unhcr_worker, at_encashment):
    # When the case worker records the cash grant without an amount
    response = _record(client_for(unhcr_worker), at_encashment, assistance_type="cash_grant")

    # Then the amount is the rate (USD 375) for each of the two members, as a decimal string, pending approval
    assert response.status_code == 201
    body = response.json()
    grant = Assistance.objects.get()
    assert body == {
        "id": str(grant.public_id),
        "case": str(at_encashment.public_id),
        "assistance_type": "cash_grant",
        "assistance_type_name": "Repatriation cash grant",
        "is_cash": True,
        "member": None,
        "quantity": "1.00",
        "value": "750.00",
        "currency": "USD",
        "delivered_on": timezone.localdate().isoformat(),
        "office": "TKM",
        "recorded_by": "unhcr.worker.t",
        "recorded_at": body["recorded_at"],
        "approval": "pending",
        "needs_manager_approval": False,
        "approved_by": None,
        "approved_at": None,
        "note": "",
    }
    assert list(at_encashment.events.values_list("kind", "details")) == [
        ("opened", {}),
        (
            "assistance_recorded",
            {"assistance": str(grant.public_id), "type": "cash_grant", "value": "750.00", "currency": "USD"},
        ),
    ]


def test_whoever_recorded_cash_cannot_approve_it(client_for, unhcr_worker, at_encashment):
    client = client_for(unhcr_worker)
    grant_id = _record(client, at_encashment, assistance_type="cash_grant").json()["id"]
    events = at_encashment.events.count()

    response = client.post(_decision_url(grant_id), {"approve": True}, format="json")

    message = "You recorded this cash: a second person must approve it."
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "assistance", "code": "self_approval", "message": message}]
    grant = Assistance.objects.get()
    assert (grant.approval, grant.approved_by, at_encashment.events.count()) == ("pending", None, events)


def test_a_second_person_approves_the_grant_and_it_can_be_paid(client_for, unhcr_worker, unhcr_checker, at_encashment):
    grant_id = _record(client_for(unhcr_worker), at_encashment, assistance_type="cash_grant").json()["id"]

    response = client_for(unhcr_checker).post(_decision_url(grant_id), {"approve": True, "note": "ok"}, format="json")

    assert response.status_code == 200
    assert (response.json()["approval"], response.json()["approved_by"]) == ("approved", "unhcr.checker.t")
    # And the guard of "pay the grant" lets it through
    at_encashment.refresh_from_db()
    paid = client_for(unhcr_worker).post(
        f"/api/v1/cases/{at_encashment.public_id}/transitions/",
        {"transition": "pay_grant", "version": at_encashment.version},
        format="json",
    )
    assert (paid.status_code, paid.json()["stage"]) == (200, "services")


def test_the_grant_cannot_be_paid_before_approval(client_for, unhcr_worker, at_encashment):
    _record(client_for(unhcr_worker), at_encashment, assistance_type="cash_grant")
    at_encashment.refresh_from_db()

    response = client_for(unhcr_worker).post(
        f"/api/v1/cases/{at_encashment.public_id}/transitions/",
        {"transition": "pay_grant", "version": at_encashment.version},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "transition",
            "code": "guard",
            "message": "Record the cash grant and have a second person approve it before paying.",
        }
    ]


def test_cash_above_the_limit_needs_a_manager(client_for, unhcr_worker, unhcr_checker, unhcr_manager, at_encashment):
    # Given a grant typed as USD 3,500.50, above UNHCR's limit of USD 3,000
    recorded = _record(
        client_for(unhcr_worker),
        at_encashment,
        assistance_type="cash_grant",
        value="3500.50",
        currency="usd",
    ).json()
    assert (recorded["value"], recorded["currency"], recorded["needs_manager_approval"]) == ("3500.50", "USD", True)

    # When a case worker approves it, then a manager
    by_checker = client_for(unhcr_checker).post(_decision_url(recorded["id"]), {"approve": True}, format="json")
    by_manager = client_for(unhcr_manager).post(_decision_url(recorded["id"]), {"approve": True}, format="json")

    # Then only the manager's approval counts
    assert by_checker.status_code == 400
    assert by_checker.json()["errors"] == [
        {
            "path": "assistance",
            "code": "manager_required",
            "message": "This amount is above the limit: a manager must approve it.",
        }
    ]
    assert (by_manager.status_code, by_manager.json()["approved_by"]) == (200, "unhcr.manager.t")


def test_cash_is_rejected_only_with_a_reason(client_for, unhcr_worker, unhcr_checker, at_encashment):
    grant_id = _record(client_for(unhcr_worker), at_encashment, assistance_type="cash_grant").json()["id"]
    client = client_for(unhcr_checker)

    silent = client.post(_decision_url(grant_id), {"approve": False}, format="json")
    explained = client.post(_decision_url(grant_id), {"approve": False, "note": "Wrong family size."}, format="json")

    assert silent.json()["errors"] == [{"path": "note", "code": "required", "message": "Say why the cash is rejected."}]
    assert (explained.status_code, explained.json()["approval"], explained.json()["note"]) == (200, "rejected", "")
    assert at_encashment.events.filter(kind=CaseEvent.Kind.ASSISTANCE_REJECTED).get().note == "Wrong family size."


def test_a_field_officer_cannot_approve_cash(client_for, unhcr_worker, unhcr_officer, at_encashment):
    grant_id = _record(client_for(unhcr_worker), at_encashment, assistance_type="cash_grant").json()["id"]

    response = client_for(unhcr_officer).post(_decision_url(grant_id), {"approve": True}, format="json")

    assert response.status_code == 403
    assert problem_of(response) == {"code": "permission_denied", "detail": "Your role cannot approve cash."}


def test_assistance_in_kind_needs_no_approval(client_for, unhcr_worker, at_encashment):
    omid = at_encashment.household.members.get(given_name="Omid")

    response = _record(
        client_for(unhcr_worker), at_encashment, assistance_type="health_screening", member=str(omid.public_id)
    )

    body = response.json()
    assert (body["member"], body["value"], body["currency"], body["approval"]) == (
        str(omid.public_id),
        None,
        "",
        "not_required",
    )


def test_money_sent_as_a_float_is_refused(client_for, unhcr_worker, at_encashment):
    response = _record(client_for(unhcr_worker), at_encashment, assistance_type="return_supplement", value=100.1)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "value", "code": "float", "message": 'Send the amount as a string, e.g. "750.00".'}
    ]
    assert Assistance.objects.count() == 0


def test_the_services_problems_are_all_listed(client_for, unhcr_worker, at_encashment):
    # When the supplement (due 90 days after the arrival, yesterday) comes without an amount, dated tomorrow: its
    # amount is read off the supplement rules, so only the day is wrong, twice
    response = client_for(unhcr_worker).post(
        _url(at_encashment),
        {
            "assistance_type": "return_supplement",
            "delivered_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "delivered_on", "code": "in_future", "message": "The delivery date is in the future."},
        {
            "path": "delivered_on",
            "code": "supplement_not_due",
            "message": "The supplement falls due on "
            f"{(timezone.localdate() + datetime.timedelta(days=89)).isoformat()}, three months after arrival.",
        },
    ]


def test_another_agencys_catalogue_is_refused(client_for, unhcr_worker, at_encashment):
    response = _record(client_for(unhcr_worker), at_encashment, assistance_type="nfi_kit")

    assert response.json()["errors"] == [
        {
            "path": "assistance_type",
            "code": "invalid_choice",
            "message": "Choose assistance from your agency's catalogue.",
        }
    ]


def test_another_agency_cannot_see_or_record_or_approve(client_for, unhcr_worker, iom_worker, at_encashment):
    grant_id = _record(client_for(unhcr_worker), at_encashment, assistance_type="cash_grant").json()["id"]
    client = client_for(iom_worker)

    listed = client.get(_url(at_encashment))
    recorded = _record(client, at_encashment, assistance_type="cash_grant")
    decided = client.post(_decision_url(grant_id), {"approve": True}, format="json")

    assert (listed.status_code, recorded.status_code, decided.status_code) == (404, 404, 404)
    assert Assistance.objects.get().approval == "pending"


def test_listing_assistance_takes_the_same_queries_for_1_or_5_items(
    client_for, unhcr_worker, unhcr_checker, at_encashment, django_assert_num_queries
):
    worker = client_for(unhcr_worker)
    _record(worker, at_encashment, assistance_type="cash_grant")
    client = client_for(unhcr_checker)
    with django_assert_num_queries(3 + LOG_ROW):  # token, case, assistance with type, member, office, users
        one = client.get(_url(at_encashment))
    for code in ("health_screening", "mine_risk_awareness", "overnight_transit", "counselling_referral"):
        _record(worker, at_encashment, assistance_type=code)

    with django_assert_num_queries(3 + LOG_ROW):
        five = client.get(_url(at_encashment))

    assert (len(one.json()), len(five.json())) == (1, 5)
    assert [item["assistance_type"] for item in five.json()] == [
        "cash_grant",
        "health_screening",
        "mine_risk_awareness",
        "overnight_transit",
        "counselling_referral",
    ]

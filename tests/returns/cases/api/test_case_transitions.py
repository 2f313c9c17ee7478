import datetime

import pytest
from django.utils import timezone

from returns.models import Case, MemberVerification, NeedCode, Referral
from tests.problems import problem_of


def _url(case) -> str:
    return f"/api/v1/cases/{case.public_id}/transitions/"


def _verify(client, case, member, *, iris="clear", version=1, **more):
    inputs = {"documents_checked": True, f"iris_{member.public_id}": iris, **more}
    return client.post(_url(case), {"transition": "verify", "version": version, "inputs": inputs}, format="json")


def _state(case) -> tuple:
    """What a refused transition must leave untouched."""
    case.refresh_from_db()
    return case.stage, case.version, case.events.count(), MemberVerification.objects.filter(case=case).count()


@pytest.fixture
def ahmad(unhcr_case):
    return unhcr_case.household.members.get(relationship="head")


def test_a_case_worker_verifies_a_family(client_for, unhcr_worker, unhcr_case, ahmad):
    # When the case worker verifies the family, Ahmad's iris clear
    response = _verify(client_for(unhcr_worker), unhcr_case, ahmad)

    # Then the case moves to encashment, one version on, with what can be done there
    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["stage_label"], body["version"], body["due_date"]) == (
        "encashment",
        "Encashment (cash grant)",
        2,
        (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
    )
    assert [transition["code"] for transition in body["allowed_transitions"]] == ["pay_grant"]
    # And the iris result and the stage change are recorded
    assert list(MemberVerification.objects.filter(case=unhcr_case).values_list("member", "result")) == [
        (ahmad.pk, "clear")
    ]
    assert list(unhcr_case.events.values_list("kind", "transition", "from_stage", "to_stage", "actor__username")) == [
        ("opened", "", "", "verification", "unhcr.officer.t"),
        ("transition", "verify", "verification", "encashment", "unhcr.worker.t"),
    ]


def test_a_field_officer_may_not_verify(client_for, unhcr_officer, unhcr_case, ahmad):
    before = _state(unhcr_case)

    response = _verify(client_for(unhcr_officer), unhcr_case, ahmad)

    assert response.status_code == 403
    assert problem_of(response) == {
        "code": "permission_denied",
        "detail": "Your role cannot do “Verified: go to encashment”.",
    }
    assert _state(unhcr_case) == before == ("verification", 1, 1, 0)


def test_a_recycler_cannot_be_verified_for_the_grant(client_for, unhcr_worker, unhcr_case, ahmad):
    # When Ahmad's iris matched an earlier repatriation, his son Omid (3) is refused with him, and the case
    # worker still tries "verify"
    omid = unhcr_case.household.members.get(relationship="son")
    response = _verify(
        client_for(unhcr_worker),
        unhcr_case,
        ahmad,
        iris="previously_assisted",
        **{f"refuse_{omid.public_id}": "Registered on his father's card in 2019."},
    )

    # Then the guard refuses, saying what to do instead, and nothing changed
    message = (
        "No member is eligible for the grant (not on the VRF, assisted before, or refused). "
        "Use “Refuse the grant and refer to IOM”."
    )
    assert response.status_code == 400
    assert problem_of(response) == {
        "code": "invalid",
        "detail": "1 problem found.",
        "errors": [{"path": "transition", "code": "guard", "message": message}],
        "fields": {"transition": [message]},
    }
    assert _state(unhcr_case) == ("verification", 1, 1, 0)


def test_missing_inputs_are_refused_under_inputs(client_for, unhcr_worker, unhcr_case, ahmad):
    response = client_for(unhcr_worker).post(
        _url(unhcr_case), {"transition": "verify", "version": 1, "inputs": {"documents_checked": False}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "inputs.documents_checked", "code": "required", "message": "This field is required."},
        {"path": f"inputs.iris_{ahmad.public_id}", "code": "required", "message": "This field is required."},
    ]
    assert _state(unhcr_case) == ("verification", 1, 1, 0)


def test_an_invalid_choice_is_refused(client_for, unhcr_worker, unhcr_case, ahmad):
    response = _verify(client_for(unhcr_worker), unhcr_case, ahmad, iris="maybe")

    assert response.json()["errors"] == [
        {
            "path": f"inputs.iris_{ahmad.public_id}",
            "code": "invalid_choice",
            "message": "Select a valid choice. maybe is not one of the available choices.",
        }
    ]


def test_a_stale_version_is_a_409_and_changes_nothing(client_for, unhcr_worker, unhcr_case, ahmad):
    # Given the case changed since the client read it (version 1)
    Case.objects.filter(pk=unhcr_case.pk).update(version=2)

    # When the client fires a valid transition with version 1
    response = _verify(client_for(unhcr_worker), unhcr_case, ahmad)

    # Then it is told to reload, and nothing changed
    assert response.status_code == 409
    assert problem_of(response) == {
        "code": "case_changed",
        "detail": "This case has changed since you opened it: reload it and try again.",
    }
    assert _state(unhcr_case) == ("verification", 2, 1, 0)


def test_the_version_is_required(client_for, unhcr_worker, unhcr_case):
    response = client_for(unhcr_worker).post(_url(unhcr_case), {"transition": "verify", "inputs": {}}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "version", "code": "required", "message": "This field is required."}]
    assert _state(unhcr_case) == ("verification", 1, 1, 0)


def test_a_transition_from_another_stage_is_refused(client_for, unhcr_worker, unhcr_case):
    response = client_for(unhcr_worker).post(_url(unhcr_case), {"transition": "pay_grant", "version": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "transition",
            "code": "not_from_this_stage",
            "message": "“pay_grant” is not possible from the stage “Document and iris verification”.",
        }
    ]


def test_another_agency_cannot_move_the_case(client_for, iom_worker, unhcr_case, ahmad):
    response = _verify(client_for(iom_worker), unhcr_case, ahmad)

    assert response.status_code == 404
    assert _state(unhcr_case) == ("verification", 1, 1, 0)


def test_refusing_the_grant_closes_the_case_and_refers_to_iom(client_for, unhcr_worker, iom, unhcr_case, ahmad):
    response = client_for(unhcr_worker).post(
        _url(unhcr_case),
        {
            "transition": "refuse_grant",
            "version": 1,
            "inputs": {f"iris_{ahmad.public_id}": "previously_assisted", "note": "Iris matched a 2019 repatriation."},
        },
        format="json",
    )

    body = response.json()
    assert (response.status_code, body["stage"], body["outcome"], body["allowed_transitions"]) == (
        200,
        "closed",
        "not_eligible",
        [],
    )
    assert list(Referral.objects.filter(case=unhcr_case).values_list("to_agency", "status")) == [(iom.pk, "pending")]


def test_iom_screening_takes_a_list_of_vulnerability_codes(client_for, iom_worker, iom_case):
    # Given an IOM case at screening, and one of IOM's vulnerability codes (not DF: not enough alone)
    karim = iom_case.household.members.get()
    code = (
        NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY, is_active=True)
        .exclude(code="DF")
        .order_by("code")
        .first()
    )

    # When the case worker screens Karim with that code
    response = client_for(iom_worker).post(
        _url(iom_case),
        {"transition": "screen_eligible", "version": 1, "inputs": {f"vulnerabilities_{karim.public_id}": [code.code]}},
        format="json",
    )

    # Then the case goes to assistance, vulnerable, and Karim carries the code
    body = response.json()
    assert (response.status_code, body["stage"], body["is_vulnerable"]) == (200, "assistance", True)
    assert list(karim.specific_needs.values_list("code", flat=True)) == [code.code]

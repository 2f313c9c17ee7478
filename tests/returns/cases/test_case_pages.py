"""The case-management pages, through Django's test client: who sees what, and every action through a service."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import User
from returns.models import Assistance, AssistanceType, Case, CaseEvent, MemberVerification, Referral
from returns.reference import reference_data
from returns.services.cases import assistance_record, case_transition
from tests.access_log_support import LOG_ROW
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
STALE = "This case has changed since you opened it: reload it and try again."


def case_url(case: Case) -> str:
    return reverse("returns:case-detail", kwargs={"public_id": case.public_id})


def transition_url(case: Case, code: str) -> str:
    return reverse("returns:case-transition", kwargs={"public_id": case.public_id, "transition_code": code})


def members_by_name(case: Case) -> dict:
    return {member.given_name: member for member in case.household.members.all()}


def verify_post(case: Case, *, head="clear", spouse="clear", son_refused="", documents=True, version=None) -> dict:
    members = members_by_name(case)
    data = {
        "version": str(case.version if version is None else version),
        f"iris_{members['Gul'].public_id}": head,
        f"iris_{members['Zarghona'].public_id}": spouse,
        f"refuse_{members['Wali'].public_id}": son_refused,
        "note": "",
    }
    if documents:
        data["documents_checked"] = "on"
    return data


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return case.stage, case.version, case.events.count(), MemberVerification.objects.filter(case=case).count()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def cash_grant(unhcr) -> AssistanceType:
    return AssistanceType.objects.get(agency=unhcr, code="cash_grant")


def verified(case: Case, worker: User) -> Case:
    """Verification finds every member of the family eligible: the grant can be recorded."""
    members = members_by_name(case)
    return case_transition(
        case=case,
        transition_code="verify",
        actor=worker,
        data={
            "documents_checked": "on",
            f"iris_{members['Gul'].public_id}": "clear",
            f"iris_{members['Zarghona'].public_id}": "clear",
        },
    )


def section_numbers(response, section: str) -> list[str]:
    for key, _title, cases in response.context["sections"]:
        if key == section:
            return [case.case_number for case in cases]
    raise KeyError(section)


# --- Who sees which page --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["returns:my-cases", "returns:referrals", "returns:caseload"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_an_anonymous_visitor_is_sent_to_the_login_page_from_a_case(client, unhcr_case):
    response = client.get(case_url(unhcr_case))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={case_url(unhcr_case)}"


def test_the_case_page_is_for_the_cases_agency_only(client, unhcr_case, unhcr_worker, iom_worker, coordinator):
    client.force_login(unhcr_worker)
    assert client.get(case_url(unhcr_case)).status_code == 200

    client.force_login(iom_worker)
    assert client.get(case_url(unhcr_case)).status_code == 404

    client.force_login(coordinator)
    assert client.get(case_url(unhcr_case)).status_code == 404


def test_someone_of_another_agency_cannot_act_on_a_case(client, unhcr_case, iom_worker):
    client.force_login(iom_worker)

    response = client.post(transition_url(unhcr_case, "verify"), verify_post(unhcr_case))

    assert response.status_code == 404
    assert snapshot(unhcr_case) == ("verification", 1, 1, 0)


def test_the_caseload_is_for_managers_only(client, unhcr_manager, unhcr_worker, unhcr_officer, coordinator, unhcr_case):
    client.force_login(unhcr_manager)
    assert client.get(reverse("returns:caseload")).status_code == 200

    for user in (unhcr_worker, unhcr_officer, coordinator):
        client.force_login(user)
        assert client.get(reverse("returns:caseload")).status_code == 403
        assert (
            client.post(reverse("returns:caseload-assign"), {"cases": [str(unhcr_case.public_id)]}).status_code == 403
        )


def test_a_coordinator_sees_no_case_and_no_referral(client, coordinator, unhcr_case, caseload_of):
    caseload_of(3, assigned_to=coordinator)
    client.force_login(coordinator)

    my_cases = client.get(reverse("returns:my-cases"))
    referrals = client.get(reverse("returns:referrals"))

    assert my_cases.status_code == 200
    assert my_cases.context["case_count"] == 0
    assert referrals.status_code == 200
    assert list(referrals.context["referrals"]) == []
    assert 'href="/cases/mine/"' not in my_cases.content.decode()


def test_the_navigation_shows_case_pages_to_staff_and_the_caseload_to_managers(
    client, unhcr_worker, unhcr_manager, coordinator
):
    client.force_login(unhcr_worker)
    worker_page = client.get(reverse("returns:my-cases")).content.decode()
    client.force_login(unhcr_manager)
    manager_page = client.get(reverse("returns:my-cases")).content.decode()
    client.force_login(coordinator)
    coordinator_page = client.get(reverse("returns:my-cases")).content.decode()

    assert '<a href="/cases/mine/">My cases</a>' in worker_page
    assert '<a href="/cases/referrals/">Referrals</a>' in worker_page
    assert '<a href="/cases/caseload/">Caseload</a>' not in worker_page
    assert '<a href="/cases/caseload/">Caseload</a>' in manager_page
    assert "/cases/referrals/" not in coordinator_page


# --- My cases -------------------------------------------------------------------------------


def test_my_cases_lists_my_open_cases_by_urgency(client, unhcr_worker, unhcr_checker, caseload_of):
    mine = caseload_of(6, assigned_to=unhcr_worker)
    caseload_of(2, assigned_to=unhcr_checker)
    Case.objects.filter(pk=mine[5].pk).update(closed_at=timezone.now(), outcome="assisted", stage="closed")
    client.force_login(unhcr_worker)

    response = client.get(reverse("returns:my-cases"))

    # Due dates cycle yesterday, today, tomorrow (see the caseload_of fixture).
    assert response.status_code == 200
    assert response.context["case_count"] == 5
    assert section_numbers(response, "overdue") == [mine[0].case_number, mine[3].case_number]
    assert section_numbers(response, "today") == [mine[1].case_number, mine[4].case_number]
    assert section_numbers(response, "later") == [mine[2].case_number]
    content = response.content.decode()
    first = mine[0]
    assert f'<a href="/cases/{first.public_id}/" dir="ltr">{first.case_number}</a>' in content
    assert f'<span dir="ltr">{first.household.registration_number}</span>' in content
    assert "<td>Head0 Bulk</td>" in content
    assert "<td>Document and iris verification</td>" in content
    assert f'<span dir="ltr">{(TODAY - datetime.timedelta(days=1)).isoformat()}</span>' in content
    assert "<td>Islam Qala border crossing</td>" in content


def test_a_case_is_found_by_its_registration_number_within_the_agency(client, unhcr_case, unhcr_officer, iom_officer):
    number = unhcr_case.household.registration_number
    client.force_login(unhcr_officer)

    found = client.get(reverse("returns:my-cases"), {"q": f" {number.lower()} "})
    client.force_login(iom_officer)
    not_found = client.get(reverse("returns:my-cases"), {"q": number})

    assert (found.status_code, found["Location"]) == (302, case_url(unhcr_case))
    assert not_found.status_code == 200
    assert messages_of(not_found) == [f"No case has the number {number}."]


# --- The case page --------------------------------------------------------------------------


def test_the_case_page_shows_the_household_members_stage_and_actions(client, unhcr_case, unhcr_worker):
    Case.objects.filter(pk=unhcr_case.pk).update(stage_due_date=TODAY - datetime.timedelta(days=2))
    client.force_login(unhcr_worker)

    response = client.get(case_url(unhcr_case))

    content = response.content.decode()
    household = unhcr_case.household
    members = members_by_name(unhcr_case)
    assert response.status_code == 200
    assert f'href="/households/{household.public_id}/" dir="ltr" data-household-link>' in content
    assert "<dd data-current-stage>Document and iris verification</dd>" in content
    assert "data-overdue>Overdue</span>" in content
    assert [transition.code for transition in (a["transition"] for a in response.context["actions"])] == [
        "verify",
        "refuse_grant",
    ]
    # Iris from age 5: the head and his wife, not the son of 3; each member on the VRF may be refused the grant.
    verify_form = response.context["actions"][0]["form"]
    assert list(verify_form.fields) == [
        "documents_checked",
        f"iris_{members['Gul'].public_id}",
        f"refuse_{members['Gul'].public_id}",
        f"iris_{members['Zarghona'].public_id}",
        f"refuse_{members['Zarghona'].public_id}",
        f"refuse_{members['Wali'].public_id}",
        "note",
    ]
    gul = members["Gul"].public_id
    assert f'<select name="iris_{gul}" required id="id_verify_iris_{gul}">' in content
    # The iris result starts empty: nobody records "verified" by leaving the first option.
    assert [value for value, _label in verify_form.fields[f"iris_{gul}"].choices] == [
        "",
        "clear",
        "previously_assisted",
        "failed",
    ]
    assert f'id="id_refuse_grant_iris_{members["Gul"].public_id}"' in content
    assert '<input type="hidden" name="version" value="1">' in content
    assert 'VRF (Voluntary Repatriation Form) <span dir="ltr">VRF-2026-001</span>' in content
    assert content.count("data-member-row") == 3


def test_a_field_officer_sees_the_case_but_no_case_worker_action(client, unhcr_case, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get(case_url(unhcr_case))
    refused = client.post(transition_url(unhcr_case, "verify"), verify_post(unhcr_case))

    assert response.status_code == 200
    assert response.context["actions"] == []
    assert "Nothing for you to do at this stage." in response.content.decode()
    assert refused.status_code == 403
    assert snapshot(unhcr_case) == ("verification", 1, 1, 0)


def test_the_iom_screening_form_asks_vulnerabilities_for_each_member(client, iom_case, iom_worker):
    client.force_login(iom_worker)

    response = client.get(case_url(iom_case))

    content = response.content.decode()
    members = members_by_name(iom_case)
    assert [action["transition"].code for action in response.context["actions"]] == [
        "screen_eligible",
        "screen_not_eligible",
    ]
    for name in ("Nazir", "Farid"):
        field = f"vulnerabilities_{members[name].public_id}"
        assert content.count(f'name="{field}"') == 12
        assert f"<legend>Vulnerabilities: {name} Habib</legend>" in content
    assert "UMC Unaccompanied migrant child" in content


def test_a_transition_through_the_page_moves_the_case_and_says_so(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)
    members = members_by_name(unhcr_case)

    response = client.post(transition_url(unhcr_case, "verify"), verify_post(unhcr_case), follow=True)

    assert response.redirect_chain == [(case_url(unhcr_case), 302)]
    assert snapshot(unhcr_case) == ("encashment", 2, 2, 2)
    assert sorted(MemberVerification.objects.values_list("member_id", "result", "recorded_by")) == sorted(
        [(members["Gul"].pk, "clear", unhcr_worker.pk), (members["Zarghona"].pk, "clear", unhcr_worker.pk)]
    )
    assert messages_of(response) == ["Verified: go to encashment — done. The case is now at “Encashment (cash grant)”."]
    event = unhcr_case.events.last()
    assert (event.kind, event.transition, event.from_stage, event.to_stage, event.actor) == (
        "transition",
        "verify",
        "verification",
        "encashment",
        unhcr_worker,
    )
    assert "<dd data-current-stage>Encashment (cash grant)</dd>" in response.content.decode()


def test_a_transition_refused_by_a_guard_shows_why_and_changes_nothing(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)

    response = client.post(
        transition_url(unhcr_case, "verify"),
        verify_post(
            unhcr_case, head="previously_assisted", spouse="previously_assisted", son_refused="Born after 2019."
        ),
    )

    message = (
        "No member is eligible for the grant (not on the VRF, assisted before, or refused). "
        "Use “Refuse the grant and refer to IOM”."
    )
    assert response.status_code == 200
    verify = response.context["actions"][0]
    assert verify["errors"] == [message]
    assert response.context["open_action"] is verify
    assert escape(message) in response.content.decode()
    assert snapshot(unhcr_case) == ("verification", 1, 1, 0)


def test_a_missing_input_is_shown_beside_its_field_and_changes_nothing(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)
    members = members_by_name(unhcr_case)
    data = verify_post(unhcr_case, documents=False, head="")

    response = client.post(transition_url(unhcr_case, "verify"), data)

    verify_form = response.context["actions"][0]["form"]
    assert response.status_code == 200
    assert verify_form.errors == {
        "documents_checked": ["This field is required."],
        f"iris_{members['Gul'].public_id}": ["This field is required."],
    }
    # What was typed is still there.
    assert verify_form[f"iris_{members['Zarghona'].public_id}"].value() == "clear"
    assert snapshot(unhcr_case) == ("verification", 1, 1, 0)


def test_a_stale_version_is_refused_with_409_and_changes_nothing(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)
    Case.objects.filter(pk=unhcr_case.pk).update(version=2)  # someone else changed the case meanwhile

    response = client.post(transition_url(unhcr_case, "verify"), verify_post(unhcr_case, version=1))

    assert response.status_code == 409
    assert response.context["case_changed"] is True
    assert escape(STALE) in response.content.decode()
    assert snapshot(unhcr_case) == ("verification", 2, 1, 0)
    # The page shows the case as it is now, with the new version in every form.
    assert '<input type="hidden" name="version" value="2">' in response.content.decode()


def test_a_post_without_a_version_is_treated_as_stale(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)
    data = verify_post(unhcr_case)
    del data["version"]

    response = client.post(transition_url(unhcr_case, "verify"), data)

    assert response.status_code == 409
    assert snapshot(unhcr_case) == ("verification", 1, 1, 0)


def test_a_transition_from_another_stage_is_refused_with_its_message(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)

    response = client.post(transition_url(unhcr_case, "pay_grant"), {"version": "1"})

    assert response.status_code == 200
    assert messages_of(response) == ["“pay_grant” is not possible from the stage “Document and iris verification”."]
    assert snapshot(unhcr_case) == ("verification", 1, 1, 0)


# --- Assistance and maker-checker -----------------------------------------------------------


def assistance_post(assistance_type_code: str, **fields) -> dict:
    return {
        "assistance_type": assistance_type_code,
        "member": "",
        "quantity": "1",
        "value": "",
        "currency": "",
        "delivered_on": TODAY.isoformat(),
        "office": "TKM",
        "note": "",
        **fields,
    }


def test_the_cash_grant_is_computed_from_the_rate_when_the_value_is_left_empty(client, unhcr_case, unhcr_worker, unhcr):
    verified(unhcr_case, unhcr_worker)
    client.force_login(unhcr_worker)
    page = client.get(case_url(unhcr_case))

    response = client.post(
        reverse("returns:case-assistance", kwargs={"public_id": unhcr_case.public_id}),
        assistance_post("cash_grant"),
        follow=True,
    )

    # 3 eligible members × 375 USD, the rate of the arrival date.
    assert "<strong>1125.00 USD</strong> for 3 " in page.content.decode()
    grant = Assistance.objects.get()
    assert (
        grant.assistance_type,
        grant.value,
        grant.currency,
        grant.approval,
        grant.recorded_by,
        grant.office.code,
    ) == (
        cash_grant(unhcr),
        Decimal("1125.00"),
        "USD",
        "pending",
        unhcr_worker,
        "TKM",
    )
    assert response.redirect_chain == [(f"{case_url(unhcr_case)}#assistance", 302)]
    assert messages_of(response) == [
        "Repatriation cash grant recorded: 1125.00 USD, waiting for a second person's approval."
    ]
    row = re.search(r'<tr data-assistance-row="cash_grant">.*?</tr>', response.content.decode(), re.S).group(0)
    assert "1125.00 USD" in row
    assert "Torkham border crossing" in row
    assert "Farida Noori" in row
    assert "Waiting for approval" in row
    # The recorder gets no approve button.
    assert "data-decision" not in row


def test_a_refused_assistance_shows_the_message_beside_the_field(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)
    tomorrow = TODAY + datetime.timedelta(days=1)

    response = client.post(
        reverse("returns:case-assistance", kwargs={"public_id": unhcr_case.public_id}),
        assistance_post("health_screening", delivered_on=tomorrow.isoformat()),
    )

    assert response.status_code == 200
    assert response.context["assistance_form"].errors == {"delivered_on": ["The delivery date is in the future."]}
    assert Assistance.objects.count() == 0


def test_the_recorder_cannot_approve_their_own_cash(client, unhcr_case, unhcr_worker, unhcr):
    verified(unhcr_case, unhcr_worker)
    grant = assistance_record(
        case=unhcr_case,
        recorded_by=unhcr_worker,
        assistance_type=cash_grant(unhcr),
        delivered_on=TODAY,
        office=unhcr_case.office,
    )
    client.force_login(unhcr_worker)
    events_before = unhcr_case.events.count()

    response = client.post(
        reverse(
            "returns:case-assistance-decide",
            kwargs={"public_id": unhcr_case.public_id, "assistance_id": grant.public_id},
        ),
        {"decision": "approve", "note": ""},
    )

    grant.refresh_from_db()
    message = "You recorded this cash: a second person must approve it."
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert [item.decision_errors for item in response.context["assistance"]] == [[message]]
    assert (grant.approval, grant.approved_by) == ("pending", None)
    assert unhcr_case.events.count() == events_before


def test_a_second_case_worker_approves_the_cash(client, unhcr_case, unhcr_worker, unhcr_checker, unhcr):
    verified(unhcr_case, unhcr_worker)
    grant = assistance_record(
        case=unhcr_case,
        recorded_by=unhcr_worker,
        assistance_type=cash_grant(unhcr),
        delivered_on=TODAY,
        office=unhcr_case.office,
    )
    client.force_login(unhcr_checker)
    decide_url = reverse(
        "returns:case-assistance-decide", kwargs={"public_id": unhcr_case.public_id, "assistance_id": grant.public_id}
    )
    page = client.get(case_url(unhcr_case))

    response = client.post(decide_url, {"decision": "approve", "note": ""}, follow=True)

    grant.refresh_from_db()
    assert f'action="{decide_url}"' in page.content.decode()
    assert (grant.approval, grant.approved_by) == ("approved", unhcr_checker)
    assert messages_of(response) == ["Repatriation cash grant approved."]
    assert unhcr_case.events.last().kind == "assistance_approved"


def test_rejecting_cash_needs_a_reason(client, unhcr_case, unhcr_worker, unhcr_checker, unhcr):
    verified(unhcr_case, unhcr_worker)
    grant = assistance_record(
        case=unhcr_case,
        recorded_by=unhcr_worker,
        assistance_type=cash_grant(unhcr),
        delivered_on=TODAY,
        office=unhcr_case.office,
    )
    client.force_login(unhcr_checker)

    response = client.post(
        reverse(
            "returns:case-assistance-decide",
            kwargs={"public_id": unhcr_case.public_id, "assistance_id": grant.public_id},
        ),
        {"decision": "reject", "note": " "},
    )

    grant.refresh_from_db()
    assert response.status_code == 200
    assert [item.decision_errors for item in response.context["assistance"]] == [["Say why the cash is rejected."]]
    assert grant.approval == "pending"


# --- Referrals ------------------------------------------------------------------------------


def test_a_referral_is_made_from_the_case_page(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)
    due = TODAY + datetime.timedelta(days=5)
    wife = members_by_name(unhcr_case)["Zarghona"]

    response = client.post(
        reverse("returns:case-referral", kwargs={"public_id": unhcr_case.public_id}),
        {
            "to_agency": "NRC",
            "service": "legal_aid",
            "member": str(wife.public_id),
            "due_date": due.isoformat(),
            "reason": "Lost her tazkira at the border.",
        },
        follow=True,
    )

    referral = Referral.objects.get()
    assert (
        referral.to_agency.code,
        referral.from_agency.code,
        referral.service,
        referral.member,
        referral.due_date,
        referral.reason,
        referral.status,
        referral.created_by,
    ) == ("NRC", "UNHCR", "legal_aid", wife, due, "Lost her tazkira at the border.", "pending", unhcr_worker)
    assert messages_of(response) == ["Referral to NRC made: Legal aid."]
    assert unhcr_case.events.last().kind == "referral_made"
    assert "Lost her tazkira at the border." in response.content.decode()


def test_a_referral_due_in_the_past_is_refused_beside_the_field(client, unhcr_case, unhcr_worker):
    client.force_login(unhcr_worker)

    response = client.post(
        reverse("returns:case-referral", kwargs={"public_id": unhcr_case.public_id}),
        {
            "to_agency": "IOM",
            "service": "health",
            "member": "",
            "due_date": (TODAY - datetime.timedelta(days=1)).isoformat(),
            "reason": "Needs a doctor.",
        },
    )

    assert response.status_code == 200
    assert response.context["referral_form"].errors == {"due_date": ["The answer cannot be due in the past."]}
    assert Referral.objects.count() == 0


def test_the_receiving_agency_accepts_a_referral_from_its_inbox(client, unhcr_case, unhcr_worker, iom_worker):
    members = members_by_name(unhcr_case)
    case_transition(
        case=unhcr_case,
        transition_code="refuse_grant",
        actor=unhcr_worker,
        data={
            f"iris_{members['Gul'].public_id}": "previously_assisted",
            f"iris_{members['Zarghona'].public_id}": "previously_assisted",
            f"refuse_{members['Wali'].public_id}": "His parents were assisted in 2019.",
            "note": "Iris matched a 2019 repatriation.",
        },
    )
    referral = Referral.objects.get()
    client.force_login(unhcr_worker)
    assert list(client.get(reverse("returns:referrals")).context["referrals"]) == []
    client.force_login(iom_worker)
    inbox = client.get(reverse("returns:referrals"))

    response = client.post(
        reverse("returns:referral-answer", kwargs={"public_id": referral.public_id}),
        {"status": "accepted", "response": "We take the family."},
        follow=True,
    )

    referral.refresh_from_db()
    opened = Case.objects.get(household=unhcr_case.household, agency__code="IOM")
    assert [item.public_id for item in inbox.context["referrals"]] == [referral.public_id]
    assert "No member could be paid the VolRep grant: Iris matched a 2019 repatriation." in inbox.content.decode()
    assert (referral.status, referral.response, referral.responded_by) == (
        "accepted",
        "We take the family.",
        iom_worker,
    )
    assert opened.opened_by_referral == referral
    assert messages_of(response) == [f"Referral from UNHCR ({unhcr_case.case_number}): Accepted."]
    assert f'href="/cases/{opened.public_id}/">Our case</a>' in response.content.decode()


def test_declining_a_referral_needs_a_response(client, unhcr_case, unhcr_worker, iom, iom_worker):
    referral = Referral.objects.create(
        case=unhcr_case,
        from_agency=unhcr_case.agency,
        to_agency=iom,
        service="assistance",
        reason="Recycler.",
        due_date=TODAY,
        created_by=unhcr_worker,
    )
    client.force_login(iom_worker)

    response = client.post(
        reverse("returns:referral-answer", kwargs={"public_id": referral.public_id}),
        {"status": "declined", "response": ""},
    )

    referral.refresh_from_db()
    assert response.status_code == 200
    assert [item.answer_errors for item in response.context["referrals"]] == [["Say why the referral is declined."]]
    assert referral.status == "pending"


# --- Assignment -----------------------------------------------------------------------------


def test_a_manager_assigns_a_case_from_its_page(client, unhcr_case, unhcr_manager, unhcr_worker):
    client.force_login(unhcr_manager)

    response = client.post(
        reverse("returns:case-assign", kwargs={"public_id": unhcr_case.public_id}),
        {"assignee": "unhcr.worker.t"},
        follow=True,
    )

    unhcr_case.refresh_from_db()
    assert (unhcr_case.assigned_to, unhcr_case.version) == (unhcr_worker, 2)
    assert messages_of(response) == ["1 case(s) assigned to Farida Noori."]
    assert list(unhcr_case.events.filter(kind="assigned").values_list("actor", "details")) == [
        (unhcr_manager.pk, {"from": None, "to": unhcr_worker.pk})
    ]


def test_bulk_assignment_assigns_exactly_the_ticked_cases(
    client, unhcr_manager, unhcr_worker, unhcr_checker, caseload_of
):
    cases = caseload_of(5, assigned_to=unhcr_checker)
    ticked = [cases[0], cases[2], cases[4]]
    client.force_login(unhcr_manager)

    response = client.post(
        reverse("returns:caseload-assign"),
        {
            "cases": [str(case.public_id) for case in ticked],
            "assignee": "unhcr.worker.t",
            "filters": "stage=verification&page=2",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/cases/caseload/?stage=verification&page=2"
    assert sorted(Case.objects.filter(assigned_to=unhcr_worker).values_list("pk", flat=True)) == sorted(
        case.pk for case in ticked
    )
    assert sorted(Case.objects.filter(assigned_to=unhcr_checker).values_list("pk", flat=True)) == [
        cases[1].pk,
        cases[3].pk,
    ]
    assert sorted(
        CaseEvent.objects.filter(kind="assigned").values_list("case_id", "actor_id", "details", "note")
    ) == sorted(
        (case.pk, unhcr_manager.pk, {"from": unhcr_checker.pk, "to": unhcr_worker.pk}, "unhcr.worker.t")
        for case in ticked
    )
    assert list(Case.objects.filter(pk__in=[c.pk for c in ticked]).values_list("version", flat=True)) == [2, 2, 2]


def test_bulk_assignment_with_a_case_of_another_agency_changes_nothing(
    client, unhcr_manager, unhcr_worker, caseload_of, iom_case
):
    cases = caseload_of(2)
    client.force_login(unhcr_manager)

    response = client.post(
        reverse("returns:caseload-assign"),
        {"cases": [str(cases[0].public_id), str(iom_case.public_id)], "assignee": "unhcr.worker.t", "filters": ""},
    )

    assert response.status_code == 200
    assert response.context["bulk_form"].errors == {
        "cases": ["Some of the chosen cases are closed or not your agency's."]
    }
    assert Case.objects.filter(assigned_to__isnull=False).count() == 0
    assert CaseEvent.objects.filter(kind="assigned").count() == 0


def test_bulk_assignment_needs_ticked_cases_and_an_assignee(client, unhcr_manager):
    client.force_login(unhcr_manager)

    response = client.post(reverse("returns:caseload-assign"), {"assignee": "", "filters": ""})

    assert response.status_code == 200
    assert response.context["bulk_form"].errors == {
        "cases": ["Tick the cases to assign."],
        "assignee": ["This field is required."],
    }


def test_the_assignee_list_holds_only_colleagues(client, unhcr_manager, unhcr_worker, iom_worker):
    client.force_login(unhcr_manager)

    response = client.get(reverse("returns:caseload"))

    choices = [value for value, _label in response.context["bulk_form"].fields["assignee"].choices]
    assert choices == ["", "unassigned", "unhcr.manager.t", "unhcr.worker.t"]


# --- The caseload page ----------------------------------------------------------------------


def test_the_caseload_counts_cases_per_stage_and_office(client, unhcr_manager, caseload_of):
    caseload_of(9)
    client.force_login(unhcr_manager)

    response = client.get(reverse("returns:caseload"))

    table = response.context["table"]
    assert [stage.code for stage in table["stages"]] == ["verification", "encashment", "services", "supplement"]
    # Offices cycle IQL, SBD, TKM and stages every three cases: each office has one case in each of the first
    # three stages, and none waiting for the supplement.
    assert [
        (row["office"].code, [cell["total"] for cell in row["cells"]], row["total"], row["overdue"])
        for row in table["rows"]
    ] == [
        ("IQL", [1, 1, 1, 0], 3, 3),
        ("SBD", [1, 1, 1, 0], 3, 0),
        ("TKM", [1, 1, 1, 0], 3, 0),
    ]
    assert [cell["total"] for cell in table["totals"]] == [3, 3, 3, 0]
    assert (table["total"], table["overdue"]) == (9, 3)
    assert response.context["overdue_page"].paginator.count == 3
    assert response.context["cases_page"].paginator.count == 9


def test_the_caseload_charts_are_inline_svg_with_titles(client, unhcr_manager, caseload_of):
    caseload_of(8)
    client.force_login(unhcr_manager)

    response = client.get(reverse("returns:caseload"))

    content = response.content.decode()
    assert content.count('role="img"') == 2
    assert '<title id="chart-stages-title">Open cases by stage</title>' in content
    assert '<title id="chart-arrivals-title">Households arriving per week, last 12 weeks</title>' in content
    assert "<title>Document and iris verification: 3 open, 1 overdue</title>" in content
    assert [bar["value"] for bar in response.context["stage_bars"]] == [3, 3, 2, 0]  # none at the supplement
    assert len(response.context["arrival_bars"]) == 12
    assert sum(bar["value"] for bar in response.context["arrival_bars"]) == 8
    assert "<script" not in content.split("<main")[1]
    assert content.count('<option value="" selected>Any</option>') == 3  # stage, office, assigned to
    assert "style=" not in content


def test_the_charts_are_mirrored_on_a_right_to_left_page(client, unhcr_manager, caseload_of):
    caseload_of(4)
    client.force_login(unhcr_manager)
    english = client.get(reverse("returns:caseload")).content.decode()

    dari = client.get(reverse("returns:caseload"), headers={"accept-language": "fa"}).content.decode()

    assert '<html lang="fa" dir="rtl">' in dari
    assert 'direction="rtl"' in dari
    assert 'direction="rtl"' not in english
    # The first stage label ends 260 units from the left in English, and from the right in Dari.
    assert '<text x="260" y="24.0" text-anchor="end" dominant-baseline="middle" direction="ltr"' in english
    assert '<text x="380" y="24.0" text-anchor="end" dominant-baseline="middle" direction="rtl"' in dari


def test_the_caseload_filters_cases(client, unhcr_manager, unhcr_worker, caseload_of):
    cases = caseload_of(8)
    Case.objects.filter(pk__in=[cases[0].pk, cases[4].pk]).update(assigned_to=unhcr_worker)
    client.force_login(unhcr_manager)

    response = client.get(reverse("returns:caseload"), {"assigned_to": "unhcr.worker.t"})

    assert sorted(case.pk for case in response.context["cases_page"].object_list) == [cases[0].pk, cases[4].pk]


# --- Query counts: constant however many cases ----------------------------------------------


def warm_up() -> None:
    """Reference data is cached per process; load it before counting."""
    reference_data()


@pytest.mark.parametrize("case_count", [10, 1000])
def test_the_caseload_page_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, unhcr_manager, unhcr_worker, caseload_of, case_count
):
    caseload_of(case_count, assigned_to=unhcr_worker)
    client.force_login(unhcr_manager)
    warm_up()

    # 12: the flag follow-ups counted (received and made, open and overdue) are one aggregate query.
    with django_assert_num_queries(12 + LOG_ROW):
        response = client.get(reverse("returns:caseload"))

    assert response.status_code == 200
    assert response.context["cases_page"].paginator.count == case_count


@pytest.mark.parametrize("case_count", [10, 1000])
def test_my_cases_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, unhcr_worker, caseload_of, case_count
):
    caseload_of(case_count, assigned_to=unhcr_worker)
    client.force_login(unhcr_worker)
    warm_up()

    with django_assert_num_queries(3 + LOG_ROW):
        response = client.get(reverse("returns:my-cases"))

    assert response.context["case_count"] == case_count


@pytest.mark.parametrize("case_count", [10, 1000])
def test_the_case_page_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, unhcr_case, unhcr_manager, unhcr_worker, unhcr, caseload_of, case_count
):
    caseload_of(case_count, assigned_to=unhcr_worker)
    for _index in range(3):
        assistance_record(
            case=unhcr_case,
            recorded_by=unhcr_worker,
            assistance_type=AssistanceType.objects.get(agency=unhcr, code="health_screening"),
            delivered_on=TODAY,
            office=unhcr_case.office,
        )
    UserFactory(username="unhcr.colleague.t", agency=unhcr, role=User.Role.CASE_WORKER)
    client.force_login(unhcr_manager)
    warm_up()

    # 16: two more than before entitlements, whatever the caseload: the entitlements prefetched for the
    # Entitlement column, and the eligible members counted for the grant hint. 3 for the VRF against the
    # manifests: the household's VRF numbers, their manifests, other households that presented them.
    with django_assert_num_queries(16 + 3 + LOG_ROW):
        response = client.get(case_url(unhcr_case))

    assert response.status_code == 200
    assert len(response.context["assistance"]) == 3

"""A whole UNHCR journey and a whole IOM journey, through the services."""

import datetime

from django.utils import timezone

from agencies.models import User
from returns.models import Assistance, AssistanceType, Case, Referral
from returns.services.cases import assistance_decide, assistance_record, case_transition
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card


def test_a_unhcr_case_goes_from_verification_to_closed(unhcr_officer, unhcr, torkham):
    worker = UserFactory(username="unhcr.worker.s", agency=unhcr, role=User.Role.CASE_WORKER, office=torkham)
    checker = UserFactory(username="unhcr.checker.s", agency=unhcr, role=User.Role.CASE_WORKER, office=torkham)
    # Arrived 100 days ago: past the 90 days after which the return supplement falls due.
    arrival = timezone.localdate() - datetime.timedelta(days=100)
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=arrival,
            members=[member(documents=[por_card()]), member(relationship="son", age=3, given_name="Omid")],
        ),
    )
    case = Case.objects.get(household=registered)
    assert (case.agency, case.stage, case.case_number) == (
        unhcr,
        "verification",
        f"VR-{registered.registration_number}",
    )

    head = registered.members.get(relationship="head")
    case = case_transition(
        case=case,
        transition_code="verify",
        actor=worker,
        data={"documents_checked": "on", f"iris_{head.public_id}": "clear"},
        expected_version=1,
    )
    assert case.stage == "encashment"

    grant = assistance_record(
        case=case,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency=unhcr, code="cash_grant"),
        delivered_on=timezone.localdate(),
        office=torkham,
    )
    assert (grant.value, grant.currency, grant.approval) == (750, "USD", Assistance.Approval.PENDING)
    assistance_decide(assistance=grant, decided_by=checker, approve=True)

    case = case_transition(case=case, transition_code="pay_grant", actor=worker)
    case = case_transition(
        case=case,
        transition_code="complete_services",
        actor=worker,
        data={"health_screening": "on", "mine_risk_awareness": "on"},
    )
    # Services done: the case waits for the return supplement (return monitoring is a sample, drawn apart).
    assert (case.stage, case.stage_due_date, case.closed_at) == (
        "supplement",
        arrival + datetime.timedelta(days=90),
        None,
    )

    supplement = assistance_record(
        case=case,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency=unhcr, code="return_supplement"),
        delivered_on=timezone.localdate(),
        office=torkham,
    )
    assert (supplement.value, supplement.currency, supplement.approval) == (700, "USD", Assistance.Approval.PENDING)
    assistance_decide(assistance=supplement, decided_by=checker, approve=True)

    case = case_transition(case=Case.objects.get(pk=case.pk), transition_code="close_after_supplement", actor=worker)
    assert (case.stage, case.outcome, case.closed_at is not None) == ("closed", "assisted", True)
    assert list(case.events.values_list("kind", "transition")) == [
        ("opened", ""),
        ("transition", "verify"),
        ("assistance_recorded", ""),
        ("assistance_approved", ""),
        ("transition", "pay_grant"),
        ("transition", "complete_services"),
        ("assistance_recorded", ""),
        ("assistance_approved", ""),
        ("transition", "close_after_supplement"),
    ]


def test_a_recycler_is_refused_the_grant_and_referred_to_iom(unhcr_officer, unhcr, iom, torkham):
    worker = UserFactory(username="unhcr.worker.r", agency=unhcr, role=User.Role.CASE_WORKER, office=torkham)
    registered = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )
    head = registered.members.get()
    case = Case.objects.get(household=registered)

    case = case_transition(
        case=case,
        transition_code="refuse_grant",
        actor=worker,
        data={f"iris_{head.public_id}": "previously_assisted", "note": "Iris matched a 2019 repatriation."},
    )

    assert (case.stage, case.outcome) == ("closed", "not_eligible")
    referral = Referral.objects.get(case=case)
    assert (referral.to_agency, referral.status) == (iom, "pending")

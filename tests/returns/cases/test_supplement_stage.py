"""A UNHCR case waits for the return supplement after the services, and closes when it is paid, or at
once when nothing is owed for the arrival date."""

import datetime
from decimal import Decimal

import pytest

from agencies.models import Office, User
from agencies.problems import Refused
from returns.models import Assistance, AssistanceType, Case
from returns.services.cases import assistance_decide, assistance_record, case_transition
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, vrf

D = datetime.date


@pytest.fixture
def workers(unhcr, torkham) -> tuple[User, User]:
    return (
        UserFactory(username="unhcr.cw.supp", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER),
        UserFactory(username="unhcr.checker.supp", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER),
    )


def at_supplement(officer, workers, *, arrival: datetime.date, members: int) -> Case:
    """A VolRep family of ``members`` on one VRF, verified, paid and served: at the supplement stage."""
    worker, checker = workers
    registered = household_register(
        registered_by=officer,
        registration=household(
            arrival_date=arrival,
            members=[
                member(
                    given_name=f"Person{index}",
                    relationship="head" if index == 0 else "son",
                    age=40 if index == 0 else 3,
                    documents=[vrf(number=f"VRF-SUPP-{arrival.isoformat()}")],
                )
                for index in range(members)
            ],
        ),
    )
    case = Case.objects.get(household=registered)
    head = registered.members.get(relationship="head")
    case = case_transition(
        case=case,
        transition_code="verify",
        actor=worker,
        data={"documents_checked": True, f"iris_{head.public_id}": "clear"},
    )
    grant = assistance_record(
        case=case,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="cash_grant"),
        delivered_on=arrival,
        office=Office.objects.get(code="ENG"),
    )
    assistance_decide(assistance=grant, decided_by=checker, approve=True)
    case = case_transition(case=case, transition_code="pay_grant", actor=worker)
    return case_transition(
        case=case,
        transition_code="complete_services",
        actor=worker,
        data={"health_screening": "on", "mine_risk_awareness": "on", "note": ""},
    )


@pytest.mark.django_db
def test_the_case_waits_for_the_supplement_and_closes_once_it_is_paid(unhcr_officer, workers):
    worker, checker = workers
    case = at_supplement(unhcr_officer, workers, arrival=D(2024, 1, 10), members=2)
    assert (case.stage, case.stage_due_date) == ("supplement", D(2024, 4, 9))

    with pytest.raises(Refused) as refused:
        case_transition(case=case, transition_code="close_after_supplement", actor=worker)
    assert [problem.message for problem in refused.value.problems["transition"]] == [
        "Pay the return supplement of 700.00 USD (due on 2024-04-09) and have a second person approve it first."
    ]
    assert Case.objects.get(pk=case.pk).stage == "supplement"

    supplement = assistance_record(
        case=case,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="return_supplement"),
        delivered_on=D(2024, 4, 15),
        office=Office.objects.get(code="ENG"),
    )
    assert (supplement.value, supplement.currency, supplement.approval) == (
        Decimal("700.00"),
        "USD",
        Assistance.Approval.PENDING,
    )
    assistance_decide(assistance=supplement, decided_by=checker, approve=True)
    closed = case_transition(case=Case.objects.get(pk=case.pk), transition_code="close_after_supplement", actor=worker)
    assert (closed.stage, closed.outcome) == ("closed", Case.Outcome.ASSISTED)


@pytest.mark.django_db
def test_an_arrival_before_the_supplement_existed_closes_at_once(unhcr_officer, workers):
    worker, _checker = workers
    case = at_supplement(unhcr_officer, workers, arrival=D(2022, 9, 1), members=1)
    closed = case_transition(case=case, transition_code="close_after_supplement", actor=worker)
    assert (closed.stage, closed.outcome) == ("closed", Case.Outcome.ASSISTED)
    grant = Assistance.objects.get(case=case)
    assert (grant.value, grant.currency) == (Decimal("375.00"), "USD")


@pytest.mark.django_db
def test_the_supplement_is_refused_before_it_falls_due_and_nothing_is_recorded(unhcr_officer, workers):
    worker, _checker = workers
    case = at_supplement(unhcr_officer, workers, arrival=D(2024, 1, 10), members=1)
    with pytest.raises(Refused) as refused:
        assistance_record(
            case=case,
            recorded_by=worker,
            assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="return_supplement"),
            delivered_on=D(2024, 4, 8),
            office=Office.objects.get(code="ENG"),
        )
    assert {path: [problem.code for problem in problems] for path, problems in refused.value.problems.items()} == {
        "delivered_on": ["supplement_not_due"]
    }
    assert Assistance.objects.filter(case=case, assistance_type__is_supplement=True).count() == 0

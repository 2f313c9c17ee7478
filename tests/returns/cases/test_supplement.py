"""The return supplement (migration 0009, arrivals from 1 January 2023): paid once per family about three
months after arrival, USD 700 for a family of two or more eligible members, USD 350 for one person; a family
returning in parts (households linked by one VRF number) gets 350 for its first part, 350 for its second and
nothing for a third, never more than 700 in all. It is cash: recorded pending, approved by a second person.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.models import User
from agencies.problems import Refused
from returns.models import Assistance, AssistanceType, Case, Family, Household
from returns.services.cases import assistance_decide, assistance_record
from returns.services.households import household_register
from returns.supplements import SupplementOwed, supplement_owed
from tests.factories import UserFactory, entitle, household, member, vrf

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


@pytest.fixture
def worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.t", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def checker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.checker.t", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


def volrep_part(officer, *, size: int, arrival: datetime.date, number: str = "VRF-PK-700001") -> Case:
    """A household of ``size`` on the VRF ``number``, verified with everyone eligible."""
    registered = household_register(
        registered_by=officer,
        registration=household(
            arrival_date=arrival,
            members=[
                member(
                    relationship="head" if index == 0 else "sibling",
                    given_name=f"Person{index}",
                    age=40 - index,
                    documents=[vrf(number=number)],
                )
                for index in range(size)
            ],
        ),
    )
    case = Case.objects.get(household=registered)
    entitle(case, decided_by=officer)
    return case


def supplement_type() -> AssistanceType:
    return AssistanceType.objects.get(agency__code="UNHCR", code="return_supplement")


def record_supplement(case: Case, by: User, **fields) -> Assistance:
    return assistance_record(
        case=case,
        recorded_by=by,
        assistance_type=supplement_type(),
        delivered_on=fields.pop("delivered_on", today()),
        office=case.office,
        **fields,
    )


def problems_of(error: Refused) -> dict:
    return {path: [(p.code, p.message) for p in found] for path, found in error.problems.items()}


def test_the_supplement_is_cash_from_the_supplement_rules():
    supplement = supplement_type()

    assert (supplement.is_supplement, supplement.is_cash, supplement.is_grant) == (True, True, False)


def test_a_family_in_one_part_gets_700_pending_then_approved(unhcr_officer, worker, checker):
    case = volrep_part(unhcr_officer, size=4, arrival=days_ago(100))

    owed = supplement_owed(case=case)
    paid = record_supplement(case, worker)
    approved = assistance_decide(assistance=paid, decided_by=checker, approve=True)

    assert owed == SupplementOwed(
        amount=Decimal("700.00"),
        currency="USD",
        due_on=days_ago(10),
        part=1,
        parts=1,
        already_paid=Decimal(0),
    )
    assert (paid.value, paid.currency, paid.approval, paid.needs_manager_approval) == (
        Decimal("700.00"),
        "USD",
        "pending",
        False,
    )
    assert (approved.approval, approved.approved_by) == ("approved", checker)


def test_a_single_returnee_gets_350(unhcr_officer, worker):
    case = volrep_part(unhcr_officer, size=1, arrival=days_ago(100))

    paid = record_supplement(case, worker)

    assert (paid.value, paid.currency, paid.approval) == (Decimal("350.00"), "USD", "pending")


def test_a_family_in_parts_gets_350_for_each_of_its_first_two_parts_and_nothing_for_a_third(
    unhcr_officer, worker, checker
):
    first = volrep_part(unhcr_officer, size=3, arrival=days_ago(120))
    second = volrep_part(unhcr_officer, size=2, arrival=days_ago(100), number=" vrf-pk-700001 ")
    third = volrep_part(unhcr_officer, size=2, arrival=days_ago(95))

    paid_first = record_supplement(first, worker)
    assistance_decide(assistance=paid_first, decided_by=checker, approve=True)
    paid_second = record_supplement(second, worker)  # pending: still counts as paid to the family
    owed_third = supplement_owed(case=third)
    before = list(Assistance.objects.values_list("pk", "value", "approval"))
    with pytest.raises(Refused) as refused:
        record_supplement(third, worker)

    family = Family.objects.get()
    assert (family.vrf_number, family.linked_by) == ("VRF-PK-700001", None)
    assert list(Household.objects.order_by("arrival_date").values_list("family", flat=True)) == [family.pk] * 3
    assert (paid_first.value, paid_second.value) == (Decimal("350.00"), Decimal("350.00"))
    assert (owed_third.amount, owed_third.part, owed_third.parts, owed_third.already_paid) == (
        Decimal(0),
        3,
        3,
        Decimal("700.00"),
    )
    assert problems_of(refused.value) == {
        "assistance_type": [
            (
                "supplement_paid",
                "Nothing is owed: the family's supplement was paid to its other parts (700.00 USD), "
                "or this is its third part or later.",
            )
        ],
    }
    assert list(Assistance.objects.values_list("pk", "value", "approval")) == before


def test_a_first_part_paid_700_before_the_second_arrived_leaves_nothing_for_it(unhcr_officer, worker):
    first = volrep_part(unhcr_officer, size=3, arrival=days_ago(120))
    paid_first = record_supplement(first, worker)  # alone then: a family in one part, 700
    second = volrep_part(unhcr_officer, size=2, arrival=days_ago(100))

    with pytest.raises(Refused) as refused:
        record_supplement(second, worker)

    assert paid_first.value == Decimal("700.00")
    assert [code for code, _message in problems_of(refused.value)["assistance_type"]] == ["supplement_paid"]
    assert Assistance.objects.count() == 1


def test_a_rejected_supplement_is_not_counted_as_paid(unhcr_officer, worker, checker):
    first = volrep_part(unhcr_officer, size=3, arrival=days_ago(120))
    rejected = record_supplement(first, worker)
    assistance_decide(assistance=rejected, decided_by=checker, approve=False, note="Counted twice.")
    second = volrep_part(unhcr_officer, size=2, arrival=days_ago(100))

    paid_second = record_supplement(second, worker)

    assert paid_second.value == Decimal("350.00")


def test_the_supplement_is_not_due_before_90_days_after_arrival(unhcr_officer, worker):
    early = volrep_part(unhcr_officer, size=2, arrival=days_ago(89), number="VRF-PK-700002")
    on_time = volrep_part(unhcr_officer, size=2, arrival=days_ago(90), number="VRF-PK-700003")

    with pytest.raises(Refused) as refused:
        record_supplement(early, worker)
    paid = record_supplement(on_time, worker)

    assert problems_of(refused.value) == {
        "delivered_on": [
            (
                "supplement_not_due",
                f"The supplement falls due on {(today() + datetime.timedelta(days=1)).isoformat()}, "
                "three months after arrival.",
            )
        ],
    }
    assert (paid.value, paid.delivered_on) == (Decimal("700.00"), today())
    assert Assistance.objects.count() == 1


def test_a_typed_amount_other_than_what_is_owed_is_refused(unhcr_officer, worker):
    case = volrep_part(unhcr_officer, size=4, arrival=days_ago(100))

    with pytest.raises(Refused) as refused:
        record_supplement(case, worker, value=Decimal("1000.00"), currency="USD")
    typed = record_supplement(case, worker, value=Decimal("700.00"), currency="usd")

    assert problems_of(refused.value) == {
        "value": [("supplement_amount", "The supplement owed is 700.00 USD (part 1 of 1).")]
    }
    assert (typed.value, typed.currency) == (Decimal("700.00"), "USD")


def test_no_supplement_for_arrivals_before_2023(unhcr_officer, worker):
    case = volrep_part(unhcr_officer, size=2, arrival=datetime.date(2022, 12, 31))

    with pytest.raises(Refused) as refused:
        record_supplement(case, worker)

    assert supplement_owed(case=case) is None
    assert problems_of(refused.value)["assistance_type"] == [
        ("no_supplement", "No return supplement was paid for arrivals on 2022-12-31.")
    ]

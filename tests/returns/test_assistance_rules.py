"""The rules of assistance as pure functions: what the services and the demo loader both decide with.

No database: each rule takes what the caller read (the agency's limit, the grant rates) and answers.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from returns.assistance_rules import (
    ApprovalRefusal,
    approval_on_record,
    approval_refusal,
    grant_for_members,
    grant_rate_on,
    manager_approval_needed,
    supplement_due,
    supplement_rule_on,
)
from returns.models import Assistance


@dataclass(frozen=True)
class Rate:
    valid_from: datetime.date
    valid_until: datetime.date | None
    amount_per_person: Decimal
    currency: str = "USD"
    unit: str = "person"


@dataclass(frozen=True)
class Supplement:
    valid_from: datetime.date
    valid_until: datetime.date | None
    family_amount: Decimal = Decimal("700.00")
    single_amount: Decimal = Decimal("350.00")
    part_amount: Decimal = Decimal("350.00")
    parts_paid: int = 2
    due_after_days: int = 90
    currency: str = "USD"


# The supplement from 1 January 2023, as migration 0009 loads it.
SUPPLEMENT = Supplement(datetime.date(2023, 1, 1), None)

# UNHCR's repatriation grant rates, as migration 0005 loads them.
RATES = [
    Rate(datetime.date(2010, 1, 1), datetime.date(2016, 12, 31), Decimal("100.00")),
    Rate(datetime.date(2017, 1, 1), datetime.date(2020, 7, 31), Decimal("200.00")),
    Rate(datetime.date(2020, 8, 1), datetime.date(2022, 12, 31), Decimal("250.00")),
    Rate(datetime.date(2023, 1, 1), None, Decimal("375.00")),
]


# ---------------------------------------------------------------------------------------------
# Which assistance waits for a second person
# ---------------------------------------------------------------------------------------------


def test_cash_is_recorded_waiting_for_approval():
    assert approval_on_record(is_cash=True) == Assistance.Approval.PENDING


def test_other_assistance_needs_no_approval():
    assert approval_on_record(is_cash=False) == Assistance.Approval.NOT_REQUIRED


# ---------------------------------------------------------------------------------------------
# The manager approval limit of the agency
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "needed"),
    [
        (Decimal("500.00"), "USD", False),  # at the limit: any second person
        (Decimal("500.01"), "USD", True),  # above it: a manager
        (Decimal("0"), "USD", False),
        (Decimal("100"), "AFN", True),  # another currency than the limit's cannot be compared
    ],
)
def test_cash_above_the_limit_or_in_another_currency_needs_a_manager(value, currency, needed):
    assert (
        manager_approval_needed(
            is_cash=True, value=value, currency=currency, limit=Decimal("500.00"), limit_currency="USD"
        )
        is needed
    )


def test_without_a_limit_any_second_person_approves():
    assert (
        manager_approval_needed(
            is_cash=True, value=Decimal("1000000"), currency="AFN", limit=None, limit_currency="USD"
        )
        is False
    )


def test_assistance_that_is_not_cash_never_needs_a_manager():
    assert (
        manager_approval_needed(is_cash=False, value=None, currency="", limit=Decimal("500"), limit_currency="USD")
        is False
    )
    assert (
        manager_approval_needed(
            is_cash=False, value=Decimal("9999"), currency="USD", limit=Decimal("500"), limit_currency="USD"
        )
        is False
    )


# ---------------------------------------------------------------------------------------------
# Who may approve: a second person, a manager above the limit
# ---------------------------------------------------------------------------------------------


def test_the_person_who_recorded_cash_may_not_approve_it_even_a_manager():
    assert (
        approval_refusal(recorded_by_id=7, approver_id=7, approver_is_manager=True, needs_manager_approval=False)
        == ApprovalRefusal.SELF_APPROVAL
    )
    # Recording it yourself is the first reason given, whatever the amount.
    assert (
        approval_refusal(recorded_by_id=7, approver_id=7, approver_is_manager=False, needs_manager_approval=True)
        == ApprovalRefusal.SELF_APPROVAL
    )


def test_above_the_limit_only_a_manager_may_approve():
    assert (
        approval_refusal(recorded_by_id=7, approver_id=8, approver_is_manager=False, needs_manager_approval=True)
        == ApprovalRefusal.MANAGER_REQUIRED
    )
    assert (
        approval_refusal(recorded_by_id=7, approver_id=8, approver_is_manager=True, needs_manager_approval=True) is None
    )


def test_within_the_limit_any_second_person_may_approve():
    assert (
        approval_refusal(recorded_by_id=7, approver_id=8, approver_is_manager=False, needs_manager_approval=False)
        is None
    )


def test_refusal_codes_are_the_codes_the_service_refuses_with():
    assert [refusal.value for refusal in ApprovalRefusal] == ["self_approval", "manager_required"]


# ---------------------------------------------------------------------------------------------
# Grant rates: the rate of the period, times the eligible members
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "amount"),
    [
        (datetime.date(2010, 1, 1), Decimal("100.00")),  # the first day of a period
        (datetime.date(2016, 12, 31), Decimal("100.00")),  # its last day
        (datetime.date(2017, 1, 1), Decimal("200.00")),
        (datetime.date(2022, 12, 31), Decimal("250.00")),
        (datetime.date(2023, 1, 1), Decimal("375.00")),
        (datetime.date(2031, 6, 15), Decimal("375.00")),  # an open-ended period
    ],
)
def test_the_rate_in_force_is_the_one_whose_period_covers_the_day(on, amount):
    assert grant_rate_on(rates=RATES, on=on).amount_per_person == amount


def test_no_rate_before_the_first_period():
    assert grant_rate_on(rates=RATES, on=datetime.date(2009, 12, 31)) is None
    assert grant_rate_on(rates=[], on=datetime.date(2024, 1, 1)) is None


def test_no_rate_in_a_gap_between_periods():
    rates = [RATES[0], RATES[2]]

    assert grant_rate_on(rates=rates, on=datetime.date(2018, 5, 1)) is None


def test_where_periods_overlap_the_latest_to_start_wins_whatever_the_order():
    overlapping = Rate(datetime.date(2024, 7, 1), None, Decimal("400.00"))

    assert grant_rate_on(rates=[overlapping, *RATES], on=datetime.date(2024, 7, 1)) is overlapping
    assert grant_rate_on(rates=[*RATES, overlapping], on=datetime.date(2024, 6, 30)) is RATES[3]


def test_the_grant_is_the_rate_times_the_eligible_members_in_the_rate_currency():
    assert grant_for_members(rate=RATES[3], eligible=6) == (Decimal("2250.00"), "USD")
    assert grant_for_members(rate=RATES[3], eligible=0) == (Decimal("0.00"), "USD")
    assert grant_for_members(rate=Rate(datetime.date(2024, 1, 1), None, Decimal("12500"), "AFN"), eligible=1) == (
        Decimal("12500"),
        "AFN",
    )


def test_a_rate_per_family_is_paid_once_whatever_the_number_eligible():
    per_family = Rate(datetime.date(2002, 3, 1), datetime.date(2002, 5, 28), Decimal("100.00"), unit="family")

    assert grant_for_members(rate=per_family, eligible=5) == (Decimal("100.00"), "USD")
    assert grant_for_members(rate=per_family, eligible=1) == (Decimal("100.00"), "USD")
    assert grant_for_members(rate=per_family, eligible=0) == (Decimal(0), "USD")


# ---------------------------------------------------------------------------------------------
# The return supplement: once per family, across its parts
# ---------------------------------------------------------------------------------------------


def test_the_supplement_rule_is_the_one_of_the_arrival_date():
    assert supplement_rule_on(rules=[SUPPLEMENT], arrival=datetime.date(2023, 1, 1)) is SUPPLEMENT
    assert supplement_rule_on(rules=[SUPPLEMENT], arrival=datetime.date(2022, 12, 31)) is None


@pytest.mark.parametrize(
    ("eligible", "part", "parts", "already_paid", "owed"),
    [
        (4, 1, 1, "0", "700.00"),  # a family in one part
        (2, 1, 1, "0", "700.00"),  # two eligible: a family
        (1, 1, 1, "0", "350.00"),  # one person
        (0, 1, 1, "0", "0"),  # nobody eligible
        (3, 1, 2, "0", "350.00"),  # first of two parts
        (3, 2, 2, "350.00", "350.00"),  # second part, the first paid its share
        (1, 2, 2, "350.00", "350.00"),  # a part of one person still gets the part amount
        (3, 3, 3, "700.00", "0"),  # a third part: nothing
        (3, 2, 2, "700.00", "0"),  # the first part was paid the whole family amount
        (3, 2, 2, "500.00", "200.00"),  # capped at the family amount
    ],
)
def test_the_supplement_is_paid_once_per_family(eligible, part, parts, already_paid, owed):
    assert supplement_due(
        rule=SUPPLEMENT, eligible=eligible, part=part, parts=parts, already_paid_to_family=Decimal(already_paid)
    ) == Decimal(owed)

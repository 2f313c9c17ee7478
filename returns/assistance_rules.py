"""The rules of assistance, as pure functions: which assistance waits for a second person's
approval, when that person must be a manager, what the repatriation grant comes to (per eligible
member, at the rate of the arrival date) and what the return supplement comes to (once per family).

The services decide with these (``assistance_record`` and ``grant_amount`` in
``returns.services.cases``; ``assistance_decide`` through ``returns.policy``), and so does the demo
loader (``returns.demo``), which writes the same rows with COPY: the two cannot disagree. Nothing
here reads the database; the caller passes in what it has read (the agency's limit, the grant
rates of the assistance type).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from returns.models import Assistance


class GrantRateTerms(Protocol):
    """What a grant rate says (a ``GrantRate`` row, or anything with the same fields)."""

    valid_from: datetime.date
    valid_until: datetime.date | None
    amount_per_person: Decimal
    currency: str


class SupplementTerms(Protocol):
    """What a supplement rule says (a ``SupplementRule`` row, or anything with the same fields)."""

    valid_from: datetime.date
    valid_until: datetime.date | None
    family_amount: Decimal
    single_amount: Decimal
    part_amount: Decimal
    parts_paid: int
    due_after_days: int
    currency: str


class ApprovalRefusal(StrEnum):
    """Why a person may not approve cash (the code the service refuses with)."""

    SELF_APPROVAL = "self_approval"  # the person who recorded it
    MANAGER_REQUIRED = "manager_required"  # above the agency's limit, and not a manager


def approval_on_record(*, is_cash: bool) -> Assistance.Approval:
    """The approval state assistance is recorded in: cash waits for a second person, the rest needs none."""
    return Assistance.Approval.PENDING if is_cash else Assistance.Approval.NOT_REQUIRED


def manager_approval_needed(
    *, is_cash: bool, value: Decimal | None, currency: str, limit: Decimal | None, limit_currency: str
) -> bool:
    """Whether this assistance waits for a manager rather than any second person.

    Cash above the agency's limit, or in another currency than the limit's (it cannot be compared),
    needs a manager; an agency without a limit lets any second person approve.
    """
    if not is_cash or limit is None:
        return False
    return currency != limit_currency or value is None or value > limit


def approval_refusal(
    *, recorded_by_id: int, approver_id: int | None, approver_is_manager: bool, needs_manager_approval: bool
) -> ApprovalRefusal | None:
    """Why this person may not approve the cash (None: they may, as far as maker-checker goes).

    The approver is a second person, never the one who recorded it; above the agency's limit, a
    manager. Whether their role may approve at all is the action policy's question, not this one.
    """
    if recorded_by_id == approver_id:
        return ApprovalRefusal.SELF_APPROVAL
    if needs_manager_approval and not approver_is_manager:
        return ApprovalRefusal.MANAGER_REQUIRED
    return None


def grant_rate_on[Rate: GrantRateTerms](*, rates: Iterable[Rate], on: datetime.date) -> Rate | None:
    """The grant rate in force on ``on``: its period covers the day (the latest to start, if periods overlap)."""
    covering = [
        rate for rate in rates if rate.valid_from <= on and (rate.valid_until is None or rate.valid_until >= on)
    ]
    return max(covering, key=lambda rate: rate.valid_from, default=None)


def grant_for_members(*, rate: GrantRateTerms, eligible: int) -> tuple[Decimal, str]:
    """The repatriation grant: the rate's amount for each eligible member (or once, for a rate per family)."""
    if getattr(rate, "unit", "person") == "family":
        return (rate.amount_per_person if eligible else Decimal(0)), rate.currency
    return rate.amount_per_person * eligible, rate.currency


def supplement_rule_on[Rule: SupplementTerms](*, rules: Iterable[Rule], arrival: datetime.date) -> Rule | None:
    """The supplement rule for a household arriving on ``arrival`` (None: no supplement for that date)."""
    return grant_rate_on(rates=rules, on=arrival)


def supplement_due(
    *,
    rule: SupplementTerms,
    eligible: int,
    part: int,
    parts: int,
    already_paid_to_family: Decimal,
) -> Decimal:
    """The supplement a household is owed: once per family, across the parts of a family returning in parts.

    ``part`` is this household's place (1, 2, ...) among the ``parts`` households of its family, by
    arrival. A family in one part gets the family amount (two or more eligible members) or the single
    amount; a family in parts gets the part amount for each of its first ``parts_paid`` parts and
    nothing for a later one. What the family was already paid counts: the total never exceeds the
    family amount (a first part paid in full before the second arrived leaves nothing for it).
    """
    if eligible == 0:
        return Decimal(0)
    if parts <= 1:
        owed = rule.family_amount if eligible >= 2 else rule.single_amount
    else:
        owed = rule.part_amount if part <= rule.parts_paid else Decimal(0)
    return max(Decimal(0), min(owed, rule.family_amount - already_paid_to_family))

"""The rules of assistance, as pure functions: which assistance waits for a second person's
approval, when that person must be a manager, and what the repatriation grant comes to.

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


def grant_for_household(*, rate: GrantRateTerms, members: int) -> tuple[Decimal, str]:
    """The repatriation grant for a household: the rate's amount per person times its members, in its currency."""
    return rate.amount_per_person * members, rate.currency

"""The return supplement a household is owed: once per family, across the parts of a family.

Read by the assistance service (``assistance_record`` checks the amount and the day) and by the UNHCR
workflow (a case waits in its supplement stage until the supplement is paid, or nothing is owed).
The rules are data (``SupplementRule``, by arrival date); the arithmetic is
``returns.assistance_rules.supplement_due``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from returns.assistance_rules import supplement_due, supplement_rule_on
from returns.models import Assistance, Case, Household, MemberEntitlement, SupplementRule


@dataclass(frozen=True)
class SupplementOwed:
    amount: Decimal
    currency: str
    due_on: datetime.date
    part: int
    parts: int
    already_paid: Decimal


def supplement_owed(*, case: Case) -> SupplementOwed | None:
    """The return supplement this household is owed, once per family across its parts (None: no rule for its date)."""
    household = case.household
    rule = supplement_rule_on(rules=SupplementRule.objects.all(), arrival=household.arrival_date)
    if rule is None:
        return None
    eligible = MemberEntitlement.objects.filter(case=case, decision=MemberEntitlement.Decision.ELIGIBLE).count()
    if household.family_id is None:
        part, parts, already_paid = 1, 1, Decimal(0)
    else:
        # A part withdrawn (registered in error) is no part; what was paid to it still counts below.
        family = list(
            Household.objects.not_withdrawn()
            .filter(family_id=household.family_id)
            .order_by("arrival_date", "id")
            .values_list("pk", flat=True)
        )
        part, parts = family.index(household.pk) + 1, len(family)
        already_paid = Assistance.objects.filter(
            case__household__family_id=household.family_id,
            assistance_type__is_supplement=True,
            approval__in=[Assistance.Approval.PENDING, Assistance.Approval.APPROVED],
            currency=rule.currency,
        ).exclude(case__household=household).aggregate(total=Sum("value"))["total"] or Decimal(0)
    amount = supplement_due(rule=rule, eligible=eligible, part=part, parts=parts, already_paid_to_family=already_paid)
    return SupplementOwed(
        amount=amount,
        currency=rule.currency,
        due_on=household.arrival_date + datetime.timedelta(days=rule.due_after_days),
        part=part,
        parts=parts,
        already_paid=already_paid,
    )

"""Households written straight to the table, for sampling tests, and the sample hash recomputed in Python."""

import datetime
import hashlib
import itertools
from decimal import Decimal

from django.utils import timezone

from agencies.models import Agency, Office, User
from returns.models import Case, Household, MonitoringInterview, MonitoringPlan

_numbers = itertools.count(1)


def in_sample(*, seed: str, public_id, rate) -> bool:
    """The draw's rule, computed independently of the SQL: the first 32 bits of md5(seed + id) over 2**32."""
    fraction = Decimal(int(hashlib.md5(f"{seed}{public_id}".encode()).hexdigest()[:8], 16)) / Decimal(2**32)  # noqa: S324 - sampling, not security
    return fraction < Decimal(str(rate))


def households_arrived(
    *, agency: Agency, registered_by: User, days_ago: int, count: int = 1, with_case: bool = False
) -> list[Household]:
    """``count`` households of ``agency`` that arrived ``days_ago`` days ago (one member each, not written)."""
    today = timezone.localdate()
    office = Office.objects.get(code="TKM")
    households = Household.objects.bulk_create(
        [
            Household(
                registration_number=f"TKM-2000-{next(_numbers):06d}",
                arrival_date=today - datetime.timedelta(days=days_ago),
                office=office,
                country_of_departure_id="PK",
                return_type_id="voluntary_repatriation",
                destination_province_id="AF06",
                phone="0700123456",
                registered_by=registered_by,
                routed_agency=agency,
                category="registered_refugee" if agency.code == "UNHCR" else "undocumented",
                routing_reason="Written by the test.",
                member_count=1,
            )
            for _index in range(count)
        ]
    )
    if with_case:
        Case.objects.bulk_create(
            Case(
                case_number=f"VR-{saved.registration_number}",
                household=saved,
                agency=agency,
                office=office,
                workflow="unhcr_voluntary_repatriation",
                stage="closed",
                closed_at=timezone.now(),
                outcome=Case.Outcome.ASSISTED,
            )
            for saved in households
        )
    return households


def plan_of(code: str) -> MonitoringPlan:
    return MonitoringPlan.objects.get(agency__code=code)


def plan_set(code: str, **fields) -> MonitoringPlan:
    plan = plan_of(code)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    return plan


def drawn_ids(code: str = "UNHCR") -> set[int]:
    return set(MonitoringInterview.objects.filter(plan=plan_of(code)).values_list("household_id", flat=True))


def interview_for(household: Household) -> MonitoringInterview:
    """A pending interview for ``household``, drawn today by its agency's plan."""
    plan = MonitoringPlan.objects.get(agency_id=household.routed_agency_id)
    return MonitoringInterview.objects.create(
        household=household,
        agency_id=household.routed_agency_id,
        plan=plan,
        case=Case.objects.filter(household=household, agency_id=household.routed_agency_id).first(),
        drawn_on=timezone.localdate(),
        due_by=household.arrival_date + datetime.timedelta(days=plan.window_until_days),
    )


def completed_answers(**changes) -> dict:
    """A completed interview with consent, as the service reads it."""
    answers = {
        "status": "completed",
        "method": "phone",
        "interviewed_on": timezone.localdate(),
        "consent": True,
        "current_province": "AF06",
        "current_district": "AF0617",
        "shelter": "rented",
        "work": "daily_labour",
        "documents": ["tazkira"],
        "intends_to_stay": "yes",
        "needs": ["livelihood", "health"],
        "note": "Reached on the second call.",
    }
    answers.update(changes)
    return answers

"""Reads of cases. Every one starts from ``Case.objects.visible_to(user)`` (or the referral gate)."""

import datetime
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Concat, TruncWeek
from django.shortcuts import get_object_or_404

from agencies.models import Office, User
from agencies.roles import CASE_STAFF
from returns.filters.cases import CaseFilter
from returns.models import Assistance, Case, CaseEvent, Household, Member, Referral
from returns.selectors.households import household_with_members

CASE_LIST_RELATED = ("household", "agency", "office", "assigned_to")


def with_head_name(queryset):
    """Annotate ``head_name`` (the head of household's name) with one subquery, not a query per row."""
    head = Member.objects.filter(household_id=OuterRef("household_id"), relationship=Member.Relationship.HEAD)
    return queryset.annotate(
        head_name=Subquery(head.annotate(full=Concat("given_name", Value(" "), "fathers_name")).values("full")[:1])
    )


def colleagues(user):
    """The people of the manager's agency who can take cases (``returns.policy.may_be_assigned``, as a query)."""
    return User.objects.filter(agency_id=user.agency_id, role__in=CASE_STAFF, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def caseload_filter(user, query) -> CaseFilter:
    """The caseload's filter of cases for these query parameters (its page, its exports, their jobs):
    open cases unless a filter is given, the page's choices of assignee and office."""
    params = query.copy()
    if not any(key in params for key in ("q", "stage", "office", "assigned_to", "unassigned", "overdue", "open")):
        params["open"] = "true"  # the caseload is about open cases unless the manager asks otherwise
    case_filterset = case_filter(user=user, params=params)
    # A name outside these choices is ignored (the page offers only these).
    case_filterset.filters["assigned_to"].queryset = colleagues(user)
    case_filterset.filters["office"].queryset = Office.objects.filter(is_active=True)
    return case_filterset


def case_filter(*, user, params) -> CaseFilter:
    queryset = with_head_name(Case.objects.visible_to(user).select_related(*CASE_LIST_RELATED))
    return CaseFilter(params, queryset=queryset)


def case_get(*, user, public_id) -> Case:
    """One case with everything its page shows, in a fixed number of queries; 404 if not visible.

    ``household_visible``: whether the user may also open the household's page. Usually so, but a
    case stays visible to its agency after the household is re-routed away from it.
    """
    queryset = (
        Case.objects.visible_to(user)
        .annotate(household_visible=Exists(Household.objects.visible_to(user).filter(pk=OuterRef("household_id"))))
        .select_related("agency", "office__province", "office__district", "assigned_to")
        .prefetch_related(
            # The household is prefetched (not joined) so that its members, documents and needs come with it.
            Prefetch(
                "household",
                queryset=household_with_members(
                    Household.objects.select_related("office", "destination_province", "return_type")
                ),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch(
                "assistance",
                queryset=Assistance.objects.select_related("assistance_type", "member", "recorded_by", "approved_by"),
            ),
            Prefetch("referrals", queryset=Referral.objects.select_related("to_agency", "from_agency", "member")),
            "verifications",
            "entitlements",
        )
    )
    return get_object_or_404(queryset, public_id=public_id)


def my_cases(*, user, today: datetime.date):
    """Open cases assigned to the user, most urgent first."""
    return with_head_name(
        Case.objects.visible_to(user)
        .open()
        .filter(assigned_to=user)
        .select_related("household", "office")
        .order_by("stage_due_date", "id")
    )


def caseload_counts(*, cases, today: datetime.date) -> list[dict]:
    """Open cases per stage and office, counted in SQL: [{stage, office_id, total, overdue}]."""
    return list(
        cases.filter(closed_at__isnull=True)
        .order_by()
        .values("stage", "office_id")
        .annotate(total=Count("id"), overdue=Count("id", filter=Q(stage_due_date__lt=today)))
    )


def arrivals_per_week(*, user, weeks: int, today: datetime.date) -> list[dict]:
    """Households routed to the user's agency, by week of arrival, for the last ``weeks`` weeks.

    Counted on households (index on agency and arrival date), not through cases: a join to every
    case of the agency would read them all.
    """
    start = today - datetime.timedelta(weeks=weeks)
    return list(
        Household.objects.visible_to(user)
        .filter(routed_agency_id=user.agency_id, arrival_date__gt=start, arrival_date__lte=today)
        .order_by()
        .annotate(week=TruncWeek("arrival_date"))
        .values("week")
        .annotate(households=Count("id"), people=Sum("member_count"))
        .order_by("week")
    )


def referrals_received(*, user):
    return Referral.objects.visible_to(user).filter(to_agency_id=user.agency_id).select_related("from_agency", "case")


def follow_up_counts(*, user, today: datetime.date) -> dict:
    """The flag follow-ups of the user's agency, counted in SQL in one query.

    ``received_*``: addressed to the agency (work it must do); ``made_*``: made from its cases
    (work it waits for). Open: pending or accepted. Overdue: still pending after the due date,
    counted from the date, so the figure is right before the nightly check has marked them.
    """
    agency_id = user.agency_id
    received, made = Q(to_agency_id=agency_id), Q(from_agency_id=agency_id)
    is_open = Q(status__in=Referral.OPEN_STATUSES)
    is_overdue = Q(status=Referral.Status.PENDING, due_date__lt=today)
    return (
        Referral.objects.visible_to(user)
        .filter(received | made, follow_up__isnull=False)
        .aggregate(
            received_open=Count("id", filter=received & is_open),
            received_overdue=Count("id", filter=received & is_overdue),
            made_open=Count("id", filter=made & is_open),
            made_overdue=Count("id", filter=made & is_overdue),
        )
    )


class HouseholdCases(NamedTuple):
    cases: list[Case]
    referrals: list[Referral]


def household_cases(*, user, household: Household) -> HouseholdCases:
    """The household's cases (one per agency) and referrals that this user may see: two queries,
    however many there are.

    Each referral carries ``linked_case``: the case it was made from, or else the case it opened
    at the receiving agency, whichever of them the user may see; ``None`` when neither (a referral
    addressed to the user's agency, not yet accepted, stays unlinked: the referring case is the
    other agency's).
    """
    cases = list(
        Case.objects.visible_to(user).filter(household=household).select_related("agency").order_by("opened_at", "id")
    )
    referrals = list(
        Referral.objects.visible_to(user)
        .filter(case__household=household)
        .select_related("from_agency", "to_agency")
        .order_by("created_at", "id")
    )
    by_pk = {case.pk: case for case in cases}
    opened_by = {case.opened_by_referral_id: case for case in cases if case.opened_by_referral_id}
    for referral in referrals:
        referral.linked_case = by_pk.get(referral.case_id) or opened_by.get(referral.pk)
    return HouseholdCases(cases=cases, referrals=referrals)

"""Reads of the registry. Every one starts from ``Household.objects.visible_to(user)``."""

import datetime

from django.db.models import OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Concat, Trim
from django.shortcuts import get_object_or_404

from returns.filters.households import DeletedRecordFilter, HouseholdApiFilter, HouseholdFilter
from returns.models import Assistance, DeletedRecord, Household, HouseholdEvent, Member, MemberDocument

# The officer's own registrations a tablet keeps for looking up without a connection.
RECENT_DAYS = 7
RECENT_MAX = 100

LIST_RELATED = ("routed_agency", "office", "destination_province", "return_type", "country_of_departure")
# What the households list page shows of each household's related rows (its exports read values).
PAGE_RELATED = ("routed_agency", "office", "destination_province")


def household_filter(*, user, params) -> HouseholdFilter:
    """The filter form over the households this user may see (``.qs`` is the filtered list)."""
    queryset = Household.objects.visible_to(user).select_related(*PAGE_RELATED)
    return HouseholdFilter(params, queryset=queryset, user=user)


def household_api_filter(*, user, params) -> HouseholdApiFilter:
    """The API's filters (with ``updated_since``) over the households this user may see."""
    queryset = Household.objects.visible_to(user).select_related(*LIST_RELATED)
    return HouseholdApiFilter(params, queryset=queryset, user=user)


def household_with_members(queryset, *, documents: bool = True, specific_needs: bool = True):
    """Load members, their documents and needs, in a fixed number of queries.

    ``documents`` and ``specific_needs`` False leave out what a partner is not given.
    """
    members = Member.objects.order_by("id")
    if documents:
        members = members.prefetch_related(
            Prefetch(
                "documents",
                queryset=MemberDocument.objects.select_related("document_type", "issuing_country").order_by("id"),
            )
        )
    if specific_needs:
        members = members.prefetch_related("specific_needs")
    return queryset.prefetch_related(Prefetch("members", queryset=members))


def household_for_answer(
    queryset, *, members: bool = True, documents: bool = True, specific_needs: bool = True, routing: bool = True
):
    """Load what the API answers about households, leaving out what a partner is not given."""
    if routing:
        queryset = queryset.select_related("routing_rule", "family")
    if members:
        queryset = household_with_members(queryset, documents=documents, specific_needs=specific_needs)
    return queryset


def household_api_get(*, user, public_id, **shared) -> Household:
    """One household as the API answers it (``shared``: see ``household_for_answer``), or 404."""
    queryset = Household.objects.visible_to(user).select_related(*LIST_RELATED)
    return get_object_or_404(household_for_answer(queryset, **shared), public_id=public_id)


def household_visible(*, user, public_id) -> Household:
    """A household this user may see (no related rows), or 404: what a service is handed."""
    return get_object_or_404(Household.objects.visible_to(user), public_id=public_id)


def household_get(*, user, public_id) -> Household:
    """One household with members, documents, needs and history, or 404 if this user may not see it."""
    queryset = household_with_members(
        Household.objects.visible_to(user).select_related(
            *LIST_RELATED,
            "office__province",
            "office__district",
            "destination_district",
            "registered_by",
            "routing_rule__rule_set",
            "family",
        )
    ).prefetch_related(
        Prefetch("events", queryset=HouseholdEvent.objects.select_related("actor", "from_agency", "to_agency"))
    )
    return get_object_or_404(queryset, public_id=public_id)


def family_parts(*, user, household: Household) -> list[Household]:
    """The parts of the household's family this user may see, in the order they arrived (empty: no family link)."""
    if household.family_id is None:
        return []
    return list(
        Household.objects.visible_to(user)
        .filter(family_id=household.family_id)
        .order_by("arrival_date", "id")
        .only("pk", "public_id", "registration_number", "arrival_date")
    )


def deleted_record_filter(*, user, resource: str, params) -> DeletedRecordFilter:
    """Tombstones of ``resource`` (households or cases) of the agencies this user may see."""
    queryset = DeletedRecord.objects.visible_to(user).filter(resource=resource)
    return DeletedRecordFilter(params, queryset=queryset)


def household_assisted(*, household: Household) -> bool:
    """Whether any assistance was recorded for the household, at any agency (a household the caller
    already reached through the gate): what withdrawing it then requires."""
    return Assistance.objects.filter(case__household=household).exists()


def households_registered_recently(*, user, now: datetime.datetime):
    """The households this user registered in the last ``RECENT_DAYS`` days (``RECENT_MAX`` at most,
    newest first), with the head's names in both scripts: what the registration page keeps for
    looking up without a connection."""
    return (
        Household.objects.visible_to(user)
        .filter(registered_by_id=user.pk, created_at__gte=now - datetime.timedelta(days=RECENT_DAYS))
        .select_related("routed_agency", "office")
        .annotate(
            head_name=head_name("given_name", "fathers_name", "family_name"),
            head_name_local=head_name("given_name_local", "fathers_name_local", "family_name_local"),
        )
        .order_by("-created_at", "-id")[:RECENT_MAX]
    )


def head_name(*parts: str):
    """The head of household's full name, as one subquery of a list (never one query per row)."""
    joined = []
    for part in parts:
        joined += [part, Value(" ")]
    return Subquery(
        # One head per household (a constraint): no order to sort by, so no join to the household for one.
        Member.objects.filter(household_id=OuterRef("pk"), relationship=Member.Relationship.HEAD)
        .order_by()
        .values_list(Trim(Concat(*joined[:-1])), flat=True)[:1]
    )

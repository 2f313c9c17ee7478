"""Reads of the registry. Every one starts from ``Household.objects.visible_to(user)``."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from returns.filters import HouseholdFilter
from returns.models import Household, HouseholdEvent, Member, MemberDocument

LIST_RELATED = ("routed_agency", "office", "destination_province", "return_type", "country_of_departure")


def household_filter(*, user, params) -> HouseholdFilter:
    """The filter form over the households this user may see (``.qs`` is the filtered list)."""
    queryset = Household.objects.visible_to(user).select_related(*LIST_RELATED)
    return HouseholdFilter(params, queryset=queryset, user=user)


def household_with_members(queryset):
    """Load members, their documents and needs, in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch(
            "members",
            queryset=Member.objects.order_by("id").prefetch_related(
                Prefetch(
                    "documents",
                    queryset=MemberDocument.objects.select_related("document_type", "issuing_country").order_by("id"),
                ),
                "specific_needs",
            ),
        )
    )


def household_get(*, user, public_id) -> Household:
    """One household with members, documents, needs and history, or 404 if this user may not see it."""
    queryset = household_with_members(
        Household.objects.visible_to(user).select_related(
            *LIST_RELATED, "destination_district", "registered_by", "routing_rule"
        )
    ).prefetch_related(
        Prefetch("events", queryset=HouseholdEvent.objects.select_related("actor", "from_agency", "to_agency"))
    )
    return get_object_or_404(queryset, public_id=public_id)

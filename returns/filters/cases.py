"""Case filters, shared by the caseload page and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.api.access import NOTHING, STAFF_ONLY
from agencies.api.pagination import SyncTimeFilter
from agencies.models import Office, User
from returns.models import Case
from returns.workflows import all_workflows


def stage_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for workflow in all_workflows().values():
        for code, label in workflow.stage_choices():
            seen.setdefault(code, label)
    return list(seen.items())


class CaseFilter(django_filters.FilterSet):
    """The caseload's filters; ``partner_reveals`` as on ``HouseholdFilter``."""

    q = django_filters.CharFilter(label=_("Case or registration number"), method="filter_number")
    stage = django_filters.ChoiceFilter(choices=stage_choices, label=_("Stage"))
    office = django_filters.ModelChoiceFilter(to_field_name="code", queryset=Office.objects.all(), label=_("Office"))
    assigned_to = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), to_field_name="username", label=_("Assigned to")
    )
    unassigned = django_filters.BooleanFilter(field_name="assigned_to", lookup_expr="isnull", label=_("Unassigned"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    open = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull", label=_("Open"))
    arrival_from = django_filters.DateFilter(
        field_name="household__arrival_date", lookup_expr="gte", label=_("Arrived from")
    )
    arrival_to = django_filters.DateFilter(
        field_name="household__arrival_date", lookup_expr="lte", label=_("Arrived until")
    )
    updated_since = SyncTimeFilter(field_name="updated_at", lookup_expr="gte", label=_("Updated since"))

    class Meta:
        model = Case
        fields = ["q", "stage", "office", "assigned_to", "unassigned", "overdue", "open", "arrival_from", "arrival_to"]

    partner_reveals = {
        "q": frozenset({"case.case_number", "household.registration_number"}),
        "stage": frozenset({"case.stage"}),
        "office": STAFF_ONLY,  # the case's office is never shared
        "assigned_to": STAFF_ONLY,  # a username: would tell a key which usernames exist
        "unassigned": STAFF_ONLY,
        "overdue": frozenset({"case.overdue"}),
        "open": STAFF_ONLY,  # closed_at is never shared
        "arrival_from": frozenset({"household.arrival_date"}),
        "arrival_to": frozenset({"household.arrival_date"}),
        "updated_since": NOTHING,
    }

    def filter_number(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(case_number__iexact=value) | Q(household__registration_number__iexact=value))

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = Q(closed_at__isnull=True, stage_due_date__lt=today)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

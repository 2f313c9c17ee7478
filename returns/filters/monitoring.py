"""Monitoring queue filters, shared by the queue page and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.api.pagination import SyncTimeFilter
from agencies.filters import CalendarDateFilter
from agencies.models import Office, Province
from returns.models import MonitoringInterview


class MonitoringInterviewFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Registration number"), method="filter_number")
    status = django_filters.ChoiceFilter(choices=MonitoringInterview.Status.choices, label=_("Status"))
    office = django_filters.ModelChoiceFilter(
        field_name="household__office",
        to_field_name="code",
        queryset=Office.objects.all(),
        label=_("Registered at (office code)"),
    )
    province = django_filters.ModelChoiceFilter(
        field_name="household__destination_province",
        queryset=Province.objects.all(),
        label=_("Province of destination (P-code)"),
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    drawn_from = CalendarDateFilter(field_name="drawn_on", lookup_expr="gte", label=_("Drawn from"))
    drawn_to = CalendarDateFilter(field_name="drawn_on", lookup_expr="lte", label=_("Drawn until"))
    updated_since = SyncTimeFilter(field_name="updated_at", lookup_expr="gte", label=_("Updated since"))

    class Meta:
        model = MonitoringInterview
        fields = ["q", "status", "office", "province", "overdue", "drawn_from", "drawn_to"]

    def filter_number(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(household__registration_number__iexact=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=MonitoringInterview.WAITING, due_by__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

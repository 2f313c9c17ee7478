"""The access log's search: what a manager or an auditor asks of it."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.fields import CalendarDateField
from agencies.models import AccessLogEntry, Agency


class CalendarDateFilter(django_filters.DateFilter):
    """A date filter that reads the Solar Hijri calendar too (1404/01/01), on pages and in the API."""

    field_class = CalendarDateField


class AccessLogFilter(django_filters.FilterSet):
    record = django_filters.UUIDFilter(
        label=_("Record id"),
        method="filter_record",
        help_text=_(
            "The id of a household, person, case, referral, assistance or interview, as pages and exports show it."
        ),
    )
    actor = django_filters.CharFilter(
        label=_("Who"), field_name="actor", lookup_expr="iexact", help_text=_("A username, or a key's prefix.")
    )
    agency = django_filters.ModelChoiceFilter(label=_("Organisation"), queryset=Agency.objects.order_by("code"))
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AccessLogEntry.Action.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind of record"), choices=AccessLogEntry.Kind.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=AccessLogEntry.Channel.choices)
    endpoint = django_filters.CharFilter(
        label=_("Page or endpoint"),
        field_name="endpoint",
        lookup_expr="icontains",
        help_text=_("e.g. household-detail"),
    )
    address = django_filters.CharFilter(label=_("Address"), method="filter_address")
    since = CalendarDateFilter(
        label=pgettext_lazy("first day of a period", "From"),
        method="filter_since",
    )
    until = CalendarDateFilter(
        label=pgettext_lazy("last day of a period", "To"),
        method="filter_until",
    )

    class Meta:
        model = AccessLogEntry
        fields: list[str] = []

    def filter_record(self, queryset, name, value):
        return queryset.touching(value)

    def filter_address(self, queryset, name, value):
        # An address that is not one matches nothing (the column holds only addresses).
        try:
            forms.GenericIPAddressField().clean(value)
        except forms.ValidationError:
            return queryset.none()
        return queryset.filter(address=value)

    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(at__lt=_start_of(value + datetime.timedelta(days=1)))


def _start_of(day: datetime.date) -> datetime.datetime:
    # Days are the operation's (TIME_ZONE, Kabul); the log is kept in UTC.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

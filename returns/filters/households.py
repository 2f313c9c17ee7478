"""The household filters, shared by the list page and the API, and the API's own (sync, tombstones)."""

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.api.access import NOTHING, STAFF_ONLY
from agencies.api.pagination import SyncTimeFilter
from agencies.fields import QuickSelect
from agencies.filters import CalendarDateFilter
from agencies.models import Agency, Country, Office, Province, User
from returns.models import Category, DeletedRecord, Household, ReturnType

# The fields the search box (``q``, ``returns.search``) reads: a key may search only if its agreement
# shares them all (names in both scripts, documents' numbers, the phone).
NAME_SEARCH = frozenset(
    {
        "household.registration_number",
        "household.members",
        "household.phone",
        "member.given_name",
        "member.fathers_name",
        "member.family_name",
        "member.given_name_local",
        "member.fathers_name_local",
        "member.family_name_local",
        "member.documents",
    }
)


class _CodeListChoices(django_filters.fields.ModelChoiceIterator):
    """A code list's options (a few dozen rows) read in one query: Django's iterator opens a server-side
    cursor for them, three round trips to the database for each select of the filter form."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for choice in list(self.queryset):
            yield self.choice(choice)


class _CodeListField(django_filters.fields.ModelChoiceField):
    iterator = _CodeListChoices


class CodeListFilter(django_filters.ModelChoiceFilter):
    """A choice of one row of a code list (agencies, offices, provinces, return types), shown as a
    ``QuickSelect``."""

    field_class = _CodeListField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=QuickSelect, **kwargs)


class HouseholdFilter(django_filters.FilterSet):
    """The households list's filters.

    ``partner_reveals``: which agreement fields each filter reveals to a partner's key
    (``agencies.api.access.refuse_unshared_filters``); a filter added without an entry is refused
    to every key, and ``tests/partner_api/test_filters.py`` fails until it has one."""

    class Scope(models.TextChoices):
        OFFICE = "office", _("My office")
        AGENCY = "agency", _("My agency")

    q = django_filters.CharFilter(label=_("Name or registration number"), method="filter_text")
    agency = CodeListFilter(
        field_name="routed_agency",
        to_field_name="code",
        queryset=Agency.objects.filter(receives_routed_households=True),
        label=_("Agency"),
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"), widget=QuickSelect)
    office = CodeListFilter(to_field_name="code", queryset=Office.objects.all(), label=_("Crossing point or office"))
    return_type = CodeListFilter(queryset=ReturnType.objects.all(), label=_("Return type"))
    province = CodeListFilter(
        field_name="destination_province", queryset=Province.objects.all(), label=_("Province of destination")
    )
    arrival_from = CalendarDateFilter(field_name="arrival_date", lookup_expr="gte", label=_("Arrived from"))
    arrival_to = CalendarDateFilter(field_name="arrival_date", lookup_expr="lte", label=_("Arrived until"))
    scope = django_filters.ChoiceFilter(
        choices=Scope.choices, method="filter_scope", empty_label=None, label=_("Show households of")
    )

    class Meta:
        model = Household
        fields = ["q", "agency", "category", "office", "return_type", "province", "arrival_from", "arrival_to", "scope"]

    partner_reveals = {
        "q": NAME_SEARCH,  # HouseholdQuerySet.search
        "agency": NOTHING,
        "category": frozenset({"household.category"}),
        "office": frozenset({"household.office"}),
        "return_type": frozenset({"household.return_type"}),
        "province": frozenset({"household.destination_province"}),
        "arrival_from": frozenset({"household.arrival_date"}),
        "arrival_to": frozenset({"household.arrival_date"}),
        "scope": STAFF_ONLY,  # a field officer's own office
    }

    def __init__(self, data=None, *args, user=None, **kwargs):
        self.user = user
        super().__init__(data, *args, **kwargs)

    def filter_queryset(self, queryset):
        """Every filter, then the search box last: the search reads the households it found through
        the whole list's conditions at once (``returns.search``), and ranks only those."""
        cleaned = self.form.cleaned_data
        for name, value in cleaned.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        # A field officer sees their own office's households unless they widen to the agency.
        if "scope" not in self.data and self._office_scoped_by_default():
            queryset = queryset.filter(Q(office_id=self.user.office_id) | Q(registered_by_id=self.user.pk))
        if "q" in cleaned:
            queryset = self.filters["q"].filter(queryset, cleaned["q"])
        return queryset

    def _office_scoped_by_default(self) -> bool:
        user = self.user
        return user is not None and user.role == User.Role.FIELD_OFFICER and user.office_id is not None

    def filter_scope(self, queryset, name, value):
        if value == self.Scope.OFFICE and self.user is not None and self.user.office_id is not None:
            return queryset.filter(Q(office_id=self.user.office_id) | Q(registered_by_id=self.user.pk))
        return queryset

    def filter_text(self, queryset, name, value):
        return queryset.search(value)


class HouseholdApiFilter(HouseholdFilter):
    """The page's filters, plus what API clients need: country of departure and incremental sync."""

    country_of_departure = django_filters.ModelChoiceFilter(
        queryset=Country.objects.all(), label=_("Country of departure (ISO code)")
    )
    district = django_filters.CharFilter(field_name="destination_district_id", label=_("District of destination"))
    updated_since = SyncTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Changed at or after (ISO 8601); the list is then ordered oldest change first"),
    )

    class Meta(HouseholdFilter.Meta):
        fields = [*HouseholdFilter.Meta.fields, "country_of_departure", "district", "updated_since"]

    partner_reveals = {
        **HouseholdFilter.partner_reveals,
        "country_of_departure": frozenset({"household.country_of_departure"}),
        "district": frozenset({"household.destination_district"}),
        "updated_since": NOTHING,  # updated_at: every key receives it
    }


class DeletedRecordFilter(django_filters.FilterSet):
    since = SyncTimeFilter(
        field_name="deleted_at", lookup_expr="gte", label=_("Deleted or merged at or after (ISO 8601)")
    )
    reason = django_filters.ChoiceFilter(choices=DeletedRecord.Reason.choices, label=_("Reason"))

    class Meta:
        model = DeletedRecord
        fields = ["since", "reason"]

    # A tombstone carries no personal data: every key with the scope may filter it.
    partner_reveals = {"since": NOTHING, "reason": NOTHING}

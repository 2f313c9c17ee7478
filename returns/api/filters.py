"""Filters of the API that the pages do not share (cases use ``returns.filters.cases.CaseFilter``): referrals and
reference data."""

import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.api.access import NOTHING
from agencies.api.pagination import SyncTimeFilter
from agencies.models import Agency, Country, District, Office, Province
from returns.models import AssistanceType, DocumentType, NeedCode, Referral, ReturnType


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Referral.Status.choices, label=_("Status"))
    service = django_filters.ChoiceFilter(choices=Referral.Service.choices, label=_("Service"))
    updated_since = SyncTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Changed at or after (ISO 8601); oldest change first")
    )
    direction = django_filters.ChoiceFilter(
        choices=[("made", _("Made by my agency")), ("received", _("Addressed to my agency"))],
        method="filter_direction",
        label=_("Direction"),
    )

    class Meta:
        model = Referral
        fields = ["status", "service", "direction", "updated_since"]

    # The referral's own status, service and times: given to every key it is addressed to.
    partner_reveals = dict.fromkeys(["status", "service", "direction", "updated_since"], NOTHING)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_direction(self, queryset, name, value):
        agency_id = getattr(self.user, "agency_id", None)
        if value == "made":
            return queryset.filter(from_agency_id=agency_id)
        return queryset.filter(to_agency_id=agency_id)


# ---------------------------------------------------------------------------------------------
# Reference data: no one's personal data, so every filter is open to every key.
# ---------------------------------------------------------------------------------------------


class ReferenceFilterSet(django_filters.FilterSet):
    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        cls.partner_reveals = dict.fromkeys(filters, NOTHING)
        return filters


class AgencyFilter(ReferenceFilterSet):
    class Meta:
        model = Agency
        fields = ["kind", "receives_routed_households"]


class OfficeFilter(ReferenceFilterSet):
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    province = django_filters.CharFilter(field_name="province_id", label=_("Province P-code"))

    class Meta:
        model = Office
        fields = ["kind", "agency", "province", "is_active"]


class ProvinceFilter(ReferenceFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name contains"))

    class Meta:
        model = Province
        fields = ["name"]


class DistrictFilter(ReferenceFilterSet):
    province = django_filters.CharFilter(field_name="province_id", label=_("Province P-code"))

    class Meta:
        model = District
        fields = ["province"]


class CountryFilter(ReferenceFilterSet):
    class Meta:
        model = Country
        fields = ["is_common_departure"]


class DocumentTypeFilter(ReferenceFilterSet):
    class Meta:
        model = DocumentType
        fields = ["routing_class", "has_expiry"]


class ReturnTypeFilter(ReferenceFilterSet):
    class Meta:
        model = ReturnType
        fields = ["is_forced"]


class NeedCodeFilter(ReferenceFilterSet):
    class Meta:
        model = NeedCode
        fields = ["scheme", "is_active"]


class AssistanceTypeFilter(ReferenceFilterSet):
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))

    class Meta:
        model = AssistanceType
        fields = ["agency", "is_cash", "is_grant", "is_active"]

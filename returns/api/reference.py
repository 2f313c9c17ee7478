"""Reference data over the API: agencies, offices, places and code lists, read-only.

Any member of staff, and any valid partner key (whatever its scopes), may read them: they hold no
personal data, and a partner needs them to make sense of the codes in households and cases.
Each list is cursor-paginated in the order of its code (or id), with a few filters.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from agencies.api.access import ANY_KEY
from agencies.api.base import ApiView
from agencies.api.openapi import INVALID_FILTER, READ_ERRORS, with_errors
from agencies.api.pagination import StableCursorPagination
from agencies.models import Agency, Country, District, Office, Province
from returns.api import filters
from returns.models import (
    AssistanceType,
    CardValidityDecree,
    DocumentType,
    GrantRate,
    NeedCode,
    ReturnType,
    RoutingRule,
    RoutingRuleSet,
    SupplementRule,
)

TAGS = ["reference data"]


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "name", "name_fa", "name_ps", "kind", "receives_routed_households"]


class OfficeSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id", help_text=_("P-code."))
    district = serializers.CharField(source="district_id", allow_null=True, help_text=_("P-code; null: not recorded."))
    agency = serializers.CharField(source="agency.code", allow_null=True, help_text=_("null: a shared place."))
    place_description = serializers.CharField(help_text=_("Where it is, in words (e.g. Kandahar city); may be empty."))
    latitude = serializers.DecimalField(
        max_digits=8,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        help_text=_("Decimal degrees (WGS 84), north positive; null: not recorded. Approximate, to the town."),
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        help_text=_("Decimal degrees (WGS 84), east positive; null: not recorded. Approximate, to the town."),
    )

    class Meta:
        model = Office
        fields = [
            "code",
            "name",
            "name_fa",
            "name_ps",
            "kind",
            "province",
            "district",
            "place_description",
            "latitude",
            "longitude",
            "agency",
            "is_active",
        ]


class ProvinceSerializer(serializers.ModelSerializer):
    name_local = serializers.CharField(
        source="name_fa", help_text=_("The Dari name (also name_fa); kept for v1 clients.")
    )

    class Meta:
        model = Province
        fields = ["pcode", "name", "name_fa", "name_ps", "name_local"]


class DistrictSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id", help_text=_("P-code."))

    class Meta:
        model = District
        fields = ["pcode", "province", "name", "name_fa", "name_ps"]


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["code", "name", "name_fa", "name_ps", "is_common_departure"]


class DocumentTypeSerializer(serializers.ModelSerializer):
    issuing_country = serializers.CharField(source="issuing_country_id", allow_null=True)

    class Meta:
        model = DocumentType
        fields = ["code", "name", "name_fa", "name_ps", "routing_class", "issuing_country", "has_expiry"]


class ReturnTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnType
        fields = ["code", "name", "name_fa", "name_ps", "is_forced"]


class NeedCodeSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True)

    class Meta:
        model = NeedCode
        fields = ["code", "scheme", "name", "name_fa", "name_ps", "parent", "is_active"]


class AssistanceTypeSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code")

    class Meta:
        model = AssistanceType
        fields = [
            "agency",
            "code",
            "name",
            "name_fa",
            "name_ps",
            "is_cash",
            "is_grant",
            "is_supplement",
            "unit",
            "is_active",
        ]


class RoutingRuleSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code", allow_null=True)

    class Meta:
        model = RoutingRule
        fields = [
            "order",
            "code",
            "conditions",
            "decides",
            "agency",
            "category",
            "flags",
            "explanation",
            "explanation_fa",
            "explanation_ps",
        ]


class RoutingPolicySerializer(serializers.ModelSerializer):
    """A published version of the routing policy: arrivals from ``effective_from`` until the next version's."""

    rules = RoutingRuleSerializer(many=True)

    class Meta:
        model = RoutingRuleSet
        fields = ["version", "title", "effective_from", "notes", "rules"]


class GrantRateSerializer(serializers.ModelSerializer):
    assistance_type = serializers.CharField(source="assistance_type.code")
    amount = serializers.DecimalField(source="amount_per_person", max_digits=10, decimal_places=2)

    class Meta:
        model = GrantRate
        fields = [
            "assistance_type",
            "valid_from",
            "valid_until",
            "amount",
            "unit",
            "currency",
            "is_approximate",
            "source",
        ]


class SupplementRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplementRule
        fields = [
            "valid_from",
            "valid_until",
            "family_amount",
            "single_amount",
            "part_amount",
            "parts_paid",
            "due_after_days",
            "currency",
            "is_approximate",
        ]


class CardValidityDecreeSerializer(serializers.ModelSerializer):
    document_type = serializers.CharField(source="document_type_id")

    class Meta:
        model = CardValidityDecree
        fields = ["document_type", "title", "decided_on", "effective_from", "valid_until", "date_is_approximate"]


class ByCode(StableCursorPagination):
    ordering = ("code",)
    page_size = 100


class ByPcode(ByCode):
    ordering = ("pcode",)


class ById(ByCode):
    ordering = ("id",)


class ReferenceListView(ApiView):
    """A read-only list: ``queryset`` filtered by ``filterset_class``, paginated by ``pagination_class``."""

    access_kind = None  # no personal record

    required_scopes = {"GET": ANY_KEY}
    filter_backends = [DjangoFilterBackend]
    pagination_class = ByCode

    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def reference_schema(operation_id: str, summary: str, serializer):
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"reference_{operation_id}_list",
            tags=TAGS,
            summary=summary,
            description=_("Read-only; any member of staff or any valid API key. Cursor pagination: follow `next`."),
            responses=with_errors({200: serializer(many=True), 400: INVALID_FILTER}, *READ_ERRORS),
        )
    )


@reference_schema("agencies", _("List agencies and partner organisations"), AgencySerializer)
class AgencyListView(ReferenceListView):
    queryset = Agency.objects.all()
    serializer_class = AgencySerializer
    filterset_class = filters.AgencyFilter


@reference_schema("offices", _("List offices and crossing points"), OfficeSerializer)
class OfficeListView(ReferenceListView):
    queryset = Office.objects.select_related("agency")
    serializer_class = OfficeSerializer
    filterset_class = filters.OfficeFilter


@reference_schema("provinces", _("List provinces"), ProvinceSerializer)
class ProvinceListView(ReferenceListView):
    queryset = Province.objects.all()
    serializer_class = ProvinceSerializer
    filterset_class = filters.ProvinceFilter
    pagination_class = ByPcode


@reference_schema("districts", _("List districts"), DistrictSerializer)
class DistrictListView(ReferenceListView):
    queryset = District.objects.all()
    serializer_class = DistrictSerializer
    filterset_class = filters.DistrictFilter
    pagination_class = ByPcode


@reference_schema("countries", _("List countries"), CountrySerializer)
class CountryListView(ReferenceListView):
    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    filterset_class = filters.CountryFilter


@reference_schema("document_types", _("List document types"), DocumentTypeSerializer)
class DocumentTypeListView(ReferenceListView):
    queryset = DocumentType.objects.all()
    serializer_class = DocumentTypeSerializer
    filterset_class = filters.DocumentTypeFilter


@reference_schema("return_types", _("List return types"), ReturnTypeSerializer)
class ReturnTypeListView(ReferenceListView):
    queryset = ReturnType.objects.all()
    serializer_class = ReturnTypeSerializer
    filterset_class = filters.ReturnTypeFilter


@reference_schema("need_codes", _("List specific-needs codes"), NeedCodeSerializer)
class NeedCodeListView(ReferenceListView):
    queryset = NeedCode.objects.select_related("parent")
    serializer_class = NeedCodeSerializer
    filterset_class = filters.NeedCodeFilter
    pagination_class = ById


@reference_schema("assistance_types", _("List assistance types"), AssistanceTypeSerializer)
class AssistanceTypeListView(ReferenceListView):
    queryset = AssistanceType.objects.select_related("agency")
    serializer_class = AssistanceTypeSerializer
    filterset_class = filters.AssistanceTypeFilter
    pagination_class = ById


# The dated policy: what routed a household and what it was paid depend on its arrival date.


class ByEffectiveFrom(StableCursorPagination):
    ordering = ("effective_from", "id")
    page_size = 100


class ByValidFrom(ByEffectiveFrom):
    ordering = ("valid_from", "id")


@reference_schema(
    "routing_policies",
    _("List the routing policy's published versions, by the day each takes effect"),
    RoutingPolicySerializer,
)
class RoutingPolicyListView(ReferenceListView):
    queryset = RoutingRuleSet.objects.filter(status=RoutingRuleSet.Status.PUBLISHED).prefetch_related(
        Prefetch("rules", queryset=RoutingRule.objects.select_related("agency").order_by("order"))
    )
    serializer_class = RoutingPolicySerializer
    pagination_class = ByEffectiveFrom


@reference_schema("grant_rates", _("List the grant rates by period of arrival"), GrantRateSerializer)
class GrantRateListView(ReferenceListView):
    queryset = GrantRate.objects.select_related("assistance_type")
    serializer_class = GrantRateSerializer
    pagination_class = ByValidFrom


@reference_schema(
    "supplement_rules", _("List the return supplement rules by period of arrival"), SupplementRuleSerializer
)
class SupplementRuleListView(ReferenceListView):
    queryset = SupplementRule.objects.all()
    serializer_class = SupplementRuleSerializer
    pagination_class = ByValidFrom


@reference_schema(
    "card_decrees",
    _("List the decisions extending refugee cards past their printed expiry"),
    CardValidityDecreeSerializer,
)
class CardValidityDecreeListView(ReferenceListView):
    queryset = CardValidityDecree.objects.all()
    serializer_class = CardValidityDecreeSerializer
    pagination_class = ByEffectiveFrom

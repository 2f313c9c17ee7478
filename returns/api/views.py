"""The households API: register a household over HTTP, list and read the households a user may see.

Views are thin: parse with a serializer, call ``household_register`` or a selector (which start
from the visibility gate), shape the answer. Errors come out in one shape (``returns.api.errors``).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from returns.api.errors import RegistrationRejected, api_exception_handler
from returns.api.serializers import (
    ErrorSerializer,
    HouseholdRegistrationSerializer,
    HouseholdSerializer,
    ValidationErrorSerializer,
)
from returns.filters import HouseholdFilter
from returns.models import Household
from returns.registration import RegistrationInvalid
from returns.selectors import household_filter, household_get, household_with_members
from returns.services import household_register, user_can_register

NOT_AUTHENTICATED = OpenApiResponse(
    ErrorSerializer, description=_("No valid session or `Authorization: Token <key>` header.")
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description=_("No such household, or not one this user may see."))
TAGS = ["households"]


class ApiView(generics.GenericAPIView):
    """Base of the API's views: every error in the shape of ``returns.api.errors``."""

    def get_exception_handler(self):
        return api_exception_handler


class CanRegisterHouseholds(permissions.BasePermission):
    message = _("Your role cannot register households.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or user_can_register(request.user)


class HouseholdCursorPagination(CursorPagination):
    # Creation time never changes and is indexed; the id breaks the (rare) ties.
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class HouseholdListCreateView(ApiView):
    permission_classes = [permissions.IsAuthenticated, CanRegisterHouseholds]
    parser_classes = [JSONParser]  # members nest documents: form encodings cannot carry them
    serializer_class = HouseholdSerializer
    pagination_class = HouseholdCursorPagination
    # Declared for the OpenAPI schema (model, filter parameters). Reads go through the selectors,
    # which start from the visibility gate; this queryset is empty so that it cannot leak.
    queryset = Household.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = HouseholdFilter

    @extend_schema(
        operation_id="households_list",
        tags=TAGS,
        summary=_("List households"),
        description=_(
            "The households this user may see (routed to their agency, or registered by them), newest "
            "first, with members, documents and specific needs. A field officer sees their own office "
            "unless `scope=agency`. Cursor pagination: follow `next`."
        ),
        responses={
            200: HouseholdSerializer(many=True),
            400: OpenApiResponse(ValidationErrorSerializer, description=_("An invalid filter value.")),
            401: NOT_AUTHENTICATED,
        },
    )
    def get(self, request):
        filterset = household_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        households = household_with_members(filterset.qs.select_related("routing_rule"))
        page = self.paginate_queryset(households)
        return self.get_paginated_response(HouseholdSerializer(page, many=True).data)

    @extend_schema(
        operation_id="households_register",
        tags=TAGS,
        summary=_("Register a household"),
        description=_(
            "Validate, route and save an arriving household with its members, documents and specific "
            "needs. The answer says which agency assists it (UNHCR or IOM), in which category, and why. "
            "Nothing is saved when anything is invalid: the 400 lists every problem."
        ),
        request=HouseholdRegistrationSerializer,
        responses={
            201: HouseholdSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer, description=_("Malformed or invalid registration; nothing was saved.")
            ),
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description=_("This user's role cannot register households.")),
        },
    )
    def post(self, request):
        serializer = HouseholdRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            household = household_register(registered_by=request.user, registration=serializer.validated_data)
        except RegistrationInvalid as invalid:
            raise RegistrationRejected(invalid.problems) from None
        # The service hands back the household with its members, documents and needs attached.
        return Response(
            HouseholdSerializer(household).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:household-detail", kwargs={"id": household.public_id})},
        )


class HouseholdDetailView(ApiView):
    serializer_class = HouseholdSerializer
    queryset = Household.objects.none()  # for the schema only, as above

    @extend_schema(
        operation_id="households_retrieve",
        tags=TAGS,
        summary=_("Read a household"),
        description=_("One household with its members, documents, specific needs and routing."),
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The household's `id` (a UUID).")
            )
        ],
        responses={200: HouseholdSerializer, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request, id):
        return Response(HouseholdSerializer(household_get(user=request.user, public_id=id)).data)

"""The border counts API: list the arrivals counted at the crossing points, record a day's counts.

Thin: parse with a serializer, call ``returns.services.counts.border_count_record`` (the same the
page calls) or read through ``BorderCount.objects.readable_by``. Counts are not personal data:
every member of staff reads them, and a partner's key with ``reports:read``; recording is staff's.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from agencies.api.base import ApiView
from agencies.api.errors import ErrorSerializer, ValidationErrorSerializer
from agencies.api.idempotency import idempotent
from agencies.api.openapi import IDEMPOTENCY_KEY, INVALID_FILTER, POST_ERRORS, READ_ERRORS, with_errors
from agencies.api.pagination import StableCursorPagination
from agencies.models import Scope
from returns import policy
from returns.api.serializers.counts import BorderCountRecordSerializer, BorderCountSerializer
from returns.filters.counts import BorderCountFilter
from returns.models import BorderCount
from returns.models.counts import MEASURES
from returns.services.counts import border_count_record

COUNTS = ["border counts"]


class BorderCountCursorPagination(StableCursorPagination):
    # Rows are never changed, only added: the newest recorded first, by id.
    ordering = ("-id",)


class BorderCountListCreateView(ApiView):
    required_scopes = {"GET": Scope.REPORTS_READ}  # recording: staff only
    parser_classes = [JSONParser]
    serializer_class = BorderCountSerializer
    pagination_class = BorderCountCursorPagination
    queryset = BorderCount.objects.none()  # for the schema only: reads go through the counts' gate
    filter_backends = [DjangoFilterBackend]
    filterset_class = BorderCountFilter

    @extend_schema(
        operation_id="border_counts_list",
        tags=COUNTS,
        summary=_("List border arrival counts"),
        description=_(
            "The arrivals counted at each crossing point, per day and country of departure: by default "
            "only the current version of each count, with `history=true` every version. Newest recorded "
            "first; cursor pagination: follow `next`."
        ),
        responses=with_errors({200: BorderCountSerializer(many=True), 400: INVALID_FILTER}, *READ_ERRORS),
    )
    def get(self, request):
        queryset = BorderCount.objects.readable_by(request.user).select_related("crossing")
        filterset = BorderCountFilter(request.query_params, queryset=queryset)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(BorderCountSerializer(page, many=True).data)

    @extend_schema(
        operation_id="border_counts_record",
        tags=COUNTS,
        summary=_("Record a day's border counts"),
        description=_(
            "The arrivals counted at a crossing point on a day from one country. Recording again for the "
            "same crossing, day and country is a correction: a new version (with a `note`); the earlier "
            "versions are kept. Each breakdown must add up to the total."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=BorderCountRecordSerializer,
        responses=with_errors(
            {
                201: BorderCountSerializer,
                400: OpenApiResponse(ValidationErrorSerializer, description=_("Impossible counts; nothing saved.")),
                403: OpenApiResponse(
                    ErrorSerializer,
                    description=_("This user's role cannot record border counts. An API key: only for staff."),
                ),
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request):
        policy.require_record_border_counts(request.user)  # a role is refused before its body is read
        serializer = BorderCountRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        count = border_count_record(
            recorded_by=request.user,
            crossing=fields["crossing"],
            day=fields["day"],
            country=fields["country"],
            counts={name: fields[name] for name in MEASURES},
            note=fields["note"],
        )
        return Response(BorderCountSerializer(count).data, status=status.HTTP_201_CREATED)

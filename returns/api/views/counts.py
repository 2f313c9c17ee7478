"""The border counts API: list the arrivals counted at the crossing points, record a day's counts.

Thin: parse with a serializer, call ``returns.services.counts.border_count_record`` (the same the
page calls) or read through ``BorderCount.objects.readable_by``. Counts are not personal data:
every member of staff reads them, and a partner's key with ``reports:read``; recording is staff's.
"""

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from agencies.api.base import ApiView
from agencies.api.errors import ErrorSerializer, ValidationErrorSerializer
from agencies.api.idempotency import idempotent
from agencies.api.openapi import IDEMPOTENCY_KEY, INVALID_FILTER, POST_ERRORS, READ_ERRORS, with_errors
from agencies.api.pagination import StableCursorPagination
from agencies.api.parsers import JSONParser
from agencies.models import Scope
from returns import policy
from returns.api.serializers.counts import (
    BorderCountReconciliationQuerySerializer,
    BorderCountReconciliationSerializer,
    BorderCountRecordSerializer,
    BorderCountSerializer,
)
from returns.filters.counts import BorderCountFilter
from returns.models import BorderCount
from returns.models.counts import MEASURES
from returns.selectors.counts import (
    RECONCILIATION_DEFAULT_WEEKS,
    RECONCILIATION_MAX_WEEKS,
    border_count_reconciliation,
    iso_week,
    reconciliation_days,
)
from returns.services.counts import border_count_record

COUNTS = ["border counts"]


class BorderCountCursorPagination(StableCursorPagination):
    # Rows are never changed, only added: the newest recorded first, by id.
    ordering = ("-id",)


class BorderCountListCreateView(ApiView):
    access_kind = None  # no personal record
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


class BorderCountReconciliationView(ApiView):
    access_kind = None  # no personal record
    required_scopes = {"GET": Scope.REPORTS_READ}  # aggregates only, like the counts themselves
    serializer_class = BorderCountReconciliationSerializer

    @extend_schema(
        operation_id="border_counts_reconciliation",
        tags=COUNTS,
        summary=_("Counted arrivals against registered people, per crossing point and week"),
        description=format_lazy(
            _(
                "For each crossing point and ISO week (Monday to Sunday) from `week_from` to `week_to` "
                "(default: the last {weeks} weeks, up to this one; at most {most} weeks): the arrivals counted at the "
                "border (current versions) and the people in the households registered there by arrival date. "
                "Weeks with neither are left out. A week that is not an ISO week, or a range that runs backwards "
                "or is too long, is a 400 naming the parameter."
            ),
            weeks=RECONCILIATION_DEFAULT_WEEKS,
            most=RECONCILIATION_MAX_WEEKS,
        ),
        parameters=[BorderCountReconciliationQuerySerializer],
        responses=with_errors(
            {
                200: BorderCountReconciliationSerializer,
                400: OpenApiResponse(ValidationErrorSerializer, description=_("Not a week, or not a range of weeks.")),
            },
            *READ_ERRORS,
        ),
    )
    def get(self, request):
        query = BorderCountReconciliationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first_day, last_day = reconciliation_days(
            week_from=query.validated_data.get("week_from"),
            week_to=query.validated_data.get("week_to"),
            today=timezone.localdate(),
        )
        rows = border_count_reconciliation(user=request.user, first_day=first_day, last_day=last_day)
        answer = {
            "week_from": iso_week(first_day),
            "week_to": iso_week(last_day),
            "first_day": first_day,
            "last_day": last_day,
            "results": rows,
        }
        return Response(BorderCountReconciliationSerializer(answer).data)

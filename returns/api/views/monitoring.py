"""The return monitoring API: the agency's monitoring queue and recording an interview.

Thin: read through ``MonitoringInterview.objects.visible_to`` (an interview of another agency is a
404), record through ``returns.services.monitoring.monitoring_interview_record`` (the function the
page calls). For staff only: no partner's key reaches the answers.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from agencies.access_log import Kind
from agencies.api.base import ApiView
from agencies.api.errors import ErrorSerializer, ValidationErrorSerializer
from agencies.api.idempotency import idempotent
from agencies.api.openapi import IDEMPOTENCY_KEY, INVALID_FILTER, POST_ERRORS, READ_ERRORS, with_errors
from agencies.api.openapi import id_parameter as _id_parameter
from agencies.api.pagination import WATERMARK_PARAMETER, SyncCursorPagination
from agencies.api.parsers import JSONParser
from returns.api.serializers.monitoring import MonitoringInterviewRecordSerializer, MonitoringInterviewSerializer
from returns.filters.monitoring import MonitoringInterviewFilter
from returns.models import MonitoringInterview
from returns.selectors.monitoring import monitoring_filter, monitoring_interviews
from returns.services.monitoring import monitoring_interview_record

MONITORING = ["return monitoring"]
INTERVIEW_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description=_("No such interview, or not one of this user's agency.")
)


class MonitoringCursorPagination(SyncCursorPagination):
    # Drawn interviews are only added: the newest drawn first, by id. With updated_since: oldest change first.
    ordering = ("-id",)


def _interview(*, user, public_id) -> MonitoringInterview:
    return get_object_or_404(monitoring_interviews(user=user).select_related("case"), public_id=public_id)


class MonitoringInterviewListView(ApiView):
    access_kind = Kind.INTERVIEW
    required_scopes: dict[str, str] = {}  # staff only
    serializer_class = MonitoringInterviewSerializer
    pagination_class = MonitoringCursorPagination
    queryset = MonitoringInterview.objects.none()  # for the schema only: reads go through the gate
    filter_backends = [DjangoFilterBackend]
    filterset_class = MonitoringInterviewFilter

    @extend_schema(
        operation_id="monitoring_interviews_list",
        tags=MONITORING,
        summary=_("List the monitoring queue"),
        description=_(
            "Return monitoring is a sample: every day, each agency's active plan draws a reproducible share "
            "of its households 30 to 180 days after arrival (a hash of the plan's seed and the household's "
            "id under the plan's rate). This lists the interviews of this user's agency (an administrator: "
            "all), drawn and recorded, newest drawn first; `overdue=true` the ones waiting past their due "
            "date. Cursor pagination: follow `next`. With `updated_since`: oldest change first, with the "
            "`X-Sync-Watermark` header."
        ),
        parameters=[WATERMARK_PARAMETER],
        responses=with_errors({200: MonitoringInterviewSerializer(many=True), 400: INVALID_FILTER}, *READ_ERRORS),
    )
    def get(self, request):
        filterset = monitoring_filter(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        page = self.paginate_queryset(filterset.qs.select_related("case"))
        return self.get_paginated_response(MonitoringInterviewSerializer(page, many=True).data)


class MonitoringInterviewDetailView(ApiView):
    access_kind = Kind.INTERVIEW
    required_scopes: dict[str, str] = {}  # staff only
    serializer_class = MonitoringInterviewSerializer
    queryset = MonitoringInterview.objects.none()

    @extend_schema(
        operation_id="monitoring_interviews_retrieve",
        tags=MONITORING,
        summary=_("Read a monitoring interview"),
        description=_("One household drawn for return monitoring, with its answers once recorded."),
        parameters=[_id_parameter("interview")],
        responses=with_errors({200: MonitoringInterviewSerializer, 404: INTERVIEW_NOT_FOUND}, *READ_ERRORS),
    )
    def get(self, request, id):
        return Response(MonitoringInterviewSerializer(_interview(user=request.user, public_id=id)).data)


class MonitoringInterviewRecordView(ApiView):
    access_kind = Kind.INTERVIEW
    required_scopes: dict[str, str] = {}  # staff only
    parser_classes = [JSONParser]
    serializer_class = MonitoringInterviewRecordSerializer
    queryset = MonitoringInterview.objects.none()

    @extend_schema(
        operation_id="monitoring_interviews_record",
        tags=MONITORING,
        summary=_("Record a monitoring interview"),
        description=_(
            "How the interview went: `completed` with `consent` and the answers (where the family lives "
            "now, shelter, work, documents, intention to stay, needs), `not_reached` (the interview stays in "
            "the queue and can be recorded again) or `refused_consent`. No answer is accepted without "
            "consent (`answers_without_consent`, `consent_required`); the date must be within the window "
            "(`before_window`, `future_date`). A completed or declined interview is not changed afterwards "
            "(`already_recorded`). Case workers and managers of the interview's agency. Nothing is saved on "
            "an error."
        ),
        parameters=[_id_parameter("interview"), IDEMPOTENCY_KEY],
        request=MonitoringInterviewRecordSerializer,
        responses=with_errors(
            {
                200: MonitoringInterviewSerializer,
                400: OpenApiResponse(ValidationErrorSerializer, description=_("Refused; nothing was saved.")),
                403: OpenApiResponse(
                    ErrorSerializer, description=_("This user's role cannot record monitoring interviews.")
                ),
                404: INTERVIEW_NOT_FOUND,
            },
            *POST_ERRORS,
        ),
    )
    @idempotent
    def post(self, request, id):
        interview = _interview(user=request.user, public_id=id)
        serializer = MonitoringInterviewRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        monitoring_interview_record(interview=interview, recorded_by=request.user, data=serializer.validated_data)
        return Response(MonitoringInterviewSerializer(_interview(user=request.user, public_id=id)).data)

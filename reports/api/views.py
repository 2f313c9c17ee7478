"""Joint statistics over the API: aggregates only, counted by ``reports.selectors``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from agencies.api.base import ApiView
from agencies.api.openapi import ERRORS, READ_ERRORS, with_errors
from agencies.models import Scope
from reports.api.serializers import ReturnStatisticsSerializer, StatisticsQuerySerializer
from reports.selectors import return_statistics


class ReturnStatisticsView(ApiView):
    required_scopes = {"GET": Scope.REPORTS_READ}
    serializer_class = ReturnStatisticsSerializer

    @extend_schema(
        operation_id="statistics_returns",
        tags=["statistics"],
        summary=_("Joint statistics on returns"),
        description=_(
            "Households and people who arrived in `year`, by category, country of departure, return type, "
            "crossing point, month and province of destination, and people by sex and age group at arrival. "
            "Aggregates only: any cell of fewer than five is null and listed in `suppressed`, with the cells "
            "hidden so that it cannot be recovered from a total. For administrators, coordinators, staff of "
            "UNHCR and IOM, and API keys with `reports:read`; for anyone else every count is zero."
        ),
        parameters=[OpenApiParameter("year", int, required=True, description=_("Year of arrival."))],
        responses=with_errors({200: ReturnStatisticsSerializer, 400: ERRORS[400]}, *READ_ERRORS),
    )
    def get(self, request):
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(return_statistics(user=request.user, year=query.validated_data["year"]))

"""Shapes of the statistics and joint report API: counts only, a suppressed one null."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.api.fields import CalendarDateField
from agencies.api.serializers import UnknownFieldsRefusedMixin
from reports import policy
from reports.services import report_title


class StatisticsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("Year of arrival, e.g. 2026."))


class TotalSerializer(serializers.Serializer):
    households = serializers.IntegerField(allow_null=True, help_text=_("null: suppressed (fewer than five)."))
    people = serializers.IntegerField(allow_null=True)


class BreakdownCellSerializer(TotalSerializer):
    key = serializers.CharField(
        help_text=_("The code counted: a category, ISO country, return type, office, YYYY-MM or P-code.")
    )


class SexAgeCellSerializer(serializers.Serializer):
    sex = serializers.CharField()
    age_group = serializers.ChoiceField(choices=["0-4", "5-11", "12-17", "18-59", "60+"])
    people = serializers.IntegerField(allow_null=True, help_text=_("null: suppressed."))


class SuppressedCellSerializer(serializers.Serializer):
    breakdown = serializers.CharField(help_text=_("total, by_category, ... by_sex_and_age."))
    key = serializers.CharField(help_text=_("The cell's key; for sex and age: <sex>/<age group>."))
    reason = serializers.ChoiceField(
        choices=["primary", "secondary"],
        help_text=_("primary: fewer than five; secondary: hidden so that a primary one cannot be subtracted out."),
    )


class ReturnStatisticsSerializer(serializers.Serializer):
    """Households and people who arrived in a year, by breakdown. Cells below the threshold are null."""

    year = serializers.IntegerField()
    threshold = serializers.IntegerField(help_text=_("Counts below it are suppressed."))
    total = TotalSerializer()
    by_category = BreakdownCellSerializer(many=True)
    by_country_of_departure = BreakdownCellSerializer(many=True)
    by_return_type = BreakdownCellSerializer(many=True)
    by_crossing_point = BreakdownCellSerializer(many=True)
    by_month = BreakdownCellSerializer(many=True)
    by_destination_province = BreakdownCellSerializer(many=True)
    by_sex_and_age = SexAgeCellSerializer(many=True, help_text=_("People by sex and age group at arrival."))
    suppressed = SuppressedCellSerializer(many=True)


# --- The joint annual report ----------------------------------------------------------------------


class ReportSignOffSerializer(serializers.Serializer):
    agency = serializers.CharField(source="agency.code", help_text=_("UNHCR or IOM."))
    signed_at = serializers.DateTimeField()
    checksum = serializers.CharField(help_text=_("The SHA-256 of the figures signed: the report's own checksum."))


class ReportLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    figures = serializers.URLField(
        allow_null=True, help_text=_("The figures of the edition the caller may have; null until computed.")
    )
    page = serializers.URLField(help_text=_("The report's page, for people."))


class ReportSerializer(serializers.Serializer):
    """One version of the joint report: its parameters, where its computation stands, its sign-offs."""

    id = serializers.UUIDField(source="public_id")
    title = serializers.SerializerMethodField(help_text=_("In the language asked for (Accept-Language)."))
    version = serializers.IntegerField()
    period_start = CalendarDateField()
    period_end = CalendarDateField()
    reference_date = serializers.ChoiceField(choices=["arrival", "grant_paid"])
    cut_off = serializers.DateTimeField(help_text=_("Only what was recorded by then counts."))
    status = serializers.ChoiceField(choices=["queued", "running", "failed", "draft", "final"])
    progress = serializers.IntegerField(help_text=_("Percent computed (0-100)."))
    progress_step = serializers.SerializerMethodField()
    checksum = serializers.CharField(
        help_text=_("SHA-256 of the canonical JSON of the internal figures; empty until computed.")
    )
    requested_at = serializers.DateTimeField()
    computed_at = serializers.DateTimeField(allow_null=True)
    finalised_at = serializers.DateTimeField(allow_null=True)
    sign_offs = ReportSignOffSerializer(many=True)
    edition = serializers.SerializerMethodField(help_text=_("The edition of the figures the caller may have."))
    links = serializers.SerializerMethodField()

    def get_title(self, report) -> str:
        return report_title(period_start=report.period_start, period_end=report.period_end)

    def get_progress_step(self, report) -> str:
        return gettext(report.progress_step) if report.progress_step else ""

    def get_edition(self, report) -> str:
        return policy.report_edition(self.context["request"].user)

    @extend_schema_field(ReportLinksSerializer)
    def get_links(self, report) -> dict:
        request = self.context["request"]
        figures = reverse("reports-api:report-figures", kwargs={"id": report.public_id})
        return {
            "self": request.build_absolute_uri(reverse("reports-api:report-detail", kwargs={"id": report.public_id})),
            "figures": request.build_absolute_uri(figures) if report.is_computed else None,
            "page": request.build_absolute_uri(reverse("reports:detail", kwargs={"public_id": report.public_id})),
        }


class ReportRequestSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    """A calendar ``year``, or ``period_start`` and ``period_end``; the reference date; an optional cut-off."""

    year = serializers.IntegerField(
        required=False, min_value=2002, max_value=9999, help_text=_("1 January to 31 December.")
    )
    period_start = CalendarDateField(required=False)
    period_end = CalendarDateField(required=False)
    reference_date = serializers.ChoiceField(choices=["arrival", "grant_paid"], default="arrival")
    cut_off = serializers.DateTimeField(required=False, help_text=_("Default: now."))

    def validate(self, attrs):
        year = attrs.pop("year", None)
        has_dates = "period_start" in attrs or "period_end" in attrs
        if year is not None and has_dates:
            raise serializers.ValidationError(
                _("Give a year, or period_start and period_end, not both."), code="year_and_dates"
            )
        if year is not None:
            attrs["period_start"], attrs["period_end"] = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
            return attrs
        problems = {
            name: [_("Give %(name)s, or a year.") % {"name": name}]
            for name in ("period_start", "period_end")
            if name not in attrs
        }
        if problems:
            raise serializers.ValidationError(problems, code="required")
        return attrs


class ReportFiguresQuerySerializer(serializers.Serializer):
    edition = serializers.ChoiceField(
        choices=["public", "internal"], required=False, help_text=_("Default: the edition the caller may have.")
    )

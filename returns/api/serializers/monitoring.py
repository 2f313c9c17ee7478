"""Shapes of the return monitoring API. The input serializer only parses JSON (types, lists of codes);
what makes a record possible is ``returns.services.monitoring``, the function the page calls too."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.api.fields import CalendarDateField
from agencies.api.serializers import UnknownFieldsRefusedMixin
from returns.models import MonitoringInterview


class MonitoringInterviewSerializer(serializers.ModelSerializer):
    """A household drawn for return monitoring, and its interview's answers once recorded."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=_("The interview's id."))
    household = serializers.UUIDField(source="household.public_id", help_text=_("The household's `id`."))
    registration_number = serializers.CharField(source="household.registration_number")
    arrival_date = CalendarDateField(source="household.arrival_date")
    case = serializers.SerializerMethodField(help_text=_("The agency's case `id` when the household was drawn."))
    agency = serializers.CharField(source="agency.code", help_text=_("The agency whose sample drew the household."))
    current_province = serializers.CharField(
        source="current_province_id", allow_null=True, help_text=_("Province P-code where the family lives now.")
    )
    current_district = serializers.CharField(source="current_district_id", allow_null=True)
    documents = serializers.ListField(child=serializers.ChoiceField(choices=MonitoringInterview.Document.choices))
    needs = serializers.ListField(child=serializers.ChoiceField(choices=MonitoringInterview.Need.choices))
    # Empty until the interview is recorded (and the answers stay empty without consent): "" is a value.
    method = serializers.ChoiceField(choices=MonitoringInterview.Method.choices, allow_blank=True, read_only=True)
    shelter = serializers.ChoiceField(choices=MonitoringInterview.Shelter.choices, allow_blank=True, read_only=True)
    work = serializers.ChoiceField(choices=MonitoringInterview.Work.choices, allow_blank=True, read_only=True)
    intends_to_stay = serializers.ChoiceField(
        choices=MonitoringInterview.Intention.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = MonitoringInterview
        fields = [
            "id",
            "household",
            "registration_number",
            "arrival_date",
            "case",
            "agency",
            "drawn_on",
            "due_by",
            "status",
            "attempts",
            "method",
            "interviewed_on",
            "consent",
            "current_province",
            "current_district",
            "shelter",
            "work",
            "documents",
            "intends_to_stay",
            "needs",
            "note",
            "updated_at",
        ]
        read_only_fields = fields

    def get_case(self, interview) -> str | None:
        return str(interview.case.public_id) if interview.case_id else None


class MonitoringInterviewRecordSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    """How the interview went and, with consent, its answers."""

    status = serializers.CharField(
        help_text=_("`completed` (with consent and answers), `not_reached` (tried again later) or `refused_consent`.")
    )
    method = serializers.CharField(help_text=_("`encashment_centre`, `phone` or `household_visit`."))
    interviewed_on = CalendarDateField(help_text=_("The day of the interview or attempt: not in the future."))
    consent = serializers.BooleanField(
        default=False, help_text=_("The family agreed to answer. Without it no answer is accepted.")
    )
    current_province = serializers.CharField(required=False, allow_blank=True, default="")
    current_district = serializers.CharField(required=False, allow_blank=True, default="")
    shelter = serializers.CharField(required=False, allow_blank=True, default="")
    work = serializers.CharField(required=False, allow_blank=True, default="")
    documents = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    intends_to_stay = serializers.CharField(required=False, allow_blank=True, default="")
    needs = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")

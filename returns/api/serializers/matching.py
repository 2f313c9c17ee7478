"""The duplicate candidates of one person: what the tablet sends, and what it gets back."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.api.fields import CalendarDateField
from agencies.api.serializers import UnknownFieldsRefusedMixin
from returns.models import Member


class PersonSoughtSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    given_name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    fathers_name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    family_name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    given_name_local = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    fathers_name_local = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    family_name_local = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    sex = serializers.CharField(required=False, help_text=_("female or male"))
    date_of_birth = CalendarDateField(required=False, allow_null=True, default=None)
    estimated_age = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=120)
    document_numbers = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        max_length=10,
        help_text=_("The person's card, VRF, tazkira or passport numbers, as typed."),
    )

    def validate_sex(self, value: str) -> str:
        if value not in Member.Sex.values:
            raise serializers.ValidationError(_("Choose female or male, or leave it out."))
        return value

    def validate(self, attrs):
        if not (attrs["given_name"] or attrs["given_name_local"] or attrs["document_numbers"]):
            raise serializers.ValidationError(
                {"given_name": [_("Give a name (in either script) or a document number to look for.")]}
            )
        return attrs


class CandidateHouseholdSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    registration_number = serializers.CharField()


class CandidatePersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    given_name = serializers.CharField()
    fathers_name = serializers.CharField()
    family_name = serializers.CharField()
    sex = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)


class CandidateSerializer(serializers.Serializer):
    ref = serializers.CharField(
        help_text=_(
            "This candidate, for the registration that follows: a signed reference, valid for you only, for four "
            "hours. It reveals nothing of the person."
        )
    )
    score = serializers.FloatField(help_text=_("From 0 to 1: how likely this is the same person."))
    reasons = serializers.ListField(child=serializers.CharField(), help_text=_("Why, in words."))
    agency = serializers.CharField(help_text=_("The agency the person's household is routed to."))
    registered_on = CalendarDateField()
    household = CandidateHouseholdSerializer(
        allow_null=True, help_text=_("Only for a household you may see; otherwise null.")
    )
    person = CandidatePersonSerializer(
        allow_null=True, help_text=_("Only for a household you may see; otherwise null.")
    )


class CandidatesSerializer(serializers.Serializer):
    candidates = CandidateSerializer(many=True)

"""Shapes of the REST API: what a client sends to register a household, what it gets back.

The input serializers only parse JSON into the ``returns.registration`` dataclasses: types,
formats, required keys and the database's length limits. Whether a registration makes sense
(known codes, dates, one head of household...) is decided by ``household_register``, the same
service the registration page uses, so both speak with the same messages. Fields are plain
(``CharField``, ``DateField``...): codes are resolved by the service against cached reference
data, never by a related field querying per member.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.api.access import MinimisedFieldsMixin
from agencies.api.fields import CalendarDateField
from agencies.api.serializers import FieldsBuiltOnceMixin, UnknownFieldsRefusedMixin
from returns.models import Category, DeletedRecord, Member
from returns.registration import (
    MAX_CANDIDATES_SEEN,
    DocumentRegistration,
    HouseholdRegistration,
    MemberRegistration,
)


def code_field(values: list[str], **kwargs) -> serializers.CharField:
    """A code checked by the service (with its own message), shown as an enum in the schema."""
    # A class, not an instance, carries the annotation: DRF copies declared fields per serializer.
    field_class = extend_schema_field({"type": "string", "enum": list(values)})(
        type("CodeField", (serializers.CharField,), {})
    )
    return field_class(**kwargs)


NAME_HELP = _(
    "At least one letter; no character that does not print or reorders text (the zero-width non-joiner "
    "of Dari and Pashto is kept)."
)

LOCAL_NAME_HELP = format_lazy("{} {}", _("In Dari or Pashto script."), NAME_HELP)


def _name_field(**kwargs) -> serializers.CharField:
    # Blank is the service's to reject ("Enter the given name."), length is the column's; which characters
    # a name may carry is the service's too (returns.registration), so the page and the API say the same.
    kwargs.setdefault("help_text", NAME_HELP)
    return serializers.CharField(max_length=100, allow_blank=True, **kwargs)


# ---------------------------------------------------------------------------------------------
# Input: a registration.
# ---------------------------------------------------------------------------------------------


class DocumentRegistrationSerializer(FieldsBuiltOnceMixin, UnknownFieldsRefusedMixin, serializers.Serializer):
    document_type = serializers.CharField(help_text=_("Document type code, e.g. por_card, amayesh_card, vrf, acc."))
    number = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    issuing_country = serializers.CharField(help_text=_("ISO 3166 alpha-2 code of the issuing country, e.g. PK."))
    expiry_date = CalendarDateField(
        required=False, allow_null=True, default=None, help_text=_("As printed; between 1950 and 2100.")
    )
    expired_confirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Set when a refugee card really expired before the arrival date: the household is then routed "
            "to IOM and flagged for UNHCR verification instead of being rejected."
        ),
    )

    def to_internal_value(self, data) -> DocumentRegistration:
        return DocumentRegistration(**super().to_internal_value(data))


class NewPersonSerializer(FieldsBuiltOnceMixin, UnknownFieldsRefusedMixin, serializers.Serializer):
    candidates_seen = serializers.ListField(
        child=serializers.CharField(),
        max_length=MAX_CANDIDATES_SEEN,
        required=False,
        default=list,
        help_text=_("The `ref` of every candidate the officer saw (none: looked up, nobody found)."),
    )


class MemberRegistrationSerializer(FieldsBuiltOnceMixin, UnknownFieldsRefusedMixin, serializers.Serializer):
    given_name = _name_field()
    fathers_name = _name_field()
    family_name = _name_field(required=False, default="")
    given_name_local = _name_field(
        required=False, default="", help_text=_("In Dari or Pashto script.") + " " + NAME_HELP
    )
    fathers_name_local = _name_field(
        required=False, default="", help_text=_("In Dari or Pashto script.") + " " + NAME_HELP
    )
    family_name_local = _name_field(
        required=False, default="", help_text=_("In Dari or Pashto script.") + " " + NAME_HELP
    )
    sex = code_field(Member.Sex.values)
    date_of_birth = CalendarDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A date of birth (from 1900, not after the arrival) or an estimated age is required."),
    )
    estimated_age = serializers.IntegerField(required=False, allow_null=True, default=None)
    relationship = code_field(Member.Relationship.values, help_text=_("Exactly one member is the head."))
    documents = DocumentRegistrationSerializer(
        many=True, required=False, default=list, help_text=_("At most 10 a person.")
    )
    specific_needs = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text=_("UNHCR specific-needs codes, e.g. SM-CI; at most 20 a person."),
    )
    same_person_as = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "The officer's decision: this member is a person already registered, the candidate of this `ref` "
            "(from `POST /api/v1/duplicates/candidates/`). Recorded with the registration."
        ),
    )
    new_person = NewPersonSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The officer's decision: none of the candidates shown is this member, a new person. Leave both "
            "`same_person_as` and `new_person` out when no candidates were looked up."
        ),
    )

    def to_internal_value(self, data) -> MemberRegistration:
        # Both decisions at once is the service's to refuse (``returns.registration.identity_decisions``).
        values = super().to_internal_value(data)
        new_person = values.pop("new_person")
        return MemberRegistration(
            **values,
            new_person=new_person is not None,
            candidates_seen=new_person["candidates_seen"] if new_person is not None else [],
        )


class HouseholdRegistrationSerializer(FieldsBuiltOnceMixin, UnknownFieldsRefusedMixin, serializers.Serializer):
    """A household arriving in Afghanistan, with every member, their documents and specific needs.

    ``validated_data`` is a ``returns.registration.HouseholdRegistration``, ready for
    ``household_register``. Malformed input and refused registrations both answer 400 in the shape
    of ``ValidationErrorSerializer`` below, each problem with a path, a code and a message.
    """

    arrival_date = CalendarDateField(
        help_text=_("The day the household crossed: from 2002-01-01 to today (Kabul time).")
    )
    office = serializers.CharField(help_text=_("Code of the crossing point or office registering, e.g. TKM."))
    country_of_departure = serializers.CharField(help_text=_("ISO 3166 alpha-2 code, e.g. PK or IR."))
    return_type = serializers.CharField(help_text=_("Return type code, e.g. voluntary_repatriation, deportation."))
    destination_province = serializers.CharField(help_text=_("OCHA P-code of the province, e.g. AF06."))
    destination_district = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default="", help_text=_("OCHA P-code, e.g. AF0617.")
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    members = MemberRegistrationSerializer(many=True, help_text=_("At most 60."))

    def to_internal_value(self, data) -> HouseholdRegistration:
        values = super().to_internal_value(data)
        values["destination_district"] = values["destination_district"] or ""
        return HouseholdRegistration(**values)


# ---------------------------------------------------------------------------------------------
# Output: a registered household. Codes come from the foreign-key columns (``*_id``), so the
# only joins needed are office, agency and routing rule (see returns.selectors).
# ---------------------------------------------------------------------------------------------


class DocumentSerializer(serializers.Serializer):
    document_type = serializers.CharField(source="document_type_id")
    number = serializers.CharField()
    issuing_country = serializers.CharField(source="issuing_country_id")
    expiry_date = CalendarDateField(allow_null=True)


class NeedCodesField(serializers.ListField):
    child = serializers.CharField()

    def to_representation(self, data):
        return [need.code for need in data.all()]


class MemberSerializer(MinimisedFieldsMixin, serializers.Serializer):
    """A member. A partner's key receives only the fields its data-sharing agreement shares."""

    shared_resource = "member"

    id = serializers.UUIDField(source="public_id")
    given_name = serializers.CharField()
    fathers_name = serializers.CharField()
    family_name = serializers.CharField()
    given_name_local = serializers.CharField()
    fathers_name_local = serializers.CharField()
    family_name_local = serializers.CharField()
    sex = serializers.ChoiceField(choices=Member.Sex.choices)
    date_of_birth = CalendarDateField(allow_null=True)
    estimated_age = serializers.IntegerField(allow_null=True)
    relationship = serializers.ChoiceField(choices=Member.Relationship.choices)
    documents = DocumentSerializer(many=True)
    specific_needs = NeedCodesField()


class RoutingSerializer(serializers.Serializer):
    """Which policy decided, and why: the rule set version in force on the arrival date."""

    rule = serializers.CharField(source="routing_rule.code", allow_null=True, help_text=_("The deciding rule."))
    version = serializers.IntegerField(source="routing_version", allow_null=True, help_text=_("Rule set version."))
    reason = serializers.CharField(source="routing_reason")
    flags = serializers.ListField(
        child=serializers.CharField(), help_text=_("e.g. mixed_status, unhcr_verification, winter_pause.")
    )
    facts = serializers.JSONField(
        source="routing_facts",
        help_text=_(
            "What the rules read on the arrival date (VRF coverage, card validity, return type...), with the "
            "card validity decrees that applied."
        ),
    )
    family = serializers.UUIDField(
        source="family.public_id",
        allow_null=True,
        default=None,
        help_text=_("The family this household is a part of, when the family returns in parts."),
    )


class HouseholdSerializer(MinimisedFieldsMixin, serializers.Serializer):
    """A registered household and where routing sent it.

    A partner's key receives only the fields its data-sharing agreement shares: the others are
    absent (not null). ``id``, ``agency``, ``created_at`` and ``updated_at`` are always given.
    """

    shared_resource = "household"

    id = serializers.UUIDField(source="public_id")
    registration_number = serializers.CharField()
    arrival_date = CalendarDateField()
    office = serializers.CharField(source="office.code")
    country_of_departure = serializers.CharField(source="country_of_departure_id")
    return_type = serializers.CharField(source="return_type_id")
    destination_province = serializers.CharField(source="destination_province_id")
    destination_district = serializers.CharField(source="destination_district_id", allow_null=True)
    phone = serializers.CharField()
    agency = serializers.CharField(source="routed_agency.code", help_text=_("UNHCR or IOM."))
    category = serializers.ChoiceField(choices=Category.choices)
    routing = RoutingSerializer(source="*")
    members = MemberSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# A destination is checked and changed as a pair (a new province clears the district; a district is
# checked against the province): a partner's key writes either only if its agreement shares both.
UPDATE_TOUCHES = {
    "destination_province": ["destination_district"],
    "destination_district": ["destination_province"],
}


class HouseholdUpdateSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    """The fields of a household that can change after registration; send only those that change."""

    phone = serializers.CharField(max_length=20, allow_blank=True, required=False)
    destination_province = serializers.CharField(required=False, help_text=_("OCHA P-code, e.g. AF06."))
    destination_district = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("OCHA P-code, e.g. AF0617; changing the province without a district clears it."),
    )

    # Any other field of a household exists, but cannot be changed here.
    unknown_field_code = "read_only"
    unknown_field_message = _("This field cannot be changed.")


class HouseholdRemovalSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    note = serializers.CharField(
        help_text=_(
            "Why, in a sentence (at least 10 characters; 30 for a household that received assistance): kept in "
            "the household's history and with the tombstone partners receive."
        )
    )
    assistance_confirmed = serializers.BooleanField(
        default=False,
        help_text=_(
            "Required (true) when assistance was recorded for the household: the manager confirms that it is "
            "withdrawn anyway (the assistance is kept and still counts in the report's totals)."
        ),
    )


class HouseholdMergeSerializer(HouseholdRemovalSerializer):
    into = serializers.UUIDField(help_text=_("The household that stays (its `id`); this one is folded into it."))


class DeletedRecordSerializer(serializers.Serializer):
    """A tombstone: a record deleted, merged into another, or re-routed out of the caller's agencies.

    A mirror drops the record unless its copy was updated after ``deleted_at`` (a household
    re-routed away and back again comes back through ``updated_since``).
    """

    id = serializers.UUIDField(source="public_id")
    reason = serializers.ChoiceField(choices=DeletedRecord.Reason.choices)
    merged_into = serializers.UUIDField(
        allow_null=True, help_text=_("The record it was merged into (read it to get its current state).")
    )
    deleted_at = serializers.DateTimeField()

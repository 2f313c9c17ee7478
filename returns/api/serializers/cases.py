"""Shapes of the cases API: cases with the transitions the caller may fire, history, assistance, referrals.

Input serializers only parse JSON (types, formats, codes to rows); whether an action is allowed is
decided by ``returns.services.cases``, the same functions the pages call, so both refuse with the same
codes and messages. Money is a decimal string with its currency (``"750.00"``, ``"USD"``), never
a float.
"""

from decimal import Decimal

from django import forms
from django.forms.utils import pretty_name
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.api.access import MinimisedFieldsMixin, agreement_field_names, api_key_of, covers_agency
from agencies.api.fields import CalendarDateField
from agencies.api.serializers import UnknownFieldsRefusedMixin
from agencies.models import Agency, Office, User
from returns.models import Assistance, AssistanceType, Case, CaseEvent, Member, MemberEntitlement, Referral
from returns.workflows import workflow_named

# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


class ReferralHouseholdSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_("The household's id in /api/v1/households/."))
    registration_number = serializers.CharField()


class CaseHouseholdSerializer(MinimisedFieldsMixin, ReferralHouseholdSerializer):
    # A partner gets the registration number only if its agreement shares the household's.
    shared_resource = "household"


class CaseSerializer(MinimisedFieldsMixin, serializers.Serializer):
    """A case as listed: where it stands in its agency's workflow and who works on it.

    A partner's key receives only the fields its data-sharing agreement shares (the others are
    absent); ``id``, ``household``, ``agency`` and ``updated_at`` are always given; the assignee's
    username never.
    """

    shared_resource = "case"
    shared_as = {"due_date": "stage_due_date"}
    staff_only = frozenset({"assigned_to"})

    id = serializers.UUIDField(source="public_id")
    case_number = serializers.CharField()
    household = CaseHouseholdSerializer()
    agency = serializers.CharField(source="agency.code", help_text=_("UNHCR or IOM."))
    office = serializers.CharField(
        source="office.code",
        help_text=_(
            "The office responsible for the case now: where the household was registered, or the team it was "
            "handed to (IOM: the province of destination)."
        ),
    )
    workflow = serializers.CharField(help_text=_("e.g. unhcr_voluntary_repatriation, iom_post_arrival."))
    stage = serializers.CharField()
    stage_label = serializers.SerializerMethodField()
    due_date = CalendarDateField(source="stage_due_date", allow_null=True, help_text=_("The current stage's."))
    overdue = serializers.SerializerMethodField(help_text=_("Open and past the current stage's due date."))
    assigned_to = serializers.CharField(source="assigned_to.username", allow_null=True, help_text=_("A username."))
    is_vulnerable = serializers.BooleanField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        help_text=_("Send it back with a transition: a stale version is refused with 409 `case_changed`.")
    )
    updated_at = serializers.DateTimeField()

    def get_stage_label(self, case: Case) -> str:
        return str(workflow_named(case.workflow).stage(case.stage).label)

    def get_overdue(self, case: Case) -> bool:
        today = self.context.get("today") or timezone.localdate()
        return case.closed_at is None and case.stage_due_date is not None and case.stage_due_date < today

    @extend_schema_field(serializers.ChoiceField(choices=Case.Outcome.choices, allow_null=True))
    def get_outcome(self, case: Case) -> str | None:
        return case.outcome or None


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


INPUT_TYPES = (
    # Most specific first: MultipleChoiceField is a ChoiceField.
    (forms.MultipleChoiceField, "multiple_choice"),
    (forms.ChoiceField, "choice"),
    (forms.BooleanField, "boolean"),
    (forms.DateField, "date"),
    (forms.IntegerField, "integer"),
    (forms.DecimalField, "decimal"),
)


class TransitionInputSerializer(serializers.Serializer):
    """One field of a transition's form, to send in ``inputs`` under its ``name``."""

    name = serializers.CharField(help_text=_("The key in `inputs`, e.g. documents_checked, iris_<member id>."))
    type = serializers.ChoiceField(
        choices=[kind for _field, kind in INPUT_TYPES] + ["string"],
        help_text=_(
            "boolean: true or false; choice: one `value` of `choices`; multiple_choice: a list of them; "
            "date: YYYY-MM-DD; string: text."
        ),
    )
    label = serializers.CharField()
    required = serializers.BooleanField(help_text=_("For a boolean: it must be true."))
    choices = ChoiceSerializer(many=True, allow_null=True)
    help_text = serializers.CharField()

    def to_representation(self, named_field):
        name, field = named_field
        kind = next((kind for field_class, kind in INPUT_TYPES if isinstance(field, field_class)), "string")
        choices = None
        if isinstance(field, forms.ChoiceField):
            choices = [{"value": str(value), "label": str(label)} for value, label in field.choices if value != ""]
        return {
            "name": name,
            "type": kind,
            "label": str(field.label if field.label is not None else pretty_name(name)),
            "required": field.required,
            "choices": choices,
            "help_text": str(field.help_text),
        }


class AllowedTransitionSerializer(serializers.Serializer):
    """A transition the caller may fire from the case's stage now; guards are checked when it is fired."""

    code = serializers.CharField(help_text=_("Send as `transition`."))
    label = serializers.CharField()
    target = serializers.CharField(help_text=_("The stage the case goes to."))
    target_label = serializers.CharField()
    inputs = TransitionInputSerializer(many=True)

    def to_representation(self, allowed):
        # ``allowed`` is one (transition, form class) pair of ``returns.services.cases.allowed_transitions``.
        transition, form_class = allowed
        workflow = self.context["workflow"]
        return {
            "code": transition.code,
            "label": str(transition.label),
            "target": transition.target,
            "target_label": str(workflow.stage(transition.target).label),
            "inputs": [TransitionInputSerializer().to_representation(item) for item in form_class.base_fields.items()],
        }


class EntitlementSerializer(serializers.Serializer):
    """One member's entitlement in a UNHCR case, decided at verification: the grant is paid per eligible member."""

    member = serializers.UUIDField(source="member.public_id")
    decision = serializers.ChoiceField(choices=MemberEntitlement.Decision.choices)
    reason = serializers.CharField(help_text=_("Why the member was refused (empty otherwise)."))
    decided_at = serializers.DateTimeField()


class CaseDetailSerializer(CaseSerializer):
    """A case with the transitions the caller may fire now, each with the inputs it needs, and the
    per-member entitlement decided at verification (UNHCR cases; empty before verification).

    Pass ``allowed_transitions`` (from ``returns.services.cases.allowed_transitions``) in the context.
    """

    entitlements = EntitlementSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    @extend_schema_field(AllowedTransitionSerializer(many=True))
    def get_allowed_transitions(self, case: Case) -> list:
        context = {"workflow": workflow_named(case.workflow)}
        return AllowedTransitionSerializer(self.context["allowed_transitions"], many=True, context=context).data


class CaseEventSerializer(MinimisedFieldsMixin, serializers.Serializer):
    """One event of a case's history. A partner's key (its agreement shares ``case.events``) is not
    told who acted (``actor``), nor, on an assignment, to whom (the ``note`` and ``details``); a
    referral's reason (the ``note`` of ``referral_made``) only if its agreement shares ``referral.reason``."""

    staff_only = frozenset({"actor"})
    always_given = frozenset({"kind", "kind_label", "created_at", "transition", "from_stage", "to_stage"})

    kind = serializers.ChoiceField(choices=CaseEvent.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    actor = serializers.CharField(
        source="actor.username", allow_null=True, help_text=_("A username; null: the system.")
    )
    created_at = serializers.DateTimeField()
    transition = serializers.CharField()
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    note = serializers.CharField()
    details = serializers.DictField(help_text=_("What else the event records, e.g. the assistance or referral id."))

    def to_representation(self, event: CaseEvent) -> dict:
        answer = super().to_representation(event)
        request = self.context.get("request")
        if api_key_of(request) is None:
            return answer
        if event.kind == CaseEvent.Kind.ASSIGNED:
            # The note is the assignee's username, the details the users' ids.
            del answer["note"], answer["details"]
        elif event.kind == CaseEvent.Kind.REFERRAL_MADE and "referral.reason" not in agreement_field_names(request):
            del answer["note"]  # the referral's reason, shared only as the referral shares it
        return answer


class TransitionRequestSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    transition = serializers.CharField(help_text=_("A `code` from the case's `allowed_transitions`."))
    version = serializers.IntegerField(
        min_value=1, help_text=_("The case's `version` as last read; if it has changed since: 409, nothing done.")
    )
    inputs = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            'The transition\'s inputs by `name`, e.g. {"documents_checked": true, "iris_<member id>": "clear"}.'
        ),
    )


class CaseAssignSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    cases = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=500)
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        help_text=_("A colleague's username; null to unassign."),
    )


class CaseAssignResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text=_("How many cases changed hands (already assigned ones did not)."))


# ---------------------------------------------------------------------------------------------
# Assistance
# ---------------------------------------------------------------------------------------------


class MoneyField(serializers.DecimalField):
    """An amount as a decimal string; a JSON float is refused so that no cent is lost on the way."""

    default_error_messages = {"float": _('Send the amount as a string, e.g. "750.00".')}

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


class AssistanceSerializer(MinimisedFieldsMixin, serializers.Serializer):
    """Assistance given. A partner's key is not told who recorded or approved it (usernames)."""

    staff_only = frozenset({"recorded_by", "approved_by"})
    always_given = frozenset(
        {"id", "case", "assistance_type", "assistance_type_name", "is_cash", "member", "quantity", "value"}
        | {"currency", "delivered_on", "office", "recorded_at", "approval", "needs_manager_approval", "approved_at"}
        | {"note"}
    )

    id = serializers.UUIDField(source="public_id")
    case = serializers.UUIDField(source="case.public_id")
    assistance_type = serializers.CharField(source="assistance_type.code")
    assistance_type_name = serializers.CharField(source="assistance_type.name")
    is_cash = serializers.BooleanField(source="assistance_type.is_cash")
    member = serializers.UUIDField(source="member.public_id", allow_null=True, help_text=_("null: the household."))
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(help_text=_("ISO 4217, e.g. USD; blank when there is no value."))
    delivered_on = CalendarDateField()
    office = serializers.CharField(source="office.code")
    recorded_by = serializers.CharField(source="recorded_by.username")
    recorded_at = serializers.DateTimeField()
    approval = serializers.ChoiceField(choices=Assistance.Approval.choices)
    needs_manager_approval = serializers.BooleanField()
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


class AssistanceRecordSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    """Assistance given. Codes are resolved against the case (pass ``case`` and ``user`` in the context)."""

    assistance_type = serializers.CharField(help_text=_("A code of the agency's catalogue, e.g. cash_grant, nfi_kit."))
    delivered_on = CalendarDateField(required=False, help_text=_("Default: today."))
    office = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Office.objects.filter(is_active=True),
        required=False,
        help_text=_(
            "Office code; default: the user's office. An office of the case's agency or a shared place "
            "(a crossing point)."
        ),
    )
    quantity = MoneyField(max_digits=10, decimal_places=2, required=False, default=Decimal(1))
    value = MoneyField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "A decimal string above zero; leave it out for in-kind assistance. For the repatriation grant, "
            "leave it out: it comes from the grant rates."
        ),
    )
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    member = serializers.UUIDField(required=False, allow_null=True, default=None, help_text=_("null: the household."))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    override_justification = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Assistance given once per person (the repatriation grant, cash for protection) is refused with the "
            "code `already_granted` when someone it pays, or a likely duplicate, had it already. A manager of the "
            "case's agency may record it anyway by writing here why it is given again (kept with the assistance "
            "and in the case's history; used only when it would otherwise be refused). Anyone else sending it is "
            "refused (403)."
        ),
    )

    def validate_assistance_type(self, code: str) -> AssistanceType:
        found = AssistanceType.objects.filter(agency_id=self.context["case"].agency_id, code=code).first()
        if found is None:
            raise serializers.ValidationError(
                _("Choose assistance from your agency's catalogue."), code="invalid_choice"
            )
        return found

    def validate_member(self, public_id) -> Member | None:
        return _household_member(self.context["case"], public_id)

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("delivered_on", timezone.localdate())
        attrs["office"] = attrs.get("office") or self.context["user"].office
        if attrs["office"] is None:
            raise serializers.ValidationError({"office": [_("Say at which office it was given.")]}, code="required")
        return attrs


def _household_member(case: Case, public_id) -> Member | None:
    if public_id is None:
        return None
    found = Member.objects.filter(household_id=case.household_id, public_id=public_id).first()
    if found is None:
        raise serializers.ValidationError(_("Choose a member of this household."), code="invalid_choice")
    return found


class AssistanceDecisionSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    approve = serializers.BooleanField(help_text=_("true approves, false rejects (then say why in `note`)."))
    note = serializers.CharField(required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------------


# What a referral says of the person referred: for a partner's key, only from an agency its agreement covers.
REFERRED_PERSON = ("case", "case_number", "household", "member", "reason", "flag")


class ReferralSerializer(MinimisedFieldsMixin, serializers.Serializer):
    """A referral. A partner's key (the referrals addressed to it) always receives what it needs to
    answer (service, status, due date, agencies); the person referred as its agreement says: the
    case and household numbers if it shares them, the reason if it shares ``referral.reason``, the
    household's flag with its routing, and none of it when the referring case's agency is not one
    whose records the agreement covers. Usernames never."""

    shared_resource = "referral"
    shared_as = {
        "case_number": "case.case_number",
        "member": "household.members",
        "flag": "household.routing",
    }
    staff_only = frozenset({"created_by", "responded_by"})
    always_given = frozenset(
        {"id", "from_agency", "to_agency", "service", "status", "due_date", "overdue_since", "response"}
        | {"responded_at", "created_at"}
    )

    id = serializers.UUIDField(source="public_id")
    case = serializers.UUIDField(
        source="case.public_id", help_text=_("The referring case (readable by the referring agency only).")
    )
    case_number = serializers.CharField(source="case.case_number")
    household = CaseHouseholdSerializer(source="case.household")
    member = serializers.UUIDField(source="member.public_id", allow_null=True, help_text=_("null: the household."))
    from_agency = serializers.CharField(source="from_agency.code")
    to_agency = serializers.CharField(source="to_agency.code")
    service = serializers.ChoiceField(choices=Referral.Service.choices)
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    due_date = CalendarDateField(help_text=_("When the answer is due."))
    overdue_since = CalendarDateField(
        allow_null=True, help_text=_("The night it was found still pending after its due date; null: not overdue.")
    )
    flag = serializers.CharField(
        source="follow_up.flag",
        allow_null=True,
        help_text=_(
            "The household flag this referral follows up (e.g. protection_follow_up, unhcr_verification); "
            "null: made by a person."
        ),
    )
    response = serializers.CharField()
    responded_by = serializers.CharField(source="responded_by.username", allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()

    def to_representation(self, referral: Referral) -> dict:
        answer = super().to_representation(referral)
        if not covers_agency(self.context.get("request"), referral.case.agency_id):
            for name in REFERRED_PERSON:
                answer.pop(name, None)
        return answer


class ReferralMakeSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    """A referral from a case (pass ``case`` in the context)."""

    to_agency = serializers.SlugRelatedField(
        slug_field="code", queryset=Agency.objects.all(), help_text=_("Agency or partner code, e.g. IOM.")
    )
    service = serializers.ChoiceField(choices=Referral.Service.choices)
    reason = serializers.CharField(allow_blank=True)
    due_date = CalendarDateField(help_text=_("When the answer is due; not in the past."))
    member = serializers.UUIDField(required=False, allow_null=True, default=None, help_text=_("null: the household."))

    def validate_member(self, public_id) -> Member | None:
        return _household_member(self.context["case"], public_id)


class ReferralAnswerSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Referral.Status.ACCEPTED, Referral.Status.DECLINED, Referral.Status.COMPLETED],
        help_text=_("A pending referral is accepted or declined; an accepted one is completed."),
    )
    response = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required when declining.")
    )

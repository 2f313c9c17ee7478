"""Case page forms. They only *parse* what the case worker typed; the rules live in the services.

A service refuses with ``agencies.problems.Refused`` (problems keyed by field); ``problems_show``
puts each message beside the field it concerns, or above the form when no field matches.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.fields import CalendarDateField
from agencies.models import User
from returns.models import Referral
from returns.workflows.base import NoInputs

UNASSIGNED = "unassigned"


def problems_show(form: forms.Form, problems: dict) -> None:
    """Attach a service's problems to the form: beside their field, or above the form.

    A message the form's own validation already shows (the service validates the same form) is
    not repeated.
    """
    for field, field_problems in problems.items():
        target = field if field in form.fields else None
        shown = form.errors.get(target or forms.forms.NON_FIELD_ERRORS, [])
        for problem in field_problems:
            if problem.message not in shown:
                form.add_error(target, problem.message)


def transition_form(form_class: type[forms.Form], *, transition, data=None) -> forms.Form:
    """A transition's input form. Field names stay as the service reads them; ids are per transition,
    so several actions on one page never share an id."""
    form = form_class(data=data, auto_id=f"id_{transition.code}_%s")
    for field in form.fields.values():
        # A required choice (an iris result) starts empty, so that nobody records "verified" by
        # leaving the first option; the service refuses the empty value beside the field.
        if (
            field.required
            and isinstance(field, forms.ChoiceField)
            and not isinstance(field, forms.MultipleChoiceField)
            and isinstance(field.widget, forms.Select)
            and all(value != "" for value, _label in field.choices)
        ):
            field.choices = [("", _("Choose…")), *field.choices]
    return form


def has_inputs(form_class: type[forms.Form]) -> bool:
    """Whether the transition asks for more than an optional note."""
    return form_class is not NoInputs


class AssistanceForm(forms.Form):
    assistance_type = forms.ChoiceField(label=_("Assistance"))
    member = forms.ChoiceField(label=_("Member"), required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
    )
    value = forms.DecimalField(
        label=_("Value"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
    )
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
        help_text=_("USD or AFN, with a value."),
    )
    delivered_on = CalendarDateField(label=_("Delivered on"))
    office = forms.ChoiceField(label=_("Office"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # Shown only to a manager of the case's agency, once a grant was refused as already given.
    override_justification = forms.CharField(
        label=_("Why it is given again"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Written reason for letting this grant through although it was given already. Kept on record."),
    )

    def __init__(self, *args, assistance_types, members, offices, user, **kwargs):
        kwargs.setdefault("auto_id", "id_assistance_%s")
        kwargs.setdefault(
            "initial",
            {
                "delivered_on": timezone.localdate(),
                "office": _office_code(offices, user.office_id),
                "quantity": 1,
                "currency": "USD",
            },
        )
        super().__init__(*args, **kwargs)
        self.assistance_types = {assistance_type.code: assistance_type for assistance_type in assistance_types}
        self.members = {str(member.public_id): member for member in members}
        self.offices = {office.code: office for office in offices}
        self.fields["assistance_type"].choices = [("", _("Choose…"))] + [
            (code, assistance_type.shown_name) for code, assistance_type in self.assistance_types.items()
        ]
        self.fields["member"].choices = [("", _("The whole household"))] + [
            (key, str(member)) for key, member in self.members.items()
        ]
        self.fields["office"].choices = [("", _("Choose…"))] + [(office.code, office.shown_name) for office in offices]

    def assistance(self) -> dict:
        """The keyword arguments of ``assistance_record``, from the parsed form."""
        data = self.cleaned_data
        value = data.get("value")
        return {
            "assistance_type": self.assistance_types[data["assistance_type"]],
            "member": self.members.get(data.get("member") or ""),
            "quantity": data["quantity"],
            "value": value,
            "currency": (data.get("currency") or "").strip() if value is not None else "",
            "delivered_on": data["delivered_on"],
            "office": self.offices[data["office"]],
            "note": data.get("note") or "",
            "override_justification": data.get("override_justification") or "",
        }


def _office_code(offices, office_id) -> str:
    return next((office.code for office in offices if office.pk == office_id), "")


class AssistanceDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 1}))

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class ReferralForm(forms.Form):
    to_agency = forms.ChoiceField(label=_("Refer to"))
    service = forms.ChoiceField(label=_("Service needed"), choices=[("", _("Choose…")), *Referral.Service.choices])
    member = forms.ChoiceField(label=_("Member"), required=False)
    due_date = CalendarDateField(label=_("Answer due"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, members, agencies, **kwargs):
        kwargs.setdefault("auto_id", "id_referral_%s")
        kwargs.setdefault("initial", {"due_date": timezone.localdate() + datetime.timedelta(days=Referral.ANSWER_DAYS)})
        super().__init__(*args, **kwargs)
        self.agencies = {agency.code: agency for agency in agencies if agency.pk != case.agency_id}
        self.members = {str(member.public_id): member for member in members}
        self.fields["to_agency"].choices = [("", _("Choose…"))] + [
            (code, f"{code} – {agency.shown_name}") for code, agency in self.agencies.items()
        ]
        self.fields["member"].choices = [("", _("The whole household"))] + [
            (key, str(member)) for key, member in self.members.items()
        ]

    def referral(self) -> dict:
        data = self.cleaned_data
        return {
            "to_agency": self.agencies[data["to_agency"]],
            "service": data["service"],
            "reason": data["reason"],
            "due_date": data["due_date"],
            "member": self.members.get(data.get("member") or ""),
        }


def _assignee_choices(assignees) -> list:
    return [
        ("", _("Choose…")),
        (UNASSIGNED, _("Nobody (unassign)")),
        *[
            (assignee.username, f"{assignee.get_full_name() or assignee.username} ({assignee.get_role_display()})")
            for assignee in assignees
        ],
    ]


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"))

    def __init__(self, *args, assignees, **kwargs):
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        self.assignees = {assignee.username: assignee for assignee in assignees}
        self.fields["assignee"].choices = _assignee_choices(assignees)

    def chosen_assignee(self) -> User | None:
        return self.assignees.get(self.cleaned_data["assignee"])


class AnyValuesField(forms.MultipleChoiceField):
    """Case ids ticked in the list; the service decides which the manager may assign."""

    def valid_value(self, value) -> bool:
        return True


class BulkAssignForm(AssignForm):
    cases = AnyValuesField(label=_("Cases"), error_messages={"required": _("Tick the cases to assign.")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)


class ReferralAnswerForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Referral.Status.ACCEPTED, _("Accept")),
            (Referral.Status.DECLINED, _("Decline")),
            (Referral.Status.COMPLETED, _("Completed")),
        ]
    )
    response = forms.CharField(label=_("Response"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

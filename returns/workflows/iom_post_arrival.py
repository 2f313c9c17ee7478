"""IOM post-arrival assistance for undocumented returnees.

    reception → screening → assistance → transport → reintegration → closed
                                 │            └──────────────────────→ closed (not vulnerable)
                                 └─ basic package only ──────────────→ closed (single adult, not vulnerable)

Screening records IOM vulnerability codes per member; vulnerable households go on to
reintegration and protection case management (assessment, referrals, cash for protection)
within about three months of return; others close after onward transport, and a non-vulnerable
single adult may close after the basic package.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.roles import CASE_STAFF, CASE_WORKERS
from returns.models import Assistance, Case, Member, NeedCode
from returns.workflows.base import Changes, Stage, Transition, TransitionContext, Workflow

ADULT_AGE = 18
REINTEGRATION_DAYS = 90


def vulnerability_field_name(member) -> str:
    return f"vulnerabilities_{member.public_id}"


def screening_form(context: TransitionContext) -> type[forms.Form]:
    """IOM vulnerability codes for each member (none: not vulnerable)."""
    choices = [
        (need.code, f"{need.code} {need.name}")
        for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY, is_active=True)
    ]
    fields = {
        vulnerability_field_name(member): forms.MultipleChoiceField(
            label=gettext_lazy("Vulnerabilities: %(name)s") % {"name": str(member)},
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        for member in context.members
    }
    fields["note"] = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    return type("ScreeningForm", (forms.Form,), fields)


class ReintegrationForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Assessment and what was done (referrals, cash for protection)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def assistance_recorded(context: TransitionContext) -> str | None:
    if any(item.approval != Assistance.Approval.REJECTED for item in context.assistance):
        return None
    return _("Record the post-arrival assistance given (meals, transit nights, NFI kit, cash for transport) first.")


def single_adult_not_vulnerable(context: TransitionContext) -> str | None:
    members = context.members
    if len(members) != 1 or (context.age_of(members[0]) or 0) < ADULT_AGE:
        return _("Only a single adult may close after the basic package.")
    if context.case.is_vulnerable:
        return _("A vulnerable returnee goes on to transport and reintegration.")
    return None


def vulnerable(context: TransitionContext) -> str | None:
    if context.case.is_vulnerable:
        return None
    return _("Screening found no vulnerability: close the case after transport instead.")


def not_vulnerable(context: TransitionContext) -> str | None:
    if not context.case.is_vulnerable:
        return None
    return _("Screening found vulnerabilities: go on to reintegration and protection case management.")


def record_vulnerabilities(context: TransitionContext) -> Changes:
    """Add the IOM vulnerability codes chosen for each member; the case is vulnerable if any."""
    codes = {need.code: need for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY)}
    links = [
        Member.specific_needs.through(member_id=member.pk, needcode_id=codes[code].pk)
        for member, chosen in context.member_inputs(vulnerability_field_name)
        for code in chosen
    ]
    Member.specific_needs.through.objects.bulk_create(links, ignore_conflicts=True)
    return Changes(case_fields={"is_vulnerable": bool(links)})


WORKFLOW = Workflow(
    code="iom_post_arrival",
    agency_code="IOM",
    label=gettext_lazy("IOM post-arrival assistance"),
    case_number_prefix="PA",
    stages=(
        Stage("reception", gettext_lazy("Reception at the border"), due_in_days=1),
        Stage("screening", gettext_lazy("Vulnerability screening"), due_in_days=1),
        Stage("assistance", gettext_lazy("Post-arrival assistance"), due_in_days=2),
        Stage("transport", gettext_lazy("Onward transport"), due_in_days=3),
        Stage("reintegration", gettext_lazy("Reintegration and protection"), due_after_arrival_days=REINTEGRATION_DAYS),
        Stage("closed", gettext_lazy("Closed")),
    ),
    final_stage_code="closed",
    transitions=(
        Transition("receive", gettext_lazy("Received: go to screening"), "reception", "screening", roles=CASE_STAFF),
        Transition(
            "screen",
            gettext_lazy("Screened: go to assistance"),
            "screening",
            "assistance",
            roles=CASE_WORKERS,
            inputs=screening_form,
            effects=(record_vulnerabilities,),
        ),
        Transition(
            "complete_assistance",
            gettext_lazy("Assistance given: arrange transport"),
            "assistance",
            "transport",
            roles=CASE_WORKERS,
            guards=(assistance_recorded,),
        ),
        Transition(
            "close_after_basic_package",
            gettext_lazy("Close after the basic package"),
            "assistance",
            "closed",
            roles=CASE_WORKERS,
            guards=(assistance_recorded, single_adult_not_vulnerable),
            outcome=Case.Outcome.BASIC_PACKAGE,
            style="secondary",
        ),
        Transition(
            "complete_transport",
            gettext_lazy("Transported: start reintegration"),
            "transport",
            "reintegration",
            roles=CASE_STAFF,
            guards=(vulnerable,),
        ),
        Transition(
            "close_after_transport",
            gettext_lazy("Transported: close"),
            "transport",
            "closed",
            roles=CASE_STAFF,
            guards=(not_vulnerable,),
            outcome=Case.Outcome.ASSISTED,
        ),
        Transition(
            "close_reintegration",
            gettext_lazy("Reintegration done: close"),
            "reintegration",
            "closed",
            roles=CASE_WORKERS,
            inputs=ReintegrationForm,
            outcome=Case.Outcome.REINTEGRATION_COMPLETED,
        ),
    ),
)

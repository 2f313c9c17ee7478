"""UNHCR voluntary repatriation, after the household has crossed.

    verification → encashment → services → closed
         └──────── refuse the grant, refer to IOM ─────→ closed

Verification checks the refugee card or VRF and records iris verification for every member aged
5 or over; a member assisted before (a recycler) or who cannot be verified blocks the grant, and
the case can be closed with a referral to IOM. The grant is recorded as assistance (its amount
from the grant rates) and approved by a second person before it is paid. Completing the services
closes the case: return monitoring is a sample drawn apart from the case (``returns.services.monitoring``),
and a case does not wait for it.
"""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from agencies.roles import CASE_WORKERS
from returns.models import Assistance, Case, MemberVerification, Referral
from returns.workflows.base import Changes, ReferralToMake, Stage, Transition, TransitionContext, Workflow

IRIS_FROM_AGE = 5


def iris_field_name(member) -> str:
    return f"iris_{member.public_id}"


def verification_form(context: TransitionContext, *, refusing: bool = False) -> type[forms.Form]:
    """Documents checked, and an iris result for each member aged 5 or over."""
    fields = {
        "documents_checked": forms.BooleanField(
            label=gettext_lazy("The refugee card or VRF was checked and is genuine"), required=not refusing
        )
    }
    for member in context.members:
        age = context.age_of(member)
        if age is not None and age >= IRIS_FROM_AGE:
            fields[iris_field_name(member)] = forms.ChoiceField(
                label=gettext_lazy("Iris verification: %(name)s") % {"name": str(member)},
                choices=MemberVerification.Result.choices,
            )
    fields["note"] = forms.CharField(
        label=gettext_lazy("Why the grant is refused") if refusing else gettext_lazy("Note"),
        required=refusing,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    return type("VerificationForm", (forms.Form,), fields)


def refusal_form(context: TransitionContext) -> type[forms.Form]:
    return verification_form(context, refusing=True)


def _unclear_members(context: TransitionContext) -> list[str]:
    return [
        str(member)
        for member in context.members
        if context.inputs.get(iris_field_name(member), MemberVerification.Result.CLEAR)
        != MemberVerification.Result.CLEAR
    ]


def every_member_verified_clear(context: TransitionContext) -> str | None:
    unclear = _unclear_members(context)
    if unclear:
        return _(
            "%(names)s: assisted before or not verified. The grant cannot be paid; "
            "use “Refuse the grant and refer to IOM”."
        ) % {"names": ", ".join(unclear)}
    return None


def some_verification_failed(context: TransitionContext) -> str | None:
    if _unclear_members(context) or not context.inputs.get("documents_checked"):
        return None
    return _("Every member was verified: the grant can be paid. Refuse it only when a verification failed.")


def grant_approved(context: TransitionContext) -> str | None:
    if any(
        item.assistance_type.is_grant and item.approval == Assistance.Approval.APPROVED for item in context.assistance
    ):
        return None
    return _("Record the cash grant and have a second person approve it before paying.")


def needs_referred_or_explained(context: TransitionContext) -> str | None:
    with_needs = [member for member in context.members if member.specific_needs.all()]
    if not with_needs or context.referrals or context.inputs.get("note", "").strip():
        return None
    return _("%(names)s have specific needs: make a referral, or note why none is needed.") % {
        "names": ", ".join(str(member) for member in with_needs)
    }


def services_delivered(context: TransitionContext) -> str | None:
    missing = [
        label
        for key, label in (
            ("health_screening", _("health screening")),
            ("mine_risk_awareness", _("mine-risk awareness")),
        )
        if not context.inputs.get(key)
    ]
    if missing:
        return _("Not yet done: %(services)s.") % {"services": ", ".join(missing)}
    return None


class ServicesForm(forms.Form):
    health_screening = forms.BooleanField(label=gettext_lazy("Health screening and vaccination done"), required=False)
    mine_risk_awareness = forms.BooleanField(label=gettext_lazy("Mine-risk awareness session attended"), required=False)
    note = forms.CharField(
        label=gettext_lazy("Referrals for specific needs, or why none is needed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def record_verifications(context: TransitionContext) -> Changes:
    """Save the iris result typed for each member aged 5 or over."""
    MemberVerification.objects.bulk_create(
        [
            MemberVerification(case=context.case, member=member, result=result, recorded_by=context.actor)
            for member, result in context.member_inputs(iris_field_name)
        ],
        update_conflicts=True,
        unique_fields=["case", "member"],
        update_fields=["result", "recorded_by"],
    )
    return Changes()


def refer_to_iom(context: TransitionContext) -> Changes:
    """A household refused the grant goes to IOM for post-arrival assistance."""
    return Changes(
        referrals=(
            ReferralToMake(
                to_agency=Agency.objects.get(code="IOM"),
                service=Referral.Service.ASSISTANCE,
                reason=_("UNHCR verification failed: %(note)s") % {"note": context.inputs.get("note", "")},
                due_date=context.today + datetime.timedelta(days=Referral.ANSWER_DAYS),
            ),
        )
    )


WORKFLOW = Workflow(
    code="unhcr_voluntary_repatriation",
    agency_code="UNHCR",
    label=gettext_lazy("UNHCR voluntary repatriation"),
    case_number_prefix="VR",
    stages=(
        Stage("verification", gettext_lazy("Document and iris verification"), due_in_days=1),
        Stage("encashment", gettext_lazy("Encashment (cash grant)"), due_in_days=2),
        Stage("services", gettext_lazy("Services at the encashment centre"), due_in_days=2),
        Stage("closed", gettext_lazy("Closed")),
    ),
    final_stage_code="closed",
    transitions=(
        Transition(
            "verify",
            gettext_lazy("Verified: go to encashment"),
            "verification",
            "encashment",
            roles=CASE_WORKERS,
            inputs=verification_form,
            guards=(every_member_verified_clear,),
            effects=(record_verifications,),
        ),
        Transition(
            "refuse_grant",
            gettext_lazy("Refuse the grant and refer to IOM"),
            "verification",
            "closed",
            roles=CASE_WORKERS,
            inputs=refusal_form,
            guards=(some_verification_failed,),
            effects=(record_verifications, refer_to_iom),
            outcome=Case.Outcome.NOT_ELIGIBLE,
            style="danger",
        ),
        Transition(
            "pay_grant",
            gettext_lazy("Grant paid: go to services"),
            "encashment",
            "services",
            roles=CASE_WORKERS,
            guards=(grant_approved,),
        ),
        Transition(
            "complete_services",
            gettext_lazy("Services done: close the case"),
            "services",
            "closed",
            roles=CASE_WORKERS,
            inputs=ServicesForm,
            guards=(services_delivered, needs_referred_or_explained),
            outcome=Case.Outcome.ASSISTED,
        ),
    ),
)

"""UNHCR voluntary repatriation, after the household has crossed.

    verification → encashment → services → supplement → closed
         └──────── refuse the grant, refer to IOM ──────────────→ closed

Verification checks the refugee card or VRF (the case page sets the VRF against the manifests the
repatriation centres sent: ``returns.manifests``), records iris verification for every covered member
aged 5 or over, and decides each member's entitlement (``returns.entitlement``): members not on the
VRF are referred to IOM for screening, a member assisted before (a recycler) or refused with a
reason is not paid, and the others are. Only when nobody can be paid is the grant refused and the
family referred to IOM. The grant is recorded as assistance (its amount from the grant rate of the
arrival date, per eligible member) and approved by a second person before it is paid. After the
services the case waits for the return supplement (once per family, about three months after
arrival, ``returns.supplements``) and closes when it is paid, or at once when nothing is owed (an
arrival before 2023, or a family whose other parts were paid it). Return monitoring is a sample
drawn apart from the case (``returns.services.monitoring``): a case does not wait for it.
"""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from agencies.roles import CASE_WORKERS
from returns.entitlement import Decision, Verified, decide, volrep_covered
from returns.models import Assistance, Case, MemberEntitlement, MemberVerification, Referral
from returns.reference import reference_data
from returns.routing import household_papers, people_coverage
from returns.supplements import supplement_owed
from returns.workflows.base import Changes, ReferralToMake, Stage, Transition, TransitionContext, Workflow

IRIS_FROM_AGE = 5
SUPPLEMENT_STAGE = "supplement"
# When the supplement stage falls due: the usual delay (``SupplementRule.due_after_days``); a case whose
# arrival no supplement rule covers closes from it straight away.
SUPPLEMENT_DUE_DAYS = 90


def iris_field_name(member) -> str:
    return f"iris_{member.public_id}"


def refusal_field_name(member) -> str:
    return f"refuse_{member.public_id}"


def volrep_coverage(context: TransitionContext) -> list[tuple]:
    """(member, covered by voluntary repatriation, coverage) for each member, on the arrival date."""
    members = context.members
    arrival = context.household.arrival_date
    papers = household_papers(members, arrival=arrival)
    coverage, _decrees = people_coverage(papers, arrival=arrival, reference=reference_data())
    covered = volrep_covered(papers, coverage, category=context.household.category)
    return list(zip(members, covered, coverage, strict=True))


def verification_form(context: TransitionContext, *, refusing: bool = False) -> type[forms.Form]:
    """Documents checked; for each member voluntary repatriation covers, an iris result (from age 5) and a refusal.

    Members it does not cover (not on the VRF, undocumented) get their decision without a question.
    """
    fields = {
        "documents_checked": forms.BooleanField(
            label=gettext_lazy("The refugee card or VRF was checked and is genuine"), required=not refusing
        )
    }
    for member, covered, _coverage in volrep_coverage(context):
        if not covered:
            continue
        age = context.age_of(member)
        if age is not None and age >= IRIS_FROM_AGE:
            fields[iris_field_name(member)] = forms.ChoiceField(
                label=gettext_lazy("Iris verification: %(name)s") % {"name": str(member)},
                choices=MemberVerification.Result.choices,
            )
        fields[refusal_field_name(member)] = forms.CharField(
            label=gettext_lazy("Refuse %(name)s the grant, because") % {"name": str(member)},
            required=False,
            max_length=300,
            help_text=gettext_lazy("Leave empty to pay this member."),
        )
    fields["note"] = forms.CharField(
        label=gettext_lazy("Why the grant is refused") if refusing else gettext_lazy("Note"),
        required=refusing,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    return type("VerificationForm", (forms.Form,), fields)


def refusal_form(context: TransitionContext) -> type[forms.Form]:
    return verification_form(context, refusing=True)


def entitlement_decisions(context: TransitionContext) -> list[tuple]:
    """(member, decision, reason) for every member, from coverage and what verification found.

    Documents not confirmed genuine (the grant refused for that) leave nobody eligible.
    """
    unconfirmed = "" if context.inputs.get("documents_checked") else _("The documents were not confirmed genuine.")
    return [
        (
            member,
            *decide(
                covered=covered,
                person=coverage,
                verified=Verified(
                    iris=context.inputs.get(iris_field_name(member)),
                    refusal=context.inputs.get(refusal_field_name(member), "") or unconfirmed,
                ),
            ),
        )
        for member, covered, coverage in volrep_coverage(context)
    ]


def someone_eligible(context: TransitionContext) -> str | None:
    if any(decision == Decision.ELIGIBLE for _member, decision, _reason in entitlement_decisions(context)):
        return None
    return _(
        "No member is eligible for the grant (not on the VRF, assisted before, or refused). "
        "Use “Refuse the grant and refer to IOM”."
    )


def nobody_eligible(context: TransitionContext) -> str | None:
    eligible = [
        str(member)
        for member, decision, _reason in entitlement_decisions(context)
        if decision == Decision.ELIGIBLE and context.inputs.get("documents_checked")
    ]
    if not eligible:
        return None
    return _(
        "%(names)s can be paid: verify the family and refuse only the members who are not eligible, each with a reason."
    ) % {"names": ", ".join(eligible)}


def grant_approved(context: TransitionContext) -> str | None:
    if any(
        item.assistance_type.is_grant and item.approval == Assistance.Approval.APPROVED for item in context.assistance
    ):
        return None
    return _("Record the cash grant and have a second person approve it before paying.")


def supplement_settled(context: TransitionContext) -> str | None:
    """The return supplement is paid and approved, or nothing is owed (no rule for the arrival date, or the
    family's other parts were paid it)."""
    if any(
        item.assistance_type.is_supplement and item.approval == Assistance.Approval.APPROVED
        for item in context.assistance
    ):
        return None
    owed = supplement_owed(case=context.case)
    if owed is None or owed.amount == 0:
        return None
    return _(
        "Pay the return supplement of %(amount)s %(currency)s (due on %(date)s) and have a second person "
        "approve it first."
    ) % {"amount": owed.amount, "currency": owed.currency, "date": owed.due_on.isoformat()}


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
    """Save the iris result typed for each member aged 5 or over, and every member's entitlement."""
    MemberVerification.objects.bulk_create(
        [
            MemberVerification(case=context.case, member=member, result=result, recorded_by=context.actor)
            for member, result in context.member_inputs(iris_field_name)
        ],
        update_conflicts=True,
        unique_fields=["case", "member"],
        update_fields=["result", "recorded_by"],
    )
    MemberEntitlement.objects.bulk_create(
        [
            MemberEntitlement(
                case=context.case, member=member, decision=decision, reason=reason, decided_by=context.actor
            )
            for member, decision, reason in entitlement_decisions(context)
        ],
        update_conflicts=True,
        unique_fields=["case", "member"],
        update_fields=["decision", "reason", "decided_by"],
    )
    return Changes()


def refer_uncovered_to_iom(context: TransitionContext) -> Changes:
    """In a mixed family, each member voluntary repatriation does not cover is referred to IOM for screening."""
    uncovered = [
        (member, decision)
        for member, decision, _reason in entitlement_decisions(context)
        if decision in (Decision.NOT_ON_VRF, Decision.UNDOCUMENTED)
    ]
    if not uncovered:
        return Changes()
    iom = Agency.objects.get(code="IOM")
    due = context.today + datetime.timedelta(days=Referral.ANSWER_DAYS)
    labels = dict(Decision.choices)
    return Changes(
        referrals=tuple(
            ReferralToMake(
                to_agency=iom,
                service=Referral.Service.SCREENING,
                reason=_("%(name)s travels with a VolRep family but is not covered by it (%(decision)s).")
                % {"name": str(member), "decision": labels[decision]},
                due_date=due,
                member=member,
            )
            for member, decision in uncovered
        )
    )


def refer_to_iom(context: TransitionContext) -> Changes:
    """A household refused the grant goes to IOM for screening."""
    return Changes(
        referrals=(
            ReferralToMake(
                to_agency=Agency.objects.get(code="IOM"),
                service=Referral.Service.SCREENING,
                reason=_("No member could be paid the VolRep grant: %(note)s")
                % {"note": context.inputs.get("note", "")},
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
        Stage(
            SUPPLEMENT_STAGE,
            gettext_lazy("Return supplement (about three months after arrival)"),
            due_after_arrival_days=SUPPLEMENT_DUE_DAYS,
        ),
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
            guards=(someone_eligible,),
            effects=(record_verifications, refer_uncovered_to_iom),
        ),
        Transition(
            "refuse_grant",
            gettext_lazy("Refuse the grant and refer to IOM"),
            "verification",
            "closed",
            roles=CASE_WORKERS,
            inputs=refusal_form,
            guards=(nobody_eligible,),
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
            gettext_lazy("Services done: on to the return supplement"),
            "services",
            SUPPLEMENT_STAGE,
            roles=CASE_WORKERS,
            inputs=ServicesForm,
            guards=(services_delivered, needs_referred_or_explained),
        ),
        Transition(
            "close_after_supplement",
            gettext_lazy("Supplement paid, or none owed: close"),
            SUPPLEMENT_STAGE,
            "closed",
            roles=CASE_WORKERS,
            guards=(supplement_settled,),
            outcome=Case.Outcome.ASSISTED,
        ),
    ),
)

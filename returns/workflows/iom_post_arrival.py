"""IOM post-arrival assistance for undocumented returnees: screening decides.

    screening → assistance → transport → reintegration → closed (reintegration completed)
        │                        │    (handed to the IOM team of the province of destination)
        │                        └──────────────────────→ closed (assisted)
        └─ not eligible ─────────────────────────────────→ closed (counted, not assisted)

Counting at the border is a headcount (``BorderCount``), not a case per family: a case opens at
vulnerability screening. Most undocumented returnees are counted, not assisted (IOM assisted about
5% of arrivals from Iran in 2017-18), so "not eligible" is the usual, normal way to close a case,
with no assistance recorded. Eligible means vulnerable: the screener chooses, for each member, the
IOM vulnerability codes that make the household eligible; at least one is needed, and being a
deported family (DF) is not enough by itself. The screening's event lists the codes per member.

An eligible household gets the post-arrival package and onward transport. Then the case worker
decides: the most vulnerable go on to reintegration and protection case management within about
three months of return, by the IOM team of their province of destination (going on hands the case
to that team's office, with its history; it stays where it is when IOM has no office there);
the others close as assisted after transport.

What changed, and why the later stages are simpler: "close after the basic package" (a single
adult, not vulnerable) and the guards that sent the vulnerable to reintegration and the others to
closing existed for households screened *not* vulnerable that were assisted all the same.
Screening now closes those as counted, not assisted, so every case past screening is eligible;
whether it needs protection case management is the case worker's call at transport. The outcome
``basic_package`` stays for cases closed before.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Office
from agencies.roles import CASE_STAFF, CASE_WORKERS
from returns.models import Assistance, Case, CaseEvent, Member, NeedCode
from returns.workflows.base import Changes, Stage, Transition, TransitionContext, Workflow

AGENCY_CODE = "IOM"
REINTEGRATION_DAYS = 90
# Vulnerability codes that record a fact about the household but do not by themselves make it eligible.
NOT_ELIGIBLE_ALONE = frozenset({"DF"})  # a deported family


def vulnerability_field_name(member) -> str:
    return f"vulnerabilities_{member.public_id}"


def screening_form(context: TransitionContext) -> type[forms.Form]:
    """IOM vulnerability codes for each member: the ones that make the household eligible."""
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


class NotEligibleForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReintegrationForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Assessment and what was done (referrals, cash for protection)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _chosen_codes(context: TransitionContext) -> set[str]:
    return {code for _member, chosen in context.member_inputs(vulnerability_field_name) for code in chosen}


def eligible_by_vulnerability(context: TransitionContext) -> str | None:
    """At least one vulnerability code, and not only codes that do not make a household eligible (DF)."""
    chosen = _chosen_codes(context)
    if not chosen:
        return _(
            "Choose the vulnerability codes that make the household eligible, for each member concerned; "
            "if none applies, screen it as not eligible (counted, not assisted)."
        )
    if chosen <= NOT_ELIGIBLE_ALONE:
        return _(
            "Being a deported family (DF) does not by itself make a family eligible: choose the vulnerability "
            "that does (for example SF, UMC, MC, PF), or screen the family as not eligible."
        )
    return None


def assistance_recorded(context: TransitionContext) -> str | None:
    if any(item.approval != Assistance.Approval.REJECTED for item in context.assistance):
        return None
    return _("Record the post-arrival assistance given (meals, transit nights, NFI kit, cash for transport) first.")


def record_vulnerabilities(context: TransitionContext) -> Changes:
    """Add the IOM vulnerability codes chosen for each member; the case is eligible (vulnerable).

    The event of the screening lists the codes per member (by the member's public id), so that the
    history keeps what the screener decided even when a member's codes change later.
    """
    chosen = [(member, sorted(codes)) for member, codes in context.member_inputs(vulnerability_field_name)]
    codes = {need.code: need for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY)}
    links = [
        Member.specific_needs.through(member_id=member.pk, needcode_id=codes[code].pk)
        for member, member_codes in chosen
        for code in member_codes
    ]
    Member.specific_needs.through.objects.bulk_create(links, ignore_conflicts=True)
    return Changes(
        case_fields={"is_vulnerable": True},
        event_details={
            "eligible": True,
            "vulnerabilities": {str(member.public_id): member_codes for member, member_codes in chosen if member_codes},
        },
    )


def record_not_eligible(context: TransitionContext) -> Changes:
    """Counted, not assisted: the screening found no vulnerability that makes the household eligible."""
    return Changes(case_fields={"is_vulnerable": False}, event_details={"eligible": False})


def destination_team(offices, *, province: str, agency_id: int) -> Office | None:
    """The IOM team taking over protection case management in ``province``: the agency's active
    provincial office there (the first by code, should there be two); None when it has none.

    ``offices``: any offices, from the database or the reference snapshot (the demo's).
    """
    teams = [
        office
        for office in offices
        if office.province_id == province
        and office.agency_id == agency_id
        and office.kind == Office.Kind.PROVINCIAL_OFFICE
        and office.is_active
    ]
    return min(teams, key=lambda office: office.code, default=None)


def handover_note(*, from_office: Office, to_office: Office) -> str:
    return _("Handed from %(from)s to %(to)s, the team of the province of destination.") % {
        "from": from_office.name,
        "to": to_office.name,
    }


def no_team_note(*, province, office: Office) -> str:
    return _("IOM has no office in the province of destination, %(province)s: the case stays with %(office)s.") % {
        "province": province,
        "office": office.name,
    }


def hand_over_to_destination_team(context: TransitionContext) -> Changes:
    """The case moves to the IOM office of the household's province of destination, with its history.

    The move is written in the history (from and to office, before the transition's event); the
    case leaves its assignee, whose team it no longer is, for the new team's manager to assign.
    When IOM has no office in that province, the case stays where it is and the history says so.
    """
    case, province = context.case, context.household.destination_province_id
    team = destination_team(Office.objects.filter(province_id=province), province=province, agency_id=case.agency_id)
    if team is not None and team.pk == case.office_id:
        return Changes()
    current = Office.objects.get(pk=case.office_id)
    if team is None:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.HANDOVER,
            actor=context.actor,
            note=no_team_note(province=context.household.destination_province, office=current),
            details={"from_office": current.code, "to_office": None, "province": province},
        )
        return Changes()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.HANDOVER,
        actor=context.actor,
        note=handover_note(from_office=current, to_office=team),
        details={"from_office": current.code, "to_office": team.code, "province": province},
    )
    return Changes(case_fields={"office": team, "assigned_to": None})


WORKFLOW = Workflow(
    code="iom_post_arrival",
    agency_code=AGENCY_CODE,
    label=gettext_lazy("IOM post-arrival assistance"),
    case_number_prefix="PA",
    stages=(
        Stage("screening", gettext_lazy("Vulnerability screening"), due_in_days=1),
        Stage("assistance", gettext_lazy("Post-arrival assistance"), due_in_days=2),
        Stage("transport", gettext_lazy("Onward transport"), due_in_days=3),
        Stage("reintegration", gettext_lazy("Reintegration and protection"), due_after_arrival_days=REINTEGRATION_DAYS),
        Stage("closed", gettext_lazy("Closed")),
    ),
    final_stage_code="closed",
    transitions=(
        Transition(
            "screen_eligible",
            gettext_lazy("Eligible: go to assistance"),
            "screening",
            "assistance",
            roles=CASE_WORKERS,
            inputs=screening_form,
            guards=(eligible_by_vulnerability,),
            effects=(record_vulnerabilities,),
        ),
        Transition(
            "screen_not_eligible",
            gettext_lazy("Not eligible: counted, not assisted"),
            "screening",
            "closed",
            roles=CASE_WORKERS,
            inputs=NotEligibleForm,
            effects=(record_not_eligible,),
            outcome=Case.Outcome.COUNTED_NOT_ASSISTED,
            style="secondary",
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
            "complete_transport",
            gettext_lazy("Transported: hand over for reintegration"),
            "transport",
            "reintegration",
            roles=CASE_STAFF,
            effects=(hand_over_to_destination_team,),
        ),
        Transition(
            "close_after_transport",
            gettext_lazy("Transported: close (no protection case management needed)"),
            "transport",
            "closed",
            roles=CASE_STAFF,
            outcome=Case.Outcome.ASSISTED,
            style="secondary",
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

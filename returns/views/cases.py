"""Case-management pages. Thin: parse the form, call one service or selector, render.

Every case is read through ``case_get`` (404 when the user may not see it) and every change goes
through a service in ``returns.services.cases``; a refusal is shown beside the field it concerns and
nothing changes.
"""

import datetime
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, Subquery
from django.forms import NullBooleanSelect
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.access_log import Kind, access_logged, access_note
from agencies.models import Office
from agencies.paging import page_of
from agencies.problems import Refused
from agencies.replica import replica_view
from returns import policy
from returns.forms.cases import (
    AssignForm,
    AssistanceDecisionForm,
    AssistanceForm,
    BulkAssignForm,
    ReferralAnswerForm,
    ReferralForm,
    has_inputs,
    problems_show,
    transition_form,
)
from returns.manifests import checks_manifests, manifest_checks
from returns.models import Assistance, AssistanceType, Case, Household, MemberEntitlement, Referral
from returns.reference import reference_data
from returns.selectors.cases import (
    arrivals_per_week,
    case_get,
    caseload_counts,
    caseload_filter,
    colleagues,
    follow_up_counts,
    my_cases,
    referrals_received,
    with_head_name,
)
from returns.services.cases import (
    CaseChanged,
    allowed_transitions,
    assistance_decide,
    assistance_office_allowed,
    assistance_record,
    case_assign,
    case_transition,
    grant_amount,
    referral_answer,
    referral_make,
)
from returns.workflows import workflow_for_agency, workflow_named

CASES_PER_PAGE = 50
OVERDUE_PER_PAGE = 20
REFERRALS_PER_PAGE = 50
ARRIVAL_WEEKS = 12


# ---------------------------------------------------------------------------------------------
# My cases
# ---------------------------------------------------------------------------------------------


@require_GET
def my_cases_page(request):
    number = request.GET.get("q", "").strip()
    if number:
        # "Find a case": the case or registration number a colleague or the household gives.
        found = list(
            Case.objects.visible_to(request.user)
            .filter(Q(case_number__iexact=number) | Q(household__registration_number__iexact=number))
            .order_by("-opened_at")[:2]
        )
        if len(found) == 1:
            return redirect(found[0])
        messages.error(request, _("No case has the number %(number)s.") % {"number": number})
    today = timezone.localdate()
    sections = {"overdue": [], "today": [], "later": []}
    for case in my_cases(user=request.user, today=today):
        case.stage_label = _stage_label(case.workflow, case.stage)
        due = case.stage_due_date
        if due is not None and due < today:
            sections["overdue"].append(case)
        elif due == today:
            sections["today"].append(case)
        else:
            sections["later"].append(case)
    access_note(request, kind=Kind.CASE, ids=[case.public_id for cases in sections.values() for case in cases])
    return render(
        request,
        "returns/cases/my_cases.html",
        {
            "sections": [
                ("overdue", _("Overdue"), sections["overdue"]),
                ("today", _("Due today"), sections["today"]),
                ("later", _("Later"), sections["later"]),
            ],
            "case_count": sum(len(cases) for cases in sections.values()),
            "today": today,
        },
    )


# ---------------------------------------------------------------------------------------------
# The case page and what can be done on it
# ---------------------------------------------------------------------------------------------


def _stage_label(workflow_code: str, stage_code: str) -> str:
    if not stage_code:
        return ""
    try:
        return str(workflow_named(workflow_code).stage(stage_code).label)
    except KeyError:
        return stage_code


def _offices_by_pk(office_ids) -> dict:
    """Office names from the cached reference data; an inactive office costs one query."""
    offices = {office.pk: office for office in reference_data().offices.values()}
    missing = set(office_ids) - offices.keys()
    if missing:
        offices.update(Office.objects.in_bulk(missing))
    return offices


def _assistance_offices(reference, case) -> list:
    """The offices the assistance form offers: the case's agency's own and the shared places."""
    offices = reference.offices.values()
    allowed = (office for office in offices if assistance_office_allowed(office, agency_id=case.agency_id))
    return sorted(allowed, key=lambda office: office.shown_name)


def _case_page(
    request,
    case,
    *,
    status=200,
    bound_action=None,
    action_errors=(),
    assistance_form=None,
    referral_form=None,
    assign_form=None,
    decision_errors=None,
    case_changed=False,
    override_offered=False,
):
    user = request.user
    today = timezone.localdate()
    reference = reference_data()
    workflow = workflow_named(case.workflow)
    household = case.household
    members = list(household.members.all())
    verifications = {verification.member_id: verification for verification in case.verifications.all()}
    entitlements = {entitlement.member_id: entitlement for entitlement in case.entitlements.all()}
    for member in members:
        member.verification = verifications.get(member.pk)
        member.entitlement = entitlements.get(member.pk)

    actions = []
    for transition, form_class in allowed_transitions(case=case, actor=user):
        if bound_action is not None and bound_action[0].code == transition.code:
            # The action just refused: its form as typed, with the service's messages.
            form, errors = bound_action[1], action_errors
        else:
            form, errors = transition_form(form_class, transition=transition), ()
        actions.append({"transition": transition, "form": form, "has_inputs": has_inputs(form_class), "errors": errors})
    open_action = next((action for action in actions if action["errors"] or action["form"].errors), None)
    if open_action is None:
        with_inputs = [action for action in actions if action["has_inputs"]]
        open_action = with_inputs[0] if len(with_inputs) == 1 else None

    assistance = list(case.assistance.all())
    offices = _offices_by_pk({item.office_id for item in assistance})
    for item in assistance:
        item.office_name = offices[item.office_id].shown_name if item.office_id in offices else ""
        item.decision_errors = (decision_errors or {}).get(item.pk, [])
        item.can_decide = policy.may_decide_assistance(user, item, case)

    can_record = policy.may_record_assistance(user, case)
    can_refer = policy.may_make_referral(user, case)
    grant_hints = []
    if can_record:
        assistance_types = list(AssistanceType.objects.filter(agency_id=case.agency_id, is_active=True))
        active_offices = _assistance_offices(reference, case)
        if assistance_form is None:
            assistance_form = AssistanceForm(
                assistance_types=assistance_types, members=members, offices=active_offices, user=user
            )
        for assistance_type in assistance_types:
            if assistance_type.is_grant:
                amount = grant_amount(case=case, assistance_type=assistance_type)
                if amount is not None and amount[0]:
                    grant_hints.append(
                        {
                            "type": assistance_type,
                            "value": amount[0],
                            "currency": amount[1],
                            "eligible": sum(
                                entitlement.decision == MemberEntitlement.Decision.ELIGIBLE
                                for entitlement in entitlements.values()
                            ),
                        }
                    )
    if can_refer and referral_form is None:
        referral_form = ReferralForm(case=case, members=members, agencies=reference.agencies.values())

    can_assign = policy.may_assign(user, case)
    if can_assign and assign_form is None:
        assignee = case.assigned_to.username if case.assigned_to_id else ""
        assign_form = AssignForm(assignees=list(colleagues(user)), initial={"assignee": assignee})

    events = list(case.events.all())
    for event in events:
        # IOM screening: the codes chosen for each member, by name in the household's order.
        chosen = (event.details or {}).get("vulnerabilities") or {}
        event.vulnerabilities = [
            (str(member), chosen[str(member.public_id)]) for member in members if str(member.public_id) in chosen
        ]
        event.from_label = _stage_label(case.workflow, event.from_stage)
        event.to_label = _stage_label(case.workflow, event.to_stage)
        transition = next((t for t in workflow.transitions if t.code == event.transition), None)
        event.transition_label = transition.label if transition else ""

    stage = workflow.stage(case.stage)
    manifest = manifest_checks(household, members, user=user) if checks_manifests(case) else None
    return render(
        request,
        "returns/cases/case_detail.html",
        {
            "case": case,
            "household": household,
            "members": members,
            "has_entitlements": bool(entitlements),
            "workflow": workflow,
            "stage": stage,
            "is_overdue": case.is_open and case.stage_due_date is not None and case.stage_due_date < today,
            "actions": actions,
            "open_action": open_action,
            "assistance": assistance,
            "assistance_form": assistance_form if can_record else None,
            "override_offered": override_offered and can_record,
            "grant_hints": grant_hints,
            "referrals": list(case.referrals.all()),
            "referral_form": referral_form if can_refer else None,
            "assign_form": assign_form if can_assign else None,
            "events": events,
            "case_changed": case_changed,
            "manifest": manifest,
        },
        status=status,
    )


@require_GET
@access_logged(Kind.CASE)
def case_detail(request, public_id):
    return _case_page(request, case_get(user=request.user, public_id=public_id))


def _expected_version(request) -> int:
    # A missing or garbled version can never match: the page is stale, reload it.
    version = request.POST.get("version", "")
    return int(version) if version.isdigit() else 0


@require_POST
@access_logged(Kind.CASE)
def case_transition_page(request, public_id, transition_code):
    case = case_get(user=request.user, public_id=public_id)
    requested = workflow_named(case.workflow).transition(case.stage, transition_code)
    try:
        # A role or agency that may not fire it is refused (403) before a stale page is (409).
        if requested is not None:
            policy.require_transition(request.user, case, requested)
        moved = case_transition(
            case=case,
            transition_code=transition_code,
            actor=request.user,
            data=request.POST,
            expected_version=_expected_version(request),
        )
    except CaseChanged:
        return _case_page(request, case_get(user=request.user, public_id=public_id), status=409, case_changed=True)
    except Refused as refused:
        form_class = {
            transition.code: form for transition, form in allowed_transitions(case=case, actor=request.user)
        }.get(transition_code)
        transition = workflow_named(case.workflow).transition(case.stage, transition_code)
        if form_class is None or transition is None:
            for problems in refused.problems.values():
                for problem in problems:
                    messages.error(request, problem.message)
            return _case_page(request, case)
        form = transition_form(form_class, transition=transition, data=request.POST)
        form.is_valid()
        field_problems = {field: problems for field, problems in refused.problems.items() if field in form.fields}
        problems_show(form, field_problems)
        action_errors = [
            problem.message
            for field, problems in refused.problems.items()
            if field not in form.fields
            for problem in problems
            if problem.message not in form.non_field_errors()
        ]
        return _case_page(request, case, bound_action=(transition, form), action_errors=action_errors)
    transition = workflow_named(moved.workflow).transition(case.stage, transition_code)
    messages.success(
        request,
        _("%(action)s — done. The case is now at “%(stage)s”.")
        % {"action": transition.label, "stage": _stage_label(moved.workflow, moved.stage)},
    )
    return redirect(moved)


@require_POST
@access_logged(Kind.CASE)
def case_assistance_record(request, public_id):
    case = case_get(user=request.user, public_id=public_id)
    if not policy.may_record_assistance(request.user, case):
        raise PermissionDenied(_("Your role cannot record assistance on this case."))
    members = list(case.household.members.all())
    offices = _assistance_offices(reference_data(), case)
    assistance_types = list(AssistanceType.objects.filter(agency_id=case.agency_id, is_active=True))
    form = AssistanceForm(
        request.POST, assistance_types=assistance_types, members=members, offices=offices, user=request.user
    )
    override_offered = False
    if form.is_valid():
        try:
            recorded = assistance_record(case=case, recorded_by=request.user, **form.assistance())
        except Refused as refused:
            problems_show(form, refused.problems)
            # Refused as given already (or the reason typed refused): a manager may let it through.
            override_offered = policy.may_override_one_grant(request.user, case) and (
                "override_justification" in refused.problems
                or any(problem.code == "already_granted" for problem in refused.problems.get("assistance_type", []))
            )
        else:
            if recorded.approval == Assistance.Approval.PENDING:
                message = _("%(assistance)s recorded: %(value)s %(currency)s, waiting for a second person's approval.")
            else:
                message = _("%(assistance)s recorded.")
            messages.success(
                request,
                message
                % {
                    "assistance": recorded.assistance_type.shown_name,
                    "value": recorded.value,
                    "currency": recorded.currency,
                },
            )
            return redirect(f"{case.get_absolute_url()}#assistance")
    return _case_page(request, case, assistance_form=form, override_offered=override_offered)


@require_POST
@access_logged(Kind.CASE)
def case_assistance_decide(request, public_id, assistance_id):
    case = case_get(user=request.user, public_id=public_id)
    assistance = next((item for item in case.assistance.all() if item.public_id == assistance_id), None)
    if assistance is None:
        raise Http404
    form = AssistanceDecisionForm(request.POST)
    try:
        # A role or agency that may not decide is refused (403) before the form is read.
        policy.require_decide_assistance(request.user, assistance, case)
        if not form.is_valid():
            return _case_page(request, case, decision_errors={assistance.pk: [_("Choose approve or reject.")]})
        decided = assistance_decide(
            assistance=assistance, decided_by=request.user, approve=form.approve, note=form.cleaned_data["note"]
        )
    except Refused as refused:
        errors = [problem.message for problems in refused.problems.values() for problem in problems]
        return _case_page(request, case, decision_errors={assistance.pk: errors})
    if decided.approval == Assistance.Approval.APPROVED:
        message = _("%(assistance)s approved.")
    else:
        message = _("%(assistance)s rejected.")
    messages.success(request, message % {"assistance": assistance.assistance_type.shown_name})
    return redirect(f"{case.get_absolute_url()}#assistance")


@require_POST
@access_logged(Kind.CASE)
def case_referral_make(request, public_id):
    case = case_get(user=request.user, public_id=public_id)
    if not policy.may_make_referral(request.user, case):
        raise PermissionDenied(_("Your role cannot make referrals on this case."))
    form = ReferralForm(
        request.POST, case=case, members=list(case.household.members.all()), agencies=reference_data().agencies.values()
    )
    if form.is_valid():
        try:
            referral = referral_make(case=case, made_by=request.user, **form.referral())
        except Refused as refused:
            problems_show(form, refused.problems)
        else:
            messages.success(
                request,
                _("Referral to %(agency)s made: %(service)s.")
                % {"agency": referral.to_agency.code, "service": referral.get_service_display()},
            )
            return redirect(f"{case.get_absolute_url()}#referrals")
    return _case_page(request, case, referral_form=form)


@require_POST
@access_logged(Kind.CASE)
def case_assign_page(request, public_id):
    policy.require_assign(request.user)
    case = case_get(user=request.user, public_id=public_id)
    form = AssignForm(request.POST, assignees=list(colleagues(request.user)))
    if form.is_valid():
        assignee = form.chosen_assignee()
        try:
            case_assign(case_ids=[case.pk], assignee=assignee, assigned_by=request.user)
        except Refused as refused:
            problems_show(form, refused.problems)
        else:
            messages.success(request, _assigned_message(1, assignee))
            return redirect(case)
    return _case_page(request, case, assign_form=form)


def _assigned_message(count: int, assignee) -> str:
    if assignee is None:
        return _("%(count)s case(s) unassigned.") % {"count": count}
    return _("%(count)s case(s) assigned to %(name)s.") % {
        "count": count,
        "name": assignee.get_full_name() or assignee.username,
    }


# ---------------------------------------------------------------------------------------------
# Referrals inbox
# ---------------------------------------------------------------------------------------------


def _received(user):
    """Referrals addressed to the user's agency, with the case they opened here (if accepted) and
    whether the user may open the household's page (while a referral is open, the gate says yes)."""
    opened_here = Case.objects.filter(opened_by_referral=OuterRef("pk"), agency_id=user.agency_id).values("public_id")
    return (
        referrals_received(user=user)
        .select_related("case__household", "member", "follow_up")
        .annotate(
            opened_case=Subquery(opened_here[:1]),
            household_visible=Exists(Household.objects.visible_to(user).filter(pk=OuterRef("case__household_id"))),
        )
        .order_by("status", "due_date", "id")
    )


def _referrals_page(request, *, answer_errors=None, status=200):
    today = timezone.localdate()
    page = page_of(request, _received(request.user), REFERRALS_PER_PAGE)
    for referral in page.object_list:
        referral.answer_errors = (answer_errors or {}).get(referral.pk, [])
        referral.answers = [_answer_button(status) for status in policy.referral_answers(request.user, referral)]
        referral.is_overdue = referral.status == Referral.Status.PENDING and referral.due_date < today
    access_note(request, kind=Kind.REFERRAL, ids=[referral.public_id for referral in page.object_list])
    return render(request, "returns/cases/referrals.html", {"page": page, "referrals": page.object_list}, status=status)


def _answer_button(status: str) -> tuple[str, str, str]:
    """(status, label, style) of the button that answers a referral with ``status``."""
    label, style = {
        Referral.Status.ACCEPTED: (_("Accept"), "primary"),
        Referral.Status.DECLINED: (_("Decline"), "danger"),
        Referral.Status.COMPLETED: (_("Mark completed"), "primary"),
    }[status]
    return str(status), label, style


@require_GET
def referrals_inbox(request):
    return _referrals_page(request)


@require_POST
@access_logged(Kind.REFERRAL)
def referral_answer_page(request, public_id):
    referral = get_object_or_404(referrals_received(user=request.user), public_id=public_id)
    form = ReferralAnswerForm(request.POST)
    if not form.is_valid():
        return _referrals_page(request, answer_errors={referral.pk: [_("Choose accept, decline or completed.")]})
    try:
        answered = referral_answer(
            referral=referral,
            answered_by=request.user,
            status=form.cleaned_data["status"],
            response=form.cleaned_data["response"],
        )
    except Refused as refused:
        errors = [problem.message for problems in refused.problems.values() for problem in problems]
        return _referrals_page(request, answer_errors={referral.pk: errors})
    messages.success(
        request,
        _("Referral from %(agency)s (%(case)s): %(status)s.")
        % {
            "agency": answered.from_agency.code if answered.from_agency_id else "",
            "case": answered.case.case_number,
            "status": answered.get_status_display(),
        },
    )
    return redirect("returns:referrals")


# ---------------------------------------------------------------------------------------------
# The manager's caseload
# ---------------------------------------------------------------------------------------------


def require_caseload(user) -> None:
    if not policy.may_see_caseload(user):
        raise PermissionDenied(_("The caseload is for managers."))


def _week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _stage_table(counts: list[dict], stages, reference) -> dict:
    """Open cases per office (rows) and stage (columns), with totals. ``counts`` is already aggregated."""
    offices = {office.pk: office for office in reference.offices.values()}
    missing = {row["office_id"] for row in counts} - offices.keys()
    if missing:
        offices.update(Office.objects.in_bulk(missing))
    cells = {(row["office_id"], row["stage"]): row for row in counts}
    office_ids = sorted(
        {row["office_id"] for row in counts}, key=lambda pk: offices[pk].shown_name if pk in offices else ""
    )
    rows = []
    for office_id in office_ids:
        row_cells = [cells.get((office_id, stage.code), {"total": 0, "overdue": 0}) for stage in stages]
        rows.append(
            {
                "office": offices.get(office_id),
                "cells": row_cells,
                "total": sum(cell["total"] for cell in row_cells),
                "overdue": sum(cell["overdue"] for cell in row_cells),
            }
        )
    totals = [
        {
            "total": sum(cells.get((office_id, stage.code), {}).get("total", 0) for office_id in office_ids),
            "overdue": sum(cells.get((office_id, stage.code), {}).get("overdue", 0) for office_id in office_ids),
        }
        for stage in stages
    ]
    return {
        "stages": stages,
        "rows": rows,
        "totals": totals,
        "total": sum(cell["total"] for cell in totals),
        "overdue": sum(cell["overdue"] for cell in totals),
    }


def _filter_labels(form) -> None:
    """Say "Any" where a filter is not set, rather than django-filter's dashes and "Unknown"."""
    for field in form.fields.values():
        if isinstance(field.widget, NullBooleanSelect):
            field.widget.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        elif hasattr(field, "empty_label"):
            field.empty_label = _("Any")
            if not hasattr(field, "queryset"):
                # django-filter's choice iterator belongs to the field it was copied from: rebuild it.
                choices = field.choices.choices
                field.choices = list(choices() if callable(choices) else choices)


def _caseload_page(request, *, bulk_form=None, status=200):
    user = request.user
    today = timezone.localdate()
    reference = reference_data()
    agency = next((agency for agency in reference.agencies.values() if agency.pk == user.agency_id), None)
    workflow = workflow_for_agency(agency.code) if agency else None
    stages = [stage for stage in workflow.stages if not stage.is_final] if workflow else []

    visible = Case.objects.visible_to(user)
    counts = caseload_counts(cases=visible, today=today)
    table = _stage_table(counts, stages, reference)
    stage_bars = [
        {"label": str(stage.label), "value": total["total"], "note": total["overdue"]}
        for stage, total in zip(stages, table["totals"], strict=True)
    ]

    first_week = _week_start(today) - datetime.timedelta(weeks=ARRIVAL_WEEKS - 1)
    arrivals = {
        row["week"]: row for row in arrivals_per_week(user=user, weeks=ARRIVAL_WEEKS, today=today) if row["week"]
    }
    arrival_bars = []
    for index in range(ARRIVAL_WEEKS):
        week = first_week + datetime.timedelta(weeks=index)
        row = arrivals.get(week, {})
        arrival_bars.append({"week": week, "value": row.get("households", 0), "people": row.get("people") or 0})

    follow_ups = follow_up_counts(user=user, today=today)

    overdue = with_head_name(visible.overdue(today).select_related("household", "office", "assigned_to")).order_by(
        "stage_due_date", "id"
    )
    overdue_page = page_of(request, overdue, OVERDUE_PER_PAGE, page_parameter="overdue_page")
    for case in overdue_page.object_list:
        case.stage_label = _stage_label(case.workflow, case.stage)

    case_filterset = caseload_filter(user, request.GET)
    assignees = list(colleagues(user))
    _filter_labels(case_filterset.form)
    cases = case_filterset.qs.order_by("stage_due_date", "id")
    cases_page = page_of(request, cases, CASES_PER_PAGE)
    for case in cases_page.object_list:
        case.stage_label = _stage_label(case.workflow, case.stage)
        case.is_overdue = case.is_open and case.stage_due_date is not None and case.stage_due_date < today

    access_note(
        request,
        kind=Kind.CASE,
        ids=[case.public_id for case in (*overdue_page.object_list, *cases_page.object_list)],
    )
    without = {key: value for key, value in request.GET.lists() if key not in ("page", "overdue_page")}
    return render(
        request,
        "returns/cases/caseload.html",
        {
            "workflow": workflow,
            "table": table,
            "stage_bars": stage_bars,
            "arrival_bars": arrival_bars,
            "follow_ups": follow_ups,
            "overdue_page": overdue_page,
            "filter": case_filterset,
            "cases_page": cases_page,
            "bulk_form": bulk_form or BulkAssignForm(assignees=assignees),
            "query_without_page": urlencode(without, doseq=True),
            "filters_query": request.GET.urlencode(),
            "today": today,
        },
        status=status,
    )


@require_GET
@replica_view
def caseload(request):
    require_caseload(request.user)
    return _caseload_page(request)


@require_POST
def caseload_assign(request):
    user = request.user
    require_caseload(user)
    filters = request.POST.get("filters", "")
    form = BulkAssignForm(request.POST, assignees=list(colleagues(user)))
    if form.is_valid():
        public_ids = form.cleaned_data["cases"]
        case_ids = list(_case_ids(public_ids))
        try:
            if len(case_ids) != len(set(public_ids)):
                raise Refused.one(
                    "cases", "unknown_case", _("Some of the chosen cases are closed or not your agency's.")
                )
            changed = case_assign(case_ids=case_ids, assignee=form.chosen_assignee(), assigned_by=user)
        except Refused as refused:
            problems_show(form, refused.problems)
        else:
            access_note(request, kind=Kind.CASE, ids=public_ids)
            messages.success(request, _assigned_message(changed, form.chosen_assignee()))
            return redirect(f"{reverse('returns:caseload')}?{QueryDict(filters).urlencode()}")
    request.GET = QueryDict(filters)
    return _caseload_page(request, bulk_form=form)


def _case_ids(public_ids):
    valid = []
    for public_id in public_ids:
        try:
            valid.append(uuid.UUID(str(public_id)))
        except ValueError:
            continue
    # Only resolves the ids: which of them the manager may assign is the service's decision.
    return Case.objects.filter(public_id__in=valid).values_list("pk", flat=True)

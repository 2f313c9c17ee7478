"""Every change to a case goes through one of these functions.

Each runs in one transaction, locks the rows it changes (cases through ``Case.objects.locked``, in
primary-key order), refuses with ``agencies.problems.Refused`` (nothing changed) or ``CaseChanged``
when the case moved on since the caller read it, and writes an event to the case's append-only
history. Who may do each is ``returns.policy``'s answer: a refusal for role, agency or state comes
from there.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.bulk import CopyStream, InsertBatch, rows_insert, unsaved
from agencies.models import Agency, Office, User
from agencies.problems import Problem, Refused
from returns import policy
from returns.assistance_rules import (
    approval_on_record,
    grant_for_members,
    grant_rate_on,
    manager_approval_needed,
)
from returns.grants import AlreadyGranted, grant_refusals_record, grants_already_given
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRate,
    Household,
    Member,
    MemberEntitlement,
    Referral,
)
from returns.selectors.households import household_with_members
from returns.supplements import supplement_owed
from returns.text import note_characters_problem
from returns.workflows import (
    Transition,
    TransitionContext,
    WorkflowDefinitionError,
    workflow_for_agency,
    workflow_named,
)


class CaseChanged(Exception):
    """The case changed since the caller read it: reload and try again (HTTP 409)."""

    def __init__(self, case: Case):
        super().__init__(_("This case has changed since you opened it: reload it and try again."))
        self.case = case


def _lock_case(*, case: Case, actor: User, expected_version: int | None) -> Case:
    locked = Case.objects.visible_to(actor).locked([case.pk]).get()
    if expected_version is not None and locked.version != expected_version:
        raise CaseChanged(locked)
    return locked


def _event(case: Case, kind: str, actor: User | None, **fields) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, **fields)


def _bump(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


# ---------------------------------------------------------------------------------------------
# Opening and moving cases
# ---------------------------------------------------------------------------------------------


def case_open(
    *,
    household: Household,
    agency: Agency,
    opened_by: User,
    referral: Referral | None = None,
    just_registered: bool = False,
) -> Case | None:
    """Open the agency's case for a household (None when the agency runs no workflow).

    A household that already had a case at this agency gets that case back, reopened at the first
    stage; ``just_registered`` skips looking for one.
    """
    workflow = workflow_for_agency(agency.code)
    if workflow is None:
        return None
    stage = workflow.initial_stage
    due = stage.due_date(entered_on=timezone.localdate(), arrival_date=household.arrival_date)
    earlier = None
    if not just_registered:
        earlier = Case.objects.locked().filter(household=household, agency=agency).first()
    if earlier is not None:
        # The household comes back to an agency that closed its case: the same case starts again.
        if earlier.closed_at is None:
            return earlier
        earlier.stage, earlier.stage_due_date, earlier.closed_at, earlier.outcome = stage.code, due, None, ""
        if referral is not None:
            # Reopened for a referral: what lets the agency see a household routed elsewhere.
            earlier.opened_by_referral = referral
        _bump(earlier, "stage", "stage_due_date", "closed_at", "outcome", "opened_by_referral")
        _event(
            earlier,
            CaseEvent.Kind.OPENED,
            opened_by,
            to_stage=stage.code,
            note=_("Reopened"),
            details={"referral": str(referral.public_id)} if referral else {},
        )
        return earlier
    case = Case.objects.create(**_case_fields(household, agency, workflow=workflow, due=due, referral=referral))
    _event(
        case,
        CaseEvent.Kind.OPENED,
        opened_by,
        to_stage=stage.code,
        details={"referral": str(referral.public_id)} if referral else {},
    )
    return case


def _case_fields(household: Household, agency: Agency, *, workflow, due, referral: Referral | None = None) -> dict:
    """A new case of the household at the first stage of its agency's workflow."""
    return {
        "case_number": f"{workflow.case_number_prefix}-{household.registration_number}",
        "household": household,
        "agency": agency,
        "office_id": household.office_id,
        "workflow": workflow.code,
        "stage": workflow.initial_stage.code,
        "stage_due_date": due,
        "opened_by_referral": referral,
    }


def cases_open_registered(
    *, households: list[Household], opened_by: User, batch: InsertBatch | CopyStream | None = None
) -> list[Case | None]:
    """``case_open(just_registered=True)`` for households just registered, each at the agency routing
    chose (None where that agency runs no workflow): their cases and events in two inserts, or added to
    the registration's ``batch`` when given (``agencies.bulk``: one registration's inserts, or an
    import's COPYs)."""
    today = timezone.localdate()
    cases: list[Case | None] = []
    for household in households:
        workflow = workflow_for_agency(household.routed_agency.code)
        if workflow is None:
            cases.append(None)
            continue
        due = workflow.initial_stage.due_date(entered_on=today, arrival_date=household.arrival_date)
        cases.append(unsaved(Case, **_case_fields(household, household.routed_agency, workflow=workflow, due=due)))
    opened = [case for case in cases if case is not None]
    events = [
        unsaved(CaseEvent, case=case, kind=CaseEvent.Kind.OPENED, actor=opened_by, to_stage=case.stage, details={})
        for case in opened
    ]
    for rows in (opened, events):  # the events after their cases: they are written with the cases' keys
        if batch is not None:
            batch.add(rows)
        else:
            rows_insert(rows)
    return cases


def case_close_for_reroute(*, household: Household, closed_by: User, note: str) -> None:
    """Close the open cases of agencies the household no longer belongs to."""
    open_cases = Case.objects.filter(household=household, closed_at__isnull=True)
    _cases_close(
        open_cases.exclude(agency_id=household.routed_agency_id),
        outcome=Case.Outcome.REROUTED,
        closed_by=closed_by,
        note=note,
    )


def case_close_for_withdrawal(*, household: Household, closed_by: User, note: str) -> None:
    """Close every open case of a withdrawn household, so that no nightly check or caseload counts it."""
    open_cases = Case.objects.filter(household=household, closed_at__isnull=True)
    _cases_close(open_cases, outcome=Case.Outcome.WITHDRAWN, closed_by=closed_by, note=note)


def _cases_close(cases, *, outcome: str, closed_by: User, note: str) -> None:
    for case in cases.locked():
        from_stage = case.stage
        case.stage = workflow_named(case.workflow).final_stage.code
        case.closed_at = timezone.now()
        case.outcome = outcome
        case.stage_due_date = None
        _bump(case, "stage", "closed_at", "outcome", "stage_due_date")
        _event(case, CaseEvent.Kind.CLOSED, closed_by, from_stage=from_stage, to_stage=case.stage, note=note)


def case_for_transition(case: Case) -> Case:
    """Load what guards and effects read, in a fixed number of queries."""
    households = household_with_members(Household.objects.all())
    return (
        Case.objects.select_related("agency")
        .prefetch_related(
            Prefetch("household", queryset=households),
            Prefetch("assistance", queryset=Assistance.objects.select_related("assistance_type")),
            "referrals",
            "verifications",
            "entitlements",
        )
        .get(pk=case.pk)
    )


def transition_context(*, case: Case, actor: User, inputs: dict | None = None) -> TransitionContext:
    return TransitionContext(case=case, actor=actor, today=timezone.localdate(), inputs=inputs or {})


def allowed_transitions(*, case: Case, actor: User) -> list[tuple]:
    """The transitions the policy lets this user fire from the case's stage, each with its form class."""
    transitions = policy.transitions_allowed(actor, case)
    if not transitions:
        return []
    context = transition_context(case=case, actor=actor)
    return [(transition, transition.input_form_class(context)) for transition in transitions]


def case_transition(
    *, case: Case, transition_code: str, actor: User, data: dict | None = None, expected_version: int | None = None
) -> Case:
    """Move a case along its workflow.

    Refuses (nothing changed) when the transition does not start from the case's stage, the
    user's role may not fire it, an input is missing or wrong, or a guard says no. Raises
    ``CaseChanged`` when ``expected_version`` is stale.
    """
    with transaction.atomic():
        locked = _lock_case(case=case, actor=actor, expected_version=expected_version)
        workflow = workflow_named(locked.workflow)
        transition = workflow.transition(locked.stage, transition_code)
        if transition is None:
            raise Refused.one(
                "transition",
                "not_from_this_stage",
                _("“%(transition)s” is not possible from the stage “%(stage)s”.")
                % {"transition": transition_code, "stage": workflow.stage(locked.stage).label},
            )
        policy.require_transition(actor, locked, transition)
        loaded = case_for_transition(locked)
        context = transition_context(case=loaded, actor=actor)
        form = transition.input_form_class(context)(data=data or {})
        if not form.is_valid():
            raise Refused(
                {
                    field: [
                        Problem(error.code or "invalid", message)
                        for error, message in zip(errors.as_data(), errors, strict=True)
                    ]
                    for field, errors in form.errors.items()
                }
            )
        hidden = {
            name: [problem]
            for name, value in form.cleaned_data.items()
            if isinstance(value, str) and (problem := note_characters_problem(value)) is not None
        }
        if hidden:
            raise Refused(hidden)
        context.inputs = form.cleaned_data
        reasons = [reason for guard in transition.guards if (reason := guard(context))]
        if reasons:
            raise Refused({"transition": [Problem("guard", reason) for reason in reasons]})
        changed, details = _effects_apply(transition=transition, context=context)
        target = workflow.stage(transition.target)
        from_stage = loaded.stage
        loaded.stage = target.code
        loaded.overdue_since = None
        loaded.stage_due_date = target.due_date(entered_on=context.today, arrival_date=loaded.household.arrival_date)
        changed += ["stage", "overdue_since", "stage_due_date"]
        if target.code == workflow.final_stage_code:
            loaded.closed_at = timezone.now()
            loaded.outcome = transition.outcome
            changed += ["closed_at", "outcome"]
        loaded.version = locked.version + 1
        loaded.save(update_fields=[*changed, "version", "updated_at"])
        _event(
            loaded,
            CaseEvent.Kind.TRANSITION,
            actor,
            transition=transition.code,
            from_stage=from_stage,
            to_stage=target.code,
            note=str(context.inputs.get("note", "") or ""),
            details=details,
        )
    return loaded


# What ``case_transition`` itself writes on the case: an effect returning one of these is a mistake.
TRANSITION_FIELDS = frozenset({"stage", "overdue_since", "stage_due_date", "closed_at", "outcome", "version"})


def _effects_apply(*, transition: Transition, context: TransitionContext) -> tuple[list[str], dict]:
    """Run the transition's effects in order, set the case fields each returns and make the referrals it asks for.

    Returns the names of the fields set, which the transition saves with its own, and the details
    its event records.
    """
    changed: list[str] = []
    details: dict = {}
    for effect in transition.effects:
        changes = effect(context)
        clashing = TRANSITION_FIELDS.intersection(changes.case_fields)
        if clashing:
            raise WorkflowDefinitionError(
                f"{effect.__name__} (of {transition.code!r}) sets {sorted(clashing)}: the transition sets those."
            )
        for name, value in changes.case_fields.items():
            setattr(context.case, name, value)
            if name not in changed:
                changed.append(name)
        details.update(changes.event_details)
        for referral in changes.referrals:
            referral_make(
                case=context.case,
                made_by=context.actor,
                to_agency=referral.to_agency,
                service=referral.service,
                reason=referral.reason,
                due_date=referral.due_date,
                member=referral.member,
                locked=True,
            )
    return changed, details


def case_assign(*, case_ids: list[int], assignee: User | None, assigned_by: User) -> int:
    """Assign (or unassign, with None) open cases of the manager's agency. Returns how many changed."""
    policy.require_assign(assigned_by)
    if assignee is not None:
        policy.require_assignee(assignee, assigned_by=assigned_by)
    with transaction.atomic():
        cases = list(Case.objects.visible_to(assigned_by).locked(case_ids))
        if len(cases) != len(set(case_ids)):
            raise Refused.one("cases", "unknown_case", _("Some of the chosen cases are closed or not your agency's."))
        for case in cases:
            policy.require_assign(assigned_by, case)  # open, and of the manager's agency
        events, changed_cases = [], []
        for case in cases:
            if case.assigned_to_id == (assignee.pk if assignee else None):
                continue
            events.append(
                CaseEvent(
                    case=case,
                    kind=CaseEvent.Kind.ASSIGNED,
                    actor=assigned_by,
                    details={"from": case.assigned_to_id, "to": assignee.pk if assignee else None},
                    note=assignee.get_username() if assignee else _("unassigned"),
                )
            )
            case.assigned_to = assignee
            case.version += 1
            case.updated_at = timezone.now()
            changed_cases.append(case)
        Case.objects.bulk_update(changed_cases, ["assigned_to", "version", "updated_at"])
        CaseEvent.objects.bulk_create(events)
    return len(changed_cases)


# ---------------------------------------------------------------------------------------------
# Assistance, with maker-checker on cash
# ---------------------------------------------------------------------------------------------


def grant_amount(*, case: Case, assistance_type: AssistanceType) -> tuple[Decimal, str] | None:
    """The repatriation grant: the rate in force on the household's arrival date, for each eligible member.

    The eligible members are those verification found eligible (``MemberEntitlement``); None when
    no rate covers the arrival date.
    """
    rate = grant_rate_on(
        rates=GrantRate.objects.filter(assistance_type=assistance_type), on=case.household.arrival_date
    )
    if rate is None:
        return None
    eligible = MemberEntitlement.objects.filter(case=case, decision=MemberEntitlement.Decision.ELIGIBLE).count()
    return grant_for_members(rate=rate, eligible=eligible)


def assistance_office_allowed(office, *, agency_id: int) -> bool:
    """Where an agency records assistance: at its own centres or at a shared place (a crossing);
    another agency's office would put the payment in that agency's books."""
    return office.agency_id is None or office.agency_id == agency_id


def assistance_record(
    *,
    case: Case,
    recorded_by: User,
    assistance_type: AssistanceType,
    delivered_on: datetime.date,
    office: Office,
    quantity: Decimal = Decimal(1),
    value: Decimal | None = None,
    currency: str = "",
    member: Member | None = None,
    note: str = "",
    override_justification: str = "",
) -> Assistance:
    """Record assistance delivered. Cash waits for a second person's approval (a manager's above the threshold).

    Assistance given once per person (``AssistanceType.once_per_person``) is refused with
    ``AlreadyGranted`` when someone it pays, or a likely duplicate, had it already (``returns.grants``);
    each person refused is written as a ``GrantRefusal`` that outlives the refusal. A manager of the
    case's agency lets it through with a written ``override_justification``, kept on the assistance
    and in the case's history; it is used only when the grant would otherwise be refused.
    """
    policy.require_record_assistance(recorded_by)  # the role, before anything is read
    justification = override_justification.strip()
    if justification:
        policy.require_override_one_grant(recorded_by, case)
    problems: dict[str, list[Problem]] = {}
    if assistance_type.agency_id != case.agency_id or not assistance_type.is_active:
        problems.setdefault("assistance_type", []).append(
            Problem("invalid_choice", _("Choose assistance from your agency's catalogue."))
        )
    if delivered_on > timezone.localdate():
        problems.setdefault("delivered_on", []).append(Problem("in_future", _("The delivery date is in the future.")))
    if quantity <= 0:
        problems.setdefault("quantity", []).append(Problem("not_positive", _("Enter a quantity above zero.")))
    if assistance_type.is_grant and value is None:
        amount = grant_amount(case=case, assistance_type=assistance_type)
        if amount is None:
            problems.setdefault("value", []).append(
                Problem(
                    "no_grant_rate",
                    _("No grant rate covers the arrival date %(date)s: enter the amount.")
                    % {"date": case.household.arrival_date},
                )
            )
        elif amount[0] == 0:
            problems.setdefault("assistance_type", []).append(
                Problem("nobody_eligible", _("No member is eligible for the grant: verify the family first."))
            )
        else:
            value, currency = amount
    if assistance_type.is_supplement:
        owed = supplement_owed(case=case)
        if owed is None:
            problems.setdefault("assistance_type", []).append(
                Problem(
                    "no_supplement",
                    _("No return supplement was paid for arrivals on %(date)s.")
                    % {"date": case.household.arrival_date},
                )
            )
        elif delivered_on < owed.due_on:
            problems.setdefault("delivered_on", []).append(
                Problem(
                    "supplement_not_due",
                    _("The supplement falls due on %(date)s, three months after arrival.") % {"date": owed.due_on},
                )
            )
        elif owed.amount == 0:
            problems.setdefault("assistance_type", []).append(
                Problem(
                    "supplement_paid",
                    _(
                        "Nothing is owed: the family's supplement was paid to its other parts "
                        "(%(paid)s %(currency)s), or this is its third part or later."
                    )
                    % {"paid": owed.already_paid, "currency": owed.currency},
                )
            )
        elif value is None:
            value, currency = owed.amount, owed.currency
        elif value != owed.amount or (currency or "").upper() != owed.currency:
            problems.setdefault("value", []).append(
                Problem(
                    "supplement_amount",
                    _("The supplement owed is %(amount)s %(currency)s (part %(part)s of %(parts)s).")
                    % {"amount": owed.amount, "currency": owed.currency, "part": owed.part, "parts": owed.parts},
                )
            )
    # no_grant_rate already asks for the value; a refused supplement says why it cannot be paid.
    if assistance_type.is_cash and value is None and "value" not in problems and not assistance_type.is_supplement:
        problems.setdefault("value", []).append(Problem("required", _("Enter the amount of cash given.")))
    if value is not None:
        currency = (currency or "").upper()
        if value < 0:
            problems.setdefault("value", []).append(Problem("negative", _("The amount cannot be negative.")))
        elif value == 0:
            # Nothing given is not assistance: a grant of 0 would count a household as assisted.
            problems.setdefault("value", []).append(
                Problem("not_positive", _("Enter an amount above zero, or leave it empty for in-kind assistance."))
            )
        if len(currency) != 3 or not currency.isalpha():
            problems.setdefault("currency", []).append(
                Problem("invalid_currency", _("Enter a currency code such as USD or AFN."))
            )
    else:
        currency = ""
    if member is not None and member.household_id != case.household_id:
        problems.setdefault("member", []).append(Problem("invalid_choice", _("Choose a member of this household.")))
    if not assistance_office_allowed(office, agency_id=case.agency_id):
        problems.setdefault("office", []).append(
            Problem(
                "other_agency_office",
                _("%(office)s is run by %(other)s. Choose an office of %(agency)s or the crossing point.")
                % {"office": office.name, "other": office.agency.code, "agency": case.agency.code},
            )
        )
    note_problem = note_characters_problem(note)
    if note_problem is not None:
        problems.setdefault("note", []).append(note_problem)
    if (justification_problem := note_characters_problem(justification)) is not None:
        problems.setdefault("override_justification", []).append(justification_problem)
    if problems:
        raise Refused(problems)
    needs_manager = manager_approval_needed(
        is_cash=assistance_type.is_cash,
        value=value,
        currency=currency,
        limit=case.agency.manager_approval_above,
        limit_currency=case.agency.manager_approval_currency,
    )
    try:
        with transaction.atomic():
            locked = _lock_case(case=case, actor=recorded_by, expected_version=None)
            policy.require_record_assistance(recorded_by, locked)
            given = []
            if assistance_type.once_per_person:
                given = grants_already_given(
                    case=locked,
                    assistance_type=assistance_type,
                    member=member,
                    delivered_on=delivered_on,
                    user=recorded_by,
                    lock=True,
                )
                if given and not justification:
                    raise AlreadyGranted(given)
            overridden = bool(given)
            assistance = Assistance.objects.create(
                case=locked,
                member=member,
                assistance_type=assistance_type,
                quantity=quantity,
                value=value,
                currency=currency,
                delivered_on=delivered_on,
                office=office,
                recorded_by=recorded_by,
                note=note,
                approval=approval_on_record(is_cash=assistance_type.is_cash),
                needs_manager_approval=needs_manager,
                override_justification=justification if overridden else "",
                overridden_by=recorded_by if overridden else None,
            )
            _bump(locked)
            details = {
                "assistance": str(assistance.public_id),
                "type": assistance_type.code,
                "value": str(value) if value is not None else None,
                "currency": currency,
            }
            if overridden:
                # One grant per person overridden: why, and the grants it was let through despite.
                details["override_justification"] = justification
                details["earlier"] = sorted({str(found.earlier.public_id) for found in given})
            _event(locked, CaseEvent.Kind.ASSISTANCE_RECORDED, recorded_by, note=note, details=details)
    except AlreadyGranted as refused:
        # Outside the refused transaction: the attempt stopped is counted by the joint report.
        grant_refusals_record(given=refused.given, case=case, assistance_type=assistance_type, refused_by=recorded_by)
        raise
    return assistance


def assistance_decide(*, assistance: Assistance, decided_by: User, approve: bool, note: str = "") -> Assistance:
    """A second person approves or rejects cash; never the person who recorded it."""
    with transaction.atomic():
        locked_case = _lock_case(case=assistance.case, actor=decided_by, expected_version=None)
        locked = Assistance.objects.select_for_update().get(pk=assistance.pk, case=locked_case)
        # Pending, a second person (a manager above the limit), a case worker of the case's agency, an open case.
        policy.require_decide_assistance(decided_by, locked, locked_case)
        if not approve and not note.strip():
            raise Refused.one("note", "required", _("Say why the cash is rejected."))
        if (note_problem := note_characters_problem(note)) is not None:
            raise Refused({"note": [note_problem]})
        locked.approval = Assistance.Approval.APPROVED if approve else Assistance.Approval.REJECTED
        locked.approved_by = decided_by
        locked.approved_at = timezone.now()
        locked.save(update_fields=["approval", "approved_by", "approved_at"])
        _bump(locked_case)
        _event(
            locked_case,
            CaseEvent.Kind.ASSISTANCE_APPROVED if approve else CaseEvent.Kind.ASSISTANCE_REJECTED,
            decided_by,
            note=note,
            details={"assistance": str(locked.public_id)},
        )
    return locked


# ---------------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------------


def referral_make(
    *,
    case: Case,
    made_by: User,
    to_agency: Agency,
    service: str,
    reason: str,
    due_date: datetime.date,
    member: Member | None = None,
    locked: bool = False,
) -> Referral:
    """Refer a case to another agency or a partner organisation."""
    policy.require_make_referral(made_by)  # the role, before anything is read
    problems: dict[str, list[Problem]] = {}
    if to_agency.pk == case.agency_id:
        problems["to_agency"] = [Problem("same_agency", _("Refer to another agency or a partner."))]
    if not reason.strip():
        problems["reason"] = [Problem("required", _("Say why the household is referred."))]
    elif (reason_problem := note_characters_problem(reason)) is not None:
        problems["reason"] = [reason_problem]
    if service not in Referral.Service.values:
        problems["service"] = [Problem("invalid_choice", _("Choose the service needed."))]
    if due_date < timezone.localdate():
        problems["due_date"] = [Problem("in_past", _("The answer cannot be due in the past."))]
    if member is not None and member.household_id != case.household_id:
        problems["member"] = [Problem("invalid_choice", _("Choose a member of this household."))]
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        source = case if locked else _lock_case(case=case, actor=made_by, expected_version=None)
        policy.require_make_referral(made_by, source)
        referral = Referral.objects.create(
            case=source,
            member=member,
            from_agency_id=source.agency_id,
            to_agency=to_agency,
            service=service,
            reason=reason.strip(),
            due_date=due_date,
            created_by=made_by,
        )
        if not locked:
            _bump(source)
        _event(
            source,
            CaseEvent.Kind.REFERRAL_MADE,
            made_by,
            note=referral.reason,
            details={"referral": str(referral.public_id), "to": to_agency.code, "service": service},
        )
    return referral


def referral_answer(*, referral: Referral, answered_by: User, status: str, response: str) -> Referral:
    """The receiving agency (or partner, through its API key) accepts, declines or completes a referral.

    Accepting opens the receiving agency's case when it runs a workflow."""
    with transaction.atomic():
        # Household, then case, then referral: the order re-routing, merging and deleting lock them in,
        # so an answer and a re-route of the same household wait for each other instead of deadlocking.
        where = Referral.objects.values("case_id", "case__household_id").get(pk=referral.pk)
        Household.objects.select_for_update().filter(pk=where["case__household_id"]).exists()
        source = Case.objects.locked([where["case_id"]]).get()
        locked = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("case__household", "to_agency")
            .get(pk=referral.pk)
        )
        # Staff of the agency it is addressed to (or the partner's key), with an answer its status allows.
        policy.require_answer_referral(answered_by, locked, status)
        if status == Referral.Status.DECLINED and not response.strip():
            raise Refused.one("response", "required", _("Say why the referral is declined."))
        if (response_problem := note_characters_problem(response)) is not None:
            raise Refused({"response": [response_problem]})
        locked.status = status
        locked.response = response.strip()
        locked.responded_by = answered_by
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "response", "responded_by", "responded_at", "updated_at"])
        # The answer changes the referring case: a stale edit of it is then refused, never applied.
        source.version += 1
        source.save(update_fields=["version", "updated_at"])
        _event(
            source,
            CaseEvent.Kind.REFERRAL_ANSWERED,
            answered_by,
            note=locked.response,
            details={"referral": str(locked.public_id), "status": status},
        )
        household = locked.case.household
        if (
            status == Referral.Status.ACCEPTED
            and not Case.objects.filter(household=household, agency=locked.to_agency, closed_at__isnull=True).exists()
        ):
            # Opens the agency's case, or reopens the one it closed earlier (e.g. on a re-route).
            case_open(household=household, agency=locked.to_agency, opened_by=answered_by, referral=locked)
    return locked

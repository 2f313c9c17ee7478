"""One policy for actions: may this user do this to this case, household or referral?

Beside the one gate for visibility (``agency_scope`` and the ``visible_to`` querysets): the gate
decides what a user may *see*, and what they may not see is a 404 before anyone asks here; this
module decides what they may *do* to what they see. A case is acted on only by the staff of its
own agency, so an administrator or a partner's key who reads a case still may not move it.

Each action has two faces:

- ``may_<action>(user, ...) -> bool``: what pages, template filters, API permissions and
  serializers ask in order to show a button, a form or a link, or to leave it out;
- ``require_<action>(user, ...)``: what the service calls, raising the refusal it has always raised
  (``PermissionDenied`` when the role or agency may not, ``Refused`` with a code when the state of
  things does not allow it). Without the object it checks only the role, so that a service can
  refuse a role before it reads anything; with the (locked) object it checks everything.

``may_x`` is true exactly when ``require_x`` would not raise, so a page never shows a button that
the service then refuses for reasons of role, agency or state (``tests/returns/test_policy.py``
checks every action for every role). What the user typed (amounts, dates, notes) is still the
service's to validate.

Who may fire a workflow transition is the transition's own ``roles`` (``returns.workflows``); the
groups of roles are the floor's (``agencies.roles``).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.problems import Refused
from agencies.roles import CASE_STAFF, CASE_WORKERS, MANAGERS, REFERRAL_ANSWERING, REGISTERING, Role
from returns.assistance_rules import ApprovalRefusal, approval_refusal
from returns.models import Assistance, Case, ImportBatch, MonitoringInterview, Referral
from returns.reference import reference_data
from returns.workflows import Transition, unhcr_voluntary_repatriation, workflow_for_agency, workflow_named

# What a referral may become, from where it stands: the answers its receiver is offered.
REFERRAL_ANSWERS = {
    Referral.Status.PENDING: (Referral.Status.ACCEPTED, Referral.Status.DECLINED),
    Referral.Status.ACCEPTED: (Referral.Status.COMPLETED,),
}


def _role(user) -> str | None:
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _administers(user) -> bool:
    return _active(user) and user.sees_everything


def _staff_of(user, agency_id: int | None) -> bool:
    """A member of that agency (an administrator belongs to none; a partner's key to the partner)."""
    return agency_id is not None and getattr(user, "agency_id", None) == agency_id


def _require(refusal: Exception | None) -> None:
    if refusal is not None:
        raise refusal


# ---------------------------------------------------------------------------------------------
# Households
#
# A household is shared by the agencies it was routed and referred to: which households a user
# may act on is the gate's answer (the services lock through ``Household.objects.visible_to``);
# what the role allows is this module's.
# ---------------------------------------------------------------------------------------------


def _register_refusal(user) -> Exception | None:
    if _active(user) and (user.is_superuser or _role(user) in REGISTERING):
        return None
    return PermissionDenied(_("Your role cannot register households."))


def may_register(user) -> bool:
    return _register_refusal(user) is None


def require_register(user) -> None:
    _require(_register_refusal(user))


def _update_household_refusal(user) -> Exception | None:
    # Whoever registers households corrects their contact details and destination.
    if _register_refusal(user) is None:
        return None
    return PermissionDenied(_("Your role cannot change households."))


def may_update_household(user) -> bool:
    return _update_household_refusal(user) is None


def require_update_household(user) -> None:
    _require(_update_household_refusal(user))


def _manages_registry(user) -> bool:
    return _administers(user) or (_active(user) and _role(user) in MANAGERS)


def may_export_households(user) -> bool:
    """Download a list of households (CSV, XLSX): managers and administrators. A file of personal
    records leaves the system's gates; the staff who hold cases read them on the pages."""
    return _manages_registry(user)


def require_export_households(user) -> None:
    if not may_export_households(user):
        raise PermissionDenied(_("Only managers and administrators export lists of households."))


def may_import_households(user) -> bool:
    """Upload a spreadsheet of households and register them: who registers, on the pages (not a
    partner's key: partners send their registrations through the API, one household at a time)."""
    return may_register(user) and _role(user) != Role.PARTNER


def require_import_households(user) -> None:
    if not may_import_households(user):
        raise PermissionDenied(_("Your role cannot import households."))


def _runs_voluntary_repatriation(agency_id: int | None) -> bool:
    """The agency whose workflow is voluntary repatriation (UNHCR): the one the VRF manifests are for."""
    return any(
        agency.pk == agency_id
        and (workflow := workflow_for_agency(agency.code)) is not None
        and workflow.code == unhcr_voluntary_repatriation.WORKFLOW.code
        for agency in reference_data().agencies.values()
    )


def may_import_manifests(user) -> bool:
    """Upload the VRF manifests the repatriation centres sent: the registering staff of the agency that
    runs voluntary repatriation, and administrators."""
    if _administers(user):
        return True
    return may_import_households(user) and _runs_voluntary_repatriation(user.agency_id)


def require_import_manifests(user) -> None:
    if not may_import_manifests(user):
        raise PermissionDenied(_("Only the staff of the agency that runs voluntary repatriation import VRF manifests."))


def import_kinds(user) -> list[str]:
    """The kinds of file (``ImportBatch.Kind``) this user may import: none, and the imports page is not theirs."""
    allowed = {
        ImportBatch.Kind.HOUSEHOLDS: may_import_households,
        ImportBatch.Kind.MANIFESTS: may_import_manifests,
        ImportBatch.Kind.BORDER_COUNTS: may_record_border_counts,
    }
    return [kind for kind, may in allowed.items() if may(user)]


def may_import(user, kind: str | None = None) -> bool:
    """Import files of this kind (None: of any kind)."""
    kinds = import_kinds(user)
    return bool(kinds) if kind is None else kind in kinds


def require_import(user, kind: str | None = None) -> None:
    if not may_import(user, kind):
        raise PermissionDenied(_("Your role cannot import this kind of file."))


def may_reroute(user) -> bool:
    return _manages_registry(user)


def require_reroute(user) -> None:
    if not _manages_registry(user):
        raise PermissionDenied(_("Only a manager can re-route a household."))


def may_link_family(user) -> bool:
    """Link the households of a family that returned in parts: a registry manager."""
    return _manages_registry(user)


def require_link_family(user) -> None:
    if not may_link_family(user):
        raise PermissionDenied(_("Only a manager can link the parts of a family."))


def _remove_household_refusal(user, *, with_assistance: bool) -> Exception | None:
    if not _manages_registry(user):
        return PermissionDenied(_("Only a manager can withdraw or merge households."))
    # Money was paid: the decision is an agency manager's, never an administrator's alone.
    if with_assistance and not (_active(user) and _role(user) in MANAGERS):
        return PermissionDenied(
            _("Assistance was recorded for this household: only a manager of an agency can withdraw or merge it.")
        )
    return None


def may_remove_household(user, *, with_assistance: bool = False) -> bool:
    """Withdraw a household registered in error, or merge a duplicate into the household that stays
    (``with_assistance``: one that received assistance, which only an agency's manager withdraws)."""
    return _remove_household_refusal(user, with_assistance=with_assistance) is None


def require_remove_household(user, *, with_assistance: bool = False) -> None:
    _require(_remove_household_refusal(user, with_assistance=with_assistance))


def _erase_person_refusal(user, household) -> Exception | None:
    if _administers(user):
        return None
    if _active(user) and _role(user) in MANAGERS and user.agency_id == household.routed_agency_id:
        return None
    return PermissionDenied(
        _("Only a manager of the agency that assists the household, or an administrator, erases a person's data.")
    )


def may_erase_person(user, household) -> bool:
    """Erase one person's data on their request: a manager of the agency the household is routed to,
    or an administrator."""
    return _erase_person_refusal(user, household) is None


def require_erase_person(user, household) -> None:
    _require(_erase_person_refusal(user, household))


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


def holds_cases(user) -> bool:
    """Staff of an agency who hold cases: they have "My cases" and the referrals inbox."""
    return _active(user) and _role(user) in CASE_STAFF and user.agency_id is not None


def may_see_caseload(user) -> bool:
    """The caseload (every open case of the agency, assigned in bulk) is the managers' page."""
    return _role(user) in MANAGERS


def transitions_allowed(user, case: Case) -> list[Transition]:
    """The transitions this user may fire from the case's stage now (guards are checked on firing)."""
    if not case.is_open or not _staff_of(user, case.agency_id):
        return []
    role = _role(user)
    return [
        transition
        for transition in workflow_named(case.workflow).transitions_from(case.stage)
        if role in transition.roles
    ]


def may_transition(user, case: Case, transition: Transition | None = None) -> bool:
    """This transition (or, without one, any) from the case's stage."""
    allowed = transitions_allowed(user, case)
    if transition is None:
        return bool(allowed)
    return any(candidate.code == transition.code for candidate in allowed)


def require_transition(user, case: Case, transition: Transition) -> None:
    if not case.is_open or transition.source != case.stage:
        stage = workflow_named(case.workflow).stage(case.stage)
        raise Refused.one(
            "transition",
            "not_from_this_stage",
            _("“%(transition)s” is not possible from the stage “%(stage)s”.")
            % {"transition": transition.code, "stage": stage.label},
        )
    if _role(user) not in transition.roles or not _staff_of(user, case.agency_id):
        raise PermissionDenied(_("Your role cannot do “%(action)s”.") % {"action": transition.label})


def _assign_refusal(user, case: Case | None) -> Exception | None:
    if _role(user) not in MANAGERS:
        return PermissionDenied(_("Only a manager assigns cases."))
    if case is not None and (not case.is_open or not _staff_of(user, case.agency_id)):
        return Refused.one("cases", "unknown_case", _("Some of the chosen cases are closed or not your agency's."))
    return None


def may_assign(user, case: Case | None = None) -> bool:
    """Assign this case (without one: assign cases at all)."""
    return _assign_refusal(user, case) is None


def require_assign(user, case: Case | None = None) -> None:
    _require(_assign_refusal(user, case))


def may_be_assigned(assignee, *, agency_id: int | None) -> bool:
    """Whether a case of this agency may be given to ``assignee``: an active colleague who holds cases."""
    return holds_cases(assignee) and _staff_of(assignee, agency_id)


def require_assignee(assignee, *, assigned_by) -> None:
    if not may_be_assigned(assignee, agency_id=assigned_by.agency_id):
        raise Refused.one("assignee", "invalid_assignee", _("Assign cases to an active colleague of your agency."))


# ---------------------------------------------------------------------------------------------
# Assistance
# ---------------------------------------------------------------------------------------------


def _case_closed() -> Refused:
    return Refused.one("case", "closed", _("The case is closed."))


def _record_assistance_refusal(user, case: Case | None) -> Exception | None:
    if _role(user) not in CASE_STAFF or (case is not None and not _staff_of(user, case.agency_id)):
        return PermissionDenied(_("Your role cannot record assistance."))
    if case is not None and not case.is_open:
        return _case_closed()
    return None


def may_record_assistance(user, case: Case) -> bool:
    return _record_assistance_refusal(user, case) is None


def require_record_assistance(user, case: Case | None = None) -> None:
    _require(_record_assistance_refusal(user, case))


def _decide_assistance_refusal(user, assistance: Assistance, case: Case) -> Exception | None:
    if assistance.approval != Assistance.Approval.PENDING:
        return Refused.one("assistance", "not_pending", _("This assistance is not waiting for approval."))
    # Maker-checker: the pure rule the demo loader follows too.
    checker = approval_refusal(
        recorded_by_id=assistance.recorded_by_id,
        approver_id=getattr(user, "pk", None),
        approver_is_manager=_role(user) in MANAGERS,
        needs_manager_approval=assistance.needs_manager_approval,
    )
    if checker == ApprovalRefusal.SELF_APPROVAL:
        return Refused.one("assistance", "self_approval", _("You recorded this cash: a second person must approve it."))
    if _role(user) not in CASE_WORKERS or not _staff_of(user, case.agency_id):
        return PermissionDenied(_("Your role cannot approve cash."))
    if not case.is_open:
        return _case_closed()
    if checker == ApprovalRefusal.MANAGER_REQUIRED:
        return Refused.one(
            "assistance", "manager_required", _("This amount is above the limit: a manager must approve it.")
        )
    return None


def may_decide_assistance(user, assistance: Assistance, case: Case) -> bool:
    """Approve or reject cash waiting for a second person (``case``: the assistance's, already loaded)."""
    return _decide_assistance_refusal(user, assistance, case) is None


def require_decide_assistance(user, assistance: Assistance, case: Case) -> None:
    _require(_decide_assistance_refusal(user, assistance, case))


# ---------------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------------


def _make_referral_refusal(user, case: Case | None) -> Exception | None:
    if _role(user) not in CASE_STAFF or (case is not None and not _staff_of(user, case.agency_id)):
        return PermissionDenied(_("Your role cannot make referrals."))
    if case is not None and not case.is_open:
        return _case_closed()
    return None


def may_make_referral(user, case: Case) -> bool:
    return _make_referral_refusal(user, case) is None


def require_make_referral(user, case: Case | None = None) -> None:
    _require(_make_referral_refusal(user, case))


def _answer_referral_refusal(user, referral: Referral, status: str | None) -> Exception | None:
    # Staff of the agency it is addressed to, or a partner's key (its technical user) answering for the partner.
    if _role(user) not in REFERRAL_ANSWERING or not _staff_of(user, referral.to_agency_id):
        return PermissionDenied(_("Only the agency the referral is addressed to can answer it."))
    if status is not None and status not in REFERRAL_ANSWERS.get(referral.status, ()):
        return Refused.one(
            "status",
            "invalid_transition",
            _("A %(current)s referral cannot become %(new)s.")
            % {"current": referral.get_status_display(), "new": status},
        )
    return None


def referral_answers(user, referral: Referral) -> tuple[str, ...]:
    """The statuses this user may answer the referral with now (none: no answer to offer)."""
    if _answer_referral_refusal(user, referral, None) is not None:
        return ()
    return REFERRAL_ANSWERS.get(referral.status, ())


def may_answer_referral(user, referral: Referral, status: str | None = None) -> bool:
    """Answer with this status (without one: with any)."""
    if status is None:
        return bool(referral_answers(user, referral))
    return _answer_referral_refusal(user, referral, status) is None


def require_answer_referral(user, referral: Referral, status: str) -> None:
    _require(_answer_referral_refusal(user, referral, status))


# ---------------------------------------------------------------------------------------------
# Border arrival counts
# ---------------------------------------------------------------------------------------------


def _counts_arrivals(agency_id: int | None) -> bool:
    """The agencies whose teams count at the border: those routing sends households to (UNHCR, IOM).

    Read from the reference snapshot, so that asking costs no query on every page's navigation.
    """
    return any(
        agency.pk == agency_id and agency.receives_routed_households for agency in reference_data().agencies.values()
    )


def _record_border_counts_refusal(user) -> Exception | None:
    if _administers(user):
        return None
    if _active(user) and _role(user) in CASE_STAFF and _counts_arrivals(user.agency_id):
        return None
    return PermissionDenied(_("Your role cannot record border counts."))


def may_record_border_counts(user) -> bool:
    """Enter or correct a day's arrival counts at a crossing point: UNHCR's and IOM's case staff, administrators."""
    return _record_border_counts_refusal(user) is None


def require_record_border_counts(user) -> None:
    _require(_record_border_counts_refusal(user))


# ---------------------------------------------------------------------------------------------
# Return monitoring
# ---------------------------------------------------------------------------------------------


def sees_monitoring(user) -> bool:
    """The monitoring queue page: staff of an agency who hold cases, and administrators (who read it)."""
    return holds_cases(user) or _administers(user)


def _record_monitoring_refusal(user, interview: MonitoringInterview | None) -> Exception | None:
    if _role(user) not in CASE_WORKERS or (interview is not None and not _staff_of(user, interview.agency_id)):
        return PermissionDenied(_("Your role cannot record monitoring interviews."))
    if interview is not None and not interview.is_waiting:
        return Refused.one(
            "status",
            "already_recorded",
            _("This interview was already recorded (%(status)s) and is not changed afterwards.")
            % {"status": interview.get_status_display()},
        )
    return None


def may_record_monitoring(user, interview: MonitoringInterview | None = None) -> bool:
    """Record a monitoring interview (without one: any): case workers and managers of its agency, while
    it is waiting (never tried, or the family not reached)."""
    return _record_monitoring_refusal(user, interview) is None


def require_record_monitoring(user, interview: MonitoringInterview | None = None) -> None:
    _require(_record_monitoring_refusal(user, interview))


# ---------------------------------------------------------------------------------------------
# Identity: one person however many times registered (returns.identity)
# ---------------------------------------------------------------------------------------------


def _review_duplicates_refusal(user) -> Exception | None:
    if _administers(user) or (_active(user) and _role(user) in CASE_WORKERS):
        return None
    return PermissionDenied(_("Only case workers and managers review possible duplicates."))


def may_review_duplicates(user) -> bool:
    """Read the queue of possible duplicates, decide a pair, merge or un-merge: case workers and managers
    of either agency (one registry), and administrators. Who may start a search of the whole registry is
    ``may_search_duplicates``."""
    return _review_duplicates_refusal(user) is None


def require_review_duplicates(user) -> None:
    _require(_review_duplicates_refusal(user))


def may_search_duplicates(user) -> bool:
    """Start the batch search for duplicates over the registry: a registry manager."""
    return _manages_registry(user)


def require_search_duplicates(user) -> None:
    if not may_search_duplicates(user):
        raise PermissionDenied(_("Only a manager can start a search of the registry for duplicates."))


def may_link_person(user) -> bool:
    """At registration, link the person typed to someone already registered, or confirm a new person."""
    return may_register(user)


def require_link_person(user) -> None:
    require_register(user)


def may_override_one_grant(user, case: Case) -> bool:
    """Let a grant through although the person, or a likely duplicate, had one already: a manager of the
    case's agency, with a written justification."""
    return _active(user) and _role(user) in MANAGERS and _staff_of(user, case.agency_id)


def require_override_one_grant(user, case: Case) -> None:
    if not may_override_one_grant(user, case):
        raise PermissionDenied(_("Only a manager of the agency can let a second grant through."))

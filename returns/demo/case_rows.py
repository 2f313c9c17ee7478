"""The rows each case plan writes, as the services would have written them: the case, its events,
assistance, iris verifications, IOM vulnerability codes and IOM's handover to a provincial team.

Each step of a plan replays its transition the way ``case_transition`` runs it: first what its
guards need recorded (the grant, approved by a second person; the post-arrival package), then the
transition's event, fired by a demo user whose role the transition allows, then what its effects
write. Assistance follows the services' own rules (``returns.assistance_rules``): which assistance
waits for approval, when a manager must approve, the grant rate of the day. A guard or an effect
this module does not know stops the loader with a message, rather than writing a history the
services would have refused.
"""

import datetime
import json
import random
import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from agencies.models import Agency, Office, User
from agencies.roles import MANAGERS
from returns.assistance_rules import (
    approval_on_record,
    approval_refusal,
    grant_for_members,
    grant_rate_on,
    manager_approval_needed,
    supplement_due,
    supplement_rule_on,
)
from returns.demo.cases import RECENT_DAYS, CasePlan, CaseStep, DemoCases
from returns.demo.tables import NULL, stamp, text
from returns.entitlement import Verified, decide, volrep_covered
from returns.models import (
    Assistance,
    AssistanceType,
    CaseEvent,
    GrantRate,
    MemberEntitlement,
    MemberVerification,
    NeedCode,
    SupplementRule,
)
from returns.registration import HouseholdRegistration, MemberRegistration
from returns.routing import people_coverage, registration_papers
from returns.workflows import TransitionContext, Workflow, iom_post_arrival, unhcr_voluntary_repatriation

unhcr, iom = unhcr_voluntary_repatriation, iom_post_arrival

# Who fires a transition: the first of these roles the transition allows.
ACTOR_ROLES = (User.Role.FIELD_OFFICER, User.Role.CASE_WORKER, User.Role.MANAGER)
# Who records assistance, and the second person who approves cash.
RECORDER_ROLE = User.Role.CASE_WORKER
APPROVER_ROLE = User.Role.MANAGER
# How many open recent cases each demo case worker should end up with (My cases), assigned by the manager.
ASSIGNED_PER_CASE_WORKER = 120
ASSIGNEE_ROLE = User.Role.CASE_WORKER
ASSIGNER_ROLE = User.Role.MANAGER
# Which crossing points each agency's demo case worker's centre serves.
CASE_WORKER_OFFICES = {"UNHCR": {"TKM", "SBD"}, "IOM": {"IQL"}}
# Rough shares, to spread the assignments evenly whatever the caseload's size.
AGENCY_SHARE = {"UNHCR": 0.12, "IOM": 0.86}
CASE_WORKER_OFFICE_SHARE = {"UNHCR": 0.95, "IOM": 0.55}
OPEN_SHARE = {"UNHCR": 0.97, "IOM": 5 / 6}
# Encashment centres (UNHCR) and transit centres (IOM) serving each crossing point.
CENTRE = {
    "UNHCR": {"TKM": "ENG", "SBD": "EKD", "IQL": "EHR", "MLK": "EHR", "KBA": "EKB"},
    "IOM": {"TKM": "TTK", "IQL": "TIQ", "MLK": "TMK"},
}
# UNHCR specific needs seen at IOM screening, as IOM vulnerability categories.
IOM_CODE_FOR_NEED = {"SC-UC": "UMC", "SM-CI": "CI", "SM": "MC", "DS-PM": "PD", "LP": "SC", "SP": "SP"}

# What the person firing a transition writes in its form's note.
NOTES = {
    iom.ReintegrationForm: (
        "Assessment done; referred to a health partner.",
        "Assessment done; cash for protection given.",
        "Assessment done; referred for legal aid (documents).",
        "Assessment done; livelihood referral.",
    ),
    unhcr.refusal_form: ("Iris: assisted before.", "Iris could not be verified; VRF not matching."),
}
# Specific needs with no referral must be explained (``needs_referred_or_explained``).
NEEDS_EXPLAINED = "Specific needs noted; no referral needed for now."
YOUNG_CHILD_REFUSED = "Too young for the iris check; refused with the family."

# Guards the plan meets by itself: the path it takes and the form it implies was filled in.
GUARDS_MET_BY_THE_PLAN = frozenset(
    {
        unhcr.someone_eligible,  # verified: most members are paid (_verifications)
        unhcr.nobody_eligible,  # refused: no member could be paid (_verifications)
        unhcr.services_delivered,  # the services were delivered
        unhcr.needs_referred_or_explained,  # the note explains (NEEDS_EXPLAINED)
        iom.eligible_by_vulnerability,  # iom_vulnerability_codes: a code for someone, never DF alone
    }
)
# Effects the demo does not replay, and why.
EFFECTS_NOT_REPLAYED = {
    unhcr.refer_to_iom: "the demo draws no referrals: IOM's side of a refused family is not simulated",
    unhcr.refer_uncovered_to_iom: "the demo draws no referrals: IOM's screening of relatives not on the VRF",
}
# Effects that only return case fields read off the household's arrival: the demo calls them.
EFFECTS_CALLED = frozenset({iom.record_not_eligible})
CASE_FIELDS = ("is_vulnerable",)


class Clock:
    """Moments for a case's history, in order: later on the same day, or during office hours of a later day."""

    def __init__(self, rng: random.Random, start: datetime.datetime):
        self.rng, self.moment = rng, start

    def at(self, day: datetime.date) -> datetime.datetime:
        if day <= self.moment.date():
            self.moment += datetime.timedelta(minutes=self.rng.randint(5, 50))
        else:
            self.moment = datetime.datetime.combine(
                day, datetime.time(self.rng.randint(8, 15), self.rng.randrange(60), self.rng.randrange(60))
            )
        return self.moment


def iom_vulnerability_codes(members: list[MemberRegistration], *, deported: bool) -> list[list[str]]:
    """IOM vulnerability categories for each member of a household screened as vulnerable (never none)."""
    single = len(members) == 1
    codes = []
    for member in members:
        chosen = [IOM_CODE_FOR_NEED[need] for need in member.specific_needs if need in IOM_CODE_FOR_NEED]
        if "ER" in member.specific_needs and single:
            chosen.append("UE")
        if single and member.sex == "female":
            chosen.append("SF")
        codes.append(list(dict.fromkeys(chosen)))
    if not any(codes):
        codes[0].append("PF")  # a poor family: the usual reason when nothing else shows
    if deported and not single:
        codes[0].append("DF")  # recorded too, though it never makes a family eligible by itself
    return codes


@dataclass
class CaseDraft:
    """One case being written: what its steps read and add to."""

    case_id: str
    agency: str
    registration: HouseholdRegistration
    member_ids: list[str]
    plan: CasePlan
    clock: Clock
    centre: str  # the office id where assistance is given
    office: Office  # the office responsible for the case: where registered, until handed over
    member_public_ids: list[str] = field(default_factory=list)
    category: str = ""  # the household's routing category
    eligible: int | None = None  # members verification found eligible (None: not verified yet)
    changes: int = 0  # what the case's version counts: every change after it was opened
    fields: dict = field(default_factory=dict)  # case fields set by effects
    details: dict = field(default_factory=dict)  # what effects record in the transition's event


@dataclass(frozen=True)
class Preparation:
    """What a guard needs recorded before the transition (``done``), and what a case waiting at the
    stage has already begun (``begun``, for a share of them)."""

    done: Callable[[CaseDraft, CaseStep], int]
    begun: Callable[[CaseDraft, datetime.date], int]
    begun_share: float


@dataclass(frozen=True)
class Recipe:
    """How one transition is replayed, read off its definition once."""

    actor: str
    preparations: tuple[Preparation, ...]
    notes: tuple[str, ...]
    explains_needs: bool
    effects: tuple[Callable, ...]
    closes: bool


class CaseRows:
    """COPY rows for each household's case: the case, its events, assistance, verifications, IOM codes."""

    def __init__(self, *, rng: random.Random, today: datetime.date, staff: dict, reference, ids: dict):
        self.rng, self.today, self.ids, self.reference = rng, today, ids, reference
        self.cases = DemoCases(rng=rng, today=today)
        self.staff: dict[str, dict[str, User]] = staff
        self.types = {(item.agency.code, item.code): item for item in AssistanceType.objects.select_related("agency")}
        self.grant_types = {
            agency: item for (agency, _code), item in self.types.items() if item.is_grant and item.is_active
        }
        self.supplement_rules = list(SupplementRule.objects.all())
        self.supplement_types = {
            agency: item for (agency, _code), item in self.types.items() if item.is_supplement and item.is_active
        }
        self.rates: dict[int, list[GrantRate]] = {}
        for rate in GrantRate.objects.filter(assistance_type__in=list(self.grant_types.values())):
            self.rates.setdefault(rate.assistance_type_id, []).append(rate)
        self.limits = {
            agency.code: (agency.manager_approval_above, agency.manager_approval_currency)
            for agency in Agency.objects.all()
        }
        self.iom_codes = {
            need.code: str(need.pk) for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY)
        }
        self.preparations = {
            unhcr.grant_approved: Preparation(done=self._grant_paid, begun=self._grant_waiting, begun_share=0.5),
            unhcr.supplement_settled: Preparation(
                done=self._supplement_paid, begun=self._supplement_waiting, begun_share=0.3
            ),
            iom.assistance_recorded: Preparation(done=self._iom_package, begun=self._iom_meals, begun_share=0.6),
        }
        self.effects = {
            unhcr.record_verifications: self._verifications,
            iom.record_vulnerabilities: self._vulnerabilities,
            iom.hand_over_to_destination_team: self._handover,
            **{effect: self._case_fields(effect) for effect in EFFECTS_CALLED},
        }
        self.recipes: dict[str, dict[str, Recipe]] = {}
        self.waiting: dict[str, dict[str, tuple[Preparation, ...]]] = {}
        for agency, paths in self.cases.paths.items():
            self._read(agency, paths.workflow)
        self.assign_chance: dict[str, float] = {}
        self.rows: dict[str, list[str]] = {}
        self.reset()

    def _read(self, agency: str, workflow: Workflow) -> None:
        """Read how to replay each transition of the agency's workflow, or say what the demo cannot replay."""
        staff = self.staff.get(agency, {})
        recipes, waiting = {}, {}
        for transition in workflow.transitions:
            where = f"{transition.code!r} of {workflow.code!r}"
            unknown = [
                guard.__name__
                for guard in transition.guards
                if guard not in GUARDS_MET_BY_THE_PLAN and guard not in self.preparations
            ]
            unknown += [
                effect.__name__
                for effect in transition.effects
                if effect not in self.effects and effect not in EFFECTS_NOT_REPLAYED
            ]
            if unknown:
                raise ValueError(
                    f"The demo loader does not know how to replay {', '.join(unknown)} of {where}: "
                    "teach returns/demo/case_rows.py (GUARDS_MET_BY_THE_PLAN, preparations, effects)."
                )
            role = next((role for role in ACTOR_ROLES if role in transition.roles and role in staff), None)
            if role is None:
                raise ValueError(f"No demo user of {agency} may fire {where} (roles {sorted(transition.roles)}).")
            preparations = tuple(self.preparations[guard] for guard in transition.guards if guard in self.preparations)
            recipes[transition.code] = Recipe(
                actor=str(staff[role].pk),
                preparations=preparations,
                notes=NOTES.get(transition.inputs, ()),
                explains_needs=unhcr.needs_referred_or_explained in transition.guards,
                effects=tuple(self.effects[effect] for effect in transition.effects if effect in self.effects),
                closes=transition.target == workflow.final_stage.code,
            )
            for preparation in preparations:
                if preparation not in waiting.setdefault(transition.source, ()):
                    waiting[transition.source] += (preparation,)
        self.recipes[agency], self.waiting[agency] = recipes, waiting

    def plan_assignments(self, dates: list[datetime.date]) -> None:
        """Assign about ASSIGNED_PER_CASE_WORKER open recent cases to each demo case worker."""
        recent = sum(1 for day in dates if (self.today - day).days <= RECENT_DAYS)
        for agency, open_share in OPEN_SHARE.items():
            expected = recent * AGENCY_SHARE[agency] * CASE_WORKER_OFFICE_SHARE[agency] * open_share
            self.assign_chance[agency] = min(0.8, ASSIGNED_PER_CASE_WORKER / max(expected, 1.0))

    def reset(self) -> None:
        self.rows = {
            "case": [],
            "case_event": [],
            "assistance": [],
            "verification": [],
            "entitlement": [],
            "need": [],
        }

    # -- a case ----------------------------------------------------------------------------------

    def add(
        self,
        *,
        household_id: int,
        registration_number: str,
        registration: HouseholdRegistration,
        agency: str,
        agency_id: str,
        opened_by: str,
        created: datetime.datetime,
        member_ids: list[str],
        report,
        member_public_ids: list[str] | None = None,
        category: str = "",
    ) -> None:
        """The case ``household_register`` opens for the household, at the stage its plan reached today."""
        workflow = self.cases.workflow(agency)
        if workflow is None:
            return
        rng, arrival = self.rng, registration.arrival_date
        plan = self.cases.plan(
            agency=agency, arrival=arrival, members=registration.members, country=registration.country_of_departure
        )
        office_code = registration.office
        draft = CaseDraft(
            case_id=str(self.ids["case"].take()),
            agency=agency,
            registration=registration,
            member_ids=member_ids,
            plan=plan,
            clock=Clock(rng, created),
            centre=str(self.reference.offices[CENTRE[agency].get(office_code, office_code)].pk),
            office=self.reference.offices[office_code],
            member_public_ids=member_public_ids or [],
            category=category,
        )
        case_id, clock, recipes = draft.case_id, draft.clock, self.recipes[agency]
        self._event(case_id, CaseEvent.Kind.OPENED, opened_by, created, target=workflow.initial_stage.code)
        closed_at = None
        for step in plan.steps:
            recipe = recipes[step.transition.code]
            for preparation in recipe.preparations:
                draft.changes += preparation.done(draft, step)
            moment = clock.at(step.on)
            note = rng.choice(recipe.notes) if recipe.notes else ""
            if not note and recipe.explains_needs and any(m.specific_needs for m in registration.members):
                note = NEEDS_EXPLAINED
            draft.details = {}
            for effect in recipe.effects:
                effect(draft, step, moment, recipe.actor)
            self._event(
                case_id,
                CaseEvent.Kind.TRANSITION,
                recipe.actor,
                moment,
                transition=step.transition.code,
                source=step.transition.source,
                target=step.transition.target,
                note=note,
                details=draft.details,
            )
            draft.changes += 1
            if recipe.closes:
                closed_at = moment
        is_open = plan.stage != workflow.final_stage.code
        if is_open:
            # Waiting at a stage whose way out needs something recorded first: some have begun it.
            for preparation in self.waiting[agency].get(plan.stage, ()):
                if rng.random() < preparation.begun_share:
                    draft.changes += preparation.begun(draft, plan.entered_on)
        assigned = NULL
        if (
            is_open
            and (self.today - arrival).days <= RECENT_DAYS
            and draft.office.code in CASE_WORKER_OFFICES[agency]
            and rng.random() < self.assign_chance.get(agency, 0.0)
        ):
            worker = self.staff[agency][ASSIGNEE_ROLE]
            assigned = str(worker.pk)
            moment = clock.at(plan.entered_on)
            self._event(
                case_id,
                CaseEvent.Kind.ASSIGNED,
                str(self.staff[agency][ASSIGNER_ROLE].pk),
                moment,
                note=worker.username,
                details={"from": None, "to": worker.pk},
            )
            draft.changes += 1
        stage = workflow.stage(plan.stage)
        due = stage.due_date(entered_on=plan.entered_on, arrival_date=arrival)
        self.rows["case"].append(
            "\t".join(
                (
                    case_id,
                    str(uuid.uuid4()),
                    f"{workflow.case_number_prefix}-{registration_number}",
                    str(household_id),
                    agency_id,
                    str(draft.office.pk),
                    workflow.code,
                    plan.stage,
                    assigned,
                    due.isoformat() if due else NULL,
                    NULL,
                    "t" if draft.fields.get("is_vulnerable") else "f",
                    stamp(created),
                    stamp(closed_at) if closed_at else NULL,
                    plan.outcome,
                    NULL,
                    str(1 + draft.changes),
                    stamp(clock.moment),
                )
            )
        )
        report.stages[(agency, plan.stage)] = report.stages.get((agency, plan.stage), 0) + 1

    def _event(self, case_id, kind, actor, moment, *, transition="", source="", target="", note="", details=None):
        self.rows["case_event"].append(
            "\t".join(
                (
                    str(self.ids["case_event"].take()),
                    case_id,
                    kind,
                    actor,
                    stamp(moment),
                    transition,
                    source,
                    target,
                    text(note),
                    text(json.dumps(details or {})),
                )
            )
        )

    # -- assistance, by the services' rules -------------------------------------------------------

    def _assistance(
        self,
        draft: CaseDraft,
        code: str,
        *,
        quantity,
        day: datetime.date,
        value: Decimal | None = None,
        currency: str = "",
        approved: bool = False,
    ) -> int:
        """One assistance row, as ``assistance_record`` (and ``assistance_decide``, when ``approved``)
        would write it; returns how many events it wrote."""
        agency, clock = draft.agency, draft.clock
        assistance_type = self.types[(agency, code)]
        recorder = self.staff[agency][RECORDER_ROLE]
        public_id = str(uuid.uuid4())
        recorded = clock.at(day)
        limit, limit_currency = self.limits[agency]
        approval = approval_on_record(is_cash=assistance_type.is_cash)
        needs_manager = manager_approval_needed(
            is_cash=assistance_type.is_cash, value=value, currency=currency, limit=limit, limit_currency=limit_currency
        )
        details = {
            "assistance": public_id,
            "type": code,
            "value": str(value) if value is not None else None,
            "currency": currency,
        }
        self._event(draft.case_id, CaseEvent.Kind.ASSISTANCE_RECORDED, str(recorder.pk), recorded, details=details)
        events = 1
        approved_at = approved_by = NULL
        if approved and approval == Assistance.Approval.PENDING:
            approver = self.staff[agency][APPROVER_ROLE]
            refusal = approval_refusal(
                recorded_by_id=recorder.pk,
                approver_id=approver.pk,
                approver_is_manager=approver.role in MANAGERS,
                needs_manager_approval=needs_manager,
            )
            if refusal is not None:
                raise ValueError(f"The demo's {agency} approver may not approve {code}: {refusal}.")
            moment = clock.at(day)
            approval, approved_at, approved_by = Assistance.Approval.APPROVED, stamp(moment), str(approver.pk)
            self._event(
                draft.case_id,
                CaseEvent.Kind.ASSISTANCE_APPROVED,
                approved_by,
                moment,
                details={"assistance": public_id},
            )
            events += 1
        self.rows["assistance"].append(
            "\t".join(
                (
                    str(self.ids["assistance"].take()),
                    public_id,
                    draft.case_id,
                    NULL,
                    str(assistance_type.pk),
                    str(quantity),
                    str(value) if value is not None else NULL,
                    currency,
                    day.isoformat(),
                    draft.centre,
                    str(recorder.pk),
                    stamp(recorded),
                    approval,
                    "t" if needs_manager else "f",
                    approved_by,
                    approved_at,
                    "",
                )
            )
        )
        return events

    def _grant(self, draft: CaseDraft, day: datetime.date, *, approved: bool) -> int:
        """The grant at the rate of the arrival date for each eligible member, as ``grant_amount`` gives it."""
        grant_type = self.grant_types[draft.agency]
        rate = grant_rate_on(rates=self.rates.get(grant_type.pk, []), on=draft.registration.arrival_date)
        eligible = draft.eligible if draft.eligible is not None else len(draft.registration.members)
        if rate is None or eligible == 0:
            return 0
        value, currency = grant_for_members(rate=rate, eligible=eligible)
        return self._assistance(
            draft, grant_type.code, quantity=1, value=value, currency=currency, day=day, approved=approved
        )

    def _supplement(self, draft: CaseDraft, day: datetime.date, *, approved: bool) -> int:
        """The return supplement, as ``supplement_owed`` gives it for a family in one part (the demo links no
        families); none when no rule covers the arrival or the day is before it falls due."""
        rule = supplement_rule_on(rules=self.supplement_rules, arrival=draft.registration.arrival_date)
        eligible = draft.eligible if draft.eligible is not None else len(draft.registration.members)
        if rule is None or day < draft.registration.arrival_date + datetime.timedelta(days=rule.due_after_days):
            return 0
        value = supplement_due(rule=rule, eligible=eligible, part=1, parts=1, already_paid_to_family=Decimal(0))
        if value == 0:
            return 0
        return self._assistance(
            draft,
            self.supplement_types[draft.agency].code,
            quantity=1,
            value=value,
            currency=rule.currency,
            day=day,
            approved=approved,
        )

    def _supplement_paid(self, draft: CaseDraft, step: CaseStep) -> int:
        return self._supplement(draft, step.on, approved=True)

    def _supplement_waiting(self, draft: CaseDraft, day: datetime.date) -> int:
        return self._supplement(draft, day, approved=False)

    def _grant_paid(self, draft: CaseDraft, step: CaseStep) -> int:
        return self._grant(draft, step.on, approved=True)

    def _grant_waiting(self, draft: CaseDraft, day: datetime.date) -> int:
        return self._grant(draft, day, approved=False)

    def _iom_package(self, draft: CaseDraft, step: CaseStep) -> int:
        """Meals and an NFI kit; cash for transport (approved) when the household goes on to onward transport."""
        size = len(draft.registration.members)
        events = self._assistance(draft, "meals", quantity=size * 2, day=step.on)
        events += self._assistance(draft, "nfi_kit", quantity=1, day=step.on)
        if not self.recipes[draft.agency][step.transition.code].closes:
            value = Decimal(10 * size + self.rng.choice((10, 20, 30)))
            events += self._assistance(
                draft, "transport_cash", quantity=1, value=value, currency="USD", day=step.on, approved=True
            )
        return events

    def _iom_meals(self, draft: CaseDraft, day: datetime.date) -> int:
        return self._assistance(draft, "meals", quantity=len(draft.registration.members) * 2, day=day)

    # -- effects ----------------------------------------------------------------------------------

    def _verifications(self, draft: CaseDraft, step: CaseStep, moment: datetime.datetime, actor: str) -> None:
        """``record_verifications``: iris results and every member's entitlement.

        Members the VRF does not list are not covered; about 3% of the covered were assisted before
        (43 of 1,528 in one 2019 period). When the grant is refused, every covered member failed.
        """
        registration = draft.registration
        arrival = registration.arrival_date
        papers = registration_papers(registration)
        coverage, _decrees = people_coverage(papers, arrival=arrival, reference=self.reference)
        covered = volrep_covered(papers, coverage, category=draft.category)
        refusing = unhcr.nobody_eligible in step.transition.guards
        eligible = 0
        for member, member_id, person, is_covered in zip(
            registration.members, draft.member_ids, coverage, covered, strict=True
        ):
            iris = None
            if is_covered and (member.age_on(arrival) or 0) >= unhcr.IRIS_FROM_AGE:
                if refusing:
                    iris = self.rng.choice(
                        (MemberVerification.Result.PREVIOUSLY_ASSISTED, MemberVerification.Result.FAILED)
                    )
                else:
                    # The head, who holds the VRF, is never the recycler: someone is paid.
                    recycler = member is not registration.members[0] and self.rng.random() < 0.03
                    iris = (
                        MemberVerification.Result.PREVIOUSLY_ASSISTED if recycler else MemberVerification.Result.CLEAR
                    )
                self.rows["verification"].append(
                    f"{self.ids['verification'].take()}\t{draft.case_id}\t{member_id}\t{iris}\t{actor}\t{stamp(moment)}"
                )
            # A young child on the VRF has no iris check: refusing the family, the case worker refuses the
            # child with a reason (the child is still on the VRF).
            decision, reason = decide(
                covered=is_covered,
                person=person,
                verified=Verified(iris=iris, refusal=YOUNG_CHILD_REFUSED if refusing and iris is None else ""),
            )
            eligible += decision == MemberEntitlement.Decision.ELIGIBLE
            self.rows["entitlement"].append(
                f"{self.ids['entitlement'].take()}\t{draft.case_id}\t{member_id}\t{decision}\t{text(reason)}"
                f"\t{actor}\t{stamp(moment)}"
            )
        if not refusing and eligible == 0:
            raise ValueError(f"Demo case {draft.case_id} was verified with nobody eligible.")
        draft.eligible = eligible

    def _vulnerabilities(self, draft: CaseDraft, step: CaseStep, moment: datetime.datetime, actor: str) -> None:
        """``record_vulnerabilities``: IOM vulnerability codes for each member; the case is vulnerable if any."""
        if not draft.plan.vulnerable:
            raise ValueError("The demo screened eligible a household it did not draw eligible.")
        members = draft.registration.members
        deported = draft.registration.return_type == "deportation"
        chosen = {}
        public_ids = draft.member_public_ids or [""] * len(members)
        for member_id, public_id, codes in zip(
            draft.member_ids, public_ids, iom_vulnerability_codes(members, deported=deported), strict=True
        ):
            for code in codes:
                self.rows["need"].append(f"{self.ids['need'].take()}\t{member_id}\t{self.iom_codes[code]}")
            if codes and public_id:
                chosen[public_id] = sorted(codes)
        draft.fields["is_vulnerable"] = True
        draft.details.update({"eligible": True, "vulnerabilities": chosen})

    def _handover(self, draft: CaseDraft, step: CaseStep, moment: datetime.datetime, actor: str) -> None:
        """``hand_over_to_destination_team``: the case moves to IOM's office in the province of
        destination (an event, written before the transition's, as the service writes it), or the
        event says there is none. Part of the transition's change: the version counts it once."""
        province = draft.registration.destination_province
        current = draft.office
        team = iom.destination_team(
            self.reference.offices.values(), province=province, agency_id=self.reference.agencies[draft.agency].pk
        )
        if team is not None and team.pk == current.pk:
            return
        note = (
            iom.handover_note(from_office=current, to_office=team)
            if team is not None
            else iom.no_team_note(province=self.reference.provinces[province], office=current)
        )
        self._event(
            draft.case_id,
            CaseEvent.Kind.HANDOVER,
            actor,
            moment,
            note=note,
            details={"from_office": current.code, "to_office": team.code if team else None, "province": province},
        )
        if team is not None:
            draft.office = team

    def _case_fields(self, effect: Callable) -> Callable:
        """Replay an effect that only sets case fields from the household's arrival, by calling it."""

        def replay(draft: CaseDraft, step: CaseStep, moment: datetime.datetime, actor: str) -> None:
            household = types.SimpleNamespace(arrival_date=draft.registration.arrival_date)
            context = TransitionContext(
                case=types.SimpleNamespace(household=household), actor=None, today=step.on, inputs={}
            )
            changes = effect(context)
            unknown = set(changes.case_fields) - set(CASE_FIELDS)
            if unknown:
                raise ValueError(f"The demo loader writes no case field {sorted(unknown)} ({effect.__name__}).")
            draft.fields.update(changes.case_fields)
            draft.details.update(changes.event_details)

        return replay

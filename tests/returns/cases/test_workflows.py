"""The two agency workflows, transition by transition: who may fire each, from where, under which guards.

Every transition of ``unhcr_voluntary_repatriation`` and ``iom_post_arrival`` appears in one table
(``SCENARIOS``): the stage it starts from, the stage it reaches, when that stage falls due, the outcome
of a final stage, the roles that may fire it, and a *given* that puts a case at the source stage with
every guard satisfied. The tests below read that table:

- allowed: each permitted role fires it and the case moves exactly as the table says;
- refused by role, by stage, by each guard and each missing input, and for a stale version:
  ``PermissionDenied`` / ``Case.DoesNotExist`` / ``Refused`` / ``CaseChanged``, and nothing changed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from agencies.models import Agency, Office, User
from agencies.problems import Refused
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    Household,
    Member,
    MemberEntitlement,
    MemberVerification,
    NeedCode,
    Referral,
)
from returns.selectors.cases import case_filter, caseload_counts
from returns.services.cases import (
    CaseChanged,
    allowed_transitions,
    assistance_decide,
    assistance_record,
    case_assign,
    case_transition,
    referral_make,
)
from returns.services.households import household_register
from returns.workflows import all_workflows
from tests.factories import UserFactory, entitle, household, member, por_card, vrf

UNHCR_WORKFLOW = "unhcr_voluntary_repatriation"
IOM_WORKFLOW = "iom_post_arrival"
ARRIVED_DAYS_AGO = 40


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def today() -> datetime.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Households and people
# ---------------------------------------------------------------------------------------------


def unhcr_family_members() -> list:
    """A family repatriating through VolRep, every member on its VRF: two adults, a son of 7 and a daughter of 4."""
    return [
        member(given_name="Ahmad", fathers_name="Mohammad", age=35, documents=[vrf(number="VRF-PK-100001")]),
        member(
            relationship="spouse",
            given_name="Fatima",
            fathers_name="Karim",
            sex="female",
            age=30,
            documents=[vrf(number="VRF-PK-100001")],
        ),
        member(
            relationship="son", given_name="Omid", fathers_name="Ahmad", age=7, documents=[vrf(number="VRF-PK-100001")]
        ),
        member(
            relationship="daughter",
            given_name="Maryam",
            fathers_name="Ahmad",
            sex="female",
            age=4,
            documents=[vrf(number="VRF-PK-100001")],
        ),
    ]


def iom_single_adult() -> list:
    return [member(given_name="Rahim", fathers_name="Gul", age=28)]


def iom_family_members() -> list:
    return [
        member(given_name="Rahim", fathers_name="Gul", age=28),
        member(relationship="spouse", given_name="Zarmina", fathers_name="Nazar", sex="female", age=25),
        member(relationship="son", given_name="Bilal", fathers_name="Rahim", age=6),
    ]


class Given:
    """Puts cases where a test needs them: registered through the real service, then moved."""

    def __init__(self):
        self.registrar = {
            "UNHCR": staff_user("UNHCR", User.Role.FIELD_OFFICER),
            "IOM": staff_user("IOM", User.Role.FIELD_OFFICER),
        }
        self.maker = {agency: staff_user(agency, User.Role.CASE_WORKER, "maker") for agency in ("UNHCR", "IOM")}
        self.checker = {agency: staff_user(agency, User.Role.CASE_WORKER, "checker") for agency in ("UNHCR", "IOM")}
        self.arrival = today() - days(ARRIVED_DAYS_AGO)

    def unhcr_case(self, members=None, arrival=None) -> Case:
        registered = household_register(
            registered_by=self.registrar["UNHCR"],
            registration=household(
                arrival_date=arrival or self.arrival,
                members=members if members is not None else unhcr_family_members(),
            ),
        )
        return Case.objects.get(household=registered, agency__code="UNHCR")

    def iom_case(self, members=None, arrival=None, destination_province="AF30") -> Case:
        registered = household_register(
            registered_by=self.registrar["IOM"],
            registration=household(
                arrival_date=arrival or self.arrival,
                office="IQL",
                country_of_departure="IR",
                return_type="deportation",
                destination_province=destination_province,
                members=members if members is not None else iom_single_adult(),
            ),
        )
        return Case.objects.get(household=registered, agency__code="IOM")

    def at(self, case: Case, stage: str, **fields) -> Case:
        """The case as it would be after reaching ``stage`` (a closed one with its outcome); a UNHCR case past
        verification with every member found eligible."""
        if stage == "closed":
            fields = {"closed_at": timezone.now(), "outcome": Case.Outcome.ASSISTED, **fields}
        if case.workflow == UNHCR_WORKFLOW and stage != "verification" and not case.entitlements.exists():
            entitle(case, decided_by=self.maker["UNHCR"])
        Case.objects.filter(pk=case.pk).update(stage=stage, **fields)
        return Case.objects.get(pk=case.pk)

    def cash_grant(self, case: Case, *, decision: str | None = "approve") -> Assistance:
        """UNHCR's repatriation grant recorded by one case worker, then approved or rejected by another."""
        grant = assistance_record(
            case=case,
            recorded_by=self.maker["UNHCR"],
            assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="cash_grant"),
            delivered_on=today(),
            office=case.office,
        )
        if decision is not None:
            assistance_decide(
                assistance=grant,
                decided_by=self.checker["UNHCR"],
                approve=decision == "approve",
                note="" if decision == "approve" else "Iris mismatch at the counter.",
            )
        return grant

    def iom_assistance(self, case: Case, code: str = "meals", **fields) -> Assistance:
        return assistance_record(
            case=case,
            recorded_by=self.maker["IOM"],
            assistance_type=AssistanceType.objects.get(agency__code="IOM", code=code),
            delivered_on=today(),
            office=case.office,
            **fields,
        )


def staff_user(agency_code: str | None, role: str, suffix: str = "") -> User:
    username = ".".join(part for part in (agency_code or "system", role, suffix) if part).lower()
    return UserFactory(
        username=username,
        agency=None if agency_code is None else Agency.objects.get(code=agency_code),
        office=None,
        role=role,
    )


OTHER_AGENCY = {"UNHCR": "IOM", "IOM": "UNHCR"}


def actor_named(name: str, agency_code: str) -> User:
    """``case_worker``, ``manager``, ``field_officer``, ``coordinator`` of the case's agency; ``admin``;
    or ``other_agency_<role>``: a colleague at the other assisting agency."""
    if name == "admin":
        return staff_user(None, User.Role.ADMIN)
    if name.startswith("other_agency_"):
        return staff_user(OTHER_AGENCY[agency_code], name.removeprefix("other_agency_"))
    return staff_user(agency_code, name)


@pytest.fixture
def given(db) -> Given:
    return Given()


def members_by_name(case: Case) -> dict[str, Member]:
    return {m.given_name: m for m in Member.objects.filter(household_id=case.household_id)}


def iris_inputs(case: Case, **results: str) -> dict[str, str]:
    """The verification form's iris fields, by member's given name: ``Ahmad="clear"``."""
    members = members_by_name(case)
    return {f"iris_{members[name].public_id}": result for name, result in results.items()}


def vulnerability_inputs(case: Case, **codes: list[str]) -> dict[str, list[str]]:
    members = members_by_name(case)
    return {f"vulnerabilities_{members[name].public_id}": chosen for name, chosen in codes.items()}


def snapshot(case: Case) -> dict:
    """Everything a transition may write, so that a refused one can be shown to have changed nothing."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "case": {
            field: getattr(fresh, field)
            for field in (
                "stage",
                "version",
                "stage_due_date",
                "overdue_since",
                "closed_at",
                "outcome",
                "is_vulnerable",
                "assigned_to_id",
                "office_id",
                "updated_at",
            )
        },
        "events": list(CaseEvent.objects.filter(case=fresh).values_list("kind", "transition")),
        "verifications": list(MemberVerification.objects.filter(case=fresh).values_list("member_id", "result")),
        "entitlements": list(MemberEntitlement.objects.filter(case=fresh).values_list("member_id", "decision")),
        "referrals": list(Referral.objects.values_list("pk", "status")),
        "assistance": list(Assistance.objects.values_list("pk", "approval")),
        "needs": sorted(
            Member.specific_needs.through.objects.filter(member__household_id=fresh.household_id).values_list(
                "member_id", "needcode_id"
            )
        ),
        "cases": list(Case.objects.order_by("pk").values_list("pk", "stage", "version")),
    }


def problem_list(error: Refused) -> dict[str, list[tuple[str, str]]]:
    return {
        path: [(problem.code, problem.message) for problem in problems] for path, problems in error.problems.items()
    }


# ---------------------------------------------------------------------------------------------
# The table: every transition of both workflows
# ---------------------------------------------------------------------------------------------


def entered_plus(n: int) -> Callable[[datetime.date, datetime.date], datetime.date]:
    return lambda entered, arrival: entered + days(n)


def arrival_plus(n: int) -> Callable[[datetime.date, datetime.date], datetime.date]:
    return lambda entered, arrival: arrival + days(n)


CASE_WORKERS = ("case_worker", "manager")
FIELD_STAFF = ("field_officer", "case_worker", "manager")
ACTORS = (
    "field_officer",
    "case_worker",
    "manager",
    "coordinator",
    "admin",
    "other_agency_field_officer",
    "other_agency_case_worker",
    "other_agency_manager",
)


@dataclass(frozen=True)
class Scenario:
    workflow: str
    transition: str
    source: str
    target: str
    roles: tuple[str, ...]
    given: Callable[[Given], tuple[Case, dict]]  # a case at ``source``, every guard satisfied; the inputs
    due: Callable[[datetime.date, datetime.date], datetime.date] | None = None
    outcome: str = ""

    @property
    def agency(self) -> str:
        return "UNHCR" if self.workflow == UNHCR_WORKFLOW else "IOM"

    def __str__(self) -> str:
        return self.transition


def ready_to_verify(given: Given) -> tuple[Case, dict]:
    case = given.unhcr_case()
    return case, {
        "documents_checked": "on",
        **iris_inputs(case, Ahmad="clear", Fatima="clear", Omid="clear"),
        "note": "VRF VRF-PK-100001 seen.",
    }


def refusal_inputs(case: Case, **reasons: str) -> dict[str, str]:
    """The verification form's refusal fields, by member's given name: ``Maryam="..."``."""
    members = members_by_name(case)
    return {f"refuse_{members[name].public_id}": reason for name, reason in reasons.items()}


def recycler_found(given: Given) -> tuple[Case, dict]:
    """The whole family was assisted before: nobody can be paid."""
    case = given.unhcr_case()
    return case, {
        "documents_checked": "on",
        **iris_inputs(case, Ahmad="previously_assisted", Fatima="previously_assisted", Omid="previously_assisted"),
        **refusal_inputs(case, Maryam="Her parents were assisted in 2019; she was born in Pakistan since."),
        "note": "Iris matched a 2019 repatriation.",
    }


def grant_approved(given: Given) -> tuple[Case, dict]:
    case = given.at(given.unhcr_case(), "encashment")
    given.cash_grant(case, decision="approve")
    return case, {"note": "Paid at the Nangarhar encashment centre."}


def services_given(given: Given) -> tuple[Case, dict]:
    case = given.at(given.unhcr_case(), "services")
    return case, {"health_screening": "on", "mine_risk_awareness": "on", "note": ""}


def supplement_paid_to_the_first_part(given: Given) -> tuple[Case, dict]:
    """The family's first part (the grandparents, on the same VRF) arrived 120 days ago and was paid the whole
    supplement, 700: nothing is owed to this part, whose own supplement would not yet be due."""
    first = given.at(
        given.unhcr_case(
            arrival=today() - days(120),
            members=[
                member(given_name="Karim", fathers_name="Yusuf", age=62, documents=[vrf(number="VRF-PK-100001")]),
                member(
                    relationship="spouse",
                    given_name="Zainab",
                    fathers_name="Rahman",
                    sex="female",
                    age=58,
                    documents=[vrf(number="VRF-PK-100001")],
                ),
            ],
        ),
        "supplement",
    )
    supplement = assistance_record(
        case=first,
        recorded_by=given.maker["UNHCR"],
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="return_supplement"),
        delivered_on=today(),
        office=first.office,
    )
    assistance_decide(assistance=supplement, decided_by=given.checker["UNHCR"], approve=True)
    case = given.at(given.unhcr_case(), "supplement")
    return case, {"note": "The grandparents were paid the family's supplement."}


def screened_eligible(given: Given) -> tuple[Case, dict]:
    case = given.iom_case()
    return case, {**vulnerability_inputs(case, Rahim=["MC"]), "note": "Needs dialysis."}


def screened_not_eligible(given: Given) -> tuple[Case, dict]:
    return given.iom_case(), {"note": "Single man, deported, in good health."}


def assistance_given(given: Given) -> tuple[Case, dict]:
    case = given.at(given.iom_case(members=iom_family_members()), "assistance")
    given.iom_assistance(case, "meals", quantity=3)
    return case, {"note": "Three meals and an NFI kit."}


def at_transport_for_reintegration(given: Given) -> tuple[Case, dict]:
    case = given.at(given.iom_case(), "transport", is_vulnerable=True)
    return case, {"note": "Bus to Herat city; the Herat team follows up."}


def at_transport_to_close(given: Given) -> tuple[Case, dict]:
    case = given.at(given.iom_case(), "transport", is_vulnerable=True)
    return case, {"note": "Bus to Herat city; treatment arranged there, nothing more needed."}


def reintegration_done(given: Given) -> tuple[Case, dict]:
    case = given.at(given.iom_case(), "reintegration", is_vulnerable=True)
    return case, {"note": "Assessed; referred to WAW; cash for protection paid."}


SCENARIOS = [
    Scenario(UNHCR_WORKFLOW, "verify", "verification", "encashment", CASE_WORKERS, ready_to_verify, entered_plus(2)),
    Scenario(
        UNHCR_WORKFLOW,
        "refuse_grant",
        "verification",
        "closed",
        CASE_WORKERS,
        recycler_found,
        outcome="not_eligible",
    ),
    Scenario(UNHCR_WORKFLOW, "pay_grant", "encashment", "services", CASE_WORKERS, grant_approved, entered_plus(2)),
    # Services done: the case waits for the return supplement, due 90 days after arrival (return monitoring
    # is a sample drawn apart from it).
    Scenario(
        UNHCR_WORKFLOW,
        "complete_services",
        "services",
        "supplement",
        CASE_WORKERS,
        services_given,
        arrival_plus(90),
    ),
    Scenario(
        UNHCR_WORKFLOW,
        "close_after_supplement",
        "supplement",
        "closed",
        CASE_WORKERS,
        supplement_paid_to_the_first_part,
        outcome="assisted",
    ),
    Scenario(
        IOM_WORKFLOW, "screen_eligible", "screening", "assistance", CASE_WORKERS, screened_eligible, entered_plus(2)
    ),
    Scenario(
        IOM_WORKFLOW,
        "screen_not_eligible",
        "screening",
        "closed",
        CASE_WORKERS,
        screened_not_eligible,
        outcome="counted_not_assisted",
    ),
    Scenario(
        IOM_WORKFLOW, "complete_assistance", "assistance", "transport", CASE_WORKERS, assistance_given, entered_plus(3)
    ),
    Scenario(
        IOM_WORKFLOW,
        "complete_transport",
        "transport",
        "reintegration",
        FIELD_STAFF,
        at_transport_for_reintegration,
        arrival_plus(90),
    ),
    Scenario(
        IOM_WORKFLOW,
        "close_after_transport",
        "transport",
        "closed",
        FIELD_STAFF,
        at_transport_to_close,
        outcome="assisted",
    ),
    Scenario(
        IOM_WORKFLOW,
        "close_reintegration",
        "reintegration",
        "closed",
        CASE_WORKERS,
        reintegration_done,
        outcome="reintegration_completed",
    ),
]

ALLOWED = [
    pytest.param(scenario, role, id=f"{scenario.transition}-by-{role}")
    for scenario in SCENARIOS
    for role in scenario.roles
]
REFUSED_BY_ROLE = [
    pytest.param(scenario, actor, id=f"{scenario.transition}-by-{actor}")
    for scenario in SCENARIOS
    for actor in ACTORS
    if actor not in scenario.roles
]
# Not visible (another agency's case; a coordinator reads joint figures only) or visible but not theirs to move.
REFUSAL_FOR = {
    "field_officer": PermissionDenied,
    "admin": PermissionDenied,
    "coordinator": Case.DoesNotExist,
    "other_agency_field_officer": Case.DoesNotExist,
    "other_agency_case_worker": Case.DoesNotExist,
    "other_agency_manager": Case.DoesNotExist,
}
STAGES = {
    UNHCR_WORKFLOW: ("verification", "encashment", "services", "supplement", "closed"),
    IOM_WORKFLOW: ("screening", "assistance", "transport", "reintegration", "closed"),
}
STAGE_LABELS = {
    "verification": "Document and iris verification",
    "encashment": "Encashment (cash grant)",
    "services": "Services at the encashment centre",
    "supplement": "Return supplement (about three months after arrival)",
    "screening": "Vulnerability screening",
    "assistance": "Post-arrival assistance",
    "transport": "Onward transport",
    "reintegration": "Reintegration and protection",
    "closed": "Closed",
}
REFUSED_BY_STAGE = [
    pytest.param(scenario, stage, id=f"{scenario.transition}-from-{stage}")
    for scenario in SCENARIOS
    for stage in STAGES[scenario.workflow]
    if stage != scenario.source
]


def test_the_table_covers_every_transition_of_both_workflows():
    defined = {
        (workflow.code, transition.code, transition.source, transition.target, frozenset(transition.roles))
        for workflow in all_workflows().values()
        for transition in workflow.transitions
    }
    tabled = {
        (scenario.workflow, scenario.transition, scenario.source, scenario.target, frozenset(scenario.roles))
        for scenario in SCENARIOS
    }
    assert tabled == defined
    assert {code: tuple(stage.code for stage in workflow.stages) for code, workflow in all_workflows().items()} == (
        STAGES
    )


# ---------------------------------------------------------------------------------------------
# Allowed
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("scenario", "role"), ALLOWED)
def test_a_permitted_role_moves_the_case_to_the_target_stage(given, scenario, role):
    case, inputs = scenario.given(given)
    actor = actor_named(role, scenario.agency)
    before = Case.objects.get(pk=case.pk)
    events_before = CaseEvent.objects.filter(case=case).count()
    started = timezone.now()

    moved = case_transition(
        case=case, transition_code=scenario.transition, actor=actor, data=inputs, expected_version=before.version
    )

    after = Case.objects.get(pk=case.pk)
    arrival = after.household.arrival_date
    assert arrival == today() - days(ARRIVED_DAYS_AGO)
    expected_due = scenario.due(today(), arrival) if scenario.due else None
    assert (after.stage, after.stage_due_date, after.outcome, after.version) == (
        scenario.target,
        expected_due,
        scenario.outcome,
        before.version + 1,
    )
    assert (moved.stage, moved.version) == (after.stage, after.version)
    if scenario.outcome:
        assert started <= after.closed_at <= timezone.now()
    else:
        assert after.closed_at is None
    transition_events = list(
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TRANSITION).values(
            "transition", "from_stage", "to_stage", "actor", "note"
        )
    )
    assert transition_events == [
        {
            "transition": scenario.transition,
            "from_stage": scenario.source,
            "to_stage": scenario.target,
            "actor": actor.pk,
            "note": inputs.get("note", ""),
        }
    ]
    # refuse_grant also refers the household to IOM, and complete_transport hands the case over to
    # the team of the province of destination: each writes its own event.
    extra = 1 if scenario.transition in ("refuse_grant", "complete_transport") else 0
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1 + extra


def test_an_overdue_mark_is_cleared_when_the_case_moves_on(given):
    case, inputs = ready_to_verify(given)
    case = given.at(case, "verification", overdue_since=today() - days(3), stage_due_date=today() - days(3))

    moved = case_transition(case=case, transition_code="verify", actor=actor_named("case_worker", "UNHCR"), data=inputs)

    assert (moved.overdue_since, moved.stage_due_date) == (None, today() + days(2))


# ---------------------------------------------------------------------------------------------
# Refused: by role, by stage, stale version
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("scenario", "actor_name"), REFUSED_BY_ROLE)
def test_a_role_not_listed_cannot_fire_the_transition(given, scenario, actor_name):
    case, inputs = scenario.given(given)
    actor = actor_named(actor_name, scenario.agency)
    before = snapshot(case)

    with pytest.raises(REFUSAL_FOR[actor_name]):
        case_transition(case=case, transition_code=scenario.transition, actor=actor, data=inputs)

    assert snapshot(case) == before


@pytest.mark.parametrize(("scenario", "stage"), REFUSED_BY_STAGE)
def test_a_transition_cannot_start_from_another_stage(given, scenario, stage):
    case, inputs = scenario.given(given)
    case = given.at(case, stage)
    before = snapshot(case)

    with pytest.raises(Refused) as refused:
        case_transition(
            case=case, transition_code=scenario.transition, actor=actor_named("manager", scenario.agency), data=inputs
        )

    assert problem_list(refused.value) == {
        "transition": [
            (
                "not_from_this_stage",
                f"“{scenario.transition}” is not possible from the stage “{STAGE_LABELS[stage]}”.",
            )
        ]
    }
    assert snapshot(case) == before


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s.transition) for s in SCENARIOS])
def test_a_stale_version_is_refused_and_nothing_changes(given, scenario):
    case, inputs = scenario.given(given)
    read_version = Case.objects.get(pk=case.pk).version
    manager = actor_named("manager", scenario.agency)
    # Meanwhile a manager assigns the case: its version moves on.
    case_assign(case_ids=[case.pk], assignee=manager, assigned_by=manager)
    before = snapshot(case)

    with pytest.raises(CaseChanged) as changed:
        case_transition(
            case=case, transition_code=scenario.transition, actor=manager, data=inputs, expected_version=read_version
        )

    assert changed.value.case.version == read_version + 1
    assert snapshot(case) == before


def test_a_transition_the_workflow_does_not_know_is_refused(given):
    case = given.unhcr_case()
    before = snapshot(case)

    with pytest.raises(Refused) as refused:
        case_transition(case=case, transition_code="screen_eligible", actor=actor_named("manager", "UNHCR"))

    assert problem_list(refused.value) == {
        "transition": [
            (
                "not_from_this_stage",
                "“screen_eligible” is not possible from the stage “Document and iris verification”.",
            )
        ]
    }
    assert snapshot(case) == before


# ---------------------------------------------------------------------------------------------
# Refused by each guard and each missing input
# ---------------------------------------------------------------------------------------------

REQUIRED = "This field is required."


def guard(message: str) -> dict:
    return {"transition": [("guard", message)]}


def verify_with(refused=None, **iris) -> Callable[[Given], tuple[Case, dict, dict]]:
    def given_case(given: Given):
        case = given.unhcr_case()
        return (
            case,
            {"documents_checked": "on", **iris_inputs(case, **iris), **refusal_inputs(case, **(refused or {}))},
            {},
        )

    return given_case


def verify_without_documents(given: Given):
    case = given.unhcr_case()
    return case, iris_inputs(case, Ahmad="clear", Fatima="clear", Omid="clear"), {"documents_checked": REQUIRED}


def verify_without_an_iris_result(given: Given):
    case = given.unhcr_case()
    omid = members_by_name(case)["Omid"]
    return (
        case,
        {"documents_checked": "on", **iris_inputs(case, Ahmad="clear", Fatima="clear")},
        {f"iris_{omid.public_id}": REQUIRED},
    )


def refuse_when_one_is_eligible(given: Given):
    case = given.unhcr_case()
    inputs = {
        "documents_checked": "on",
        **iris_inputs(case, Ahmad="previously_assisted", Fatima="clear", Omid="failed"),
        **refusal_inputs(case, Maryam="Not her mother's child."),
    }
    return case, {**inputs, "note": "Only Fatima."}, {}


def refuse_when_everyone_is_clear(given: Given):
    case = given.unhcr_case()
    inputs = {"documents_checked": "on", **iris_inputs(case, Ahmad="clear", Fatima="clear", Omid="clear")}
    return case, {**inputs, "note": "The family asked to wait."}, {}


def refuse_without_a_note(given: Given):
    case = given.unhcr_case()
    return case, {"documents_checked": "on", **iris_inputs(case, Ahmad="failed", Fatima="clear", Omid="clear")}, {}


def pay_when_the_grant_is(grant: str):
    """``missing``: never recorded; ``pending``: waiting for a second person; ``rejected``."""

    def given_case(given: Given):
        case = given.at(given.unhcr_case(), "encashment")
        if grant != "missing":
            given.cash_grant(case, decision={"pending": None, "rejected": "reject"}[grant])
        return case, {}, {}

    return given_case


def pay_with_only_the_supplement_approved(given: Given):
    """Another cash item approved is not the repatriation grant (the supplement falls due 90 days after arrival)."""
    case = given.at(given.unhcr_case(arrival=today() - days(90)), "encashment")
    supplement = assistance_record(
        case=case,
        recorded_by=given.maker["UNHCR"],
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="return_supplement"),
        delivered_on=today(),
        office=case.office,
        value=700,
        currency="USD",
    )
    assistance_decide(assistance=supplement, decided_by=given.checker["UNHCR"], approve=True)
    return case, {}, {}


def services_with(health: bool, mine: bool):
    def given_case(given: Given):
        case = given.at(given.unhcr_case(), "services")
        inputs = {"health_screening": "on" if health else "", "mine_risk_awareness": "on" if mine else ""}
        return case, inputs, {}

    return given_case


def services_for_a_member_with_specific_needs(given: Given):
    family = unhcr_family_members()
    family[3].specific_needs = ["DS-PM"]
    case = given.at(given.unhcr_case(members=family), "services")
    return case, {"health_screening": "on", "mine_risk_awareness": "on", "note": "  "}, {}


def supplement_unpaid(given: Given):
    """Arrived 40 days ago, after 2023: the family of four is owed 700, not yet due and not yet paid."""
    return given.at(given.unhcr_case(), "supplement"), {}, {}


def iom_at_assistance(members=None, assistance: str | None = None, **fields):
    def given_case(given: Given):
        case = given.at(given.iom_case(members=members), "assistance", **fields)
        if assistance == "meals":
            given.iom_assistance(case, "meals")
        elif assistance == "rejected_transport_cash":
            cash = given.iom_assistance(case, "transport_cash", value=40, currency="USD")
            assistance_decide(
                assistance=cash, decided_by=given.checker["IOM"], approve=False, note="Bus ticket given instead."
            )
        return case, {}, {}

    return given_case


def reintegration_without_a_note(given: Given):
    return given.at(given.iom_case(), "reintegration", is_vulnerable=True), {"note": ""}, {"note": REQUIRED}


NOBODY_ELIGIBLE = (
    "No member is eligible for the grant (not on the VRF, assisted before, or refused). "
    "Use “Refuse the grant and refer to IOM”."
)
CAN_BE_PAID = "%s can be paid: verify the family and refuse only the members who are not eligible, each with a reason."
MARYAM_REFUSED = {"Maryam": "Registered on another family's VRF."}
NO_GRANT = "Record the cash grant and have a second person approve it before paying."
SUPPLEMENT_OWED = "Pay the return supplement of 700.00 USD (due on %s) and have a second person approve it first."
NO_ASSISTANCE = "Record the post-arrival assistance given (meals, transit nights, NFI kit, cash for transport) first."
NO_CODES = (
    "Choose the vulnerability codes that make the household eligible, for each member concerned; "
    "if none applies, screen it as not eligible (counted, not assisted)."
)
DF_ALONE = (
    "Being a deported family (DF) does not by itself make a family eligible: choose the vulnerability "
    "that does (for example SF, UMC, MC, PF), or screen the family as not eligible."
)


def screening_with(**codes: list[str]) -> Callable[[Given], tuple[Case, dict, dict]]:
    def given_case(given: Given):
        case = given.iom_case(members=iom_family_members())
        return case, vulnerability_inputs(case, **codes), {}

    return given_case


GUARDED = [
    pytest.param(
        "verify",
        verify_with(
            Ahmad="previously_assisted",
            Fatima="previously_assisted",
            Omid="previously_assisted",
            refused=MARYAM_REFUSED,
        ),
        guard(NOBODY_ELIGIBLE),
        id="verify-recyclers",
    ),
    pytest.param(
        "verify",
        verify_with(Ahmad="failed", Fatima="failed", Omid="previously_assisted", refused=MARYAM_REFUSED),
        guard(NOBODY_ELIGIBLE),
        id="verify-iris-failed",
    ),
    pytest.param(
        "verify",
        verify_with(
            Ahmad="clear",
            Fatima="clear",
            Omid="clear",
            refused={"Ahmad": "Sold his VRF.", "Fatima": "Not on this VRF.", "Omid": "Too old.", **MARYAM_REFUSED},
        ),
        guard(NOBODY_ELIGIBLE),
        id="verify-everyone-refused",
    ),
    pytest.param("verify", verify_without_documents, None, id="verify-documents-unticked"),
    pytest.param("verify", verify_without_an_iris_result, None, id="verify-iris-missing-for-a-child-of-7"),
    pytest.param(
        "refuse_grant",
        refuse_when_everyone_is_clear,
        guard(CAN_BE_PAID % "Ahmad Mohammad, Fatima Karim, Omid Ahmad, Maryam Ahmad"),
        id="refuse_grant-everyone-clear",
    ),
    pytest.param(
        "refuse_grant", refuse_when_one_is_eligible, guard(CAN_BE_PAID % "Fatima Karim"), id="refuse_grant-one-eligible"
    ),
    pytest.param("refuse_grant", refuse_without_a_note, {"note": [("required", REQUIRED)]}, id="refuse_grant-no-note"),
    pytest.param("pay_grant", pay_when_the_grant_is("missing"), guard(NO_GRANT), id="pay_grant-no-grant"),
    pytest.param("pay_grant", pay_when_the_grant_is("pending"), guard(NO_GRANT), id="pay_grant-grant-pending"),
    pytest.param("pay_grant", pay_when_the_grant_is("rejected"), guard(NO_GRANT), id="pay_grant-grant-rejected"),
    pytest.param("pay_grant", pay_with_only_the_supplement_approved, guard(NO_GRANT), id="pay_grant-supplement-only"),
    pytest.param(
        "complete_services",
        services_with(health=False, mine=True),
        guard("Not yet done: health screening."),
        id="complete_services-no-health-screening",
    ),
    pytest.param(
        "complete_services",
        services_with(health=True, mine=False),
        guard("Not yet done: mine-risk awareness."),
        id="complete_services-no-mine-risk",
    ),
    pytest.param(
        "complete_services",
        services_with(health=False, mine=False),
        guard("Not yet done: health screening, mine-risk awareness."),
        id="complete_services-nothing-done",
    ),
    pytest.param(
        "complete_services",
        services_for_a_member_with_specific_needs,
        guard("Maryam Ahmad have specific needs: make a referral, or note why none is needed."),
        id="complete_services-specific-needs-unreferred",
    ),
    pytest.param(
        "close_after_supplement",
        supplement_unpaid,
        lambda given: guard(SUPPLEMENT_OWED % (given.arrival + days(90)).isoformat()),
        id="close_after_supplement-unpaid",
    ),
    pytest.param(
        "screen_eligible",
        screening_with(Rahim=[], Zarmina=[], Bilal=[]),
        guard(NO_CODES),
        id="screen_eligible-no-code",
    ),
    pytest.param(
        "screen_eligible",
        screening_with(Rahim=["DF"], Zarmina=["DF"], Bilal=[]),
        guard(DF_ALONE),
        id="screen_eligible-deported-family-alone",
    ),
    pytest.param(
        "complete_assistance", iom_at_assistance(), guard(NO_ASSISTANCE), id="complete_assistance-no-assistance"
    ),
    pytest.param(
        "complete_assistance",
        iom_at_assistance(assistance="rejected_transport_cash"),
        guard(NO_ASSISTANCE),
        id="complete_assistance-only-rejected-cash",
    ),
    pytest.param("close_reintegration", reintegration_without_a_note, None, id="close_reintegration-no-note"),
]


@pytest.mark.parametrize(("transition", "given_case", "problems"), GUARDED)
def test_a_guard_or_a_missing_input_refuses_the_transition(given, transition, given_case, problems):
    case, inputs, missing = given_case(given)
    if callable(problems):
        problems = problems(given)
    if problems is None:
        problems = {path: [("required", message)] for path, message in missing.items()}
    agency = case.agency.code
    before = snapshot(case)

    with pytest.raises(Refused) as refused:
        case_transition(case=case, transition_code=transition, actor=actor_named("manager", agency), data=inputs)

    assert problem_list(refused.value) == problems
    assert snapshot(case) == before


def test_a_referral_or_a_note_lets_services_complete_for_a_member_with_specific_needs(given):
    family = unhcr_family_members()
    family[3].specific_needs = ["DS-PM"]
    worker = actor_named("case_worker", "UNHCR")
    noted = given.at(given.unhcr_case(members=family), "services")
    referred = given.at(given.unhcr_case(members=family), "services")
    referral_make(
        case=referred,
        made_by=worker,
        to_agency=Agency.objects.get(code="WAW"),
        service="health",
        reason="Maryam needs a wheelchair.",
        due_date=today() + days(7),
    )
    services = {"health_screening": "on", "mine_risk_awareness": "on"}

    noted = case_transition(
        case=noted,
        transition_code="complete_services",
        actor=worker,
        data={**services, "note": "Referred in Pakistan already; family has the wheelchair."},
    )
    referred = case_transition(case=referred, transition_code="complete_services", actor=worker, data=services)

    assert (noted.stage, referred.stage) == ("supplement", "supplement")


def test_refusing_the_grant_is_allowed_when_the_documents_were_not_genuine(given):
    case = given.unhcr_case()

    refused = case_transition(
        case=case,
        transition_code="refuse_grant",
        actor=actor_named("case_worker", "UNHCR"),
        data={**iris_inputs(case, Ahmad="clear", Fatima="clear", Omid="clear"), "note": "The VRF was forged."},
    )

    assert (refused.stage, refused.outcome) == ("closed", "not_eligible")
    # Nobody is recorded as eligible for a grant refused because the documents were not genuine.
    assert sorted(
        MemberEntitlement.objects.filter(case=case).values_list("member__given_name", "decision", "reason")
    ) == [
        ("Ahmad", "refused", "The documents were not confirmed genuine."),
        ("Fatima", "refused", "The documents were not confirmed genuine."),
        ("Maryam", "refused", "The documents were not confirmed genuine."),
        ("Omid", "refused", "The documents were not confirmed genuine."),
    ]


# ---------------------------------------------------------------------------------------------
# Effects
# ---------------------------------------------------------------------------------------------


def test_verify_records_an_iris_result_for_every_member_aged_five_or_over_and_no_one_younger(given):
    arrival = datetime.date(2025, 7, 4)
    case = given.unhcr_case(
        arrival=arrival,
        members=[
            member(given_name="Ahmad", fathers_name="Mohammad", age=35, documents=[vrf(number="VRF-PK-200001")]),
            member(
                relationship="son",
                given_name="Omid",
                fathers_name="Ahmad",
                date_of_birth=datetime.date(2020, 7, 4),
                documents=[vrf(number="VRF-PK-200001")],
            ),
            member(
                relationship="daughter",
                given_name="Maryam",
                fathers_name="Ahmad",
                sex="female",
                date_of_birth=datetime.date(2020, 7, 5),
                documents=[vrf(number="VRF-PK-200001")],
            ),
        ],
    )
    worker = actor_named("case_worker", "UNHCR")
    members = members_by_name(case)

    case_transition(
        case=case,
        transition_code="verify",
        actor=worker,
        # An iris result typed for the 4-year-old is not part of the form, and is ignored.
        data={"documents_checked": "on", **iris_inputs(case, Ahmad="clear", Omid="clear", Maryam="failed")},
    )

    assert sorted(MemberVerification.objects.filter(case=case).values_list("member_id", "result", "recorded_by")) == [
        (members["Ahmad"].pk, "clear", worker.pk),
        (members["Omid"].pk, "clear", worker.pk),
    ]


def test_refusing_the_grant_records_the_verifications_and_a_pending_referral_to_iom(given):
    case, inputs = recycler_found(given)
    worker = actor_named("case_worker", "UNHCR")
    members = members_by_name(case)

    case_transition(case=case, transition_code="refuse_grant", actor=worker, data=inputs)

    assert sorted(MemberVerification.objects.filter(case=case).values_list("member_id", "result")) == sorted(
        [
            (members["Ahmad"].pk, "previously_assisted"),
            (members["Fatima"].pk, "previously_assisted"),
            (members["Omid"].pk, "previously_assisted"),
        ]
    )
    assert sorted(MemberEntitlement.objects.filter(case=case).values_list("member_id", "decision", "reason")) == sorted(
        [
            (members["Ahmad"].pk, "already_assisted", ""),
            (members["Fatima"].pk, "already_assisted", ""),
            (members["Omid"].pk, "already_assisted", ""),
            (members["Maryam"].pk, "refused", "Her parents were assisted in 2019; she was born in Pakistan since."),
        ]
    )
    referral = Referral.objects.get()
    assert (
        referral.case_id,
        referral.from_agency.code,
        referral.to_agency.code,
        referral.service,
        referral.status,
        referral.reason,
        referral.due_date,
        referral.created_by,
        referral.member,
    ) == (
        case.pk,
        "UNHCR",
        "IOM",
        "screening",
        "pending",
        "No member could be paid the VolRep grant: Iris matched a 2019 repatriation.",
        today() + days(3),
        worker,
        None,
    )
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", "transition", "note")) == [
        ("opened", "", ""),
        ("referral_made", "", "No member could be paid the VolRep grant: Iris matched a 2019 repatriation."),
        ("transition", "refuse_grant", "Iris matched a 2019 repatriation."),
    ]


def household_codes(case: Case) -> list[tuple[str, str, str]]:
    return sorted(
        Member.specific_needs.through.objects.filter(member__household_id=case.household_id).values_list(
            "member__given_name", "needcode__scheme", "needcode__code"
        )
    )


def test_screening_eligible_records_the_codes_per_member_and_moves_to_assistance(given):
    case = given.iom_case(members=iom_family_members())
    members = members_by_name(case)
    worker = actor_named("case_worker", "IOM")

    screened = case_transition(
        case=case,
        transition_code="screen_eligible",
        actor=worker,
        data=vulnerability_inputs(case, Rahim=["PF", "DF"], Zarmina=[], Bilal=["MC"]),
    )

    saved = Case.objects.get(pk=case.pk)
    assert (saved.stage, saved.is_vulnerable, saved.closed_at, saved.outcome, saved.version) == (
        "assistance",
        True,
        None,
        "",
        2,
    )
    assert screened.is_vulnerable is True
    assert household_codes(case) == [
        ("Bilal", NeedCode.Scheme.IOM_VULNERABILITY, "MC"),
        ("Rahim", NeedCode.Scheme.IOM_VULNERABILITY, "DF"),
        ("Rahim", NeedCode.Scheme.IOM_VULNERABILITY, "PF"),
    ]
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", "transition", "actor", "details")) == [
        ("opened", "", given.registrar["IOM"].pk, {}),
        (
            "transition",
            "screen_eligible",
            worker.pk,
            {
                "eligible": True,
                "vulnerabilities": {
                    str(members["Rahim"].public_id): ["DF", "PF"],
                    str(members["Bilal"].public_id): ["MC"],
                },
            },
        ),
    ]


def test_a_deported_family_is_eligible_when_another_code_applies(given):
    case = given.iom_case(members=iom_family_members())

    screened = case_transition(
        case=case,
        transition_code="screen_eligible",
        actor=actor_named("manager", "IOM"),
        data=vulnerability_inputs(case, Rahim=["DF"], Zarmina=["SP"], Bilal=[]),
    )

    assert (screened.stage, screened.is_vulnerable) == ("assistance", True)
    assert [code for _name, _scheme, code in household_codes(case)] == ["DF", "SP"]


def test_a_deported_family_alone_is_refused_and_nothing_changes(given):
    case = given.iom_case(members=iom_family_members())
    before = snapshot(case)

    with pytest.raises(Refused) as refused:
        case_transition(
            case=case,
            transition_code="screen_eligible",
            actor=actor_named("case_worker", "IOM"),
            data=vulnerability_inputs(case, Rahim=["DF"], Zarmina=[], Bilal=["DF"]),
            expected_version=1,
        )

    assert problem_list(refused.value) == {"transition": [("guard", DF_ALONE)]}
    saved = Case.objects.get(pk=case.pk)
    assert (saved.stage, saved.version, saved.is_vulnerable) == ("screening", 1, False)
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == ["opened"]
    assert household_codes(case) == []
    assert snapshot(case) == before


def test_screening_not_eligible_closes_the_case_counted_not_assisted_with_no_assistance(given):
    case = given.iom_case(members=iom_family_members())
    worker = actor_named("case_worker", "IOM")
    started = timezone.now()

    closed = case_transition(
        case=case,
        transition_code="screen_not_eligible",
        actor=worker,
        data={"note": "Family of three, working-age adults, no specific needs."},
    )

    saved = Case.objects.get(pk=case.pk)
    assert (saved.stage, saved.outcome, saved.is_vulnerable, saved.stage_due_date, saved.version) == (
        "closed",
        Case.Outcome.COUNTED_NOT_ASSISTED,
        False,
        None,
        2,
    )
    assert started <= saved.closed_at <= timezone.now()
    assert closed.get_outcome_display() == "Counted, not assisted"
    assert Assistance.objects.filter(case=case).count() == 0
    assert household_codes(case) == []
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", "transition", "to_stage", "details")) == [
        ("opened", "", "screening", {}),
        ("transition", "screen_not_eligible", "closed", {"eligible": False}),
    ]


def test_screening_refuses_a_code_outside_iom_vulnerability_categories(given):
    case = given.iom_case()
    rahim = members_by_name(case)["Rahim"]
    before = snapshot(case)

    with pytest.raises(Refused) as refused:
        case_transition(
            case=case,
            transition_code="screen_eligible",
            actor=actor_named("manager", "IOM"),
            data=vulnerability_inputs(case, Rahim=["DS-PM"]),  # a UNHCR specific-needs code
        )

    assert {path: [p.code for p in problems] for path, problems in refused.value.problems.items()} == {
        f"vulnerabilities_{rahim.public_id}": ["invalid_choice"]
    }
    assert snapshot(case) == before


def test_going_on_to_reintegration_hands_the_case_to_the_iom_team_of_the_destination_province(given):
    # Given an eligible case from Islam Qala, going to Herat, assigned to a case worker at the border
    case = given.iom_case(destination_province="AF30")
    worker = actor_named("case_worker", "IOM")
    manager = actor_named("manager", "IOM")
    case_transition(
        case=case, transition_code="screen_eligible", actor=worker, data=vulnerability_inputs(case, Rahim=["MC"])
    )
    given.iom_assistance(case, "meals")
    case_transition(case=case, transition_code="complete_assistance", actor=worker)
    case_assign(case_ids=[case.pk], assignee=worker, assigned_by=manager)
    border, herat = Office.objects.get(code="IQL"), Office.objects.get(code="IHR")
    assert Case.objects.get(pk=case.pk).office == border

    # When it goes on to reintegration
    moved = case_transition(case=case, transition_code="complete_transport", actor=worker, data={"note": "Bus."})

    # Then it belongs to the Herat team, unassigned, with the move in its history after all the rest
    saved = Case.objects.get(pk=case.pk)
    assert (saved.stage, saved.office, saved.assigned_to, saved.version) == ("reintegration", herat, None, 6)
    assert (moved.office, moved.assigned_to) == (herat, None)
    assert (herat.kind, herat.agency.code, herat.province_id, herat.is_active) == (
        "provincial_office",
        "IOM",
        "AF30",
        True,
    )
    assert list(
        CaseEvent.objects.filter(case=case)
        .order_by("created_at", "id")
        .values_list("kind", "transition", "note", "details")
    ) == [
        ("opened", "", "", {}),
        (
            "transition",
            "screen_eligible",
            "",
            {"eligible": True, "vulnerabilities": {str(members_by_name(case)["Rahim"].public_id): ["MC"]}},
        ),
        ("assistance_recorded", "", "", CaseEvent.objects.get(case=case, kind="assistance_recorded").details),
        ("transition", "complete_assistance", "", {}),
        ("assigned", "", worker.username, {"from": None, "to": worker.pk}),
        (
            "handover",
            "",
            "Handed from Islam Qala border crossing to IOM Herat provincial office, the team of the province of "
            "destination.",
            {"from_office": "IQL", "to_office": "IHR", "province": "AF30"},
        ),
        ("transition", "complete_transport", "Bus.", {}),
    ]
    # And the Herat team's caseload shows it, the border's no longer does
    herat_cases = case_filter(user=manager, params={"office": "IHR", "open": "true"}).qs
    border_cases = case_filter(user=manager, params={"office": "IQL", "open": "true"}).qs
    assert (list(herat_cases.values_list("pk", flat=True)), border_cases.filter(pk=case.pk).exists()) == (
        [case.pk],
        False,
    )
    assert [
        (row["stage"], row["office_id"], row["total"])
        for row in caseload_counts(cases=Case.objects.visible_to(manager), today=today())
    ] == [("reintegration", herat.pk, 1)]


def test_with_no_iom_office_in_the_destination_province_the_case_stays_and_the_history_says_so(given):
    case = given.at(given.iom_case(destination_province="AF21"), "transport", is_vulnerable=True)  # Ghor
    worker = actor_named("case_worker", "IOM")
    case_assign(case_ids=[case.pk], assignee=worker, assigned_by=actor_named("manager", "IOM"))

    case_transition(case=case, transition_code="complete_transport", actor=worker)

    saved = Case.objects.get(pk=case.pk)
    assert (saved.stage, saved.office.code, saved.assigned_to, saved.version) == ("reintegration", "IQL", worker, 3)
    assert list(
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.HANDOVER).values_list("actor", "note", "details")
    ) == [
        (
            worker.pk,
            "IOM has no office in the province of destination, Ghor (AF21): the case stays with Islam Qala border "
            "crossing.",
            {"from_office": "IQL", "to_office": None, "province": "AF21"},
        )
    ]


def test_an_inactive_provincial_office_takes_no_handover_and_a_case_already_there_stays_quietly(given):
    Office.objects.filter(code="IHR").update(is_active=False)
    inactive = given.at(given.iom_case(destination_province="AF30"), "transport", is_vulnerable=True)
    kandahar = Office.objects.get(code="IKD")
    already = given.at(given.iom_case(destination_province="AF33"), "transport", is_vulnerable=True, office=kandahar)
    worker = actor_named("case_worker", "IOM")

    case_transition(case=inactive, transition_code="complete_transport", actor=worker)
    case_transition(case=already, transition_code="complete_transport", actor=worker)

    assert Case.objects.get(pk=inactive.pk).office.code == "IQL"
    assert CaseEvent.objects.get(case=inactive, kind=CaseEvent.Kind.HANDOVER).details["to_office"] is None
    assert Case.objects.get(pk=already.pk).office == kandahar
    assert not CaseEvent.objects.filter(case=already, kind=CaseEvent.Kind.HANDOVER).exists()


def test_completing_services_waits_for_the_supplement_not_for_monitoring(given):
    case, inputs = services_given(given)

    moved = case_transition(
        case=case, transition_code="complete_services", actor=actor_named("case_worker", "UNHCR"), data=inputs
    )

    saved = Case.objects.get(pk=case.pk)
    assert (saved.stage, saved.outcome, saved.stage_due_date, saved.is_open) == (
        "supplement",
        "",
        given.arrival + days(90),
        True,
    )
    assert saved.closed_at is None
    assert moved.version == case.version + 1
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", "transition", "from_stage", "to_stage"))[
        -1
    ] == (
        "transition",
        "complete_services",
        "services",
        "supplement",
    )


# ---------------------------------------------------------------------------------------------
# What each role may do from each stage
# ---------------------------------------------------------------------------------------------

ALLOWED_BY_STAGE = [
    # workflow, stage, {actor: transition codes}
    (
        UNHCR_WORKFLOW,
        "verification",
        {"case_worker": ["verify", "refuse_grant"], "manager": ["verify", "refuse_grant"]},
    ),
    (UNHCR_WORKFLOW, "encashment", {"case_worker": ["pay_grant"], "manager": ["pay_grant"]}),
    (UNHCR_WORKFLOW, "services", {"case_worker": ["complete_services"], "manager": ["complete_services"]}),
    (
        UNHCR_WORKFLOW,
        "supplement",
        {"case_worker": ["close_after_supplement"], "manager": ["close_after_supplement"]},
    ),
    (UNHCR_WORKFLOW, "closed", {}),
    (
        IOM_WORKFLOW,
        "screening",
        {
            "case_worker": ["screen_eligible", "screen_not_eligible"],
            "manager": ["screen_eligible", "screen_not_eligible"],
        },
    ),
    (IOM_WORKFLOW, "assistance", {"case_worker": ["complete_assistance"], "manager": ["complete_assistance"]}),
    (
        IOM_WORKFLOW,
        "transport",
        {
            "field_officer": ["complete_transport", "close_after_transport"],
            "case_worker": ["complete_transport", "close_after_transport"],
            "manager": ["complete_transport", "close_after_transport"],
        },
    ),
    (IOM_WORKFLOW, "reintegration", {"case_worker": ["close_reintegration"], "manager": ["close_reintegration"]}),
    (IOM_WORKFLOW, "closed", {}),
]


@pytest.mark.parametrize(
    ("workflow", "stage", "expected"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in ALLOWED_BY_STAGE]
)
def test_allowed_transitions_for_each_role_at_each_stage(given, workflow, stage, expected):
    agency = "UNHCR" if workflow == UNHCR_WORKFLOW else "IOM"
    case = given.at(given.unhcr_case() if agency == "UNHCR" else given.iom_case(), stage)

    offered = {
        actor: [
            transition.code for transition, _form in allowed_transitions(case=case, actor=actor_named(actor, agency))
        ]
        for actor in ACTORS
    }

    assert offered == {
        "field_officer": expected.get("field_officer", []),
        "case_worker": expected.get("case_worker", []),
        "manager": expected.get("manager", []),
        "coordinator": [],
        "admin": [],
        "other_agency_field_officer": [],
        "other_agency_case_worker": [],
        "other_agency_manager": [],
    }


def test_allowed_transitions_come_with_the_form_each_needs(given):
    case = given.unhcr_case()
    members = members_by_name(case)

    forms = {
        transition.code: list(form_class.base_fields)
        for transition, form_class in allowed_transitions(case=case, actor=actor_named("case_worker", "UNHCR"))
    }

    per_member = [
        *(f"{field}_{members[name].public_id}" for name in ("Ahmad", "Fatima", "Omid") for field in ("iris", "refuse")),
        f"refuse_{members['Maryam'].public_id}",  # 4: no iris check
    ]
    assert forms == {
        "verify": ["documents_checked", *per_member, "note"],
        "refuse_grant": ["documents_checked", *per_member, "note"],
    }


def test_an_inactive_user_cannot_fire_a_transition(given):
    case, inputs = ready_to_verify(given)
    worker = actor_named("case_worker", "UNHCR")
    User.objects.filter(pk=worker.pk).update(is_active=False)
    worker.refresh_from_db()
    before = snapshot(case)

    with pytest.raises(Case.DoesNotExist):
        case_transition(case=case, transition_code="verify", actor=worker, data=inputs)
    assert snapshot(case) == before


# ---------------------------------------------------------------------------------------------
# Query counts and the generated documentation
# ---------------------------------------------------------------------------------------------


def unhcr_adults(count: int) -> list:
    return [
        member(
            relationship="head" if index == 0 else "sibling",
            given_name=f"Member{index}",
            fathers_name="Mohammad",
            age=20 + index,
            documents=[por_card(number=f"PK-3{index:05d}")],
            specific_needs=["SM"] if index else [],
        )
        for index in range(count)
    ]


def iom_adults(count: int) -> list:
    return [
        member(
            relationship="head" if index == 0 else "sibling", given_name=f"Member{index}", fathers_name="Gul", age=20
        )
        for index in range(count)
    ]


@pytest.mark.parametrize("size", [1, 8])
def test_verifying_takes_the_same_queries_for_one_member_or_eight(given, django_assert_num_queries, size):
    case = given.unhcr_case(members=unhcr_adults(size))
    inputs = {
        "documents_checked": "on",
        **{f"iris_{m.public_id}": "clear" for m in Member.objects.filter(household_id=case.household_id)},
    }
    worker = actor_named("case_worker", "UNHCR")

    # 16: the entitlements are prefetched and written in one statement each, whatever the size.
    with django_assert_num_queries(16):
        case_transition(case=case, transition_code="verify", actor=worker, data=inputs, expected_version=1)

    assert MemberVerification.objects.filter(case=case).count() == size


@pytest.mark.parametrize("size", [1, 8])
def test_screening_takes_the_same_queries_for_one_member_or_eight(given, django_assert_num_queries, size):
    case = given.iom_case(members=iom_adults(size))
    inputs = {f"vulnerabilities_{m.public_id}": ["PF"] for m in Member.objects.filter(household_id=case.household_id)}
    worker = actor_named("case_worker", "IOM")

    # 17: every transition prefetches the case's entitlements (none for IOM), one query whatever the size.
    with django_assert_num_queries(17):
        case_transition(case=case, transition_code="screen_eligible", actor=worker, data=inputs)

    assert Member.specific_needs.through.objects.filter(member__household_id=case.household_id).count() == size


@pytest.mark.parametrize(("province", "queries"), [("AF30", 20), ("AF21", 21)])
def test_handing_over_takes_a_fixed_number_of_queries(given, django_assert_num_queries, province, queries):
    case = given.at(
        given.iom_case(members=iom_adults(3), destination_province=province), "transport", is_vulnerable=True
    )

    # One more than before per-member entitlements: every transition prefetches them (none for IOM).
    with django_assert_num_queries(queries):
        case_transition(case=case, transition_code="complete_transport", actor=actor_named("field_officer", "IOM"))

    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.HANDOVER).count() == 1


@pytest.mark.parametrize("count", [1, 50])
def test_assigning_takes_the_same_queries_for_one_case_or_fifty(given, django_assert_num_queries, count):
    cases = [given.iom_case() for _ in range(count)]
    manager = actor_named("manager", "IOM")
    worker = actor_named("case_worker", "IOM")

    with django_assert_num_queries(5):
        changed = case_assign(case_ids=[case.pk for case in cases], assignee=worker, assigned_by=manager)

    assert changed == count
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("assigned_to", "version")) == {
        (worker.pk, 2)
    }
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.ASSIGNED).count() == count


def test_the_workflow_diagrams_in_the_docs_match_the_code():
    call_command("workflow_diagrams", "--check")


def test_households_reach_the_agency_the_workflow_expects(given):
    assert Household.objects.count() == 0
    unhcr_case, iom_case = given.unhcr_case(), given.iom_case()

    assert (unhcr_case.workflow, unhcr_case.stage, unhcr_case.stage_due_date) == (
        UNHCR_WORKFLOW,
        "verification",
        today() + days(1),
    )
    assert (iom_case.workflow, iom_case.stage, iom_case.stage_due_date) == (
        IOM_WORKFLOW,
        "screening",
        today() + days(1),
    )

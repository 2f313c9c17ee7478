"""Where each household's case stands today: a walk through its agency's workflow definition.

The path is read off the workflow (``returns.workflows``): a case opens at the first stage and
leaves each stage by one of its transitions until the final stage. Where a stage can be left more
than one way, the demo draws how the case ends (its outcome: a refused grant, counted not assisted,
reintegration...) and takes the one path of the workflow that ends so. What the demo adds is only
how households behave: how long they spend at a stage, how many are refused, eligible or stuck.

Arrivals of the last three weeks are spread over every stage of their workflow (a shuffled deck of
stages, so that even a small caseload shows each one); older households follow the natural
timeline, so they are mostly closed.

Pure Python and deterministic for a seed; ``returns.demo.case_rows`` turns each plan into rows.
"""

import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from returns.demo.population import WeightedChoice
from returns.models import Case
from returns.registration import MemberRegistration
from returns.workflows import (
    Stage,
    Transition,
    Workflow,
    iom_post_arrival,
    workflow_for_agency,
)

RECENT_DAYS = 21
UNHCR_REFUSED = 0.03  # iris or documents failed: grant refused, referred to IOM
STUCK = 0.003  # cases that never left a stage: open and overdue
NEVER_CLOSED = 0.01  # reintegration never done: open and overdue
# Whom IOM's screening finds eligible (DOMAIN.md, "Most undocumented returnees are counted, not
# assisted"): in 2017-18 IOM assisted about 5% of undocumented returnees from Iran and 76% to 96% of
# those from Pakistan. The demo takes 5% from Iran and 80% from Pakistan, and a guessed 30% from
# elsewhere; a household with a visible vulnerability (specific needs, a woman alone, a child at its
# head) three times as often (at most always). That counts, not assists, about 90% of the households
# from Iran and 20% of those from Pakistan.
IOM_ELIGIBLE = {"IR": 0.05, "PK": 0.80}
IOM_ELIGIBLE_ELSEWHERE = 0.30
IOM_ELIGIBLE_VISIBLY_VULNERABLE = 3.0  # times the country's share
# Of the eligible, those the case worker sends on to reintegration and protection case management
# in their province of destination; the others close after onward transport.
IOM_REINTEGRATION = 0.40
# IOM closes most households on the day of screening: among recent cases, closed comes up too.
DEALT_CLOSED = frozenset({"IOM"})
# The effect that screens a household eligible: a case is vulnerable only once it ran.
SCREENING = iom_post_arrival.record_vulnerabilities


class Days(WeightedChoice):
    """A number of days drawn from {days: weight}, where a key (low, high) means any day in between."""

    def __call__(self, rng: random.Random) -> int:
        value = super().__call__(rng)
        return rng.randint(*value) if isinstance(value, tuple) else value


STAGE_DAYS = Days({0: 62, 1: 24, 2: 8, (3, 7): 6})  # verification, encashment, services, screening...
SCREENING_DAYS = Days({0: 90, 1: 10})  # IOM screens most arrivals on the day they cross
TRANSPORT_DAYS = Days({0: 20, 1: 40, 2: 25, 3: 10, (4, 8): 5})

# How long households spend at a stage due a few days after entering it, where that differs from
# most stages (STAGE_DAYS): by agency and stage code. Checked against the workflows by DemoCases.
DWELL = {"IOM": {"screening": SCREENING_DAYS, "transport": TRANSPORT_DAYS}}


@dataclass(frozen=True)
class ArrivalWindow:
    """When a stage due some time after arrival is done: from ``first_day`` after arrival until
    ``overrun_days`` past the stage's due day, drawn from a beta distribution (most early, a few late)."""

    first_day: int
    overrun_days: int
    alpha: float
    beta: float

    def done_on(self, rng: random.Random, *, stage: Stage, arrival: datetime.date) -> datetime.date:
        spread = stage.due_after_arrival_days + self.overrun_days - self.first_day
        return arrival + datetime.timedelta(days=self.first_day + int(spread * rng.betavariate(self.alpha, self.beta)))


# The agencies' stages due after arrival (UNHCR's return supplement, IOM's reintegration), by agency.
# (UNHCR's return monitoring is a sample apart from the case: ``returns.services.monitoring``.)
AFTER_ARRIVAL = {
    # The supplement is paid from three months after arrival (SupplementRule.due_after_days); some late.
    "UNHCR": ArrivalWindow(first_day=90, overrun_days=20, alpha=1.5, beta=3),
    # Reintegration is assessed and closed within about three months; some late.
    "IOM": ArrivalWindow(first_day=20, overrun_days=20, alpha=2, beta=2.5),
}


@dataclass
class CaseStep:
    """A transition the case went through, on a day."""

    transition: Transition
    on: datetime.date


@dataclass
class CasePlan:
    """Where a case stands today: the transitions it went through, its stage and outcome."""

    steps: list[CaseStep]
    stage: str
    entered_on: datetime.date
    outcome: str = ""
    vulnerable: bool = False


class WorkflowPaths:
    """What the demo reads off one workflow definition, once: the one path to each outcome.

    A path runs from the first stage to the final one without coming back to a stage; the outcome
    is the one its last transition sets. The demo needs exactly one path to each outcome, so that
    drawing the outcome decides the path.
    """

    def __init__(self, workflow: Workflow):
        self.workflow = workflow
        self.initial = workflow.initial_stage
        self.final = workflow.final_stage
        self.stages = {stage.code: stage for stage in workflow.stages}
        self.paths: dict[str, tuple[Transition, ...]] = {}
        for path in self._paths_from(self.initial.code, frozenset({self.initial.code})):
            outcome = path[-1].outcome
            if outcome in self.paths:
                raise ValueError(
                    f"The demo loader needs one path to each outcome of {workflow.code!r}: "
                    f"{' → '.join(t.code for t in self.paths[outcome])} and {' → '.join(t.code for t in path)} "
                    f"both end {outcome!r}. Teach returns/demo/cases.py which one a case takes."
                )
            self.paths[outcome] = path
        self.outcomes = tuple(self.paths)
        # How many steps every path shares: where they part, the outcome is drawn (None: one path).
        self.fork = next(
            (
                index
                for index in range(min(len(path) for path in self.paths.values()))
                if len({path[index].code for path in self.paths.values()}) > 1
            ),
            None,
        )
        self.stages_on = {
            outcome: frozenset([*(transition.source for transition in path), self.final.code])
            for outcome, path in self.paths.items()
        }
        # Where a case can get stuck: the stages due a few days after entering them.
        self.quick_stages = tuple(
            stage.code for stage in workflow.stages if not stage.is_final and stage.due_in_days is not None
        )

    def _paths_from(self, stage: str, visited: frozenset[str]) -> Iterator[tuple[Transition, ...]]:
        for transition in self.workflow.transitions_from(stage):
            if transition.target == self.final.code:
                yield (transition,)
            elif transition.target not in visited:
                for rest in self._paths_from(transition.target, visited | {transition.target}):
                    yield (transition, *rest)

    def outcomes_through(self, stage: str) -> frozenset[str]:
        """The outcomes whose path passes through (or ends at) ``stage``."""
        return frozenset(outcome for outcome, stages in self.stages_on.items() if stage in stages)


class _Deck:
    """Stages dealt like cards, shuffled, so that every stage comes up once per round."""

    def __init__(self, rng: random.Random, cards: list[str]):
        self.rng, self.cards, self.hand = rng, cards, []

    def draw(self, accept: Callable[[str], bool]) -> str | None:
        if not self.hand:
            self.hand = list(self.cards)
            self.rng.shuffle(self.hand)
        for index, card in enumerate(self.hand):
            if accept(card):
                return self.hand.pop(index)
        return None


def _settle(
    *, initial: str, path: list[CaseStep], arrival: datetime.date, today: datetime.date, stop_at: str | None = None
) -> CasePlan:
    """The steps of ``path`` done by ``today`` (or until the stage ``stop_at``), and where that leaves the case."""
    done = []
    for step in path:
        if step.transition.source == stop_at or step.on > today:
            break
        done.append(step)
    stage = done[-1].transition.target if done else initial
    return CasePlan(steps=done, stage=stage, entered_on=done[-1].on if done else arrival)


# Draws, for one household of an agency, whether it is vulnerable and how to choose its outcome
# when the path first forks (the choice is drawn then, so the days before it are drawn first).
OutcomeDraw = Callable[..., tuple[bool, Callable[[], str]]]


class DemoCases:
    """Draws where each household's case stands today (pure Python; deterministic for a seed)."""

    def __init__(self, *, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.draws: dict[str, OutcomeDraw] = {"UNHCR": self._unhcr, "IOM": self._iom}
        self.paths: dict[str, WorkflowPaths] = {}
        for agency in self.draws:
            workflow = workflow_for_agency(agency)
            if workflow is not None:
                self.paths[agency] = WorkflowPaths(workflow)
        self._check()
        self.dwell = {
            agency: {code: DWELL.get(agency, {}).get(code, STAGE_DAYS) for code in paths.quick_stages}
            for agency, paths in self.paths.items()
        }
        self.decks = {
            agency: _Deck(
                rng,
                [stage.code for stage in paths.workflow.stages if not stage.is_final]
                + ([paths.final.code] if agency in DEALT_CLOSED else []),
            )
            for agency, paths in self.paths.items()
        }

    def _check(self) -> None:
        """The stages the demo's timings name exist, with the deadlines the timings are for."""
        for agency, stages in DWELL.items():
            paths = self.paths[agency]
            unknown = [code for code in stages if code not in paths.quick_stages]
            if unknown:
                raise ValueError(
                    f"returns/demo/cases.py times {unknown} of {paths.workflow.code!r}, which are not among its "
                    f"stages due some days after entering them: {list(paths.quick_stages)}."
                )
        for agency, paths in self.paths.items():
            if agency not in AFTER_ARRIVAL and any(s.due_after_arrival_days is not None for s in paths.stages.values()):
                raise ValueError(f"returns/demo/cases.py has no ArrivalWindow for {paths.workflow.code!r}.")

    def workflow(self, agency: str) -> Workflow | None:
        paths = self.paths.get(agency)
        return paths.workflow if paths else None

    def plan(
        self, *, agency: str, arrival: datetime.date, members: list[MemberRegistration], country: str = ""
    ) -> CasePlan:
        paths = self.paths[agency]
        age = (self.today - arrival).days
        target = None
        if age <= RECENT_DAYS:
            first = paths.initial.code

            def accept(stage: str) -> bool:
                # Still at the first stage after a few days: a backlog, so only some of them.
                return stage != first or age <= 2 or self.rng.random() < 0.3

            target = self.decks[agency].draw(accept)
        vulnerable, decide = self.draws[agency](
            members=members, arrival=arrival, target=target, paths=paths, country=country
        )
        path = self._walk(agency, paths, arrival, decide)
        return self._settle_plan(paths, path, arrival=arrival, target=target, vulnerable=vulnerable)

    # -- the agencies' households --------------------------------------------------------------

    def _unhcr(self, *, members, arrival, target, paths, country) -> tuple[bool, Callable[[], str]]:
        def decide() -> str:
            return Case.Outcome.NOT_ELIGIBLE if self.rng.random() < UNHCR_REFUSED else Case.Outcome.ASSISTED

        return False, decide

    def _iom(self, *, members, arrival, target, paths, country) -> tuple[bool, Callable[[], str]]:
        counted = Case.Outcome.COUNTED_NOT_ASSISTED
        outcomes = set(paths.outcomes) if target is None else set(paths.outcomes_through(target))
        if target == paths.initial.code:
            outcomes.discard(counted)  # dealt screening: waiting to be screened, whichever way it goes
        elif target == paths.final.code:
            outcomes.discard(Case.Outcome.REINTEGRATION_COMPLETED)  # closed within three weeks
        eligible = counted not in outcomes or self.rng.random() < self._iom_eligible_chance(members, arrival, country)

        def decide() -> str:
            if not eligible:
                return counted
            options = [o for o in (Case.Outcome.REINTEGRATION_COMPLETED, Case.Outcome.ASSISTED) if o in outcomes]
            if len(options) == 2:
                return options[0] if self.rng.random() < IOM_REINTEGRATION else options[1]
            return options[0]

        return eligible, decide

    @staticmethod
    def _iom_eligible_chance(members: list[MemberRegistration], arrival: datetime.date, country: str) -> float:
        head = members[0]
        visibly_vulnerable = (
            any(member.specific_needs for member in members)
            or (head.age_on(arrival) or 0) < 18
            or (head.sex == "female" and (len(members) == 1 or not any(m.relationship == "spouse" for m in members)))
        )
        chance = IOM_ELIGIBLE.get(country, IOM_ELIGIBLE_ELSEWHERE)
        return min(1.0, chance * IOM_ELIGIBLE_VISIBLY_VULNERABLE) if visibly_vulnerable else chance

    # -- the walk --------------------------------------------------------------------------------

    def _walk(
        self, agency: str, paths: WorkflowPaths, arrival: datetime.date, decide: Callable[[], str]
    ) -> list[CaseStep]:
        """The whole path from the first stage to the final one, each step on the day the stage is left."""
        steps = []
        day = arrival
        stage = paths.initial
        path = paths.paths[paths.outcomes[0]]
        while stage.code != paths.final.code:
            day = self._leave(agency, stage, day, arrival)
            if len(steps) == paths.fork:
                outcome = decide()
                if outcome not in paths.paths:
                    raise ValueError(f"{paths.workflow.code!r} has no path from {stage.code!r} ending {outcome!r}.")
                path = paths.paths[outcome]
            transition = path[len(steps)]
            steps.append(CaseStep(transition, day))
            stage = paths.stages[transition.target]
        return steps

    def _leave(self, agency: str, stage: Stage, day: datetime.date, arrival: datetime.date) -> datetime.date:
        """The day a case leaves ``stage``, having entered it on ``day``."""
        if stage.due_after_arrival_days is not None:
            return max(AFTER_ARRIVAL[agency].done_on(self.rng, stage=stage, arrival=arrival), day)
        return day + datetime.timedelta(days=self.dwell[agency].get(stage.code, STAGE_DAYS)(self.rng))

    def _settle_plan(
        self,
        paths: WorkflowPaths,
        path: list[CaseStep],
        *,
        arrival: datetime.date,
        target: str | None,
        vulnerable: bool,
    ) -> CasePlan:
        rng, today, initial = self.rng, self.today, paths.initial.code
        if path[0].transition.target == paths.final.code:
            # Decided on the spot at the first stage (a refused grant): as it happened, never dealt or stuck.
            plan = _settle(initial=initial, path=path, arrival=arrival, today=today)
        elif target is not None:
            path = [CaseStep(step.transition, min(step.on, today)) for step in path]
            plan = _settle(initial=initial, path=path, arrival=arrival, today=today, stop_at=target)
            self._on_time(plan, paths.workflow)
        else:
            stop_at = None
            later = next(
                (
                    step.transition.source
                    for step in path
                    if paths.stages[step.transition.source].due_after_arrival_days is not None
                ),
                None,
            )
            if rng.random() < STUCK:
                stop_at = rng.choice(paths.quick_stages)
            elif later is not None and rng.random() < NEVER_CLOSED:
                stop_at = later
            plan = _settle(initial=initial, path=path, arrival=arrival, today=today, stop_at=stop_at)
        if plan.stage == paths.final.code:
            plan.outcome = path[-1].transition.outcome
        plan.vulnerable = vulnerable and any(SCREENING in step.transition.effects for step in plan.steps)
        return plan

    def _on_time(self, plan: CasePlan, workflow: Workflow) -> None:
        """Most recent cases are within their stage's time: they entered it lately, not on arrival."""
        stage = workflow.stage(plan.stage)
        if stage.is_final or stage.due_in_days is None or not plan.steps or self.rng.random() < 0.25:
            return
        entered = self.today - datetime.timedelta(days=self.rng.randrange(stage.due_in_days))
        if entered > plan.entered_on:
            plan.steps[-1].on = entered
            plan.entered_on = entered

"""The shape of a workflow: stages, transitions, who may fire them, guards, required inputs.

A workflow is a plain, readable definition (one file per agency workflow), checked when it is
defined: a stage or transition code used twice, a transition from or to a stage the workflow
does not have, a final stage that is not among its stages, an unknown role or outcome... raise
``WorkflowDefinitionError`` on import, not on the day a case reaches it.

``case_transition`` in ``returns.services.cases`` runs it: it locks the case, checks the stage,
the role, the inputs and every guard, applies the transition's effects, moves the stage and
writes an event. An effect *returns* the changes it makes to the case (``Changes``), so the
service saves exactly those fields with its own and no list of fields is kept by hand.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django import forms

from agencies.models import Agency, User
from returns.models import Case

# A guard returns why the transition may not happen now, or None when it may.
Guard = Callable[["TransitionContext"], str | None]


@dataclass(frozen=True)
class ReferralToMake:
    """A referral an effect asks for; ``case_transition`` makes it (``referral_make``) on the locked case."""

    to_agency: Agency
    service: str  # a ``Referral.Service``
    reason: str
    due_date: datetime.date
    member: Any = None  # the member referred, when the referral is for one person


@dataclass(frozen=True)
class Changes:
    """What an effect changes on the case itself: field → value, referrals to make, and what the
    transition's event records (``event_details``: what was decided, such as screening's codes).

    Rows of their own (verifications, vulnerability codes) the effect writes itself; the case row
    it never saves: ``case_transition`` sets these fields and saves them with the stage change, and
    writes the details into the transition's event.
    """

    case_fields: Mapping[str, Any] = field(default_factory=dict)
    referrals: tuple[ReferralToMake, ...] = ()
    event_details: Mapping[str, Any] = field(default_factory=dict)


# An effect writes what the transition means beyond the stage change (verifications, a referral...)
# and returns the changes it makes to the case.
Effect = Callable[["TransitionContext"], Changes]


class WorkflowDefinitionError(ValueError):
    """A workflow definition that cannot work: raised when it is defined, listing every problem."""


@dataclass(frozen=True)
class Stage:
    code: str
    label: str
    due_in_days: int | None = None  # how long the stage may take from entering it
    due_after_arrival_days: int | None = None  # or: due this long after the household's arrival
    is_final: bool = False  # set by the workflow, from its final_stage_code

    def due_date(self, *, entered_on: datetime.date, arrival_date: datetime.date) -> datetime.date | None:
        if self.due_after_arrival_days is not None:
            return arrival_date + datetime.timedelta(days=self.due_after_arrival_days)
        if self.due_in_days is not None:
            return entered_on + datetime.timedelta(days=self.due_in_days)
        return None


@dataclass(frozen=True)
class Transition:
    code: str
    label: str
    source: str
    target: str
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    # The inputs the transition needs: a form class, or a function building one for the case.
    inputs: type[forms.Form] | Callable[[TransitionContext], type[forms.Form]] | None = None
    outcome: str = ""  # set on the case when the target is final
    style: str = "primary"  # how the button looks: primary, secondary, danger

    def input_form_class(self, context: TransitionContext) -> type[forms.Form]:
        if self.inputs is None:
            return NoInputs
        if isinstance(self.inputs, type) and issubclass(self.inputs, forms.Form):
            return self.inputs
        return self.inputs(context)


class NoInputs(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


@dataclass(frozen=True)
class Workflow:
    """Stages in order (the first is where a case opens), the transitions between them, and the
    one final stage that closes a case (``final_stage_code``; its ``Stage.is_final`` is set here)."""

    code: str
    agency_code: str
    label: str
    case_number_prefix: str
    stages: tuple[Stage, ...]
    transitions: tuple[Transition, ...]
    final_stage_code: str

    def __post_init__(self):
        problems = definition_problems(self)
        if problems:
            raise WorkflowDefinitionError(f"Workflow {self.code!r}: " + "; ".join(problems) + ".")
        stages = tuple(replace(stage, is_final=stage.code == self.final_stage_code) for stage in self.stages)
        object.__setattr__(self, "stages", stages)

    @property
    def initial_stage(self) -> Stage:
        return self.stages[0]

    @property
    def final_stage(self) -> Stage:
        """The stage that closes a case: a transition to it sets the outcome, a re-route closes at it."""
        return self.stage(self.final_stage_code)

    def stage(self, code: str) -> Stage:
        for stage in self.stages:
            if stage.code == code:
                return stage
        raise KeyError(code)

    def transitions_from(self, stage_code: str) -> list[Transition]:
        return [transition for transition in self.transitions if transition.source == stage_code]

    def transition(self, stage_code: str, transition_code: str) -> Transition | None:
        return next((t for t in self.transitions_from(stage_code) if t.code == transition_code), None)

    def stage_choices(self) -> list[tuple[str, str]]:
        return [(stage.code, stage.label) for stage in self.stages]


@dataclass
class TransitionContext:
    """What guards and effects read: the locked case with its household, members and records."""

    case: Case
    actor: User
    today: datetime.date
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def household(self):
        return self.case.household

    @property
    def members(self) -> list:
        return list(self.case.household.members.all())

    @property
    def assistance(self) -> list:
        return list(self.case.assistance.all())

    @property
    def referrals(self) -> list:
        return list(self.case.referrals.all())

    @property
    def verifications(self) -> list:
        return list(self.case.verifications.all())

    def age_of(self, member) -> int | None:
        """The member's age on arrival."""
        return member.age_on(self.household.arrival_date)

    def member_inputs(self, field_name: Callable[[Any], str]) -> list[tuple[Any, Any]]:
        """(member, value) for each member whose field (named by ``field_name(member)``) was filled in."""
        named = [(member, field_name(member)) for member in self.members]
        return [(member, self.inputs[name]) for member, name in named if name in self.inputs]


def definition_problems(workflow: Workflow) -> list[str]:
    """What is wrong with a workflow definition (nothing, for one that can run)."""
    codes = [stage.code for stage in workflow.stages]
    if not codes:
        return ["it has no stages"]
    known, final = set(codes), workflow.final_stage_code
    problems = [f"stage {code!r} is defined twice" for code, count in Counter(codes).items() if count > 1]
    if final not in known:
        problems.append(f"the final stage {final!r} is not one of its stages")
    elif final == codes[0]:
        problems.append(f"the final stage {final!r} is also where cases open")
    problems += [
        f"stage {stage.code!r} is marked final but the final stage is {final!r}"
        for stage in workflow.stages
        if stage.is_final and stage.code != final
    ]
    # What closing means is checked only against a final stage that makes sense: otherwise every
    # transition would be reported for it.
    final_checked = not problems
    transition_codes = Counter(transition.code for transition in workflow.transitions)
    problems += [f"transition {code!r} is defined twice" for code, count in transition_codes.items() if count > 1]
    for transition in workflow.transitions:
        name = f"transition {transition.code!r}"
        problems += [
            f"{name} goes {end} the unknown stage {stage!r}"
            for end, stage in (("from", transition.source), ("to", transition.target))
            if stage not in known
        ]
        if not transition.roles or not set(transition.roles) <= set(User.Role.values):
            problems.append(f"{name} names no roles or an unknown one: {sorted(transition.roles)}")
        if not final_checked:
            continue
        if transition.source == final:
            problems.append(f"{name} leaves the final stage {final!r}")
        if transition.target == final and transition.outcome not in Case.Outcome.values:
            problems.append(f"{name} closes the case but sets no known outcome: {str(transition.outcome)!r}")
        if transition.target != final and transition.outcome:
            problems.append(f"{name} sets the outcome {str(transition.outcome)!r} but does not close the case")
    if problems:
        return problems
    # Every stage can be reached from the first, and every stage but the final one can be left.
    reached, frontier = {codes[0]}, [codes[0]]
    while frontier:
        stage = frontier.pop()
        for transition in workflow.transitions_from(stage):
            if transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    problems += [f"stage {code!r} cannot be reached from {codes[0]!r}" for code in codes if code not in reached]
    problems += [
        f"no transition leaves stage {code!r}"
        for code in codes
        if code != final and not workflow.transitions_from(code)
    ]
    return problems

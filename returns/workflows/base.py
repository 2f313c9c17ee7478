"""The shape of a workflow: stages, transitions, who may fire them, guards, required inputs.

A workflow is a plain, readable definition (one file per agency workflow). ``case_transition``
in ``returns.services.cases`` runs it: it locks the case, checks the stage, the role, the inputs and
every guard, applies the transition's effects, moves the stage and writes an event.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms

if TYPE_CHECKING:
    from agencies.models import User
    from returns.models import Case

# A guard returns why the transition may not happen now, or None when it may.
Guard = Callable[["TransitionContext"], str | None]
# An effect writes what the transition means beyond the stage change (verifications, a referral...).
Effect = Callable[["TransitionContext"], None]


@dataclass(frozen=True)
class Stage:
    code: str
    label: str
    due_in_days: int | None = None  # how long the stage may take from entering it
    due_after_arrival_days: int | None = None  # or: due this long after the household's arrival
    is_final: bool = False

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
    code: str
    agency_code: str
    label: str
    case_number_prefix: str
    stages: tuple[Stage, ...]
    transitions: tuple[Transition, ...]

    @property
    def initial_stage(self) -> Stage:
        return self.stages[0]

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

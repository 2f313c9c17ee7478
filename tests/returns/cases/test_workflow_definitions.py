"""A workflow definition is checked when it is defined, and its effects say what they change.

- A definition that cannot work (an unknown stage, a stage or transition twice, a final stage
  that is not one of its stages, a closing transition without an outcome...) raises on import,
  naming every problem.
- An effect returns the fields it changes on the case; ``case_transition`` saves exactly those
  with its own, so no list of fields has to be kept in step by hand.
- Every lock on cases is taken through ``Case.objects.locked``: FOR UPDATE of the case rows only,
  in primary-key order.
"""

import dataclasses
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import User
from returns.models import Case, CaseEvent
from returns.services import cases as services
from returns.services.cases import case_transition
from returns.workflows import (
    Changes,
    Stage,
    Transition,
    Workflow,
    WorkflowDefinitionError,
    all_workflows,
    workflow_named,
)

WORKERS = frozenset({User.Role.CASE_WORKER})


def definition(**changes) -> dict:
    """A small workflow that works: open → working → closed, or open → closed directly."""
    return {
        "code": "test_flow",
        "agency_code": "TEST",
        "label": "Test",
        "case_number_prefix": "T",
        "stages": (Stage("open", "Open", due_in_days=1), Stage("working", "Working"), Stage("closed", "Closed")),
        "transitions": (
            Transition("start", "Start", "open", "working", roles=WORKERS),
            Transition("finish", "Finish", "working", "closed", roles=WORKERS, outcome=Case.Outcome.ASSISTED),
            Transition("drop", "Drop", "open", "closed", roles=WORKERS, outcome=Case.Outcome.NOT_ELIGIBLE),
        ),
        "final_stage_code": "closed",
        **changes,
    }


def transitions(*replacements: Transition) -> tuple[Transition, ...]:
    """The working definition's transitions, with those of the same code replaced (or added)."""
    by_code = {transition.code: transition for transition in definition()["transitions"]}
    return tuple({**by_code, **{transition.code: transition for transition in replacements}}.values())


def test_a_workflow_names_its_final_stage_and_marks_it_final():
    workflow = Workflow(**definition())

    assert (workflow.initial_stage.code, workflow.final_stage.code) == ("open", "closed")
    assert [(stage.code, stage.is_final) for stage in workflow.stages] == [
        ("open", False),
        ("working", False),
        ("closed", True),
    ]
    assert workflow.final_stage is workflow.stage("closed")


def test_the_agency_workflows_close_cases_at_their_closed_stage():
    assert {code: workflow.final_stage.code for code, workflow in all_workflows().items()} == {
        "unhcr_voluntary_repatriation": "closed",
        "iom_post_arrival": "closed",
    }


BAD_DEFINITIONS = [
    pytest.param(
        {"transitions": transitions(Transition("start", "Start", "open", "wroking", roles=WORKERS))},
        ["transition 'start' goes to the unknown stage 'wroking'"],
        id="transition-to-an-unknown-stage",
    ),
    pytest.param(
        {"transitions": transitions(Transition("start", "Start", "opened", "working", roles=WORKERS))},
        ["transition 'start' goes from the unknown stage 'opened'"],
        id="transition-from-an-unknown-stage",
    ),
    pytest.param(
        {"stages": (*definition()["stages"], Stage("working", "Working again"))},
        ["stage 'working' is defined twice"],
        id="stage-twice",
    ),
    pytest.param(
        {"final_stage_code": "done"},
        ["the final stage 'done' is not one of its stages"],
        id="final-stage-not-among-the-stages",
    ),
    pytest.param(
        {"final_stage_code": "open"},
        ["the final stage 'open' is also where cases open"],
        id="final-stage-is-the-first",
    ),
    pytest.param(
        {"stages": (Stage("open", "Open"), Stage("working", "Working", is_final=True), Stage("closed", "Closed"))},
        ["stage 'working' is marked final but the final stage is 'closed'"],
        id="another-stage-marked-final",
    ),
    pytest.param(
        {"transitions": (*definition()["transitions"], Transition("start", "Start", "working", "open", roles=WORKERS))},
        ["transition 'start' is defined twice"],
        id="transition-twice",
    ),
    pytest.param(
        {
            "transitions": transitions(
                Transition("reopen", "Reopen", "closed", "open", roles=WORKERS),
            )
        },
        ["transition 'reopen' leaves the final stage 'closed'"],
        id="transition-from-the-final-stage",
    ),
    pytest.param(
        {"transitions": transitions(Transition("start", "Start", "open", "working", roles=frozenset({"caseworker"})))},
        ["transition 'start' names no roles or an unknown one: ['caseworker']"],
        id="unknown-role",
    ),
    pytest.param(
        {"transitions": transitions(Transition("finish", "Finish", "working", "closed", roles=WORKERS))},
        ["transition 'finish' closes the case but sets no known outcome: ''"],
        id="closing-without-an-outcome",
    ),
    pytest.param(
        {
            "transitions": transitions(
                Transition("start", "Start", "open", "working", roles=WORKERS, outcome=Case.Outcome.ASSISTED)
            )
        },
        ["transition 'start' sets the outcome 'assisted' but does not close the case"],
        id="outcome-without-closing",
    ),
    pytest.param(
        {"stages": (*definition()["stages"][:2], Stage("waiting", "Waiting"), Stage("closed", "Closed"))},
        ["stage 'waiting' cannot be reached from 'open'", "no transition leaves stage 'waiting'"],
        id="stage-nobody-reaches-or-leaves",
    ),
    pytest.param(
        {
            "transitions": (
                Transition("start", "Start", "open", "working", roles=WORKERS),
                Transition("drop", "Drop", "open", "closed", roles=WORKERS, outcome=Case.Outcome.NOT_ELIGIBLE),
            )
        },
        ["no transition leaves stage 'working'"],
        id="dead-end-stage",
    ),
]


@pytest.mark.parametrize(("changes", "problems"), BAD_DEFINITIONS)
def test_a_workflow_that_cannot_work_is_refused_when_defined(changes, problems):
    with pytest.raises(WorkflowDefinitionError) as refused:
        Workflow(**definition(**changes))

    assert str(refused.value) == "Workflow 'test_flow': " + "; ".join(problems) + "."


def test_every_problem_of_a_definition_is_named_at_once():
    with pytest.raises(WorkflowDefinitionError) as refused:
        Workflow(
            **definition(
                stages=(Stage("open", "Open"), Stage("open", "Open"), Stage("closed", "Closed")),
                final_stage_code="shut",
            )
        )

    assert str(refused.value) == (
        "Workflow 'test_flow': stage 'open' is defined twice; the final stage 'shut' is not one of its stages; "
        "transition 'start' goes to the unknown stage 'working'; transition 'finish' goes from the unknown stage "
        "'working'."
    )


# ---------------------------------------------------------------------------------------------
# Effects say what they change
# ---------------------------------------------------------------------------------------------


def with_verify_effects(monkeypatch, *effects):
    """The UNHCR workflow, its ``verify`` transition running ``effects`` instead of its own (and no guards)."""
    real = workflow_named("unhcr_voluntary_repatriation")
    changed = tuple(
        dataclasses.replace(transition, effects=effects, guards=()) if transition.code == "verify" else transition
        for transition in real.transitions
    )
    patched = dataclasses.replace(real, transitions=changed)
    monkeypatch.setattr(services, "workflow_named", lambda code: patched if code == real.code else workflow_named(code))


def verified(case: Case) -> dict:
    """The verification form filled in: documents checked, every member verified clear."""
    return {"documents_checked": "on", **{f"iris_{m.public_id}": "clear" for m in case.household.members.all()}}


def columns_updated(queries) -> list[list[str]]:
    """The columns each UPDATE of the case table sets."""
    return [
        sorted(re.findall(r'"(\w+)" = ', query["sql"].split(" WHERE ")[0]))
        for query in queries
        if query["sql"].startswith('UPDATE "returns_case"')
    ]


def test_a_transition_saves_the_fields_its_effects_return_and_its_own(monkeypatch, unhcr_case, unhcr_worker):
    def mark_vulnerable(context) -> Changes:
        return Changes(case_fields={"is_vulnerable": True})

    with_verify_effects(monkeypatch, mark_vulnerable)

    with CaptureQueriesContext(connection) as queries:
        moved = case_transition(
            case=unhcr_case, transition_code="verify", actor=unhcr_worker, data=verified(unhcr_case)
        )

    saved = Case.objects.get(pk=unhcr_case.pk)
    assert (saved.stage, saved.is_vulnerable, saved.version) == ("encashment", True, 2)
    assert moved.is_vulnerable is True
    assert columns_updated(queries) == [
        sorted(["is_vulnerable", "stage", "overdue_since", "stage_due_date", "version", "updated_at"])
    ]


def test_an_effect_may_not_set_what_the_transition_sets_and_nothing_changes(monkeypatch, unhcr_case, unhcr_worker):
    def close_early(context) -> Changes:
        return Changes(case_fields={"stage": "closed"})

    with_verify_effects(monkeypatch, close_early)

    with pytest.raises(WorkflowDefinitionError, match=r"close_early \(of 'verify'\) sets \['stage'\]"):
        case_transition(case=unhcr_case, transition_code="verify", actor=unhcr_worker, data=verified(unhcr_case))

    saved = Case.objects.get(pk=unhcr_case.pk)
    assert (saved.stage, saved.version) == ("verification", 1)
    assert list(CaseEvent.objects.filter(case=unhcr_case).values_list("kind", flat=True)) == ["opened"]


# ---------------------------------------------------------------------------------------------
# One way to lock cases
# ---------------------------------------------------------------------------------------------


def test_cases_are_locked_for_update_in_primary_key_order_case_rows_only(unhcr_case):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        list(Case.objects.locked([unhcr_case.pk + 1, unhcr_case.pk]).select_related("household"))

    (sql,) = [query["sql"] for query in queries]
    assert sql.endswith('ORDER BY "returns_case"."id" ASC FOR UPDATE OF "returns_case"')

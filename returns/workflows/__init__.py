"""The agencies' assistance workflows, one readable file each. ``workflow_for`` finds a case's."""

from returns.workflows import iom_post_arrival, unhcr_voluntary_repatriation
from returns.workflows.base import (
    Changes,
    ReferralToMake,
    Stage,
    Transition,
    TransitionContext,
    Workflow,
    WorkflowDefinitionError,
)


def all_workflows() -> dict[str, Workflow]:
    return {workflow.code: workflow for workflow in (unhcr_voluntary_repatriation.WORKFLOW, iom_post_arrival.WORKFLOW)}


def workflow_named(code: str) -> Workflow:
    return all_workflows()[code]


def workflow_for_agency(agency_code: str) -> Workflow | None:
    return next((workflow for workflow in all_workflows().values() if workflow.agency_code == agency_code), None)


__all__ = [
    "Changes",
    "ReferralToMake",
    "Stage",
    "Transition",
    "TransitionContext",
    "Workflow",
    "WorkflowDefinitionError",
    "all_workflows",
    "workflow_for_agency",
    "workflow_named",
]

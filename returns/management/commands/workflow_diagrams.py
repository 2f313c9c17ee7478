"""Write docs/workflows.md: each agency workflow drawn as a state diagram, from its definition."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from returns.workflows import all_workflows

DOC = Path(settings.BASE_DIR) / "docs" / "workflows.md"

INTRO = """# Assistance workflows

Generated from `returns/workflows/` by `python manage.py workflow_diagrams`; a test fails when
this file no longer matches the code. Each workflow is a state machine: a transition starts from
one stage, may be fired only by the roles listed, needs its inputs, and is refused (nothing
changes) while any guard says no. `returns.services.cases.case_transition` runs it: it locks the case,
refuses a stale version (409 in the API), applies the effects and writes an event to the case's
append-only history.

Return monitoring is not a stage: UNHCR's case closes once the services at the encashment centre
are done, and a reproducible sample of returnees is drawn 30 to 180 days after arrival into a
monitoring queue of its own (`docs/monitoring.md`).
"""


def workflows_markdown() -> str:
    with translation.override("en"):
        parts = [INTRO]
        for workflow in all_workflows().values():
            parts.append(f"\n## {workflow.label} ({workflow.agency_code})\n\n```mermaid\nstateDiagram-v2\n")
            parts.append(f"    [*] --> {workflow.initial_stage.code}\n")
            for transition in workflow.transitions:
                parts.append(f"    {transition.source} --> {transition.target}: {transition.code}\n")
            parts.append(f"    {workflow.final_stage.code} --> [*]\n")
            parts.append("```\n\n| stage | meaning | due |\n|---|---|---|\n")
            for stage in workflow.stages:
                if stage.due_after_arrival_days is not None:
                    due = f"{stage.due_after_arrival_days} days after arrival"
                elif stage.due_in_days is not None:
                    due = f"{stage.due_in_days} day(s) after entering"
                else:
                    due = ""
                parts.append(f"| `{stage.code}` | {stage.label} | {due} |\n")
            parts.append("\n| transition | from → to | who | guards | effects |\n|---|---|---|---|---|\n")
            for transition in workflow.transitions:
                roles = ", ".join(sorted(transition.roles))
                guards = ", ".join(f"`{guard.__name__}`" for guard in transition.guards)
                effects = ", ".join(f"`{effect.__name__}`" for effect in transition.effects)
                parts.append(
                    f"| `{transition.code}` {transition.label} | {transition.source} → {transition.target} "
                    f"| {roles} | {guards} | {effects} |\n"
                )
        return "".join(parts)


class Command(BaseCommand):
    help = "Write docs/workflows.md from the workflow definitions."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if docs/workflows.md is out of date.")

    def handle(self, *args, check=False, **options):
        text = workflows_markdown()
        if check:
            if not DOC.exists() or DOC.read_text() != text:
                raise SystemExit("docs/workflows.md is out of date: run `python manage.py workflow_diagrams`.")
            return
        DOC.write_text(text)
        self.stdout.write(f"Wrote {DOC}")

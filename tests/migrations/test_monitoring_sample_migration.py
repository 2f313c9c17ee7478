"""returns 0014: return monitoring becomes a sample. The UNHCR cases waiting in the "monitoring" stage
are closed (assisted), each with a "closed" event saying why; every other case is left as it was;
the monitoring plans are seeded. Then back (the follow-up columns return, empty) and forward again.

The migrations run for real, so this is a transactional test, like ``test_cases_move_to_returns``:
the database is flushed after it and ``serialized_rollback`` restores the reference data.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agencies.models import Agency
from returns.models import Case, CaseEvent, MonitoringPlan
from returns.reference import reference_invalidate
from tests.migrations.test_cases_move_to_returns import (  # noqa: F401 (fixtures)
    _reference_data_restored,
    latest,
    migrate,
    migrated_reference_data,
    table_exists,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("returns", "0013_choices_after_merge")]
UNHCR_WORKFLOW = "unhcr_voluntary_repatriation"


def populate(apps) -> dict[str, int]:
    """Cases of the old layout: two UNHCR cases waiting for monitoring, one at services, one closed, one IOM."""
    agency = apps.get_model("agencies", "Agency")
    office = apps.get_model("agencies", "Office")
    user = apps.get_model("agencies", "User")
    household_model = apps.get_model("returns", "Household")
    case_model = apps.get_model("returns", "Case")
    unhcr, iom = agency.objects.get(code="UNHCR"), agency.objects.get(code="IOM")
    torkham = office.objects.get(code="TKM")
    officer = user.objects.create(username="officer.monitoring", agency=unhcr, office=torkham, role="field_officer")
    arrival = timezone.localdate() - datetime.timedelta(days=60)
    cases = {}
    for serial, (name, routed, workflow, fields) in enumerate(
        (
            ("waiting", unhcr, UNHCR_WORKFLOW, {"stage": "monitoring", "overdue_since": arrival}),
            ("waiting_too", unhcr, UNHCR_WORKFLOW, {"stage": "monitoring"}),
            ("at_services", unhcr, UNHCR_WORKFLOW, {"stage": "services"}),
            (
                "closed_before",
                unhcr,
                UNHCR_WORKFLOW,
                {"stage": "closed", "closed_at": timezone.now(), "outcome": "not_eligible"},
            ),
            ("iom", iom, "iom_post_arrival", {"stage": "reintegration"}),
        ),
        start=1,
    ):
        household = household_model.objects.create(
            registration_number=f"TKM-2026-{950000 + serial}",
            arrival_date=arrival,
            category="registered_refugee" if routed == unhcr else "undocumented",
            routing_reason="Written by the migration test.",
            member_count=1,
            country_of_departure_id="PK",
            destination_province_id="AF06",
            office=torkham,
            registered_by=officer,
            routed_agency=routed,
            return_type_id="voluntary_repatriation",
        )
        cases[name] = case_model.objects.create(
            case_number=f"X-{household.registration_number}",
            household=household,
            agency=routed,
            office=torkham,
            workflow=workflow,
            stage_due_date=arrival + datetime.timedelta(days=180),
            followup_due_date=arrival + datetime.timedelta(days=30),
            **fields,
        ).pk
    return cases


def case_rows(pks) -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in Case.objects.filter(pk__in=pks).values_list(
            "pk", "stage", "outcome", "closed_at", "stage_due_date", "overdue_since", "version", "updated_at"
        )
    }


def test_cases_waiting_for_monitoring_are_closed_and_the_plans_seeded():
    try:
        # Given a database before the migration, with cases waiting in the monitoring stage
        executor = migrate(BEFORE)
        assert not table_exists("returns_monitoringinterview")
        elsewhere = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "returns"]
        cases = populate(executor.loader.project_state(BEFORE + elsewhere).apps)
        untouched = [cases["at_services"], cases["closed_before"], cases["iom"]]
        before = case_rows(untouched)
        started = timezone.now()

        # When it migrates forward
        migrate(latest())

        # Then the two waiting cases are closed, assisted, with an event saying why
        for name in ("waiting", "waiting_too"):
            case = Case.objects.get(pk=cases[name])
            assert (case.stage, case.outcome, case.stage_due_date, case.overdue_since, case.version) == (
                "closed",
                "assisted",
                None,
                None,
                2,
            )
            assert case.closed_at >= started
            (event,) = CaseEvent.objects.filter(case=case)
            assert (event.kind, event.from_stage, event.to_stage, event.actor_id) == (
                "closed",
                "monitoring",
                "closed",
                None,
            )
            assert "sample" in event.note
        # And every other case is as it was
        assert case_rows(untouched) == before
        assert not CaseEvent.objects.filter(case_id__in=untouched).exists()
        # And the plans are there: UNHCR's active, IOM's not
        assert sorted(MonitoringPlan.objects.values_list("agency__code", "is_active")) == [
            ("IOM", False),
            ("UNHCR", True),
        ]
        assert not any(field.name.startswith("followup") for field in Case._meta.get_fields())

        # And back, then forward again: nothing more is closed, the plans are seeded once
        migrate(BEFORE)
        assert not table_exists("returns_monitoringplan")
        migrate(latest())
        assert CaseEvent.objects.filter(kind="closed").count() == 2
        assert MonitoringPlan.objects.filter(agency=Agency.objects.get(code="UNHCR")).count() == 1
    finally:
        migrate(latest())
        reference_invalidate()
    assert MigrationExecutor(connection).migration_plan(latest()) == []

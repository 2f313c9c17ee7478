"""returns 0011: open IOM cases waiting at reception move to screening, and IOM's provincial teams exist.

The test database is taken back to before the migration (returns 0010), given IOM cases at
reception (open and closed), at screening, and a UNHCR case, through the historical models, then
migrated forward, back and forward again. The migrations run for real, so this is a transactional
test; the ``finally`` leaves the database fully migrated.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agencies.models import Agency, Office
from returns.models import Case, CaseEvent
from returns.reference import reference_invalidate
from tests.migrations.test_cases_move_to_returns import (  # noqa: F401 - fixtures
    _reference_data_restored,
    latest,
    migrate,
    migrated_reference_data,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("agencies", "0007_cases_leave_for_returns"), ("returns", "0010_household_family_event")]
TEAMS = ["IBL", "IHR", "IKB", "IKD", "IKZ", "ING"]
NOTE = "Reception at the border is no longer a stage (the border counts arrivals): the case moved to screening."


def populate(apps) -> dict[str, int]:
    agency, office = apps.get_model("agencies", "Agency"), apps.get_model("agencies", "Office")
    iom, unhcr = agency.objects.get(code="IOM"), agency.objects.get(code="UNHCR")
    islam_qala = office.objects.get(code="IQL")
    officer = apps.get_model("agencies", "User").objects.create(
        username="iom.officer.m", agency=iom, office=islam_qala, role="field_officer"
    )
    household_model = apps.get_model("returns", "Household")
    case_model = apps.get_model("returns", "Case")
    event_model = apps.get_model("returns", "CaseEvent")
    cases = {}
    for index, (name, agency_of, workflow, stage, closed) in enumerate(
        [
            ("waiting", iom, "iom_post_arrival", "reception", False),
            ("closed_at_reception", iom, "iom_post_arrival", "reception", True),
            ("screening", iom, "iom_post_arrival", "screening", False),
            ("unhcr", unhcr, "unhcr_voluntary_repatriation", "verification", False),
        ]
    ):
        household = household_model.objects.create(
            registration_number=f"IQL-2026-90000{index}",
            arrival_date=datetime.date(2026, 3, 1),
            category="undocumented",
            routing_version=1,
            routing_reason="Undocumented.",
            member_count=1,
            country_of_departure_id="IR",
            destination_province_id="AF30",
            office=islam_qala,
            registered_by=officer,
            routed_agency=agency_of,
            return_type_id="deportation",
        )
        case = case_model.objects.create(
            case_number=f"PA-IQL-2026-90000{index}",
            household=household,
            agency=agency_of,
            office=islam_qala,
            workflow=workflow,
            stage=stage,
            stage_due_date=None if closed else datetime.date(2026, 3, 2),
            overdue_since=None if closed else datetime.date(2026, 3, 3),
            closed_at=timezone.now() if closed else None,
            outcome="assisted" if closed else "",
            version=3,
        )
        event_model.objects.create(case=case, kind="opened", actor=officer, to_stage=stage)
        cases[name] = case.pk
    return cases


def state(pk: int) -> tuple:
    case = Case.objects.get(pk=pk)
    return case.stage, case.stage_due_date, case.overdue_since, case.version, case.outcome


def test_open_cases_at_reception_move_to_screening_and_iom_provincial_offices_are_seeded():
    try:
        # Given a database before the migration, without IOM's provincial offices, with cases at reception
        executor = migrate(BEFORE)
        old_apps = executor.loader.project_state(BEFORE).apps
        old_apps.get_model("agencies", "Office").objects.filter(code__in=TEAMS).delete()
        cases = populate(old_apps)
        others = {name: state(pk) for name, pk in cases.items() if name != "waiting"}

        # When it migrates forward
        migrate(latest())

        # Then the open case at reception is at screening, due tomorrow (Kabul), no longer overdue, one version on
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        assert state(cases["waiting"]) == ("screening", tomorrow, None, 4, "")
        assert list(
            CaseEvent.objects.filter(case_id=cases["waiting"]).values_list(
                "kind", "actor", "transition", "from_stage", "to_stage", "note", "details"
            )
        ) == [
            (
                "opened",
                CaseEvent.objects.get(case_id=cases["waiting"], kind="opened").actor_id,
                "",
                "",
                "reception",
                "",
                {},
            ),
            ("transition", None, "", "reception", "screening", NOTE, {"migration": "iom_screening_first"}),
        ]
        # ... and nothing else changed
        assert {name: state(pk) for name, pk in cases.items() if name != "waiting"} == others
        assert (
            CaseEvent.objects.filter(case_id__in=[pk for name, pk in cases.items() if name != "waiting"])
            .exclude(kind="opened")
            .count()
            == 0
        )
        # ... and IOM has a provincial office in each main province of return
        iom = Agency.objects.get(code="IOM")
        assert list(
            Office.objects.filter(code__in=TEAMS)
            .order_by("code")
            .values_list("code", "name", "kind", "province_id", "agency_id", "is_active")
        ) == [
            ("IBL", "IOM Balkh provincial office", "provincial_office", "AF18", iom.pk, True),
            ("IHR", "IOM Herat provincial office", "provincial_office", "AF30", iom.pk, True),
            ("IKB", "IOM Kabul provincial office", "provincial_office", "AF01", iom.pk, True),
            ("IKD", "IOM Kandahar provincial office", "provincial_office", "AF33", iom.pk, True),
            ("IKZ", "IOM Kunduz provincial office", "provincial_office", "AF17", iom.pk, True),
            ("ING", "IOM Nangarhar provincial office", "provincial_office", "AF06", iom.pk, True),
        ]

        # And back and forward again: nothing twice
        migrate(BEFORE)
        migrate(latest())
        assert state(cases["waiting"]) == ("screening", tomorrow, None, 4, "")
        assert CaseEvent.objects.filter(case_id=cases["waiting"]).count() == 2
        assert Office.objects.filter(code__in=TEAMS).count() == 6
    finally:
        migrate(latest())
        reference_invalidate()
    assert MigrationExecutor(connection).migration_plan(latest()) == []

"""Two people acting on the same case at the same moment: real threads, real PostgreSQL transactions.

Each thread has its own database connection. A barrier starts both together, and every event
write is slowed down, so the first transaction still holds its row lock while the second arrives:
the second must wait for it, then see the case has moved on (``CaseChanged``) or the cash is no
longer pending (``not_pending``). Without the lock both would pass their checks and write twice.

These tests commit for real, so the database is flushed after each; ``serialized_rollback``
reloads the reference data the migrations loaded (agencies, offices, code lists, rule sets,
catalogue) before each, as the browser tests do.
"""

import threading
import time
from unittest import mock

import pytest
from django.db import connection

from agencies.models import Agency, User
from agencies.problems import Refused
from returns.models import Assistance, AssistanceType, Case, CaseEvent
from returns.services import cases as services
from returns.services.cases import CaseChanged, assistance_decide, assistance_record, case_transition
from returns.services.households import household_register
from tests.factories import UserFactory, entitle, household, member, por_card

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOLD_LOCK_SECONDS = 0.3


@pytest.fixture(scope="session")
def migrated_reference_data(django_db_setup, django_db_blocker) -> str:
    """The snapshot of what the migrations loaded, taken when the test database was created."""
    return getattr(connection, "_test_serialized_contents", "")


@pytest.fixture(autouse=True)
def _reference_data_restored(transactional_db, migrated_reference_data):
    """The reference data is back before each test, whatever an earlier transactional test flushed.

    ``serialized_rollback`` restores it from the snapshot on the connection; this is the same
    restore, done again if the connection object at hand lacks it (tests/browser_support.py).
    """
    connection._test_serialized_contents = migrated_reference_data
    if migrated_reference_data and not Agency.objects.exists():
        connection.creation.deserialize_db_from_string(migrated_reference_data)
    assert Agency.objects.filter(code__in=["UNHCR", "IOM"]).count() == 2
    assert AssistanceType.objects.filter(agency__code="UNHCR", code="cash_grant").exists()


def staff(agency_code: str, role: str, name: str) -> User:
    return UserFactory(username=name, agency=Agency.objects.get(code=agency_code), office=None, role=role)


def unhcr_case() -> Case:
    registered = household_register(
        registered_by=staff("UNHCR", User.Role.FIELD_OFFICER, "unhcr.officer.c"),
        registration=household(members=[member(given_name="Ahmad", fathers_name="Mohammad", documents=[por_card()])]),
    )
    return Case.objects.get(household=registered)


def run_together(*actions):
    """Run each action in its own thread and connection, all released at once; return result or exception."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def slow_events():
    """Hold each transaction a moment after its checks, while it owns its locks."""
    write_event = services._event

    def slowly(*args, **kwargs):
        time.sleep(HOLD_LOCK_SECONDS)
        return write_event(*args, **kwargs)

    return mock.patch.object(services, "_event", slowly)


def test_two_simultaneous_transitions_on_the_same_version_one_wins_the_other_is_told_the_case_changed():
    case = unhcr_case()
    head = case.household.members.get()
    workers = [staff("UNHCR", User.Role.CASE_WORKER, f"unhcr.worker.{n}") for n in (1, 2)]
    inputs = {"documents_checked": "on", f"iris_{head.public_id}": "clear"}
    events_before = CaseEvent.objects.filter(case=case).count()

    with slow_events():
        outcomes = run_together(
            *(
                lambda worker=worker: case_transition(
                    case=case, transition_code="verify", actor=worker, data=inputs, expected_version=1
                )
                for worker in workers
            )
        )

    moved = [outcome for outcome in outcomes if isinstance(outcome, Case)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, CaseChanged)]
    assert (len(moved), len(refused)) == (1, 1), outcomes
    assert refused[0].case.version == 2
    saved = Case.objects.get(pk=case.pk)
    assert (saved.stage, saved.version) == ("encashment", 2)
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    winner = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.TRANSITION)
    assert (winner.transition, winner.from_stage, winner.to_stage) == ("verify", "verification", "encashment")
    assert case.verifications.count() == 1


def test_two_different_transitions_at_once_only_one_applies():
    case = unhcr_case()
    head = case.household.members.get()
    workers = [staff("UNHCR", User.Role.CASE_WORKER, f"unhcr.worker.{n}") for n in (1, 2)]

    with slow_events():
        outcomes = run_together(
            lambda: case_transition(
                case=case,
                transition_code="verify",
                actor=workers[0],
                data={"documents_checked": "on", f"iris_{head.public_id}": "clear"},
                expected_version=1,
            ),
            lambda: case_transition(
                case=case,
                transition_code="refuse_grant",
                actor=workers[1],
                data={f"iris_{head.public_id}": "previously_assisted", "note": "Iris matched 2019."},
                expected_version=1,
            ),
        )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Case", "CaseChanged"], outcomes
    saved = Case.objects.get(pk=case.pk)
    assert saved.version == 2
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TRANSITION).count() == 1
    assert case.verifications.count() == 1


def test_two_checkers_approving_the_same_cash_at_once_only_one_approves():
    case = unhcr_case()
    recorder = staff("UNHCR", User.Role.CASE_WORKER, "unhcr.recorder")
    entitle(case, decided_by=recorder)  # verified: Ahmad is eligible for the grant
    checkers = [staff("UNHCR", User.Role.CASE_WORKER, f"unhcr.checker.{n}") for n in (1, 2)]
    grant = assistance_record(
        case=case,
        recorded_by=recorder,
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="cash_grant"),
        delivered_on=case.household.arrival_date,
        office=case.office,
    )
    version_before = Case.objects.get(pk=case.pk).version

    with slow_events():
        outcomes = run_together(
            *(
                lambda checker=checker: assistance_decide(assistance=grant, decided_by=checker, approve=True)
                for checker in checkers
            )
        )

    approved = [outcome for outcome in outcomes if isinstance(outcome, Assistance)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, Refused)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert {path: [p.code for p in problems] for path, problems in refused[0].problems.items()} == {
        "assistance": ["not_pending"]
    }
    saved = Assistance.objects.get(pk=grant.pk)
    assert (saved.approval, saved.approved_by) == ("approved", approved[0].approved_by)
    assert saved.approved_by in checkers
    assert Case.objects.get(pk=case.pk).version == version_before + 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ASSISTANCE_APPROVED).count() == 1

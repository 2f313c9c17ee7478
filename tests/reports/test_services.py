"""The joint report's snapshots: requested as versions, computed once with a checksum, signed off by
UNHCR and IOM, then final. Every refusal changes nothing."""

import datetime
import hashlib
import threading
import time
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.utils import timezone

from agencies.models import Agency, User
from agencies.problems import Refused
from reports.models import Report, ReportSignOff
from reports.services import (
    report_checksum,
    report_compare,
    report_compute,
    report_request,
    report_sign_off,
)
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card
from tests.returns.cases.test_concurrency import run_together

YEAR_2017 = {"period_start": datetime.date(2017, 1, 1), "period_end": datetime.date(2017, 12, 31)}
ARRIVAL = Report.ReferenceDate.ARRIVAL


@pytest.fixture
def administrator(db) -> User:
    return UserFactory(username="admin.reports.t", agency=None, office=None, role=User.Role.ADMIN)


def register_2017(officer, *, families: int = 3, arrival=datetime.date(2017, 5, 10)) -> None:
    """``families`` PoR-card families from Pakistan (a man of 35 and a girl of 4) arriving in 2017."""
    for _ in range(families):
        household_register(
            registered_by=officer,
            registration=household(
                arrival_date=arrival,
                members=[
                    member(documents=[por_card()]),
                    member(relationship="daughter", sex="female", age=4),
                ],
            ),
        )


def requested(user, *, reference_date=ARRIVAL, **period) -> Report:
    return report_request(requested_by=user, reference_date=reference_date, **(period or YEAR_2017))


def computed(user, **kwargs) -> Report:
    """A report requested and computed at once (the task's own work, without waiting for the commit)."""
    report = requested(user, **kwargs)
    return report_compute(report_id=report.pk, progress_every=0)


def refusal(excinfo) -> dict[str, list[str]]:
    return {path: [problem.code for problem in problems] for path, problems in excinfo.value.problems.items()}


# --- requesting a version -------------------------------------------------------------------------


def test_a_coordinator_requests_the_2017_report_as_version_1_queued(coordinator):
    before = timezone.now()

    report = requested(coordinator)

    report.refresh_from_db()
    assert (report.title, report.version, report.status, report.progress) == (
        "Joint UNHCR-IOM report on returns, 2017",
        1,
        Report.Status.QUEUED,
        0,
    )
    assert (report.period_start, report.period_end, report.reference_date) == (
        datetime.date(2017, 1, 1),
        datetime.date(2017, 12, 31),
        "arrival",
    )
    assert before <= report.cut_off <= timezone.now()  # the cut-off defaults to now
    assert report.requested_by == coordinator
    assert report.figures is None and report.checksum == ""


def test_regenerating_makes_the_next_version_for_the_same_period_and_reference_date(coordinator, administrator):
    first = requested(coordinator)
    second = requested(administrator)
    by_grant = requested(coordinator, reference_date=Report.ReferenceDate.GRANT_PAID)
    half_year = requested(coordinator, period_start=datetime.date(2017, 1, 1), period_end=datetime.date(2017, 6, 30))

    assert [first.version, second.version, by_grant.version, half_year.version] == [1, 2, 1, 1]
    assert half_year.title == "Joint UNHCR-IOM report on returns, 2017-01-01 to 2017-06-30"


def test_the_request_enqueues_the_computation_once_committed(coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = requested(coordinator)
    assert Report.objects.get(pk=report.pk).status == Report.Status.QUEUED  # nothing computed before the commit
    assert len(callbacks) == 1

    callbacks[0]()  # the commit: Celery runs eagerly without a broker

    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT


@pytest.mark.parametrize(
    ("period", "cut_off_delta", "reference_date", "expected"),
    [
        (
            {"period_start": datetime.date(2017, 12, 31), "period_end": datetime.date(2017, 1, 1)},
            None,
            ARRIVAL,
            {"period_end": ["period_backwards"]},
        ),
        (
            {"period_start": datetime.date(2016, 1, 1), "period_end": datetime.date(2017, 1, 1)},
            None,
            ARRIVAL,
            {"period_end": ["period_too_long"]},
        ),
        (
            {"period_start": datetime.date(2001, 12, 31), "period_end": datetime.date(2002, 6, 30)},
            None,
            ARRIVAL,
            {"period_start": ["before_2002"]},
        ),
        (YEAR_2017, datetime.timedelta(hours=1), ARRIVAL, {"cut_off": ["cut_off_in_future"]}),
        (YEAR_2017, None, "departure", {"reference_date": ["unknown_reference_date"]}),
    ],
    ids=["backwards", "longer-than-366-days", "before-2002", "cut-off-in-future", "unknown-reference-date"],
)
def test_impossible_parameters_are_refused_beside_their_field_and_nothing_is_saved(
    coordinator, period, cut_off_delta, reference_date, expected
):
    cut_off = timezone.now() + cut_off_delta if cut_off_delta else None

    with pytest.raises(Refused) as excinfo:
        report_request(requested_by=coordinator, reference_date=reference_date, cut_off=cut_off, **period)

    assert refusal(excinfo) == expected
    assert not Report.objects.exists()


def test_a_period_that_has_not_ended_yet_is_refused(coordinator):
    today = timezone.localdate()

    with pytest.raises(Refused) as excinfo:
        report_request(
            requested_by=coordinator,
            period_start=today - datetime.timedelta(days=10),
            period_end=today + datetime.timedelta(days=1),
            reference_date=ARRIVAL,
        )

    assert refusal(excinfo) == {"period_end": ["period_in_future"]}
    assert str(excinfo.value.problems["period_end"][0].message).startswith(
        f"The period ends on {(today + datetime.timedelta(days=1)).isoformat()}, which has not come yet"
    )
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", [User.Role.FIELD_OFFICER, User.Role.CASE_WORKER, User.Role.MANAGER])
def test_agency_staff_cannot_generate_the_report(role, unhcr):
    staff = UserFactory(username=f"unhcr.{role}.r", agency=unhcr, office=None, role=role)

    with pytest.raises(PermissionDenied):
        requested(staff)

    assert not Report.objects.exists()


# --- computing the snapshot -----------------------------------------------------------------------


def test_computing_stores_the_figures_thresholds_and_their_checksum_as_a_draft(coordinator, unhcr_officer):
    register_2017(unhcr_officer, families=3)
    report = requested(coordinator)

    report = report_compute(report_id=report.pk, progress_every=0)

    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    assert (report.progress, report.progress_step, report.error) == (100, "Done", "")
    assert report.figures["format"] == 1 and report.figures["edition"] == "internal"
    assert report.figures["period"]["start"] == "2017-01-01" and report.figures["period"]["end"] == "2017-12-31"
    assert report.thresholds == {"*": {"threshold": 5, "sensitive_threshold": 10}}
    assert len(report.checksum) == 64
    assert report.checksum == report_checksum(report.figures)  # the figures as PostgreSQL gives them back
    assert report.started_at <= report.computed_at


def test_the_checksum_is_sha256_of_the_canonical_json():
    # Keys sorted, no spaces, UTF-8 (not \\u escapes): Dari text hashes as its own bytes.
    figures = {"b": 1, "a": ["کابل", 2]}
    canonical = '{"a":["کابل",2],"b":1}'.encode()

    assert report_checksum(figures) == hashlib.sha256(canonical).hexdigest()


def test_a_second_run_of_the_task_changes_nothing(coordinator):
    report = computed(coordinator)
    before = Report.objects.values().get(pk=report.pk)

    again = report_compute(report_id=report.pk, progress_every=0)

    assert again.status == Report.Status.DRAFT
    assert Report.objects.values().get(pk=report.pk) == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_computation_that_fails_marks_the_report_failed_and_stores_no_figures(_reports_reference_data, coordinator):
    """The registry is locked by another transaction longer than the worker waits for it: the
    computation fails, the report says so, and no figure or checksum is stored."""
    # Queued as ``report_request`` leaves it; here, with real commits, the request would compute it at once.
    report = Report.objects.create(
        title="Joint UNHCR-IOM report on returns, 2017",
        reference_date=ARRIVAL,
        cut_off=timezone.now(),
        version=1,
        requested_by=coordinator,
        **YEAR_2017,
    )
    holding, release = threading.Event(), threading.Event()

    def hold_the_registry():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("LOCK TABLE returns_household IN ACCESS EXCLUSIVE MODE")
                holding.set()
                release.wait(timeout=30)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    holder = threading.Thread(target=hold_the_registry)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with connections["default"].cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        report_compute(report_id=report.pk, progress_every=0)
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        release.set()
        holder.join(timeout=30)

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == "OperationalError: canceling statement due to lock timeout"
    assert (report.figures, report.checksum, report.computed_at) == (None, "", None)
    assert report.started_at is not None


@pytest.fixture
def _reports_reference_data(transactional_db, serialized_reference_data):
    """The reference data back before a test that commits (as the browser tests restore it)."""
    connection = connections["default"]
    connection._test_serialized_contents = serialized_reference_data
    if serialized_reference_data and not Agency.objects.exists():
        connection.creation.deserialize_db_from_string(serialized_reference_data)


# --- signing off ----------------------------------------------------------------------------------


def test_a_unhcr_and_an_iom_manager_sign_off_and_the_report_becomes_final(coordinator, unhcr_manager, iom_manager):
    report = computed(coordinator)

    first = report_sign_off(report=report, signed_by=unhcr_manager, note="  Checked against ProGres.  ")

    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.finalised_at is None
    assert (first.agency.code, first.signed_by, first.checksum, first.note) == (
        "UNHCR",
        unhcr_manager,
        report.checksum,
        "Checked against ProGres.",
    )

    second = report_sign_off(report=report, signed_by=iom_manager)

    assert report.status == Report.Status.FINAL  # the object passed in is updated too
    report.refresh_from_db()
    assert report.status == Report.Status.FINAL and report.finalised_at is not None
    assert (second.agency.code, second.checksum) == ("IOM", report.checksum)
    assert list(report.sign_offs.values_list("agency__code", flat=True)) == ["UNHCR", "IOM"]


def test_the_same_agency_signing_twice_is_refused_and_nothing_changes(coordinator, unhcr, unhcr_manager):
    report = computed(coordinator)
    report_sign_off(report=report, signed_by=unhcr_manager)
    other_manager = UserFactory(username="unhcr.manager.2", agency=unhcr, office=None, role=User.Role.MANAGER)
    before = Report.objects.values().get(pk=report.pk)

    with pytest.raises(Refused) as excinfo:
        report_sign_off(report=report, signed_by=other_manager)

    assert refusal(excinfo) == {"report": ["already_signed"]}
    assert ReportSignOff.objects.filter(report=report).count() == 1
    assert Report.objects.values().get(pk=report.pk) == before


@pytest.mark.parametrize("signer", ["coordinator", "unhcr_officer", "administrator", "nrc_manager"])
def test_only_a_manager_of_unhcr_or_iom_signs_off(request, coordinator, signer):
    if signer == "nrc_manager":
        user = UserFactory(
            username="nrc.manager.r", agency=Agency.objects.get(code="NRC"), office=None, role=User.Role.MANAGER
        )
    else:
        user = request.getfixturevalue(signer)
    report = computed(coordinator)
    before = Report.objects.values().get(pk=report.pk)

    with pytest.raises(PermissionDenied):
        report_sign_off(report=report, signed_by=user)

    assert not ReportSignOff.objects.exists()
    assert Report.objects.values().get(pk=report.pk) == before


def test_a_report_not_yet_computed_or_already_final_cannot_be_signed_off(coordinator, unhcr_manager, iom_manager):
    queued = requested(coordinator)
    with pytest.raises(Refused) as excinfo:
        report_sign_off(report=queued, signed_by=unhcr_manager)
    assert refusal(excinfo) == {"report": ["not_a_draft"]}

    final = computed(coordinator)
    report_sign_off(report=final, signed_by=unhcr_manager)
    report_sign_off(report=final, signed_by=iom_manager)
    other_iom = UserFactory(username="iom.manager.2", agency=iom_manager.agency, office=None, role=User.Role.MANAGER)
    with pytest.raises(Refused) as excinfo:
        report_sign_off(report=final, signed_by=other_iom)
    assert refusal(excinfo) == {"report": ["not_a_draft"]}
    assert ReportSignOff.objects.filter(report=final).count() == 2
    assert not ReportSignOff.objects.filter(report=queued).exists()


# --- comparing two versions -----------------------------------------------------------------------


def test_two_versions_are_compared_figure_by_figure_with_the_changed_cells_marked(coordinator, unhcr_officer):
    register_2017(unhcr_officer, families=3)
    older = computed(coordinator)
    register_2017(unhcr_officer, families=2, arrival=datetime.date(2017, 8, 1))
    newer = computed(coordinator)

    compared = report_compare(older=older, newer=newer, edition="internal")

    codes = [table["code"] for table in compared]
    assert codes[0] == "highlights"
    assert set(codes[1:]) == {table["code"] for table in newer.figures["tables"]}
    highlights = {row["key"]: row["cells"][0] for row in compared[0]["rows"]}
    total_returns = highlights["total_returns"]
    assert total_returns["old"] == older.figures["highlights"]["total_returns"]
    assert total_returns["new"] == newer.figures["highlights"]["total_returns"]
    assert total_returns["changed"] is (total_returns["old"] != total_returns["new"])
    # Every cell is the two versions' values at the same row and column key
    for table in compared[1:]:
        old_table = next(item for item in older.figures["tables"] if item["code"] == table["code"])
        new_table = next(item for item in newer.figures["tables"] if item["code"] == table["code"])
        assert table["only_in"] is None and table["columns_only_in_older"] == table["columns_only_in_newer"] == []
        compared_rows = {row["key"]: row for row in table["rows"]}
        old_rows = {"/".join(row["key"]): row for row in old_table["rows"]}
        new_rows = {"/".join(row["key"]): row for row in new_table["rows"]}
        assert set(compared_rows) - {"total"} == set(old_rows) | set(new_rows)
        for key, row in new_rows.items():
            compared_row = compared_rows[key]
            old_row = old_rows.get(key)
            assert compared_row["only_in"] == (None if old_row else "newer")
            for column_index, column in enumerate(new_table["columns"]):
                old_value = old_row["cells"][column_index] if old_row else None
                assert compared_row["cells"][column_index] == {
                    "column": column["key"],
                    "old": old_value,
                    "new": row["cells"][column_index],
                    "changed": old_value != row["cells"][column_index],
                }
    assert sum(table["changed_cells"] for table in compared) > 0


def test_comparing_a_version_with_itself_changes_nothing(coordinator, unhcr_officer):
    register_2017(unhcr_officer, families=3)
    report = computed(coordinator)

    compared = report_compare(older=report, newer=report, edition="public")

    assert all(table["changed_cells"] == 0 for table in compared)


def test_a_version_not_computed_yet_cannot_be_compared(coordinator):
    report = computed(coordinator)
    queued = requested(coordinator)

    with pytest.raises(Refused) as excinfo:
        report_compare(older=report, newer=queued, edition="public")

    assert refusal(excinfo) == {"report": ["not_computed"]}


# --- two requests at once -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_coordinators_regenerating_at_once_get_versions_1_and_2(_reports_reference_data, unhcr):
    """Real threads and transactions: the second request waits for the first's lock, then takes the next
    version; without it both would read "no version yet" and one would fail on the unique version."""
    coordinators = [
        UserFactory(username=f"coordinator.{n}", agency=unhcr, office=None, role=User.Role.COORDINATOR) for n in (1, 2)
    ]
    create = Report.objects.create

    def slowly(**fields):
        time.sleep(0.3)  # hold the lock between reading the latest version and writing the next
        return create(**fields)

    with mock.patch.object(Report.objects, "create", slowly):
        outcomes = run_together(*(lambda user=user: requested(user) for user in coordinators))

    assert all(isinstance(outcome, Report) for outcome in outcomes), outcomes
    assert sorted(Report.objects.values_list("version", flat=True)) == [1, 2]

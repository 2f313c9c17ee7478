"""A database laid out as before the move migrates forward, and back, with every row intact.

Cases, their events and verifications, assistance (with its types and grant rates) and referrals
were models of the agencies app, on tables named agencies_*. returns 0005 and agencies 0007 hand
them to the returns app in Django's state only; returns 0006 renames the tables to returns_* and
moves their content types, so that the permissions and the admin history pointing at them follow.

Here the test database is taken back to the layout of before (agencies 0006, returns 0004), filled
through the historical models of that layout, as a database migrated from the old ``main`` would
be, and migrated across the move (agencies 0007, returns 0006): every row of every table involved
must come through unchanged under the new table names; then back, and across again. The rows are
compared there, just after the move: later migrations change some of these tables on purpose
(returns 0008 adds columns to the grant rates, 0009 seeds the grant history for every UNHCR grant
and, its reverse being a no-op, leaves it behind on the way back, 0014 drops two columns of the
cases). Last, the database goes to the latest state, where the world is read through today's models.

The migrations run for real, so this is a transactional test: the database is flushed after it
and ``serialized_rollback`` restores the reference data the migrations loaded for the next test.
Whatever happens, the ``finally`` leaves the database fully migrated.
"""

import dataclasses
import datetime
import importlib
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agencies.models import Agency, Office, User
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRate,
    Household,
    Member,
    MemberVerification,
    Referral,
)
from returns.reference import reference_invalidate

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_THE_MOVE = [("agencies", "0006_partners"), ("returns", "0004_moved_tombstones")]
AFTER_THE_MOVE = [("agencies", "0007_cases_leave_for_returns"), ("returns", "0006_cases_tables_renamed")]
MOVED = ["assistance", "assistancetype", "case", "caseevent", "grantrate", "memberverification", "referral"]
# The tables that keep their names: what the moved rows point at, and what points at them.
STAYING = [
    "returns_household",
    "returns_member",
    "returns_memberdocument",
    "agencies_user",
    "agencies_user_user_permissions",
    "auth_permission",
    "django_admin_log",
]
# What ``populate`` adds to the moved tables, next to the migrations' assistance catalogue (the types
# and grant rates the migrations loaded: how many depends on what the way back to the old layout left).
WORLD_ROWS = {
    "assistance": 1,
    "assistancetype": 1,
    "case": 2,
    "caseevent": 3,
    "grantrate": 1,
    "memberverification": 2,
    "referral": 1,
}
# returns 0009 gives every UNHCR grant the published grant history (the world's winter grant too).
GRANT_HISTORY_STARTS = sorted(
    start for start, *_rest in importlib.import_module("returns.migrations.0009_policy_history").GRANT_HISTORY
)
APPROVED_AT = datetime.datetime(2026, 3, 2, 10, 30, tzinfo=datetime.UTC)
RESPONDED_AT = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def migrated_reference_data(django_db_setup, django_db_blocker) -> str:
    """The snapshot of what the migrations loaded, taken when the test database was created."""
    return getattr(connection, "_test_serialized_contents", "")


@pytest.fixture(autouse=True)
def _reference_data_restored(transactional_db, migrated_reference_data):
    """The reference data is there, whatever an earlier transactional test flushed (test_concurrency.py)."""
    connection._test_serialized_contents = migrated_reference_data
    if migrated_reference_data and not Agency.objects.exists():
        connection.creation.deserialize_db_from_string(migrated_reference_data)
    assert Agency.objects.filter(code__in=["UNHCR", "IOM"]).count() == 2


@dataclasses.dataclass(frozen=True)
class World:
    """The primary keys of what ``populate`` created."""

    officer: int
    unhcr_worker: int
    manager: int
    iom_worker: int
    household: int
    head: int
    spouse: int
    assistance_type: int
    grant_rate: int
    unhcr_case: int
    iom_case: int
    events: tuple[int, ...]
    verifications: tuple[int, ...]
    assistance: int
    referral: int
    case_content_type: int
    permission: int
    log_entry: int


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    """Migrate the test database to ``targets``; the executor returned knows what is applied now."""
    MigrationExecutor(connection).migrate(targets)
    ContentType.objects.clear_cache()  # its cache holds content types by app label, which moved
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def table_exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::text", [table])
        return cursor.fetchone()[0] is not None


def dump(table: str) -> tuple[list[str], list[tuple]]:
    """Every column of every row of ``table``, in primary key order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY id")  # noqa: S608 - fixed names
        return [column.name for column in cursor.description], cursor.fetchall()


def moved_tables(app_label: str) -> dict[str, tuple[list[str], list[tuple]]]:
    return {model: dump(f"{app_label}_{model}") for model in MOVED}


def row_counts(app_label: str) -> dict[str, int]:
    return {model: len(rows) for model, (_columns, rows) in moved_tables(app_label).items()}


def moved_content_types(app_label: str) -> dict[str, int]:
    return dict(
        ContentType.objects.filter(app_label=app_label, model__in=MOVED).values_list("model", "id").order_by("model")
    )


def populate(apps) -> World:
    """A small world in the old layout, through the old app label: agencies.Case and the rest."""
    agency = apps.get_model("agencies", "Agency")
    office = apps.get_model("agencies", "Office")
    user = apps.get_model("agencies", "User")
    unhcr, iom = agency.objects.get(code="UNHCR"), agency.objects.get(code="IOM")
    torkham = office.objects.get(code="TKM")
    officer = user.objects.create(username="officer.m", agency=unhcr, office=torkham, role="field_officer")
    unhcr_worker = user.objects.create(username="caseworker.m", agency=unhcr, office=torkham, role="case_worker")
    manager = user.objects.create(username="manager.m", agency=unhcr, office=None, role="manager")
    iom_worker = user.objects.create(username="iom.caseworker.m", agency=iom, office=torkham, role="case_worker")

    household = apps.get_model("returns", "Household").objects.create(
        registration_number="TKM-2026-900001",
        arrival_date=datetime.date(2026, 3, 1),
        phone="+93700900001",
        category="registered_refugee",
        routing_version=1,
        routing_reason="Registered refugees with a PoR card are UNHCR's.",
        flags=["vulnerable"],
        member_count=2,
        country_of_departure_id="PK",
        destination_province_id="AF06",
        office=torkham,
        registered_by=officer,
        routed_agency=unhcr,
        return_type_id="voluntary_repatriation",
    )
    member = apps.get_model("returns", "Member")
    head = member.objects.create(
        household=household,
        given_name="Ahmad",
        fathers_name="Mohammad",
        sex="male",
        date_of_birth=datetime.date(1988, 5, 4),
        relationship="head",
    )
    spouse = member.objects.create(
        household=household,
        given_name="Mariam",
        fathers_name="Karim",
        sex="female",
        estimated_age=34,
        relationship="spouse",
    )
    apps.get_model("returns", "MemberDocument").objects.create(
        member=head,
        document_type_id="por_card",
        number="PK-900001",
        expiry_date=datetime.date(2027, 6, 30),
        issuing_country_id="PK",
    )

    assistance_type = apps.get_model("agencies", "AssistanceType").objects.create(
        agency=unhcr, code="winter_grant", name="Winter grant", is_cash=True, is_grant=True, unit="household", order=9
    )
    grant_rate = apps.get_model("agencies", "GrantRate").objects.create(
        assistance_type=assistance_type, valid_from=datetime.date(2026, 1, 1), amount_per_person=Decimal("410.00")
    )

    case = apps.get_model("agencies", "Case")
    unhcr_case = case.objects.create(
        case_number="VR-TKM-2026-900001",
        household=household,
        agency=unhcr,
        office=torkham,
        workflow="unhcr_voluntary_repatriation",
        stage="encashment",
        assigned_to=unhcr_worker,
        stage_due_date=datetime.date(2026, 3, 3),
        is_vulnerable=True,
        version=3,
    )
    event = apps.get_model("agencies", "CaseEvent")
    events = [
        event.objects.create(case=unhcr_case, kind="opened", actor=officer),
        event.objects.create(
            case=unhcr_case,
            kind="transition",
            actor=unhcr_worker,
            transition="verify",
            from_stage="verification",
            to_stage="encashment",
            details={"verified": 2},
        ),
    ]
    verification = apps.get_model("agencies", "MemberVerification")
    verifications = [
        verification.objects.create(case=unhcr_case, member=head, result="clear", recorded_by=unhcr_worker),
        verification.objects.create(
            case=unhcr_case, member=spouse, result="previously_assisted", recorded_by=unhcr_worker
        ),
    ]
    assistance = apps.get_model("agencies", "Assistance").objects.create(
        case=unhcr_case,
        assistance_type=assistance_type,
        office=torkham,
        quantity=Decimal("1.00"),
        value=Decimal("820.00"),
        currency="USD",
        delivered_on=datetime.date(2026, 3, 2),
        approval="approved",
        approved_by=manager,
        approved_at=APPROVED_AT,
        recorded_by=unhcr_worker,
        note="Two people at 410.00.",
    )
    referral = apps.get_model("agencies", "Referral").objects.create(
        case=unhcr_case,
        member=spouse,
        service="assistance",
        reason="Assisted before: IOM's post-arrival help instead of the grant.",
        status="accepted",
        due_date=datetime.date(2026, 3, 5),
        from_agency=unhcr,
        to_agency=iom,
        created_by=unhcr_worker,
        responded_by=iom_worker,
        response="Taken on.",
        responded_at=RESPONDED_AT,
    )
    iom_case = case.objects.create(
        case_number="PA-TKM-2026-900001",
        household=household,
        agency=iom,
        office=torkham,
        workflow="iom_post_arrival",
        stage="screening",
        assigned_to=iom_worker,
        opened_by_referral=referral,
    )
    events.append(event.objects.create(case=iom_case, kind="opened", actor=iom_worker))

    # A real database has the content type, permissions and admin history of agencies.case.
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="agencies", model="case"
    )
    permission, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type, codename="view_case", defaults={"name": "Can view case"}
    )
    user.objects.get(pk=manager.pk).user_permissions.add(permission)
    log_entry = apps.get_model("admin", "LogEntry").objects.create(
        user=manager,
        content_type=content_type,
        object_id=str(unhcr_case.pk),
        object_repr=unhcr_case.case_number,
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Assigned to"]}}]',
    )
    return World(
        officer=officer.pk,
        unhcr_worker=unhcr_worker.pk,
        manager=manager.pk,
        iom_worker=iom_worker.pk,
        household=household.pk,
        head=head.pk,
        spouse=spouse.pk,
        assistance_type=assistance_type.pk,
        grant_rate=grant_rate.pk,
        unhcr_case=unhcr_case.pk,
        iom_case=iom_case.pk,
        events=tuple(row.pk for row in events),
        verifications=tuple(row.pk for row in verifications),
        assistance=assistance.pk,
        referral=referral.pk,
        case_content_type=content_type.pk,
        permission=permission.pk,
        log_entry=log_entry.pk,
    )


def assert_the_old_layout(moved_before, staying_before, content_types_before) -> None:
    for model in MOVED:
        assert table_exists(f"agencies_{model}"), model
        assert not table_exists(f"returns_{model}"), model
    assert moved_tables("agencies") == moved_before
    assert {table: dump(table) for table in STAYING} == staying_before
    assert moved_content_types("agencies") == content_types_before
    assert moved_content_types("returns") == {}


def assert_the_new_layout(moved_before, staying_before, content_types_before) -> None:
    """Just after the move: renamed tables holding the same rows, column for column; content types followed."""
    for model in MOVED:
        assert table_exists(f"returns_{model}"), model
        assert not table_exists(f"agencies_{model}"), model
    assert moved_tables("returns") == moved_before
    assert {table: dump(table) for table in STAYING} == staying_before
    assert moved_content_types("returns") == content_types_before
    assert moved_content_types("agencies") == {}


def assert_the_world_through_the_models(world: World, rows_after_the_move: dict[str, int]) -> None:
    """At the latest state: the world read through returns' models, its relations working both ways."""
    counts = {
        "assistance": Assistance.objects.count(),
        "assistancetype": AssistanceType.objects.count(),
        "case": Case.objects.count(),
        "caseevent": CaseEvent.objects.count(),
        "grantrate": GrantRate.objects.count(),
        "memberverification": MemberVerification.objects.count(),
        "referral": Referral.objects.count(),
    }
    assert counts == {**rows_after_the_move, "grantrate": rows_after_the_move["grantrate"] + len(GRANT_HISTORY_STARTS)}
    assert (Household.objects.count(), Member.objects.count(), User.objects.count()) == (1, 2, 4)

    unhcr, iom = Agency.objects.get(code="UNHCR").pk, Agency.objects.get(code="IOM").pk
    torkham = Office.objects.get(code="TKM").pk
    case_fields = [
        "pk",
        "case_number",
        "workflow",
        "stage",
        "household_id",
        "agency_id",
        "office_id",
        "assigned_to_id",
        "opened_by_referral_id",
        "is_vulnerable",
        "stage_due_date",
        "closed_at",
        "outcome",
        "version",
    ]
    assert list(Case.objects.order_by("pk").values_list(*case_fields)) == [
        (
            world.unhcr_case,
            "VR-TKM-2026-900001",
            "unhcr_voluntary_repatriation",
            "encashment",
            world.household,
            unhcr,
            torkham,
            world.unhcr_worker,
            None,
            True,
            datetime.date(2026, 3, 3),
            None,
            "",
            3,
        ),
        (
            world.iom_case,
            "PA-TKM-2026-900001",
            "iom_post_arrival",
            "screening",
            world.household,
            iom,
            torkham,
            world.iom_worker,
            world.referral,
            False,
            None,
            None,
            "",
            1,
        ),
    ]
    assert list(
        CaseEvent.objects.order_by("pk").values_list(
            "pk", "case_id", "kind", "actor_id", "from_stage", "to_stage", "details"
        )
    ) == [
        (world.events[0], world.unhcr_case, "opened", world.officer, "", "", {}),
        (
            world.events[1],
            world.unhcr_case,
            "transition",
            world.unhcr_worker,
            "verification",
            "encashment",
            {"verified": 2},
        ),
        (world.events[2], world.iom_case, "opened", world.iom_worker, "", "", {}),
    ]
    assert list(
        MemberVerification.objects.order_by("pk").values_list("pk", "case_id", "member_id", "result", "recorded_by_id")
    ) == [
        (world.verifications[0], world.unhcr_case, world.head, "clear", world.unhcr_worker),
        (world.verifications[1], world.unhcr_case, world.spouse, "previously_assisted", world.unhcr_worker),
    ]
    assert list(
        Assistance.objects.values_list(
            "pk",
            "case_id",
            "assistance_type_id",
            "office_id",
            "quantity",
            "value",
            "currency",
            "approval",
            "approved_by_id",
            "approved_at",
            "recorded_by_id",
        )
    ) == [
        (
            world.assistance,
            world.unhcr_case,
            world.assistance_type,
            torkham,
            Decimal("1.00"),
            Decimal("820.00"),
            "USD",
            "approved",
            world.manager,
            APPROVED_AT,
            world.unhcr_worker,
        )
    ]
    assert list(
        Referral.objects.values_list(
            "pk",
            "case_id",
            "member_id",
            "from_agency_id",
            "to_agency_id",
            "service",
            "status",
            "created_by_id",
            "responded_by_id",
            "responded_at",
        )
    ) == [
        (
            world.referral,
            world.unhcr_case,
            world.spouse,
            unhcr,
            iom,
            "assistance",
            "accepted",
            world.unhcr_worker,
            world.iom_worker,
            RESPONDED_AT,
        )
    ]
    winter = AssistanceType.objects.get(pk=world.assistance_type)
    assert (winter.agency_id, winter.code, winter.is_cash, winter.is_grant) == (unhcr, "winter_grant", True, True)
    assert list(
        winter.rates.filter(pk=world.grant_rate).values_list(
            "pk", "valid_from", "valid_until", "amount_per_person", "currency"
        )
    ) == [(world.grant_rate, datetime.date(2026, 1, 1), None, Decimal("410.00"), "USD")]
    assert sorted(winter.rates.exclude(pk=world.grant_rate).values_list("valid_from", flat=True)) == (
        GRANT_HISTORY_STARTS
    )
    cash_grant = AssistanceType.objects.filter(agency__code="UNHCR", code="cash_grant").get()
    assert sorted(cash_grant.rates.values_list("valid_from", flat=True)) == GRANT_HISTORY_STARTS

    # The relations work across the renamed tables, both ways.
    unhcr_case = Case.objects.get(pk=world.unhcr_case)
    assert unhcr_case.household.registration_number == "TKM-2026-900001"
    assert sorted(unhcr_case.events.values_list("pk", flat=True)) == list(world.events[:2])
    assert list(unhcr_case.assistance.values_list("pk", flat=True)) == [world.assistance]
    assert list(unhcr_case.referrals.values_list("pk", flat=True)) == [world.referral]
    assert sorted(Household.objects.get(pk=world.household).cases.values_list("case_number", flat=True)) == [
        "PA-TKM-2026-900001",
        "VR-TKM-2026-900001",
    ]
    assert Case.objects.get(pk=world.iom_case).opened_by_referral.case_id == world.unhcr_case

    # The content type kept its id under the new label, so permissions and admin history follow.
    content_type = ContentType.objects.get_for_model(Case)
    assert (content_type.pk, content_type.app_label, content_type.model) == (world.case_content_type, "returns", "case")
    assert Permission.objects.get(pk=world.permission).content_type_id == world.case_content_type
    assert sorted(Permission.objects.filter(content_type=content_type).values_list("codename", flat=True)) == [
        "add_case",
        "change_case",
        "delete_case",
        "view_case",
    ]
    manager = User.objects.get(pk=world.manager)
    assert (manager.has_perm("returns.view_case"), manager.has_perm("agencies.view_case")) == (True, False)
    log_entry = LogEntry.objects.get(pk=world.log_entry)
    assert log_entry.content_type_id == world.case_content_type
    assert log_entry.get_edited_object() == unhcr_case


def test_a_populated_database_migrates_across_the_move_and_back_with_every_row_intact():
    try:
        # Given a database in the layout before the move, populated through the old app label.
        executor = migrate(BEFORE_THE_MOVE)
        for model in MOVED:
            assert table_exists(f"agencies_{model}"), model
            assert not table_exists(f"returns_{model}"), model
        # The other apps' latest state, but for reports, whose migrations stand on today's agencies.
        elsewhere = [
            node for node in executor.loader.graph.leaf_nodes() if node[0] not in {"agencies", "returns", "reports"}
        ]
        old_apps = executor.loader.project_state(BEFORE_THE_MOVE + elsewhere).apps
        assert old_apps.get_model("agencies", "Case")._meta.db_table == "agencies_case"
        with pytest.raises(LookupError):
            old_apps.get_model("returns", "Case")
        # (the moved tables hold only the migrations' catalogue: 13 assistance types and grant rates)
        catalogue = row_counts("agencies")
        assert catalogue["assistancetype"] == 13
        assert [model for model in MOVED if catalogue[model]] == ["assistancetype", "grantrate"]
        world = populate(old_apps)

        moved_before = moved_tables("agencies")
        staying_before = {table: dump(table) for table in STAYING}
        content_types_before = moved_content_types("agencies")
        rows_before = row_counts("agencies")
        assert {model: rows_before[model] - catalogue[model] for model in MOVED} == WORLD_ROWS
        assert content_types_before["case"] == world.case_content_type
        assert set(content_types_before) == set(MOVED)
        staying_counts = {table: len(rows) for table, (_columns, rows) in staying_before.items()}
        assert {table: staying_counts[table] for table in STAYING if table != "auth_permission"} == {
            "returns_household": 1,
            "returns_member": 2,
            "returns_memberdocument": 1,
            "agencies_user": 4,
            "agencies_user_user_permissions": 1,
            "django_admin_log": 1,
        }
        old_permission = old_apps.get_model("auth", "Permission")
        assert sorted(
            old_permission.objects.filter(content_type_id=world.case_content_type).values_list("codename", flat=True)
        ) == ["add_case", "change_case", "delete_case", "view_case"]

        # When it migrates across the move, every row is there under the new names, unchanged.
        migrate(AFTER_THE_MOVE)
        assert_the_new_layout(moved_before, staying_before, content_types_before)

        # And back: the old table names and app label, the same rows; and across again.
        migrate(BEFORE_THE_MOVE)
        assert_the_old_layout(moved_before, staying_before, content_types_before)
        migrate(AFTER_THE_MOVE)
        assert_the_new_layout(moved_before, staying_before, content_types_before)

        # Then, at the latest state, the world reads through today's models.
        migrate(latest())
        assert_the_world_through_the_models(world, rows_before)

        # The renamed tables still number new rows after the old ones.
        added = CaseEvent.objects.create(case_id=world.unhcr_case, kind=CaseEvent.Kind.ASSIGNED)
        assert added.pk == max(world.events) + 1
    finally:
        migrate(latest())
        ContentType.objects.clear_cache()
        reference_invalidate()
    assert MigrationExecutor(connection).migration_plan(latest()) == []

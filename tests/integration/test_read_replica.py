"""Reads from a real streaming replica of the machine's PostgreSQL, started for the test.

``pg_basebackup`` copies the running cluster (the test database in it) and starts a hot standby
that streams from it. The exports and the dashboards then read the replica, except for whoever
has just written something the replica has not replayed yet; a replica that has stopped sends
every read back to the primary.

The replica is ``tests.integration.support.streaming_replica_running``'s.
"""

import time
from unittest import mock

import pytest
from django.db import connections, router
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agencies import replica
from agencies.models import Agency, Office, User
from returns.models import Household
from returns.services.households import household_register
from tests.api.payloads import household_json, member_json, por_card_json
from tests.factories import UserFactory, api_token_for, household, member, por_card
from tests.integration.support import replica_stop, streaming_replica_running

REPLICA_START_SECONDS = 60
EXPORT_URL = "/households/export.csv"


@pytest.fixture
def streaming_replica():
    with streaming_replica_running() as running:
        # The replica's connection, made here rather than declared in the settings: the test case only
        # lets a test reach the databases declared when it started, and this one did not exist then.
        alias = {
            **connections.settings["default"],
            "HOST": "127.0.0.1",
            "PORT": str(running["port"]),
            "CONN_MAX_AGE": 0,
        }
        connections[replica.REPLICA] = DatabaseWrapper(alias, alias=replica.REPLICA)
        try:
            with mock.patch.object(replica, "replica_configured", return_value=True):
                yield running
        finally:
            connections[replica.REPLICA].close()
            del connections[replica.REPLICA]


def on_replica(sql: str, params=()):
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def wait_replayed(household_pk: int) -> None:
    deadline = time.monotonic() + 30
    while not Household.objects.using(replica.REPLICA).filter(pk=household_pk).exists():
        assert time.monotonic() < deadline, "the replica never replayed the household"
        time.sleep(0.1)


def export_reads(client, database: str) -> tuple[list[str], list[str]]:
    """The registration numbers an export lists, and the SQL that read households on ``database``."""
    with CaptureQueriesContext(connections[database]) as queries:
        response = client.get(EXPORT_URL)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    numbers = sorted(line.split(",")[1] for line in body.splitlines()[1:])
    return numbers, [query["sql"] for query in queries if '"returns_household"' in query["sql"]]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_exports_read_the_replica_except_for_whoever_just_wrote(streaming_replica, client):
    # Given a UNHCR household, registered on the primary and replayed by the replica
    unhcr = Agency.objects.get(code="UNHCR")
    officer = UserFactory(
        username="officer.replica", agency=unhcr, office=Office.objects.get(code="TKM"), role=User.Role.FIELD_OFFICER
    )
    manager = UserFactory(username="manager.replica", agency=unhcr, role=User.Role.MANAGER)
    first = household_register(
        registered_by=officer, registration=household(members=[member(documents=[por_card(number="PK-REPL-1")])])
    )
    wait_replayed(first.pk)
    client.force_login(manager)

    # When the manager exports the households, the replica reads them
    numbers, on_replica_sql = export_reads(client, replica.REPLICA)
    assert numbers == [first.registration_number]
    assert on_replica_sql, "the export did not read the replica"
    assert on_replica("SELECT pg_is_in_recovery()") == (True,)

    # Then, with the replica's replay paused, the manager registers a household over the API
    on_replica("SELECT pg_wal_replay_pause()")
    try:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(manager)}")
        registered = api.post(
            "/api/v1/households/",
            household_json(members=[member_json(documents=[por_card_json(number="PK-REPL-2")])]),
            format="json",
        )
        assert registered.status_code == 201
        second = Household.objects.get(public_id=registered.json()["id"])
        # and their export, which the replica cannot answer yet, reads the primary: it lists the new household
        numbers, on_replica_sql = export_reads(client, replica.REPLICA)
        assert numbers == sorted([first.registration_number, second.registration_number])
        assert on_replica_sql == []
        # while another manager, who wrote nothing, still reads the replica (without the new household).
        other_manager = UserFactory(username="manager2.replica", agency=unhcr, role=User.Role.MANAGER)
        client.force_login(other_manager)
        numbers, on_replica_sql = export_reads(client, replica.REPLICA)
        assert numbers == [first.registration_number]
        assert on_replica_sql
    finally:
        on_replica("SELECT pg_wal_replay_resume()")

    # Once the replica has replayed it, the writer reads the replica again.
    wait_replayed(second.pk)
    client.force_login(manager)
    numbers, on_replica_sql = export_reads(client, replica.REPLICA)
    assert numbers == sorted([first.registration_number, second.registration_number])
    assert on_replica_sql

    # A replica that has stopped sends the reads back to the primary; the page still answers.
    connections[replica.REPLICA].close()
    replica_stop(streaming_replica)
    numbers, _sql = export_reads(client, "default")
    assert numbers == sorted([first.registration_number, second.registration_number])


def test_writes_and_migrations_always_go_to_the_primary():
    chooser = replica.ReplicaRouter()
    token = replica.reading_replica.set(True)
    try:
        assert router.db_for_write(Household) == "default"
        assert chooser.db_for_read(Household) == "replica"
    finally:
        replica.reading_replica.reset(token)
    assert chooser.db_for_read(Household) == "default"
    assert chooser.allow_migrate("replica", "returns") is False
    assert chooser.allow_migrate("default", "returns") is True

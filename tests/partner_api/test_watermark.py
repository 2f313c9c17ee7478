"""The watermark holds back for a transaction still running: a row it commits later is not missed.

This test commits for real (two connections), so the database is flushed after it;
``serialized_rollback`` restores the reference data the migrations loaded, as in
tests/returns/cases/test_concurrency.py.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils.dateparse import parse_datetime

from agencies.models import Agency
from returns.models import Household
from tests.partner_api.conftest import register_unhcr

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="session")
def migrated_reference_data(django_db_setup, django_db_blocker) -> str:
    return getattr(connection, "_test_serialized_contents", "")


@pytest.fixture(autouse=True)
def _reference_data_restored(transactional_db, migrated_reference_data):
    connection._test_serialized_contents = migrated_reference_data
    if migrated_reference_data and not Agency.objects.exists():
        connection.creation.deserialize_db_from_string(migrated_reference_data)


def test_a_change_committed_after_the_read_comes_in_the_next_run(partner, unhcr_officer):
    household = register_unhcr(unhcr_officer)
    changed, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        # Another request's transaction: it stamps updated_at now but commits only later.
        try:
            with transaction.atomic():
                Household.objects.filter(pk=household.pk).update(phone="0700999999")
                Household.objects.get(pk=household.pk).save(update_fields=["updated_at"])
                changed.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert changed.wait(timeout=10)

    # When the partner syncs while that transaction runs, longer than the watermark's margin after it stamped
    time.sleep(2.5)
    first = partner.get("/api/v1/households/")
    assert parse_datetime(first.json()["results"][0]["updated_at"]) == household.updated_at  # not seen yet
    watermark = first["X-Sync-Watermark"]
    release.set()
    assert done.wait(timeout=10)
    thread.join()
    stamped = Household.objects.get(pk=household.pk).updated_at

    # Then the watermark is older than the change, so the next run gets it
    assert parse_datetime(watermark) < stamped
    replay = partner.get("/api/v1/households/", {"updated_since": watermark})
    assert [item["id"] for item in replay.json()["results"]] == [str(household.public_id)]
    assert parse_datetime(replay.json()["results"][0]["updated_at"]) == stamped

"""Twenty clients send the same household at the same moment with one Idempotency-Key: real
threads, each with its own PostgreSQL connection, released together by a barrier. Exactly one
household is created and all twenty get the same answer.

These tests commit for real, so the database is flushed after each; ``serialized_rollback``
reloads the reference data the migrations loaded (as tests/returns/cases/test_concurrency.py does).
"""

import json
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from agencies.models import Agency, IdempotencyRecord, User
from returns.models import Household
from tests.api.payloads import household_json
from tests.factories import UserFactory, api_token_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLIENTS = 20
URL = "/api/v1/households/"


@pytest.fixture(scope="session")
def migrated_reference_data(django_db_setup, django_db_blocker) -> str:
    return getattr(connection, "_test_serialized_contents", "")


@pytest.fixture(autouse=True)
def _reference_data_restored(transactional_db, migrated_reference_data):
    connection._test_serialized_contents = migrated_reference_data
    if migrated_reference_data and not Agency.objects.exists():
        connection.creation.deserialize_db_from_string(migrated_reference_data)
    assert Agency.objects.filter(code__in=["UNHCR", "IOM"]).count() == 2


def test_twenty_concurrent_posts_with_one_key_create_one_household():
    officer = UserFactory(
        username="unhcr.officer.c", agency=Agency.objects.get(code="UNHCR"), role=User.Role.FIELD_OFFICER
    )
    token = api_token_for(officer)
    body = json.dumps(household_json())
    idempotency_key = str(uuid.uuid4())
    barrier = threading.Barrier(CLIENTS)
    answers: list = [None] * CLIENTS

    def send(index: int) -> None:
        client = Client(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=10)
            response = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=idempotency_key)
            answers[index] = (
                response.status_code,
                response.content,
                response.get("Location"),
                response.get("Idempotent-Replayed"),
            )
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert not [answer for answer in answers if isinstance(answer, Exception)], answers
    assert Household.objects.count() == 1
    household = Household.objects.get()
    assert {(status, content, location) for status, content, location, _ in answers} == {
        (201, answers[0][1], f"{URL}{household.public_id}/")
    }
    assert json.loads(answers[0][1])["id"] == str(household.public_id)
    assert sorted(replayed or "" for *_, replayed in answers) == [""] + ["true"] * (CLIENTS - 1)
    assert IdempotencyRecord.objects.count() == 1

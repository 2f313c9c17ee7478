"""``agencies.bulk``: ``rows_insert`` writes the rows ``bulk_create`` would, in one statement built once;
``InsertBatch`` writes rows of several models in two round trips."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.bulk import InsertBatch, rows_insert
from agencies.models import AccessLogEntry, User
from returns.models import Household, HouseholdEvent

pytestmark = pytest.mark.django_db


def _entry(*, user, ids) -> AccessLogEntry:
    return AccessLogEntry(
        kind="household",
        action="read",
        record_ids=ids,
        user=user,
        agency_id=user.agency_id,
        actor=user.username,
        channel="api",
        method="GET",
        endpoint="api:households",
        path="/api/v1/households/",
        status=200,
    )


def _columns(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}


def test_rows_are_written_as_bulk_create_writes_them(iom_officer):
    ids = [uuid.uuid4(), uuid.uuid4()]

    def entries():
        # A UUID array, a foreign key, defaults and a time set on save (``at``).
        return [_entry(user=iom_officer, ids=ids[:count]) for count in (1, 2)]

    by_orm = AccessLogEntry.objects.bulk_create(entries())
    with CaptureQueriesContext(connection) as queries:
        ours = rows_insert(entries())

    assert len(queries.captured_queries) == 1
    assert [row.pk for row in ours] == [by_orm[-1].pk + 1, by_orm[-1].pk + 2]
    assert all(not row._state.adding for row in ours)
    read = {row.pk: row for row in AccessLogEntry.objects.filter(pk__in=[row.pk for row in by_orm + ours])}
    for orm_row, our_row in zip(by_orm, ours, strict=True):
        expected, actual = _columns(read[orm_row.pk]), _columns(read[our_row.pk])
        assert actual.pop("at") >= expected.pop("at")
        assert {**actual, "id": None} == {**expected, "id": None}
    assert read[ours[1].pk].record_ids == ids


def test_a_foreign_key_assigned_before_its_row_was_saved_is_written():
    user = User(username="late.user", role=User.Role.ADMIN)
    entry = _entry(user=user, ids=[uuid.uuid4()])
    user.save()
    rows_insert([entry])

    assert AccessLogEntry.objects.get(pk=entry.pk).user_id == user.pk


def test_nothing_to_insert_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert rows_insert([]) == []
    assert queries.captured_queries == []
    assert HouseholdEvent.objects.count() == Household.objects.count() == 0


def test_a_batch_writes_rows_that_point_at_each_other_in_two_queries():
    user = User(username="batch.user", role=User.Role.ADMIN)
    entries = [_entry(user=user, ids=[uuid.uuid4()]), _entry(user=user, ids=[uuid.uuid4(), uuid.uuid4()])]
    batch = InsertBatch()
    batch.add(entries)  # added before the user it points at: keys are read when the batch is written
    batch.add([user])
    batch.add([])

    with CaptureQueriesContext(connection) as queries:
        batch.write()

    assert len(queries.captured_queries) == 2  # every key, then every row
    assert User.objects.get(pk=user.pk).username == "batch.user"
    stored = list(AccessLogEntry.objects.filter(user=user).order_by("pk").values_list("pk", "record_ids"))
    assert stored == [(entry.pk, entry.record_ids) for entry in entries]
    assert entries[1].pk > entries[0].pk
    with CaptureQueriesContext(connection) as queries:
        assert entries[0].user is user
        assert entries[0].user_id == user.pk
    assert queries.captured_queries == []
    assert all(not row._state.adding for row in (*entries, user))
    with CaptureQueriesContext(connection) as queries:
        batch.write()  # written once: nothing left
    assert queries.captured_queries == []


def test_a_refused_batch_writes_nothing(iom_officer):
    batch = InsertBatch()
    batch.add([_entry(user=iom_officer, ids=[uuid.uuid4()]), _entry(user=iom_officer, ids=[uuid.uuid4()])])
    batch.add([User(username=iom_officer.username, role=User.Role.ADMIN)])  # taken: the unique name refuses it

    with pytest.raises(IntegrityError), transaction.atomic():
        batch.write()
    assert AccessLogEntry.objects.count() == 0
    assert User.objects.filter(username=iom_officer.username).count() == 1

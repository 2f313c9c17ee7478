"""``agencies.bulk``: ``rows_insert`` writes the rows ``bulk_create`` would, in one statement built once;
``InsertBatch`` writes rows of several models in two round trips; ``copy_insert`` writes them with COPY,
``CopyStream`` on a thread of its own; ``unsaved`` builds them as the constructor does."""

import gc
import os
import sys
import threading
import uuid
import warnings

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.bulk import (
    _UUID4_KEPT,
    CopyStream,
    InsertBatch,
    _randomness,
    _uuid4,
    collection_paused,
    copy_insert,
    gin_pending_merge,
    rows_insert,
    unsaved,
)
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


def test_copy_writes_the_rows_bulk_create_writes(iom_officer):
    ids = [uuid.uuid4(), uuid.uuid4()]

    def entries():
        # A UUID array and an address (adapted by their fields), an empty number, a quote and a comma.
        rows = [_entry(user=iom_officer, ids=ids[:count]) for count in (1, 2)]
        rows[1].address, rows[1].status, rows[1].path = "10.0.0.7", None, '/a "b", c\nd'
        return rows

    by_orm = AccessLogEntry.objects.bulk_create(entries())
    ours = copy_insert(entries())

    assert [row.pk for row in ours] == [by_orm[-1].pk + 1, by_orm[-1].pk + 2]
    assert all(not row._state.adding and row._state.db == "default" for row in ours)
    read = {row.pk: row for row in AccessLogEntry.objects.filter(pk__in=[row.pk for row in by_orm + ours])}
    for orm_row, our_row in zip(by_orm, ours, strict=True):
        expected, actual = _columns(read[orm_row.pk]), _columns(read[our_row.pk])
        assert actual.pop("at") >= expected.pop("at")
        assert {**actual, "id": None} == {**expected, "id": None}
    assert (read[ours[1].pk].address, read[ours[1].pk].status, read[ours[1].pk].path) == (
        "10.0.0.7",
        None,
        '/a "b", c\nd',
    )


def test_copy_writes_booleans_empty_strings_and_nulls_as_they_are(iom):
    def users(prefix):
        return [
            User(username=f"{prefix}.one", role=User.Role.MANAGER, agency=iom, is_active=False, is_staff=True),
            User(username=f"{prefix}.two", role=User.Role.ADMIN, agency=None, first_name='O\'Neil, "Jr"'),
        ]

    by_orm = User.objects.bulk_create(users("orm"))
    ours = copy_insert(users("copy"))

    read = {row.pk: row for row in User.objects.filter(pk__in=[row.pk for row in by_orm + ours])}
    for orm_row, our_row in zip(by_orm, ours, strict=True):
        expected, actual = _columns(read[orm_row.pk]), _columns(read[our_row.pk])
        assert actual.pop("date_joined") >= expected.pop("date_joined")
        assert actual.pop("username").removeprefix("copy") == expected.pop("username").removeprefix("orm")
        assert {**actual, "id": None, "public_id": None} == {**expected, "id": None, "public_id": None}
    one, two = read[ours[0].pk], read[ours[1].pk]
    assert (one.is_active, one.is_staff, one.first_name, one.agency_id) == (False, True, "", iom.pk)
    assert (two.is_active, two.is_staff, two.first_name, two.agency_id) == (True, False, 'O\'Neil, "Jr"', None)


def test_an_unsaved_row_is_what_the_constructor_builds(iom_officer):
    values = {
        "kind": "household",
        "action": "read",
        "record_ids": [uuid.uuid4()],
        "user": iom_officer,
        "agency_id": iom_officer.agency_id,
        "actor": iom_officer.username,
        "channel": "api",
        "endpoint": "api:households",
    }

    built, ours = AccessLogEntry(**values), unsaved(AccessLogEntry, **values)

    expected, actual = _columns(built), _columns(ours)
    assert actual.pop("at") >= expected.pop("at")
    assert actual == expected
    assert (ours._state.adding, ours._state.db) == (True, None)
    with CaptureQueriesContext(connection) as queries:
        assert ours.user is iom_officer  # the related row cached, as assigning it does
    assert queries.captured_queries == []
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        unsaved(AccessLogEntry, colour="red")


def test_a_copy_stream_writes_rows_in_the_order_sent_each_with_its_related_rows_key():
    user = unsaved(User, username="stream.user", role=User.Role.ADMIN)
    entries = [_entry(user=user, ids=[uuid.uuid4()]) for _count in range(3)]  # before the user has a key

    with CopyStream() as stream:
        assert stream.add([user]) == [user]
        stream.add(entries)
        stream.add([])

    assert user.pk == User.objects.get(username="stream.user").pk
    stored = list(AccessLogEntry.objects.filter(user=user).order_by("pk").values_list("pk", "record_ids"))
    assert stored == [(entry.pk, entry.record_ids) for entry in entries]
    assert all(entry.user_id == user.pk and not entry._state.adding for entry in entries)


def test_a_refused_copy_in_a_stream_is_raised_and_nothing_is_written(iom_officer):
    entries = [_entry(user=iom_officer, ids=[uuid.uuid4()])]

    with pytest.raises(IntegrityError), transaction.atomic(), CopyStream() as stream:
        stream.add([unsaved(User, username=iom_officer.username, role=User.Role.ADMIN)])  # taken: refused
        stream.add(entries)  # not run: the transaction was aborted

    assert AccessLogEntry.objects.count() == 0
    assert User.objects.filter(username=iom_officer.username).count() == 1
    assert not AccessLogEntry.objects.filter(pk=entries[0].pk).exists()  # keyed when sent, never written


def test_the_collector_is_paused_inside_and_as_it_was_after():
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collection_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # left off, as the caller had it
    finally:
        gc.enable()


def test_a_stream_checks_foreign_keys_as_it_writes_then_leaves_them_deferred_again(iom_officer):
    missing = User.objects.order_by("-pk").first().pk + 1000
    dangling = _entry(user=iom_officer, ids=[uuid.uuid4()])
    dangling.user_id = missing

    # Refused by the COPY itself (checked while the next rows are built), not later at the commit
    with pytest.raises(IntegrityError, match="user_id"), transaction.atomic(), CopyStream() as stream:
        stream.add([dangling])
        stream.wait()
    assert AccessLogEntry.objects.count() == 0

    # After a stream, a row may again point at one written later in the transaction
    with transaction.atomic():
        with CopyStream() as stream:
            stream.add([_entry(user=iom_officer, ids=[uuid.uuid4()])])
        later = _entry(user=iom_officer, ids=[uuid.uuid4()])
        later.user_id = missing
        rows_insert([later])
        User.objects.create(pk=missing, username="written.later", role=User.Role.ADMIN)
    assert AccessLogEntry.objects.filter(user_id=missing).count() == 1
    assert AccessLogEntry.objects.count() == 2


def test_a_query_sent_while_a_stream_writes_waits_for_its_rows():
    with transaction.atomic(), CopyStream() as stream:
        users = stream.add([unsaved(User, username=f"queued.{index}", role=User.Role.ADMIN) for index in range(50)])
        assert User.objects.filter(username__startswith="queued.").count() == 50
        assert sorted(user.pk for user in users) == list(
            User.objects.filter(username__startswith="queued.").order_by("pk").values_list("pk", flat=True)
        )


def test_rows_sent_to_a_stream_are_keyed_at_once_from_the_tables_sequences():
    users = [unsaved(User, username=f"keyed.{index}", role=User.Role.ADMIN) for index in range(3)]
    with transaction.atomic(), CopyStream() as stream:
        stream.add(users)
        keys = [user.pk for user in users]  # before any wait
        assert None not in keys and len(set(keys)) == 3
        entries = stream.add([_entry(user=user, ids=[uuid.uuid4()]) for user in users])
        assert [entry.user_id for entry in entries] == keys
    assert stream.keys_connection.connection is None  # the stream's own connection, closed at its end
    assert (
        list(User.objects.filter(username__startswith="keyed.").order_by("username").values_list("pk", flat=True))
        == keys
    )
    # The next rows of the table are keyed after them, whether from a stream or not
    later = User.objects.create(username="keyed.later", role=User.Role.ADMIN)
    assert later.pk > max(keys)


def test_a_stream_opened_inside_another_joins_it_and_its_end_waits_for_nothing(iom_officer):
    with transaction.atomic(), CopyStream() as outer:
        with CopyStream() as inner:
            entries = inner.add([_entry(user=iom_officer, ids=[uuid.uuid4()]) for _count in range(2)])
        assert inner.pending == [] and len(outer.pending) == 1  # still the outer's to write
        # An atomic inside the stream: its savepoint is made and released in turn, without waiting
        with transaction.atomic():
            more = outer.add([_entry(user=iom_officer, ids=[uuid.uuid4()])])
        assert len(outer.pending) == 4  # the COPY, the savepoint, the COPY, its release
        assert AccessLogEntry.objects.count() == 3  # a query waits for all of them
        assert outer.pending == []
    assert sorted(AccessLogEntry.objects.values_list("pk", flat=True)) == sorted(
        entry.pk for entry in [*entries, *more]
    )


def test_a_copy_refused_inside_a_joined_stream_is_raised_by_the_outer_and_nothing_is_written(iom_officer):
    with pytest.raises(IntegrityError), transaction.atomic(), CopyStream():
        with CopyStream() as inner:
            inner.add([_entry(user=iom_officer, ids=[uuid.uuid4()])])
            inner.add([unsaved(User, username=iom_officer.username, role=User.Role.ADMIN)])  # taken: refused
        with transaction.atomic():
            inner.add([_entry(user=iom_officer, ids=[uuid.uuid4()])])  # not run: the transaction was aborted
    assert AccessLogEntry.objects.count() == 0
    assert User.objects.filter(username=iom_officer.username).count() == 1


def test_a_stream_hands_pythons_lock_over_sooner_while_it_runs_and_as_before_after():
    before = sys.getswitchinterval()
    with transaction.atomic(), CopyStream():
        assert sys.getswitchinterval() == pytest.approx(0.0001)
        with CopyStream():
            pass
        assert sys.getswitchinterval() == pytest.approx(0.0001)
    assert sys.getswitchinterval() == before


def test_two_streams_on_two_threads_keep_the_quick_hand_over_until_the_last_ends_then_restore_it():
    # Stream A begins, then B; A ends while B still runs (two imports in one process's threads)
    before = sys.getswitchinterval()
    a_began, b_began, a_ended = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def stream_a():
        try:
            with transaction.atomic(), CopyStream():
                a_began.set()
                assert b_began.wait(10)
            a_ended.set()
        finally:
            connection.close()

    def stream_b():
        try:
            assert a_began.wait(10)
            with transaction.atomic(), CopyStream():
                b_began.set()
                assert a_ended.wait(10)
                seen["b after a ended"] = sys.getswitchinterval()
            seen["b ended"] = sys.getswitchinterval()
        finally:
            connection.close()

    threads = [threading.Thread(target=stream_a), threading.Thread(target=stream_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert seen == {"b after a ended": pytest.approx(0.0001), "b ended": before}
    assert sys.getswitchinterval() == before


def test_a_query_sent_in_a_stream_runs_after_the_rows_sent_before_it_while_the_caller_goes_on():
    with transaction.atomic(), CopyStream() as stream:
        stream.add([unsaved(User, username=f"asked.{index}", role=User.Role.ADMIN) for index in range(3)])
        rows = stream.query("SELECT count(*) FROM agencies_user WHERE username LIKE %s", ["asked.%"])
        stream.add([unsaved(User, username="asked.after", role=User.Role.ADMIN)])
        assert len(stream.pending) == 3  # nothing waited for: the COPY, the query, the COPY
        assert rows() == [(3,)]  # the rows sent before it, not the one after
        serials = stream.sequence_values("returns_household_number_seq", 2)
    assert serials[1] == serials[0] + 1
    assert User.objects.filter(username__startswith="asked.").count() == 4


def test_a_query_after_a_refused_copy_raises_the_copys_error(iom_officer):
    with pytest.raises(IntegrityError), transaction.atomic(), CopyStream() as stream:
        stream.add([unsaved(User, username=iom_officer.username, role=User.Role.ADMIN)])  # taken: refused
        rows = stream.query("SELECT 1", [])
        rows()
    assert User.objects.filter(username=iom_officer.username).count() == 1


def test_an_unsaved_rows_random_uuid_is_what_uuid4_gives():
    made = [unsaved(Household).public_id for _ in range(1000)] + [_uuid4() for _ in range(1000)]

    assert len(set(made)) == 2000
    for value in made:
        assert type(value) is uuid.UUID
        assert (value.version, value.variant, value.is_safe) == (4, uuid.RFC_4122, uuid.SafeUUID.unknown)
        assert uuid.UUID(str(value)) == value and hash(uuid.UUID(str(value))) == hash(value)
    # Every bit but the six of the version and variant comes from the randomness: each is seen both ways.
    seen_set = seen_clear = 0
    for value in made:
        seen_set |= value.int
        seen_clear |= ~value.int
    assert seen_set & _UUID4_KEPT == _UUID4_KEPT
    assert seen_clear & _UUID4_KEPT == _UUID4_KEPT


def test_a_forked_process_never_gives_out_the_random_bytes_its_parent_read():
    _randomness.take(16)  # a block read, most of it still to give out
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() in a process with threads
        child = os.fork()
    if child == 0:  # the child: its next bytes, to the parent
        try:
            os.write(write, _randomness.take(16))
        finally:
            os._exit(0)
    os.close(write)
    childs = os.read(read, 16)
    os.close(read)
    os.waitpid(child, 0)

    assert len(childs) == 16
    assert childs != _randomness.take(16)


def test_a_stream_takes_twice_as_many_keys_each_time_a_table_runs_out_up_to_the_most(monkeypatch):
    monkeypatch.setattr(CopyStream, "KEYS_BLOCK_MOST", 4096)
    block = CopyStream.KEYS_BLOCK
    with transaction.atomic(), CopyStream() as stream:
        left = []
        for sent, count in enumerate([1, block, 2 * block, 2 * block]):
            stream.add(
                [unsaved(User, username=f"block.{sent}.{index}", role=User.Role.ADMIN) for index in range(count)]
            )
            left.append(len(stream.keys[User]))
    # 1 row: a block taken; a block's rows: one more key needed, twice the block taken; then up to the most.
    assert left == [block - 1, 2 * block - 1, 4096 - 1, 4096 - 1]
    assert User.objects.filter(username__startswith="block.").count() == 1 + 5 * block


def _pending_pages_merged(index: str) -> int:
    """Merges ``index``'s pending list now; how many pages it held."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        return cursor.fetchone()[0]


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def test_rows_written_without_a_stream_leave_their_gin_entries_pending(iom_officer):
    # What the stream changes: a GIN index (the access log's records) takes new entries into its pending list.
    _pending_pages_merged("accesslog_records")
    with transaction.atomic():
        copy_insert([_entry(user=iom_officer, ids=[uuid.uuid4()]) for _count in range(3)])

    assert _pending_pages_merged("accesslog_records") == 1


def test_a_streams_gin_entries_wait_in_the_pending_list_until_its_commit_then_are_merged_at_once(
    iom_officer, django_capture_on_commit_callbacks
):
    _pending_pages_merged("accesslog_records")
    assert _setting("gin_pending_list_limit") == "4MB"

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with CopyStream() as stream:
            stream.add([_entry(user=iom_officer, ids=[uuid.uuid4()]) for _count in range(3)])
            assert _setting("gin_pending_list_limit") == "64MB"  # no merge while the stream writes
        assert _setting("gin_pending_list_limit") == "64MB"  # nor by what the transaction writes after it

    assert len(callbacks) == 1
    assert _pending_pages_merged("accesslog_records") == 0  # merged by the commit's callback
    assert AccessLogEntry.objects.filter(user=iom_officer).count() == 3


def test_a_stream_rolled_back_merges_nothing(iom_officer, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(IntegrityError),
        transaction.atomic(),
        CopyStream() as stream,
    ):
        stream.add([unsaved(User, username=iom_officer.username, role=User.Role.ADMIN)])  # taken: refused

    assert callbacks == []
    assert User.objects.filter(username=iom_officer.username).count() == 1


def test_a_merge_the_database_refuses_is_logged_and_the_writes_stand(iom_officer, caplog):
    with transaction.atomic():
        entries = copy_insert([_entry(user=iom_officer, ids=[uuid.uuid4()])])
        gin_pending_merge(["no_such_table"])  # the transaction goes on
        assert AccessLogEntry.objects.filter(pk=entries[0].pk).exists()

    assert "could not be merged" in caplog.text
    assert AccessLogEntry.objects.filter(pk=entries[0].pk).exists()

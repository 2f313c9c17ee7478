"""A partner's bulk sync: every household a key may see, as NDJSON that PostgreSQL writes.

The paged list (``HouseholdListCreateView``) serves 100 households a request and builds each answer
in Python; a partner mirroring millions waits on that (about 4,800 households/s). Here one query
writes each household as a line of JSON (``row_to_json`` of a row of its fields, the members, their
documents and specific needs aggregated beside it) and the view streams the lines a batch at a time, as the
bytes PostgreSQL sent: Python never touches a field. Two batches are written at once, each by a
thread on a connection of its own, while the one before is sent (``SyncLines._in_parallel``): the
server holds at most three batches.

The lines are the list's objects: the same keys, in the same order, with the same values (times in
Kabul time with their offset, as DRF writes them). The keys are taken from the serializer after
minimisation (``MinimisedFieldsMixin``), so a partner's line holds exactly the fields its
agreement shares; a serializer field this module does not know fails loudly (``UnknownField``)
rather than being sent wrong. ``tests/api/test_bulk_sync.py`` compares each line with the
serializer's answer.

The households are the API filter's (``household_api_filter``: the visibility gate, then
``updated_since`` and the other filters), oldest change first (``updated_at``, then ``id``), read a
batch at a time after the last one (no transaction held open while a slow client reads), so a sync
cut off half-way continues with ``updated_since=<updated_at of the last line received>``.
"""

import datetime
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg2.extensions
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, router, transaction
from django.db.models import F, QuerySet
from rest_framework.negotiation import DefaultContentNegotiation

from returns.models import Household, Member, MemberDocument, NeedCode

NDJSON = "application/x-ndjson"

# Households read a query at a time, and so written to the access log together.
BATCH = 5000
# Batches written by PostgreSQL at once (a connection each), while the one before is sent.
READERS = 2
# How long a reader's thread waits for the other to close their connections at the end of a stream.
CLOSE_WAIT_SECONDS = 60


class StreamNegotiation(DefaultContentNegotiation):
    """The export streams NDJSON whatever the client says it accepts (``Accept: application/x-ndjson``,
    ``application/json``, ``*/*``): no 406 to answer; a refusal goes out as JSON, as everywhere."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class UnknownField(LookupError):
    """A serializer field this module cannot write in SQL: add it here (the test says which)."""


def timestamp(column: str) -> str:
    """A timestamptz as DRF writes it, in the site's time zone (``TIME_ZONE``, Kabul): ISO 8601,
    microseconds only when there are some, then the offset (``Z`` for UTC). (The session's own time
    zone stays UTC: Django reads the times it returns as UTC.)"""
    zone = settings.TIME_ZONE.replace("'", "''")
    local = f"({column} AT TIME ZONE '{zone}')"
    offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
    return (
        f"to_char({local}, CASE WHEN mod(extract(microseconds FROM {column})::bigint, 1000000) = 0 "
        "THEN 'YYYY-MM-DD\"T\"HH24:MI:SS' ELSE 'YYYY-MM-DD\"T\"HH24:MI:SS.US' END) "
        f"|| CASE WHEN {offset} = interval '0' THEN 'Z' WHEN {offset} > interval '0' "
        f"THEN '+' || to_char({offset}, 'HH24:MI') ELSE to_char({offset}, 'HH24:MI') END"
    )


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _quote(model._meta.db_table)


def _column(model, name: str) -> str:
    return _quote(model._meta.get_field(name).column)


# The household's columns, read by the ORM (the gate, the filters and the joins are its own) as
# ``q``: its own columns by name, and the related codes under the names given here.
HOUSEHOLD_COLUMNS = [
    "id",
    "public_id",
    "registration_number",
    "arrival_date",
    "country_of_departure_id",
    "return_type_id",
    "destination_province_id",
    "destination_district_id",
    "phone",
    "category",
    "routing_version",
    "routing_reason",
    "flags",
    "routing_facts",
    "created_at",
    "updated_at",
]
RELATED_COLUMNS = {
    "office_code": F("office__code"),
    "agency_code": F("routed_agency__code"),
    "routing_rule_code": F("routing_rule__code"),
    "family_public_id": F("family__public_id"),
}

# Each answer key: the SQL that writes its value. Keys of the household and its routing read ``q``;
# a member's read ``m`` (the member), a document's ``d``.
HOUSEHOLD_SQL = {
    "id": "q.public_id",
    "registration_number": "q.registration_number",
    "arrival_date": "q.arrival_date",
    "office": "q.office_code",
    "country_of_departure": "q.country_of_departure_id",
    "return_type": "q.return_type_id",
    "destination_province": "q.destination_province_id",
    "destination_district": "q.destination_district_id",
    "phone": "q.phone",
    "agency": "q.agency_code",
    "category": "q.category",
    "created_at": timestamp("q.created_at"),
    "updated_at": timestamp("q.updated_at"),
}
ROUTING_SQL = {
    "rule": "q.routing_rule_code",
    "version": "q.routing_version",
    "reason": "q.routing_reason",
    "flags": "q.flags",
    "facts": "q.routing_facts",
    "family": "q.family_public_id",
}
MEMBER_SQL = {
    name: f"m.{_column(Member, source)}"
    for name, source in {
        "id": "public_id",
        "given_name": "given_name",
        "fathers_name": "fathers_name",
        "family_name": "family_name",
        "given_name_local": "given_name_local",
        "fathers_name_local": "fathers_name_local",
        "family_name_local": "family_name_local",
        "sex": "sex",
        "date_of_birth": "date_of_birth",
        "estimated_age": "estimated_age",
        "relationship": "relationship",
    }.items()
}
DOCUMENT_SQL = {
    name: f"d.{_column(MemberDocument, source)}"
    for name, source in {
        "document_type": "document_type",
        "number": "number",
        "issuing_country": "issuing_country",
        "expiry_date": "expiry_date",
    }.items()
}


def _fields(keys: list[str], sql: dict[str, str], extra: dict[str, str], where: str) -> str:
    """The select list of an object with ``keys``, each the SQL that writes its value named by the key:
    PostgreSQL writes the row as the object (``row_to_json``), in the list's order, the keys from the
    row's column names. (``json_build_object`` takes each key as an argument, converted to text and
    escaped at every call: an eighth of a line's time more.)"""
    parts = []
    for key in keys:
        expression = extra.get(key) or sql.get(key)
        if expression is None:
            raise UnknownField(f"{where}.{key}")
        parts.append(f"{expression} AS {_quote(key)}")
    return ", ".join(parts)


def _when_any(rows: str, array: str) -> str:
    """``array`` (a ``json_agg`` of ``rows``), or ``[]`` when ``rows`` has none: asking first whether there
    is any is a look in an index, where the aggregate and its sort are set up for each member; most
    members have no specific needs, a third no document (a fifth of a line's time)."""
    return f"CASE WHEN EXISTS (SELECT FROM {rows}) THEN ({array}) ELSE '[]' END"


def _row(keys: list[str], sql: dict[str, str], extra: dict[str, str], where: str, alias: str) -> str:
    """The object as a row ``alias`` of one ``LATERAL`` select: ``row_to_json({alias})`` writes it."""
    return f"CROSS JOIN LATERAL (SELECT {_fields(keys, sql, extra, where)}) {alias}"


def _object(keys: list[str], sql: dict[str, str], extra: dict[str, str], where: str) -> str:
    """A single object of the row being read (the household's routing, the household itself)."""
    return f"(SELECT row_to_json(o) FROM (SELECT {_fields(keys, sql, extra, where)}) o)"  # noqa: S608 - identifiers only


def _documents(keys: list[str]) -> str:
    document = _row(keys, DOCUMENT_SQL, {}, "documents", "dr")
    owned = f"WHERE d.{_column(MemberDocument, 'member')} = m.{_quote('id')}"
    return _when_any(
        f"{_table(MemberDocument)} d {owned}",
        f"SELECT json_agg(row_to_json(dr) ORDER BY d.{_quote('id')}) "  # noqa: S608 - identifiers only
        f"FROM {_table(MemberDocument)} d {document} {owned}",
    )


def _needs() -> str:
    through = Member.specific_needs.through
    owned = f"WHERE s.{_column(through, 'member')} = m.{_quote('id')}"
    return _when_any(
        f"{_quote(through._meta.db_table)} s {owned}",
        f"SELECT json_agg(n.{_quote('code')} ORDER BY n.{_quote('scheme')}, n.{_quote('code')}) "  # noqa: S608
        f"FROM {_quote(through._meta.db_table)} s JOIN {_table(NeedCode)} n "
        f"ON n.{_quote('id')} = s.{_column(through, 'needcode')} {owned}",
    )


def _members(fields) -> str:
    nested = {}
    keys = list(fields)
    if "documents" in fields:
        nested["documents"] = _documents(list(fields["documents"].child.fields))
    if "specific_needs" in fields:
        nested["specific_needs"] = _needs()
    member = _row(keys, MEMBER_SQL, nested, "members", "mr")
    return (
        f"(SELECT coalesce(json_agg(row_to_json(mr) ORDER BY m.{_quote('id')}), '[]') "  # noqa: S608 - identifiers only
        f"FROM {_table(Member)} m {member} WHERE m.{_column(Member, 'household')} = q.{_quote('id')})"
    )


def household_line_sql(serializer) -> str:
    """The JSON of a household (``q``) with the keys ``serializer`` (a ``HouseholdSerializer``,
    minimised for its request) gives, in its order."""
    fields = serializer.fields
    nested = {}
    if "routing" in fields:
        nested["routing"] = _object(list(fields["routing"].fields), ROUTING_SQL, {}, "routing")
    if "members" in fields:
        nested["members"] = _members(fields["members"].child.fields)
    return _object(list(fields), HOUSEHOLD_SQL, nested, "household")


@dataclass(frozen=True)
class SyncLines:
    """The statements that write the lines of ``queryset``'s households, a batch at a time."""

    sql: str | None  # None: the caller may see no household at all
    params: tuple
    # The same households' keys alone: where each batch ends, found before its lines are written.
    keys_sql: str | None = None
    keys_params: tuple = ()

    @classmethod
    def of(cls, queryset: QuerySet, serializer) -> "SyncLines":
        try:
            inner, params = queryset.order_by().values(*HOUSEHOLD_COLUMNS, **RELATED_COLUMNS).query.sql_with_params()
            keys, keys_params = queryset.order_by().values("updated_at", "id").query.sql_with_params()
        except EmptyResultSet:  # the gate's ``none()``: nothing to ask the database
            return cls(sql=None, params=())
        line = household_line_sql(serializer)
        # The ORM's query is a plain join: PostgreSQL pulls it up, so the condition on (updated_at, id)
        # and the order read the index of updated_at, a batch at a time. A batch is either the next
        # ``size`` households (``%s`` the limit) or those up to a key found first (the limit NULL).
        sql = (
            f"SELECT q.public_id, {line}::text, q.updated_at, q.id FROM ({inner}) q "  # noqa: S608 - the ORM's SQL, identifiers
            "WHERE (q.updated_at, q.id) > (%s, %s) AND (%s::timestamptz IS NULL OR (q.updated_at, q.id) <= (%s, %s)) "
            "ORDER BY q.updated_at, q.id LIMIT %s"
        )
        keys_sql = (
            f"SELECT q.updated_at, q.id FROM ({keys}) q WHERE (q.updated_at, q.id) > (%s, %s) "  # noqa: S608 - the ORM's SQL
            "ORDER BY q.updated_at, q.id OFFSET %s LIMIT 1"
        )
        return cls(sql=sql, params=tuple(params), keys_sql=keys_sql, keys_params=tuple(keys_params))

    def batches(self, *, size: int = BATCH) -> Iterator[list[tuple[str, bytes]]]:
        """The (public id, line as UTF-8) rows, ``size`` at a time, oldest change first. Each batch is a query of
        its own (keyset: after the last row's updated_at and id), so no transaction stays open while
        the client reads: a household changed meanwhile comes again, later in the stream.

        Two batches are written by PostgreSQL at once, each on a connection of its own, while the one
        before is logged and sent (``_in_parallel``): the database uses both cores instead of one."""
        if self.sql is None:
            return
        after = (datetime.datetime.min.replace(tzinfo=datetime.UTC), 0)
        database = router.db_for_read(Household)  # the replica, inside agencies.replica.replica_reads
        if connections[database].in_atomic_block:
            # Inside a transaction (a test's), another connection would not see its rows: one at a time.
            batches = self._one_by_one(database, size, after)
        else:
            batches = self._in_parallel(database, size, after)
        for rows in batches:
            yield [(public_id, line) for public_id, line, _updated_at, _id in rows]

    def _read(self, database: str, after: tuple, until: tuple | None, size: int | None) -> list[tuple]:
        """The lines after the key ``after``: up to the key ``until`` (a batch whose end was found), or the
        next ``size``."""
        until_at, until_id = until or (None, None)
        with transaction.atomic(using=database), connections[database].cursor() as cursor:
            # No JIT: compiling a plan the size of this one takes over a second, more than the batch.
            cursor.execute("SELECT set_config('jit', 'off', true)")
            # The lines as the bytes PostgreSQL sent, not decoded here to be encoded again for sending.
            psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor.cursor)
            cursor.execute(self.sql, (*self.params, *after, until_at, until_at, until_id, size))
            return cursor.fetchall()

    def _end_of_batch(self, database: str, after: tuple, size: int) -> tuple | None:
        """The key of the ``size``-th household after ``after`` (None: fewer are left)."""
        with connections[database].cursor() as cursor:
            cursor.execute(self.keys_sql, (*self.keys_params, *after, size - 1))
            row = cursor.fetchone()
        return tuple(row) if row else None

    def _one_by_one(self, database: str, size: int, after: tuple) -> Iterator[list[tuple]]:
        while rows := self._read(database, after, None, size):
            yield rows
            if len(rows) < size:
                return
            after = rows[-1][2], rows[-1][3]

    def _in_parallel(self, database: str, size: int, after: tuple) -> Iterator[list[tuple]]:
        """``_one_by_one``, with the batches' ends found first (a cheap read of keys), so that two
        batches are written at once by threads, each reading through a connection of its own, kept from
        batch to batch and closed at the end."""

        def read(after: tuple, until: tuple | None) -> list[tuple]:
            return self._read(database, after, until, None if until else size)

        def close(together: threading.Barrier) -> None:
            # Run once on each reader's thread (each waits for the other): the connection the thread kept
            # from batch to batch (a new one for each took a new backend its catalog and plans to set up).
            try:
                together.wait(timeout=CLOSE_WAIT_SECONDS)
            finally:
                connections[database].close()

        pool = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="bulk-sync")
        pending: deque = deque()  # (future, whether it is the open-ended last batch)
        ended = False
        try:
            while True:
                while not ended and len(pending) < READERS:
                    until = self._end_of_batch(database, after, size)
                    pending.append((pool.submit(read, after, until), until is None))
                    if until is None:
                        ended = True  # the rest: fewer than a batch, unless households changed meanwhile
                    else:
                        after = until
                if not pending:
                    return
                future, last = pending.popleft()
                rows = future.result()
                if rows:
                    yield rows
                if last and len(rows) == size:
                    # Households changed while the stream ran: read on after the last one sent.
                    after, ended = (rows[-1][2], rows[-1][3]), False
        finally:
            for future, _last in pending:
                future.cancel()
            together = threading.Barrier(READERS)
            for _reader in range(READERS):
                pool.submit(close, together)
            pool.shutdown(wait=True)

"""A partner's bulk sync: every household a key may see, as NDJSON that PostgreSQL writes.

The paged list (``HouseholdListCreateView``) serves 100 households a request and builds each answer
in Python; a partner mirroring millions waits on that (about 4,800 households/s). Here one query
writes each household as a line of JSON (``json_build_object``, the members, their documents and
specific needs aggregated beside it) and the view streams the lines as the database produces them,
through a server-side cursor: the server never holds more than a batch, and Python never touches a
field.

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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, router, transaction
from django.db.models import F, QuerySet
from rest_framework.negotiation import DefaultContentNegotiation

from returns.models import Household, Member, MemberDocument, NeedCode

NDJSON = "application/x-ndjson"

# Households read a query at a time, and so written to the access log together.
BATCH = 2000


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


def _object(keys: list[str], sql: dict[str, str], extra: dict[str, str], where: str) -> str:
    parts = []
    for key in keys:
        expression = extra.get(key) or sql.get(key)
        if expression is None:
            raise UnknownField(f"{where}.{key}")
        parts.append(f"'{key}', {expression}")
    return f"json_build_object({', '.join(parts)})"


def _documents(keys: list[str]) -> str:
    document = _object(keys, DOCUMENT_SQL, {}, "documents")
    return (
        f"(SELECT coalesce(json_agg({document} ORDER BY d.{_quote('id')}), '[]') "  # noqa: S608 - identifiers only
        f"FROM {_table(MemberDocument)} d WHERE d.{_column(MemberDocument, 'member')} = m.{_quote('id')})"
    )


def _needs() -> str:
    through = Member.specific_needs.through
    return (
        f"(SELECT coalesce(json_agg(n.{_quote('code')} ORDER BY n.{_quote('scheme')}, n.{_quote('code')}), '[]') "  # noqa: S608
        f"FROM {_quote(through._meta.db_table)} s JOIN {_table(NeedCode)} n "
        f"ON n.{_quote('id')} = s.{_column(through, 'needcode')} "
        f"WHERE s.{_column(through, 'member')} = m.{_quote('id')})"
    )


def _members(fields) -> str:
    nested = {}
    keys = list(fields)
    if "documents" in fields:
        nested["documents"] = _documents(list(fields["documents"].child.fields))
    if "specific_needs" in fields:
        nested["specific_needs"] = _needs()
    member = _object(keys, MEMBER_SQL, nested, "members")
    return (
        f"(SELECT coalesce(json_agg({member} ORDER BY m.{_quote('id')}), '[]') "  # noqa: S608 - identifiers only
        f"FROM {_table(Member)} m WHERE m.{_column(Member, 'household')} = q.{_quote('id')})"
    )


def household_line_sql(serializer) -> str:
    """The ``json_build_object`` of a household (``q``) with the keys ``serializer`` (a
    ``HouseholdSerializer``, minimised for its request) gives, in its order."""
    fields = serializer.fields
    nested = {}
    if "routing" in fields:
        nested["routing"] = _object(list(fields["routing"].fields), ROUTING_SQL, {}, "routing")
    if "members" in fields:
        nested["members"] = _members(fields["members"].child.fields)
    return _object(list(fields), HOUSEHOLD_SQL, nested, "household")


@dataclass(frozen=True)
class SyncLines:
    """The statement that writes the lines of ``queryset``'s households, a batch at a time."""

    sql: str | None  # None: the caller may see no household at all
    params: tuple

    @classmethod
    def of(cls, queryset: QuerySet, serializer) -> "SyncLines":
        try:
            inner, params = queryset.order_by().values(*HOUSEHOLD_COLUMNS, **RELATED_COLUMNS).query.sql_with_params()
        except EmptyResultSet:  # the gate's ``none()``: nothing to ask the database
            return cls(sql=None, params=())
        line = household_line_sql(serializer)
        # The ORM's query is a plain join: PostgreSQL pulls it up, so the condition on (updated_at, id)
        # and the order read the index household_updated, a batch at a time.
        sql = (
            f"SELECT q.public_id, {line}::text, q.updated_at, q.id FROM ({inner}) q "  # noqa: S608 - the ORM's SQL, identifiers
            "WHERE (q.updated_at, q.id) > (%s, %s) ORDER BY q.updated_at, q.id LIMIT %s"
        )
        return cls(sql=sql, params=tuple(params))

    def batches(self, *, size: int = BATCH) -> Iterator[list[tuple[str, str]]]:
        """The (public id, line) rows, ``size`` at a time, oldest change first. Each batch is a query of
        its own (keyset: after the last row's updated_at and id), so no transaction stays open while
        the client reads: a household changed meanwhile comes again, later in the stream.

        The next batch is written by PostgreSQL while this one is logged and sent (``_ahead``): the
        database and the sending each keep a core busy instead of waiting on the other."""
        if self.sql is None:
            return
        after = (datetime.datetime.min.replace(tzinfo=datetime.UTC), 0)
        database = router.db_for_read(Household)  # the replica, inside agencies.replica.replica_reads
        if connections[database].in_atomic_block:
            # Inside a transaction (a test's), another connection would not see its rows: one at a time.
            batches = _one_by_one(self._read, database, size, after)
        else:
            batches = _ahead(self._read, database, size, after)
        for rows in batches:
            yield [(public_id, line) for public_id, line, _updated_at, _id in rows]

    def _read(self, database: str, size: int, after: tuple) -> list[tuple]:
        with transaction.atomic(using=database), connections[database].cursor() as cursor:
            # No JIT: compiling a plan the size of this one takes over a second, more than the batch.
            cursor.execute("SELECT set_config('jit', 'off', true)")
            cursor.execute(self.sql, (*self.params, *after, size))
            return cursor.fetchall()


def _one_by_one(read, database: str, size: int, after: tuple) -> Iterator[list[tuple]]:
    while rows := read(database, size, after):
        yield rows
        if len(rows) < size:
            return
        after = rows[-1][2], rows[-1][3]


def _ahead(read, database: str, size: int, after: tuple) -> Iterator[list[tuple]]:
    """``_one_by_one``, each batch read by a thread with a connection of its own while the caller
    handles the batch before."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-sync")
    try:
        pending = pool.submit(read, database, size, after)
        while rows := pending.result():
            if len(rows) < size:
                yield rows
                return
            pending = pool.submit(read, database, size, (rows[-1][2], rows[-1][3]))
            yield rows
    finally:
        # The thread's connection is closed by its last task, after any read still running (a stream
        # the client cut off half-way included).
        pool.submit(lambda: connections[database].close()).result()
        pool.shutdown(wait=True)

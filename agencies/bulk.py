"""Inserting rows without building Django's INSERT statement each time.

``copy_insert``: many rows with PostgreSQL's COPY, what an import of thousands of households writes.
``rows_insert``: the few rows of one request (a household of five, its case, its log line) in one
INSERT whose text is built once per model and number of rows.

``bulk_create`` builds one INSERT with a parameter per value; for tens of thousands of rows most of
the time goes into building that statement in Python. ``copy_insert`` takes the same unsaved model
instances, gives them their primary keys from the table's sequence (one query), and streams their
values as CSV into ``COPY``: the rows, their defaults and the database's constraints and triggers
are the same as an INSERT's.
"""

import csv
import datetime
import gc
import io
import json
import logging
import operator
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial

from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models import Model
from django.db.models.base import ModelState
from django.utils import timezone

logger = logging.getLogger(__name__)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while bulk work (an import) builds hundreds of thousands of
    objects that stay alive until it ends: the collector went through them again and again, for a
    quarter of an import's Python time, and found nothing to free (its rows hold no cycles). It runs
    again afterwards, as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def copy_insert(objects: Sequence[Model], *, database=None) -> Sequence[Model]:
    """Insert these unsaved instances of one model with COPY; each gets its primary key. Returns them.

    ``database``: the connection (a ``DatabaseWrapper``) to write on; the current thread's by default."""
    if not objects:
        return objects
    database = database or connections[connection.alias]  # the connection itself, not its per-thread proxy
    meta = type(objects[0])._meta
    with database.cursor() as cursor:
        _keys_give(objects, _keys_taken(cursor, meta, len(objects)))
    plan, text = _copy_text(objects, database)
    _copy_send(database, plan, text)
    return objects


def _keys_taken(cursor, meta, count: int) -> list[int]:
    """``count`` keys from the table's sequence, in one query."""
    # The sequence found once, not for each key (that lookup took nine times as long as the keys).
    cursor.execute(
        "WITH found AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence) "
        "SELECT nextval(found.sequence) FROM found, generate_series(1, %s)",
        [meta.db_table, meta.pk.column, count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def _keys_give(objects: Sequence[Model], keys: Sequence[int]) -> None:
    meta = type(objects[0])._meta
    if meta.parents:  # a child of a concrete model: the key is its parent's too
        for instance, pk in zip(objects, keys, strict=True):
            instance.pk = pk
    else:
        pk_attname = meta.pk.attname
        for instance, pk in zip(objects, keys, strict=True):
            instance.__dict__[pk_attname] = pk


def _copy_text(objects: Sequence[Model], database) -> tuple["_CopyPlan", str]:
    """The rows of these instances (keyed, their related rows keyed) as COPY's CSV, each instance marked
    saved on ``database``."""
    plan = _copy_plan(type(objects[0]))
    # Written on save: the same moment for every row of the call, as one INSERT of them all would have it.
    now = timezone.now()
    for attname in plan.stamped:
        for instance in objects:
            instance.__dict__[attname] = now
    for field in plan.foreign:
        attname = field.attname
        for instance in objects:
            if instance.__dict__.get(attname) is None and field.is_cached(instance):
                # Assigned before its row had a key: read it now, as bulk_create's _prepare_related_fields_for_save.
                related = getattr(instance, field.name)
                instance.__dict__[attname] = related.pk if related is not None else None
    buffer = io.StringIO()
    # Every value quoted but NULL, which COPY's CSV format reads as an empty unquoted field. The values
    # written as they are (``_copy_plan``) are turned into text by the writer, in C.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n")
    if plan.computed:
        read = plan.read
        adapted = [_adapted(field, database) for field in plan.computed]
        writer.writerows((*read(vars(instance)), *[write(instance) for write in adapted]) for instance in objects)
    else:
        writer.writerows(map(plan.read, map(vars, objects)))
    alias = database.alias
    for instance in objects:
        state = instance._state
        state.adding = False
        state.db = alias
    return plan, buffer.getvalue()


def _adapted(field: models.Field, database) -> Callable[[Model], str | None]:
    """How a computed field's value is written: as the field adapts it for an INSERT, but for an empty
    value (NULL, whatever the field) and a JSON field's plain value (its text, as the adapter writes it:
    ``json.dumps`` when the field has no encoder of its own), which a row of an import has by the
    hundred thousand."""
    attname = field.attname

    def adapted(instance: Model) -> str | None:
        return _text(field.get_db_prep_save(field.pre_save(instance, add=True), database))

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return adapted
    plain_json = isinstance(field, models.JSONField) and field.encoder is None

    def written(instance: Model) -> str | None:
        value = instance.__dict__[attname]
        if value is None:
            return None
        if plain_json and type(value) in JSON_PLAIN:
            return json.dumps(value)
        return adapted(instance)

    return written


# Values a JSON field writes as ``json.dumps`` gives them.
JSON_PLAIN = frozenset({dict, list, str, int, float, bool})


def _copy_send(database, plan: "_CopyPlan", text: str) -> None:
    # Refused as an INSERT is, as Django's errors (IntegrityError...): the cursor wraps its queries', not COPY's.
    with database.cursor() as cursor, database.wrap_database_errors:
        # Read in one piece: psycopg2 reads 8 kB at a time otherwise, each read waiting for Python's lock
        # while the caller builds rows on the other thread (``CopyStream``).
        cursor.copy_expert(
            f"COPY {plan.table} ({plan.columns}) FROM STDIN WITH (FORMAT csv)", io.StringIO(text), max(len(text), 8192)
        )


# Seconds a thread holds Python's lock while another waits for it, while a ``CopyStream`` runs.
SWITCH_INTERVAL = 0.0001


class _QuickSwitching:
    """``sys.setswitchinterval(SWITCH_INTERVAL)`` while any stream of the process runs, the interval found
    before the first restored when the last ends: the interval is the process's, and two streams on
    different threads may begin and end in any order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.before = sys.getswitchinterval()

    def __enter__(self) -> None:
        with self.lock:
            if not self.running:
                self.before = sys.getswitchinterval()
                sys.setswitchinterval(SWITCH_INTERVAL)
            self.running += 1

    def __exit__(self, *_exc) -> None:
        with self.lock:
            self.running -= 1
            if not self.running:
                sys.setswitchinterval(self.before)


_quick_switching = _QuickSwitching()
# Django's savepoint statements (``DatabaseOperations.savepoint_create_sql``, ``savepoint_commit_sql``).
# A GIN index's pending list, while a stream's transaction runs: an import of 100,000 people fills about 33 MB.
GIN_PENDING_WHILE_STREAMING = "64MB"

SAVEPOINT_STATEMENTS = ("SAVEPOINT ", "RELEASE SAVEPOINT ")


class CopyStream:
    """Rows COPYed on a thread of their own, on the caller's connection and in its transaction: the
    caller goes on building the next rows while PostgreSQL writes these (fills the indexes, checks the
    constraints). An import spent as long waiting for PostgreSQL as building its rows.

    ``add`` gives the rows their keys and writes them as COPY's text at once, in the caller's thread
    (the keys come from the tables' sequences, taken a block at a time on a connection of the
    stream's own, so that taking them never waits for the COPYs); the thread only sends the text. The
    COPYs run one after another, in the order sent, so a row's related row is written before it when
    sent before it. A query the caller sends meanwhile first waits for them (one connection runs one
    thing at a time). The first COPY that fails is raised by ``wait`` (or that query, or the end of
    the ``with``); those sent after it are not run (the transaction is aborted). Commit or roll back
    only after the ``with``: put it inside the transaction's ``atomic``.

    A stream opened while another is open on the same connection and thread joins it: its rows go to
    the outer stream, and its end waits for nothing. An import opens one around all its households, so
    that PostgreSQL writes one chunk's rows while the next chunk is checked.

    The foreign keys (deferred to the commit, as Django makes them) are checked by each COPY while the
    stream runs, so that PostgreSQL checks them while Python builds rows, not all at the end; they
    are deferred again once it ends.
    """

    # Keys taken from a sequence at once: at least this many (the rest are used by the next rows), twice as
    # many each time a table's run out, up to the most (an import's tables take keys a few times, not
    # dozens; a chunk of a few rows leaves few unused).
    KEYS_BLOCK = 2048
    KEYS_BLOCK_MOST = 32768

    def __init__(self, using: str | None = None):
        self.database = connections[using or connection.alias]
        self.pending: list[Future] = []
        self.failed = False
        self.executor: ThreadPoolExecutor | None = None
        self.outer: CopyStream | None = None
        self.keys: dict[type[Model], list[int]] = {}
        self.blocks: dict[type[Model], int] = {}
        self.keys_connection = None

    def __enter__(self) -> "CopyStream":
        outer = getattr(self.database, "copy_stream", None)
        if outer is not None and outer.owner == threading.get_ident():
            self.outer = outer
            return self
        self.database.ensure_connection()
        with self.database.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Until the transaction ends: the GIN indexes' new entries wait in their pending lists, merged
            # all at once after the commit (``gin_pending_merge``), not 4 MB at a time by the COPYs.
            cursor.execute(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING_WHILE_STREAMING}'")
        # The thread wants Python's lock back after each COPY (psycopg2 lets go of it while PostgreSQL
        # works); by default it waits up to 5 ms for the caller, busy building rows, to hand it over:
        # PostgreSQL sat idle for a third of an import. Handed over sooner while the stream runs.
        _quick_switching.__enter__()
        self.database.inc_thread_sharing()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-stream")
        self.owner = threading.get_ident()
        self.database.execute_wrappers.append(self._guard)
        self.database.copy_stream = self
        return self

    def _guard(self, execute, sql, params, many, context):
        """A query the caller sends while COPYs are pending waits for them: one connection, one query at once.
        A savepoint made or released (an ``atomic`` inside the stream's) has no answer to wait for: it is
        sent after them, in turn, and the caller goes on."""
        if self.pending and threading.get_ident() == self.owner:
            if params is None and sql.startswith(SAVEPOINT_STATEMENTS):
                self.pending.append(self.executor.submit(self._execute, sql))
                return None
            self.wait()
        return execute(sql, params, many, context)

    def _execute(self, sql: str) -> None:
        self._in_turn(self._statement_run, sql)

    def _statement_run(self, sql: str) -> None:
        with self.database.cursor() as cursor:
            cursor.execute(sql)

    def add(self, objects: Sequence[Model]) -> Sequence[Model]:
        """Key these unsaved instances of one model and send them to be COPYed; returns them."""
        if self.outer is not None:
            return self.outer.add(objects)
        if objects:
            _keys_give(objects, self._keys_taken(type(objects[0]), len(objects)))
            plan, text = _copy_text(objects, self.database)
            self.pending.append(self.executor.submit(self._send, plan, text))
        return objects

    def query(self, sql: str, params: Sequence) -> Callable[[], list[tuple]]:
        """Run this query after what was sent before it, on the stream's thread, while the caller goes on
        (a check whose answer is needed only before the rows sent meanwhile are kept). Returns the
        function that gives its rows: it waits for them, and raises the first failure of what was
        sent before the query."""
        if self.outer is not None:
            return self.outer.query(sql, params)
        before = list(self.pending)
        future = self.executor.submit(self._in_turn, self._rows_fetched, sql, params)
        self.pending.append(future)

        def rows() -> list[tuple]:
            for earlier in before:
                earlier.result()
            return future.result()

        return rows

    def _rows_fetched(self, sql: str, params: Sequence) -> list[tuple]:
        with self.database.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def sequence_values(self, sequence: str, count: int) -> list[int]:
        """The next ``count`` values of a sequence, taken on the stream's own connection: at once."""
        if self.outer is not None:
            return self.outer.sequence_values(sequence, count)
        with self._own_connection().cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
            return [value for (value,) in cursor.fetchall()]

    def _own_connection(self):
        if self.keys_connection is None:
            # Sequences are outside transactions: values taken on another connection are as good.
            self.keys_connection = connections.create_connection(self.database.alias)
        return self.keys_connection

    def _keys_taken(self, model: type[Model], count: int) -> list[int]:
        keys = self.keys.setdefault(model, [])
        if len(keys) < count:
            block = self.blocks.get(model, self.KEYS_BLOCK)
            self.blocks[model] = min(block * 2, self.KEYS_BLOCK_MOST)
            with self._own_connection().cursor() as cursor:
                keys += _keys_taken(cursor, model._meta, max(count - len(keys), block))
        taken = keys[:count]
        del keys[:count]
        return taken

    def _send(self, plan: "_CopyPlan", text: str) -> None:
        self._in_turn(_copy_send, self.database, plan, text)

    def _in_turn(self, run, *args):
        """On the stream's thread: one thing sent, unless one sent before it failed."""
        if self.failed:
            return None
        try:
            return run(*args)
        except BaseException:
            self.failed = True
            raise

    def wait(self) -> None:
        """Every COPY sent so far written; raises the first that failed."""
        if self.outer is not None:
            return self.outer.wait()
        pending, self.pending = self.pending, []
        for future in pending:
            future.result()

    def __exit__(self, exc_type, exc, traceback) -> None:
        if self.outer is not None:
            return
        try:
            if exc_type is None:
                self.wait()
            else:
                futures_wait(self.pending)  # the error being raised is the one to report
        finally:
            _quick_switching.__exit__()
            self.database.copy_stream = None
            self.executor.shutdown(wait=True)
            self.database.dec_thread_sharing()
            self.database.execute_wrappers.remove(self._guard)
            if self.keys_connection is not None:
                self.keys_connection.close()
        if exc_type is None and not self.failed:
            with self.database.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            written = [model._meta.db_table for model in self.keys]
            transaction.on_commit(
                partial(gin_pending_merge, written, using=self.database.alias), using=self.database.alias
            )


def gin_pending_merge(tables: Sequence[str], *, using: str | None = None) -> None:
    """Merge the entries waiting in the pending lists of these tables' GIN indexes (the members' name
    search, the access log's records) into the indexes, in one pass (``gin_clean_pending_list``).

    A GIN index takes new entries into a pending list, and the writer whose entry takes the list past
    ``gin_pending_list_limit`` (4 MB) merges it; a stream raises the limit for its transaction, so its
    COPYs only append, and this merges everything once it has committed: for an import of 100,000
    people, 0.1 s instead of half a second of merges 4 MB at a time inside the import. A search reads
    the pending list in full, so it is merged at once rather than left to autovacuum.

    Only the indexes' owner may merge: for another role the error is logged, and the entries wait for
    autovacuum or the next writer past the limit (searches stay right, a little slower meanwhile)."""
    if not tables:
        return
    using = using or connection.alias
    try:
        # In a savepoint of its own when called inside a transaction: a refusal leaves that transaction usable.
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'gin' AND i.indrelid = ANY(%s::regclass[])",
                [list(tables)],
            )
    except DatabaseError:
        logger.warning("The GIN indexes of %s could not be merged after a bulk write", ", ".join(tables), exc_info=True)


@dataclass(frozen=True)
class _CopyPlan:
    table: str
    columns: str  # the COPY's column list: the fields written as they are, then the computed ones
    read: Callable[[dict], tuple]  # the values written as they are, as a tuple, from an instance's __dict__
    computed: list[models.Field]  # the fields whose value Django adapts (JSON, arrays...)
    stamped: list[str]  # the attnames given the moment of the save (auto_now, auto_now_add)
    foreign: list[models.ForeignKey]


@cache
def _copy_plan(model) -> _CopyPlan:
    """How ``copy_insert`` writes a row of ``model``. A value whose text, as Python writes it, is what
    PostgreSQL reads (a string, a number, a date, a UUID, a boolean's True/False, a key) is written as it is;
    the others go through the field's own adaptation, as an INSERT's would."""
    meta = model._meta
    quote = connection.ops.quote_name
    plain, computed, stamped = [], [], []
    for field in meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            stamped.append(field.attname)
            plain.append(field)
        elif type(field) in AS_WRITTEN or isinstance(field, models.ForeignKey):
            plain.append(field)
        else:
            computed.append(field)
    # Read from the instance's attributes themselves: a key's attribute (``household_id``) is a descriptor
    # that Python calls on each read, for every key of every row.
    getter = operator.itemgetter(*[field.attname for field in plain])
    return _CopyPlan(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in plain + computed),
        read=getter if len(plain) > 1 else lambda attributes: (getter(attributes),),
        computed=computed,
        stamped=stamped,
        foreign=[field for field in plain if isinstance(field, models.ForeignKey)],
    )


# Fields (these exact classes: a subclass may adapt its value) whose value COPY reads from Python's text of it.
AS_WRITTEN = frozenset(
    {
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField,
        models.BooleanField,
        models.DateField,
        models.UUIDField,
        models.AutoField,
        models.BigAutoField,
        models.SmallAutoField,
    }
)


def unsaved(model: type[Model], /, **values) -> Model:
    """``model(**values)`` for rows written in bulk (``copy_insert``, ``InsertBatch``): the same unsaved
    instance, its defaults and related rows as Django's constructor sets them, without its walk through
    every field and the database router for each related row (a fifth of an import's time).

    ``values`` by field name: a related row by its field's name (cached, as assigning it does), or its
    key by the field's attname. No ``pre_init`` or ``post_init`` signal (nothing here listens to them)."""
    plan = _unsaved_plan(model)
    if not values.keys() <= plan.known:
        unknown = next(name for name in values if name not in plan.known)
        raise TypeError(f"{model.__name__}() got an unexpected keyword argument {unknown!r}")
    instance = object.__new__(model)
    instance._state = state = ModelState()
    attributes = instance.__dict__
    attributes.update(plan.constants)
    for attname, default in plan.made:
        attributes[attname] = default()
    # At once: a field's name is its attname, but for a related row's field, set apart below.
    attributes.update(values)
    for name, field in plan.foreign:
        if name not in values:
            continue
        value = attributes.pop(name)
        attributes[field.attname] = None if value is None else value.pk
        state.fields_cache[field.cache_name] = value  # cached, as assigning it does
        if value is not None and not field.remote_field.multiple:
            field.remote_field.set_cached_value(value, instance)  # one-to-one: the other way too
    return instance


@dataclass(frozen=True)
class _UnsavedPlan:
    constants: dict  # attname -> a default that is a value
    made: list  # (attname, the callable that makes its default)
    known: frozenset  # the names a value may be given by: each field's attname, and a relation's name
    foreign: tuple  # (name, field) of each relation, set by its related row


@cache
def _unsaved_plan(model) -> _UnsavedPlan:
    constants, made, known, foreign = {}, [], set(), []
    for field in model._meta.concrete_fields:
        if getattr(field, "generated", False):
            continue
        if field.has_default() and callable(field.default):
            made.append((field.attname, _uuid4 if field.default is uuid.uuid4 else field.default))
        else:
            constants[field.attname] = field.get_default()
        known.add(field.attname)
        if field.is_relation:
            known.add(field.name)
            foreign.append((field.name, field))
    return _UnsavedPlan(constants=constants, made=made, known=frozenset(known), foreign=tuple(foreign))


def _uuid4() -> uuid.UUID:
    """The value ``uuid.uuid4()`` gives (16 bytes of the system's randomness, version 4 and the RFC 4122
    variant set in them), made as the ``uuid`` module makes a UUID it knows valid, without the checks of
    ``UUID.__init__``, and from randomness read a block at a time (``_Randomness``): a public key for each
    of an import's hundred thousand people took a twentieth of its Python time."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", int.from_bytes(_randomness.take(16)) & _UUID4_KEPT | _UUID4_SET)
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made


# The bits of a random UUID that version 4 sets (its version and variant), as ``UUID(version=4)`` does.
_UUID4_SET = (0x8000 << 48) | (4 << 76)
_UUID4_KEPT = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)


class _Randomness(threading.local):
    """The system's randomness (``os.urandom``) read 4 kB at a time: each read is a system call, which took
    as long as making the UUID. Each byte is given out once; each thread reads its own, and a process
    forked (a worker) starts afresh, never giving out its parent's bytes again."""

    BLOCK = 4096
    block = b""
    at = 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.block):
            self.block = os.urandom(self.BLOCK)
            self.at = 0
        start = self.at
        self.at = start + size
        return self.block[start : self.at]

    def forget(self) -> None:
        self.block = b""
        self.at = 0


_randomness = _Randomness()
os.register_at_fork(after_in_child=_randomness.forget)


def rows_insert(objects: Sequence[Model]) -> Sequence[Model]:
    """Insert these unsaved instances of one model in one ``INSERT ... RETURNING``, as ``bulk_create``
    does (same columns and values, no signals), each getting its primary key. Returns them.

    ``bulk_create`` compiles its statement anew on every call: for the seven small inserts of one
    registration that cost more Python time than PostgreSQL took to run them (``make bench``, part b).
    """
    if not objects:
        return objects
    model = type(objects[0])
    _fields, readers, returning = _insert_plan(model)
    values = []
    for instance in objects:
        values += [read(instance) for read in readers]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, len(objects)), values)
        if returning:
            for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                instance.pk = pk
    for instance in objects:
        instance._state.adding = False
        instance._state.db = connection.alias
    return objects


class InsertBatch:
    """Rows of several models written together in two round trips: one query gives every row its primary
    key (from each table's sequence), then one message carries an INSERT per model.

    One registration writes a household, its members, their documents and needs, its first event,
    case and case event: seven INSERTs, each waiting for the one before. Rows are added in any order
    of dependence (a member pointing at its unsaved household): the foreign keys are read when the
    batch is written, once every row has its key. No signals, as ``bulk_create``.
    """

    def __init__(self):
        self.groups: list[Sequence[Model]] = []

    def add(self, objects: Sequence[Model]) -> Sequence[Model]:
        """Write these unsaved instances of one model with the batch; returns them."""
        if objects:
            self.groups.append(objects)
        return objects

    def __enter__(self) -> "InsertBatch":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.write()

    def write(self) -> None:
        """Give every row its key, then insert them all, in the order they were added."""
        if not self.groups:
            return
        keyed = [objects for objects in self.groups if _insert_plan(type(objects[0]))[2]]
        if keyed:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT "  # noqa: S608 - placeholders only
                    + ", ".join(
                        ["ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"]
                        * len(keyed)
                    ),
                    [
                        value
                        for objects in keyed
                        for value in (objects[0]._meta.db_table, objects[0]._meta.pk.column, len(objects))
                    ],
                )
                for objects, keys in zip(keyed, cursor.fetchone(), strict=True):
                    for instance, pk in zip(objects, keys, strict=True):
                        instance.pk = pk
        statements, values = [], []
        for objects in self.groups:
            model = type(objects[0])
            _fields, readers, keyed_here = _insert_plan(model)
            if keyed_here:
                readers = [_key, *readers]
            statements.append(_insert_sql(model, len(objects), with_key=keyed_here))
            for instance in objects:
                values += [read(instance) for read in readers]
        with connection.cursor() as cursor:
            cursor.execute(";\n".join(statements), values)
        for objects in self.groups:
            for instance in objects:
                instance._state.adding = False
                instance._state.db = connection.alias
        self.groups = []


def _key(instance):
    return instance.pk


@cache
def _insert_plan(model) -> tuple[list[models.Field], list, bool]:
    """The columns an INSERT of ``model`` writes, how to read each value, and whether the database gives
    the primary key (an auto-incremented one is left out and read back)."""
    meta = model._meta
    returning = isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    fields = [
        field
        for field in meta.concrete_fields
        if not (returning and field.primary_key) and not getattr(field, "generated", False)
    ]
    return fields, [_value_reader(field) for field in fields], returning


@cache
def _insert_sql(model, rows: int, *, with_key: bool = False) -> str:
    """``INSERT ... VALUES`` of ``rows`` rows: with their keys (``with_key``), else returning the keys the
    database gives them."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields, _readers, returning = _insert_plan(model)
    if with_key:
        fields = [meta.pk, *fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([row] * rows)}"
    )
    return f"{sql} RETURNING {quote(meta.pk.column)}" if returning and not with_key else sql


def _value_reader(field: models.Field):
    """How to read the field's value from an instance, as ``bulk_create`` sends it."""
    if isinstance(field, models.ForeignKey):
        attname, name = field.attname, field.name

        def foreign_key(instance):
            value = getattr(instance, attname)
            if value is None and field.is_cached(instance):
                # Assigned before its row had a key: read it now, as bulk_create's _prepare_related_fields_for_save.
                related = getattr(instance, name)
                value = related.pk if related is not None else None
                instance.__dict__[attname] = value  # not setattr: that would forget the related row
            return value

        return foreign_key
    plain = isinstance(field, PLAIN_FIELDS) and not isinstance(field, models.DateTimeField)
    if plain and not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False):
        attname = field.attname
        return lambda instance: getattr(instance, attname)
    return lambda instance: field.get_db_prep_save(field.pre_save(instance, add=True), connection)


# Fields whose value an INSERT sends as it is on the instance (no default computed at save, no adapter).
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.BooleanField,
    models.DateField,
    models.ForeignKey,
    models.AutoField,
    models.BigAutoField,
)


def _text(value) -> str | None:
    """A value as an INSERT would send it, written as COPY reads it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if hasattr(value, "adapted") and hasattr(value, "dumps"):  # JSON (psycopg2's Json)
        return value.dumps(value.adapted)
    if isinstance(value, list | tuple):  # an array
        return "{" + ",".join(_array_item(item) for item in value) + "}"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _array_item(item) -> str:
    if item is None:
        return "NULL"
    text = str(item).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'

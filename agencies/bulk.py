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
import io
from collections.abc import Sequence
from functools import cache

from django.db import connection, connections, models
from django.db.models import Model


def copy_insert(objects: Sequence[Model]) -> Sequence[Model]:
    """Insert these unsaved instances of one model with COPY; each gets its primary key. Returns them."""
    if not objects:
        return objects
    meta = type(objects[0])._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            instance.pk = pk
    fields = list(meta.concrete_fields)
    database = connections[connection.alias]  # the connection itself, not its per-thread proxy
    readers = [_reader(field, database) for field in fields]
    buffer = io.StringIO()
    # Every value quoted but NULL, which COPY's CSV format reads as an empty unquoted field.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n")
    for instance in objects:
        writer.writerow([read(instance) for read in readers])
    buffer.seek(0)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
    for instance in objects:
        instance._state.adding = False
        instance._state.db = connection.alias
    return objects


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


def _reader(field: models.Field, database):
    """How to read the field's value from an instance, as COPY reads it (text, or None for NULL)."""
    if isinstance(field, models.ForeignKey):
        read = _value_reader(field)  # a related row given its key since it was assigned, too
        return lambda instance: _text(read(instance))
    plain = isinstance(field, PLAIN_FIELDS) and not isinstance(field, models.DateTimeField)
    if plain and not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False):
        attname = field.attname
        return lambda instance: _text(getattr(instance, attname))
    return lambda instance: _text(field.get_db_prep_save(field.pre_save(instance, add=True), database))


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

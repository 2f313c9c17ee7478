"""Inserting many rows with PostgreSQL's COPY: what an import of thousands of households writes.

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

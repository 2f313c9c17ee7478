"""Queries PostgreSQL plans once per connection (``PREPARE``), then only runs (``EXECUTE``).

The two reads every registration makes join four tables each: the token with its user, agency and
office, and the documents already registered with their households. PostgreSQL took about 0.3 ms
to plan each and 0.05 ms to run it, on every request. Prepared once on each connection (the first
use sends ``PREPARE`` and ``EXECUTE`` in one message, so a query is always one round trip), they
are planned again only when the connection is new.

A prepared statement lives as long as its connection, whatever happens to transactions; which
connections hold which statements is kept here per connection object. No connection pooler between
the app and PostgreSQL may share a connection between clients (``docs/deployment.md``).
"""

import re
import threading
import weakref
from collections.abc import Callable
from functools import cached_property

from django.db import connection

# {psycopg2 connection: {statement name: True (prepared), False (unknown after an error)}}
_PREPARED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PreparedQuery:
    """``sql`` (built by a function, with ``%s`` for each parameter in order) run as a prepared statement."""

    def __init__(self, name: str, sql: Callable[[], str]):
        if not NAME.match(name):
            raise ValueError(f"{name!r} is not a statement name")
        self.name, self._sql = name, sql

    @cached_property
    def _statements(self) -> tuple[str, str]:
        sql = self._sql()
        if "%%" in sql or "$" in sql:
            raise ValueError("the query may hold only %s placeholders")
        parts = sql.split("%s")
        body = parts[0] + "".join(f"${number}{part}" for number, part in enumerate(parts[1:], 1))
        placeholders = ", ".join(["%s"] * (len(parts) - 1))
        return f"PREPARE {self.name} AS {body}", f"EXECUTE {self.name}" + (f" ({placeholders})" if placeholders else "")

    def fetchall(self, params: list) -> list[tuple]:
        prepare, execute = self._statements
        with connection.cursor() as cursor:
            raw = connection.connection
            known = _PREPARED.get(raw, {}).get(self.name)
            prepared = known
            if known is False:  # an error came between a PREPARE and now: ask the server
                cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [self.name])
                prepared = cursor.fetchone()[0] == 1
            try:
                cursor.execute(execute if prepared else f"{prepare}; {execute}", params)
                rows = cursor.fetchall()
            except Exception:
                self._remember(raw, False)
                raise
        if known is not True:
            self._remember(raw, True)
        return rows

    def _remember(self, raw, state: bool) -> None:
        with _LOCK:
            _PREPARED.setdefault(raw, {})[self.name] = state

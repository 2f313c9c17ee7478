"""Reads from a read replica: the joint report, exports and dashboards, when ``DATABASE_REPLICA_URL`` is set.

A streaming replica takes the long reads (a year's report, a partner's bulk sync, a caseload's
counts) off the primary, which keeps registering. Those views read inside ``replica_reads(request)``;
``ReplicaRouter`` sends their reads to the ``replica`` database, every write (the access log among
them) to the primary. Everything else reads the primary.

**Lag.** A replica replays the primary's changes a moment later. Whoever just wrote must see what
they wrote: after a request that changed something (POST, PUT, PATCH, DELETE, answered below 400),
``ReplicaLagMiddleware`` keeps the primary's WAL position for that user (in the cache, shared by
every web process when ``DJANGO_CACHE_URL`` is set) for ``DATABASE_REPLICA_PIN_SECONDS``; their
next replica read goes to the replica only if it has replayed that far, else to the primary. Any
read also goes to the primary while the replica is more than ``DATABASE_REPLICA_MAX_LAG_SECONDS``
behind, or cannot be reached.
"""

import contextlib
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)
logger = logging.getLogger(__name__)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads inside ``replica_reads`` go to the replica; writes, migrations and everything else to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if reading_replica.get() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _pin_key(user_id) -> str:
    return f"replica-pin:{user_id}"


def primary_position() -> str:
    """The primary's WAL position now: what a replica must have replayed to hold everything committed."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def replica_caught_up(user, *, at_least: str | None = None) -> bool:
    """Whether the replica may answer ``user`` now: reachable, not too far behind, past their last
    write (and past ``at_least``, a WAL position)."""
    positions = [at_least] if at_least else []
    if user is not None and user.is_authenticated and (pinned := cache.get(_pin_key(user.pk))):
        positions.append(pinned)
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                """
                SELECT
                    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                         ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END,
                    pg_last_wal_replay_lsn() >= ALL(%s::pg_lsn[])
                """,
                [positions],
            )
            lag_seconds, past_writes = cursor.fetchone()
    except DatabaseError:
        logger.warning("The read replica cannot be reached: reading the primary.")
        return False
    return bool(past_writes) and lag_seconds <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS


@contextlib.contextmanager
def replica_reads(request, *, at_least: str | None = None, wait_seconds: float = 0):
    """Within the block, reads go to the replica when one is configured and may answer this request's
    user (having replayed ``at_least``, waiting up to ``wait_seconds`` for it); else to the primary."""
    use = False
    if replica_configured():
        user = getattr(request, "user", None)
        deadline = time.monotonic() + wait_seconds
        while not (use := replica_caught_up(user, at_least=at_least)) and time.monotonic() < deadline:
            time.sleep(0.05)
    if use and request is not None:
        # Said in the request's log line (``agencies.request_log``): which answers the replica gave.
        getattr(request, "_request", request).read_replica = True
    token = reading_replica.set(use)
    try:
        yield use
    finally:
        reading_replica.reset(token)


def replica_view(view):
    """A page or endpoint whose reads may come from the replica (a report, an export, a dashboard)."""

    def wrapped(request, *args, **kwargs):
        with replica_reads(request):
            response = view(request, *args, **kwargs)
            if getattr(response, "streaming", False):
                response.streaming_content = _streamed_in_replica_reads(response.streaming_content, request)
            return response

    wrapped.__name__ = getattr(view, "__name__", "replica_view")
    wrapped.__doc__ = view.__doc__
    wrapped.__wrapped__ = view
    return wrapped


def _streamed_in_replica_reads(content, request):
    # A streamed body is read after the view returned: its reads follow the same decision.
    with replica_reads(request):
        yield from content


class ReplicaLagMiddleware:
    """After a request that changed something, keep the primary's WAL position for its user, so that
    their replica reads wait for the replica to replay it (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in UNSAFE_METHODS and response.status_code < 400 and replica_configured():
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                cache.set(_pin_key(user.pk), primary_position(), timeout=settings.DATABASE_REPLICA_PIN_SECONDS)
        return response

"""Request ids and the request log: one JSON line per request, and every log line it causes, with its id.

Production logs are JSON (``config.settings.LOGGING``); each line carries ``request_id``. A request
keeps the id its proxy sent in ``X-Request-ID`` (when it looks like one) or gets a new one, and the
response returns it in the same header, so a field officer's "it failed" can be found in the log.
Tasks enqueued while serving a request carry the id to the worker (``config.celery``), so the
worker's lines name the request that asked for the work.

The request line names the method, the route (``returns:household-detail``), the path, the status,
the time taken and the user's id, never the query string: a search's query string holds the names
people typed, and a log is no place for them.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# What a proxy's id may look like: short, and nothing that could forge a log line.
ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_id: ContextVar[str] = ContextVar("request_id", default="")
logger = logging.getLogger("returns.requests")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """A proxy's id when it is acceptable, else a new one."""
    if value and ACCEPTED_ID.fullmatch(value):
        return value
    return request_id_new()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (empty outside a request or a task) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


class RequestLogMiddleware:
    """First in the middleware: sets the request's id, returns it, and logs the request when done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_id.set(request_id_from(request.META.get(META_KEY)))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id.get()
            request_line_write(request=request, status=response.status_code, started=started)
            return response
        finally:
            request_id.reset(token)


def request_line_write(*, request, status: int, started: float) -> None:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    logger.info(
        "%s %s %s",
        request.method,
        request.path,
        status,
        extra={
            "method": request.method,
            "path": request.path,
            "route": match.view_name if match else "",
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            # Whether the read replica answered (``agencies.replica.replica_reads``).
            "read_replica": getattr(request, "read_replica", False),
        },
    )

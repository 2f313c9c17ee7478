"""Writing the access log (``agencies.models.AccessLogEntry``), cheaply and in one place.

A page, an API view or an admin page that shows or touches personal records *notes* their ids on
the request (``access_note``): a list in memory, nothing written yet. When the answer is ready,
``AccessLogMiddleware`` writes what the request noted in one INSERT: a row per kind of record (and
action), carrying every id, with who (the user, the partner's key), their organisation, the
address (``client_address``, right behind a proxy), the URL name, the path and the status. A
refused or failed request (4xx, 5xx) showed nothing and is not written here: refusals are in the
log-in attempts (django-axes) and the server's own log.

The API notes for itself: ``agencies.api.base.ApiView`` names the kind of record each view serves
(``access_kind``) and notes the record in its path, or the records in its answer. Commands that
read or change a person's records write their row directly (``access_log_write``).

``ACCESS_LOG_ENABLED`` exists so ``make bench`` can measure what the log costs; production never
turns it off (``manage.py check --deploy`` says so when it is).
"""

import uuid
from collections.abc import Iterable
from functools import wraps

from django.conf import settings

from agencies.bulk import rows_insert
from agencies.client_address import client_address
from agencies.models import AccessLogEntry, ApiKey

Action = AccessLogEntry.Action
Kind = AccessLogEntry.Kind
NOTES = "_access_notes"


def _http_request(request):
    # A DRF Request wraps Django's; the notes live on Django's, which the middleware sees.
    return getattr(request, "_request", request)


def access_note(request, *, kind: str, ids: Iterable, action: str | None = None) -> None:
    """Note that this request shows (or, for POST and the like, changes) the records ``ids`` of ``kind``.

    ``action`` defaults to the request's: a read for GET and HEAD, a change otherwise; an export
    says so."""
    if not settings.ACCESS_LOG_ENABLED:
        return
    notes = _http_request(request).__dict__.setdefault(NOTES, {})
    notes.setdefault((kind, action), []).extend(ids)


def access_logged(kind: str, *, path_kwarg: str = "public_id"):
    """A page about one record (its public id in the path): note it on every request. Nothing is
    written when the page refuses (403, 404) or fails."""

    def decorator(view):
        @wraps(view)
        def logged(request, *args, **kwargs):
            access_note(request, kind=kind, ids=[kwargs[path_kwarg]])
            return view(request, *args, **kwargs)

        return logged

    return decorator


def _channel(path: str) -> str:
    if path.startswith("/api/"):
        return AccessLogEntry.Channel.API
    if path.startswith("/admin/"):
        return AccessLogEntry.Channel.ADMIN
    return AccessLogEntry.Channel.PAGE


def _unique_uuids(ids: list) -> list[uuid.UUID]:
    seen: dict[uuid.UUID, None] = {}
    for value in ids:
        seen[value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))] = None
    return list(seen)


def access_log_flush(request, response) -> list[AccessLogEntry]:
    """Write what ``request`` noted, if its answer succeeded: one row per kind and action."""
    notes = request.__dict__.pop(NOTES, None)
    if not notes or response.status_code >= 400:
        return []
    channel = _channel(request.path_info)
    default_action = Action.READ if request.method in ("GET", "HEAD") else Action.CHANGE
    if channel == AccessLogEntry.Channel.PAGE and response.status_code < 300:
        # A page's form that was refused is shown again (200): it showed the record, changed nothing.
        # A page that changed something redirects.
        default_action = Action.READ
    common = _request_columns(request, status=response.status_code)
    rows = [
        AccessLogEntry(kind=kind, action=action or default_action, record_ids=record_ids, **common)
        for (kind, action), ids in notes.items()
        if (record_ids := _unique_uuids(ids))
    ]
    return rows_insert(rows)


def access_log_stream_write(request, *, kind: str, ids: Iterable, action: str, status: int) -> AccessLogEntry | None:
    """A row for part of a streamed answer (a partner's bulk sync, an export), written as the part is
    sent: the request's notes are written before a streamed answer's body exists."""
    record_ids = _unique_uuids(list(ids))
    if not record_ids or not settings.ACCESS_LOG_ENABLED:
        return None
    request = _http_request(request)
    return AccessLogEntry.objects.create(
        kind=kind, action=action, record_ids=record_ids, **_request_columns(request, status=status)
    )


def _request_columns(request, *, status: int) -> dict:
    """Who (the user, the partner's key), their organisation, from where, through which URL."""
    user = getattr(request, "user", None)
    user = user if getattr(user, "is_authenticated", False) else None
    credential = getattr(request, "auth", None)
    api_key = credential if isinstance(credential, ApiKey) else None
    match = request.resolver_match
    return {
        "user": user,
        "api_key": api_key,
        "agency_id": api_key.partner_id if api_key else getattr(user, "agency_id", None),
        "actor": f"{api_key.prefix}…" if api_key else (user.get_username() if user else ""),
        "address": client_address(request) or None,
        "channel": _channel(request.path_info),
        "method": request.method,
        "endpoint": (match.view_name if match else "")[:120],
        "path": request.path[:500],
        "status": status,
    }


def access_log_write(*, command: str, kind: str, ids: Iterable, action: str, user=None) -> AccessLogEntry | None:
    """A command's row: ``manage.py export_person`` and the like, run by someone on the server (``user``
    when the command asks who)."""
    record_ids = _unique_uuids(list(ids))
    if not record_ids or not settings.ACCESS_LOG_ENABLED:
        return None
    return AccessLogEntry.objects.create(
        user=user,
        agency_id=getattr(user, "agency_id", None),
        actor=user.get_username() if user else command,
        channel=AccessLogEntry.Channel.COMMAND,
        action=action,
        endpoint=command,
        kind=kind,
        record_ids=record_ids,
    )


class AccessLogMiddleware:
    """Writes each request's notes once its answer is ready (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        access_log_flush(request, response)
        return response

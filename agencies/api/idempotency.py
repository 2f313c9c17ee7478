"""``Idempotency-Key`` on POST: a retry gets the first answer back and creates nothing new.

The first request with a key inserts its record and runs inside the same transaction; a
concurrent retry's insert waits on the unique index until that transaction ends, then finds the
record and answers with what was stored. The same key with a different body is refused (422).
A request that fails with a server error rolls back, record included, so it can be retried.

The first answer's body is stored as JSON text (a JSON string inside the ``jsonb`` column): ``jsonb``
would reorder its keys, and a retry must get back exactly what the first request got.
"""

import hashlib
import json
from functools import wraps

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from agencies.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location",)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used with a different request body.")


class IdempotencyKeyInvalid(exceptions.ValidationError):
    default_code = "invalid_idempotency_key"


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def claim(*, principal: str, key: str, method: str, path: str, fingerprint: str) -> int | None:
    """Record the first request with this key (its id), or None when one came before.

    Inside the caller's transaction: a concurrent request with the same key waits on the unique index
    until that transaction ends, then finds the record (and the answer stored in it).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO agencies_idempotencyrecord
                (principal, key, method, path, request_hash, response_headers, created_at)
            VALUES (%s, %s, %s, %s, %s, '{}', now())
            ON CONFLICT (principal, key) DO NOTHING
            RETURNING id
            """,
            [principal, key, method, path[:255], fingerprint],
        )
        inserted = cursor.fetchone()
    return inserted[0] if inserted else None


def first_answer(*, principal: str, key: str) -> IdempotencyRecord:
    """The record of the request that claimed this key first (see ``claim``)."""
    return IdempotencyRecord.objects.get(principal=principal, key=key)


def answer_keep(record_id: int, *, status_code: int, headers: dict, body=None) -> None:
    """Keep the first request's answer, for the retries to get back."""
    IdempotencyRecord.objects.filter(pk=record_id).update(
        status_code=status_code, response_headers=headers, response_body=body
    )


def idempotent(post):
    """Decorate a DRF view's ``post`` method."""

    @wraps(post)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return post(view, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise IdempotencyKeyInvalid(
                {HEADER: [_("Send 1 to %(max)d printable characters, e.g. a UUID.") % {"max": MAX_KEY_LENGTH}]}
            )
        principal = f"user:{request.user.pk}"
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            inserted = claim(
                principal=principal, key=key, method=request.method, path=request.path, fingerprint=fingerprint
            )
            if inserted is None:
                record = first_answer(principal=principal, key=key)
                if record.request_hash != fingerprint:
                    raise IdempotencyKeyReused
                return Response(
                    _stored_body(record.response_body),
                    status=record.status_code,
                    headers={**record.response_headers, "Idempotent-Replayed": "true"},
                    content_type=record.response_headers.get("Content-Type"),
                )
            try:
                response = post(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - answered as the view would, then stored
                response = view.handle_exception(exc)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
            if response.content_type:
                headers["Content-Type"] = response.content_type
            answer_keep(
                inserted,
                status_code=response.status_code,
                headers=headers,
                body=json.dumps(response.data, cls=DjangoJSONEncoder),
            )
        return response

    return wrapper


def _stored_body(stored):
    """The first answer's body, keys in their first order (older records hold the parsed JSON)."""
    return json.loads(stored) if isinstance(stored, str) else stored

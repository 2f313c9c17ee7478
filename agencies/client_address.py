"""The address a request came from, as the deployment defines it.

Directly exposed (``DJANGO_BEHIND_PROXY`` off), it is the socket's address: ``X-Forwarded-For``
is then written by the client and worth nothing. Behind our own proxies, each proxy appends the
address it received the request from, so the client is the ``DJANGO_PROXY_COUNT``-th entry from
the right; anything to the left of it was written by the client and is ignored.
"""

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    count = max(settings.PROXY_COUNT, 1)
    if len(forwarded) < count:
        return forwarded[0] if forwarded else remote
    return forwarded[-count]

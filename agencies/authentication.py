"""API authentication.

Staff: their session, or ``Authorization: Token <key>`` (``manage.py issue_token``); only the
token's hash is stored, and it expires (``agencies.models.tokens``). Partners: ``Authorization:
Bearer rk_…`` (or ``X-Api-Key: rk_…``) with a key created by an admin; only its hash is stored.
The request then acts as the key's technical user (role ``partner``) and ``request.auth`` is the
``ApiKey``, whose scopes the views check.

Guessing is slowed down: after ``API_AUTH_FAILURES_PER_ADDRESS`` wrong tokens or keys from one
address within ``API_AUTH_FAILURE_WINDOW`` seconds, that address gets 429 until the window ends.
"""

import hmac
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication

from agencies.client_address import client_address
from agencies.joined import JoinedLookup
from agencies.models import ApiKey, StaffToken, staff_token_hash

# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# A token or key with its user, the user's agency and office (a key: its partner), in one query.
STAFF_TOKEN = JoinedLookup(
    StaffToken, unique_field="key_hash", related=("user", "user__agency", "user__office"), name="agencies_staff_token"
)
API_KEY = JoinedLookup(
    ApiKey, unique_field="prefix", related=("user", "user__agency", "partner"), name="agencies_api_key"
)


def _failure_key(request) -> str:
    return f"api-auth-failures:{client_address(request)}"


def _refuse_if_guessing(request) -> None:
    limit = settings.API_AUTH_FAILURES_PER_ADDRESS
    if limit and (cache.get(_failure_key(request)) or 0) >= limit:
        raise exceptions.Throttled(
            wait=settings.API_AUTH_FAILURE_WINDOW,
            detail=str(_("Too many wrong tokens or keys from this address. Wait, then try again with a valid one.")),
        )


def _count_failure(request) -> None:
    key = _failure_key(request)
    if not cache.add(key, 1, timeout=settings.API_AUTH_FAILURE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=settings.API_AUTH_FAILURE_WINDOW)


class StaffTokenAuthentication(TokenAuthentication):
    """A staff token, found by its hash, with the user's agency and office in the same query."""

    def authenticate(self, request):
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        _refuse_if_guessing(self.request)
        token = STAFF_TOKEN.get(staff_token_hash(key))
        if token is None:
            _count_failure(self.request)
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked. Ask for a new one."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired. Ask for a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            StaffToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (token.user, token)


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        presented = request.headers.get("X-Api-Key", "")
        if not presented:
            header = request.headers.get("Authorization", "")
            scheme, _sep, credentials = header.partition(" ")
            if scheme != self.keyword:
                return None
            presented = credentials.strip()
        _refuse_if_guessing(request)
        parts = ApiKey.split(presented)
        if parts is None:
            _count_failure(request)
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        prefix, key_hash = parts
        key = API_KEY.get(prefix)
        if key is None or not hmac.compare_digest(key.key_hash, key_hash):
            _count_failure(request)
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        now = timezone.now()
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key was revoked."))
        if key.expires_at is not None and key.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed(_("This API key's account is disabled."))
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return (key.user, key)

    def authenticate_header(self, request):
        return self.keyword

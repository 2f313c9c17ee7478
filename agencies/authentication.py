"""API authentication.

Staff: their session, or ``Authorization: Token <key>`` (``manage.py issue_token``).
Partners: ``Authorization: Bearer rk_…`` (or ``X-Api-Key: rk_…``) with a key created by an
admin; only its hash is stored. The request then acts as the key's technical user (role
``partner``) and ``request.auth`` is the ``ApiKey``, whose scopes the views check.
"""

import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token

from agencies.models import ApiKey

# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class StaffTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, loading the user's agency and office in the same query."""

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user__agency", "user__office").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
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
        parts = ApiKey.split(presented)
        if parts is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        prefix, key_hash = parts
        key = ApiKey.objects.select_related("user__agency", "partner").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.key_hash, key_hash):
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

"""Issuing and revoking staff API tokens: the only way a token comes to exist or stops working.

``manage.py issue_token``, the "My API tokens" page and the admin's "Revoke" action call these.
The token itself is returned once, to be shown once; only its hash is stored.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import StaffToken, User
from agencies.problems import Refused


def staff_token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.STAFF_TOKEN_DAYS)


def staff_token_issue(
    *, user: User, name: str = "", expires_at: datetime.datetime | None = None, replace: bool = False
) -> tuple[StaffToken, str]:
    """A new token for ``user``, valid until ``expires_at`` (``STAFF_TOKEN_DAYS`` from now by default).

    ``replace`` revokes the user's other tokens in the same transaction (a rotation). Refused for
    an inactive user, a partner's technical user (partners use API keys) or an expiry in the past.
    """
    now = timezone.now()
    if not user.is_active:
        raise Refused.one("user", "inactive", _("This account is inactive: a token would not work."))
    if user.role == User.Role.PARTNER:
        raise Refused.one("user", "partner", _("A partner system uses an API key, not a staff token."))
    expires_at = expires_at or now + staff_token_lifetime()
    if expires_at <= now:
        raise Refused.one("expires_at", "in_past", _("The expiry must be in the future."))
    key, key_hash = StaffToken.new_secret()
    with transaction.atomic():
        if replace:
            StaffToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now, revoked_by=user)
        token = StaffToken.objects.create(user=user, name=name.strip(), key_hash=key_hash, expires_at=expires_at)
    return token, key


def may_revoke_staff_token(user: User, token: StaffToken) -> bool:
    """Its owner, or an administrator."""
    return bool(user.is_authenticated and user.is_active and (token.user_id == user.pk or user.sees_everything))


def staff_token_revoke(*, token: StaffToken, revoked_by: User) -> StaffToken:
    """Stop a token working at once. Revoking twice changes nothing."""
    if not may_revoke_staff_token(revoked_by, token):
        raise PermissionDenied(_("Only its owner or an administrator revokes a token."))
    with transaction.atomic():
        locked = StaffToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = revoked_by
            locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked

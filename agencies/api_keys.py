"""Issuing and revoking partners' API keys: the only way a key comes to exist or stops working.

The admin's add form, its "Revoke" action and ``manage.py issue_api_key`` all call these. A key
acts through its own technical user (role ``partner``, agency = the partner, no password), so
that every gate, service and history row treats a partner like any other actor. The full key is
returned once, to be shown once; only its hash is stored.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, ApiKey, Scope, User
from agencies.problems import Problem, Refused

TECHNICAL_USERNAME_PREFIX = "key-"


def user_can_manage_api_keys(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.sees_everything)


def _require_administrator(user) -> None:
    if not user_can_manage_api_keys(user):
        raise PermissionDenied(_("Only an administrator issues or revokes API keys."))


def api_key_issue(
    *,
    partner: Agency,
    name: str,
    scopes: list[str],
    expires_at: datetime.datetime | None,
    requests_per_minute: int,
    issued_by: User,
) -> tuple[ApiKey, str]:
    """Create a key and its technical user; return the key and the full key string, shown once.

    Raises ``PermissionDenied`` unless ``issued_by`` is an administrator, ``Refused`` (nothing
    saved) for a blank name, no or unknown scopes, an expiry in the past or a rate below 1.
    """
    _require_administrator(issued_by)
    problems: dict[str, list[Problem]] = {}
    if not name.strip():
        problems["name"] = [Problem("required", _("Say what uses the key, e.g. “NRC case sync”."))]
    unknown = sorted(set(scopes) - set(Scope.values))
    if not scopes:
        problems["scopes"] = [Problem("required", _("Give the key at least one scope."))]
    elif unknown:
        problems["scopes"] = [
            Problem("invalid_choice", _("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)})
        ]
    if expires_at is not None and expires_at <= timezone.now():
        problems["expires_at"] = [Problem("in_past", _("The expiry must be in the future."))]
    if requests_per_minute < 1:
        problems["requests_per_minute"] = [Problem("min_value", _("Allow at least one request a minute."))]
    if problems:
        raise Refused(problems)

    full_key, prefix, key_hash = ApiKey.new_secret()
    with transaction.atomic():
        user = User(
            username=f"{TECHNICAL_USERNAME_PREFIX}{prefix}",
            first_name=name.strip()[: User._meta.get_field("first_name").max_length],
            agency=partner,
            office=None,
            role=User.Role.PARTNER,
            is_staff=False,
            is_superuser=False,
        )
        user.set_unusable_password()
        user.save()
        key = ApiKey.objects.create(
            partner=partner,
            user=user,
            name=name.strip(),
            prefix=prefix,
            key_hash=key_hash,
            # In the order the scopes are declared, once each.
            scopes=[scope for scope in Scope.values if scope in set(scopes)],
            requests_per_minute=requests_per_minute,
            expires_at=expires_at,
            created_by=issued_by,
        )
    return key, full_key


def api_key_revoke(*, key: ApiKey, revoked_by: User) -> ApiKey:
    """Stop a key working at once; its technical user is deactivated too. Revoking twice changes nothing."""
    _require_administrator(revoked_by)
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            User.objects.filter(pk=locked.user_id).update(is_active=False)
    return locked

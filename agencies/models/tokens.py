"""Staff API tokens (``Authorization: Token <key>``): stored as a hash, expiring, revocable.

A token is a random string shown once, when it is issued (``manage.py issue_token``); only its
SHA-256 is kept, so a copy of the database opens nothing. A staff member lists and revokes their
own tokens on "My API tokens"; an administrator revokes anyone's in the admin.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# 24 random bytes: 48 hexadecimal characters, as scripts expect (``[0-9a-f]{40,}``).
TOKEN_BYTES = 24


def staff_token_hash(key: str) -> str:
    # Tokens are 192-bit random strings, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(key.encode()).hexdigest()


class StaffTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class StaffToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("What uses the token, e.g. a script."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = StaffTokenQuerySet.as_manager()

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = _("staff API token")
        verbose_name_plural = _("staff API tokens")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="staff_token_expires_later")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.name or self.pk}"

    @staticmethod
    def new_secret() -> tuple[str, str]:
        """A new token and its hash: the token is shown once, the hash is stored."""
        key = secrets.token_hex(TOKEN_BYTES)
        return key, staff_token_hash(key)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

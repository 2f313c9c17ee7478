"""Partners' access to the API: data-sharing agreements, API keys, idempotency records.

A partner organisation (an NGO, the Government, an agency's own system) is an ``Agency``. What it
may receive is the intersection of its key's scopes and its active data-sharing agreement: which
agencies' data, and which fields. Each key acts through its own technical user (role ``partner``),
so every gate, service and history row treats a partner like any other actor.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models.organisation import Agency

KEY_PREFIX_LENGTH = 8


class Scope(models.TextChoices):
    HOUSEHOLDS_READ = "households:read", _("Read households and members")
    HOUSEHOLDS_WRITE = "households:write", _("Register and update households")
    CASES_READ = "cases:read", _("Read cases, their history and assistance")
    REFERRALS_WRITE = "referrals:write", _("Read and answer referrals addressed to the partner")
    REPORTS_READ = "reports:read", _("Read joint statistics (aggregates only)")


# Every field a partner may be given, by resource. An agreement lists the ones it shares; ids,
# timestamps and the agency are always given, so that a mirror can stay in step. Staff's usernames
# (a case's assignee, who recorded or approved, who made a referral) are never shareable.
SHAREABLE_FIELDS: dict[str, list[str]] = {
    "household": [
        "registration_number",
        "arrival_date",
        "office",
        "country_of_departure",
        "return_type",
        "destination_province",
        "destination_district",
        "phone",
        "category",
        "routing",
        "members",
    ],
    "member": [
        "given_name",
        "fathers_name",
        "family_name",
        "given_name_local",
        "fathers_name_local",
        "family_name_local",
        "sex",
        "date_of_birth",
        "estimated_age",
        "relationship",
        "documents",
        "specific_needs",
    ],
    "case": ["case_number", "stage", "stage_label", "stage_due_date", "overdue", "outcome", "events"],
    # A referral addressed to the partner: its service, status and dates are always given; the
    # referred person (case and household numbers, member) only as the case and household fields
    # say, and only from an agency whose records the agreement covers.
    "referral": ["reason"],
}
SHAREABLE_CHOICES = [
    (f"{resource}.{name}", f"{resource}.{name}") for resource, names in SHAREABLE_FIELDS.items() for name in names
]


class DataSharingAgreement(models.Model):
    partner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("signed document reference"), max_length=100, blank=True)
    source_agencies = models.ManyToManyField(
        Agency, related_name="+", verbose_name=_("whose data"), help_text=_("The agencies whose records are shared.")
    )
    fields = ArrayField(
        models.CharField(max_length=48, choices=SHAREABLE_CHOICES),
        default=list,
        blank=True,
        verbose_name=_("fields shared"),
        help_text=_("Only these fields are sent; the others are left out of every answer."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "-valid_from"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=Q(is_active=True), name="agreement_one_active_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.title}"

    def in_force(self, today) -> bool:
        return self.is_active and self.valid_from <= today and (self.valid_until is None or today <= self.valid_until)

    def shared_fields(self, resource: str) -> frozenset[str]:
        prefix = f"{resource}."
        return frozenset(name[len(prefix) :] for name in self.fields if name.startswith(prefix))


def _hash(secret: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiKey(models.Model):
    """A partner's API key. Only a hash is stored; the key is shown once, when it is created."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_keys")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_key",
        help_text=_("The key's technical user."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses the key, e.g. “NRC case sync”."))
    prefix = models.CharField(_("prefix"), max_length=KEY_PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = ArrayField(models.CharField(max_length=24, choices=Scope.choices), default=list, verbose_name=_("scopes"))
    requests_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["partner", "-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [models.CheckConstraint(condition=Q(requests_per_minute__gte=1), name="api_key_rate_positive")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> tuple[str, str, str]:
        """A new key as (full key shown once, prefix, hash to store)."""
        prefix = secrets.token_hex(KEY_PREFIX_LENGTH // 2)
        full = f"rk_{prefix}_{secrets.token_urlsafe(32)}"
        return full, prefix, _hash(full)

    @staticmethod
    def split(full_key: str) -> tuple[str, str] | None:
        """(prefix, hash) of a presented key, or None when it is not shaped like one of ours."""
        parts = full_key.split("_", 2)
        if len(parts) != 3 or parts[0] != "rk" or len(parts[1]) != KEY_PREFIX_LENGTH:
            return None
        return parts[1], _hash(full_key)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an ``Idempotency-Key``, returned again to its retries."""

    principal = models.CharField(max_length=64, help_text=_("Who sent it: user:<id>."))
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_once_per_principal")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"

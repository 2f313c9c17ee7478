"""The access log: who read, exported or changed which personal records, when, from where, how.

One row per request and kind of record, carrying the ids of every record of that kind the request
showed or touched: a list page of 100 households is one row with 100 ids, not 100 rows (and not a
row per field). Rows are written by ``agencies.access_log`` at the end of the request, in one
INSERT; PostgreSQL refuses any UPDATE or DELETE of them (``agencies/migrations/0011``).

The records are named by their public ids (UUIDs), the ids every page, export and API answer
shows, so an auditor can take an id from a complaint and find every access to it.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models.organisation import Agency, User
from agencies.models.partners import ApiKey


def may_read_access_log(user) -> bool:
    """Who searches and exports the access log: managers (their agency's part) and administrators."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or user.role == User.Role.ADMIN or (user.role == User.Role.MANAGER and user.agency_id))
    )


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one gate of the log. Administrators see every row. A manager sees what their own
        agency's staff did and what partners did under an agreement covering their agency's
        records. Nobody else sees the log."""
        if not may_read_access_log(user):
            return self.none()
        if user.role == User.Role.ADMIN or user.is_superuser:
            return self.all()
        partners = Agency.objects.filter(agreements__source_agencies=user.agency_id).values("pk")
        return self.filter(Q(agency_id=user.agency_id) | Q(agency_id__in=partners))

    def touching(self, record_id):
        """The rows naming ``record_id`` (uses the GIN index on ``record_ids``)."""
        return self.filter(record_ids__contains=[record_id])


class AccessAction(models.TextChoices):
    READ = "read", _("Read")
    EXPORT = "export", _("Export")
    CHANGE = "change", _("Change")


class AccessChannel(models.TextChoices):
    PAGE = "page", _("Page")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    COMMAND = "command", _("Command")


class RecordKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    PERSON = "person", _("Person")
    CASE = "case", _("Case")
    REFERRAL = "referral", _("Referral")
    ASSISTANCE = "assistance", _("Assistance")
    INTERVIEW = "interview", _("Monitoring interview")


class AccessLogEntry(models.Model):
    Action = AccessAction
    Channel = AccessChannel
    Kind = RecordKind

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    # The user's and the agency's entries are found through the (user, at) and (agency, at) indexes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("The member of staff, or the technical user of a partner's key; empty for a command."),
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("partner's key")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
        help_text=_("The agency of the member of staff, or the partner holding the key."),
    )
    actor = models.CharField(
        _("acting as"), max_length=150, blank=True, help_text=_("The username, key prefix or command, as it was then.")
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=AccessChannel.choices)
    action = models.CharField(_("action"), max_length=8, choices=AccessAction.choices)
    method = models.CharField(_("method"), max_length=8, blank=True)
    endpoint = models.CharField(_("page or endpoint"), max_length=120, help_text=_("The URL name, or the command."))
    path = models.CharField(_("path"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    kind = models.CharField(_("kind of record"), max_length=12, choices=RecordKind.choices)
    record_ids = ArrayField(models.UUIDField(), verbose_name=_("records"))

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["-at", "-id"], name="accesslog_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            models.Index(fields=["agency", "-at"], name="accesslog_agency_at"),
            GinIndex(fields=["record_ids"], name="accesslog_records"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AccessAction.values), name="accesslog_action_valid"),
            models.CheckConstraint(condition=Q(channel__in=AccessChannel.values), name="accesslog_channel_valid"),
            models.CheckConstraint(condition=Q(kind__in=RecordKind.values), name="accesslog_kind_valid"),
            models.CheckConstraint(condition=~Q(record_ids=[]), name="accesslog_names_records"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {len(self.record_ids)} {self.kind}"

"""The joint annual report: its snapshots, their sign-offs, and the reference data it reads.

A ``Report`` is one immutable snapshot of the figures for a period, computed from the registry
and the border counts as they stood at the cut-off (``reports.content``). It is drafted, signed off
by a UNHCR manager and an IOM manager, and frozen as final. PostgreSQL refuses any change to a
final report, any change to a draft's figures, and any deletion (migration 0001's triggers):
regenerating makes a new version.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Scope, User


class PublishedReturnFigure(models.Model):
    """A year's registered-refugee returns as the agencies published them, for the years before
    the registry's own data (the report's cumulative total since 2002). Edited in the admin."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    registered_refugee_returns = models.PositiveIntegerField(_("registered refugee returns"))
    is_approximate = models.BooleanField(_("approximate"), default=False)
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("published yearly figure")
        verbose_name_plural = _("published yearly figures")
        constraints = [models.CheckConstraint(condition=Q(year__gte=2002), name="published_figure_from_2002")]

    def __str__(self) -> str:
        return f"{self.year}: {self.registered_refugee_returns}"


class DisclosureThreshold(models.Model):
    """How many units a published cell needs, per table (``*``: every table without a row of its own).

    A cell counting fewer is suppressed in the public edition; cells of people with a sensitive
    specific-needs or vulnerability code (``NeedCode.is_sensitive``) need ``sensitive_threshold``.
    """

    DEFAULT_TABLE = "*"

    table = models.CharField(
        _("table"), max_length=40, unique=True, help_text=_("A table's code, or * for every other table.")
    )
    threshold = models.PositiveSmallIntegerField(_("threshold"), default=5)
    sensitive_threshold = models.PositiveSmallIntegerField(_("threshold for sensitive codes"), default=10)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["table"]
        verbose_name = _("disclosure threshold")
        verbose_name_plural = _("disclosure thresholds")
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=1), name="disclosure_threshold_positive"),
            models.CheckConstraint(
                condition=Q(sensitive_threshold__gte=models.F("threshold")), name="disclosure_sensitive_not_laxer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table}: {self.threshold}"


class ReportQuerySet(models.QuerySet):
    def readable_by(self, user) -> "ReportQuerySet":
        """The gate for reports: which snapshots a user or partner may read (the edition is
        ``reports.policy.report_edition``'s to decide).

        Administrators, coordinators and the staff of UNHCR and IOM read every report; a partner's
        key holding ``reports:read`` reads final reports only; anyone else none.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.sees_everything or user.role == User.Role.COORDINATOR:
            return self
        if user.role == User.Role.PARTNER:
            key = getattr(user, "api_key", None)
            usable = key is not None and key.revoked_at is None and key.has_scope(Scope.REPORTS_READ)
            return self.filter(status=Report.Status.FINAL) if usable else self.none()
        if user.agency_id is None:
            return self.none()
        return self.filter(models.Exists(Agency.objects.filter(pk=user.agency_id, receives_routed_households=True)))


class Report(models.Model):
    """One snapshot of the joint report's figures for a period, as the data stood at its cut-off."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being computed")
        FAILED = "failed", _("Failed")
        DRAFT = "draft", _("Draft, awaiting sign-off")
        FINAL = "final", _("Final")

    class ReferenceDate(models.TextChoices):
        ARRIVAL = "arrival", _("Arrival date")
        GRANT_PAID = "grant_paid", _("Date the grant was paid")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    reference_date = models.CharField(
        _("reference date"),
        max_length=10,
        choices=ReferenceDate.choices,
        default=ReferenceDate.ARRIVAL,
        help_text=_("Which date decides the period a registered refugee counts in."),
    )
    cut_off = models.DateTimeField(_("data cut-off"), help_text=_("Only what was recorded by then counts."))
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    progress_step = models.CharField(_("step"), max_length=120, blank=True)
    figures = models.JSONField(_("figures"), null=True, blank=True, editable=False)
    thresholds = models.JSONField(_("disclosure thresholds"), default=dict, blank=True, editable=False)
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "reference_date", "version"], name="report_version_unique"
            ),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")), name="report_period_forward"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status__in=["draft", "final"]) | (Q(figures__isnull=False) & ~Q(checksum="")),
                name="report_computed_has_figures",
            ),
            models.CheckConstraint(
                condition=~Q(status="final") | Q(finalised_at__isnull=False), name="report_final_has_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "-requested_at"], name="report_status_recent")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_computed(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.FINAL)


class ReportSignOff(models.Model):
    """A manager's sign-off of a draft for their agency. Append-only: never changed, never removed."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="sign_offs")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    checksum = models.CharField(_("checksum signed"), max_length=64)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["report", "signed_at", "id"]
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        constraints = [models.UniqueConstraint(fields=["report", "agency"], name="report_sign_off_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.agency_id}"

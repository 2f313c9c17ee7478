"""A large export, written by a job: the file of a list too long to send while the officer waits.

Up to ``returns.exports.EXPORT_INLINE_ROWS`` records a list's file is sent at once; above that the
page asks for an export job (``returns.services.export_jobs``): a worker of the heavy queue writes
the file from the same filters, as the user who asked (the same gate, the same columns), records
every record it wrote in the access log, and keeps the file here for its requester to download.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ExportJobQuerySet":
        """An export is its requester's alone: the file holds what their gate let them see."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(requested_by=user)


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLDS = "households", _("Households")
        PEOPLE = "people", _("People, as the import template")
        CASES = "cases", _("Cases")
        ASSISTANCE = "assistance", _("Assistance recorded for cases")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Writing the file")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    # The list's filters as the page had them (its query string), applied again by the job.
    query = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")  # the headers' language
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(editable=False, default=b"")
    error = models.TextField(blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

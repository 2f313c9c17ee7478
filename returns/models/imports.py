"""Bulk imports: a spreadsheet of households uploaded, checked row by row, then registered by a job.

An import is staged (as UNICEF HOPE stages them): uploaded and checked at once (every problem by row
and column, nothing saved), then, when the officer confirms, registered by a Celery job through the
same service as one registration (``household_register``), with its progress. Each household it
registers is recorded against its position in the file (``ImportedHousehold``), so a job that is
interrupted and runs again continues after the last one committed and registers none twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportBatchQuerySet":
        """An import is its uploader's; an administrator sees every one. (Its households, once registered,
        are seen through the households' own gate.)"""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.sees_everything:
            return self
        return self.filter(uploaded_by=user)


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLDS = "households", _("Households, with their members and documents")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: import only if every row is right")
        VALID_ROWS = "valid_rows", _("Import the valid households and leave the others out")

    class Status(models.TextChoices):
        VALIDATED = "validated", _("Checked: ready to import")
        INVALID = "invalid", _("Problems found: nothing to import")
        QUEUED = "queued", _("Waiting to start")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices, default=Kind.HOUSEHOLDS)
    mode = models.CharField(_("how"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    file_name = models.CharField(_("file"), max_length=255)
    # The file as uploaded, read again by the job (from any worker machine); emptied once imported.
    content = models.BinaryField(editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    households_total = models.PositiveIntegerField(default=0)
    households_valid = models.PositiveIntegerField(default=0)
    households_done = models.PositiveIntegerField(default=0)
    # Every problem found: [{"row": 3, "column": "date_of_birth", "message": "..."}], row 0 for the file.
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(households_done__lte=models.F("households_valid")), name="import_done_within_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        return round(100 * self.households_done / self.households_valid) if self.households_valid else 0


class ImportedHousehold(models.Model):
    """A household an import registered, at its position among the file's valid households."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="imported")
    position = models.PositiveIntegerField()
    household = models.OneToOneField("returns.Household", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="imported_once_per_position")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.position}"

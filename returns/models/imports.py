"""Bulk imports: a spreadsheet uploaded, checked row by row, then saved by a job.

Three kinds of file: households (with their members and documents), VRF manifests (the families the
repatriation centres sent, before they cross) and daily border counts. An import is staged (as
UNICEF HOPE stages them): uploaded and checked at once (every problem by row and column, nothing
saved), then, when the officer confirms, saved by a Celery job through the same service as one
record typed on a page (``household_register``, ``border_count_record``), with its progress. Each
household it registers is recorded against its position in the file (``ImportedHousehold``; a
manifest and a count carry their batch and position themselves), so a job that is interrupted and
runs again continues after the last one committed and saves none twice. The ``households_*``
counters count the file's records: households, manifests (one per VRF) or counts (one per row).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from returns.models.registry import Member


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
        MANIFESTS = "vrf_manifests", _("VRF manifests from the repatriation centres")
        BORDER_COUNTS = "border_counts", _("Daily border counts")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: import only if every row is right")
        VALID_ROWS = "valid_rows", _("Import the valid records and leave the others out")

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
    # The records the upload's check found right, by their place in the file: what the job saves, in
    # this order (its positions), without checking the whole file a second time.
    valid_records = models.JSONField(null=True, blank=True, editable=False)
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
    def records_label(self) -> str:
        """What the file's records are, for the pages."""
        return {
            self.Kind.MANIFESTS: _("VRF manifests"),
            self.Kind.BORDER_COUNTS: _("Counts"),
        }.get(self.kind, _("Households"))

    @property
    def percent_done(self) -> int:
        return round(100 * self.households_done / self.households_valid) if self.households_valid else 0


class VrfManifest(models.Model):
    """The families a repatriation centre issued a VRF to, sent before they cross: what the encashment
    centre's verification checks a family against (``returns.manifests``). Loaded by an import only;
    never changed (a VRF is on one manifest)."""

    vrf_number = models.CharField(_("VRF number"), max_length=40)
    # The number as it is compared (``returns.names.document_number_normal``), unique: one manifest per VRF.
    vrf_number_normal = models.CharField(max_length=40, unique=True, editable=False)
    repatriation_centre = models.CharField(_("repatriation centre"), max_length=100)
    country = models.ForeignKey(
        "agencies.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country of asylum")
    )
    departure_date = models.DateField(_("departure date"))
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="manifests")
    position = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-departure_date", "vrf_number"]
        verbose_name = _("VRF manifest")
        verbose_name_plural = _("VRF manifests")
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="manifest_once_per_position")]

    def __str__(self) -> str:
        return self.vrf_number


class ManifestMember(models.Model):
    """A person a VRF lists, as the repatriation centre wrote them."""

    manifest = models.ForeignKey(VrfManifest, on_delete=models.PROTECT, related_name="members")
    given_name = models.CharField(_("given name"), max_length=100)
    fathers_name = models.CharField(_("father's name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Member.Sex.choices)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    card_number = models.CharField(_("refugee card number"), max_length=40, blank=True)

    class Meta:
        ordering = ["manifest", "id"]
        verbose_name = _("person on a manifest")
        verbose_name_plural = _("people on manifests")

    def __str__(self) -> str:
        return " ".join(part for part in (self.given_name, self.fathers_name, self.family_name) if part)


class ImportedHousehold(models.Model):
    """A household an import registered, at its position among the file's valid households."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="imported")
    position = models.PositiveIntegerField()
    household = models.OneToOneField("returns.Household", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="imported_once_per_position")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.position}"

"""One person, however many times registered: likely duplicate pairs, what reviewers decided, merges.

A merge moves nothing. The duplicate record keeps its household, its history and its assistance;
it points at the record it duplicates (``Member.same_person_as``, always the first record of the
person), so everything that asks "who is this person" reads both. Un-merging clears the pointer.
Every merge, un-merge, link at registration and "a new person" decision is an ``IdentityEvent``
(append-only); a pair once found is never deleted, and a pair decided "different people" is never
proposed again.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class MatchRun(models.Model):
    """One run of the batch search for duplicates: over the whole registry or the people registered since a time."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    registered_since = models.DateTimeField(
        _("people registered since"),
        null=True,
        blank=True,
        help_text=_("Empty for the whole registry; set for one import or one day's registrations."),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    people_total = models.PositiveIntegerField(default=0)
    people_done = models.PositiveIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("duplicate search")
        verbose_name_plural = _("duplicate searches")

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"


class MatchPair(models.Model):
    """Two registered people who may be one person, and what a reviewer decided about them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        SAME = "same", _("Same person")
        DIFFERENT = "different", _("Different people")

    class Source(models.TextChoices):
        REGISTRATION = "registration", _("Linked at registration")
        BATCH = "batch", _("Duplicate search")

    # first < second, so a pair is found once whichever person it starts from.
    first = models.ForeignKey("returns.Member", on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey("returns.Member", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=3)
    source = models.CharField(_("found by"), max_length=12, choices=Source.choices)
    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, null=True, blank=True, related_name="pairs")
    found_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("decision"), max_length=9, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="match_pair_ordered"),
            models.UniqueConstraint(fields=["first", "second"], name="match_pair_once"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="match_pair_score_range"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="match_pair_decision_signed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-score", "id"], name="match_pair_queue"),
            models.Index(fields=["second"], name="match_pair_second"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id} {self.status}"


class IdentityEvent(models.Model):
    """Append-only: who decided what about whose identity, and when."""

    class Kind(models.TextChoices):
        MERGED = "merged", _("Merged as the same person")
        UNMERGED = "unmerged", _("Merge reversed")
        DIFFERENT = "different", _("Decided different people")
        LINKED = "linked", _("Linked at registration")
        NEW_PERSON = "new_person", _("Confirmed a new person at registration")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    member = models.ForeignKey("returns.Member", on_delete=models.PROTECT, related_name="identity_events")
    other = models.ForeignKey("returns.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pair = models.ForeignKey(MatchPair, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    # What a reversal needs to restore exactly (for a merge: every record re-pointed and where it pointed
    # before), or what the officer saw (for a new person: the candidates' scores).
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("identity decision")
        verbose_name_plural = _("identity decisions")

    def __str__(self) -> str:
        return f"{self.kind} {self.member_id}"

"""Arrivals counted at the border: how many people crossed at one crossing point on one day.

Border teams count everyone who crosses; registered households are a subset. A count holds no
personal data. It is never overwritten: a correction is a new version (with a note saying why),
and the current figure for a crossing, day and country of departure is its latest version.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Country, Office, Scope, User

# The age bands border teams count by, as (field suffix, label).
AGE_BANDS = (
    ("0_4", _("0-4")),
    ("5_11", _("5-11")),
    ("12_17", _("12-17")),
    ("18_59", _("18-59")),
    ("60_plus", _("60+")),
)
SEXES = (("female", _("Female")), ("male", _("Male")))
SEX_AGE_FIELDS = tuple(f"{sex}_{band}" for sex, _label in SEXES for band, _band_label in AGE_BANDS)

# Each breakdown of the total, by name: the fields that must add up to it.
BREAKDOWNS = {
    "return_type": ("deported", "spontaneous"),
    "travelling": ("in_families", "individuals"),
    "sex_age": SEX_AGE_FIELDS,
}
# Every number a count holds, in the order pages show them.
MEASURES = ("total", *BREAKDOWNS["return_type"], *BREAKDOWNS["travelling"], *SEX_AGE_FIELDS)


def _sum(fields: tuple[str, ...]):
    expression = F(fields[0])
    for name in fields[1:]:
        expression = expression + F(name)
    return expression


def reads_border_counts(user) -> bool:
    """Counts are not personal data: every active member of staff, coordinator and administrator
    reads them, and a partner's key holding ``reports:read`` (the scope of joint figures)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role != User.Role.PARTNER:
        return True
    key = getattr(user, "api_key", None)
    return key is not None and key.revoked_at is None and key.has_scope(Scope.REPORTS_READ)


class BorderCountQuerySet(models.QuerySet):
    def readable_by(self, user) -> "BorderCountQuerySet":
        """The gate for counts: all of them for whoever reads counts, none for anyone else."""
        return self if reads_border_counts(user) else self.none()

    def current(self, *, days: tuple | None = None) -> "BorderCountQuerySet":
        """Only the latest version of each (crossing, day, country): the rows no later version replaces.

        A ``NOT EXISTS`` that PostgreSQL runs as an anti-join on the unique index, so that the cost
        follows the rows asked for, not the size of the table (a ``DISTINCT ON`` subquery over the
        whole table, tried first, took most of a second for a year of one crossing). ``days``
        (first, last) repeats the range asked for inside the anti-join: the same rows, but when
        PostgreSQL hashes the later versions it hashes that range only, not every year of the crossing.
        """
        later = BorderCount.objects.filter(
            crossing_id=models.OuterRef("crossing_id"),
            day=models.OuterRef("day"),
            country_id=models.OuterRef("country_id"),
            version__gt=models.OuterRef("version"),
        )
        if days is not None:
            later = later.filter(day__range=days)
        return self.filter(~models.Exists(later))


class BorderCount(models.Model):
    """One version of the arrivals counted at a crossing point on a day, from one country."""

    crossing = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="border_counts", verbose_name=_("crossing point")
    )
    day = models.DateField(_("day"))
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country of departure")
    )
    version = models.PositiveIntegerField(_("version"))
    total = models.PositiveIntegerField(_("arrivals"))
    deported = models.PositiveIntegerField(_("deported"))
    spontaneous = models.PositiveIntegerField(_("spontaneous"))
    in_families = models.PositiveIntegerField(_("in families"))
    individuals = models.PositiveIntegerField(_("individuals"))
    female_0_4 = models.PositiveIntegerField(_("female, 0-4"))
    female_5_11 = models.PositiveIntegerField(_("female, 5-11"))
    female_12_17 = models.PositiveIntegerField(_("female, 12-17"))
    female_18_59 = models.PositiveIntegerField(_("female, 18-59"))
    female_60_plus = models.PositiveIntegerField(_("female, 60+"))
    male_0_4 = models.PositiveIntegerField(_("male, 0-4"))
    male_5_11 = models.PositiveIntegerField(_("male, 5-11"))
    male_12_17 = models.PositiveIntegerField(_("male, 12-17"))
    male_18_59 = models.PositiveIntegerField(_("male, 18-59"))
    male_60_plus = models.PositiveIntegerField(_("male, 60+"))
    note = models.TextField(_("note"), blank=True, help_text=_("Why the figures were corrected."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # The import that recorded it, and its row's place among the file's counts (a job run again skips it).
    import_batch = models.ForeignKey(
        "returns.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="border_counts"
    )
    import_position = models.PositiveIntegerField(null=True, blank=True)

    objects = BorderCountQuerySet.as_manager()

    class Meta:
        ordering = ["crossing", "-day", "country", "-version"]
        verbose_name = _("border count")
        verbose_name_plural = _("border counts")
        constraints = [
            models.UniqueConstraint(
                fields=["crossing", "day", "country", "version"], name="border_count_one_row_per_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="border_count_version_from_one"),
            models.UniqueConstraint(
                fields=["import_batch", "import_position"],
                condition=Q(import_batch__isnull=False),
                name="border_count_imported_once",
            ),
            # A correction says why.
            models.CheckConstraint(condition=Q(version=1) | ~Q(note=""), name="border_count_correction_has_note"),
            *(
                models.CheckConstraint(condition=Q(total=_sum(fields)), name=f"border_count_{name}_sums_to_total")
                for name, fields in BREAKDOWNS.items()
            ),
        ]
        indexes = [models.Index(fields=["day", "crossing"], name="border_count_day_crossing")]

    def __str__(self) -> str:
        return f"{self.crossing_id} {self.day} {self.country_id} v{self.version}"

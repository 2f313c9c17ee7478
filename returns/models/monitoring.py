"""Return monitoring as a sample: a reproducible draw of returnees, and the answers of their interview.

UNHCR does not interview every returnee: in 2017 about 2,650 encashment-centre and 1,300 phone
interviews for about 59,000 returnees. A ``MonitoringPlan`` (one per agency, data edited in the
admin) says how large a sample to draw, from how long after arrival, and with which seed; the
daily draw (``returns.services.monitoring.monitoring_sample_draw``) puts the households it picks
into the monitoring queue as ``MonitoringInterview`` rows. A case never waits for its interview.

The answers are typed columns and arrays of codes, so that reports count them with ``GROUP BY``
(or ``unnest`` for the arrays). Without the returnee's consent no answer is stored (a database
constraint); a recorded interview is not edited afterwards, and interviews are never deleted.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import ALL_AGENCIES, Agency, District, Province, User, agency_scope
from returns.models.cases import household_withdrawn


class MonitoringPlan(models.Model):
    """How an agency samples its returnees for return monitoring."""

    agency = models.OneToOneField(
        Agency, on_delete=models.PROTECT, related_name="monitoring_plan", verbose_name=_("agency")
    )
    sample_rate = models.DecimalField(
        _("sample rate"),
        max_digits=5,
        decimal_places=4,
        help_text=_("The share of returnees drawn, as a fraction: 0.05 draws about one household in twenty."),
    )
    seed = models.CharField(
        _("seed"),
        max_length=64,
        help_text=_("Any text. The same seed draws the same households; change it to draw a new sample."),
    )
    window_from_days = models.PositiveSmallIntegerField(
        _("from days after arrival"), default=30, help_text=_("Households are drawn from this many days after arrival…")
    )
    window_until_days = models.PositiveSmallIntegerField(
        _("until days after arrival"),
        default=180,
        help_text=_("…until this many; the interview is due by then."),
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("An inactive plan draws nobody."))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency"]
        verbose_name = _("monitoring plan")
        verbose_name_plural = _("monitoring plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_rate__gt=0) & Q(sample_rate__lte=1), name="monitoring_plan_rate_fraction"
            ),
            models.CheckConstraint(
                condition=Q(window_from_days__lt=F("window_until_days")), name="monitoring_plan_window_order"
            ),
            models.CheckConstraint(condition=~Q(seed=""), name="monitoring_plan_has_seed"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.sample_rate} from {self.window_from_days} to {self.window_until_days} days"


# The codes of an interview's status, method and answers: what reports count by.


class InterviewStatus(models.TextChoices):
    PENDING = "pending", _("To interview")
    COMPLETED = "completed", _("Interviewed")
    NOT_REACHED = "not_reached", _("Not reached")
    REFUSED_CONSENT = "refused_consent", _("Declined the interview")


class InterviewMethod(models.TextChoices):
    ENCASHMENT_CENTRE = "encashment_centre", _("At the encashment centre")
    PHONE = "phone", _("By phone")
    HOUSEHOLD_VISIT = "household_visit", _("Household visit")


class Shelter(models.TextChoices):
    OWN_HOUSE = "own_house", _("Own house")
    RENTED = "rented", _("Rented")
    WITH_RELATIVES = "with_relatives", _("With relatives or hosts")
    TENT_MAKESHIFT = "tent_makeshift", _("Tent or makeshift shelter")
    INFORMAL_SETTLEMENT = "informal_settlement", _("Informal settlement")
    NO_SHELTER = "no_shelter", _("No shelter")


class Work(models.TextChoices):
    REGULAR = "regular", _("Regular work or own business")
    DAILY_LABOUR = "daily_labour", _("Daily labour")
    AGRICULTURE = "agriculture", _("Farming or livestock")
    NONE = "none", _("No work")


class Document(models.TextChoices):
    TAZKIRA = "tazkira", _("Tazkira (national ID)")
    PASSPORT = "passport", _("Passport")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    RETURN_DOCUMENT = "return_document", _("VRF or return certificate")


class Intention(models.TextChoices):
    YES = "yes", _("Intends to stay")
    NO = "no", _("Intends to leave")
    UNDECIDED = "undecided", _("Undecided")


class Need(models.TextChoices):
    FOOD = "food", _("Food")
    SHELTER = "shelter", _("Shelter")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    LIVELIHOOD = "livelihood", _("Livelihood")
    DOCUMENTATION = "documentation", _("Documentation")
    PROTECTION = "protection", _("Protection")
    NONE = "none", _("None")


class MonitoringInterviewQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MonitoringInterviewQuerySet":
        """The gate for monitoring interviews: the staff of the interview's agency; administrators all.

        A partner's key sees none, whatever its agreement: the answers are not shared.
        """
        if getattr(user, "role", None) == User.Role.PARTNER:
            return self.none()
        scope = agency_scope(user)
        if scope is None:
            return self.none()
        interviews = self.exclude(household_withdrawn("household_id"))
        return interviews if scope == ALL_AGENCIES else interviews.filter(agency_id__in=scope)

    def waiting(self) -> "MonitoringInterviewQuerySet":
        """Still to be done: never tried, or tried without reaching the family."""
        return self.filter(status__in=MonitoringInterview.WAITING)

    def overdue(self, today) -> "MonitoringInterviewQuerySet":
        return self.waiting().filter(due_by__lt=today)


class MonitoringInterview(models.Model):
    """One household drawn for return monitoring: the queue item, then its interview's answers."""

    Status = InterviewStatus
    Method = InterviewMethod
    Shelter = Shelter
    Work = Work
    Document = Document
    Intention = Intention
    Need = Need

    # What can still be recorded (a family not reached is tried again); the others are final.
    WAITING = (Status.PENDING, Status.NOT_REACHED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey("returns.Household", on_delete=models.PROTECT, related_name="monitoring_interviews")
    case = models.ForeignKey(
        "returns.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_interviews",
        help_text=_("The agency's case for the household when it was drawn."),
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    plan = models.ForeignKey(MonitoringPlan, on_delete=models.PROTECT, related_name="interviews")
    drawn_on = models.DateField(_("drawn on"))
    due_by = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    method = models.CharField(_("method"), max_length=24, choices=Method.choices, blank=True)
    interviewed_on = models.DateField(_("interviewed on"), null=True, blank=True)
    interviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent = models.BooleanField(_("consent given"), default=False)
    # The answers: only with consent.
    current_province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("living now in")
    )
    current_district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("district")
    )
    shelter = models.CharField(_("shelter"), max_length=24, choices=Shelter.choices, blank=True)
    work = models.CharField(_("work"), max_length=16, choices=Work.choices, blank=True)
    documents = ArrayField(
        models.CharField(max_length=24, choices=Document.choices),
        default=list,
        blank=True,
        verbose_name=_("documents held"),
    )
    intends_to_stay = models.CharField(_("intends to stay"), max_length=12, choices=Intention.choices, blank=True)
    needs = ArrayField(
        models.CharField(max_length=16, choices=Need.choices), default=list, blank=True, verbose_name=_("needs")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = MonitoringInterviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_by", "id"]
        verbose_name = _("monitoring interview")
        verbose_name_plural = _("monitoring interviews")
        constraints = [
            models.UniqueConstraint(fields=["household", "plan"], name="monitoring_drawn_once_per_plan"),
            models.CheckConstraint(condition=Q(status__in=InterviewStatus.values), name="monitoring_status_valid"),
            # No answer is stored without consent.
            models.CheckConstraint(
                condition=Q(consent=True)
                | (
                    Q(current_province__isnull=True)
                    & Q(current_district__isnull=True)
                    & Q(shelter="")
                    & Q(work="")
                    & Q(documents=[])
                    & Q(intends_to_stay="")
                    & Q(needs=[])
                ),
                name="monitoring_answers_need_consent",
            ),
            # Waiting: nobody interviewed yet. Recorded: when, how, by whom.
            models.CheckConstraint(
                condition=Q(status="pending", interviewed_on__isnull=True, consent=False)
                | (
                    ~Q(status="pending")
                    & Q(interviewed_on__isnull=False)
                    & Q(interviewed_by__isnull=False)
                    & ~Q(method="")
                ),
                name="monitoring_recorded_when_how_by_whom",
            ),
            # Only a completed interview has consent, and it answers the questions that are always asked.
            models.CheckConstraint(
                condition=~Q(status="completed", consent=False)
                & (Q(consent=False) | Q(status="completed"))
                & (
                    ~Q(status="completed")
                    | (
                        Q(current_province__isnull=False)
                        & ~Q(shelter="")
                        & ~Q(work="")
                        & ~Q(intends_to_stay="")
                        & ~Q(needs=[])
                    )
                ),
                name="monitoring_completed_with_consent_and_answers",
            ),
            models.CheckConstraint(
                condition=Q(documents__contained_by=Document.values),
                name="monitoring_documents_valid",
            ),
            models.CheckConstraint(condition=Q(needs__contained_by=Need.values), name="monitoring_needs_valid"),
        ]
        indexes = [
            models.Index(
                fields=["agency", "due_by"], condition=Q(status__in=["pending", "not_reached"]), name="monitoring_queue"
            ),
            models.Index(fields=["agency", "status"], name="monitoring_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.plan_id} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("returns:monitoring-interview", kwargs={"public_id": self.public_id})

    @property
    def is_waiting(self) -> bool:
        return self.status in self.WAITING

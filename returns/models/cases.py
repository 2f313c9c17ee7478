"""Cases: a household's journey through one agency's assistance workflow.

A case is opened for the agency a household is routed to (and, on an accepted referral, at
another agency). Its stage belongs to the workflow named by ``workflow`` (see
``returns.workflows``); every change is an append-only ``CaseEvent``. Assistance delivered and
referrals hang off the case.
"""

import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import ALL_AGENCIES, Agency, Office, agency_scope
from agencies.models.languages import NamedInThreeLanguages
from agencies.models.scope import partner_agreement


def household_withdrawn(household_id: str) -> models.Exists:
    """Whether the household at ``household_id`` (a path from the gated model) is withdrawn: the gates
    of cases, referrals and interviews leave those out, as ``Household.objects.visible_to`` does.

    A subquery, not a join, so that a lock taken through a gate never locks the household row too;
    it reads the partial index of the few withdrawn households.
    """
    household = Case._meta.get_field("household").related_model
    return models.Exists(household.objects.filter(pk=OuterRef(household_id), withdrawn_at__isnull=False))


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CaseQuerySet":
        """The one gate for cases: the cases of the user's own agency; administrators see all."""
        scope = agency_scope(user)
        if scope is None:
            return self.none()
        cases = self.exclude(household_withdrawn("household_id"))
        return cases if scope == ALL_AGENCIES else cases.filter(agency_id__in=scope)

    def open(self) -> "CaseQuerySet":
        return self.filter(closed_at__isnull=True)

    def overdue(self, today) -> "CaseQuerySet":
        return self.open().filter(stage_due_date__lt=today)

    def locked(self, pks: Iterable[int] | None = None) -> "CaseQuerySet":
        """These cases (all of them, or those with ``pks``), locked FOR UPDATE in primary-key order.

        Every lock on cases goes through here: two transactions that each lock several cases then
        take them in the same order, so neither can hold one the other waits for. Only the case
        rows are locked, whatever the caller joins.
        """
        cases = self if pks is None else self.filter(pk__in=list(pks))
        return cases.select_for_update(of=("self",)).order_by("pk")


class Case(models.Model):
    class Outcome(models.TextChoices):
        ASSISTED = "assisted", _("Assisted")
        BASIC_PACKAGE = "basic_package", _("Closed after the basic package")
        REINTEGRATION_COMPLETED = "reintegration_completed", _("Reintegration completed")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible; referred to IOM")
        REROUTED = "rerouted", _("Household re-routed to another agency")
        COUNTED_NOT_ASSISTED = "counted_not_assisted", _("Counted, not assisted")
        WITHDRAWN = "withdrawn", _("Household withdrawn: registered in error or a duplicate")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Unique by a constraint of Meta's: a plain index, without the pattern index ``unique=True`` adds.
    case_number = models.CharField(_("case number"), max_length=32)
    # Found through ``case_one_per_household_and_agency``, whose first column it is.
    household = models.ForeignKey("returns.Household", on_delete=models.PROTECT, related_name="cases", db_index=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases")
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_(
            "The office responsible for the case now: where the household was registered, until the case is "
            "handed to another office (IOM: the team of the province of destination)."
        ),
    )
    workflow = models.CharField(_("workflow"), max_length=32)
    stage = models.CharField(_("stage"), max_length=32)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,  # Meta's index: only the cases assigned
    )
    stage_due_date = models.DateField(_("current stage due"), null=True, blank=True)
    overdue_since = models.DateField(_("marked overdue on"), null=True, blank=True)
    is_vulnerable = models.BooleanField(_("vulnerable"), default=False)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    opened_by_referral = models.ForeignKey(
        "Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised by every change, so that a stale edit is refused, never applied.")
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["household", "agency"], name="case_one_per_household_and_agency"),
            models.UniqueConstraint(fields=["case_number"], name="case_number_unique"),
            models.CheckConstraint(
                condition=(Q(closed_at__isnull=True) & Q(outcome="")) | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="case_closed_with_outcome",
            ),
        ]
        indexes = [
            models.Index(
                fields=["agency", "stage", "office"], condition=Q(closed_at__isnull=True), name="case_open_by_stage"
            ),
            models.Index(
                fields=["assigned_to", "stage_due_date"],
                condition=Q(closed_at__isnull=True),
                name="case_open_by_assignee",
            ),
            models.Index(
                fields=["agency", "stage_due_date"], condition=Q(closed_at__isnull=True), name="case_open_by_due_date"
            ),
            # Keys most cases leave empty (an import's are not yet assigned): only the cases that have one.
            models.Index(fields=["assigned_to"], condition=Q(assigned_to__isnull=False), name="case_assigned_to"),
            models.Index(
                fields=["opened_by_referral"],
                condition=Q(opened_by_referral__isnull=False),
                name="case_opened_by_referral",
            ),
        ]

    def __str__(self) -> str:
        return self.case_number

    def get_absolute_url(self) -> str:
        return reverse("returns:case-detail", kwargs={"public_id": self.public_id})

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseEvent(models.Model):
    """Append-only history of a case: who did what, when, from which stage to which.

    PostgreSQL refuses any UPDATE or DELETE of a row (the trigger of migration
    ``0018_withdrawal_and_append_only_history``).
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        TRANSITION = "transition", _("Stage changed")
        ASSIGNED = "assigned", _("Assigned")
        ASSISTANCE_RECORDED = "assistance_recorded", _("Assistance recorded")
        ASSISTANCE_APPROVED = "assistance_approved", _("Assistance approved")
        ASSISTANCE_REJECTED = "assistance_rejected", _("Assistance rejected")
        REFERRAL_MADE = "referral_made", _("Referral made")
        REFERRAL_ANSWERED = "referral_answered", _("Referral answered")
        REFERRAL_OVERDUE = "referral_overdue", _("Referral overdue: not answered in time")
        OVERDUE = "overdue", _("Marked overdue")
        FOLLOWUP_DUE = "followup_due", _("Follow-up due")  # no longer written: monitoring is a sample
        HANDOVER = "handover", _("Handover to the province of destination")
        CLOSED = "closed", _("Closed")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    transition = models.CharField(_("transition"), max_length=48, blank=True)
    from_stage = models.CharField(_("from"), max_length=32, blank=True)
    to_stage = models.CharField(_("to"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["case", "created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class MemberVerification(models.Model):
    """UNHCR's check of one member before the grant: documents and iris (from age 5)."""

    class Result(models.TextChoices):
        CLEAR = "clear", _("Verified, not assisted before")
        PREVIOUSLY_ASSISTED = "previously_assisted", _("Assisted before (recycler)")
        FAILED = "failed", _("Could not be verified")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="verifications")
    member = models.ForeignKey("returns.Member", on_delete=models.PROTECT, related_name="verifications")
    result = models.CharField(_("iris verification"), max_length=24, choices=Result.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "member"]
        verbose_name = _("member verification")
        verbose_name_plural = _("member verifications")
        constraints = [models.UniqueConstraint(fields=["case", "member"], name="verification_one_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.result}"


class AssistanceType(NamedInThreeLanguages):
    """An agency's catalogue of assistance: data, so the agency can change it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assistance_types")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    is_cash = models.BooleanField(_("cash"), default=False, help_text=_("Cash needs a second person's approval."))
    is_grant = models.BooleanField(
        _("repatriation grant"), default=False, help_text=_("Its amount per person comes from the grant rates.")
    )
    is_supplement = models.BooleanField(
        _("return supplement"),
        default=False,
        help_text=_("Its amount comes from the supplement rules: once per family, across the parts of a family."),
    )
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. kit, night, meal"))
    once_per_person = models.BooleanField(
        _("one per person"),
        default=False,
        help_text=_(
            "Refused to anyone who, or whose likely duplicate, already received assistance marked so from "
            "either agency, unless a manager overrides it."
        ),
    )
    repeat_after_days = models.PositiveIntegerField(
        _("again after (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: once, ever (the VolRep grant). Otherwise the days before it may be given again."),
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["agency", "order", "code"]
        verbose_name = _("assistance type")
        verbose_name_plural = _("assistance types")
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="assistance_type_unique_per_agency")]

    def __str__(self) -> str:
        return self.shown_name


class GrantRate(models.Model):
    """The grant for a period (USD 375 per person from 1 August 2022...): the amount is data, by arrival date.

    Most rates are per person, paid for each eligible member; before 29 May 2002 the grant was per
    family. Figures the sources give only as an average or an approximate date are marked so.
    """

    class Unit(models.TextChoices):
        PERSON = "person", _("per eligible person")
        FAMILY = "family", _("per family")

    assistance_type = models.ForeignKey(AssistanceType, on_delete=models.PROTECT, related_name="rates")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    amount_per_person = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("paid"), max_length=6, choices=Unit.choices, default=Unit.PERSON)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    is_approximate = models.BooleanField(
        _("approximate"),
        default=False,
        help_text=_("The sources give this amount or its start only approximately (an average, a month)."),
    )
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["assistance_type", "-valid_from"]
        verbose_name = _("grant rate")
        verbose_name_plural = _("grant rates")
        constraints = [
            models.CheckConstraint(condition=Q(amount_per_person__gte=0), name="grant_rate_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")), name="grant_rate_period"
            ),
            models.UniqueConstraint(fields=["assistance_type", "valid_from"], name="grant_rate_one_per_start"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="grant_rate_currency_code"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_per_person} {self.currency} {self.get_unit_display()} from {self.valid_from}"


class SupplementRule(models.Model):
    """The return supplement for arrivals in a period, paid once per family some months after arrival.

    From 1 January 2023: USD 700 for a family of two or more, USD 350 for one person; a family that
    returns in parts gets ``part_amount`` for each of its first ``parts_paid`` parts, and nothing after.
    """

    valid_from = models.DateField(_("arrivals from"))
    valid_until = models.DateField(_("arrivals until"), null=True, blank=True)
    family_amount = models.DecimalField(_("family of two or more"), max_digits=10, decimal_places=2)
    single_amount = models.DecimalField(_("one person"), max_digits=10, decimal_places=2)
    part_amount = models.DecimalField(_("each part of a family returning in parts"), max_digits=10, decimal_places=2)
    parts_paid = models.PositiveSmallIntegerField(_("parts paid"), default=2)
    due_after_days = models.PositiveSmallIntegerField(_("due days after arrival"), default=90)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    is_approximate = models.BooleanField(_("approximate"), default=False)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("supplement rule")
        verbose_name_plural = _("supplement rules")
        constraints = [
            models.UniqueConstraint(fields=["valid_from"], name="supplement_one_per_start"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")), name="supplement_period"
            ),
            models.CheckConstraint(
                condition=Q(family_amount__gte=0, single_amount__gte=0, part_amount__gte=0),
                name="supplement_not_negative",
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="supplement_currency_code"),
        ]

    def __str__(self) -> str:
        return f"{self.family_amount}/{self.single_amount} {self.currency} from {self.valid_from}"


class MemberEntitlement(models.Model):
    """What one member of a UNHCR case is entitled to, decided at verification; paid per eligible member."""

    class Decision(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible for the VolRep grant")
        ALREADY_ASSISTED = "already_assisted", _("Already assisted (recycler)")
        NOT_ON_VRF = "not_on_vrf", _("Not on the VRF")
        UNDOCUMENTED = "undocumented", _("Undocumented")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="entitlements")
    member = models.ForeignKey("returns.Member", on_delete=models.PROTECT, related_name="entitlements")
    decision = models.CharField(_("entitlement"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "member"]
        verbose_name = _("member entitlement")
        verbose_name_plural = _("member entitlements")
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="entitlement_one_per_member"),
            models.CheckConstraint(
                condition=~Q(decision="refused") | ~Q(reason=""), name="entitlement_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.decision}"


class Assistance(models.Model):
    """Assistance delivered to a household or one member. Cash waits for a second person's approval."""

    class Approval(models.TextChoices):
        NOT_REQUIRED = "not_required", _("No approval needed")
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assistance")
    member = models.ForeignKey(
        "returns.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for assistance to the whole household."),
    )
    assistance_type = models.ForeignKey(AssistanceType, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal(1))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    delivered_on = models.DateField(_("delivered on"))
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    approval = models.CharField(_("approval"), max_length=16, choices=Approval.choices)
    needs_manager_approval = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # One grant per person: a manager let this through although the person (or a likely duplicate)
    # had received one already, and wrote why.
    override_justification = models.TextField(_("justification"), blank=True, db_default="")
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["case", "delivered_on", "id"]
        verbose_name = _("assistance")
        verbose_name_plural = _("assistance")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="assistance_quantity_positive"),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gt=0), name="assistance_value_positive"),
            models.CheckConstraint(
                condition=(Q(value__isnull=True) & Q(currency=""))
                | (Q(value__isnull=False) & Q(currency__regex=r"^[A-Z]{3}$")),
                name="assistance_value_has_currency",
            ),
            models.CheckConstraint(
                condition=(Q(overridden_by__isnull=True) & Q(override_justification=""))
                | (Q(overridden_by__isnull=False) & ~Q(override_justification="")),
                name="assistance_override_justified",
            ),
            # Maker-checker: whoever records cash cannot approve it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("recorded_by")),
                name="assistance_not_self_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistance_type_id} {self.value or ''} {self.currency}".strip()


class GrantRefusal(models.Model):
    """Append-only: a grant refused because the person, or a likely duplicate, had received one already.

    Written when the refusal is given, so the joint report counts the attempts stopped.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="grant_refusals")
    member = models.ForeignKey("returns.Member", on_delete=models.PROTECT, related_name="+")
    assistance_type = models.ForeignKey(AssistanceType, on_delete=models.PROTECT, related_name="+")
    earlier = models.ForeignKey(Assistance, on_delete=models.PROTECT, related_name="+")
    # The earlier grant was paid to another record of the person (a merged or likely duplicate).
    through_duplicate = models.BooleanField(default=False)
    refused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    refused_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["refused_at", "pk"]
        verbose_name = _("grant refused as already given")
        verbose_name_plural = _("grants refused as already given")

    def __str__(self) -> str:
        return f"{self.member_id} {self.assistance_type_id}"


class ReferralQuerySet(models.QuerySet):
    def open(self) -> "ReferralQuerySet":
        """Pending or accepted: the receiving agency still has something to do."""
        return self.filter(status__in=Referral.OPEN_STATUSES)

    def overdue(self, today) -> "ReferralQuerySet":
        """Still pending after the day its answer was due."""
        return self.filter(status=Referral.Status.PENDING, due_date__lt=today)

    def visible_to(self, user) -> "ReferralQuerySet":
        """The gate for referrals: those made by or addressed to the user's agency.

        A partner's key sees the referrals addressed to the partner while its data-sharing agreement
        is in force (whichever agencies it covers: what a referral tells of the person referred is
        the serializer's to minimise), none once it has ended.
        """
        referrals = self.exclude(household_withdrawn("case__household_id"))
        if getattr(user, "role", None) == "partner" and user.is_active:
            if partner_agreement(user) is None:
                return self.none()
            return referrals.filter(to_agency_id=user.agency_id)
        scope = agency_scope(user)
        if scope is None:
            return self.none()
        if scope == ALL_AGENCIES:
            return referrals
        return referrals.filter(Q(from_agency_id__in=scope) | Q(to_agency_id__in=scope))


class Referral(models.Model):
    """A referral from a case to another agency (UNHCR, IOM) or a partner organisation."""

    # The usual time a receiving agency has to answer: the default due date of a new referral.
    ANSWER_DAYS = 3

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")

    class Service(models.TextChoices):
        ASSISTANCE = "assistance", _("Assistance by the other agency")
        SCREENING = "screening", _("IOM vulnerability screening")
        LEGAL_AID = "legal_aid", _("Legal aid")
        HEALTH = "health", _("Health")
        SHELTER = "shelter", _("Shelter")
        PROTECTION = "protection", _("Protection")
        VERIFICATION = "verification", _("UNHCR verification of refugee registration")
        OTHER = "other", _("Other")

    # Waiting for the receiving agency: what its inbox and the dashboards count as open.
    OPEN_STATUSES = (Status.PENDING, Status.ACCEPTED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    member = models.ForeignKey("returns.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_made")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_received")
    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    due_date = models.DateField(_("answer due"))
    overdue_since = models.DateField(
        _("marked overdue on"),
        null=True,
        blank=True,
        help_text=_("Set once by the nightly check when still pending after its due date."),
    )
    follow_up = models.ForeignKey(
        "returns.FlagFollowUp",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("flag follow-up"),
        help_text=_("The rule that made it for a household flag; empty for a referral a person made."),
    )
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=~Q(from_agency=F("to_agency")), name="referral_to_another_agency"),
            models.CheckConstraint(condition=~Q(reason=""), name="referral_has_reason"),
        ]
        indexes = [
            models.Index(fields=["to_agency", "status"], name="referral_inbox"),
            # The nightly overdue check reads only the pending referrals.
            models.Index(fields=["due_date"], condition=Q(status="pending"), name="referral_pending_due"),
        ]

    def __str__(self) -> str:
        return f"{self.from_agency_id}→{self.to_agency_id} {self.service}"

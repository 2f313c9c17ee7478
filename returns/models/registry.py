"""The registry: households, their members and documents, and the routing rules that place them."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import ALL_AGENCIES, Agency, Country, District, Office, Province, Scope, User, agency_scope
from agencies.models.languages import NamedInThreeLanguages
from returns.ages import age_on
from returns.conditions import conditions_errors
from returns.models.cases import Case, Referral
from returns.names import document_number_normal, name_index, phone_digits
from returns.search import households_searched

# ---------------------------------------------------------------------------------------------
# Code lists: data, so an agency can update them in the admin without a code change.
# ---------------------------------------------------------------------------------------------


class ReturnType(NamedInThreeLanguages):
    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    is_forced = models.BooleanField(
        _("forced return"), default=False, help_text=_("Deportations and other forced returns.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("return type")
        verbose_name_plural = _("return types")

    def __str__(self) -> str:
        return self.shown_name


class DocumentType(NamedInThreeLanguages):
    class RoutingClass(models.TextChoices):
        REFUGEE_CARD = "refugee_card", _("Refugee card (PoR, Amayesh)")
        REPATRIATION_FORM = "repatriation_form", _("Voluntary Repatriation Form (VRF)")
        CITIZEN_CARD = "citizen_card", _("Non-refugee registration card (ACC)")
        PASSPORT_VISA = "passport_visa", _("Passport or visa")
        IDENTITY = "identity", _("Identity document (tazkira)")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    routing_class = models.CharField(
        _("class for routing"), max_length=24, choices=RoutingClass.choices, help_text=_("What the routing rules see.")
    )
    issuing_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The usual issuer, suggested on the form."),
    )
    has_expiry = models.BooleanField(_("has an expiry date"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.shown_name


class NeedCode(NamedInThreeLanguages):
    """A UNHCR specific-needs code or an IOM vulnerability category."""

    class Scheme(models.TextChoices):
        UNHCR_SPECIFIC_NEED = "unhcr_snc", _("UNHCR specific needs code")
        IOM_VULNERABILITY = "iom_vulnerability", _("IOM vulnerability category")

    code = models.CharField(_("code"), max_length=16)
    scheme = models.CharField(_("scheme"), max_length=20, choices=Scheme.choices)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    is_active = models.BooleanField(_("active"), default=True)
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Published counts of people with this code need more people per cell (the report's stricter threshold)."
        ),
    )

    class Meta:
        ordering = ["scheme", "code"]
        verbose_name = _("specific-needs code")
        verbose_name_plural = _("specific-needs codes")
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="needcode_unique_per_scheme")]

    def __str__(self) -> str:
        return f"{self.code} {self.shown_name}"


# ---------------------------------------------------------------------------------------------
# Routing: an ordered, versioned rule set decides the agency, the category and the flags.
# ---------------------------------------------------------------------------------------------


class Category(models.TextChoices):
    """The categories the joint report counts (docs/routing.md explains each)."""

    REGISTERED_REFUGEE = "registered_refugee", _("Registered refugee returning through VolRep (VRF)")
    REFUGEE_CARD = "refugee_card", _("Refugee-card holder returning outside VolRep")
    ACC_HOLDER = "acc_holder", _("Afghan Citizen Card (ACC) holder")
    PASSPORT_VISA = "passport_visa", _("Passport or visa holder")
    UNDOCUMENTED = "undocumented", _("Undocumented returnee")


class CardValidityDecree(models.Model):
    """A decision that makes refugee cards of a type legally valid until a date, whatever is printed on them.

    Pakistan's cabinet extended PoR cards past their printed expiry several times, then stopped
    after 30 June 2025. From ``effective_from`` until the next decree for the same card type, a card
    of ``document_type`` is valid on a day when the day is on or before ``valid_until``; before the
    first decree, the printed expiry decides. Decrees are history: a later decision is a new row.
    """

    document_type = models.ForeignKey(
        DocumentType,
        on_delete=models.PROTECT,
        related_name="decrees",
        limit_choices_to={"routing_class": "refugee_card"},
        verbose_name=_("card type"),
    )
    title = models.CharField(_("decision"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    effective_from = models.DateField(_("in force from"))
    valid_until = models.DateField(_("cards valid until"))
    date_is_approximate = models.BooleanField(
        _("dates approximate"), default=False, help_text=_("The sources give the month or season, not the day.")
    )
    source = models.TextField(_("source"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_type", "effective_from"]
        verbose_name = _("card validity decree")
        verbose_name_plural = _("card validity decrees")
        constraints = [
            models.UniqueConstraint(fields=["document_type", "effective_from"], name="decree_one_per_start"),
            models.CheckConstraint(condition=Q(decided_on__lte=F("effective_from")), name="decree_decided_first"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.effective_from})"


class RoutingRuleSet(models.Model):
    """One version of the routing policy, in force from a date until the next published version.

    Published versions form a timeline: a household is routed by the version in force on its
    arrival date (``returns.reference.ReferenceData.policy_on``). A draft is edited, then published
    for a date (``returns.rule_sets.rule_set_publish``); a withdrawn version leaves the timeline
    but stays cited by the households it decided.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(
        _("in force from"), null=True, blank=True, help_text=_("Arrivals on or after this day follow this version.")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("routing rule set")
        verbose_name_plural = _("routing rule sets")
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from"], condition=Q(status="published"), name="routing_one_version_per_date"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_from__isnull=False), name="routing_published_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"


class RoutingRule(models.Model):
    """One rule: when every condition holds, apply its flags and, if it decides, its agency.

    ``conditions`` maps a fact name to the list of values that satisfy it, for example
    ``{"refugee_document_coverage": ["all", "some"], "return_type": ["deportation"]}``; an empty
    mapping always matches. The facts are listed in ``returns.conditions.FACTS``.
    """

    rule_set = models.ForeignKey(RoutingRuleSet, on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=48)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    decides = models.BooleanField(
        _("decides"),
        default=True,
        help_text=_("A deciding rule ends the evaluation; otherwise it only adds its flags."),
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    flags = ArrayField(models.SlugField(max_length=48), default=list, blank=True)
    explanation = models.TextField(
        _("explanation"), help_text=_("Shown to the officer as the reason for the decision.")
    )
    explanation_fa = models.TextField(_("explanation in Dari"), blank=True)
    explanation_ps = models.TextField(_("explanation in Pashto"), blank=True)

    class Meta:
        ordering = ["rule_set", "order"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "order"], name="routing_rule_unique_order"),
            models.UniqueConstraint(fields=["rule_set", "code"], name="routing_rule_unique_code"),
            models.CheckConstraint(
                condition=Q(decides=False) | (Q(agency__isnull=False) & ~Q(category="")),
                name="routing_deciding_rule_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} (v{self.rule_set.version})" if self.rule_set_id else self.code

    def clean(self) -> None:
        errors = conditions_errors(self.conditions)
        if errors:
            raise ValidationError({"conditions": errors})
        if self.decides and (self.agency_id is None or not self.category):
            raise ValidationError(_("A deciding rule needs an agency and a category."))


# ---------------------------------------------------------------------------------------------
# The registry.
# ---------------------------------------------------------------------------------------------


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> "HouseholdQuerySet":
        """The one gate: the households this user may see.

        Staff of an assisting agency see the households routed to their agency, the ones referred to
        it, and any household they registered themselves (so an officer sees the routing of a
        household sent elsewhere).
        Administrators see everything. Coordinators read joint figures, never personal records.

        Referred means either a case the agency opened on accepting a referral, or a referral
        addressed to the agency that is still open (pending or accepted): the agency must see the
        household before it answers, e.g. UNHCR verifying an IOM household's expired card
        (``returns.services.follow_ups``). A declined or completed referral no longer opens the
        household to it, unless the referral opened a case there. Only the staff of an assisting
        agency (one routing sends households to: UNHCR, IOM) are opened households this way, by
        referrals to their own agency; a partner organisation reads the referrals addressed to it
        (``Referral.objects.visible_to``), and its key reads households only as far as its
        data-sharing agreement covers them (an IOM household referred to UNHCR is not opened to a
        key whose agreement covers UNHCR).
        """
        scope = agency_scope(user)
        if scope is None:
            return self.none()
        if scope == ALL_AGENCIES:
            return self.not_withdrawn()
        # Both are small, indexed subqueries (the open-case and referral-inbox indexes): no query is added.
        opened = Case.objects.filter(agency_id__in=scope, opened_by_referral__isnull=False).values("household_id")
        addressed = Referral.objects.filter(
            to_agency_id=user.agency_id, to_agency__receives_routed_households=True, status__in=Referral.OPEN_STATUSES
        ).values("case__household_id")
        return self.not_withdrawn().filter(
            Q(routed_agency_id__in=scope) | Q(registered_by_id=user.pk) | Q(pk__in=opened) | Q(pk__in=addressed)
        )

    def not_withdrawn(self) -> "HouseholdQuerySet":
        """Leave out the households withdrawn (registered in error, or merged into another): every gate
        does, so they vanish from every page, list, API answer and count of people, and stay stored."""
        return self.filter(withdrawn_at__isnull=True)

    def countable_by(self, user, *, including_withdrawn: bool = False) -> "HouseholdQuerySet":
        """The gate for aggregates (never for personal records): the households a user may count.

        Administrators, coordinators, staff of the agencies households are routed to (UNHCR, IOM)
        and partners' keys holding ``reports:read`` count every household; anyone else none.
        Withdrawn households are left out, unless ``including_withdrawn``: the joint report takes
        them in to count the money paid to them (and decides itself, by its cut-off, which are withdrawn).
        """
        households = self if including_withdrawn else self.not_withdrawn()
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.sees_everything or user.role == User.Role.COORDINATOR:
            return households
        if user.role == User.Role.PARTNER:
            key = getattr(user, "api_key", None)
            usable = key is not None and key.revoked_at is None and key.has_scope(Scope.REPORTS_READ)
            return households if usable else self.none()
        if user.agency_id is None:
            return self.none()
        # In SQL, so that the user's agency need not be loaded.
        return households.filter(
            models.Exists(Agency.objects.filter(pk=user.agency_id, receives_routed_households=True))
        )

    def search(self, text: str) -> "HouseholdQuerySet":
        """The search box (``returns.search``): any part of any name in either script, several words,
        spelling variants, a registration, document or phone number; best matches first."""
        return households_searched(self, text, members=Member.objects, documents=MemberDocument.objects)


class Household(models.Model):
    class Flag(models.TextChoices):
        MIXED_STATUS = "mixed_status", _("Mixed status: some members without refugee documents")
        PROTECTION_FOLLOW_UP = "protection_follow_up", _("Protection follow-up: refugee-card holder deported")
        UNHCR_VERIFICATION = "unhcr_verification", _("UNHCR to verify a refugee card")
        WINTER_PAUSE = "winter_pause", _("Arrived during the VolRep winter pause (1 December to end of February)")
        REROUTED = "rerouted", _("Re-routed by a manager")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Unique by a constraint of Meta's: a plain index, without the pattern index ``unique=True`` adds.
    registration_number = models.CharField(_("registration number"), max_length=20, editable=False)
    arrival_date = models.DateField(_("arrival date"))
    # The keys' indexes are Meta's (``indexes``): one per column that needs one, no pattern index for
    # the code keys (nothing searches a code by its beginning). Each index is written by every import.
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("crossing point or office"),
        db_index=False,
    )
    country_of_departure = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country of departure"), db_index=False
    )
    return_type = models.ForeignKey(
        ReturnType, on_delete=models.PROTECT, related_name="+", verbose_name=_("return type"), db_index=False
    )
    destination_province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province of destination"), db_index=False
    )
    destination_district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district of destination"),
        db_index=False,
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The phone's national digits (``returns.names.phone_digits``): what a search by phone compares.
    phone_digits = models.CharField(max_length=20, blank=True, editable=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    routed_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="households", verbose_name=_("agency"), db_index=False
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    routing_rule = models.ForeignKey(RoutingRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    routing_version = models.PositiveIntegerField(_("routing rule set version"), null=True, blank=True)
    routing_reason = models.TextField(_("routing reason"))
    routing_facts = models.JSONField(
        _("what routing read"),
        default=dict,
        blank=True,
        help_text=_("The facts the rules read on the arrival date, with the card decrees that applied."),
    )
    family = models.ForeignKey(
        "returns.Family",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("family"),
        help_text=_("The other parts of a family that returns in parts."),
        db_index=False,
    )
    flags = ArrayField(models.SlugField(max_length=48), default=list, blank=True, verbose_name=_("flags"))
    member_count = models.PositiveSmallIntegerField(_("members"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Withdrawn: registered in error, or a duplicate merged into ``merged_into``. Nothing is deleted:
    # the household, its members, cases, assistance and history stay; the gates leave it out.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
        db_index=False,
    )
    # A database default too: the demo loader and the benchmark COPY households without this column.
    withdrawal_reason = models.TextField(_("why withdrawn"), blank=True, default="", db_default="")
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name=_("merged into"),
        help_text=_("The household this duplicate was merged into."),
        db_index=False,
    )

    # Anonymised: names, birth dates, phone, document numbers and free text replaced
    # (``returns.services.retention``); the figures stay. Set once, so the job never repeats itself.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["-arrival_date", "-id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.CheckConstraint(condition=Q(member_count__gte=1), name="household_has_members"),
            models.CheckConstraint(
                condition=Q(category__in=[choice.value for choice in Category]), name="household_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(registration_number__regex=r"^[A-Z]{3}-[0-9]{4}-[0-9]{6,}$"), name="household_number_format"
            ),
            # A withdrawal says when, by whom and why; a merged duplicate is a withdrawn one.
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
                name="household_withdrawal_recorded",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | (Q(withdrawn_at__isnull=False) & ~Q(merged_into=F("id"))),
                name="household_merged_is_withdrawn",
            ),
            models.UniqueConstraint(fields=["registration_number"], name="household_registration_number_unique"),
        ]
        indexes = [
            models.Index(fields=["routed_agency", "-arrival_date", "-id"], name="household_agency_arrival"),
            # The lists' order, read through the gate's OR (routed here, registered by me, referred here)
            # a page at a time: the newest arrivals first, without sorting every household the user sees.
            models.Index(
                fields=["-arrival_date", "-id"], condition=Q(withdrawn_at__isnull=True), name="household_arrival"
            ),
            # What the lists count (up to 10,000, agencies.paging) through the gate's OR, from the index alone.
            models.Index(
                fields=["routed_agency", "registered_by", "id"],
                condition=Q(withdrawn_at__isnull=True),
                name="household_gate",
            ),
            # Also the office's key's index (``office``: ``db_index=False``), as the two above are the agency's.
            models.Index(fields=["office", "-arrival_date"], name="household_office_arrival"),
            models.Index(fields=["country_of_departure"], name="household_departure_country"),
            models.Index(fields=["return_type"], name="household_return_type"),
            models.Index(fields=["destination_province"], name="household_province"),
            models.Index(fields=["destination_district"], name="household_district"),
            # Keys most households leave empty: only the households that have one are indexed.
            models.Index(fields=["family"], condition=Q(family__isnull=False), name="household_family"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="household_merged_into"),
            models.Index(
                fields=["withdrawn_by"], condition=Q(withdrawn_by__isnull=False), name="household_withdrawn_by"
            ),
            # The few withdrawn households: what the gates of cases, referrals and interviews anti-join.
            models.Index(fields=["id"], condition=Q(withdrawn_at__isnull=False), name="household_withdrawn"),
            models.Index(fields=["phone_digits"], condition=~Q(phone_digits=""), name="household_phone_digits"),
        ]

    def __str__(self) -> str:
        return self.registration_number

    def save(self, *args, **kwargs):
        self.phone_digits = phone_digits(self.phone)
        if (fields := kwargs.get("update_fields")) is not None and "phone" in fields:
            kwargs["update_fields"] = [*fields, "phone_digits"]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("returns:household-detail", kwargs={"public_id": self.public_id})

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def flag_labels(self) -> list[str]:
        labels = dict(self.Flag.choices)
        return [str(labels.get(flag, flag)) for flag in self.flags]


class Family(models.Model):
    """Households of one family that return in parts: linked by their VRF's family number or by a manager.

    The return supplement is paid once per family, across its parts (``returns.assistance_rules``).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    vrf_number = models.CharField(
        _("VRF family number"), max_length=40, blank=True, help_text=_("Empty for a family linked by a manager.")
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("family")
        verbose_name_plural = _("families")
        constraints = [
            models.UniqueConstraint(fields=["vrf_number"], condition=~Q(vrf_number=""), name="family_one_per_vrf"),
            models.CheckConstraint(
                condition=~Q(vrf_number="") | Q(linked_by__isnull=False), name="family_vrf_or_manager"
            ),
        ]

    def __str__(self) -> str:
        return self.vrf_number or str(self.public_id)[:8]


class FlagFollowUp(models.Model):
    """Which work a household flag creates: a referral from the flagged household's case.

    Routing rules set flags (``Household.flags``); this table says who is then asked to act. When a
    household is registered (or re-routed) with a flag, the active row for that flag and the
    agency whose case carries it (the agency the household is routed to) makes one referral from
    that case to ``to_agency`` for ``service``, due ``answer_days`` after that day
    (``returns.services.follow_ups``). A flag with no active row creates no work.

    Data, not code, so that an agency changes who follows up a flag, or how fast, in the admin.
    Deactivating a row stops new referrals; the ones already made stay (they name the row, so a
    row that made referrals cannot be deleted, only deactivated). The row in force is the one
    active when the household is registered: a referral is made once, at that moment, never
    recomputed, so no validity dates are needed to replay an earlier decision.
    """

    flag = models.CharField(_("flag"), max_length=48, choices=Household.Flag.choices)
    case_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("flagged case at"),
        help_text=_("The agency the household is routed to, whose case carries the flag."),
    )
    to_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("referred to"), help_text=_("Who acts.")
    )
    service = models.CharField(_("service"), max_length=16, choices=Referral.Service.choices)
    answer_days = models.PositiveSmallIntegerField(
        _("days to answer"), help_text=_("The referral's answer is due this many days after registration.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["flag", "case_agency"]
        verbose_name = _("flag follow-up")
        verbose_name_plural = _("flag follow-ups")
        constraints = [
            # One referral per flag: at most one active row for a flag on an agency's case.
            models.UniqueConstraint(
                fields=["flag", "case_agency"], condition=Q(is_active=True), name="flag_follow_up_one_active"
            ),
            models.CheckConstraint(condition=~Q(case_agency=F("to_agency")), name="flag_follow_up_to_another_agency"),
            models.CheckConstraint(condition=Q(answer_days__lte=90), name="flag_follow_up_answer_within_90_days"),
        ]

    def __str__(self) -> str:
        return f"{self.flag}: {self.case_agency} → {self.to_agency}"

    def clean(self) -> None:
        if self.case_agency_id is not None and self.case_agency_id == self.to_agency_id:
            raise ValidationError({"to_agency": _("Refer to another agency than the one whose case is flagged.")})


class Member(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class Relationship(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        SON = "son", _("Son")
        DAUGHTER = "daughter", _("Daughter")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Brother or sister")
        GRANDCHILD = "grandchild", _("Grandchild")
        OTHER_RELATIVE = "other_relative", _("Other relative")
        NOT_RELATED = "not_related", _("Not related")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT on every link into the registry and the cases: nothing that carries history or money is
    # deleted (a household is withdrawn instead), so a delete written by mistake fails loudly.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    given_name = models.CharField(_("given name"), max_length=100)
    fathers_name = models.CharField(_("father's name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name_local = models.CharField(_("given name (Dari/Pashto)"), max_length=100, blank=True)
    fathers_name_local = models.CharField(_("father's name (Dari/Pashto)"), max_length=100, blank=True)
    family_name_local = models.CharField(_("family name (Dari/Pashto)"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    relationship = models.CharField(_("relationship to the head"), max_length=16, choices=Relationship.choices)
    specific_needs = models.ManyToManyField(NeedCode, blank=True, related_name="+", verbose_name=_("specific needs"))
    # Anonymised with the household, or alone on the person's request (``returns.services.retention``).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # What the search box and the duplicate search read (``returns.names``), written with the names
    # (``names_indexed``) and emptied with them when the person is anonymised.
    given_key = models.CharField(max_length=100, blank=True, editable=False)
    fathers_key = models.CharField(max_length=100, blank=True, editable=False)
    family_key = models.CharField(max_length=100, blank=True, editable=False)
    name_search = models.TextField(blank=True, editable=False)
    # A duplicate record of a person points at the person's first record (``returns.models.identity``).
    same_person_as = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        editable=False,
        db_index=False,  # Meta's index: only the few duplicate records
    )

    class Meta:
        ordering = ["household", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            GinIndex(fields=["name_search"], opclasses=["gin_trgm_ops"], name="member_name_search_trgm"),
            # The duplicate candidates' blocks (``returns.matching``): a name pair, then an age window.
            models.Index(
                fields=["given_key", "fathers_key", "estimated_age", "date_of_birth"], name="member_given_fathers_age"
            ),
            models.Index(
                fields=["given_key", "family_key", "estimated_age", "date_of_birth"], name="member_given_family_age"
            ),
            models.Index(
                fields=["same_person_as"], condition=Q(same_person_as__isnull=False), name="member_same_person_as"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(relationship="head"), name="member_one_head_per_household"
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(estimated_age__isnull=False), name="member_birth_or_age"
            ),
            models.CheckConstraint(condition=Q(estimated_age__lte=120), name="member_age_at_most_120"),
            models.CheckConstraint(condition=Q(sex__in=["female", "male"]), name="member_sex_valid"),
            models.CheckConstraint(condition=~Q(same_person_as=F("pk")), name="member_not_own_duplicate"),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.given_name, self.fathers_name, self.family_name) if part)

    def save(self, *args, **kwargs):
        self.names_indexed()
        super().save(*args, **kwargs)

    def names_indexed(self) -> "Member":
        """Write the search and matching forms of the names (``returns.names.name_index``); bulk writes call it."""
        index = name_index(
            given=(self.given_name, self.given_name_local),
            fathers=(self.fathers_name, self.fathers_name_local),
            family=(self.family_name, self.family_name_local),
        )
        self.given_key, self.fathers_key, self.family_key, self.name_search = index
        return self

    @property
    def is_head(self) -> bool:
        return self.relationship == self.Relationship.HEAD

    def age_on(self, day) -> int | None:
        return age_on(day, date_of_birth=self.date_of_birth, estimated_age=self.estimated_age)

    @property
    def person_id(self) -> int:
        """The first record of this person: every record of one person has the same."""
        return self.same_person_as_id or self.pk


class MemberDocument(models.Model):
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="documents")
    # The code keys' indexes are Meta's: without the pattern index ``db_index`` adds to a text key.
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type"), db_index=False
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    issuing_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing country"), db_index=False
    )
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    # The number as it is compared (``returns.names.document_number_normal``): found by search and
    # by the duplicate checks whatever spaces, dashes or digits it was typed with.
    number_normal = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["member", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["number_normal"], name="document_number_normal"),
            models.Index(fields=["document_type"], name="document_type"),
            models.Index(fields=["issuing_country"], name="document_issuing_country"),
        ]

    def __str__(self) -> str:
        return f"{self.document_type_id} {self.number}".strip()

    def save(self, *args, **kwargs):
        self.number_normal = document_number_normal(self.number)
        super().save(*args, **kwargs)


class HouseholdEvent(models.Model):
    """Append-only history of a household: registration, re-routing, corrections, withdrawal.

    PostgreSQL refuses any UPDATE or DELETE of a row (the trigger of migration
    ``0018_withdrawal_and_append_only_history``).
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        REROUTED = "rerouted", _("Re-routed")
        UPDATED = "updated", _("Updated")
        MERGED = "merged", _("Merged with a duplicate")
        FAMILY_LINKED = "family_linked", _("Linked to another part of the family")
        WITHDRAWN = "withdrawn", _("Withdrawn: registered in error")
        MERGED_INTO = "merged_into", _("Withdrawn: a duplicate merged into another household")
        ERASED = "erased", _("A person's data erased on request")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["household", "created_at", "id"]
        verbose_name = _("household event")
        verbose_name_plural = _("household events")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="rerouted") | ~Q(note=""), name="event_reroute_has_justification"),
            models.CheckConstraint(
                condition=~Q(kind__in=["withdrawn", "merged_into"]) | ~Q(note=""), name="event_withdrawal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"


class DeletedRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DeletedRecordQuerySet":
        """Tombstones of the records of the agencies the user may see.

        A household re-routed between two agencies the user both sees left nothing behind: it is
        still there, changed; only a move out of the user's agencies is a tombstone for them.
        """
        scope = agency_scope(user)
        if scope is None:
            return self.none()
        if scope == ALL_AGENCIES:
            return self.exclude(reason=DeletedRecord.Reason.MOVED)
        return self.filter(agency_id__in=scope).exclude(reason=DeletedRecord.Reason.MOVED, moved_to_id__in=scope)


class DeletedRecord(models.Model):
    """A tombstone: a record deleted, merged into another, or re-routed out of an agency's view, so
    that partners' mirrors can follow.

    Incremental sync lists what changed since a time; a row that left one's view cannot say so
    itself. A mirror drops a record on a tombstone unless its own copy changed after the tombstone
    (a household re-routed away and back again).
    """

    class Resource(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        CASE = "case", _("Case")

    class Reason(models.TextChoices):
        DELETED = "deleted", _("Deleted")
        MERGED = "merged", _("Merged into another record")
        MOVED = "moved", _("Re-routed to another agency")

    resource = models.CharField(_("resource"), max_length=16, choices=Resource.choices)
    public_id = models.UUIDField(_("id"))
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", help_text=_("Whose record it was: decides who is told.")
    )
    reason = models.CharField(_("reason"), max_length=8, choices=Reason.choices)
    merged_into = models.UUIDField(_("merged into"), null=True, blank=True)
    moved_to = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("re-routed to")
    )
    deleted_at = models.DateTimeField(_("deleted"), auto_now_add=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("why"), blank=True)

    objects = DeletedRecordQuerySet.as_manager()

    class Meta:
        ordering = ["deleted_at", "id"]
        verbose_name = _("deleted record")
        verbose_name_plural = _("deleted records")
        constraints = [
            # A record is deleted or merged once; it may move between agencies many times.
            models.UniqueConstraint(
                fields=["resource", "public_id"], condition=~Q(reason="moved"), name="deleted_record_once"
            ),
            models.CheckConstraint(
                condition=Q(reason="deleted", merged_into__isnull=True, moved_to__isnull=True)
                | Q(reason="merged", merged_into__isnull=False, moved_to__isnull=True)
                | Q(reason="moved", merged_into__isnull=True, moved_to__isnull=False),
                name="deleted_record_merge_target",
            ),
        ]
        indexes = [models.Index(fields=["resource", "agency", "deleted_at"], name="deleted_record_sync")]

    def __str__(self) -> str:
        return f"{self.resource} {self.public_id} {self.reason}"

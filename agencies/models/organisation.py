"""Who works in the operation: agencies, their offices, and the people who log in."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.calendars import GREGORIAN, LATIN_DIGITS, PERSIAN_DIGITS, SOLAR_HIJRI
from agencies.models.languages import NamedInThreeLanguages


class Province(NamedInThreeLanguages):
    """An Afghan province, keyed by its OCHA P-code (AF01 Kabul ... AF34 Nimroz)."""

    pcode = models.CharField(_("P-code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["pcode"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [
            models.CheckConstraint(condition=models.Q(pcode__regex=r"^AF[0-9]{2}$"), name="province_pcode_format")
        ]

    def __str__(self) -> str:
        return f"{self.shown_name} ({self.pcode})"


class District(NamedInThreeLanguages):
    """A district, keyed by its P-code: the province's code plus two digits (AF0617 Achin)."""

    pcode = models.CharField(_("P-code"), max_length=6, primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["pcode"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.CheckConstraint(condition=models.Q(pcode__regex=r"^AF[0-9]{4}$"), name="district_pcode_format")
        ]

    def __str__(self) -> str:
        return f"{self.shown_name} ({self.pcode})"


class Country(NamedInThreeLanguages):
    """A country, keyed by its ISO 3166 alpha-2 code."""

    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    is_common_departure = models.BooleanField(
        _("common country of departure"), default=False, help_text=_("Listed first on the registration form.")
    )

    class Meta:
        ordering = ["-is_common_departure", "name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.shown_name


class Agency(NamedInThreeLanguages):
    class Kind(models.TextChoices):
        UN_AGENCY = "un_agency", _("UN agency")
        GOVERNMENT = "government", _("Government")
        NGO = "ngo", _("NGO partner")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    receives_routed_households = models.BooleanField(
        _("receives routed households"),
        default=False,
        help_text=_("UNHCR and IOM: the agencies routing can send a household to."),
    )
    manager_approval_above = models.DecimalField(
        _("cash above which a manager approves"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Cash assistance above this amount needs a manager's approval; empty: any second person."),
    )
    manager_approval_currency = models.CharField(_("currency of that amount"), max_length=3, default="USD")

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.code


class Office(NamedInThreeLanguages):
    class Kind(models.TextChoices):
        BORDER_CROSSING = "border_crossing", _("Border crossing point")
        ENCASHMENT_CENTRE = "encashment_centre", _("Encashment centre")
        TRANSIT_CENTRE = "transit_centre", _("Transit centre")
        PROVINCIAL_OFFICE = "provincial_office", _("Provincial office")
        AIRPORT = "airport", _("Airport")

    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        help_text=_("Three capital letters; starts every registration number (TKM-2026-000123)."),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="offices")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        help_text=_("The agency running it; empty for a shared place such as a border crossing."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Where it is: plain numbers and words, no GIS. Coordinates are decimal degrees (WGS 84).
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        help_text=_("The district it is in, when known; in the office's province."),
    )
    place_description = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("Where it is, in words a visitor can follow, e.g. “Kandahar city” or “at the border gate”."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Decimal degrees, north positive (Afghanistan: about 29 to 39)."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Decimal degrees, east positive (Afghanistan: about 60 to 75)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z]{3}$"), name="office_code_format"),
            # Any valid place on Earth: an office abroad (a partner's, a consulate) is not ruled out.
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="office_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="office_longitude_range",
            ),
            # A point has both coordinates or neither.
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="office_coordinates_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.shown_name

    def clean(self):
        super().clean()
        if self.district_id and self.province_id and not self.district_id.startswith(self.province_id):
            # A district's P-code starts with its province's (AF0617 Achin is in AF06 Nangarhar).
            raise ValidationError({"district": _("This district is not in the office's province.")})
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Enter both the latitude and the longitude, or neither."))

    @property
    def coordinates(self) -> str:
        """``34.1167, 71.0950`` (latitude, longitude), or empty: plain text, no map."""
        if self.latitude is None or self.longitude is None:
            return ""
        return f"{self.latitude:.4f}, {self.longitude:.4f}"


class StaffUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser administers the whole system: without this, ``createsuperuser`` breaks the
        # ``user_agency_unless_admin`` constraint (the default role needs an agency).
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. Belongs to one agency (and optionally one office) with one role."""

    class Role(models.TextChoices):
        FIELD_OFFICER = "field_officer", _("Field officer")
        CASE_WORKER = "case_worker", _("Case worker")
        MANAGER = "manager", _("Manager")
        COORDINATOR = "coordinator", _("Coordinator")
        ADMIN = "admin", _("Administrator")
        PARTNER = "partner", _("Partner system (API key)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.FIELD_OFFICER)
    # How the person reads the app; blank: the browser's language, and the calendar that language uses.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    calendar = models.CharField(
        _("calendar"),
        max_length=16,
        blank=True,
        choices=[(GREGORIAN, _("Gregorian")), (SOLAR_HIJRI, _("Solar Hijri"))],
        help_text=_("Blank: Solar Hijri in Dari and Pashto, Gregorian in English."),
    )
    digits = models.CharField(
        _("digits"),
        max_length=8,
        blank=True,
        choices=[(LATIN_DIGITS, _("Latin digits (0123)")), (PERSIAN_DIGITS, _("Persian digits (۰۱۲۳)"))],
    )

    objects = StaffUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Everyone but an administrator works for an agency.
            models.CheckConstraint(
                condition=models.Q(role="admin") | models.Q(agency__isnull=False), name="user_agency_unless_admin"
            ),
        ]

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN

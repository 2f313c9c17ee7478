"""The border count page's forms. They only parse what the border team typed; what makes counts
possible is ``returns.services.counts``', whose problems ``problems_show`` puts beside their field
(a breakdown's beside its group of fields)."""

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from agencies.fields import CalendarDateField
from agencies.models import Office
from returns.models import BorderCount
from returns.models.counts import AGE_BANDS, BREAKDOWNS, MEASURES, SEXES
from returns.reference import ReferenceData
from returns.selectors.counts import ISO_WEEK_MESSAGE, iso_week_monday

MONTH_WIDGET = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


def crossing_choices(reference: ReferenceData) -> list[tuple[str, str]]:
    crossings = [office for office in reference.offices.values() if office.kind == Office.Kind.BORDER_CROSSING]
    return sorted(((office.code, office.shown_name) for office in crossings), key=lambda choice: choice[1])


def default_crossing(user, reference: ReferenceData) -> str:
    """The user's own office when it is a crossing point, else the first crossing."""
    for office in reference.offices.values():
        if office.pk == getattr(user, "office_id", None) and office.kind == Office.Kind.BORDER_CROSSING:
            return office.code
    choices = crossing_choices(reference)
    return choices[0][0] if choices else ""


def _count_field(name: str) -> forms.IntegerField:
    # No minimum here: the service says what is wrong with a negative number, in its own words.
    return forms.IntegerField(
        label=capfirst(BorderCount._meta.get_field(name).verbose_name),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", "class": "count-input"}),
        error_messages={"required": _("Enter a number (0 if nobody)."), "invalid": _("Enter a whole number.")},
    )


class BorderCountForm(forms.Form):
    crossing = forms.ChoiceField(label=_("Crossing point"))
    day = CalendarDateField(label=_("Day"))
    country = forms.ChoiceField(label=_("Country of departure"))
    note = forms.CharField(
        label=_("Why are you correcting these counts?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the day already has counts."),
    )

    def __init__(self, *args, reference: ReferenceData, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MEASURES:
            self.fields[name] = _count_field(name)
        self.fields["crossing"].choices = crossing_choices(reference)
        self.fields["country"].choices = [(code, country.shown_name) for code, country in reference.countries.items()]
        self.reference = reference
        self.breakdown_errors: dict[str, list[str]] = {}

    @property
    def crossing_office(self) -> Office:
        return self.reference.offices[self.cleaned_data["crossing"]]

    @property
    def counts(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in MEASURES}

    def problems_show(self, problems: dict) -> None:
        """Each problem beside its field; a breakdown's above its group of fields."""
        for path, path_problems in problems.items():
            for problem in path_problems:
                if path in BREAKDOWNS:
                    self.breakdown_errors.setdefault(path, []).append(problem.message)
                else:
                    self.add_error(path if path in self.fields else None, problem.message)

    def groups(self) -> list[dict]:
        """The fields as the page lays them out: the total, then each breakdown with its problems."""
        sex_age = [
            {"label": sex_label, "fields": [self[f"{sex}_{band}"] for band, _band_label in AGE_BANDS]}
            for sex, sex_label in SEXES
        ]
        return [
            {
                "name": "return_type",
                "legend": _("Deported or spontaneous"),
                "fields": [self[name] for name in BREAKDOWNS["return_type"]],
                "errors": self.breakdown_errors.get("return_type", []),
            },
            {
                "name": "travelling",
                "legend": _("In families or alone"),
                "fields": [self[name] for name in BREAKDOWNS["travelling"]],
                "errors": self.breakdown_errors.get("travelling", []),
            },
            {
                "name": "sex_age",
                "legend": _("By sex and age"),
                "rows": sex_age,
                "bands": [label for _band, label in AGE_BANDS],
                "errors": self.breakdown_errors.get("sex_age", []),
            },
        ]


def initial_counts(*, user, reference: ReferenceData, params) -> dict:
    """What the entry form starts with: the crossing, day and country asked for (or the defaults)."""
    crossing = params.get("crossing") or default_crossing(user, reference)
    day = params.get("day") or timezone.localdate().isoformat()
    country = params.get("country") or next(iter(reference.countries), "")
    return {"crossing": crossing, "day": day, "country": country}


class GridForm(forms.Form):
    class Period:
        MONTH = "month"
        YEAR = "year"

    crossing = forms.ChoiceField(label=_("Crossing point"))
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"], widget=MONTH_WIDGET)
    period = forms.ChoiceField(
        label=_("Show"),
        choices=[(Period.MONTH, _("That month")), (Period.YEAR, _("Its whole year"))],
        required=False,
    )

    def __init__(self, *args, reference: ReferenceData, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crossing"].choices = crossing_choices(reference)


class IsoWeekField(forms.CharField):
    """An ISO week, ``2026-W41`` (a browser's week field), cleaned to its Monday."""

    widget = forms.TextInput(attrs={"type": "week", "placeholder": "2026-W41", "dir": "ltr"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        monday = iso_week_monday(value)
        if monday is None:
            raise forms.ValidationError(ISO_WEEK_MESSAGE, code="invalid_week")
        return monday


class ReconciliationForm(forms.Form):
    """Which weeks to set counted against registered: from and to (ISO weeks), each optional
    (the defaults are ``returns.selectors.counts.reconciliation_days``')."""

    week_from = IsoWeekField(label=_("From week"), required=False)
    week_to = IsoWeekField(label=_("To week"), required=False)

    def problems_show(self, problems: dict) -> None:
        for path, path_problems in problems.items():
            for problem in path_problems:
                self.add_error(path if path in self.fields else None, problem.message)

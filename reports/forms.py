"""The joint report's forms: generating a version, signing it off, choosing a version to compare with."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from agencies.fields import CalendarDateField
from agencies.problems import Refused
from reports.models import Report
from reports.services import FIRST_DAY

PERIOD_FIELDS = ("period_start", "period_end")


class ReportRequestForm(forms.Form):
    """A calendar year, or any period from one date to another; the reference date; an optional cut-off."""

    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=FIRST_DAY.year,
        help_text=gettext_lazy("A calendar year, 1 January to 31 December; or leave it empty and give the dates."),
    )
    period_start = CalendarDateField(
        label=pgettext_lazy("first day of a period", "From"),
        required=False,
    )
    period_end = CalendarDateField(
        label=pgettext_lazy("last day of a period", "To"),
        required=False,
    )
    reference_date = forms.ChoiceField(
        label=gettext_lazy("Which date decides a person's period"),
        choices=Report.ReferenceDate.choices,
        initial=Report.ReferenceDate.ARRIVAL,
        widget=forms.RadioSelect,
    )
    cut_off = forms.DateTimeField(
        label=gettext_lazy("Data cut-off (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Only what was recorded by then counts. Leave it empty for now."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].max_value = timezone.localdate().year
        self.fields["year"].widget.attrs["max"] = timezone.localdate().year
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year - 1)

    def clean_cut_off(self) -> datetime.datetime | None:
        # The form says UTC: the time typed is read as UTC, not in the server's zone.
        value = self.cleaned_data.get("cut_off")
        if value is None:
            return None
        return timezone.make_naive(value).replace(tzinfo=datetime.UTC)

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if year is not None and (start or end):
            raise forms.ValidationError(
                _("Give a year, or the first and last days of the period, not both."), code="year_and_dates"
            )
        if year is not None:
            cleaned["period_start"], cleaned["period_end"] = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        elif "year" not in self.errors:
            if start is None and "period_start" not in self.errors:
                self.add_error("period_start", _("Enter the first day of the period, or give a year."))
            if end is None and "period_end" not in self.errors:
                self.add_error("period_end", _("Enter the last day of the period, or give a year."))
        return cleaned

    def show_refusal(self, refused: Refused) -> None:
        """Put each of the service's problems beside the field it concerns (a year for the period's dates)."""
        for path, problems in refused.problems.items():
            field = path if path in self.fields else None
            if field in PERIOD_FIELDS and self.cleaned_data.get("year") is not None:
                field = "year"
            for problem in problems:
                self.add_error(field, forms.ValidationError(problem.message, code=problem.code))


class SignOffForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What you checked, for the record."),
    )


class CompareForm(forms.Form):
    """Another computed version of the same period to compare this one with."""

    other = forms.ChoiceField(label=gettext_lazy("Compare with"))

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [
            (str(version.public_id), _("version %(version)s") % {"version": version.version}) for version in versions
        ]

"""The monitoring interview's questionnaire. It only parses what was typed (dates, codes, lists); what
makes a record possible (consent, the window, the answers a completed interview needs) is
``returns.services.monitoring``'s to say, with the same messages on the page and in the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.fields import CalendarDateField
from returns.models import MonitoringInterview

Interview = MonitoringInterview


def _blank_first(choices) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class MonitoringInterviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("How did it go?"),
        choices=[(value, label) for value, label in Interview.Status.choices if value != Interview.Status.PENDING],
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("How"), choices=_blank_first(Interview.Method.choices))
    interviewed_on = CalendarDateField(label=_("Date"))
    consent = forms.BooleanField(
        label=_("The family agreed to answer, and to their answers being kept"),
        required=False,
        help_text=_("Without consent no answer is kept: record the interview as declined."),
    )
    current_province = forms.ChoiceField(label=_("Where do they live now? Province"), required=False)
    current_district = forms.ChoiceField(label=_("District"), required=False)
    shelter = forms.ChoiceField(label=_("Shelter"), choices=_blank_first(Interview.Shelter.choices), required=False)
    work = forms.ChoiceField(
        label=_("Work of the main earner"), choices=_blank_first(Interview.Work.choices), required=False
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents the family holds"),
        choices=Interview.Document.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    intends_to_stay = forms.ChoiceField(
        label=_("Do they intend to stay?"), choices=_blank_first(Interview.Intention.choices), required=False
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs they name"), choices=Interview.Need.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reference, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = sorted(reference.provinces.values(), key=lambda province: province.shown_name)
        self.fields["current_province"].choices = _blank_first(
            [(province.pcode, province.shown_name) for province in provinces]
        )
        districts = sorted(
            reference.districts.values(), key=lambda district: (district.province_id, district.shown_name)
        )
        self.fields["current_district"].choices = _blank_first(
            [(district.pcode, f"{district.shown_name} ({district.province_id})") for district in districts]
        )

    def record(self) -> dict:
        """What the service reads: the cleaned values, codes as codes."""
        return dict(self.cleaned_data)

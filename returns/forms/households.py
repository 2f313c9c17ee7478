"""Page forms. They only *parse* what the officer typed; the rules live in the services.

``household_register`` and ``household_reroute`` report problems keyed by a path such as
``members.1.documents.0.expiry_date``; ``registration_problems_show`` puts each message beside the
field it concerns, so the page has one source of truth for what makes a registration valid.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.fields import CalendarDateField, QuickSelect
from returns.matching import PersonSought
from returns.models import Category, DocumentType, Member
from returns.reference import ReferenceData
from returns.registration import (
    MAX_AGE,
    DocumentRegistration,
    HouseholdRegistration,
    MemberRegistration,
    RegistrationProblem,
)

# Most returns come from these two; they head the list of countries of departure.
MAIN_DEPARTURE_COUNTRIES = ("PK", "IR")
DOCUMENT_SLOTS = 2
# The service's name for a document field -> the suffix of the form field in one document slot.
DOCUMENT_FIELDS = {
    "document_type": "type",
    "number": "number",
    "issuing_country": "issuing_country",
    "expiry_date": "expiry_date",
    "expired_confirmed": "expired_confirmed",
}


class CodeChoiceField(forms.ChoiceField):
    """A choice of code from reference data; an unknown code is left for the service to explain."""

    def valid_value(self, value) -> bool:
        return True


class CodeMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


class SelectWithOptionData(forms.Select):
    """A select whose options carry ``data-*`` attributes (a district's province, a document's issuer)."""

    def __init__(self, *args, option_data=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_data = option_data or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["attrs"].update(self.option_data.get(str(value), {}))
        return option


def _blank(label):
    return [("", label)]


def office_choices(reference: ReferenceData) -> list:
    offices = sorted(reference.offices.values(), key=lambda office: office.shown_name)
    return _blank(_("Choose…")) + [(office.code, office.shown_name) for office in offices]


def country_choices(reference: ReferenceData) -> list:
    common = [country for country in reference.countries.values() if country.is_common_departure]
    common.sort(
        key=lambda country: (country.code not in MAIN_DEPARTURE_COUNTRIES, country.code != "PK", country.shown_name)
    )
    others = [country for country in reference.countries.values() if not country.is_common_departure]
    others.sort(key=lambda country: country.shown_name)
    return [
        *_blank(_("Choose…")),
        (_("Most common"), [(country.code, country.shown_name) for country in common]),
        (_("All countries"), [(country.code, country.shown_name) for country in others]),
    ]


def province_choices(reference: ReferenceData) -> list:
    return _blank(_("Choose…")) + [
        (
            province.pcode,
            province.shown_name
            if province.shown_name != province.shown_name or not province.name_fa
            else f"{province.shown_name} – {province.name_fa}",
        )
        for province in reference.provinces.values()
    ]


def district_choices(reference: ReferenceData) -> list:
    by_province: dict[str, list] = {}
    for district in reference.districts.values():
        by_province.setdefault(district.province_id, []).append((district.pcode, district.shown_name))
    groups = [
        (reference.provinces[pcode].shown_name if pcode in reference.provinces else pcode, districts)
        for pcode, districts in sorted(by_province.items())
    ]
    return [*_blank(_("Not known yet")), *groups]


class HouseholdRegistrationForm(forms.Form):
    arrival_date = CalendarDateField(
        label=_("Arrival date"),
        error_messages={"required": _("Enter the day the household crossed."), "invalid": _("Enter a valid date.")},
    )
    office = CodeChoiceField(label=_("Crossing point or office"), required=False)
    country_of_departure = CodeChoiceField(label=_("Country of departure"), required=False, widget=QuickSelect)
    return_type = CodeChoiceField(label=_("Return type"), required=False)
    destination_province = CodeChoiceField(label=_("Province of destination"), required=False)
    destination_district = CodeChoiceField(label=_("District of destination"), required=False, help_text=_("Optional."))
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "dir": "ltr", "autocomplete": "off"}),
        help_text=_("Optional. For example +93 70 123 4567."),
    )

    def __init__(self, *args, reference: ReferenceData, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = office_choices(reference)
        self.fields["country_of_departure"].choices = country_choices(reference)
        self.fields["return_type"].choices = _blank(_("Choose…")) + [
            (return_type.code, return_type.shown_name) for return_type in reference.return_types.values()
        ]
        self.fields["destination_province"].choices = province_choices(reference)
        district = self.fields["destination_district"]
        district.widget = SelectWithOptionData(
            option_data={
                pcode: {"data-province": district_row.province_id}
                for pcode, district_row in reference.districts.items()
            }
        )
        district.choices = district_choices(reference)


class MemberForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=100)
    fathers_name = forms.CharField(label=_("Father's name"), required=False, max_length=100)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=100)
    given_name_local = forms.CharField(
        label=_("Given name (Dari/Pashto)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
    )
    fathers_name_local = forms.CharField(
        label=_("Father's name (Dari/Pashto)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
    )
    family_name_local = forms.CharField(
        label=_("Family name (Dari/Pashto)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
    )
    sex = CodeChoiceField(label=_("Sex"), required=False, choices=Member.Sex.choices, widget=forms.RadioSelect)
    date_of_birth = CalendarDateField(
        label=_("Date of birth"),
        required=False,
        error_messages={"invalid": _("Enter a valid date.")},
    )
    estimated_age = forms.IntegerField(
        label=_("or estimated age"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_AGE}),
        error_messages={"invalid": _("Enter the age in whole years, for example 34.")},
    )
    relationship = CodeChoiceField(
        label=_("Relationship to the head"),
        required=False,
        choices=_blank(_("Choose…")) + list(Member.Relationship.choices),
    )
    specific_needs = CodeMultipleChoiceField(
        label=_("Specific needs"), required=False, widget=forms.CheckboxSelectMultiple
    )
    # Posted by the likely matches shown while typing (``member-matches`` partial): the chosen candidate's
    # reference ("" for a new person), and the references of every candidate shown. Not rendered otherwise.
    same_person_as = forms.CharField(label=_("Likely matches"), required=False, widget=forms.HiddenInput)
    candidates_seen = CodeMultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, reference: ReferenceData, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specific_needs"].choices = [
            (code, f"{code} – {need.shown_name}") for code, need in reference.specific_needs.items()
        ]
        document_types = _blank(_("No document")) + [
            (document_type.code, document_type.shown_name) for document_type in reference.document_types.values()
        ]
        issuers = {
            code: {
                "data-issuer": document_type.issuing_country_id or "",
                "data-refugee-card": str(document_type.routing_class == DocumentType.RoutingClass.REFUGEE_CARD).lower(),
            }
            for code, document_type in reference.document_types.items()
        }
        countries = country_choices(reference)
        for slot in range(DOCUMENT_SLOTS):
            self.fields[f"document_{slot}_type"] = CodeChoiceField(
                label=_("Document type"),
                required=False,
                choices=document_types,
                widget=SelectWithOptionData(option_data=issuers, attrs={"data-document-type": ""}),
            )
            self.fields[f"document_{slot}_number"] = forms.CharField(
                label=_("Number"),
                required=False,
                max_length=40,
                widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
            )
            self.fields[f"document_{slot}_issuing_country"] = CodeChoiceField(
                label=_("Issuing country"),
                required=False,
                choices=countries,
                widget=QuickSelect(attrs={"data-document-issuer": ""}),
            )
            self.fields[f"document_{slot}_expiry_date"] = CalendarDateField(
                label=_("Expiry date"),
                required=False,
                error_messages={"invalid": _("Enter a valid date.")},
            )
            self.fields[f"document_{slot}_expired_confirmed"] = forms.BooleanField(
                label=_("I confirm this card is expired"), required=False
            )
        # Which document slots the officer filled, in order: the service's documents.N is slot self.document_slots[N].
        self.document_slots: list[int] = []

    def document_fields(self):
        """The bound fields of each document slot, for the template."""
        return [
            {suffix: self[f"document_{slot}_{suffix}"] for suffix in DOCUMENT_FIELDS.values()}
            for slot in range(DOCUMENT_SLOTS)
        ]

    def field_for(self, path: str) -> str | None:
        """The form field showing the problem at ``path`` (relative to this member), if any."""
        head, _dot, rest = path.partition(".")
        if head == "documents" and rest:
            index, _dot, document_field = rest.partition(".")
            if index.isdigit() and int(index) < len(self.document_slots) and document_field in DOCUMENT_FIELDS:
                return f"document_{self.document_slots[int(index)]}_{DOCUMENT_FIELDS[document_field]}"
            return None
        return head if head in self.fields else None

    def member_registration(self) -> MemberRegistration:
        data = self.cleaned_data
        documents = []
        self.document_slots = []
        for slot in range(DOCUMENT_SLOTS):
            values = {name: data.get(f"document_{slot}_{suffix}") for name, suffix in DOCUMENT_FIELDS.items()}
            if not (values["document_type"] or (values["number"] or "").strip() or values["expiry_date"]):
                continue
            self.document_slots.append(slot)
            documents.append(
                DocumentRegistration(
                    document_type=values["document_type"] or "",
                    issuing_country=values["issuing_country"] or "",
                    number=values["number"] or "",
                    expiry_date=values["expiry_date"],
                    expired_confirmed=bool(values["expired_confirmed"]),
                )
            )
        return MemberRegistration(
            given_name=data.get("given_name") or "",
            fathers_name=data.get("fathers_name") or "",
            family_name=data.get("family_name") or "",
            given_name_local=data.get("given_name_local") or "",
            fathers_name_local=data.get("fathers_name_local") or "",
            family_name_local=data.get("family_name_local") or "",
            sex=data.get("sex") or "",
            relationship=data.get("relationship") or "",
            date_of_birth=data.get("date_of_birth"),
            estimated_age=data.get("estimated_age"),
            documents=documents,
            specific_needs=list(data.get("specific_needs") or []),
            same_person_as=data.get("same_person_as") or "",
            # Candidates were shown and none chosen: the default, "a new person".
            new_person=bool(data.get("candidates_seen")) and not data.get("same_person_as"),
            candidates_seen=list(data.get("candidates_seen") or []),
        )


class MatchesSoughtForm(forms.Form):
    """What the officer has typed of one member so far, sent while typing to look for likely matches.

    Anything not (yet) valid is left out of the search, never an error: the member's row is still being typed.
    """

    row = forms.RegexField(regex=r"^members-\d{1,2}$")
    given_name = forms.CharField(required=False, max_length=100)
    fathers_name = forms.CharField(required=False, max_length=100)
    family_name = forms.CharField(required=False, max_length=100)
    given_name_local = forms.CharField(required=False, max_length=100)
    fathers_name_local = forms.CharField(required=False, max_length=100)
    family_name_local = forms.CharField(required=False, max_length=100)
    sex = forms.ChoiceField(required=False, choices=Member.Sex.choices)
    date_of_birth = CalendarDateField(required=False)
    estimated_age = forms.IntegerField(required=False, min_value=0, max_value=MAX_AGE)
    document_number = CodeMultipleChoiceField(required=False)
    same_person_as = forms.CharField(required=False)

    def person_sought(self) -> PersonSought:
        data = self.cleaned_data
        numbers = [number.strip() for number in data.get("document_number") or [] if 0 < len(number.strip()) <= 40]
        return PersonSought(
            given_name=data.get("given_name") or "",
            fathers_name=data.get("fathers_name") or "",
            family_name=data.get("family_name") or "",
            given_name_local=data.get("given_name_local") or "",
            fathers_name_local=data.get("fathers_name_local") or "",
            family_name_local=data.get("family_name_local") or "",
            sex=data.get("sex") or "",
            date_of_birth=data.get("date_of_birth"),
            estimated_age=data.get("estimated_age"),
            document_numbers=tuple(numbers[:DOCUMENT_SLOTS]),
        )


class BaseMemberFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            # Every row on the page is a member: a blank row is reported, not silently dropped.
            kwargs["empty_permitted"] = False
        return kwargs

    def add_non_form_error(self, message: str) -> None:
        self.non_form_errors().append(ValidationError(message))


MemberFormSet = forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=0, min_num=1, validate_min=False)


def registration_forms(*, data=None, reference: ReferenceData, office_code: str = ""):
    """The household form and the members formset, bound to ``data`` or with today's defaults."""
    if data is not None:
        household_form = HouseholdRegistrationForm(data, reference=reference)
        member_formset = MemberFormSet(data, prefix="members", form_kwargs={"reference": reference})
    else:
        household_form = HouseholdRegistrationForm(
            reference=reference, initial={"arrival_date": timezone.localdate(), "office": office_code}
        )
        member_formset = MemberFormSet(
            prefix="members", form_kwargs={"reference": reference}, initial=[{"relationship": "head"}]
        )
    return household_form, member_formset


def household_registration(household_form, member_formset) -> HouseholdRegistration:
    """The registration the officer typed, from valid (parsed) forms."""
    data = household_form.cleaned_data
    arrival_date: datetime.date = data["arrival_date"]
    return HouseholdRegistration(
        arrival_date=arrival_date,
        office=data.get("office") or "",
        country_of_departure=data.get("country_of_departure") or "",
        return_type=data.get("return_type") or "",
        destination_province=data.get("destination_province") or "",
        destination_district=data.get("destination_district") or "",
        phone=(data.get("phone") or "").strip(),
        members=[member_form.member_registration() for member_form in member_formset.forms],
    )


def registration_problems_show(
    problems: dict[str, list[RegistrationProblem]], *, household_form, member_formset
) -> None:
    """Attach each problem to the field it concerns: household field, member field, document field."""
    for path, path_problems in problems.items():
        for problem in path_problems:
            _problem_show(path, problem.message, household_form=household_form, member_formset=member_formset)


def _problem_show(path: str, message: str, *, household_form, member_formset) -> None:
    head, _dot, rest = path.partition(".")
    if head == "members":
        index, _dot, member_path = rest.partition(".")
        if index.isdigit() and int(index) < len(member_formset.forms) and member_path:
            member_form = member_formset.forms[int(index)]
            field = member_form.field_for(member_path)
            member_form.add_error(field, message)
            return
        member_formset.add_non_form_error(message)
        return
    household_form.add_error(path if path in household_form.fields else None, message)


class RerouteForm(forms.Form):
    agency = forms.ChoiceField(
        label=_("Agency"),
        error_messages={"required": _("Choose UNHCR or IOM."), "invalid_choice": _("Choose UNHCR or IOM.")},
    )
    category = CodeChoiceField(
        label=_("Category"), required=False, choices=_blank(_("Choose…")) + list(Category.choices)
    )
    justification = forms.CharField(
        label=_("Written justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the household goes to another agency. Kept in its history."),
    )

    def __init__(self, *args, reference: ReferenceData, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {
            code: agency for code, agency in reference.agencies.items() if agency.receives_routed_households
        }
        self.fields["agency"].choices = _blank(_("Choose…")) + [(code, code) for code in self.agencies]

    def problems_show(self, problems: dict[str, list[RegistrationProblem]]) -> None:
        for field, field_problems in problems.items():
            for problem in field_problems:
                self.add_error(field if field in self.fields else None, problem.message)


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is withdrawn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: registered twice at the gate. Kept in its history."),
    )
    assistance_confirmed = forms.BooleanField(
        label=_("Assistance was recorded for this household. It stays on record and in the report's totals."),
        required=False,
    )

    def problems_show(self, problems: dict[str, list[RegistrationProblem]]) -> None:
        for field, field_problems in problems.items():
            for problem in field_problems:
                self.add_error(field if field in self.fields else None, problem.message)


class FamilyLinkForm(forms.Form):
    registration_number = forms.CharField(
        label=_("Registration number of another part of the family"),
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "TKM-2026-000123"}),
    )
    note = forms.CharField(
        label=_("How you know they are one family"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def problems_show(self, problems: dict[str, list[RegistrationProblem]]) -> None:
        for field, field_problems in problems.items():
            for problem in field_problems:
                self.add_error(field if field in self.fields else None, problem.message)

"""The words for the codes in a report's figures, in the active language.

The figures hold codes only (``registered_refugee``, ``PK``, ``AF06``, ``TKM``, ``2017-03``...), so
that one snapshot renders in English, Dari and Pashto. Each kind of code has one way to its label:
the model choices for the registry's and the cases' codes, the reference tables for places,
offices and code lists (loaded once, in one query per table, only for the codes the figures hold),
and the vocabulary below for the report's own codes (measures, items, explanations).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import get_language, gettext_lazy

from agencies.models import Country, Office, Province
from agencies.models.languages import in_language
from returns.models import AssistanceType, BorderCount, Category, Member, MonitoringInterview, NeedCode, Referral
from returns.models.counts import AGE_BANDS

from .formatting import month_text, plain_digits

# The report's own codes: the columns of its measure tables, the rows of the VolRep assistance
# table, and the reconciliation's explanations (docs/joint-report.md lists them).
MEASURES = {
    "this_period": gettext_lazy("This period"),
    "previous_period": gettext_lazy("Previous period"),
    "change": gettext_lazy("Change"),
    "change_percent": gettext_lazy("Change (%)"),
    "published": gettext_lazy("Published figure"),
    "registry": gettext_lazy("Registry figure"),
    "cumulative": gettext_lazy("Cumulative since 2002"),
    "source": gettext_lazy("Source"),
    "people": gettext_lazy("People"),
    "households": gettext_lazy("Households"),
    "value": gettext_lazy("Value"),
    "average_per_person": gettext_lazy("Average per person"),
    "counted": gettext_lazy("Counted"),
    "screened": gettext_lazy("Screened"),
    "assisted": gettext_lazy("Assisted"),
    "assisted_percent": gettext_lazy("Assisted (%)"),
    "registered": gettext_lazy("Registered"),
    "difference": gettext_lazy("Difference"),
    "explanation": gettext_lazy("Explanation"),
    "interviews": gettext_lazy("Interviews"),
}
ITEMS = {
    "grants": gettext_lazy("Repatriation grants paid"),
    "grants_paid": gettext_lazy("Repatriation grants paid"),
    "already_assisted": gettext_lazy("Refused as already assisted"),
    "refused_already_assisted": gettext_lazy("Refused as already assisted"),
    "no_shows": gettext_lazy("No-shows (no grant recorded)"),
    "supplements": gettext_lazy("Return supplements paid"),
    "already_granted_unhcr": gettext_lazy("Refused as already granted (one per person): UNHCR"),
    "already_granted_iom": gettext_lazy("Refused as already granted (one per person): IOM"),
    "granted_again_unhcr": gettext_lazy("Granted again on a manager's override: UNHCR"),
    "granted_again_iom": gettext_lazy("Granted again on a manager's override: IOM"),
}
EXPLANATIONS = {
    "equal": gettext_lazy("Counted and registered agree"),
    "counted_not_registered": gettext_lazy("People counted, not registered (counted only)"),
    "registered_not_counted": gettext_lazy("Registrations without a count (a count missing or late)"),
    "no_count": gettext_lazy("No border count recorded"),
}
COUNTRY_GROUPS_OTHER = gettext_lazy("Other countries")
ALL_STATUSES = gettext_lazy("All returns")
REFERRAL_DIRECTIONS = {
    "between_agencies": gettext_lazy("Between UNHCR and IOM"),
    "to_partners": gettext_lazy("To partners"),
}
TOTAL = gettext_lazy("Total")

# The monitoring questions the report counts: the interview's field, and the choices its answers take.
QUESTION_CHOICES = {
    "shelter": MonitoringInterview.Shelter,
    "work": MonitoringInterview.Work,
    "intends_to_stay": MonitoringInterview.Intention,
    "documents": MonitoringInterview.Document,
    "needs": MonitoringInterview.Need,
    "method": MonitoringInterview.Method,
    "status": MonitoringInterview.Status,
}
QUESTION_FIELDS = ("current_province", *QUESTION_CHOICES)

# The kinds whose words come from a reference table, and the part of the code that finds the row.
DATABASE_KINDS = ("country", "country_group", "province", "crossing", "office", "need_code", "assistance_type")


@dataclass
class ReportLabels:
    """The labels of one report's codes; ``label(kind, code)`` answers in the active language."""

    countries: dict = field(default_factory=dict)
    provinces: dict = field(default_factory=dict)  # pcode -> name
    offices: dict = field(default_factory=dict)
    need_codes: dict = field(default_factory=dict)  # "scheme:code" -> "code name"
    assistance_types: dict = field(default_factory=dict)  # "AGENCY:code" -> name

    def label(self, kind: str, code) -> str:
        if code is None or code == "":
            return ""
        code = str(code)
        resolve = getattr(self, f"_{kind}", None)
        return str(resolve(code)) if resolve else code

    def _status(self, code: str) -> str:
        if code == "all":
            return ALL_STATUSES
        return _choice(Category, code)

    def _country_group(self, code: str) -> str:
        return COUNTRY_GROUPS_OTHER if code == "other" else self.countries.get(code, code)

    def _country(self, code: str) -> str:
        return self.countries.get(code, code)

    def _province(self, code: str) -> str:
        return self.provinces.get(code, code)

    def _crossing(self, code: str) -> str:
        return self.offices.get(code, code)

    _office = _crossing

    def _need_code(self, code: str) -> str:
        return self.need_codes.get(code, code.partition(":")[2] or code)

    def _assistance_type(self, code: str) -> str:
        return self.assistance_types.get(code, code.partition(":")[2] or code)

    def _agency(self, code: str) -> str:
        return code

    def _sex(self, code: str) -> str:
        return _choice(Member.Sex, code)

    def _age_band(self, code: str) -> str:
        bands = {suffix.replace("_plus", "+").replace("_", "-"): label for suffix, label in AGE_BANDS}
        return bands.get(code, code)

    def _month(self, code: str) -> str:
        return month_text(code, language=get_language() or "en")

    def _year(self, code: str) -> str:
        return plain_digits(code, language=get_language() or "en")

    def _return_type(self, code: str) -> str:
        return _field_name(BorderCount, code)

    _travelling = _return_type

    def _referral_direction(self, code: str) -> str:
        return REFERRAL_DIRECTIONS.get(code, code)

    def _referral_service(self, code: str) -> str:
        return _choice(Referral.Service, code)

    def _referral_status(self, code: str) -> str:
        return _choice(Referral.Status, code)

    def _question(self, code: str) -> str:
        return _field_name(MonitoringInterview, code) if code in QUESTION_FIELDS else code

    def _answer(self, code: str) -> str:
        question, _separator, value = code.partition(":")
        if question == "current_province":
            return self._province(value)
        choices = QUESTION_CHOICES.get(question)
        return _choice(choices, value) if choices else value

    def _measure(self, code: str) -> str:
        return MEASURES.get(code, code)

    def _item(self, code: str) -> str:
        return ITEMS.get(code, code)

    def _explanation(self, code: str) -> str:
        return EXPLANATIONS.get(code, code)


def _choice(choices, code: str) -> str:
    try:
        return choices(code).label
    except ValueError:
        return code


def _field_name(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


def figures_codes(figures: dict) -> dict[str, set]:
    """Every code the figures hold, by kind: the rows' keys, the columns' parts, the top provinces."""
    codes = defaultdict(set)
    for table in figures.get("tables", ()):
        kinds = table.get("row_kinds", ())
        for row in table.get("rows", ()):
            for kind, part in zip(kinds, row.get("key", ()), strict=False):
                codes[kind].add(part)
        for column in table.get("columns", ()):
            for kind, part in zip(column.get("kinds", ()), column.get("parts", ()), strict=False):
                codes[kind].add(part)
        for top in table.get("extra", {}).get("top") or ():
            codes["province"].add((top.get("key") or [top.get("province")])[0])
    for code in codes.pop("answer", set()):
        question, _separator, value = str(code).partition(":")
        if question == "current_province":
            codes["province"].add(value)
    return codes


def _named(rows) -> list:
    """``(key..., name, name_fa, name_ps)`` rows as ``(key..., name in the active language)``."""
    return [(*row[:-3], in_language(SimpleNamespace(name=row[-3], name_fa=row[-2], name_ps=row[-1]))) for row in rows]


NAMES = ("name", "name_fa", "name_ps")


def report_labels(figures: dict) -> ReportLabels:
    """The labels of the codes ``figures`` holds, in the active language: one query per reference
    table it needs (at most five)."""
    codes = figures_codes(figures)
    labels = ReportLabels()
    countries = codes.get("country", set()) | (codes.get("country_group", set()) - {"other"})
    if countries:
        labels.countries = dict(_named(Country.objects.filter(code__in=countries).values_list("code", *NAMES)))
    if codes.get("province"):
        labels.provinces = dict(
            _named(Province.objects.filter(pcode__in=codes["province"]).values_list("pcode", *NAMES))
        )
    offices = codes.get("crossing", set()) | codes.get("office", set())
    if offices:
        labels.offices = dict(_named(Office.objects.filter(code__in=offices).values_list("code", *NAMES)))
    if codes.get("need_code"):
        labels.need_codes = {
            f"{scheme}:{code}": f"{code} {name}"
            for scheme, code, name in _named(
                NeedCode.objects.filter(
                    code__in={str(value).partition(":")[2] for value in codes["need_code"]}
                ).values_list("scheme", "code", *NAMES)
            )
        }
    if codes.get("assistance_type"):
        labels.assistance_types = {
            f"{agency}:{code}": name
            for agency, code, name in _named(
                AssistanceType.objects.filter(
                    code__in={str(value).partition(":")[2] for value in codes["assistance_type"]}
                ).values_list("agency__code", "code", *NAMES)
            )
        }
    return labels

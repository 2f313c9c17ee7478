"""Small helpers for the page templates."""

from django import template
from django.conf import settings

from returns import policy
from returns.models.counts import reads_border_counts as _reads_border_counts
from returns.reference import reference_data

register = template.Library()

# Each language named in its own script, so a reader finds theirs whatever the page language.
NATIVE_LANGUAGE_NAMES = {"en": "English", "fa": "دری", "ps": "پښتو"}


@register.simple_tag
def language_choices():
    """(code, label) for the language switcher: the native name, then the name in the page language."""
    choices = []
    for code, name in settings.LANGUAGES:
        native = NATIVE_LANGUAGE_NAMES.get(code, str(name))
        label = native if native == str(name) else f"{native} ({name})"
        choices.append((code, label))
    return choices


@register.simple_tag
def staff_workplace(user):
    """The user's agency and office names, read from the cached reference data rather than two queries."""
    reference = reference_data()
    agency = next((agency for agency in reference.agencies.values() if agency.pk == user.agency_id), None)
    office = next((office for office in reference.offices.values() if office.pk == user.office_id), None)
    return {"agency": agency.code if agency else "", "office": office.name if office else ""}


@register.filter
def can_register(user) -> bool:
    return policy.may_register(user)


@register.filter
def reads_border_counts(user) -> bool:
    return _reads_border_counts(user)


@register.filter
def can_record_border_counts(user) -> bool:
    return policy.may_record_border_counts(user)


@register.filter
def sees_monitoring(user) -> bool:
    return policy.sees_monitoring(user)

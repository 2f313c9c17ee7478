"""Small helpers for the page templates."""

from urllib.parse import quote

from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from returns import policy
from returns.models.counts import MEASURES
from returns.models.counts import reads_border_counts as _reads_border_counts
from returns.reference import reference_data
from returns.routing import routing_reason_shown

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
def can_import(user) -> bool:
    return policy.may_import(user)


@register.filter
def reads_border_counts(user) -> bool:
    return _reads_border_counts(user)


@register.filter
def can_record_border_counts(user) -> bool:
    return policy.may_record_border_counts(user)


@register.filter
def sees_monitoring(user) -> bool:
    return policy.sees_monitoring(user)


@register.filter
def count_cells(figures: dict) -> SafeString:
    """The 15 numeric cells of a row of the border count grid, total first, in ``MEASURES`` order.

    Whole numbers only (``int`` of each), so there is nothing to escape; digits are the same in
    every language here (no thousands separator).
    """
    cells = [f'<td class="numeric" data-measure="total">{int(figures["total"])}</td>']
    cells.extend(f'<td class="numeric">{int(figures[name])}</td>' for name in MEASURES[1:])
    return SafeString("".join(cells))


@register.simple_tag
def count_grid_rows(days: list, *, record_url: str, crossing_code: str, last_day_to_record) -> SafeString:
    """The rows of the border count grid, one ``<tr>`` per day.

    Written here rather than in the template: a year's grid has 365 rows, and the template engine's
    dozen nodes a row took most of the page's time (the page's target: a year in 200 ms). The
    markup is what the template wrote before; ``last_day_to_record`` is None when the user may not record
    (no "enter"/"correct" links), else today (no link for a day to come).
    """
    correct, enter, not_counted = escape(gettext("correct")), escape(gettext("enter")), escape(gettext("Not counted"))
    link = f"{escape(record_url)}?crossing={escape(quote(crossing_code))}&amp;day="
    rows = []
    for row in days:
        day = row["iso_day"]
        action = ""
        if last_day_to_record is not None and row["day"] <= last_day_to_record:
            label = correct if row["counted"] else enter
            action = f' <a class="border-grid__enter" href="{link}{day}">{label}</a>'
        if row["counted"]:
            opening, cells = "<tr", count_cells(row)
        else:
            opening = '<tr class="border-grid__empty"'
            cells = f'<td colspan="15" class="border-grid__none">{not_counted}</td>'
        rows.append(
            f'{opening} data-day="{day}">\n<th scope="row"><span dir="ltr">{day}</span>{action}</th>{cells}\n</tr>'
        )
    return SafeString("\n".join(rows))


@register.filter
def routing_reason(household) -> str:
    """Why the household was routed where it was, in the reader's language (``returns.routing``)."""
    return routing_reason_shown(household, reference=reference_data())

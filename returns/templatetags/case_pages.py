"""Helpers for the case pages: which nav links a user gets, how a field renders, and the two charts.

The charts are inline SVG computed here, on the server: no JavaScript library, nothing from a CDN.
Their geometry is mirrored on right-to-left pages (Dari, Pashto), and every chart carries a title
and a description for screen readers.
"""

from django import forms, template
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies import calendars
from returns import policy

register = template.Library()

BAR_COLOUR = "#0b4f8a"
OVERDUE_COLOUR = "#b3261e"


@register.filter
def works_cases(user) -> bool:
    """Staff of an agency, who have cases and receive referrals."""
    return policy.holds_cases(user)


@register.filter
def sees_caseload(user) -> bool:
    return policy.may_see_caseload(user)


@register.filter
def field_kind(bound_field) -> str:
    """How a form field is laid out: one checkbox, a group of checkboxes or radios, or a labelled input."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


def _mirror(rtl: bool, width: float):
    """x for a point, and for a box of width w, on a chart drawn left to right or mirrored."""

    def point(x: float) -> float:
        return round(width - x, 1) if rtl else round(x, 1)

    def box(x: float, w: float) -> float:
        return round(width - x - w, 1) if rtl else round(x, 1)

    return point, box


@register.inclusion_tag("returns/cases/includes/stage_chart.html")
def stage_chart(bars, *, chart_id: str, title: str):
    """Horizontal bars, one per stage: open cases, the overdue part in red."""
    rtl = translation.get_language_bidi()
    width, label_width, gap, row, bar = 640, 260, 8, 36, 22
    bar_room = width - label_width - gap - 160
    top = 6
    height = top * 2 + max(len(bars), 1) * row
    largest = max((item["value"] for item in bars), default=0) or 1
    point, box = _mirror(rtl, width)
    drawn = []
    for index, item in enumerate(bars):
        y = top + index * row
        length = item["value"] / largest * bar_room
        if item["value"]:
            length = max(length, 2)
        overdue_length = item["note"] / largest * bar_room if item["note"] else 0
        bar_x = label_width + gap
        text = (
            ngettext("%(count)s open", "%(count)s open", item["value"]) % {"count": item["value"]}
            if not item["note"]
            else _("%(count)s open, %(overdue)s overdue") % {"count": item["value"], "overdue": item["note"]}
        )
        drawn.append(
            {
                "label": item["label"],
                "text": text,
                "label_x": point(label_width),
                "text_y": y + row / 2,
                "bar_x": box(bar_x, length),
                "bar_y": y + (row - bar) / 2,
                "bar_width": round(length, 1),
                "overdue_x": box(bar_x + length - overdue_length, overdue_length),
                "overdue_width": round(overdue_length, 1),
                "value_x": point(bar_x + length + 6),
            }
        )
    return {
        "chart_id": chart_id,
        "title": title,
        "description": "; ".join(f"{item['label']}: {item['text']}" for item in drawn) or _("No open cases."),
        "bars": drawn,
        "width": width,
        "height": height,
        "direction": "rtl" if rtl else "ltr",
        "bar_height": bar,
        "bar_colour": BAR_COLOUR,
        "overdue_colour": OVERDUE_COLOUR,
    }


@register.inclusion_tag("returns/cases/includes/week_chart.html")
def week_chart(bars, *, chart_id: str, title: str):
    """Vertical bars, one per week: households arriving (people in each bar's tooltip)."""
    rtl = translation.get_language_bidi()
    width, height, pad, top, bottom = 640, 240, 8, 24, 40
    slot = (width - 2 * pad) / max(len(bars), 1)
    bar_width = slot * 0.6
    room = height - top - bottom
    baseline = height - bottom
    largest = max((item["value"] for item in bars), default=0) or 1
    point, box = _mirror(rtl, width)
    drawn = []
    for index, item in enumerate(bars):
        centre = pad + slot * index + slot / 2
        length = item["value"] / largest * room
        if item["value"]:
            length = max(length, 2)
        week = calendars.day_and_month(item["week"])
        text = _("Week of %(week)s: %(households)s households, %(people)s people") % {
            "week": week,
            "households": item["value"],
            "people": item["people"],
        }
        drawn.append(
            {
                "x": box(centre - bar_width / 2, bar_width),
                "y": round(baseline - length, 1),
                "height": round(length, 1),
                "centre": point(centre),
                "value": item["value"],
                "value_y": round(baseline - length - 6, 1),
                # Every other week is labelled (the current one always), so that labels never overlap.
                "week": week if (len(bars) - 1 - index) % 2 == 0 else "",
                "text": text,
            }
        )
    return {
        "chart_id": chart_id,
        "title": title,
        "description": "; ".join(item["text"] for item in drawn),
        "bars": drawn,
        "width": width,
        "height": height,
        "baseline": baseline,
        "label_y": baseline + 20,
        "bar_width": round(bar_width, 1),
        "direction": "rtl" if rtl else "ltr",
        "bar_colour": BAR_COLOUR,
    }

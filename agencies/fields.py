"""Form fields shared by every app's forms: a date in either calendar, and a select of many options.

A ``CalendarDateField`` reads what the officer types in the Gregorian or the Solar Hijri calendar
(``agencies.calendars.date_read``: the year tells them apart) and shows the stored Gregorian date in
the person's calendar, with the calendar named beside the box and the same day in the other calendar
once there is one. The browser's own date picker is not used: it shows only the Gregorian calendar,
in the device's order (mm/dd/yyyy on most tablets).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

from agencies import calendars


class CalendarDateInput(forms.TextInput):
    template_name = "agencies/widgets/calendar_date.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", "dir": "ltr", "size": 12, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return calendars.date_numeric(value)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        calendar = calendars.active_calendar()
        day = value if isinstance(value, datetime.date) else None
        if day is None and value:
            try:
                day = calendars.date_read(value)
            except ValueError:
                day = None
        context["widget"]["attrs"].setdefault("placeholder", calendars.numeric_pattern(calendar))
        context["calendar"] = {
            "code": calendar,
            "name": calendars.calendar_name(calendar),
            "pattern": calendars.numeric_pattern(calendar),
            "other": calendars.date_long(day, calendars.other_calendar(calendar)) if day else "",
            "long": calendars.date_long(day, calendar) if day else "",
        }
        return context


class CalendarDateField(forms.DateField):
    """A date typed in the Gregorian or the Solar Hijri calendar, in any digits; a Gregorian ``date``."""

    widget = CalendarDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return calendars.date_typed(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error

    def has_changed(self, initial, data):
        try:
            data = self.to_python(data)
        except ValidationError:
            return True
        return initial != data


class QuickSelect(forms.Select):
    """A select of hundreds of options (countries), each written in Python rather than through Django's
    template for an option: the registration page holds five country lists (in its form and in its
    template for a new member), and their 1,250 options rendered one template each took most of the
    page's time. The same HTML as ``forms.Select``: the options' attributes, groups and choice."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            written = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option["value"], flatatt(option["attrs"]), option["label"]) for option in options),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, written) if group_name else written
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", "{}", ((group,) for group in groups)),
        )

"""Serializer fields shared by the API: a date in either calendar.

The API answers in ISO 8601 Gregorian dates, the machine's calendar. It reads an ISO date as before,
and also a Solar Hijri date (1404/01/01 or 1404-01-01, told apart by its year), in Latin, Persian or
Arabic-Indic digits (``agencies.calendars.date_typed``); never day first (10/05/2023 is refused).
"""

import datetime

from rest_framework import serializers

from agencies import calendars


class CalendarDateField(serializers.DateField):
    def to_internal_value(self, value):
        if isinstance(value, datetime.datetime):
            self.fail("datetime")
        if isinstance(value, datetime.date):
            return value
        if not isinstance(value, str) or ":" in value:  # a time has no place in a date
            self.fail("invalid", format="YYYY-MM-DD")
        try:
            return calendars.date_typed(value, year_first=True)
        except ValueError as error:
            raise serializers.ValidationError(str(error), code="invalid") from error

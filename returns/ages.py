"""Age on a given day: the one calculation that registration, routing and workflow guards share."""

import datetime


def age_on(day: datetime.date, *, date_of_birth: datetime.date | None, estimated_age: int | None) -> int | None:
    """Age in whole years on ``day`` from a date of birth, else the estimated age (or None)."""
    if date_of_birth is None:
        return estimated_age
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday

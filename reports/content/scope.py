"""What one report counts over: the user whose gates apply, the period, the previous period, the
reference date and the cut-off, and the small SQL pieces every table shares.

The previous period is the same days one year earlier (29 February becomes 28 February). The
cut-off is a moment: only what was recorded by then counts, so that regenerating a report with
the same cut-off gives the same figures.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

REFERENCE_ARRIVAL = "arrival"
REFERENCE_GRANT_PAID = "grant_paid"
REFERENCE_DATES = (REFERENCE_ARRIVAL, REFERENCE_GRANT_PAID)

# The report's statuses (``returns.models.Category``), in the order of its tables.
STATUSES = ("registered_refugee", "refugee_card", "acc_holder", "passport_visa", "undocumented")
DOCUMENTED_STATUSES = STATUSES[:4]
UNDOCUMENTED = "undocumented"
REGISTERED_REFUGEE = "registered_refugee"
COUNTRY_GROUPS = ("PK", "IR", "other")
AGE_BANDS = ("0-4", "5-11", "12-17", "18-59", "60+")
CHILD_BANDS = AGE_BANDS[:3]
SEXES = ("female", "male")


def year_earlier(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class ReportScope:
    user: object
    start: datetime.date
    end: datetime.date
    reference_date: str
    cut_off: datetime.datetime

    @property
    def previous_start(self) -> datetime.date:
        return year_earlier(self.start)

    @property
    def previous_end(self) -> datetime.date:
        return year_earlier(self.end)

    @property
    def by_grant(self) -> bool:
        return self.reference_date == REFERENCE_GRANT_PAID

    def months(self) -> list[str]:
        """The months of the period, ``YYYY-MM``, in order."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def compilable(gated: QuerySet) -> QuerySet:
    """A gate's queryset that still compiles to SQL when it lets nothing through (Django refuses to
    compile ``none()``): the same rows, none, as a plain filter to build on."""
    return gated.model.objects.filter(pk__isnull=True) if gated.query.is_empty() else gated


def approved_by_cut_off(placeholder: str) -> str:
    """The assistance that counts (``a``): recorded by the cut-off and, when it needs approval,
    approved by then; ``placeholder`` is the cut-off's parameter (``%s`` or ``%(cut_off)s``)."""
    return (
        f"a.recorded_at <= {placeholder} AND (a.approval = 'not_required' "
        f"OR (a.approval = 'approved' AND a.approved_at <= {placeholder}))"
    )


APPROVED_BY_CUT_OFF = approved_by_cut_off("%(cut_off)s")


def fetch(sql: str, params: tuple | list | dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: tuple | list | dict | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)

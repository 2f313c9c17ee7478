"""The joint report's content: every table of docs/joint-report.md, counted in PostgreSQL.

``report_figures`` computes the internal (exact) edition for a period, as the data stood at the
cut-off, for the user who asked (every figure starts from the aggregate gates). The registry's
people are read once into a small aggregate and the border counts once
(``reports.content.staging``); each table is then a query over those or over the period's cases.
"""

import datetime
from collections.abc import Callable

from django.utils.translation import gettext_noop

from reports.content.border import by_crossing_table, reconciliation_table
from reports.content.iom import assistance_by_type_table, iom_crossing_table, iom_vulnerability_table
from reports.content.monitoring import monitoring_table
from reports.content.referrals import referrals_table
from reports.content.registrations import (
    by_month_table,
    by_province_table,
    cumulative_table,
    headline_change_table,
    headline_table,
    sex_age_table,
    status_counts,
)
from reports.content.scope import REFERENCE_DATES, REGISTERED_REFUGEE, UNDOCUMENTED, ReportScope
from reports.content.staging import stages_create, stages_drop
from reports.content.volrep import volrep_assistance_table, volrep_centres_table

__all__ = ["FORMAT", "TABLE_ORDER", "report_figures"]

FORMAT = 1
# The tables in the order the report presents them.
TABLE_ORDER = (
    "headline",
    "headline_change",
    "cumulative",
    "by_month",
    "by_crossing",
    "by_province",
    "sex_age",
    "volrep_centres",
    "volrep_assistance",
    "iom_crossing",
    "iom_vulnerability",
    "assistance_by_type",
    "referrals",
    "monitoring",
    "reconciliation",
)
# The steps the progress bar shows (English; the page translates them).
STEP_READING = gettext_noop("Reading the registry and the border counts")
STEP_RETURNS = gettext_noop("Counting returns by status, month, province, sex and age")
STEP_BORDER = gettext_noop("Counting the border crossings")
STEP_VOLREP = gettext_noop("Counting VolRep grants")
STEP_IOM = gettext_noop("Counting IOM screening and assistance")
STEP_REFERRALS = gettext_noop("Counting referrals and return monitoring")
STEP_DONE = gettext_noop("Figures counted")


def report_figures(
    *,
    user,
    period_start: datetime.date,
    period_end: datetime.date,
    reference_date: str,
    cut_off: datetime.datetime,
    progress: Callable[[int, str], None] | None = None,
) -> dict:
    """The internal edition of the joint report (docs/joint-report.md, format 1), counted in PostgreSQL.

    Only what ``user`` may count (``Household.objects.countable_by``, ``BorderCount.objects.readable_by``)
    and what was recorded by ``cut_off`` counts. ``progress(percent, step)`` is told between tables.
    """
    if reference_date not in REFERENCE_DATES:
        raise ValueError(f"Unknown reference date: {reference_date!r}")
    if period_start > period_end:
        raise ValueError("The period ends before it starts.")
    scope = ReportScope(user=user, start=period_start, end=period_end, reference_date=reference_date, cut_off=cut_off)

    def tell(percent_done: int, step: str) -> None:
        if progress is not None:
            progress(percent_done, step)

    tell(0, STEP_READING)
    # Not one transaction: the caller's progress must be seen while the tables are counted. What
    # counts is fixed by the cut-off, and the registry's people are read once, at the start.
    stages_create(scope)
    try:
        tables = counted_tables(scope, tell)
    finally:
        stages_drop()
    tell(100, STEP_DONE)
    return {
        "format": FORMAT,
        "edition": "internal",
        "period": {
            "start": scope.start.isoformat(),
            "end": scope.end.isoformat(),
            "previous_start": scope.previous_start.isoformat(),
            "previous_end": scope.previous_end.isoformat(),
        },
        "reference_date": reference_date,
        "cut_off": cut_off.isoformat(),
        "highlights": highlights(tables),
        "tables": [tables[code] for code in TABLE_ORDER],
    }


def counted_tables(scope: ReportScope, tell: Callable[[int, str], None]) -> dict[str, dict]:
    tell(30, STEP_RETURNS)
    counts = status_counts(scope)
    tables = {
        "headline": headline_table(counts),
        "headline_change": headline_change_table(counts),
        "by_month": by_month_table(scope, counts),
        "by_province": by_province_table(),
        "sex_age": sex_age_table(),
        "cumulative": cumulative_table(scope),
    }
    tell(50, STEP_BORDER)
    tables["by_crossing"] = by_crossing_table()
    tables["reconciliation"] = reconciliation_table()
    tell(60, STEP_VOLREP)
    tables["volrep_centres"] = volrep_centres_table(scope)
    tables["volrep_assistance"] = volrep_assistance_table(scope)
    tell(75, STEP_IOM)
    tables["iom_crossing"] = iom_crossing_table(scope)
    tables["iom_vulnerability"] = iom_vulnerability_table(scope)
    tables["assistance_by_type"] = assistance_by_type_table(scope)
    tell(90, STEP_REFERRALS)
    tables["referrals"] = referrals_table(scope)
    tables["monitoring"] = monitoring_table(scope)
    return tables


def highlights(tables: dict[str, dict]) -> dict:
    """The headline numbers the report's text quotes (rounded in the public edition)."""
    headline = {row["key"][0]: row["total"] for row in tables["headline"]["rows"]}
    change = tables["headline_change"]["total"]["cells"]
    return {
        "total_returns": tables["headline"]["total"]["total"],
        "registered_refugee": headline[REGISTERED_REFUGEE],
        "undocumented": headline[UNDOCUMENTED],
        "previous_total_returns": change[1],
        "change_percent": change[3],
        "children_percent": tables["sex_age"]["extra"]["children_percent"]["all"],
        "top_provinces_percent": tables["by_province"]["extra"]["top_share"],
    }

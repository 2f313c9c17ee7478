"""Return monitoring: the interviews done and their answers, counted.

The interviews completed (with the returnee's consent) on or before the cut-off's day, of the
households that returned in the period, by the agency that did them. Each question's answers add
up to the interviews done: where the family lives now (province), its shelter, its work, and
whether it intends to stay.
"""

from django.utils.translation import gettext_noop

from agencies.models import Agency
from reports.content.scope import ReportScope, fetch
from reports.content.shapes import column, counts_table, describe
from reports.content.staging import HOUSEHOLDS
from returns.models import MonitoringInterview

MONITORING = describe(
    code="monitoring",
    title=gettext_noop("Return monitoring: interviews and their answers"),
    source=gettext_noop("UNHCR, IOM"),
    definition=gettext_noop(
        "Return-monitoring interviews completed by the cut-off with the households that returned in the period, "
        "by agency: where the family lives now, its shelter, its work and whether it intends to stay. Each "
        "question's answers add up to the interviews done; the households drawn and not (yet) interviewed are "
        "given apart."
    ),
)

# The questions counted, and the answers each can have (the province: the ones given).
QUESTIONS = {
    "current_province": None,
    "shelter": MonitoringInterview.Shelter.values,
    "work": MonitoringInterview.Work.values,
    "intends_to_stay": MonitoringInterview.Intention.values,
}
AGENCY_CODES = ("UNHCR", "IOM")


def monitoring_counts(scope: ReportScope) -> list[tuple]:
    """(question, answer, agency, interviews), and (``status``, status, agency, households drawn)."""
    return fetch(
        f"""
        WITH interviews AS (
            SELECT i.*, ag.code AS agency_code,
                   i.status = 'completed' AND i.interviewed_on <= %(cut_off_day)s AS done
            FROM {HOUSEHOLDS} h
            JOIN {MonitoringInterview._meta.db_table} i ON i.household_id = h.id
            JOIN {Agency._meta.db_table} ag ON ag.id = i.agency_id
            WHERE h.ref_current AND i.created_at <= %(cut_off)s
        )
        SELECT 'current_province', current_province_id, agency_code, COUNT(*) FROM interviews WHERE done GROUP BY 2, 3
        UNION ALL
        SELECT 'shelter', shelter, agency_code, COUNT(*) FROM interviews WHERE done GROUP BY 2, 3
        UNION ALL
        SELECT 'work', work, agency_code, COUNT(*) FROM interviews WHERE done GROUP BY 2, 3
        UNION ALL
        SELECT 'intends_to_stay', intends_to_stay, agency_code, COUNT(*) FROM interviews WHERE done GROUP BY 2, 3
        UNION ALL
        SELECT 'status', CASE WHEN done THEN 'completed' WHEN interviewed_on <= %(cut_off_day)s THEN status
                              ELSE 'pending' END,
               agency_code, COUNT(*)
        FROM interviews GROUP BY 2, 3
        """,  # noqa: S608 - table names from the code, values as parameters
        {"cut_off": scope.cut_off, "cut_off_day": scope.cut_off.date()},
    )


def monitoring_table(scope: ReportScope) -> dict:
    counted: dict[tuple, int] = {}
    drawn: dict[str, dict[str, int]] = {}
    for question, answer, agency, number in monitoring_counts(scope):
        if question == "status":
            drawn.setdefault(agency, {})[answer] = int(number)
        else:
            counted[question, answer, agency] = int(number)
    rows, row_groups = [], []
    for question, answers in QUESTIONS.items():
        given = answers or sorted({answer for (q, answer, _agency) in counted if q == question})
        row_groups.append(list(range(len(rows), len(rows) + len(given))))
        rows += [
            (
                [question, f"{question}:{answer}"],
                [counted.get((question, answer, agency), 0) for agency in AGENCY_CODES],
                False,
            )
            for answer in given
        ]
    table = counts_table(
        about=MONITORING,
        row_kinds=["question", "answer"],
        columns=[column([agency], ["agency"]) for agency in AGENCY_CODES],
        rows=rows,
        row_groups=row_groups,
        unit="interviews",
    )
    table["extra"] = {"drawn": drawn}
    return table

"""Referrals between UNHCR and IOM and to partner organisations, by outcome.

The referrals made by the cut-off from the cases of the households that returned in the period.
Their outcome is the one known at the cut-off: a referral answered later is still pending. A
referral between agencies goes to an agency households are routed to (UNHCR, IOM); one to a
partner goes anywhere else. Protection referrals are the rows of the ``protection`` service.
"""

from django.utils.translation import gettext_noop

from agencies.models import Agency
from reports.content.scope import ReportScope, fetch
from reports.content.shapes import column, counts_table, describe
from reports.content.staging import HOUSEHOLDS
from returns.models import Case, Referral

REFERRALS = describe(
    code="referrals",
    title=gettext_noop("Referrals between agencies and to partners, by outcome"),
    source=gettext_noop("UNHCR, IOM"),
    definition=gettext_noop(
        "Referrals made by the cut-off from the cases of the households that returned in the period, between "
        "UNHCR and IOM or to partner organisations, by service and by their outcome at the cut-off (a referral "
        "answered after it counts as pending). Protection referrals are those of the protection service."
    ),
)

DIRECTIONS = ("between_agencies", "to_partners")
OUTCOMES = tuple(Referral.Status.values)  # pending, accepted, declined, completed


def referrals_table(scope: ReportScope) -> dict:
    rows = fetch(
        f"""
        SELECT CASE WHEN ag.receives_routed_households THEN 'between_agencies' ELSE 'to_partners' END,
               r.service,
               CASE WHEN r.responded_at IS NULL OR r.responded_at > %(cut_off)s THEN 'pending' ELSE r.status END,
               COUNT(*)
        FROM {HOUSEHOLDS} h
        JOIN {Case._meta.db_table} c ON c.household_id = h.id
        JOIN {Referral._meta.db_table} r ON r.case_id = c.id
        JOIN {Agency._meta.db_table} ag ON ag.id = r.to_agency_id
        WHERE h.ref_current AND r.created_at <= %(cut_off)s
        GROUP BY 1, 2, 3
        """,  # noqa: S608 - table names from the code, values as parameters
        {"cut_off": scope.cut_off},
    )
    counted = {(direction, service, outcome): int(number) for direction, service, outcome, number in rows}
    return counts_table(
        about=REFERRALS,
        row_kinds=["referral_direction", "referral_service"],
        columns=[column([outcome], ["referral_status"]) for outcome in OUTCOMES],
        rows=[
            ([direction, service], [counted.get((direction, service, outcome), 0) for outcome in OUTCOMES], False)
            for direction in DIRECTIONS
            for service in Referral.Service.values
        ],
        unit="referrals",
    )

"""Voluntary repatriation (VolRep): the grants UNHCR paid, and who was not paid.

The VolRep returns of the period are the registered refugees counted in it (by arrival, or by the
day their grant was paid). A grant paid is an approved assistance of a grant type
(``AssistanceType.is_grant``) recorded and approved by the cut-off; the people it pays are its
``quantity``, its value in US dollars. Refused as already assisted: members decided
``already_assisted`` by the cut-off. No-shows: VolRep households arrived in the period with a UNHCR
case and no grant by the cut-off, not closed as not eligible or re-routed. Supplements: approved
supplement payments, the households paid, their people and the value. One grant per person, for
each agency (the case's): the people refused a grant because they, or a likely duplicate, had one
already (``GrantRefusal`` written by the cut-off), and the grants a manager let through anyway
(``Assistance.overridden_by``, recorded and approved by the cut-off), among the households of the
period whichever their status.

A household withdrawn by the cut-off (registered in error, a duplicate merged) counts in no people
or households, but the value of the grants and supplements paid to it stays in the totals: the money
left UNHCR.
"""

from django.utils.translation import gettext_noop

from agencies.models import Agency, Office
from reports.content.scope import APPROVED_BY_CUT_OFF, REGISTERED_REFUGEE, ReportScope, fetch
from reports.content.shapes import column, counts_table, describe, measure, measures_table, money
from reports.content.staging import HOUSEHOLDS, WITHDRAWN
from returns.models import Assistance, AssistanceType, Case, GrantRefusal, MemberEntitlement
from returns.workflows.unhcr_voluntary_repatriation import WORKFLOW as VOLREP_WORKFLOW

SOURCE = gettext_noop("UNHCR")
VOLREP_CENTRES = describe(
    code="volrep_centres",
    title=gettext_noop("Registered refugees paid a grant, by country of asylum and encashment centre"),
    source=SOURCE,
    definition=gettext_noop(
        "People paid the VolRep grant (the people each approved grant covers, recorded and approved by the "
        "cut-off), among the registered refugees who returned in the period, by the country they left and the "
        "encashment centre that paid them."
    ),
)
VOLREP_ASSISTANCE = describe(
    code="volrep_assistance",
    title=gettext_noop("VolRep grants, refusals, no-shows and supplements"),
    source=SOURCE,
    definition=gettext_noop(
        "Among the registered refugees who returned in the period: grants paid (people covered, households, "
        "value in US dollars, average per person); members refused as already assisted; no-shows (households "
        "with a UNHCR case and no grant by the cut-off, not closed as not eligible or re-routed); return "
        "supplements paid (households, their people, value). One grant per person, by agency, among the "
        "households of the period: people refused a grant because they, or a likely duplicate, had one already, "
        "and grants a manager let through anyway with a written justification (people, households, value)."
    ),
)
# One grant per person is counted for each of the two agencies, in this order.
ONE_GRANT_AGENCIES = ("UNHCR", "IOM")

ASSISTANCE = Assistance._meta.db_table
ASSISTANCE_TYPE = AssistanceType._meta.db_table
CASE = Case._meta.db_table
ENTITLEMENT = MemberEntitlement._meta.db_table
OFFICE = Office._meta.db_table
AGENCY = Agency._meta.db_table
GRANT_REFUSAL = GrantRefusal._meta.db_table


def parameters(scope: ReportScope) -> dict:
    return {"cut_off": scope.cut_off, "category": REGISTERED_REFUGEE, "workflow": VOLREP_WORKFLOW.code}


def volrep_centres_table(scope: ReportScope) -> dict:
    rows = fetch(
        f"""
        SELECT h.country_of_departure_id, o.code, SUM(a.quantity)
        FROM {HOUSEHOLDS} h
        JOIN {CASE} c ON c.household_id = h.id
        JOIN {ASSISTANCE} a ON a.case_id = c.id
        JOIN {ASSISTANCE_TYPE} t ON t.id = a.assistance_type_id AND t.is_grant
        JOIN {OFFICE} o ON o.id = a.office_id
        WHERE h.category = %(category)s AND h.ref_current AND {APPROVED_BY_CUT_OFF}
        GROUP BY 1, 2
        """,  # noqa: S608 - table names from the code, values as parameters
        parameters(scope),
    )
    paid = {(country, centre): int(people) for country, centre, people in rows}
    centres = sorted(
        {centre for _country, centre in paid}
        | set(Office.objects.filter(kind=Office.Kind.ENCASHMENT_CENTRE).values_list("code", flat=True))
    )
    countries = sorted({country for country, _centre in paid})
    return counts_table(
        about=VOLREP_CENTRES,
        row_kinds=["country"],
        columns=[column([centre], ["office"]) for centre in centres],
        rows=[([country], [paid.get((country, centre), 0) for centre in centres], False) for country in countries],
    )


def volrep_assistance_counts(scope: ReportScope) -> tuple:
    """(grant people, households, value), (refused people, households), (no-show people, households),
    (supplement people, households, value), in one query."""
    return fetch(
        f"""
        WITH volrep AS (
            SELECT id, member_count, true AS counted FROM {HOUSEHOLDS} WHERE category = %(category)s AND ref_current
            UNION ALL
            SELECT id, member_count, false FROM {WITHDRAWN} WHERE category = %(category)s AND ref_current
        ),
        paid AS (
            SELECT c.household_id, a.quantity, a.value, a.currency, t.is_grant, t.is_supplement
            FROM {CASE} c
            JOIN {ASSISTANCE} a ON a.case_id = c.id
            JOIN {ASSISTANCE_TYPE} t ON t.id = a.assistance_type_id AND (t.is_grant OR t.is_supplement)
            WHERE (c.household_id IN (SELECT id FROM {HOUSEHOLDS} WHERE category = %(category)s)
                   OR c.household_id IN (SELECT id FROM {WITHDRAWN} WHERE category = %(category)s))
                  AND {APPROVED_BY_CUT_OFF}
        ),
        grants AS (
            SELECT COALESCE(SUM(p.quantity) FILTER (WHERE h.counted), 0) AS people,
                   COUNT(DISTINCT p.household_id) FILTER (WHERE h.counted) AS households,
                   COALESCE(SUM(p.value) FILTER (WHERE p.currency = 'USD'), 0) AS value
            FROM paid p JOIN volrep h ON h.id = p.household_id WHERE p.is_grant
        ),
        refused AS (
            SELECT COUNT(*) AS people, COUNT(DISTINCT c.household_id) AS households
            FROM volrep h JOIN {CASE} c ON c.household_id = h.id JOIN {ENTITLEMENT} e ON e.case_id = c.id
            WHERE h.counted AND e.decision = 'already_assisted' AND e.decided_at <= %(cut_off)s
        ),
        no_shows AS (
            SELECT COALESCE(SUM(h.member_count), 0) AS people, COUNT(*) AS households
            FROM {HOUSEHOLDS} h
            WHERE h.category = %(category)s AND h.arr_current
              AND EXISTS (
                  SELECT 1 FROM {CASE} c WHERE c.household_id = h.id AND c.workflow = %(workflow)s
                  AND c.opened_at <= %(cut_off)s
                  AND NOT (c.closed_at IS NOT NULL AND c.closed_at <= %(cut_off)s
                           AND c.outcome IN ('not_eligible', 'rerouted')))
              AND NOT EXISTS (SELECT 1 FROM paid p WHERE p.household_id = h.id AND p.is_grant)
        ),
        supplements AS (
            SELECT COALESCE(SUM(h.member_count) FILTER (WHERE h.counted), 0) AS people,
                   COUNT(*) FILTER (WHERE h.counted) AS households, COALESCE(SUM(s.value), 0) AS value
            FROM volrep h JOIN (
                SELECT household_id, SUM(value) FILTER (WHERE currency = 'USD') AS value
                FROM paid WHERE is_supplement GROUP BY household_id
            ) s ON s.household_id = h.id
        )
        SELECT g.people, g.households, g.value, r.people, r.households, n.people, n.households,
               s.people, s.households, s.value
        FROM grants g, refused r, no_shows n, supplements s
        """,  # noqa: S608 - table names from the code, values as parameters
        parameters(scope),
    )[0]


def one_grant_counts(scope: ReportScope) -> dict[tuple[str, str], tuple]:
    """{("refused" or "overridden", agency code): (people, households, value)}, in one query.

    Refused: the people refused by the cut-off (each once, however often tried). Overridden: the people
    each grant let through pays (the member named; a grant's ``quantity``; else the household's members).
    """
    rows = fetch(
        f"""
        WITH counted AS (SELECT id, member_count FROM {HOUSEHOLDS} WHERE ref_current),
        refused AS (
            SELECT g.code AS agency, COUNT(DISTINCT r.member_id) AS people,
                   COUNT(DISTINCT c.household_id) AS households
            FROM {GRANT_REFUSAL} r
            JOIN {CASE} c ON c.id = r.case_id
            JOIN counted h ON h.id = c.household_id
            JOIN {AGENCY} g ON g.id = c.agency_id
            WHERE r.refused_at <= %(cut_off)s
            GROUP BY 1
        ),
        overridden AS (
            SELECT g.code AS agency,
                   SUM(CASE WHEN a.member_id IS NOT NULL THEN 1 WHEN t.is_grant THEN a.quantity
                            ELSE h.member_count END) AS people,
                   COUNT(DISTINCT c.household_id) AS households,
                   COALESCE(SUM(a.value) FILTER (WHERE a.currency = 'USD'), 0) AS value
            FROM {ASSISTANCE} a
            JOIN {ASSISTANCE_TYPE} t ON t.id = a.assistance_type_id
            JOIN {CASE} c ON c.id = a.case_id
            JOIN counted h ON h.id = c.household_id
            JOIN {AGENCY} g ON g.id = c.agency_id
            WHERE a.overridden_by_id IS NOT NULL AND {APPROVED_BY_CUT_OFF}
            GROUP BY 1
        )
        SELECT 'refused', agency, people, households, NULL FROM refused
        UNION ALL
        SELECT 'overridden', agency, people, households, value FROM overridden
        """,  # noqa: S608 - table names from the code, values as parameters
        parameters(scope),
    )
    return {(kind, agency): (int(people), households, value) for kind, agency, people, households, value in rows}


def volrep_assistance_table(scope: ReportScope) -> dict:
    (
        grant_people,
        grant_households,
        grant_value,
        refused_people,
        refused_households,
        no_show_people,
        no_show_households,
        supplement_people,
        supplement_households,
        supplement_value,
    ) = volrep_assistance_counts(scope)

    def average(value, people) -> str | None:
        return money(value / people) if people else None

    grant_people, supplement_people = int(grant_people), int(supplement_people)
    rows = [
        (["grants"], [grant_people, grant_households, money(grant_value), average(grant_value, grant_people)], False),
        (["already_assisted"], [refused_people, refused_households, None, None], False),
        (["no_shows"], [int(no_show_people), no_show_households, None, None], False),
        (
            ["supplements"],
            [
                supplement_people,
                supplement_households,
                money(supplement_value),
                average(supplement_value, supplement_people),
            ],
            False,
        ),
    ]
    one_grant = one_grant_counts(scope)
    for agency in ONE_GRANT_AGENCIES:
        people, households, _value = one_grant.get(("refused", agency), (0, 0, None))
        rows.append(([f"already_granted_{agency.lower()}"], [people, households, None, None], False))
    for agency in ONE_GRANT_AGENCIES:
        people, households, value = one_grant.get(("overridden", agency), (0, 0, 0))
        rows.append(
            ([f"granted_again_{agency.lower()}"], [people, households, money(value), average(value, people)], False)
        )
    columns = [
        measure("people", "people"),
        measure("households", "households"),
        measure("value", "USD"),
        measure("average_per_person", "USD"),
    ]
    return measures_table(
        about=VOLREP_ASSISTANCE,
        row_kinds=["item"],
        columns=columns,
        rows=rows,
        total=None,
        units_columns=["people", "households"],
    )

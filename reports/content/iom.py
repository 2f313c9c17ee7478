"""IOM's part: arrivals counted, screened and assisted at each crossing, the assisted by
vulnerability, and every agency's assistance by type.

Screened: the people of IOM post-arrival cases whose screening was decided (eligible or not) by the
cut-off, among the households that arrived in the period. Assisted: the people of IOM cases with
assistance recorded (and, when it needs it, approved) by the cut-off. Crossings are the offices
households were registered at; counted people come from the border counts.
"""

from django.utils.translation import gettext_noop

from agencies.models import Agency, Office
from reports.content.scope import APPROVED_BY_CUT_OFF, ReportScope, fetch
from reports.content.shapes import column, counts_table, describe, measure, measures_table, money, percent
from reports.content.staging import BORDER, HOUSEHOLDS, WITHDRAWN
from returns.models import Assistance, AssistanceType, Case, CaseEvent, Member, NeedCode
from returns.workflows.iom_post_arrival import WORKFLOW as IOM_WORKFLOW

IOM_CROSSING = describe(
    code="iom_crossing",
    title=gettext_noop("Arrivals counted, screened and assisted by IOM, by crossing point"),
    source=gettext_noop("DoRR/IOM border counts; IOM"),
    definition=gettext_noop(
        "People counted at each crossing point in the period; people of the households registered there whose "
        "IOM vulnerability screening was decided (eligible or not) by the cut-off; people of IOM cases with "
        "assistance recorded and approved by the cut-off; and the assisted as a share of the counted."
    ),
)
IOM_VULNERABILITY = describe(
    code="iom_vulnerability",
    title=gettext_noop("People assisted by IOM, by vulnerability"),
    source=gettext_noop("IOM"),
    definition=gettext_noop(
        "Members of the households IOM assisted in the period, by the IOM vulnerability codes recorded for them "
        "(a person with several codes counts under each). Sensitive codes need more people per published cell."
    ),
)
ASSISTANCE_BY_TYPE = describe(
    code="assistance_by_type",
    title=gettext_noop("Assistance by agency and type"),
    source=gettext_noop("UNHCR, IOM"),
    definition=gettext_noop(
        "Assistance recorded (and approved, when it needs it) by the cut-off for the households that returned in "
        "the period: the people who received each type (the member named, or every registered member of the "
        "household) and its value in US dollars. The total counts each person once."
    ),
)

ASSISTANCE = Assistance._meta.db_table
CASE = Case._meta.db_table
OFFICE = Office._meta.db_table


def parameters(scope: ReportScope) -> dict:
    return {"cut_off": scope.cut_off, "workflow": IOM_WORKFLOW.code, "crossing": Office.Kind.BORDER_CROSSING}


def iom_crossing_table(scope: ReportScope) -> dict:
    rows = fetch(
        f"""
        WITH iom AS (
            SELECT h.office_id, h.member_count,
                   EXISTS (SELECT 1 FROM {CaseEvent._meta.db_table} e
                           WHERE e.case_id = c.id AND e.kind = 'transition' AND e.from_stage = 'screening'
                           AND e.created_at <= %(cut_off)s) AS screened,
                   EXISTS (SELECT 1 FROM {ASSISTANCE} a WHERE a.case_id = c.id AND {APPROVED_BY_CUT_OFF}) AS assisted
            FROM {HOUSEHOLDS} h JOIN {CASE} c ON c.household_id = h.id AND c.workflow = %(workflow)s
            WHERE h.arr_current AND c.opened_at <= %(cut_off)s
        ),
        by_office AS (
            SELECT office_id, SUM(member_count) FILTER (WHERE screened) AS screened,
                   SUM(member_count) FILTER (WHERE assisted) AS assisted
            FROM iom GROUP BY office_id
        ),
        counted AS (SELECT crossing_id, SUM(sum_total) AS people FROM {BORDER} WHERE in_current GROUP BY 1)
        SELECT o.code, COALESCE(n.people, 0), COALESCE(b.screened, 0), COALESCE(b.assisted, 0)
        FROM {OFFICE} o
        LEFT JOIN counted n ON n.crossing_id = o.id
        LEFT JOIN by_office b ON b.office_id = o.id
        WHERE o.kind = %(crossing)s OR n.people > 0 OR b.screened > 0 OR b.assisted > 0
        ORDER BY o.code
        """,  # noqa: S608 - table names from the code, values as parameters
        parameters(scope),
    )

    def measures(counted: int, screened: int, assisted: int) -> list:
        return [counted, screened, assisted, percent(assisted, counted)]

    table_rows = [([code], measures(int(c), int(s), int(a)), False) for code, c, s, a in rows]
    total = measures(*(sum(int(row[i]) for row in rows) for i in (1, 2, 3)))
    columns = [
        measure("counted", "people"),
        measure("screened", "people"),
        measure("assisted", "people"),
        measure("assisted_percent", "percent"),
    ]
    return measures_table(
        about=IOM_CROSSING,
        row_kinds=["crossing"],
        columns=columns,
        rows=table_rows,
        total=total,
        units_columns=["counted", "screened", "assisted"],
    )


def iom_vulnerability_table(scope: ReportScope) -> dict:
    """Every IOM vulnerability code, sensitive ones marked, with the assisted people holding it."""
    through = Member.specific_needs.through._meta.db_table
    rows = fetch(
        f"""
        WITH assisted AS (
            SELECT DISTINCT h.id FROM {HOUSEHOLDS} h
            JOIN {CASE} c ON c.household_id = h.id AND c.workflow = %(workflow)s
            WHERE h.arr_current
              AND EXISTS (SELECT 1 FROM {ASSISTANCE} a WHERE a.case_id = c.id AND {APPROVED_BY_CUT_OFF})
        ),
        coded AS (
            SELECT s.needcode_id, COUNT(*) AS people
            FROM {through} s JOIN {Member._meta.db_table} m ON m.id = s.member_id
            JOIN assisted x ON x.id = m.household_id
            GROUP BY s.needcode_id
        )
        SELECT n.code, n.is_sensitive, COALESCE(coded.people, 0)
        FROM {NeedCode._meta.db_table} n LEFT JOIN coded ON coded.needcode_id = n.id
        WHERE n.scheme = %(scheme)s
        ORDER BY n.code
        """,  # noqa: S608 - table names from the code, values as parameters
        {**parameters(scope), "scheme": NeedCode.Scheme.IOM_VULNERABILITY},
    )
    scheme = NeedCode.Scheme.IOM_VULNERABILITY.value
    return counts_table(
        about=IOM_VULNERABILITY,
        row_kinds=["need_code"],
        columns=[column(["assisted"], ["measure"])],
        rows=[([f"{scheme}:{code}"], [int(people)], sensitive) for code, sensitive, people in rows],
    )


def assistance_by_type_table(scope: ReportScope) -> dict:
    """People reached and value of each assistance type: a household's assistance reaches its
    registered members (``member_count``), a member's that member; nobody is counted twice. The value
    paid to households withdrawn by the cut-off stays in the totals; their people are not reached."""
    rows = fetch(
        f"""
        WITH all_given AS (
            SELECT a.assistance_type_id, a.member_id, a.value, a.currency, h.id AS household_id, h.member_count,
                   h.counted
            FROM (SELECT id, member_count, ref_current, true AS counted FROM {HOUSEHOLDS}
                  UNION ALL
                  SELECT id, member_count, ref_current, false FROM {WITHDRAWN}) h
            JOIN {CASE} c ON c.household_id = h.id JOIN {ASSISTANCE} a ON a.case_id = c.id
            WHERE h.ref_current AND {APPROVED_BY_CUT_OFF}
        ),
        given AS (SELECT * FROM all_given WHERE counted),
        whole AS (SELECT DISTINCT assistance_type_id, household_id, member_count FROM given WHERE member_id IS NULL),
        named AS (SELECT DISTINCT assistance_type_id, household_id, member_id FROM given WHERE member_id IS NOT NULL),
        reached AS (
            SELECT assistance_type_id, SUM(people) AS people FROM (
                SELECT assistance_type_id, member_count AS people FROM whole
                UNION ALL
                SELECT n.assistance_type_id, 1 FROM named n
                WHERE NOT EXISTS (SELECT 1 FROM whole w WHERE w.assistance_type_id = n.assistance_type_id
                                  AND w.household_id = n.household_id)
            ) reached_by_type
            GROUP BY 1
        ),
        everyone AS (
            SELECT COALESCE((SELECT SUM(member_count)
                             FROM (SELECT DISTINCT household_id, member_count FROM whole) x), 0)
                   + (SELECT COUNT(DISTINCT member_id) FROM named n
                      WHERE NOT EXISTS (SELECT 1 FROM whole w WHERE w.household_id = n.household_id)) AS people
        ),
        valued AS (
            SELECT assistance_type_id, SUM(value) FILTER (WHERE currency = 'USD') AS value
            FROM all_given GROUP BY 1
        )
        SELECT ag.code, t.code, COALESCE(r.people, 0), COALESCE(v.value, 0)
        FROM {AssistanceType._meta.db_table} t JOIN {Agency._meta.db_table} ag ON ag.id = t.agency_id
        LEFT JOIN reached r ON r.assistance_type_id = t.id
        LEFT JOIN valued v ON v.assistance_type_id = t.id
        UNION ALL
        SELECT NULL, NULL, people, (SELECT COALESCE(SUM(value), 0) FROM valued) FROM everyone
        ORDER BY 1, 2
        """,  # noqa: S608 - table names from the code, values as parameters
        parameters(scope),
    )
    types = [row for row in rows if row[0] is not None]
    everyone = next((row for row in rows if row[0] is None), (None, None, 0, 0))
    columns = [measure("people", "people"), measure("value", "USD")]
    return measures_table(
        about=ASSISTANCE_BY_TYPE,
        row_kinds=["agency", "assistance_type"],
        columns=columns,
        rows=[
            ([agency, f"{agency}:{code}"], [int(people), money(value)], False) for agency, code, people, value in types
        ],
        total=[int(everyone[2]), money(everyone[3])],
        units_columns=["people"],
        chart="assistance_bars",
    )

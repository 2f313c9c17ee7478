"""What the border teams counted: arrivals by crossing point, and counted against registered.

Border counts are a headcount with no personal data; a count's current figure is its latest
version recorded by the cut-off (``reports.content.staging``). Registered people are those of the
households registered at the crossing point, by arrival.
"""

from django.utils.translation import gettext_noop

from agencies.models import Office
from reports.content.scope import fetch
from reports.content.shapes import column, counts_table, describe, measure, measures_table
from reports.content.staging import BORDER, HOUSEHOLDS

BY_CROSSING = describe(
    code="by_crossing",
    title=gettext_noop("Arrivals by crossing point, return type and travelling"),
    source=gettext_noop("DoRR/IOM border counts"),
    definition=gettext_noop(
        "People counted at each crossing point in the period (the latest version of each count recorded by the "
        "cut-off): deported or spontaneous returns, and people arriving in families or alone. Each group adds up "
        "to the people counted."
    ),
)
RECONCILIATION = describe(
    code="reconciliation",
    title=gettext_noop("Counted and registered, by crossing point and month"),
    source=gettext_noop("DoRR/IOM border counts; UNHCR and IOM registrations"),
    definition=gettext_noop(
        "People counted at each crossing point in each month against the people registered there (by arrival). "
        "A positive difference is the people counted, not registered (most undocumented returnees are counted "
        "only); a negative one means registrations without a count (a count missing or late)."
    ),
)

EXPLANATIONS = {1: "counted_not_registered", -1: "registered_not_counted", 0: "equal"}


def by_crossing_table() -> dict:
    """Every border crossing, with the people counted there in the period."""
    rows = fetch(
        f"""
        SELECT o.code, COALESCE(SUM(b.sum_deported), 0), COALESCE(SUM(b.sum_spontaneous), 0),
               COALESCE(SUM(b.sum_in_families), 0), COALESCE(SUM(b.sum_individuals), 0)
        FROM {Office._meta.db_table} o
        LEFT JOIN {BORDER} b ON b.crossing_id = o.id AND b.in_current
        WHERE o.kind = %s OR b.crossing_id IS NOT NULL
        GROUP BY o.code ORDER BY o.code
        """,  # noqa: S608 - table names from the code, values as parameters
        (Office.Kind.BORDER_CROSSING,),
    )
    columns = [
        column(["deported"], ["return_type"]),
        column(["spontaneous"], ["return_type"]),
        column(["in_families"], ["travelling"]),
        column(["individuals"], ["travelling"]),
    ]
    return counts_table(
        about=BY_CROSSING,
        row_kinds=["crossing"],
        columns=columns,
        rows=[([code], [int(number) for number in numbers], False) for code, *numbers in rows],
        column_groups=[[0, 1], [2, 3]],
    )


def reconciliation_table() -> dict:
    """Counted minus registered at each border crossing and month of the period where either happened."""
    rows = fetch(
        f"""
        WITH counted AS (
            SELECT crossing_id AS office_id, month, SUM(sum_total) AS people
            FROM {BORDER} WHERE in_current GROUP BY 1, 2
        ),
        registered AS (
            SELECT office_id, arr_month AS month, SUM(member_count) AS people
            FROM {HOUSEHOLDS} WHERE arr_current GROUP BY 1, 2
        )
        SELECT o.code, month, COALESCE(c.people, 0), COALESCE(r.people, 0)
        FROM counted c FULL JOIN registered r USING (office_id, month)
        JOIN {Office._meta.db_table} o ON o.id = office_id
        WHERE o.kind = %s
        ORDER BY o.code, month
        """,  # noqa: S608 - table names from the code, values as parameters
        (Office.Kind.BORDER_CROSSING,),
    )

    def measures(counted: int, registered: int) -> list:
        difference = counted - registered
        return [counted, registered, difference, EXPLANATIONS[(difference > 0) - (difference < 0)]]

    table_rows = [
        ([code, month], measures(int(counted), int(registered)), False) for code, month, counted, registered in rows
    ]
    total = measures(sum(int(row[2]) for row in rows), sum(int(row[3]) for row in rows))
    columns = [
        measure("counted", "people"),
        measure("registered", "people"),
        measure("difference", "people"),
        measure("explanation", "text"),
    ]
    return measures_table(
        about=RECONCILIATION,
        row_kinds=["crossing", "month"],
        columns=columns,
        rows=table_rows,
        total=total,
        units_columns=["counted", "registered"],
    )

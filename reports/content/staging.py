"""The three small tables every figure of the registry and the border counts is read from.

Counting each table straight from the registry would scan its people once per table. Instead the
period's households (and the previous period's) go into a temporary table with the few columns
the tables group by (status, country group, months, crossing, province, period flags); their people
are their registered members (``member_count``). One pass over those households' members then
counts them by status, sex and age band, the only dimensions that are the person's own, into a few
hundred rows; and the current border counts are summed once per crossing, country group and day.
The tables are counted from these in SQL. They are temporary tables of the database session,
dropped when the report is done (and before it starts, should a failed report have left them).
"""

import contextlib

from django.db import DatabaseError
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from agencies.models import Office
from reports.content.scope import REGISTERED_REFUGEE, ReportScope, approved_by_cut_off, compilable, execute
from returns.models import Assistance, AssistanceType, BorderCount, Household, Member
from returns.models import Case as AgencyCase
from returns.models.counts import SEX_AGE_FIELDS

HOUSEHOLDS = "report_households"
# The households withdrawn by the cut-off (registered in error, duplicates merged): never counted as
# people, but the money paid to them left the agency, so the assistance totals still count it.
WITHDRAWN = "report_withdrawn"
PEOPLE = "report_people"
BORDER = "report_border"


def country_group(field: str) -> Case:
    return Case(
        When(**{field: "PK"}, then=Value("PK")), When(**{field: "IR"}, then=Value("IR")), default=Value("other")
    )


def gated_households(scope: ReportScope):
    """The gated households registered by the cut-off that may count in the period or the previous
    one: those that arrived in either, and, with the reference date ``grant_paid``, every registered
    refugee (any may have been paid in them)."""
    households = compilable(Household.objects.countable_by(scope.user, including_withdrawn=True)).filter(
        created_at__lte=scope.cut_off
    )
    arrived = Q(arrival_date__range=(scope.start, scope.end)) | Q(
        arrival_date__range=(scope.previous_start, scope.previous_end)
    )
    if scope.by_grant:
        arrived |= Q(category=REGISTERED_REFUGEE)
    return (
        households.filter(arrived)
        .order_by()
        .values(
            "id",
            "category",
            "arrival_date",
            "office_id",
            "member_count",
            "country_of_departure_id",
            "destination_province_id",
            group=country_group("country_of_departure_id"),
            at_border=Case(
                When(office__kind=Office.Kind.BORDER_CROSSING, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            # Withdrawn by the cut-off: a withdrawal after it does not change a report made before.
            withdrawn=Case(
                When(withdrawn_at__lte=scope.cut_off, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


# The day a household's first grant was paid, among the grants recorded and approved by the cut-off.
FIRST_GRANTS = f"""
    SELECT c.household_id, MIN(a.delivered_on) AS first_paid
    FROM {Assistance._meta.db_table} a
    JOIN {AgencyCase._meta.db_table} c ON c.id = a.case_id
    JOIN {AssistanceType._meta.db_table} t ON t.id = a.assistance_type_id
    WHERE t.is_grant AND {approved_by_cut_off("%s")}
    GROUP BY c.household_id"""  # noqa: S608 - table names from the models
FIRST_GRANTS_PARAMETERS = 2  # the cut-off, twice


def households_stage(scope: ReportScope) -> None:
    """``report_households``: the households above, with the day that decides their period
    (``ref_day``: the arrival, or, with the reference date ``grant_paid``, a registered refugee's first
    grant paid; none: not counted as a return), its month and the period each counts in by reference
    date (``ref_current``, ``ref_previous``) and by arrival (``arr_current``, ``arr_previous``).

    The people of a household are its registered members (``member_count``, written with them).
    The households withdrawn by the cut-off are then moved to ``report_withdrawn`` (a few rows), so
    that no count of people or households sees them; only the assistance totals read both.
    """
    gated, gated_params = gated_households(scope).query.sql_with_params()
    if scope.by_grant:
        days = f"""SELECT h.*, CASE WHEN h.category = %s THEN g.first_paid ELSE h.arrival_date END AS ref_day
                   FROM ({gated}) h LEFT JOIN ({FIRST_GRANTS}) g ON g.household_id = h.id"""  # noqa: S608
        days_params = (REGISTERED_REFUGEE, *gated_params, *[scope.cut_off] * FIRST_GRANTS_PARAMETERS)
    else:
        days, days_params = f"SELECT h.*, h.arrival_date AS ref_day FROM ({gated}) h", gated_params  # noqa: S608
    periods = (scope.start, scope.end, scope.previous_start, scope.previous_end)
    execute(
        f"""
        CREATE TEMP TABLE {HOUSEHOLDS} AS
        SELECT r.*, to_char(r.ref_day, 'YYYY-MM') AS ref_month, to_char(r.arrival_date, 'YYYY-MM') AS arr_month,
               COALESCE(r.ref_day BETWEEN %s AND %s, false) AS ref_current,
               COALESCE(r.ref_day BETWEEN %s AND %s, false) AS ref_previous,
               r.arrival_date BETWEEN %s AND %s AS arr_current,
               r.arrival_date BETWEEN %s AND %s AS arr_previous
        FROM ({days}) r
        WHERE r.arrival_date BETWEEN %s AND %s OR r.arrival_date BETWEEN %s AND %s
              OR r.ref_day BETWEEN %s AND %s OR r.ref_day BETWEEN %s AND %s
        """,  # noqa: S608 - table names from the code, values as parameters
        (*periods, *periods, *days_params, *periods, *periods),
    )
    execute(f"CREATE TEMP TABLE {WITHDRAWN} AS SELECT * FROM {HOUSEHOLDS} WHERE withdrawn")  # noqa: S608
    execute(f"DELETE FROM {HOUSEHOLDS} WHERE withdrawn")  # noqa: S608 - table names from the code


# Age on arrival (from the date of birth, else the age estimated at registration), and its band,
# computed once per person (``width_bucket``: 0 under 5, 1 from 5, 2 from 12, 3 from 18, 4 from 60).
AGE_ON_ARRIVAL = """CASE WHEN m.date_of_birth IS NOT NULL
    THEN CAST(date_part('year', age(h.arrival_date, m.date_of_birth)) AS integer)
    ELSE m.estimated_age END"""
AGE_BAND = f"(ARRAY['0-4', '5-11', '12-17', '18-59', '60+'])[1 + width_bucket({AGE_ON_ARRIVAL}, ARRAY[5, 12, 18, 60])]"


def people_stage() -> None:
    """``report_people``: the one pass over the members of ``report_households`` that the tables of
    sex and age need, grouped by status, period (by reference date and by arrival), whether they
    were registered at a border crossing, sex and age band: at most a few hundred rows."""
    execute(
        f"""
        CREATE TEMP TABLE {PEOPLE} AS
        SELECT h.category, h.ref_current, h.arr_current, h.at_border, m.sex, {AGE_BAND} AS age_band,
               COUNT(*) AS people
        FROM {Member._meta.db_table} m JOIN {HOUSEHOLDS} h ON h.id = m.household_id
        WHERE h.ref_current OR h.arr_current
        GROUP BY 1, 2, 3, 4, 5, 6
        """  # noqa: S608 - table names from the code, values as parameters
    )


def current_border_counts(scope: ReportScope):
    """The border-count versions current at the cut-off (the latest recorded by then) for the days of
    both periods, summed per crossing, country group and day."""
    later = BorderCount.objects.filter(
        crossing_id=OuterRef("crossing_id"),
        day=OuterRef("day"),
        country_id=OuterRef("country_id"),
        version__gt=OuterRef("version"),
        recorded_at__lte=scope.cut_off,
    )
    counts = (
        compilable(BorderCount.objects.readable_by(scope.user))
        .filter(recorded_at__lte=scope.cut_off)
        .filter(Q(day__range=(scope.start, scope.end)) | Q(day__range=(scope.previous_start, scope.previous_end)))
        .exclude(Exists(later))
        .order_by()
    )
    measures = ("total", "deported", "spontaneous", "in_families", "individuals", *SEX_AGE_FIELDS)
    return counts.values("crossing_id", "day", group=country_group("country_id")).annotate(
        **{f"sum_{name}": Coalesce(Sum(name), 0) for name in measures}
    )


def border_stage(scope: ReportScope) -> None:
    """``report_border``: the current counts per crossing, country group and day, with period flags."""
    sql, params = current_border_counts(scope).query.sql_with_params()
    execute(
        f"""
        CREATE TEMP TABLE {BORDER} AS
        SELECT b.*, b.day BETWEEN %s AND %s AS in_current, b.day BETWEEN %s AND %s AS in_previous,
               to_char(b.day, 'YYYY-MM') AS month
        FROM ({sql}) b
        """,  # noqa: S608 - table names from the code, values as parameters
        (scope.start, scope.end, scope.previous_start, scope.previous_end, *params),
    )


def stages_create(scope: ReportScope) -> None:
    stages_drop()
    households_stage(scope)
    people_stage()
    border_stage(scope)


def stages_drop() -> None:
    """Drop the staged tables; inside a transaction a failed query has broken, its rollback does it."""
    with contextlib.suppress(DatabaseError):
        execute(f"DROP TABLE IF EXISTS {PEOPLE}, {HOUSEHOLDS}, {WITHDRAWN}, {BORDER}")

"""The three small tables every figure of the registry and the border counts is read from.

Counting a table straight from the registry would scan its members once per table. Instead the
report reads the people once: the period's households (and the previous period's) go into a
temporary table, then one pass over their members groups them, with ``GROUPING SETS``, by every
combination of dimensions the tables need (status, country group, month, crossing, province, sex,
age band), into a few hundred rows. The current border counts are summed per crossing, country
group and day the same way. The tables are then counted from these in SQL; they live for the
transaction (``ON COMMIT DROP``) and are dropped when the report is done.
"""

from django.db.models import BooleanField, Case, DateField, Exists, F, Min, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from agencies.models import Office
from reports.content.scope import REGISTERED_REFUGEE, ReportScope, compilable, execute
from returns.models import Assistance, BorderCount, Household, Member
from returns.models.counts import SEX_AGE_FIELDS

HOUSEHOLDS = "report_households"
PEOPLE = "report_people"
BORDER = "report_border"


def country_group(field: str) -> Case:
    return Case(
        When(**{field: "PK"}, then=Value("PK")), When(**{field: "IR"}, then=Value("IR")), default=Value("other")
    )


def first_grant_paid(scope: ReportScope) -> Subquery:
    """The day a household's first approved VolRep grant was paid (recorded and approved by the cut-off)."""
    grants = (
        Assistance.objects.filter(case__household_id=OuterRef("pk"), assistance_type__is_grant=True)
        .filter(approved_by_cut_off(scope))
        .order_by()
        .values("case__household_id")
        .annotate(first=Min("delivered_on"))
        .values("first")
    )
    return Subquery(grants, output_field=DateField())


def approved_by_cut_off(scope: ReportScope) -> Q:
    return Q(recorded_at__lte=scope.cut_off) & (
        Q(approval=Assistance.Approval.NOT_REQUIRED)
        | Q(approval=Assistance.Approval.APPROVED, approved_at__lte=scope.cut_off)
    )


def households_of_both_periods(scope: ReportScope):
    """The gated households registered by the cut-off that count in the period or the previous one.

    ``ref_day`` is the day that decides a household's period: its arrival, or, with the reference
    date ``grant_paid``, a registered refugee's first grant paid (none: not counted as a return).
    """
    households = compilable(Household.objects.countable_by(scope.user)).filter(created_at__lte=scope.cut_off)
    arrived = Q(arrival_date__range=(scope.start, scope.end)) | Q(
        arrival_date__range=(scope.previous_start, scope.previous_end)
    )
    if scope.by_grant:
        households = households.annotate(
            ref_day=Case(
                When(category=REGISTERED_REFUGEE, then=first_grant_paid(scope)),
                default=F("arrival_date"),
                output_field=DateField(),
            )
        ).filter(
            arrived
            | Q(ref_day__range=(scope.start, scope.end))
            | Q(ref_day__range=(scope.previous_start, scope.previous_end))
        )
    else:
        households = households.annotate(ref_day=F("arrival_date")).filter(arrived)
    return households.order_by().values(
        "id",
        "category",
        "arrival_date",
        "ref_day",
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
    )


def households_stage(scope: ReportScope) -> None:
    """``report_households``: the households above, with the period each counts in by reference
    date (``ref_current``, ``ref_previous``) and by arrival (``arr_current``, ``arr_previous``)."""
    sql, params = households_of_both_periods(scope).query.sql_with_params()
    execute(
        f"""
        CREATE TEMP TABLE {HOUSEHOLDS} ON COMMIT DROP AS
        SELECT h.*,
               COALESCE(h.ref_day BETWEEN %s AND %s, false) AS ref_current,
               COALESCE(h.ref_day BETWEEN %s AND %s, false) AS ref_previous,
               h.arrival_date BETWEEN %s AND %s AS arr_current,
               h.arrival_date BETWEEN %s AND %s AS arr_previous
        FROM ({sql}) h
        """,  # noqa: S608 - table names from the code, values as parameters
        (
            scope.start,
            scope.end,
            scope.previous_start,
            scope.previous_end,
            scope.start,
            scope.end,
            scope.previous_start,
            scope.previous_end,
            *params,
        ),
    )
    execute(f"ANALYZE {HOUSEHOLDS}")


# Age on arrival: from the date of birth, else the age estimated at registration.
AGE_ON_ARRIVAL = """CASE WHEN m.date_of_birth IS NOT NULL
    THEN CAST(date_part('year', age(h.arrival_date, m.date_of_birth)) AS integer)
    ELSE m.estimated_age END"""
AGE_BAND = f"""CASE WHEN ({AGE_ON_ARRIVAL}) <= 4 THEN '0-4' WHEN ({AGE_ON_ARRIVAL}) <= 11 THEN '5-11'
    WHEN ({AGE_ON_ARRIVAL}) <= 17 THEN '12-17' WHEN ({AGE_ON_ARRIVAL}) <= 59 THEN '18-59' ELSE '60+' END"""


def people_stage() -> None:
    """``report_people``: one pass over the members of ``report_households``, grouped by every set of
    dimensions the registry's tables need; ``grouping_set`` names the set a row belongs to:

    ``status`` (status, country group, month by reference date and period flags); ``border_docs``
    (people registered, by status, country group, month of arrival, whether at a border crossing);
    ``province`` (status, province); ``sex_age`` (status, sex, age band); ``border_sex_age`` (the same
    by arrival, at a border crossing or not); ``reconcile`` (office, month of arrival).
    """
    execute(
        f"""
        CREATE TEMP TABLE {PEOPLE} ON COMMIT DROP AS
        SELECT CASE
                 WHEN GROUPING(ref_month) = 0 THEN 'status'
                 WHEN GROUPING(office_id) = 0 THEN 'reconcile'
                 WHEN GROUPING(arr_month) = 0 THEN 'border_docs'
                 WHEN GROUPING(province_id) = 0 THEN 'province'
                 WHEN GROUPING(at_border) = 0 THEN 'border_sex_age'
                 ELSE 'sex_age'
               END AS grouping_set,
               category, country_group, ref_month, ref_current, ref_previous, arr_month, arr_current,
               arr_previous, at_border, office_id, province_id, sex, age_band, COUNT(*) AS people
        FROM (
            SELECT h.category, h."group" AS country_group, to_char(h.ref_day, 'YYYY-MM') AS ref_month,
                   h.ref_current, h.ref_previous, to_char(h.arrival_date, 'YYYY-MM') AS arr_month,
                   h.arr_current, h.arr_previous, h.at_border, h.office_id,
                   h.destination_province_id AS province_id, m.sex, {AGE_BAND} AS age_band
            FROM {Member._meta.db_table} m JOIN {HOUSEHOLDS} h ON h.id = m.household_id
        ) p
        GROUP BY GROUPING SETS (
            (category, country_group, ref_current, ref_previous, ref_month),
            (category, country_group, arr_current, arr_previous, arr_month, at_border),
            (category, ref_current, province_id),
            (category, ref_current, sex, age_band),
            (category, arr_current, at_border, sex, age_band),
            (office_id, arr_current, arr_month)
        )
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
        CREATE TEMP TABLE {BORDER} ON COMMIT DROP AS
        SELECT b.*, b.day BETWEEN %s AND %s AS in_current, b.day BETWEEN %s AND %s AS in_previous,
               to_char(b.day, 'YYYY-MM') AS month
        FROM ({sql}) b
        """,  # noqa: S608 - table names from the code, values as parameters
        (scope.start, scope.end, scope.previous_start, scope.previous_end, *params),
    )


def stages_create(scope: ReportScope) -> None:
    households_stage(scope)
    people_stage()
    border_stage(scope)


def stages_drop() -> None:
    execute(f"DROP TABLE IF EXISTS {PEOPLE}, {HOUSEHOLDS}, {BORDER}")

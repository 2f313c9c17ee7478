"""Returns by status: the headline, its change, the months, the provinces, sex and age, and the
registered-refugee returns since 2002.

Documented statuses count the people registered (members of the households). ``undocumented``
counts the people counted at the border (current border-count versions) minus the documented
people registered at border crossings in the same period, month, country group, sex and age band
(they were counted too), except in the province table, which border counts cannot give: there it
is the registered undocumented returnees. Everything is read from the staged tables
(``reports.content.staging``).
"""

from collections import defaultdict

from django.utils.translation import gettext_noop

from agencies.models import Province
from reports.content.scope import (
    AGE_BANDS,
    CHILD_BANDS,
    COUNTRY_GROUPS,
    REGISTERED_REFUGEE,
    SEXES,
    STATUSES,
    ReportScope,
    compilable,
    fetch,
)
from reports.content.shapes import column, counts_table, describe, measure, measures_table, percent
from reports.content.staging import BORDER, FIRST_GRANTS, FIRST_GRANTS_PARAMETERS, HOUSEHOLDS, PEOPLE
from reports.models import PublishedReturnFigure
from returns.models import Household

SOURCE_STATUS = gettext_noop("UNHCR (registrations); DoRR/IOM (border counts)")

HEADLINE = describe(
    code="headline",
    title=gettext_noop("Returns by status and country of departure"),
    source=SOURCE_STATUS,
    definition=gettext_noop(
        "People who returned in the period, by status and country of departure. Documented statuses count the "
        "people registered; undocumented returnees are the people counted at the border minus the documented "
        "people registered at border crossings, who were counted too."
    ),
)
HEADLINE_CHANGE = describe(
    code="headline_change",
    title=gettext_noop("Returns by status, compared with the previous period"),
    source=SOURCE_STATUS,
    definition=gettext_noop(
        "People who returned in the period and in the same days one year earlier, by status, with the change "
        "in people and in percent (empty when nobody returned in the previous period). The total is all statuses."
    ),
)
CUMULATIVE = describe(
    code="cumulative",
    title=gettext_noop("Registered-refugee returns since 2002"),
    source=gettext_noop("UNHCR"),
    definition=gettext_noop(
        "Registered refugees who returned each year since 2002: the figures UNHCR published for the years "
        "before the registry's own data, then the registry's count (the last year up to the period's end), "
        "and the running total."
    ),
)
BY_MONTH = describe(
    code="by_month",
    title=gettext_noop("Returns by month, status and country of departure"),
    source=gettext_noop("UNHCR (registered refugees); DoRR/IOM border counts (undocumented)"),
    definition=gettext_noop(
        "People who returned in each month of the period, by status and country of departure, counted as in "
        "the headline table."
    ),
)
BY_PROVINCE = describe(
    code="by_province",
    title=gettext_noop("Returns by province of return and status"),
    source=gettext_noop("UNHCR and IOM registrations"),
    definition=gettext_noop(
        "People registered who returned in the period, by the province they were going to (all 34 provinces, "
        "by P-code) and status. Border counts do not record a destination: undocumented here means the "
        "registered undocumented returnees only. The top five provinces are given with their share."
    ),
)
SEX_AGE = describe(
    code="sex_age",
    title=gettext_noop("Returns by sex, age and status"),
    source=gettext_noop("Registry (documented statuses); border counts (undocumented)"),
    definition=gettext_noop(
        "People who returned in the period by age on arrival (from the date of birth, else the age estimated "
        "at registration), sex and status. Undocumented returnees are the people counted at the border in each "
        "sex and age band minus the documented people registered at border crossings. Children are 0-17."
    ),
)


def status_counts(scope: ReportScope) -> list[tuple]:
    """(status, country group, month, in this period, in the previous period, people): documented
    statuses from the registry, undocumented from the border counts less the documented people
    registered at border crossings (by arrival: they were counted when they crossed)."""
    return fetch(
        f"""
        WITH registered AS (
            SELECT category, "group" AS country_group, ref_month AS month, ref_current AS cur,
                   ref_previous AS prev, SUM(member_count) AS people
            FROM {HOUSEHOLDS}
            WHERE category <> 'undocumented' AND (ref_current OR ref_previous)
            GROUP BY 1, 2, 3, 4, 5
        ),
        counted AS (
            SELECT "group" AS country_group, month, in_current AS cur, in_previous AS prev, SUM(sum_total) AS people
            FROM {BORDER} WHERE in_current OR in_previous GROUP BY 1, 2, 3, 4
        ),
        documented_at_border AS (
            SELECT "group" AS country_group, arr_month AS month, arr_current AS cur, arr_previous AS prev,
                   SUM(member_count) AS people
            FROM {HOUSEHOLDS}
            WHERE at_border AND category <> 'undocumented' AND (arr_current OR arr_previous)
            GROUP BY 1, 2, 3, 4
        )
        SELECT category, country_group, month, cur, prev, people FROM registered
        UNION ALL
        SELECT 'undocumented', country_group, month, cur, prev, SUM(people)
        FROM (SELECT country_group, month, cur, prev, people FROM counted
              UNION ALL
              SELECT country_group, month, cur, prev, -people FROM documented_at_border) undocumented
        GROUP BY 2, 3, 4, 5
        """  # noqa: S608 - table names from the code, values as parameters
    )


def status_columns() -> list[dict]:
    return [column([status, group], ["status", "country_group"]) for status in STATUSES for group in COUNTRY_GROUPS]


def headline_table(counts: list[tuple]) -> dict:
    people = defaultdict(int)
    for status, group, _month, current, _previous, number in counts:
        if current:
            people[status, group] += int(number)
    rows = [([status], [people[status, group] for group in COUNTRY_GROUPS], False) for status in STATUSES]
    columns = [column([group], ["country_group"]) for group in COUNTRY_GROUPS]
    return counts_table(about=HEADLINE, row_kinds=["status"], columns=columns, rows=rows)


def headline_change_table(counts: list[tuple]) -> dict:
    this_period, previous_period = defaultdict(int), defaultdict(int)
    for status, _group, _month, current, previous, number in counts:
        if current:
            this_period[status] += int(number)
        if previous:
            previous_period[status] += int(number)

    def measures(now: int, before: int) -> list:
        return [now, before, now - before, percent(now - before, before)]

    rows = [([status], measures(this_period[status], previous_period[status]), False) for status in STATUSES]
    total = measures(sum(this_period.values()), sum(previous_period.values()))
    columns = [
        measure("this_period", "people"),
        measure("previous_period", "people"),
        measure("change", "people"),
        measure("change_percent", "percent"),
    ]
    return measures_table(
        about=HEADLINE_CHANGE,
        row_kinds=["status"],
        columns=columns,
        rows=rows,
        total=total,
        units_columns=["this_period", "previous_period"],
    )


def by_month_table(scope: ReportScope, counts: list[tuple]) -> dict:
    people = defaultdict(int)
    for status, group, month, current, _previous, number in counts:
        if current:
            people[month, status, group] += int(number)
    rows = [
        ([month], [people[month, status, group] for status in STATUSES for group in COUNTRY_GROUPS], False)
        for month in scope.months()
    ]
    return counts_table(
        about=BY_MONTH, row_kinds=["month"], columns=status_columns(), rows=rows, chart="monthly_stacked_bars"
    )


def by_province_table() -> dict:
    """All 34 provinces, with the top five and their share of everyone registered."""
    rows = fetch(
        f"""
        SELECT p.pcode, s.status, COALESCE(SUM(r.people), 0)
        FROM {Province._meta.db_table} p
        CROSS JOIN unnest(%s::text[]) AS s(status)
        LEFT JOIN (
            SELECT destination_province_id AS province_id, category, SUM(member_count) AS people
            FROM {HOUSEHOLDS} WHERE ref_current GROUP BY 1, 2
        ) r ON r.province_id = p.pcode AND r.category = s.status
        GROUP BY p.pcode, s.status
        ORDER BY p.pcode
        """,  # noqa: S608 - table names from the code, values as parameters
        (list(STATUSES),),
    )
    people = {(pcode, status): int(number) for pcode, status, number in rows}
    provinces = sorted({pcode for pcode, _status, _number in rows})
    table_rows = [([pcode], [people[pcode, status] for status in STATUSES], False) for pcode in provinces]
    columns = [column([status], ["status"]) for status in STATUSES]
    table = counts_table(
        about=BY_PROVINCE, row_kinds=["province"], columns=columns, rows=table_rows, chart="province_map"
    )
    everyone = table["total"]["total"]
    ranked = sorted(table["rows"], key=lambda row: (-row["total"], row["key"][0]))[:5]
    top = [{"key": row["key"], "people": row["total"], "share": percent(row["total"], everyone)} for row in ranked]
    table["extra"] = {"top": top, "top_share": percent(sum(row["people"] for row in top), everyone)}
    return table


def sex_age_counts() -> list[tuple]:
    """(status, sex, age band, people) in the period, undocumented from the border counts' sex and
    age fields less the documented people registered at border crossings."""
    unpivot = ", ".join(
        f"('{sex}', '{band}', sum_{sex}_{field})"
        for sex in SEXES
        for band, field in zip(AGE_BANDS, ("0_4", "5_11", "12_17", "18_59", "60_plus"), strict=True)
    )
    return fetch(
        f"""
        SELECT category, sex, age_band, SUM(people) FROM {PEOPLE}
        WHERE ref_current AND category <> 'undocumented'
        GROUP BY 1, 2, 3
        UNION ALL
        SELECT 'undocumented', sex, age_band, SUM(people) FROM (
            SELECT v.sex, v.age_band, v.people FROM {BORDER} b
            CROSS JOIN LATERAL (VALUES {unpivot}) AS v(sex, age_band, people)
            WHERE b.in_current
            UNION ALL
            SELECT sex, age_band, -people FROM {PEOPLE}
            WHERE arr_current AND at_border AND category <> 'undocumented'
        ) undocumented
        GROUP BY 2, 3
        """  # noqa: S608 - table names from the code, values as parameters
    )


def sex_age_table() -> dict:
    people = defaultdict(int)
    for status, sex, band, number in sex_age_counts():
        people[status, sex, band] += int(number)
    rows = [([band], [people[status, sex, band] for status in STATUSES for sex in SEXES], False) for band in AGE_BANDS]
    columns = [column([status, sex], ["status", "sex"]) for status in STATUSES for sex in SEXES]
    table = counts_table(about=SEX_AGE, row_kinds=["age_band"], columns=columns, rows=rows, chart="age_sex_pyramid")
    children_percent = {
        status: percent(
            sum(people[status, sex, band] for sex in SEXES for band in CHILD_BANDS),
            sum(people[status, sex, band] for sex in SEXES for band in AGE_BANDS),
        )
        for status in STATUSES
    }
    children_percent["all"] = percent(
        sum(row["total"] for row in table["rows"] if row["key"][0] in CHILD_BANDS), table["total"]["total"]
    )
    table["extra"] = {"children_percent": children_percent}
    return table


def cumulative_table(scope: ReportScope) -> dict:
    """Published figures for the years before the registry's first year of registered-refugee
    returns, the registry's count from then to the period's end, and the running total."""
    registry = registry_refugee_years(scope)
    published = {figure.year: figure for figure in PublishedReturnFigure.objects.order_by("year")}
    first_registry_year = min(registry, default=scope.end.year + 1)
    rows, running = [], 0
    for year in range(2002, scope.end.year + 1):
        figure = published.get(year) if year < first_registry_year else None
        from_registry = registry.get(year, 0) if year >= first_registry_year else None
        running += (figure.registered_refugee_returns if figure else 0) + (from_registry or 0)
        cells = [figure.registered_refugee_returns if figure else None, from_registry, running]
        rows.append(([str(year)], cells, False))
    sources = {str(year): figure.source for year, figure in published.items() if year < first_registry_year}
    approximate = [str(year) for year, figure in published.items() if figure.is_approximate]
    columns = [measure("published", "people"), measure("registry", "people"), measure("cumulative", "people")]
    total = [
        sum(row[1][0] or 0 for row in rows),
        sum(row[1][1] or 0 for row in rows),
        running,
    ]
    return measures_table(
        about=CUMULATIVE,
        row_kinds=["year"],
        columns=columns,
        rows=rows,
        total=total,
        units_columns=[],
        threshold_class="none",
        extra={"sources": sources, "approximate": approximate, "first_registry_year": first_registry_year},
    )


def registry_refugee_years(scope: ReportScope) -> dict[int, int]:
    """Registered refugees per year in the registry, by the report's reference date, up to the period's end.

    Households only (their ``member_count``): a scan of the registry's refugees, not of its people.
    """
    refugees = (
        compilable(Household.objects.countable_by(scope.user, including_withdrawn=True))
        .filter(category=REGISTERED_REFUGEE, created_at__lte=scope.cut_off)
        .exclude(withdrawn_at__lte=scope.cut_off)  # withdrawn by the cut-off: not a return
        .order_by()
        .values("id", "arrival_date", "member_count")
    )
    sql, params = refugees.query.sql_with_params()
    if scope.by_grant:
        day, paid = "g.first_paid", f"JOIN ({FIRST_GRANTS}) g ON g.household_id = h.id"
        params = (*params, *[scope.cut_off] * FIRST_GRANTS_PARAMETERS)
    else:
        day, paid = "h.arrival_date", ""
    rows = fetch(
        f"""
        SELECT CAST(date_part('year', {day}) AS integer), SUM(h.member_count)
        FROM ({sql}) h {paid}
        WHERE {day} <= %s
        GROUP BY 1
        """,  # noqa: S608 - table names from the code, values as parameters
        (*params, scope.end),
    )
    return {year: int(people) for year, people in rows}

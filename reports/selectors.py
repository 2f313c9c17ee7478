"""Joint statistics on returns: aggregates only, never a personal record.

Every figure is counted in SQL from ``Household.objects.countable_by(user)``, the gate for
aggregates, then passed through statistical disclosure control (``reports.disclosure``).
"""

import datetime

from django.db.models import Case, Count, F, Func, IntegerField, Prefetch, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractMonth
from django.shortcuts import get_object_or_404

from reports.disclosure import THRESHOLD, Cell, suppress
from reports.models import Report, ReportSignOff
from returns.models import BorderCount, Category, Household, Member

# Age at arrival, in the groups of the joint report (upper bound included; None: no bound).
AGE_GROUPS = (("0-4", 4), ("5-11", 11), ("12-17", 17), ("18-59", 59), ("60+", None))

# Each breakdown of households: its name in the answer and what it groups on.
HOUSEHOLD_BREAKDOWNS = {
    "by_category": F("category"),
    "by_country_of_departure": F("country_of_departure_id"),
    "by_return_type": F("return_type_id"),
    "by_crossing_point": F("office__code"),
    "by_month": ExtractMonth("arrival_date"),
    "by_destination_province": F("destination_province_id"),
}
SEX_AND_AGE = "by_sex_and_age"


class AgeAtArrival(Func):
    """Whole years between the date of birth and the household's arrival (PostgreSQL ``age``)."""

    template = "CAST(EXTRACT(YEAR FROM AGE(%(expressions)s)) AS integer)"
    output_field = IntegerField()


def age_group_expression():
    # The date of birth when known, else the age estimated at registration (on arrival).
    age = Case(
        When(date_of_birth__isnull=False, then=AgeAtArrival(F("household__arrival_date"), F("date_of_birth"))),
        default=F("estimated_age"),
        output_field=IntegerField(),
    )
    whens = [When(**{"age__lte": upper}, then=Value(label)) for label, upper in AGE_GROUPS if upper is not None]
    return age, Case(*whens, default=Value(AGE_GROUPS[-1][0]))


def return_statistics(*, user, year: int) -> dict:
    """Households and people who arrived in ``year``: totals and breakdowns, small counts suppressed.

    Households and people by category, country of departure, return type, crossing point, month of
    arrival and province of destination; people by sex and age group at arrival. A cell of fewer
    than five households (people, for sex and age) is null and listed in ``suppressed`` with the
    cells suppressed so that it cannot be recovered from a total.
    """
    households = Household.objects.countable_by(user).filter(arrival_date__year=year).order_by()

    totals = households.aggregate(households=Count("id"), people=Sum("member_count"))
    total = Cell(
        "total", "total", totals["households"], {"households": totals["households"], "people": totals["people"] or 0}
    )
    lines: list[list[Cell]] = [[total]]
    breakdowns: dict[str, list[Cell]] = {}
    for name, grouping in HOUSEHOLD_BREAKDOWNS.items():
        rows = (
            households.values(group=grouping)
            .annotate(households=Count("id"), people=Sum("member_count"))
            .order_by("group")
        )
        cells = [
            Cell(
                name,
                f"{year}-{row['group']:02d}" if name == "by_month" else str(row["group"]),
                row["households"],
                {"households": row["households"], "people": row["people"]},
            )
            for row in rows
        ]
        breakdowns[name] = cells
        lines.append(cells)

    age, age_group = age_group_expression()
    people = (
        Member.objects.filter(household__in=households)
        .annotate(age=age)
        .values("sex", age_group=age_group)
        .annotate(people=Count("id"))
        .order_by("sex", "age_group")
    )
    sex_and_age = [
        Cell(SEX_AND_AGE, f"{row['sex']}/{row['age_group']}", row["people"], {"people": row["people"]})
        for row in people
    ]
    order = {label: index for index, (label, _upper) in enumerate(AGE_GROUPS)}
    sex_and_age.sort(key=lambda cell: (cell.key.split("/")[0], order[cell.key.split("/")[1]]))
    breakdowns[SEX_AND_AGE] = sex_and_age
    # The whole table, and each sex's row and each age group's column, whose totals can be derived.
    lines.append(sex_and_age)
    for part in (0, 1):
        values = {cell.key.split("/")[part] for cell in sex_and_age}
        lines += [[cell for cell in sex_and_age if cell.key.split("/")[part] == value] for value in sorted(values)]

    suppress(lines)
    answer = {"year": year, "threshold": THRESHOLD, "total": total.published()}
    for name, cells in breakdowns.items():
        if name == SEX_AND_AGE:
            answer[name] = [
                {"sex": cell.key.split("/")[0], "age_group": cell.key.split("/")[1], **cell.published()}
                for cell in cells
            ]
        else:
            answer[name] = [{"key": cell.key, **cell.published()} for cell in cells]
    answer["suppressed"] = [
        {"breakdown": cell.breakdown, "key": cell.key, "reason": cell.suppressed}
        for line in [[total], *breakdowns.values()]
        for cell in line
        if cell.suppressed
    ]
    return answer


def report_list(*, user) -> QuerySet:
    """The reports a user may read, newest first, with who ran them and their sign-offs (two queries
    however many reports); the figures themselves are left in the database until a page needs them."""
    return (
        Report.objects.readable_by(user)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch("sign_offs", queryset=ReportSignOff.objects.select_related("agency", "signed_by").order_by("pk"))
        )
        .defer("figures", "thresholds")
    )


def report_get(*, user, public_id) -> Report:
    """One report through the gate, with its sign-offs: a report the user may not read is a 404."""
    return get_object_or_404(
        Report.objects.readable_by(user)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch("sign_offs", queryset=ReportSignOff.objects.select_related("agency", "signed_by").order_by("pk"))
        ),
        public_id=public_id,
    )


def report_versions(*, report: Report, user) -> QuerySet:
    """The other computed versions of the same period and reference date, for comparing."""
    return (
        Report.objects.readable_by(user)
        .filter(
            period_start=report.period_start,
            period_end=report.period_end,
            reference_date=report.reference_date,
            status__in=[Report.Status.DRAFT, Report.Status.FINAL],
        )
        .exclude(pk=report.pk)
        .order_by("-version")
        .only("public_id", "version")
    )


def year_running_totals(*, user, year: int) -> dict:
    """The current year so far, for the coordinator's home page: people registered by status (one
    query) and people counted at the border (one query, the current version of each count)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    registered = dict.fromkeys(Category.values, 0)
    rows = (
        Household.objects.countable_by(user)
        .filter(arrival_date__range=(first, last))
        .order_by()
        .values("category")
        .annotate(people=Sum("member_count"))
    )
    for row in rows:
        registered[row["category"]] = row["people"] or 0
    counted = (
        BorderCount.objects.readable_by(user)
        .current(days=(first, last))
        .filter(day__range=(first, last))
        .aggregate(people=Sum("total"))["people"]
    )
    return {
        "year": year,
        "registered": [
            {"status": status, "label": label, "people": registered[status]} for status, label in Category.choices
        ],
        "registered_total": sum(registered.values()),
        "counted_at_border": counted or 0,
    }

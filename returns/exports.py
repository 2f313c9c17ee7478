"""What an export of the households list holds: its columns, read in SQL, in the list's order.

The rows start from the list's own filterset (the visibility gate, then the filters and the search
the officer typed), so a file never holds a household the page would not show. One row a household,
as the page shows it, with the ids and codes a spreadsheet or a re-import needs.
"""

from django.db.models import F, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Concat, Trim
from django.utils.translation import gettext as _

from returns.models import Member, MemberDocument
from returns.services.imports import COLUMNS as IMPORT_COLUMNS
from returns.services.imports import PERSON_COLUMNS

# Above this many households, an export is refused with a message to narrow the filters: a file of
# a whole agency's caseload is a job for the bulk sync or a report, not a page's download.
EXPORT_MAX_ROWS = 100_000


def _head_name(*fields: str):
    """The head of household's names joined, as one subquery of the list (never one query per row)."""
    parts = []
    for field in fields:
        parts += [field, Value(" ")]
    return Subquery(
        Member.objects.filter(household_id=OuterRef("pk"), relationship=Member.Relationship.HEAD).values_list(
            Trim(Concat(*parts[:-1])), flat=True
        )[:1]
    )


def household_export_columns() -> list[tuple[str, object]]:
    """(header, expression) of each column, headers in the user's language."""
    return [
        (_("Household id"), F("public_id")),
        (_("Registration number"), F("registration_number")),
        (_("Arrival date"), F("arrival_date")),
        (_("Crossing point or office"), F("office__code")),
        (_("Agency"), F("routed_agency__code")),
        (_("Category"), F("category")),
        (_("Return type"), F("return_type_id")),
        (_("Country of departure"), F("country_of_departure_id")),
        (_("Province of destination"), F("destination_province_id")),
        (_("District of destination"), F("destination_district_id")),
        (_("Members"), F("member_count")),
        (_("Head of household"), _head_name("given_name", "fathers_name", "family_name")),
        (
            _("Head of household (Dari or Pashto)"),
            _head_name("given_name_local", "fathers_name_local", "family_name_local"),
        ),
        (_("Phone"), F("phone")),
    ]


def people_export_rows(queryset: QuerySet) -> tuple[list[str], QuerySet]:
    """(headers, rows) in the import template's layout, one row per person: a file that imports again
    into another registry (the household's registration number is its reference). Rows are tuples,
    the household's public id first (for the access log), then the template's columns; a person's
    first document only (the template has one document a person)."""
    first_document = MemberDocument.objects.filter(member_id=OuterRef("pk")).order_by("id")
    people = (
        Member.objects.filter(household__in=queryset.order_by().values("pk"))
        .order_by("household_id", "id")
        .annotate(
            document_type=Subquery(first_document.values("document_type_id")[:1]),
            document_number=Subquery(first_document.values("number")[:1]),
            document_country=Subquery(first_document.values("issuing_country_id")[:1]),
            document_expiry=Subquery(first_document.values("expiry_date")[:1]),
            needs=StringAgg("specific_needs__code", delimiter=Value(";"), order_by="specific_needs__code", default=""),
        )
        .values_list(
            "household__public_id",
            "household__registration_number",
            "household__arrival_date",
            "household__office__code",
            "household__country_of_departure_id",
            "household__return_type_id",
            "household__destination_province_id",
            "household__destination_district_id",
            "household__phone",
            *PERSON_COLUMNS,
            "document_type",
            "document_number",
            "document_country",
            "document_expiry",
            "needs",
        )
    )
    return list(IMPORT_COLUMNS), people


def household_export_rows(queryset: QuerySet) -> tuple[list[str], QuerySet]:
    """(headers, rows): the rows are tuples, the household's public id first, in the list's order."""
    columns = household_export_columns()
    names = [f"c{index}" for index in range(len(columns))]
    expressions = dict(zip(names, (expression for _header, expression in columns), strict=True))
    rows = queryset.annotate(**expressions).values_list(*names)
    return [header for header, _expression in columns], rows

"""What an export of the households list holds: its columns, read in SQL, in the list's order.

The rows start from the list's own filterset (the visibility gate, then the filters and the search
the officer typed), so a file never holds a household the page would not show. One row a household,
as the page shows it, with the ids and codes a spreadsheet or a re-import needs.
"""

from django.db.models import Case as Choose
from django.db.models import CharField, F, OuterRef, QuerySet, StringAgg, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf, Trim, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from returns.models import Assistance, Case, Member, MemberDocument
from returns.services.household_imports import COLUMNS as IMPORT_COLUMNS
from returns.services.household_imports import PERSON_COLUMNS
from returns.workflows import all_workflows

# Up to this many records a list's file is sent at once; above, a job writes it
# (``returns.services.export_jobs``) and the page follows its progress.
EXPORT_INLINE_ROWS = 10_000
# Above this many, an export is refused with a message to narrow the filters: a file of a whole
# agency's registry is a job for the bulk sync or a report, not a list's download.
EXPORT_MAX_ROWS = 500_000


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
    first two documents (the template's two sets of document columns)."""
    documents = MemberDocument.objects.filter(member_id=OuterRef("pk")).order_by("id")
    people = (
        Member.objects.filter(household__in=queryset.order_by().values("pk"))
        .order_by("household_id", "id")
        .annotate(
            document_type=Subquery(documents.values("document_type_id")[:1]),
            document_number=Subquery(documents.values("number")[:1]),
            document_country=Subquery(documents.values("issuing_country_id")[:1]),
            document_expiry=Subquery(documents.values("expiry_date")[:1]),
            document_2_type=Subquery(documents.values("document_type_id")[1:2]),
            document_2_number=Subquery(documents.values("number")[1:2]),
            document_2_country=Subquery(documents.values("issuing_country_id")[1:2]),
            document_2_expiry=Subquery(documents.values("expiry_date")[1:2]),
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
            "document_2_type",
            "document_2_number",
            "document_2_country",
            "document_2_expiry",
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


# ---------------------------------------------------------------------------------------------
# The caseload's cases, and the assistance recorded for them
# ---------------------------------------------------------------------------------------------


def _label(field: str, choices) -> Choose:
    """The label of ``field``'s code, in the user's language, in SQL (the code itself if it has none)."""
    whens = [When(**{field: code}, then=Value(str(label))) for code, label in choices]
    return Choose(*whens, default=F(field), output_field=CharField())


def _stage_label() -> Choose:
    """The stage's label in its case's workflow, in the user's language."""
    whens = [
        When(workflow=workflow.code, stage=stage.code, then=Value(str(stage.label)))
        for workflow in all_workflows().values()
        for stage in workflow.stages
    ]
    return Choose(*whens, default=F("stage"), output_field=CharField())


def _yes_no(**condition) -> Choose:
    return Choose(When(**condition, then=Value(_("Yes"))), default=Value(_("No")), output_field=CharField())


def _person_name(prefix: str, *, local: bool = False) -> Trim:
    suffix = "_local" if local else ""
    return Trim(
        Concat(
            f"{prefix}given_name{suffix}",
            Value(" "),
            f"{prefix}fathers_name{suffix}",
            Value(" "),
            f"{prefix}family_name{suffix}",
        )
    )


def _staff_name(prefix: str) -> Coalesce:
    """A member of staff's name, or their user name when the account has none; empty for nobody."""
    full_name = Trim(Concat(f"{prefix}first_name", Value(" "), f"{prefix}last_name"))
    return Coalesce(NullIf(full_name, Value("")), f"{prefix}username")


def _case_head_name(*, local: bool = False) -> Subquery:
    """The head of the case's household, as one subquery of the list (never one query per row)."""
    head = Member.objects.filter(household_id=OuterRef("household_id"), relationship=Member.Relationship.HEAD)
    return Subquery(head.values_list(_person_name("", local=local), flat=True)[:1])


def case_export_columns(*, today) -> list[tuple[str, object]]:
    """(header, expression) of each column of the caseload's file, headers in the user's language."""
    return [
        (_("Case id"), F("public_id")),
        (_("Case number"), F("case_number")),
        (_("Registration number"), F("household__registration_number")),
        (_("Workflow"), _label("workflow", ((code, workflow.label) for code, workflow in all_workflows().items()))),
        (_("Stage"), _stage_label()),
        (_("Status"), Choose(When(closed_at__isnull=True, then=Value(_("Open"))), default=Value(_("Closed")))),
        (_("Outcome"), _label("outcome", Case.Outcome.choices)),
        (_("Office"), F("office__name")),
        (_("Head of household"), _case_head_name()),
        (_("Head of household (Dari or Pashto)"), _case_head_name(local=True)),
        (_("Members"), F("household__member_count")),
        (_("Arrival date"), F("household__arrival_date")),
        (_("Assigned to"), _staff_name("assigned_to__")),
        (_("Stage due"), F("stage_due_date")),
        (_("Overdue"), _yes_no(closed_at__isnull=True, stage_due_date__lt=today)),
        (_("Vulnerable"), _yes_no(is_vulnerable=True)),
        (_("Opened on"), TruncDate("opened_at")),
        (_("Closed on"), TruncDate("closed_at")),
    ]


def case_export_rows(queryset: QuerySet) -> tuple[list[str], QuerySet]:
    """(headers, rows) of the caseload's cases: tuples, the case's public id first, in the list's order."""
    return _rows(queryset, case_export_columns(today=timezone.localdate()))


def case_assistance(cases: QuerySet) -> QuerySet:
    """The assistance recorded for ``cases`` (already through the cases' gate), case by case in the
    cases' order, each case's by delivery date."""
    return Assistance.objects.filter(case__in=cases.order_by().values("pk")).order_by(
        "case__stage_due_date", "case_id", "delivered_on", "id"
    )


def assistance_export_columns() -> list[tuple[str, object]]:
    """(header, expression) of each column of the assistance file, headers in the user's language."""
    return [
        (_("Case id"), F("case__public_id")),
        (_("Case number"), F("case__case_number")),
        (_("Registration number"), F("case__household__registration_number")),
        (_("Assistance"), F("assistance_type__name")),
        (_("Member"), NullIf(_person_name("member__"), Value(""))),
        (_("Quantity"), F("quantity")),
        (_("Unit"), F("assistance_type__unit")),
        (_("Value"), F("value")),
        (_("Currency"), F("currency")),
        (_("Delivered on"), F("delivered_on")),
        (_("Office"), F("office__name")),
        (_("Approval"), _label("approval", Assistance.Approval.choices)),
        (_("Recorded by"), _staff_name("recorded_by__")),
        (_("Approved or rejected by"), _staff_name("approved_by__")),
    ]


def assistance_export_rows(queryset: QuerySet) -> tuple[list[str], QuerySet]:
    """(headers, rows) of ``case_assistance``: tuples, the case's public id first (for the access log)."""
    return _rows(queryset, assistance_export_columns())


def _rows(queryset: QuerySet, columns: list[tuple[str, object]]) -> tuple[list[str], QuerySet]:
    names = [f"c{index}" for index in range(len(columns))]
    expressions = dict(zip(names, (expression for _header, expression in columns), strict=True))
    return [header for header, _expression in columns], queryset.annotate(**expressions).values_list(*names)

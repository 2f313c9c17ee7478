"""The manager's caseload as files: its cases, and the assistance recorded for them, as CSV or XLSX.

The cases are the caseload's, as the manager filtered them (the same ``caseload_filter``, open cases
unless a filter is given); ``returns.exports`` says what each file holds. Every case that reaches a
file is in the access log as an export, written as the rows are sent (``logged_rows``).
"""

from django.contrib import messages
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agencies.access_log import Action, Kind, access_log_stream_write
from agencies.exports import export_response, logged_rows
from agencies.replica import replica_view
from returns.exports import (
    EXPORT_INLINE_ROWS,
    EXPORT_MAX_ROWS,
    assistance_export_rows,
    case_assistance,
    case_export_rows,
)
from returns.models import ExportJob
from returns.selectors.cases import caseload_filter
from returns.services.export_jobs import export_job_request
from returns.views.cases import require_caseload


@require_GET
@replica_view
def caseload_export(request, format: str):
    """The caseload's cases as the manager filtered them, one row a case."""
    require_caseload(request.user)
    cases = _caseload_cases(request)
    count = _counted(cases)
    if count > EXPORT_MAX_ROWS:
        return _refused(request, _("More than %(limit)s cases match: narrow the filters and export again."))
    if count > EXPORT_INLINE_ROWS:
        return _job(request, kind=ExportJob.Kind.CASES, format=format, rows=count)
    header, rows = case_export_rows(cases)
    return _file(request, format=format, header=header, rows=rows, name=_("cases"), title=_("Cases"))


@require_GET
@replica_view
def caseload_assistance_export(request, format: str):
    """The assistance recorded for the same cases, one row a delivery."""
    require_caseload(request.user)
    assistance = case_assistance(_caseload_cases(request))
    count = _counted(assistance)
    if count > EXPORT_MAX_ROWS:
        return _refused(
            request,
            _("More than %(limit)s assistance records match: narrow the filters and export again."),
        )
    if count > EXPORT_INLINE_ROWS:
        return _job(request, kind=ExportJob.Kind.ASSISTANCE, format=format, rows=count)
    header, rows = assistance_export_rows(assistance)
    return _file(request, format=format, header=header, rows=rows, name=_("case assistance"), title=_("Assistance"))


def _caseload_cases(request) -> QuerySet:
    """The cases the caseload lists for the request's filters, in its order."""
    return caseload_filter(request.user, request.GET).qs.order_by("stage_due_date", "id")


def _counted(queryset: QuerySet) -> int:
    """How many rows the file would hold, counted up to one past the limit."""
    return queryset.order_by().values("pk")[: EXPORT_MAX_ROWS + 1].count()


def _job(request, *, kind: str, format: str, rows: int):
    """Too long to wait for: a job writes the file, the page follows it."""
    job = export_job_request(requested_by=request.user, kind=kind, format=format, params=request.GET, rows=rows)
    return redirect("returns:export-detail", public_id=job.public_id)


def _refused(request, message: str):
    """Back to the caseload, with its filters and a message saying how to get a smaller file."""
    messages.error(request, message % {"limit": number_format(EXPORT_MAX_ROWS, force_grouping=True)})
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("overdue_page", None)
    query = f"?{params.urlencode()}" if params else ""
    return redirect(f"{reverse('returns:caseload')}{query}#cases")


def _file(request, *, format: str, header: list[str], rows: QuerySet, name: str, title: str):
    logged = logged_rows(
        rows.iterator(chunk_size=2000),
        record_id=lambda row: row[0],
        log=lambda ids: access_log_stream_write(request, kind=Kind.CASE, ids=ids, action=Action.EXPORT, status=200),
    )
    return export_response(format=format, header=header, rows=logged, name=name, title=title)

"""The joint report's pages: the coordinator's home, the reports, one report with its progress and
sign-off, two versions compared, and the downloads.

Thin: every page starts from ``Report.objects.readable_by`` (through ``reports.selectors``), asks
``reports.policy`` what the user may do and which edition they may have, and calls one service.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from agencies.problems import Refused
from agencies.replica import replica_view
from reports import policy
from reports.forms import CompareForm, ReportRequestForm, SignOffForm
from reports.models import Report
from reports.outputs import report_context, report_csv_zip, report_json, report_pdf, report_xlsx
from reports.selectors import report_get, report_list, report_versions, year_running_totals
from reports.services import report_compare, report_edition_figures, report_request, report_sign_off, report_title
from returns.views.households import household_list

REPORTS_ON_HOME = 20
REPORTS_PER_PAGE = 50
# Each download's format: what makes the file, its media type and its file extension.
DOWNLOADS = {
    "pdf": (lambda figures, language: report_pdf(figures, language=language), "application/pdf", "pdf"),
    "xlsx": (
        lambda figures, language: report_xlsx(figures, language=language),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "zip": (lambda figures, language: report_csv_zip(figures, language=language), "application/zip", "zip"),
    "json": (lambda figures, language: report_json(figures), "application/json", "json"),
}
FORMAT_LABELS = {"pdf": "PDF", "xlsx": "XLSX", "zip": gettext_lazy("CSV (zip)"), "json": "JSON"}


def _downloads(user, report: Report) -> list[dict]:
    """The download links of a computed report: the editions the user may have, in every format."""
    if not report.is_computed:
        return []
    editions = [edition for edition in policy.EDITIONS if policy.may_download(user, report, edition)]
    return [
        {
            "edition": edition,
            "links": [
                {
                    "label": label,
                    "url": reverse(
                        "reports:download",
                        kwargs={"public_id": report.public_id, "edition": edition, "file_format": file_format},
                    ),
                }
                for file_format, label in FORMAT_LABELS.items()
            ],
        }
        for edition in editions
    ]


def _listed(user, reports) -> list[dict]:
    return [{"report": report, "downloads": _downloads(user, report)} for report in reports]


def _home_page(request, *, request_form: ReportRequestForm, status: int = 200):
    year = timezone.localdate().year
    reports = list(report_list(user=request.user)[:REPORTS_ON_HOME])
    return render(
        request,
        "reports/home.html",
        {
            "request_form": request_form,
            "reports": _listed(request.user, reports),
            "totals": year_running_totals(user=request.user, year=year),
        },
        status=status,
    )


@require_GET
def home(request):
    """The coordinator's home (coordinators and administrators): the joint report; everyone else's
    home is the households list, as it always was."""
    if not policy.may_generate_report(request.user):
        return household_list(request)
    return _home_page(request, request_form=ReportRequestForm())


@require_POST
def report_generate(request):
    policy.require_generate_report(request.user)
    request_form = ReportRequestForm(request.POST)
    if request_form.is_valid():
        try:
            report = report_request(
                requested_by=request.user,
                period_start=request_form.cleaned_data["period_start"],
                period_end=request_form.cleaned_data["period_end"],
                reference_date=request_form.cleaned_data["reference_date"],
                cut_off=request_form.cleaned_data["cut_off"],
            )
        except Refused as refused:
            request_form.show_refusal(refused)
        else:
            messages.success(
                request,
                _("%(title)s, version %(version)s, requested: it is computed in the background.")
                % {
                    "title": report_title(period_start=report.period_start, period_end=report.period_end),
                    "version": report.version,
                },
            )
            return redirect("reports:detail", public_id=report.public_id)
    messages.error(request, _("Nothing was generated: correct what is marked below."))
    return _home_page(request, request_form=request_form, status=400)


@require_GET
@replica_view
def report_index(request):
    page = Paginator(report_list(user=request.user), REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/report_list.html",
        {
            "page": page,
            "reports": _listed(request.user, page.object_list),
            "may_generate": policy.may_generate_report(request.user),
        },
    )


def _detail_page(request, report: Report, *, sign_off_form: SignOffForm | None = None, status: int = 200):
    user = request.user
    edition = policy.report_edition(user)
    body = None
    versions = []
    if report.is_computed:
        figures = report_edition_figures(report=report, edition=edition)
        body = report_context(figures, language=translation.get_language())
        versions = list(report_versions(report=report, user=user))
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "edition": edition,
            "report_body": body,
            "downloads": _downloads(user, report),
            "may_sign_off": policy.may_sign_off(user, report),
            "sign_off_form": sign_off_form or SignOffForm(),
            "compare_form": CompareForm(versions=versions) if versions else None,
            "in_progress": report.status in (Report.Status.QUEUED, Report.Status.RUNNING),
            "signing_agencies": policy.SIGNING_AGENCIES,
        },
        status=status,
    )


@require_GET
@replica_view
def report_detail(request, public_id):
    return _detail_page(request, report_get(user=request.user, public_id=public_id))


@require_GET
def report_progress(request, public_id):
    """What the page's progress bar polls: the status, the percentage and the step, in the reader's language."""
    report = report_get(user=request.user, public_id=public_id)
    return JsonResponse(
        {
            "status": report.status,
            "status_display": str(report.get_status_display()),
            "progress": report.progress,
            "step": _(report.progress_step) if report.progress_step else "",
            "done": report.status not in (Report.Status.QUEUED, Report.Status.RUNNING),
        }
    )


@require_POST
def report_sign_off_page(request, public_id):
    report = report_get(user=request.user, public_id=public_id)
    sign_off_form = SignOffForm(request.POST)
    if sign_off_form.is_valid():
        try:
            sign_off = report_sign_off(report=report, signed_by=request.user, note=sign_off_form.cleaned_data["note"])
        except Refused as refused:
            for problems in refused.problems.values():
                for problem in problems:
                    sign_off_form.add_error(None, problem.message)
        else:
            if report.status == Report.Status.FINAL:
                messages.success(
                    request, _("Signed off for %(agency)s: the report is final.") % {"agency": sign_off.agency.code}
                )
            else:
                messages.success(
                    request,
                    _("Signed off for %(agency)s: the other agency's manager signs next.")
                    % {"agency": sign_off.agency.code},
                )
            return redirect("reports:detail", public_id=report.public_id)
    return _detail_page(
        request, report_get(user=request.user, public_id=public_id), sign_off_form=sign_off_form, status=400
    )


@require_GET
def report_compare_choose(request, public_id):
    """The "compare with version N" form sends the other version here; the comparison has its own address."""
    report = report_get(user=request.user, public_id=public_id)
    compare_form = CompareForm(request.GET, versions=report_versions(report=report, user=request.user))
    if not compare_form.is_valid():
        return redirect("reports:detail", public_id=report.public_id)
    return redirect("reports:compare", public_id=report.public_id, other_id=compare_form.cleaned_data["other"])


@require_GET
@replica_view
def report_compare_page(request, public_id, other_id):
    first = report_get(user=request.user, public_id=public_id)
    second = report_get(user=request.user, public_id=other_id)
    if not (first.is_computed and second.is_computed):
        raise Http404(_("Only computed versions can be compared."))
    older, newer = sorted((first, second), key=lambda report: (report.version, report.requested_at))
    edition = policy.report_edition(request.user)
    tables = report_compare(older=older, newer=newer, edition=edition)
    return render(
        request,
        "reports/report_compare.html",
        {
            "report": first,
            "older": older,
            "newer": newer,
            "edition": edition,
            "tables": tables,
            "changed_cells": sum(table["changed_cells"] for table in tables),
        },
    )


def _download_language(request) -> str:
    asked = request.GET.get("lang", "")
    return asked if asked in dict(settings.LANGUAGES) else translation.get_language()


def _file_name(report: Report, *, edition: str, language: str, extension: str) -> str:
    """joint-report-2017-v2-public-fa.xlsx; a period other than a calendar year by its dates."""
    start, end = report.period_start, report.period_end
    calendar_year = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year
    period = str(start.year) if calendar_year else f"{start.isoformat()}_{end.isoformat()}"
    return f"joint-report-{period}-v{report.version}-{edition}-{language}.{extension}"


@require_GET
@replica_view
def report_download(request, public_id, edition, file_format):
    report = report_get(user=request.user, public_id=public_id)
    if edition not in policy.EDITIONS or file_format not in DOWNLOADS or not report.is_computed:
        raise Http404(_("No such download."))
    if not policy.may_download(request.user, report, edition):
        raise PermissionDenied(_("Your role may have only the public edition of the joint report."))
    language = _download_language(request)
    make, content_type, extension = DOWNLOADS[file_format]
    figures = report_edition_figures(report=report, edition=edition)
    with translation.override(language):
        content = make(figures, language)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_name(report, edition=edition, language=language, extension=extension)}"'
    )
    return response

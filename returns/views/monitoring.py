"""Return monitoring pages: the agency's queue of households drawn for an interview, and the
interview's questionnaire.

Thin: every interview is read through ``returns.selectors.monitoring`` (404 when the user may not
see it) and recorded through ``monitoring_interview_record``; a refusal is shown beside the field it
concerns and nothing changes.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.access_log import Kind, access_logged, access_note
from agencies.models import Office, Province
from agencies.paging import page_of
from agencies.problems import Refused
from returns import policy
from returns.forms.cases import problems_show
from returns.forms.monitoring import MonitoringInterviewForm
from returns.models import MonitoringInterview
from returns.reference import reference_data
from returns.selectors.monitoring import (
    monitoring_filter,
    monitoring_interview_get,
    monitoring_queue_order,
    monitoring_status_counts,
)
from returns.services.monitoring import monitoring_interview_record
from returns.views.cases import _filter_labels

INTERVIEWS_PER_PAGE = 50


def _labels(choices, codes) -> str:
    labels = dict(choices.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes)


def _require_monitoring(user) -> None:
    if not policy.sees_monitoring(user):
        raise PermissionDenied(_("Return monitoring is for the agencies' case staff."))


@require_http_methods(["GET"])
def monitoring_queue(request):
    user = request.user
    _require_monitoring(user)
    today = timezone.localdate()
    filterset = monitoring_filter(user=user, params=request.GET)
    filterset.filters["office"].queryset = Office.objects.filter(is_active=True)
    filterset.filters["province"].queryset = Province.objects.order_by("name")
    _filter_labels(filterset.form)
    interviews = monitoring_queue_order(filterset.qs)
    page = page_of(request, interviews, INTERVIEWS_PER_PAGE)
    for interview in page.object_list:
        interview.is_overdue = interview.is_waiting and interview.due_by < today
    access_note(request, kind=Kind.INTERVIEW, ids=[interview.public_id for interview in page.object_list])
    without_page = {key: value for key, value in request.GET.lists() if key != "page"}
    return render(
        request,
        "returns/monitoring/queue.html",
        {
            "filter": filterset,
            "page": page,
            "counts": monitoring_status_counts(interviews=filterset.qs, today=today),
            "query_without_page": urlencode(without_page, doseq=True),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@access_logged(Kind.INTERVIEW)
def monitoring_interview_page(request, public_id):
    user = request.user
    interview = monitoring_interview_get(user=user, public_id=public_id)
    can_record = policy.may_record_monitoring(user, interview)
    reference = reference_data()
    form = None
    if request.method == "POST":
        if not can_record:
            try:
                policy.require_record_monitoring(user, interview)  # a role or agency: 403
            except Refused as refused:  # already recorded: say so on the page
                for problems in refused.problems.values():
                    for problem in problems:
                        messages.error(request, problem.message)
                return redirect(interview)
        form = MonitoringInterviewForm(request.POST, reference=reference)
        if form.is_valid():
            try:
                recorded = monitoring_interview_record(interview=interview, recorded_by=user, data=form.record())
            except Refused as refused:
                problems_show(form, refused.problems)
            else:
                messages.success(
                    request,
                    _("Interview of %(number)s recorded: %(status)s.")
                    % {"number": interview.household.registration_number, "status": recorded.get_status_display()},
                )
                return redirect("returns:monitoring-queue")
    elif can_record:
        form = MonitoringInterviewForm(
            reference=reference,
            initial={
                "interviewed_on": timezone.localdate(),
                "current_province": interview.household.destination_province_id,
            },
        )
    return render(
        request,
        "returns/monitoring/interview.html",
        {
            "interview": interview,
            "household": interview.household,
            "form": form,
            "is_overdue": interview.is_waiting and interview.due_by < timezone.localdate(),
            "document_labels": _labels(MonitoringInterview.Document, interview.documents),
            "need_labels": _labels(MonitoringInterview.Need, interview.needs),
        },
    )

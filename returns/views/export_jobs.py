"""An export job's page: its progress while the worker writes the file, then the download."""

from django.db.models import F, Func
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agencies.exports import CONTENT_TYPES
from returns.models import ExportJob
from returns.services.retention import EXPORT_FILE_DAYS


def _job(request, public_id, *, with_file: bool = False) -> ExportJob:
    """The job, if it is the user's (``ExportJob.objects.visible_to``); its file only when asked
    (``has_file``: whether it is still kept, ``returns.services.retention.files_expire``)."""
    jobs = ExportJob.objects.visible_to(request.user).annotate(has_file=Func(F("content"), function="octet_length"))
    return get_object_or_404(jobs if with_file else jobs.defer("content"), public_id=public_id)


@require_GET
def export_detail(request, public_id):
    job = _job(request, public_id)
    return render(
        request,
        "returns/exports/detail.html",
        {
            "job": job,
            "in_progress": job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING),
            "keep_days": EXPORT_FILE_DAYS,
        },
    )


@require_GET
def export_download(request, public_id):
    """The file the job wrote (every record in it was logged when it was written)."""
    job = _job(request, public_id, with_file=True)
    if job.status != ExportJob.Status.DONE:
        raise Http404(_("This export is not ready."))
    if not job.has_file:
        raise Http404(_("The file of this export is no longer kept: export the list again."))
    response = HttpResponse(bytes(job.content), content_type=CONTENT_TYPES[job.format])
    response["Content-Disposition"] = f'attachment; filename="{job.file_name}"'
    response["Cache-Control"] = "no-store"
    return response

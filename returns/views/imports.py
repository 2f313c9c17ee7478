"""Import pages: upload a spreadsheet of households, see every problem by row and column, confirm, follow the job."""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.exports import CSV, export_response
from agencies.problems import Refused
from returns import policy
from returns.forms.cases import problems_show
from returns.forms.imports import ImportUploadForm
from returns.models import ImportBatch
from returns.services.imports import import_start, import_template_rows, import_upload

PROBLEMS_SHOWN = 200


@require_http_methods(["GET", "POST"])
def import_list(request):
    policy.require_import_households(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_upload(
                uploaded_by=request.user, file_name=upload.name, content=upload.read(), mode=form.cleaned_data["mode"]
            )
        except Refused as refused:
            problems_show(form, refused.problems)
        else:
            return redirect("returns:import-detail", public_id=batch.public_id)
    batches = ImportBatch.objects.visible_to(request.user).defer("content", "problems")[:20]
    return render(request, "returns/imports/list.html", {"form": form, "batches": batches})


def _batch(request, public_id) -> ImportBatch:
    policy.require_import_households(request.user)
    return get_object_or_404(ImportBatch.objects.visible_to(request.user).defer("content"), public_id=public_id)


@require_GET
def import_detail(request, public_id):
    batch = _batch(request, public_id)
    return render(
        request,
        "returns/imports/detail.html",
        {
            "batch": batch,
            "problems": batch.problems[:PROBLEMS_SHOWN],
            "problems_hidden": max(len(batch.problems) - PROBLEMS_SHOWN, 0),
            "in_progress": batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.IMPORTING),
        },
    )


@require_POST
def import_start_page(request, public_id):
    batch = _batch(request, public_id)
    import_start(batch=batch, started_by=request.user)
    return redirect("returns:import-detail", public_id=batch.public_id)


@require_GET
def import_errors(request, public_id):
    """Every problem of the import as a file: row, column, problem."""
    batch = _batch(request, public_id)
    rows = [(problem["row"], problem["column"], problem["message"]) for problem in batch.problems]
    return export_response(
        format=CSV,
        header=[_("Row"), _("Column"), _("Problem")],
        rows=rows,
        name=_("import problems"),
        title=_("Problems"),
    )


@require_GET
def import_template(request, format: str):
    """The template to fill: the columns, and one example row."""
    policy.require_import_households(request.user)
    header, rows = import_template_rows()
    return export_response(format=format, header=header, rows=rows, name=_("households import"), title=_("Households"))

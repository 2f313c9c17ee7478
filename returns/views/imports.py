"""Import pages: upload a spreadsheet (households, VRF manifests, border counts), see every problem by row
and column, confirm, follow the job."""

from django.db.models import F, Func
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.exports import CSV, export_response
from agencies.problems import Refused
from returns import policy
from returns.forms.cases import problems_show
from returns.forms.imports import ImportUploadForm
from returns.models import ImportBatch
from returns.services.imports import (
    KINDS,
    import_progress,
    import_rejected_rows,
    import_start,
    import_template_rows,
    import_upload,
)

PROBLEMS_SHOWN = 200


@require_http_methods(["GET", "POST"])
def import_list(request):
    policy.require_import(request.user)
    kinds = policy.import_kinds(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_upload(
                uploaded_by=request.user,
                file_name=upload.name,
                content=upload.read(),
                mode=form.cleaned_data["mode"],
                kind=form.cleaned_data["kind"],
            )
        except Refused as refused:
            problems_show(form, refused.problems)
        else:
            return redirect("returns:import-detail", public_id=batch.public_id)
    batches = ImportBatch.objects.visible_to(request.user).defer("content", "problems", "valid_records")[:20]
    labels = dict(ImportBatch.Kind.choices)
    return render(
        request,
        "returns/imports/list.html",
        {"form": form, "batches": batches, "templates": [(kind, labels[kind]) for kind in kinds]},
    )


def _batch(request, public_id, *, with_file: bool = False) -> ImportBatch:
    """The import, if it is the user's; its file only when asked (``has_file`` says whether it is kept)."""
    policy.require_import(request.user)
    batches = ImportBatch.objects.visible_to(request.user).annotate(
        has_file=Func(F("content"), function="octet_length")
    )
    batches = batches.defer("valid_records")
    return get_object_or_404(batches if with_file else batches.defer("content"), public_id=public_id)


@require_GET
def import_detail(request, public_id):
    batch = _batch(request, public_id)
    in_progress = batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.IMPORTING)
    if in_progress:
        batch.households_done = import_progress(batch)
    return render(
        request,
        "returns/imports/detail.html",
        {
            "batch": batch,
            "problems": batch.problems[:PROBLEMS_SHOWN],
            "problems_hidden": max(len(batch.problems) - PROBLEMS_SHOWN, 0),
            "in_sheets": any("sheet" in problem for problem in batch.problems),
            "in_progress": in_progress,
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
    header = [_("Row"), _("Column"), _("Problem")]
    rows = [(problem["row"], problem["column"], problem["message"]) for problem in batch.problems]
    if any("sheet" in problem for problem in batch.problems):  # a KoboToolbox export's two sheets
        header = [_("Sheet"), *header]
        rows = [(problem.get("sheet", ""), *row) for problem, row in zip(batch.problems, rows, strict=True)]
    return export_response(
        format=CSV,
        header=header,
        rows=rows,
        name=_("import problems"),
        title=_("Problems"),
    )


@require_GET
def import_rejected(request, public_id, format: str):
    """The rows left out (with their problems), as uploaded, to correct and upload again."""
    batch = _batch(request, public_id, with_file=True)
    if not batch.has_file:
        raise Http404(_("The file of this import is no longer kept."))
    header, rows = import_rejected_rows(batch)
    spec = KINDS[batch.kind]
    return export_response(format=format, header=header, rows=rows, name=_("rows to correct"), title=str(spec.title))


@require_GET
def import_template(request, format: str):
    """The template to fill for one kind of file (``?kind=``, households by default): its columns, one example row."""
    kind = request.GET.get("kind", ImportBatch.Kind.HOUSEHOLDS)
    if kind not in KINDS:
        raise Http404(_("No such kind of import."))
    policy.require_import(request.user, kind)
    header, rows = import_template_rows(kind)
    spec = KINDS[kind]
    return export_response(format=format, header=header, rows=rows, name=str(spec.file_name), title=str(spec.title))

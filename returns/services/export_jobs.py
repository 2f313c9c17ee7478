"""Export jobs: a list's file too long to send while the officer waits, written by a worker.

``export_job_request`` is what a list's export asks for above ``EXPORT_INLINE_ROWS``: it checks the
requester may export that list (``returns.policy``), keeps the filters and the language, and queues
``returns.tasks.export_run`` on the heavy queue. ``export_job_run`` writes the file as the requester:
the same gate and filters (``household_filter``, ``caseload_filter``), the same columns
(``returns.exports``), the same formula-injection protection (``agencies.exports``); every record
written goes into the access log, attributed to the requester, before the file can be downloaded; the
page follows ``rows_done``. A task delivered twice works only on a job still queued.

This module and ``returns.tasks`` import each other as modules, as the imports do.
"""

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.access_log import Action, Kind, access_log_write
from agencies.exports import CSV, csv_lines, logged_rows, xlsx_file
from agencies.models import User
from agencies.queueing import task_send_on_commit
from returns import exports, policy, tasks
from returns.models import ExportJob
from returns.selectors.cases import caseload_filter
from returns.selectors.households import household_filter

logger = logging.getLogger(__name__)

# How many rows a job writes between two updates of its progress.
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class ExportKind:
    require: Callable  # (user) → raises PermissionDenied when the user may not export this list
    records: Callable  # (user, params) → the records, as the list's page filters them
    rows: Callable  # (records) → (header, rows), the first column the record's public id
    access_kind: str  # what the access log calls the records
    name: object  # the file's name (lazy text)
    title: object  # the sheet's title (lazy text)


def _require_caseload(user) -> None:
    if not policy.may_see_caseload(user):
        raise PermissionDenied(_("The caseload is for managers."))


def _cases(user, params):
    return caseload_filter(user, params).qs.order_by("stage_due_date", "id")


def _households(user, params):
    return household_filter(user=user, params=params).qs


KINDS = {
    ExportJob.Kind.HOUSEHOLDS: ExportKind(
        policy.require_export_households,
        _households,
        exports.household_export_rows,
        Kind.HOUSEHOLD,
        gettext_lazy("households"),
        gettext_lazy("Households"),
    ),
    ExportJob.Kind.PEOPLE: ExportKind(
        policy.require_export_households,
        _households,
        exports.people_export_rows,
        Kind.HOUSEHOLD,
        gettext_lazy("people"),
        gettext_lazy("Households"),
    ),
    ExportJob.Kind.CASES: ExportKind(
        _require_caseload,
        _cases,
        exports.case_export_rows,
        Kind.CASE,
        gettext_lazy("cases"),
        gettext_lazy("Cases"),
    ),
    ExportJob.Kind.ASSISTANCE: ExportKind(
        _require_caseload,
        lambda user, params: exports.case_assistance(_cases(user, params)),
        exports.assistance_export_rows,
        Kind.CASE,
        gettext_lazy("case assistance"),
        gettext_lazy("Assistance"),
    ),
}


def export_job_request(*, requested_by: User, kind: str, format: str, params: QueryDict, rows: int) -> ExportJob:
    """Queue the file of this list (its filters in ``params``; ``rows``: how many the page counted)."""
    KINDS[kind].require(requested_by)
    query = params.copy()
    for paging in ("page", "overdue_page"):
        query.pop(paging, None)
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            format=format,
            query=query.urlencode(),
            language=translation.get_language() or "en",
            requested_by=requested_by,
            rows_total=rows,
        )
        task_send_on_commit(tasks.export_run, job.pk)
    return job


def export_job_run(job_id: int) -> ExportJob:
    """Write the job's file (a job no longer queued is left as it is: a task delivered twice)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ExportJob.Status.QUEUED:
            return job
        job.status, job.started_at = ExportJob.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    spec = KINDS[job.kind]
    try:
        with translation.override(job.language):
            spec.require(job.requested_by)  # still allowed when the job runs
            header, rows = spec.rows(spec.records(job.requested_by, QueryDict(job.query)))
            written = _progressed(
                logged_rows(
                    rows.iterator(chunk_size=PROGRESS_EVERY),
                    record_id=lambda row: row[0],
                    log=lambda ids: access_log_write(
                        command=f"export job {job.public_id}",
                        kind=spec.access_kind,
                        ids=ids,
                        action=Action.EXPORT,
                        user=job.requested_by,
                    ),
                ),
                job,
            )
            if job.kind == ExportJob.Kind.PEOPLE:
                written = (row[1:] for row in written)  # the import template's layout: no id column
            content = _file(job.format, header, written, title=str(spec.title))
            file_name = f"{slugify(str(spec.name)) or 'export'}-{timezone.localdate().isoformat()}.{job.format}"
    except PermissionDenied as refused:
        return _failed(job, str(refused))
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, finished_at=timezone.now(), content=content, file_name=file_name
    )
    return ExportJob.objects.get(pk=job.pk)


def _progressed(rows, job: ExportJob):
    """The rows, with the job's count of rows written updated every ``PROGRESS_EVERY``."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=done)
    ExportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=max(done, job.rows_total))


def _file(format: str, header: list[str], rows, *, title: str) -> bytes:
    if format == CSV:
        out = io.StringIO()
        for line in csv_lines(header, rows):
            out.write(line)
        return out.getvalue().encode()
    with xlsx_file(header, rows, title=title) as spooled:
        return spooled.read()


def _failed(job: ExportJob, message: str) -> ExportJob:
    logger.warning("Export job %s refused: %s", job.pk, message)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED, finished_at=timezone.now(), error=message
    )
    return ExportJob.objects.get(pk=job.pk)

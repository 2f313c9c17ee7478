"""The joint report's background work: computing a requested snapshot.

The task takes the report's id and calls ``reports.services.report_compute``, which computes only a
queued report: a redelivered task (tasks are acknowledged late) finds it running or computed and
does nothing. ``report_request`` enqueues it once the request is committed.

``services`` and this module import each other as modules (the service enqueues this task, the task
calls the service), so neither reads the other's names at import time.
"""

import datetime

from celery import shared_task
from django.utils import timezone

from reports import services
from reports.models import Report

# A report still queued this long after its request lost its task (the broker was away): sent again.
RESEND_AFTER = datetime.timedelta(minutes=10)


@shared_task(acks_late=True)
def report_compute_task(report_id: int) -> dict:
    """Compute report ``report_id``'s snapshot; answers its status and checksum."""
    report = services.report_compute(report_id=report_id)
    if report is None:
        return {"report_id": report_id, "status": None, "checksum": ""}
    return {"report_id": report_id, "status": report.status, "checksum": report.checksum}


@shared_task(acks_late=True)
def resend_waiting_reports() -> dict:
    """Every 10 minutes: send again the computation of each report still queued after ``RESEND_AFTER``
    (its task was never delivered: the broker was down when it was requested). A report that was only
    waiting its turn is computed once: the second task finds it computed."""
    waiting = list(
        Report.objects.filter(status=Report.Status.QUEUED, requested_at__lt=timezone.now() - RESEND_AFTER)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    for report_id in waiting:
        report_compute_task.apply_async(args=(report_id,))
    return {"resent": waiting}

"""The joint report's background work: computing a requested snapshot.

The task takes the report's id and calls ``reports.services.report_compute``, which computes only a
queued report: a redelivered task (tasks are acknowledged late) finds it running or computed and
does nothing. ``report_request`` enqueues it once the request is committed.

``services`` and this module import each other as modules (the service enqueues this task, the task
calls the service), so neither reads the other's names at import time.
"""

from celery import shared_task

from reports import services


@shared_task(acks_late=True)
def report_compute_task(report_id: int) -> dict:
    """Compute report ``report_id``'s snapshot; answers its status and checksum."""
    report = services.report_compute(report_id=report_id)
    if report is None:
        return {"report_id": report_id, "status": None, "checksum": ""}
    return {"report_id": report_id, "status": report.status, "checksum": report.checksum}

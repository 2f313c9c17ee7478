"""Daily work: checks on cases and the return monitoring draw. Each task takes ids (or nothing), calls
``returns.scheduled`` or a service, and is safe to rerun.

The checks run from the beat schedule in ``config/celery.py``. A check marks the cases that fell
due and, once that is committed, enqueues the notification of exactly those cases, so a rerun
(or a redelivery: tasks are acknowledged late) marks nothing and sends nothing twice. A
notification retries when the mail server is unreachable; a retry after a partly sent batch may
repeat an email, which is better than losing one. The monitoring draw is idempotent by itself: a
household is drawn once per plan; so is the retention job: a household is anonymised once.
"""

import datetime
from dataclasses import asdict

from celery import shared_task
from celery.utils import uuid
from django.db import transaction
from django.utils import timezone

from returns import duplicates, scheduled
from returns.models import ImportBatch
from returns.services import export_jobs
from returns.services import imports as import_service
from returns.services.monitoring import monitoring_sample_draw
from returns.services.retention import files_expire, households_anonymise_due

# An import still queued this long lost its task (the broker was away): sent again.
RESEND_AFTER = datetime.timedelta(minutes=10)
NOTIFY_RETRY = {
    "autoretry_for": (OSError,),  # smtplib's errors are OSErrors
    "retry_backoff": 60,
    "retry_backoff_max": 3600,
    "max_retries": 6,
}


@shared_task(acks_late=True)
def check_overdue_cases() -> dict:
    """Mark the cases whose stage fell overdue today, then notify their assignees."""
    return _mark_then_notify(mark=scheduled.cases_mark_overdue, notify=notify_overdue_cases)


@shared_task(acks_late=True)
def draw_monitoring_sample() -> dict:
    """Draw today's return monitoring sample for every active plan: how many households per agency."""
    return monitoring_sample_draw(today=timezone.localdate())


@shared_task(acks_late=True)
def anonymise_past_retention() -> dict:
    """Anonymise the households past the retention period: how many households and people."""
    return asdict(households_anonymise_due())


@shared_task(acks_late=True)
def expire_kept_files() -> dict:
    """Empty the files of export jobs and ended imports past their keeping time."""
    return asdict(files_expire())


@shared_task(acks_late=True, **NOTIFY_RETRY)
def notify_overdue_cases(case_ids: list[int]) -> dict:
    return asdict(scheduled.overdue_notify(case_ids=case_ids))


@shared_task(acks_late=True)
def check_overdue_referrals() -> dict:
    """Mark the referrals still pending after their due date, then notify the receiving agencies' managers."""
    return _mark_then_notify(mark=scheduled.referrals_mark_overdue, notify=notify_overdue_referrals)


@shared_task(acks_late=True, **NOTIFY_RETRY)
def notify_overdue_referrals(referral_ids: list[int]) -> dict:
    return asdict(scheduled.referrals_overdue_notify(referral_ids=referral_ids))


@shared_task(acks_late=True)
def find_duplicates(run_id: int) -> dict:
    """Run the search for duplicates ``run_id`` (``returns.duplicates``): its status and what it found."""
    run = duplicates.match_run_execute(run_id)
    return {"run_id": run.pk, "status": run.status, "people": run.people_total, "pairs": run.pairs_found}


@shared_task(acks_late=True)
def find_duplicates_since_last_run() -> dict:
    """Hourly: search the people registered since the last search for duplicates began."""
    run = duplicates.match_run_continue()
    return {"run_id": run.pk if run else None}


@shared_task(acks_late=True)
def resend_waiting_imports() -> dict:
    """Every 10 minutes: send again the job of each import still queued after ``RESEND_AFTER`` (its task
    was never delivered: the broker was down when the officer confirmed). The job registers each
    household once, however often it is sent."""
    waiting = list(
        ImportBatch.objects.filter(status=ImportBatch.Status.QUEUED, created_at__lt=timezone.now() - RESEND_AFTER)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    for batch_id in waiting:
        import_households.apply_async(args=(batch_id,))
    return {"resent": waiting}


@shared_task(acks_late=True)
def import_households(batch_id: int) -> dict:
    """Save an import's valid records (``returns.services.imports``; households, VRF manifests or border
    counts, the name kept from the first kind): continues after the last one saved, so a redelivered or
    restarted task saves none twice."""
    batch = import_service.import_run(batch_id)
    return {"batch_id": batch.pk, "status": batch.status, "households": batch.households_done}


@shared_task(acks_late=True)
def export_run(job_id: int) -> dict:
    """Write an export job's file (``returns.services.export_jobs``): a job no longer queued is left as it
    is, so a redelivered task writes nothing twice."""
    job = export_jobs.export_job_run(job_id)
    return {"job_id": job.pk, "status": job.status, "rows": job.rows_done}


def _mark_then_notify(*, mark, notify) -> dict:
    """What a check returns: the ids it marked and the id of the notification task it enqueued."""
    notify_task_id = None
    with transaction.atomic():
        case_ids = mark(today=timezone.localdate())
        if case_ids:
            notify_task_id = uuid()
            transaction.on_commit(lambda: notify.apply_async(args=(case_ids,), task_id=notify_task_id))
    return {"marked": case_ids, "notify_task_id": notify_task_id}

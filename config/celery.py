"""The Celery application. Tasks run in-process (eagerly) when no broker is configured."""

import os

from celery import Celery, signals
from celery.schedules import crontab

from agencies.request_log import request_id, request_id_new

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("returns")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.before_task_publish.connect
def request_id_send(headers=None, **_kwargs):
    """A task sent while serving a request carries the request's id to the worker."""
    if headers is not None and request_id.get():
        headers.setdefault("request_id", request_id.get())


@signals.task_prerun.connect
def request_id_receive(task=None, **_kwargs):
    """The worker logs a task's lines under the id of the request that sent it (or one of its own).
    A task run eagerly, inside the request that sent it, keeps the request's id."""
    if task is None or (task.request.is_eager and request_id.get()):
        return
    request_id.set(getattr(task.request, "request_id", None) or request_id_new())
    task.request.request_id_own = True


@signals.task_postrun.connect
def request_id_forget(task=None, **_kwargs):
    """The next task (or, for a task run eagerly outside a request, the caller) starts without it."""
    if task is not None and getattr(task.request, "request_id_own", False):
        request_id.set("")


# The beat schedule lives in code (django-celery-beat does not support Django 6.1 yet).
# Crontabs are read in CELERY_TIMEZONE, UTC. The daily jobs run at 02:00 and 02:15 in Kabul
# (UTC+4:30 all year, no daylight saving), that is 21:30 and 21:45 UTC the evening before, so that
# staff find the emails and the day's monitoring queue when they start work, and
# ``timezone.localdate()`` (TIME_ZONE is Asia/Kabul) is already the new day.
app.conf.beat_schedule = {
    "check-overdue-cases": {
        "task": "returns.tasks.check_overdue_cases",
        "schedule": crontab(hour=21, minute=30),
    },
    "draw-monitoring-sample": {
        "task": "returns.tasks.draw_monitoring_sample",
        "schedule": crontab(hour=21, minute=45),
    },
    # Referrals (flag follow-ups among them) still pending after their due date: 02:20 in Kabul.
    "check-overdue-referrals": {
        "task": "returns.tasks.check_overdue_referrals",
        "schedule": crontab(hour=21, minute=50),
    },
    # Retention: households whose cases all closed (or withdrawn) RETENTION_CLOSED_CASE_DAYS ago are
    # anonymised, at 03:00 in Kabul, after the other jobs and before anyone works.
    "anonymise-past-retention": {
        "task": "returns.tasks.anonymise_past_retention",
        "schedule": crontab(hour=22, minute=30),
    },
    # The files of export jobs (7 days) and of ended imports (30 days) are emptied: 03:10 in Kabul.
    "expire-kept-files": {
        "task": "returns.tasks.expire_kept_files",
        "schedule": crontab(hour=22, minute=40),
    },
    # The search for duplicates over the people registered since the last search began (the first
    # search of the whole registry is a manager's: returns.duplicates.match_run_continue).
    # Work whose task never reached the broker (it was down when asked): sent again, every 10 minutes.
    "resend-waiting-reports": {
        "task": "reports.tasks.resend_waiting_reports",
        "schedule": crontab(minute="*/10"),
    },
    "resend-waiting-imports": {
        "task": "returns.tasks.resend_waiting_imports",
        "schedule": crontab(minute="*/10"),
    },
    "find-duplicates-since-last-run": {
        "task": "returns.tasks.find_duplicates_since_last_run",
        "schedule": crontab(minute=7),
    },
}

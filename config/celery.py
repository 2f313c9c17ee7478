"""The Celery application. Tasks run in-process (eagerly) when no broker is configured."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("returns")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
    # The search for duplicates over the people registered since the last search began (the first
    # search of the whole registry is a manager's: returns.duplicates.match_run_continue).
    "find-duplicates-since-last-run": {
        "task": "returns.tasks.find_duplicates_since_last_run",
        "schedule": crontab(minute=7),
    },
}

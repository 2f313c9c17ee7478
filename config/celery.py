"""The Celery application. Tasks run in-process (eagerly) when no broker is configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("returns")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code (django-celery-beat does not support Django 6.1 yet).
app.conf.beat_schedule = {}

"""The broker goes away: registration and the report request keep working, and the work they queued
runs once the broker is back, none lost (the database holds it; the resend job sends it again).

"Away" is a broker address where nothing listens, as a stopped Redis; "back" is the test's real
Redis with a real worker on it.
"""

import datetime
import logging
import subprocess
import time
import uuid

import pytest
import redis
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, Office, User
from config.celery import app as celery_app
from reports import tasks
from reports.models import Report
from returns.models import Household
from tests.api.payloads import household_json, member_json, por_card_json
from tests.factories import UserFactory, api_token_for
from tests.integration.support import free_port
from tests.integration.test_celery_worker import TIMEOUT_SECONDS, start_worker, task_routes_for, worker_environment
from tests.integration.test_report_worker import forget_routing


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_down_requests_succeed_and_the_queued_report_runs_once_it_is_back(redis_url, tmp_path, caplog):
    unhcr = Agency.objects.get(code="UNHCR")
    officer = UserFactory(
        username="officer.broker", agency=unhcr, office=Office.objects.get(code="TKM"), role=User.Role.FIELD_OFFICER
    )
    coordinator = UserFactory(username="coordinator.broker", agency=unhcr, role=User.Role.COORDINATOR)
    queue = f"integration-{uuid.uuid4().hex}"
    saved = {name: celery_app.conf[name] for name in ("task_always_eager", "broker_url", "result_backend")}
    saved.update(task_default_queue=celery_app.conf.task_default_queue, task_routes=celery_app.conf.task_routes)
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=down,
        result_backend=None,
        task_default_queue=queue,
        task_routes=task_routes_for(queue),
    )
    forget_routing()
    worker = None
    log = tmp_path / "worker.log"
    try:
        # When, with the broker down, an officer registers a household and a coordinator asks for a report
        caplog.set_level(logging.WARNING, logger="agencies.queueing")
        began = time.monotonic()
        registered = api_client(officer).post(
            "/api/v1/households/",
            household_json(members=[member_json(documents=[por_card_json(number="PK-BROKER-1")])]),
            format="json",
        )
        requested = api_client(coordinator).post("/api/v1/reports/", {"year": 2025}, format="json")
        took = time.monotonic() - began

        # Then both succeed, promptly, and the report waits in the database
        assert (registered.status_code, requested.status_code) == (201, 202)
        assert took < 15
        report = Report.objects.get(public_id=requested.json()["id"])
        assert report.status == Report.Status.QUEUED
        assert Household.objects.filter(public_id=registered.json()["id"]).exists()
        assert "waits for the resend job" in caplog.text

        # When the broker is back, with a worker on it, and the resend job runs (as beat runs it)
        celery_app.conf.update(broker_url=redis_url)
        forget_routing()
        worker = start_worker(
            queue=queue, environment=worker_environment(redis_url=redis_url, mail_dir=tmp_path / "mail"), log=log
        )
        Report.objects.filter(pk=report.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=11))
        resent = tasks.resend_waiting_reports.apply().get()
        assert resent == {"resent": [report.pk]}

        # Then the worker computes the report.
        deadline = time.monotonic() + TIMEOUT_SECONDS * 2
        while Report.objects.filter(pk=report.pk, status__in=["queued", "running"]).exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The report was not computed. Worker log:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        assert Report.objects.get(pk=report.pk).status == Report.Status.DRAFT
    finally:
        celery_app.conf.update(saved)
        forget_routing()
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        with redis.Redis.from_url(redis_url) as leftovers:
            keys = list(leftovers.scan_iter(match=f"*{queue}*"))
            if keys:
                leftovers.delete(*keys)

"""The joint report computed by a real Celery worker, through Redis, as a coordinator's request does.

The worker reads the test database (a transactional test, as ``test_celery_worker`` explains) and
writes the snapshot there: the test sees it move from queued to a draft with its checksum.
"""

import datetime
import subprocess
import time
import uuid

import pytest
import redis
from celery import Celery

from agencies.models import Agency, User
from config.celery import app as celery_app
from reports import tasks
from reports.models import Report
from reports.services import report_checksum, report_request
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card
from tests.integration.test_celery_worker import (
    TIMEOUT_SECONDS,
    start_worker,
    task_routes_for,
    wait_for,
    worker_environment,
)


def forget_routing() -> None:
    """Let the app read its broker and default queue afresh: Celery builds its queues, router and
    producer pool once, from the configuration of the first task sent (an earlier test's)."""
    celery_app.close()
    celery_app.__dict__.pop("amqp", None)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_computes_a_requested_report_into_a_draft_with_its_checksum(redis_url, tmp_path):
    # Given three PoR-card families from Pakistan who arrived in 2017, and a worker on a queue of its own.
    unhcr = Agency.objects.get(code="UNHCR")
    officer = UserFactory(username="officer.r", agency=unhcr, role=User.Role.FIELD_OFFICER)
    coordinator = UserFactory(username="coordinator.r", agency=unhcr, role=User.Role.COORDINATOR)
    for index in range(3):
        household_register(
            registered_by=officer,
            registration=household(
                arrival_date=datetime.date(2017, 5, 10),
                members=[member(documents=[por_card(number=f"PK-2017-{index}")]), member(relationship="son", age=9)],
            ),
        )
    queue = f"integration-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    client = Celery("integration-test", broker=redis_url, backend=redis_url, set_as_current=False)
    client.conf.task_default_queue = queue
    result = None
    worker = start_worker(
        queue=queue, environment=worker_environment(redis_url=redis_url, mail_dir=tmp_path / "mail"), log=log
    )
    # This process sends its tasks through that broker, as a deployment's web process does.
    saved = {name: celery_app.conf[name] for name in ("task_always_eager", "broker_url", "result_backend")}
    saved["task_default_queue"] = celery_app.conf.task_default_queue
    saved["task_routes"] = celery_app.conf.task_routes
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=redis_url,
        result_backend=redis_url,
        task_default_queue=queue,
        task_routes=task_routes_for(queue),
    )
    forget_routing()
    try:
        # When a coordinator requests the 2017 report: its commit enqueues the computation.
        report = report_request(
            requested_by=coordinator,
            period_start=datetime.date(2017, 1, 1),
            period_end=datetime.date(2017, 12, 31),
            reference_date=Report.ReferenceDate.ARRIVAL,
        )
        deadline = time.monotonic() + TIMEOUT_SECONDS * 2
        while Report.objects.filter(pk=report.pk, status__in=["queued", "running"]).exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The worker did not compute the report. Worker log:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        first = Report.objects.get(pk=report.pk)
        result = client.send_task(tasks.report_compute_task.name, args=[report.pk])
        answered = wait_for(result, worker=worker, log=log, deadline=deadline)
    finally:
        celery_app.conf.update(saved)
        forget_routing()
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if result is not None:
            result.forget()
        client.close()
        with redis.Redis.from_url(redis_url) as leftovers:
            leftovers.delete(*leftovers.scan_iter(match=f"*{queue}*"), queue)

    # Then the report is a draft, complete, with the checksum of the figures it holds.
    report.refresh_from_db()
    assert (report.status, report.progress, report.error) == (Report.Status.DRAFT, 100, "")
    # and a second delivery of the task (acknowledged late, it may come twice) changes nothing.
    assert answered == {"report_id": report.pk, "status": "draft", "checksum": report.checksum}
    assert (report.computed_at, report.checksum, report.figures) == (first.computed_at, first.checksum, first.figures)
    assert report.checksum == report_checksum(report.figures)
    assert report.started_at is not None and report.computed_at >= report.started_at
    headline = next(table for table in report.figures["tables"] if table["code"] == "headline")
    registered = next(row for row in headline["rows"] if row["key"] == ["refugee_card"])
    assert registered["total"] == 6
    assert report.thresholds["*"] == {"threshold": 5, "sensitive_threshold": 10}

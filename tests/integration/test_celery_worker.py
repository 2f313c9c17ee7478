"""The overdue check through a real broker: Redis, and a Celery worker in its own process.

The worker reads the test database, so the test commits its rows (a transactional test; the
flush after it is undone for the next test by ``serialized_rollback``, which restores the
reference data the migrations loaded). It runs with the production settings module, because
the test settings keep emails in memory where another process cannot read them: here the worker
writes them to files.
"""

import datetime
import email
import email.policy
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.db import connection
from django.utils import timezone

from agencies.models import Agency, User
from returns import tasks
from returns.models import Case, CaseEvent
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card

CELERY = Path(sys.executable).with_name("celery")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 15


def database_url_for_worker() -> str:
    """The URL of the database this test runs in (the test database), for another process."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'], safe='')}"


def worker_environment(*, redis_url: str, mail_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "integration-test-only",
        "DATABASE_URL": database_url_for_worker(),
        "DATABASE_CONN_MAX_AGE": "0",  # no connection outlives a task: the test database is dropped later
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
    }


def start_worker(*, queue: str, environment: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        str(CELERY),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        f"--hostname={queue}@%h",
        f"--queues={queue}",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        # After "--": configuration. The tasks a task enqueues (the notification) go to this queue too.
        "--",
        f"task_default_queue={queue}",
        "worker_enable_remote_control=false",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )


def wait_for(result, *, worker: subprocess.Popen, log: Path, deadline: float):
    while not result.ready():
        if worker.poll() is not None:
            pytest.fail(f"The worker stopped (exit {worker.returncode}):\n{log.read_text()[-3000:]}", pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(f"No result within {TIMEOUT_SECONDS} s. Worker log:\n{log.read_text()[-3000:]}", pytrace=False)
        time.sleep(0.05)
    return result.get(timeout=1)


def emails_written(mail_dir: Path) -> list[email.message.EmailMessage]:
    """The messages the file backend wrote: each file holds a batch, separated by lines of dashes."""
    separator = b"\n" + b"-" * 79 + b"\n"
    return [
        email.message_from_bytes(chunk.strip(b"\n"), policy=email.policy.default)
        for path in sorted(mail_dir.glob("*.log"))
        for chunk in path.read_bytes().split(separator)
        if chunk.strip()
    ]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_marks_overdue_cases_and_emails_the_assignee(redis_url, tmp_path):
    # Given an overdue case assigned to Farid and a case not yet due, committed.
    unhcr = Agency.objects.get(code="UNHCR")
    officer = UserFactory(username="officer.i", agency=unhcr, role=User.Role.FIELD_OFFICER)
    farid = UserFactory(username="farid.i", agency=unhcr, role=User.Role.CASE_WORKER, email="farid@example.org")
    today = timezone.localdate()
    late, on_time = (
        Case.objects.get(
            household=household_register(
                registered_by=officer, registration=household(members=[member(documents=[por_card(number=number)])])
            )
        )
        for number in ("PK-100001", "PK-100002")
    )
    Case.objects.filter(pk=late.pk).update(stage_due_date=today - datetime.timedelta(days=2), assigned_to=farid)
    Case.objects.filter(pk=on_time.pk).update(stage_due_date=today + datetime.timedelta(days=1), assigned_to=farid)

    queue = f"integration-{uuid.uuid4().hex}"
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    client = Celery("integration-test", broker=redis_url, backend=redis_url, set_as_current=False)
    client.conf.task_default_queue = queue
    results = []
    worker = start_worker(queue=queue, environment=worker_environment(redis_url=redis_url, mail_dir=mail_dir), log=log)
    try:
        # When the check is enqueued, as beat does, and the worker runs it and its notification.
        deadline = time.monotonic() + TIMEOUT_SECONDS
        results = [client.send_task(tasks.check_overdue_cases.name)]
        checked = wait_for(results[0], worker=worker, log=log, deadline=deadline)
        results.append(client.AsyncResult(checked["notify_task_id"]))
        notified = wait_for(results[1], worker=worker, log=log, deadline=deadline)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        for result in results:
            result.forget()
        client.close()
        with redis.Redis.from_url(redis_url) as leftovers:
            leftovers.delete(*leftovers.scan_iter(match=f"*{queue}*"), queue)

    # Then the late case is marked, once, and Farid has one email listing it.
    assert checked["marked"] == [late.pk]
    assert notified == {"emails_sent": 1, "cases_listed": 1, "skipped_unassigned": 0, "skipped_no_email": 0}
    assert list(Case.objects.order_by("pk").values_list("pk", "overdue_since", "version")) == [
        (late.pk, today, 2),
        (on_time.pk, None, 1),
    ]
    assert list(CaseEvent.objects.filter(kind=CaseEvent.Kind.OVERDUE).values_list("case_id", flat=True)) == [late.pk]
    (message,) = emails_written(mail_dir)
    assert (message["To"], message["Subject"]) == ("farid@example.org", "1 case is overdue")
    body = message.get_content()
    assert f"{late.case_number} · Document and iris verification · due " in body
    assert late.get_absolute_url() in body
    assert on_time.case_number not in body

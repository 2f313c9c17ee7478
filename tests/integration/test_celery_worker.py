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
from urllib.parse import quote, urlencode

import dj_database_url
import pytest
import redis
from celery import Celery
from django.conf import settings
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


def database_url_for_worker(database: dict) -> str:
    """The URL of the database this test runs in (the test database), for another process.

    Built from the connection's own settings: a TCP host and port, or a Unix socket directory (the
    embedded server's, which dj_database_url puts in OPTIONS["host"]) as a percent-encoded host,
    which dj_database_url decodes back. Other OPTIONS (sslmode...) travel as the query string.
    """
    options = dict(database.get("OPTIONS") or {})
    host = database["HOST"] or options.pop("host", "")
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    address = quote(str(host), safe="") + (f":{database['PORT']}" if database["PORT"] else "")
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{credentials}@{address}/{quote(database['NAME'], safe='')}{query}"


@pytest.mark.parametrize(
    ("database_url", "worker_url", "reached"),
    [
        pytest.param(
            "postgresql://postgres:@/returns?host=/home/Farid/My Projects/returns/.pgdata",
            "postgres://postgres@%2Fhome%2FFarid%2FMy%20Projects%2Freturns%2F.pgdata/test_returns",
            ("/home/Farid/My Projects/returns/.pgdata", "", "postgres", "", "test_returns"),
            id="embedded server: a Unix socket directory",
        ),
        pytest.param(
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://postgres@127.0.0.1:5432/test_returns",
            ("127.0.0.1", 5432, "postgres", "", "test_returns"),
            id="DATABASE_URL: host and port",
        ),
        pytest.param(
            "postgres://returns:p%40ss%2Fw0rd@db.example.org:6432/returns?sslmode=require",
            "postgres://returns:p%40ss%2Fw0rd@db.example.org:6432/test_returns?sslmode=require",
            ("db.example.org", 6432, "returns", "p@ss/w0rd", "test_returns"),
            id="DATABASE_URL: a password to encode, an option",
        ),
        pytest.param(
            "postgres://postgres@/postgres",
            "postgres://postgres@/test_returns",
            ("", "", "postgres", "", "test_returns"),
            id="DATABASE_URL: libpq's default socket",
        ),
    ],
)
def test_the_worker_is_given_the_test_database_however_it_is_reached(database_url, worker_url, reached):
    # Given the connection settings of a test run, as dj_database_url and the test database make them.
    database = {**dj_database_url.parse(database_url), "NAME": "test_returns"}

    # When they are handed to the worker as a URL.
    url = database_url_for_worker(database)

    # Then the worker's settings reach the same server and database.
    assert url == worker_url
    worker = dj_database_url.parse(url)
    host = worker["HOST"] or worker.get("OPTIONS", {}).get("host", "")
    assert (host, worker["PORT"], worker["USER"], worker["PASSWORD"], worker["NAME"]) == reached
    assert {k: v for k, v in worker.get("OPTIONS", {}).items() if k != "host"} == {
        k: v for k, v in database.get("OPTIONS", {}).items() if k != "host"
    }


def worker_environment(*, redis_url: str, mail_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "integration-test-only",
        "DATABASE_URL": database_url_for_worker(connection.settings_dict),
        "DATABASE_CONN_MAX_AGE": "0",  # no connection outlives a task: the test database is dropped later
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
    }


def queue_environment(queue: str) -> dict[str, str]:
    """The worker's three queues (config.settings), named after the test's own queue."""
    return {
        "CELERY_QUEUE_DEFAULT": queue,
        "CELERY_QUEUE_HEAVY": f"{queue}.heavy",
        "CELERY_QUEUE_NOTIFICATIONS": f"{queue}.notifications",
    }


def task_routes_for(queue: str) -> dict[str, dict[str, str]]:
    """The app's task routes (config.settings.CELERY_TASK_ROUTES) onto the test's queues."""
    names = queue_environment(queue)
    queue_of = {
        settings.CELERY_QUEUE_HEAVY: names["CELERY_QUEUE_HEAVY"],
        settings.CELERY_QUEUE_NOTIFICATIONS: names["CELERY_QUEUE_NOTIFICATIONS"],
    }
    return {task: {"queue": queue_of[route["queue"]]} for task, route in settings.CELERY_TASK_ROUTES.items()}


def start_worker(*, queue: str, environment: dict[str, str], log: Path) -> subprocess.Popen:
    """A worker on the test's queues: every task it enqueues (a notification) goes to one of them too."""
    environment = {**environment, **queue_environment(queue)}
    command = [
        str(CELERY),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        f"--hostname={queue}@%h",
        f"--queues={','.join(queue_environment(queue).values())}",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        "--",
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

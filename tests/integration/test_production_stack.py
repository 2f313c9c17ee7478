"""The production stack, as ``make prod`` runs it: honcho runs the Procfile's gunicorn, a worker for
each queue and beat, against the test database and the test Redis. A household is registered over
HTTP, a coordinator requests the joint report over HTTP and the heavy queue's worker computes it;
the logs are JSON lines that follow each request's id from the web process into the worker.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection

from agencies.models import Agency, Office, User
from agencies.staff_tokens import staff_token_issue
from reports.models import Report
from returns.models import Household
from tests.api.payloads import household_json, member_json, por_card_json
from tests.factories import UserFactory
from tests.integration.test_celery_worker import database_url_for_worker, queue_environment
from tests.test_deploy_check import production_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HONCHO = Path(sys.executable).with_name("honcho")
PROCESSES = ("web", "worker", "heavy", "notifications", "beat")
START_SECONDS = 90
REPORT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_environment(*, redis_url: str, queue: str, port: int, run_dir: Path) -> dict[str, str]:
    return {
        **production_environment(
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_BEHIND_PROXY="0",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_SECURE_COOKIES="0",
            DJANGO_SECURE_HSTS_SECONDS="0",
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            DJANGO_EMAIL_FILE_PATH=str(run_dir / "mail"),
            DJANGO_LOG_FORMAT="json",
        ),
        **queue_environment(queue),
        "DATABASE_URL": database_url_for_worker(connection.settings_dict),
        "DATABASE_CONN_MAX_AGE": "0",  # no connection outlives a request: the test database is dropped later
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_BEAT_SCHEDULE": str(run_dir / "celerybeat-schedule"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "CELERY_DEFAULT_CONCURRENCY": "1",
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def process_group(command: list[str], *, environment: dict[str, str], log: Path, stop_seconds: float = 30):
    """``command`` running in a process group of its own (its output in ``log``) until the block ends,
    then stopped with its children: SIGTERM, and SIGKILL if it lingers."""
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the tests' own command lines
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=stop_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def production_stack(*, environment: dict[str, str], log: Path):
    command = [str(HONCHO), "--procfile", "Procfile", "--env", "/dev/null", "start", *PROCESSES]
    return process_group(command, environment=environment, log=log)


def wait_until(condition, *, honcho: subprocess.Popen, log: Path, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if honcho.poll() is not None:
            pytest.fail(f"The stack stopped (exit {honcho.returncode}):\n{log.read_text()[-4000:]}", pytrace=False)
        answer = condition()
        if answer:
            return answer
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {seconds} s. The stack's log:\n{log.read_text()[-4000:]}", pytrace=False)


def ready(base: str):
    try:
        return requests.get(f"{base}/readyz", timeout=10).status_code == 200
    except requests.RequestException:  # not listening yet, or still loading the app
        return False


def json_lines(log: Path, process: str) -> list[dict]:
    """The JSON log lines one of honcho's processes wrote ("12:00:00 web.1 | {...}")."""
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        prefix, _bar, rest = line.partition("| ")
        if prefix.split()[1:2] == [f"{process}.1"] and rest.startswith("{"):
            lines.append(json.loads(rest))
    return lines


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_production_stack_registers_over_http_and_its_heavy_worker_computes_the_report(redis_url, tmp_path):
    # Given an officer at Torkham and a coordinator, each with an API token, and the stack running.
    unhcr = Agency.objects.get(code="UNHCR")
    officer = UserFactory(
        username="officer.stack", agency=unhcr, office=Office.objects.get(code="TKM"), role=User.Role.FIELD_OFFICER
    )
    coordinator = UserFactory(username="coordinator.stack", agency=unhcr, role=User.Role.COORDINATOR)
    _token, officer_key = staff_token_issue(user=officer, name="stack")
    _token, coordinator_key = staff_token_issue(user=coordinator, name="stack")
    queue = f"integration-{uuid.uuid4().hex}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "stack.log"
    environment = stack_environment(redis_url=redis_url, queue=queue, port=port, run_dir=tmp_path)
    try:
        with production_stack(environment=environment, log=log) as honcho:
            wait_until(lambda: ready(base), honcho=honcho, log=log, seconds=START_SECONDS, what="/readyz")

            # When the officer registers a PoR-card family over HTTP
            registered = requests.post(
                f"{base}/api/v1/households/",
                json=household_json(members=[member_json(documents=[por_card_json(number="PK-STACK-1")])]),
                headers={"Authorization": f"Token {officer_key}", "X-Request-ID": "stack-registration-1"},
                timeout=30,
            )
            # and the coordinator requests the report of the arrivals' year
            requested = requests.post(
                f"{base}/api/v1/reports/",
                json={"year": 2025},
                headers={"Authorization": f"Token {coordinator_key}", "X-Request-ID": "stack-report-request-1"},
                timeout=30,
            )
            assert (registered.status_code, requested.status_code) == (201, 202), (registered.text, requested.text)
            report_id = requested.json()["id"]

            def computed():
                answer = requests.get(
                    f"{base}/api/v1/reports/{report_id}/",
                    headers={"Authorization": f"Token {coordinator_key}"},
                    timeout=10,
                ).json()
                return answer if answer["status"] not in ("queued", "running") else None

            report = wait_until(computed, honcho=honcho, log=log, seconds=REPORT_SECONDS, what="The report")
    finally:
        with redis.Redis.from_url(redis_url) as leftovers:
            keys = list(leftovers.scan_iter(match=f"*{queue}*"))
            if keys:
                leftovers.delete(*keys)

    # Then the household is in the registry, routed to UNHCR, and the report counts it.
    household = Household.objects.get(public_id=registered.json()["id"])
    assert (household.routed_agency.code, household.members.count()) == ("UNHCR", 1)
    assert (report["status"], report["progress"]) == ("draft", 100)
    assert Report.objects.get(public_id=report_id).status == Report.Status.DRAFT
    # The web process logged each request as a JSON line with the id the client sent
    web = {line["request_id"]: line for line in json_lines(log, "web") if line["logger"] == "returns.requests"}
    assert {key: web["stack-registration-1"][key] for key in ("method", "path", "status", "user_id")} == {
        "method": "POST",
        "path": "/api/v1/households/",
        "status": 201,
        "user_id": officer.pk,
    }
    assert web["stack-report-request-1"]["status"] == 202
    # and the heavy queue's worker computed the report under the id of the request that asked for it.
    # (The worker's main process logs the task's arrival before the task, and its id, reach a child.)
    heavy = [
        line["request_id"]
        for line in json_lines(log, "heavy")
        if "report_compute_task" in line["message"] and "succeeded" in line["message"]
    ]
    assert heavy == ["stack-report-request-1"], log.read_text()[-4000:]

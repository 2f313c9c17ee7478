"""The production stack, as ``make prod`` runs it: honcho runs the Procfile's gunicorn, a worker for
each queue and beat, against the test database, a streaming replica of it and the test Redis. A
household is registered over HTTP, an officer uploads a spreadsheet on the imports page and confirms
it, a coordinator requests the joint report over HTTP, and the heavy queue's worker runs the import
and computes the report; someone who wrote nothing reads the year's statistics from the replica. The
logs are JSON lines that follow each request's id from the web process into the worker.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import redis
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from agencies.models import Agency, Office, User
from agencies.staff_tokens import staff_token_issue
from reports.models import Report
from returns.models import Household, ImportBatch
from tests.api.payloads import household_json, member_json, por_card_json
from tests.factories import DEMO_PASSWORD, UserFactory
from tests.integration.support import free_port, streaming_replica_running
from tests.integration.test_celery_worker import database_url_for_worker, queue_environment
from tests.test_deploy_check import production_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HONCHO = Path(sys.executable).with_name("honcho")
PROCESSES = ("web", "worker", "heavy", "notifications", "beat")
START_SECONDS = 90
REPORT_SECONDS = 120
# Two households of one person each, as an officer fills the template.
IMPORT_FILE = (
    b"household,arrival_date,office,country_of_departure,return_type,destination_province,given_name,"
    b"fathers_name,sex,relationship,estimated_age,document_type,document_number,document_country,document_expiry\n"
    b"1,2025-11-01,TKM,PK,voluntary_repatriation,AF06,Naveed,Gul,male,head,35,por_card,PK-STACK-IMP-1,PK,2030-12-31\n"
    b"2,2025-11-01,TKM,PK,voluntary_repatriation,AF06,Zarmina,Aziz,female,head,30,por_card,PK-STACK-IMP-2,PK,2030-12-31\n"
)


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
        "DJANGO_STATIC_ROOT": str(run_dir / "static"),
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


def replica_url(port: int) -> str:
    """The streaming replica's address, for the stack's processes."""
    return database_url_for_worker({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(port)})


def primary_position() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def replica_replayed(port: int, position: str) -> bool:
    """Whether the replica on ``port`` has replayed the primary's WAL up to ``position``."""
    settings = connection.settings_dict
    with (
        contextlib.closing(
            psycopg2.connect(host="127.0.0.1", port=port, user=settings["USER"] or "postgres", dbname=settings["NAME"])
        ) as replica_connection,
        replica_connection.cursor() as cursor,
    ):
        cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
        return bool(cursor.fetchone()[0])


def static_collected(environment: dict[str, str]) -> None:
    """The pages name their static files through the manifest, as in production: collect them first."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )


def production_stack(*, environment: dict[str, str], log: Path):
    static_collected(environment)
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


def logged_in(base: str, username: str) -> requests.Session:
    """A browser's session, logged in through the login form."""
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=15)
    answer = browser.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=15,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[answer.text.find("<main") :][:1500]
    return browser


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
    # Hashed as production hashes (the test settings use a faster hasher the server does not know).
    officer.password = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, PBKDF2PasswordHasher().salt())
    officer.save(update_fields=["password"])
    coordinator = UserFactory(username="coordinator.stack", agency=unhcr, role=User.Role.COORDINATOR)
    # Someone who has written nothing: their reads may all come from the replica.
    reader = UserFactory(username="reader.stack", agency=unhcr, role=User.Role.CASE_WORKER)
    _token, reader_key = staff_token_issue(user=reader, name="stack")
    _token, officer_key = staff_token_issue(user=officer, name="stack")
    _token, coordinator_key = staff_token_issue(user=coordinator, name="stack")
    queue = f"integration-{uuid.uuid4().hex}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "stack.log"
    environment = stack_environment(redis_url=redis_url, queue=queue, port=port, run_dir=tmp_path)
    try:
        with (
            streaming_replica_running() as replica,
            production_stack(
                environment={**environment, "DATABASE_REPLICA_URL": replica_url(replica["port"])}, log=log
            ) as honcho,
        ):
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

            # When the officer uploads a file of two households on the imports page, and confirms it
            browser = logged_in(base, officer.username)
            uploaded = browser.post(
                f"{base}/imports/",
                data={
                    "kind": "households",
                    "mode": "all_or_nothing",
                    "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                },
                files={"file": ("arrivals.csv", IMPORT_FILE, "text/csv")},
                headers={"Referer": f"{base}/imports/"},
                timeout=30,
                allow_redirects=False,
            )
            assert uploaded.status_code == 302, uploaded.text[uploaded.text.find("<main") :][:1500]
            detail = f"{base}{uploaded.headers['Location']}"
            started = browser.post(
                f"{detail}start/",
                data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                headers={"Referer": detail, "X-Request-ID": "stack-import-start-1"},
                timeout=30,
                allow_redirects=False,
            )
            assert started.status_code == 302

            def imported():
                page = browser.get(detail, timeout=10).text
                return page if 'data-import-status="done"' in page or 'data-import-status="failed"' in page else None

            import_page = wait_until(imported, honcho=honcho, log=log, seconds=REPORT_SECONDS, what="The import")

            # And the year's statistics, asked for by someone who wrote nothing, are read from the replica
            # (once it has replayed what the primary holds now: a replica far behind is not read).
            # (The position is taken once: the other tests running meanwhile keep writing to the primary.)
            position = primary_position()
            wait_until(
                lambda: replica_replayed(replica["port"], position),
                honcho=honcho,
                log=log,
                seconds=REPORT_SECONDS,
                what="The replica's replay",
            )
            statistics = requests.get(
                f"{base}/api/v1/statistics/returns/",
                params={"year": 2025},
                headers={"Authorization": f"Token {reader_key}", "X-Request-ID": "stack-statistics-1"},
                timeout=30,
            )
            assert statistics.status_code == 200, statistics.text
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
    # The import was run by the heavy worker, under the id of the request that confirmed it, and
    # registered both households through the registration service.
    assert 'data-import-status="done"' in import_page
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.households_done, batch.households_valid) == (ImportBatch.Status.DONE, 2, 2)
    assert sorted(
        Household.objects.filter(pk__in=batch.imported.values("household_id")).values_list(
            "members__given_name", "routed_agency__code"
        )
    ) == [("Naveed", "UNHCR"), ("Zarmina", "UNHCR")]
    imports_run = [
        line["request_id"]
        for line in json_lines(log, "heavy")
        if "import_households" in line["message"] and "succeeded" in line["message"]
    ]
    assert imports_run == ["stack-import-start-1"], log.read_text()[-4000:]
    # The replica answered the statistics; the registration and the import's pages read the primary.
    assert web["stack-statistics-1"]["read_replica"] is True, log.read_text()[-4000:]
    assert web["stack-registration-1"]["read_replica"] is False

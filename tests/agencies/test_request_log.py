"""Request ids and the request log: every response names its id, every log line carries it, tasks
sent while serving a request carry it to the worker, and production logs are one JSON object a line."""

import json
import logging
import logging.config
import re

import pytest
from django.conf import settings

from agencies.request_log import HEADER, RequestIdFilter, request_id, request_id_from
from config.celery import app as celery_app
from config.celery import request_id_forget, request_id_receive, request_id_send
from tests.factories import UserFactory
from tests.test_deploy_check import production_settings

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="returns.requests")
    return lambda: [record for record in caplog.records if record.name == "returns.requests"]


@pytest.mark.django_db
def test_a_response_carries_a_new_request_id_and_the_request_is_logged_with_it(client, request_lines):
    user = UserFactory(username="officer.log")
    client.force_login(user)

    response = client.get("/households/?q=Ahmad+Gul")

    assert response.status_code == 200
    assert GENERATED.fullmatch(response[HEADER])
    [line] = request_lines()
    assert line.request_id == response[HEADER]
    assert (line.method, line.path, line.route, line.status, line.user_id) == (
        "GET",
        "/households/",
        "returns:household-list",
        200,
        user.pk,
    )
    assert line.duration_ms > 0
    # The names typed in the search are never logged.
    assert "Ahmad" not in line.getMessage()
    assert "Ahmad" not in json.dumps({key: str(value) for key, value in vars(line).items()})
    # and the id is forgotten once the response is sent.
    assert request_id.get() == ""


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(client, request_lines):
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-4f1c2a9b-77"})
    forged = client.get("/healthz", headers={"X-Request-ID": "abc\ninjected log line"})
    too_long = client.get("/healthz", headers={"X-Request-ID": "a" * 65})

    assert kept[HEADER] == "edge-4f1c2a9b-77"
    assert GENERATED.fullmatch(forged[HEADER])
    assert GENERATED.fullmatch(too_long[HEADER])
    assert [line.request_id for line in request_lines()] == [kept[HEADER], forged[HEADER], too_long[HEADER]]


@pytest.mark.django_db
def test_an_anonymous_refused_request_is_logged_without_a_user(client, request_lines):
    response = client.get("/households/")

    assert response.status_code == 302
    [line] = request_lines()
    assert (line.status, line.user_id, line.request_id) == (302, None, response[HEADER])


def test_request_ids_from_a_proxy_must_look_like_ids():
    assert request_id_from("0123456789abcdef") == "0123456789abcdef"
    assert request_id_from("short") != "short"
    assert request_id_from(None) != request_id_from(None)
    assert GENERATED.fullmatch(request_id_from("spaces are not allowed here"))


def test_every_log_line_carries_the_current_request_id_in_the_production_json_format():
    # Given the production logging configuration (JSON), writing to a buffer
    logging_settings = production_settings("LOGGING")["LOGGING"]
    assert logging_settings["handlers"]["console"]["formatter"] == "json"
    formatter_settings = logging_settings["formatters"]["json"]
    configured = logging.config.dictConfigClass(
        {"version": 1, "formatters": {"json": formatter_settings}, "handlers": {}}
    )
    formatter = configured.configure_formatter(formatter_settings)
    record = logging.LogRecord("returns.services", logging.WARNING, __file__, 1, "Household %s refused", ("H-1",), None)
    token = request_id.set("req-0123456789")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)

    line = json.loads(formatter.format(record))

    assert {key: line[key] for key in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING",
        "logger": "returns.services",
        "message": "Household H-1 refused",
        "request_id": "req-0123456789",
    }
    assert line["time"].endswith("+00:00")  # UTC


def test_development_logs_are_text_and_production_logs_json():
    assert settings.LOGGING["filters"]["request_id"]["()"] == "agencies.request_log.RequestIdFilter"
    assert production_settings("LOG_FORMAT") == {"LOG_FORMAT": "json"}
    assert production_settings("LOG_FORMAT", DJANGO_LOG_FORMAT="text") == {"LOG_FORMAT": "text"}


def test_a_task_sent_during_a_request_carries_its_id_and_the_worker_logs_under_it():
    headers = {}
    token = request_id.set("req-abcdef012345")
    try:
        request_id_send(headers=headers)
    finally:
        request_id.reset(token)
    assert headers == {"request_id": "req-abcdef012345"}

    # In the worker: the task's lines carry the sender's id, and the next task starts afresh.
    task = celery_app.tasks["returns.tasks.check_overdue_cases"]
    task.push_request(request_id="req-abcdef012345", is_eager=False)
    try:
        request_id_receive(task=task)
        assert request_id.get() == "req-abcdef012345"
        request_id_forget(task=task)
        assert request_id.get() == ""
    finally:
        task.pop_request()


def test_a_task_sent_outside_a_request_gets_an_id_of_its_own_in_the_worker():
    headers = {}
    request_id_send(headers=headers)
    assert headers == {}

    task = celery_app.tasks["returns.tasks.check_overdue_cases"]
    task.push_request(is_eager=False)
    try:
        request_id_receive(task=task)
        assert GENERATED.fullmatch(request_id.get())
        request_id_forget(task=task)
    finally:
        task.pop_request()
    assert request_id.get() == ""


def test_a_task_run_eagerly_inside_a_request_keeps_the_requests_id():
    task = celery_app.tasks["returns.tasks.check_overdue_cases"]
    token = request_id.set("req-eager-000001")
    task.push_request(is_eager=True)
    try:
        request_id_receive(task=task)
        request_id_forget(task=task)
        assert request_id.get() == "req-eager-000001"
    finally:
        task.pop_request()
        request_id.reset(token)


def test_heavy_work_and_emails_have_queues_of_their_own_and_the_procfile_serves_every_queue():
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"
    assert settings.CELERY_TASK_ROUTES == {
        "reports.tasks.report_compute_task": {"queue": "heavy"},
        "returns.tasks.find_duplicates": {"queue": "heavy"},
        "returns.tasks.import_households": {"queue": "heavy"},
        "returns.tasks.export_run": {"queue": "heavy"},
        "returns.tasks.notify_overdue_cases": {"queue": "notifications"},
        "returns.tasks.notify_overdue_referrals": {"queue": "notifications"},
    }
    router = celery_app.amqp.router
    assert router.route({}, "reports.tasks.report_compute_task")["queue"].name == "heavy"
    assert router.route({}, "returns.tasks.check_overdue_cases")["queue"].name == "default"

    procfile = (settings.BASE_DIR / "Procfile").read_text()
    served = set(re.findall(r'--queues "\$\{CELERY_QUEUE_[A-Z]+:-([a-z]+)\}"', procfile))
    assert served == {"default", "heavy", "notifications"}
    assert set(re.findall(r"^([a-z]+):", procfile, flags=re.MULTILINE)) == {
        "web",
        "worker",
        "heavy",
        "notifications",
        "beat",
        "broker",
    }

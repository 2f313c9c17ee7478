"""The database goes away and comes back: the production server (gunicorn, DEBUG off) answers 503
meanwhile (a page that needs no database, problem details in the API, Retry-After), and recovers by
itself, without a restart, once the database is back.

Between the server and PostgreSQL sits a TCP relay the test controls. Cutting it does to the server
what a database restart does: every open connection drops, and new ones are refused until it is
back. (The machine's PostgreSQL itself is not restarted: the rest of the suite runs on it.)
"""

import contextlib
import selectors
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from agencies.models import Agency, User
from agencies.staff_tokens import staff_token_issue
from tests.factories import DEMO_PASSWORD, UserFactory
from tests.integration.support import free_port
from tests.integration.test_celery_worker import database_url_for_worker
from tests.integration.test_production_stack import logged_in, process_group, static_collected
from tests.test_deploy_check import production_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


class Relay:
    """A TCP relay from a local port to PostgreSQL that can be cut (connections dropped, new ones
    refused) and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()
        self.stopping = False

    def up(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self.listener.settimeout(0.2)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def down(self) -> None:
        """As a database restart: stop listening, drop every connection."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for end in pair:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    @staticmethod
    def _pump(client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _events in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            for end in (client, server):
                with contextlib.suppress(OSError):
                    end.close()


@contextlib.contextmanager
def production_server(*, database_url: str, port: int, log: Path, static_root: Path):
    environment = {
        **production_environment(
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_SECURE_COOKIES="0",
            DJANGO_BEHIND_PROXY="0",
        ),
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",  # kept connections: the ones a restart breaks
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_STATIC_COMPRESS": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }
    static_collected(environment)
    command = [str(GUNICORN), "--config", "python:config.gunicorn", "config.wsgi:application"]
    with process_group(command, environment=environment, log=log, stop_seconds=20) as server:
        yield server


def get(url: str, **kwargs):
    for _attempt in range(100):
        try:
            return requests.get(url, timeout=15, allow_redirects=False, **kwargs)
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"{url}: the server never answered")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_while_the_database_is_away_requests_get_503_and_the_app_recovers_without_a_restart(tmp_path):
    # Given a manager with an API token, and the production server reaching PostgreSQL through the relay
    unhcr = Agency.objects.get(code="UNHCR")
    manager = UserFactory(username="manager.outage", agency=unhcr, role=User.Role.MANAGER)
    caseworker = UserFactory(username="caseworker.outage", agency=unhcr, role=User.Role.CASE_WORKER)
    # Hashed as production hashes (the test settings use a faster hasher the server does not know).
    caseworker.password = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, PBKDF2PasswordHasher().salt())
    caseworker.save(update_fields=["password"])
    _token, key = staff_token_issue(user=manager, name="outage")
    settings_dict = connection.settings_dict
    relay = Relay((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    relay.up()
    database_url = database_url_for_worker({**settings_dict, "HOST": "127.0.0.1", "PORT": str(relay.port)})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = {"Authorization": f"Token {key}"}
    log = tmp_path / "gunicorn.log"
    try:
        with production_server(database_url=database_url, port=port, log=log, static_root=tmp_path / "static"):
            assert get(f"{base}/api/v1/households/", headers=api).status_code == 200
            get(f"{base}/accounts/login/")  # the server is up
            browser = logged_in(base, "caseworker.outage")
            assert browser.get(f"{base}/households/", timeout=15).status_code == 200

            # When the database goes away
            relay.down()
            api_answer = get(f"{base}/api/v1/households/", headers=api)
            page_answer = browser.get(f"{base}/households/", timeout=15, allow_redirects=False)
            ready = get(f"{base}/readyz")

            # Then the API answers a 503 problem, the pages a 503 page, both saying when to come back
            assert (api_answer.status_code, api_answer.headers["Content-Type"]) == (503, "application/problem+json")
            assert api_answer.json()["code"] == "database_unavailable"
            assert api_answer.headers["Retry-After"] == "30"
            assert page_answer.status_code == 503, page_answer.text[:500]
            assert "Unavailable for a moment" in page_answer.text
            assert page_answer.headers["Retry-After"] == "30"
            assert ready.status_code == 503

            # and once it is back, the same server answers again.
            relay.up()
            assert get(f"{base}/api/v1/households/", headers=api).status_code == 200
            assert browser.get(f"{base}/households/", timeout=15).status_code == 200
            assert get(f"{base}/readyz").status_code == 200
    finally:
        relay.down()
    assert "Internal Server Error" not in log.read_text(), log.read_text()[-3000:]

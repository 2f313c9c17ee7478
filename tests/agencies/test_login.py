"""Logging in: lockout per username and per address (django-axes), passwords, hashing, session timeouts."""

import time

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from agencies.client_address import client_address
from agencies.models import User
from agencies.sessions import LOGIN_AT_KEY, SEEN_AT_KEY
from config import settings as production_settings
from tests.factories import DEMO_PASSWORD, UserFactory

LOGIN = "/accounts/login/"
LOCKED_TEXT = "Logging in is locked for 30 minutes"


@pytest.fixture(autouse=True)
def _no_failed_logins(db):
    """Every test starts with no failed log-in recorded (axes keeps them in the database)."""
    reset()
    yield
    reset()


@pytest.fixture
def manager(iom) -> User:
    return UserFactory(username="iom.manager", agency=iom, office=None, role=User.Role.MANAGER)


@pytest.fixture
def coordinator_user(unhcr) -> User:
    return UserFactory(username="coordinator", agency=unhcr, office=None, role=User.Role.COORDINATOR)


def log_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in_as(client) -> str | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id).username if user_id else None


def test_the_right_password_logs_in(client, manager):
    response = log_in(client, "iom.manager", DEMO_PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert logged_in_as(client) == "iom.manager"


def test_ten_wrong_passwords_lock_the_username_even_against_the_right_one(client, manager, coordinator_user):
    # Given nine wrong passwords: each is an ordinary failed log-in
    for _ in range(9):
        assert log_in(client, "iom.manager", "wrong-password-123").status_code == 200

    # When the tenth is typed
    tenth = log_in(client, "iom.manager", "wrong-password-123")

    # Then the page says, in words, that logging in is locked and for how long
    assert tenth.status_code == 429
    assert LOCKED_TEXT in tenth.content.decode()

    # And the right password is refused too, nobody being logged in
    right = log_in(client, "iom.manager", DEMO_PASSWORD)
    assert right.status_code == 429
    assert logged_in_as(client) is None

    # While another person at the same address logs in
    assert log_in(client, "coordinator", DEMO_PASSWORD).status_code == 302
    assert logged_in_as(client) == "coordinator"


def test_twelve_wrong_passwords_for_a_manager_leave_a_colleague_at_the_same_address_free(
    client, manager, coordinator_user
):
    for _ in range(12):
        log_in(client, "iom.manager", "wrong-password-123")

    assert log_in(client, "iom.manager", DEMO_PASSWORD).status_code == 429
    assert logged_in_as(client) is None
    assert log_in(client, "coordinator", DEMO_PASSWORD).status_code == 302
    assert logged_in_as(client) == "coordinator"


def test_an_address_is_locked_after_fifty_failures_across_usernames(client, manager, settings):
    # Given fifty failures from one address, five for each of ten names (none reaching the username's limit)
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 50
    for attempt in range(50):
        log_in(client, f"guess{attempt % 10}", "wrong-password-123", address="198.51.100.7")

    # Then every log-in from that address is refused, even a right one
    refused = log_in(client, "iom.manager", DEMO_PASSWORD, address="198.51.100.7")
    assert refused.status_code == 429
    assert logged_in_as(client) is None

    # And the same person from another address logs in
    assert log_in(client, "iom.manager", DEMO_PASSWORD, address="198.51.100.8").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, manager):
    for _ in range(10):
        log_in(client, "iom.manager", "wrong-password-123")
    assert log_in(client, "iom.manager", DEMO_PASSWORD).status_code == 429

    # When the failures are 31 minutes old
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=31))

    # Then the right password works again
    assert log_in(client, "iom.manager", DEMO_PASSWORD).status_code == 302
    assert logged_in_as(client) == "iom.manager"


def test_an_administrator_unlocks_a_username(client, manager):
    for _ in range(10):
        log_in(client, "iom.manager", "wrong-password-123")

    # When the failures of that username are reset (axes_reset_username, or deleted in the admin)
    assert reset(username="iom.manager") == 1

    assert log_in(client, "iom.manager", DEMO_PASSWORD).status_code == 302


def test_a_wrong_password_behind_the_proxy_counts_for_the_forwarded_client(client, manager, settings):
    settings.BEHIND_PROXY = True
    for _ in range(10):
        client.post(
            LOGIN,
            {"username": "iom.manager", "password": "wrong-password-123"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
        )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.parametrize(
    ("behind_proxy", "forwarded_for", "expected"),
    [
        (False, "203.0.113.9", "10.0.0.2"),  # exposed directly: the header is the client's own words
        (True, "203.0.113.9", "203.0.113.9"),
        (True, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the left part was written by the client
        (True, "", "10.0.0.2"),
    ],
)
def test_the_client_address(settings, behind_proxy, forwarded_for, expected):
    settings.BEHIND_PROXY = behind_proxy
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == expected


def test_passwords_have_at_least_twelve_characters(db):
    with pytest.raises(ValidationError) as raised:
        validate_password("kabul-2026x")  # 11 characters

    assert raised.value.messages == ["This password is too short. It must contain at least 12 characters."]
    assert validate_password("returns-demo-2026") is None  # the demo's password, 17 characters


def test_a_new_password_is_hashed_with_argon2_and_an_old_hash_is_upgraded(client, settings):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"

    new = UserFactory(username="new.officer")
    assert new.password.startswith("argon2$argon2id$")

    # Given a password stored with PBKDF2 (before Argon2)
    old = UserFactory(username="old.officer")
    old.password = make_password(DEMO_PASSWORD, hasher="pbkdf2_sha256")
    old.save(update_fields=["password"])

    # When the person logs in
    response = log_in(client, "old.officer", DEMO_PASSWORD)

    # Then the hash is Argon2
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.password.startswith("argon2$argon2id$")


# --- Session timeouts -------------------------------------------------------------------------


def _age_session(client, *, login_seconds_ago: int, seen_seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[LOGIN_AT_KEY] = now - login_seconds_ago
    session[SEEN_AT_KEY] = now - seen_seconds_ago
    session.save()


def test_a_session_lives_through_29_minutes_of_idleness(client, iom_officer):
    client.force_login(iom_officer)
    _age_session(client, login_seconds_ago=29 * 60, seen_seconds_ago=29 * 60)

    response = client.get("/households/")

    assert response.status_code == 200
    assert logged_in_as(client) == "iom.officer.t"
    assert client.session[SEEN_AT_KEY] >= int(time.time()) - 1  # the request renewed it


def test_thirty_minutes_without_a_request_log_out(client, iom_officer):
    client.force_login(iom_officer)
    _age_session(client, login_seconds_ago=31 * 60, seen_seconds_ago=30 * 60)

    response = client.get("/households/", follow=True)

    assert response.redirect_chain == [("/accounts/login/?next=/households/", 302)]
    assert logged_in_as(client) is None
    page = response.content.decode()
    assert "You were logged out after 30 minutes without activity. Log in again." in page
    assert "You are logged out." not in page


def test_twelve_hours_after_log_in_the_session_ends_however_active(client, iom_officer):
    client.force_login(iom_officer)
    _age_session(client, login_seconds_ago=12 * 3600, seen_seconds_ago=10)

    response = client.get("/households/", follow=True)

    assert response.redirect_chain == [("/accounts/login/?next=/households/", 302)]
    assert logged_in_as(client) is None
    assert "You were logged out: a session lasts at most 12 hours. Log in again." in response.content.decode()


def test_an_idle_session_no_longer_opens_the_api(client, iom_officer):
    client.force_login(iom_officer)
    assert client.get("/api/v1/households/").status_code == 200
    _age_session(client, login_seconds_ago=31 * 60, seen_seconds_ago=31 * 60)

    response = client.get("/api/v1/households/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
    assert logged_in_as(client) is None


def test_logging_out_says_so(client, iom_officer):
    client.force_login(iom_officer)

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "You are logged out." in response.content.decode()
    assert logged_in_as(client) is None


def test_the_settings_of_a_session(settings):
    assert (settings.SESSION_IDLE_TIMEOUT, settings.SESSION_ABSOLUTE_TIMEOUT, settings.SESSION_COOKIE_AGE) == (
        1800,
        43200,
        1800,
    )

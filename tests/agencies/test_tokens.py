"""Staff API tokens: stored as a hash, expiring, revoked by their owner or an administrator."""

import datetime
import hashlib
import importlib
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import StaffToken, User
from tests.factories import UserFactory, api_token_for

URL = "/api/v1/households/"


@pytest.fixture(autouse=True)
def _no_failures_counted():
    """Wrong tokens are counted per address in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(
        username="admin.t", agency=None, office=None, role=User.Role.ADMIN, is_superuser=True, is_staff=True
    )


def issue_token(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def api(key: str, address: str = "127.0.0.1"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(URL)


def test_issue_token_prints_the_token_on_its_last_line_and_stores_only_its_hash(unhcr_officer):
    out, err = issue_token("unhcr.officer.t", "--name", "nightly export")

    key = out.splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f]{48}", key)
    token = StaffToken.objects.get(user=unhcr_officer)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.name == "nightly export"
    # Nothing stored holds the token itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM agencies_stafftoken WHERE key_hash = %s OR name = %s", [key, key])
        assert cursor.fetchone() == (0,)
    assert "It is shown only now." in err
    assert api(key).status_code == 200


def test_a_token_expires_after_ninety_days_by_default(unhcr_officer):
    before = timezone.now()
    issue_token("unhcr.officer.t")

    token = StaffToken.objects.get(user=unhcr_officer)
    assert before + datetime.timedelta(days=90) <= token.expires_at <= timezone.now() + datetime.timedelta(days=90)


def test_an_expired_token_is_refused(unhcr_officer):
    out, _err = issue_token("unhcr.officer.t", "--days", "1")
    now = timezone.now()
    StaffToken.objects.update(created_at=now - datetime.timedelta(days=1, seconds=1), expires_at=now)

    response = api(out.splitlines()[-1])

    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired. Ask for a new one."


def test_rotating_revokes_the_other_tokens(unhcr_officer):
    old = issue_token("unhcr.officer.t")[0].strip()

    new = issue_token("unhcr.officer.t", "--rotate")[0].strip()

    assert new != old
    assert api(new).status_code == 200
    refused = api(old)
    assert (refused.status_code, refused.json()["detail"]) == (401, "This token was revoked. Ask for a new one.")


def test_an_unknown_or_inactive_user_gets_no_token(unhcr_officer):
    with pytest.raises(CommandError) as unknown:
        issue_token("nobody")
    unhcr_officer.is_active = False
    unhcr_officer.save(update_fields=["is_active"])
    with pytest.raises(CommandError) as inactive:
        issue_token("unhcr.officer.t")

    assert str(unknown.value) == "No user named “nobody”."
    assert str(inactive.value) == "This account is inactive: a token would not work."
    assert not StaffToken.objects.exists()


def test_the_owner_sees_and_revokes_their_tokens(client, unhcr_officer):
    key = api_token_for(unhcr_officer)
    token = StaffToken.objects.get(user=unhcr_officer)
    client.force_login(unhcr_officer)

    page = client.get("/accounts/").content.decode()
    assert "My API tokens" in page
    assert token.expires_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d") in page

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response["Location"] == "/accounts/"
    token.refresh_from_db()
    assert (token.revoked_at is not None, token.revoked_by) == (True, unhcr_officer)
    assert api(key).status_code == 401


def test_nobody_revokes_another_persons_token_from_their_page(client, unhcr_officer, iom_officer):
    key = api_token_for(iom_officer)
    token = StaffToken.objects.get(user=iom_officer)
    client.force_login(unhcr_officer)

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api(key).status_code == 200


def test_an_administrator_revokes_tokens_in_the_admin(client, admin_user, unhcr_officer):
    key = api_token_for(unhcr_officer)
    token = StaffToken.objects.get(user=unhcr_officer)
    client.force_login(admin_user)

    listing = client.get("/admin/agencies/stafftoken/")
    response = client.post(
        "/admin/agencies/stafftoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )

    assert listing.status_code == 200
    assert "1 token revoked." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert api(key).status_code == 401


def test_a_manager_cannot_open_the_tokens_admin(client, unhcr_manager):
    unhcr_manager.is_staff = True
    unhcr_manager.save(update_fields=["is_staff"])
    api_token_for(unhcr_manager)
    token = StaffToken.objects.get(user=unhcr_manager)
    client.force_login(unhcr_manager)

    assert client.get("/admin/agencies/stafftoken/").status_code == 403
    client.post("/admin/agencies/stafftoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None


def test_guessing_tokens_from_one_address_is_stopped(unhcr_officer, settings):
    settings.API_AUTH_FAILURES_PER_ADDRESS = 3
    key = api_token_for(unhcr_officer)

    wrong = [api("0" * 48, address="198.51.100.7").status_code for _ in range(3)]
    blocked = api(key, address="198.51.100.7")

    assert wrong == [401, 401, 401]
    assert blocked.status_code == 429
    assert api(key, address="198.51.100.8").status_code == 200


def test_the_migration_hashes_the_plain_tokens_it_finds(unhcr_officer):
    # Given a database that still has DRF's plain-text token table
    migration = importlib.import_module("agencies.migrations.0009_staff_tokens_hashed")
    sql = next(operation.sql for operation in migration.Migration.operations if hasattr(operation, "sql"))
    plain = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id bigint)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [plain, unhcr_officer.pk])

        # When the migration's SQL runs
        cursor.execute(sql)

        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone() == (None,)
    # Then the old token still works, from its hash, for 90 days
    token = StaffToken.objects.get(user=unhcr_officer)
    assert token.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert api(plain).status_code == 200

"""An API key's life: issued once, stored hashed, authenticating as its technical user until it
is revoked or expires. Every refusal is a 401 problem with code ``authentication_failed``."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.api_keys import api_key_revoke
from agencies.models import ApiKey, User
from agencies.problems import Refused
from tests.partner_infra.keys import issue, key_client
from tests.partner_infra.urls import PROBE_URL
from tests.problems import problem_of

# The probe asks for households:read, a scope of personal records: NRC's keys need its agreement in force.
pytestmark = [pytest.mark.urls("tests.partner_infra.urls"), pytest.mark.usefixtures("nrc_agreement")]


def rows_containing(text: str) -> list[str]:
    """Every table with a row whose text (all its columns) contains ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT 1 FROM {quoted} AS r WHERE r::text LIKE %s LIMIT 1", [f"%{text}%"])  # noqa: S608
            if cursor.fetchone():
                found.append(table)
    return found


# ---------------------------------------------------------------------------------------------
# Issuing
# ---------------------------------------------------------------------------------------------


def test_issuing_creates_a_technical_user_and_returns_the_key_once(nrc, admin_user):
    key, full_key = issue(partner=nrc, scopes=["cases:read", "households:read"], issued_by=admin_user)

    prefix = full_key.split("_")[1]
    assert full_key.startswith(f"rk_{prefix}_") and len(full_key) > 40
    assert (key.prefix, key.partner, key.name, key.created_by) == (prefix, nrc, "Test sync", admin_user)
    assert key.scopes == ["households:read", "cases:read"]  # in the order Scope declares them
    user = User.objects.get(pk=key.user_id)
    assert (user.username, user.role, user.agency, user.office) == (f"key-{prefix}", User.Role.PARTNER, nrc, None)
    assert (user.is_staff, user.is_superuser, user.is_active, user.has_usable_password()) == (
        False,
        False,
        True,
        False,
    )


def test_only_the_hash_is_stored_and_the_key_is_in_no_column(nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read"])

    # When it is used once (last_used_at written)
    assert key_client(full_key).get(PROBE_URL).status_code == 200

    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash != full_key
    assert stored.key_hash == hashlib.sha256(full_key.encode()).hexdigest()
    secret = full_key.split("_", 2)[2]
    assert rows_containing(full_key) == []
    assert rows_containing(secret) == []


def test_two_keys_never_share_a_prefix_or_a_key(nrc):
    first = issue(partner=nrc, scopes=["households:read"])
    second = issue(partner=nrc, scopes=["households:read"])

    assert first[0].prefix != second[0].prefix
    assert first[1] != second[1]


def test_only_an_administrator_issues_keys(nrc, unhcr_manager):
    with pytest.raises(PermissionDenied) as refused:
        issue(partner=nrc, scopes=["households:read"], issued_by=unhcr_manager)

    assert str(refused.value) == "Only an administrator issues or revokes API keys."
    assert not ApiKey.objects.exists()
    assert not User.objects.filter(role=User.Role.PARTNER).exists()


@pytest.mark.parametrize(
    ("changes", "path", "code"),
    [
        ({"name": "  "}, "name", "required"),
        ({"scopes": []}, "scopes", "required"),
        ({"scopes": ["households:read", "everything:write"]}, "scopes", "invalid_choice"),
        ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "expires_at", "in_past"),
        ({"requests_per_minute": 0}, "requests_per_minute", "min_value"),
    ],
)
def test_an_invalid_key_request_is_refused_and_nothing_is_created(nrc, admin_user, changes, path, code):
    arguments = {"partner": nrc, "scopes": ["households:read"], "issued_by": admin_user, **changes}

    with pytest.raises(Refused) as refused:
        issue(**arguments)

    assert [(found, [problem.code for problem in problems]) for found, problems in refused.value.problems.items()] == [
        (path, [code])
    ]
    assert not ApiKey.objects.exists()
    assert not User.objects.filter(role=User.Role.PARTNER).exists()


# ---------------------------------------------------------------------------------------------
# Authenticating
# ---------------------------------------------------------------------------------------------


def test_a_valid_key_authenticates_as_its_technical_user(nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read"])

    response = key_client(full_key).get(PROBE_URL)

    assert response.status_code == 200
    assert response.json() == {"username": f"key-{key.prefix}", "key": key.prefix}


def test_the_key_may_come_in_an_x_api_key_header(nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read"])

    response = APIClient().get(PROBE_URL, HTTP_X_API_KEY=full_key)

    assert response.status_code == 200
    assert response.json()["username"] == f"key-{key.prefix}"


def _wrong_secret(full_key: str) -> str:
    prefix, secret = full_key.split("_", 2)[1:]
    return f"rk_{prefix}_{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"


def _unknown_prefix(full_key: str) -> str:
    prefix, secret = full_key.split("_", 2)[1:]
    return f"rk_{'0' if prefix[0] != '0' else '1'}{prefix[1:]}_{secret}"


INVALID = "Invalid API key."


@pytest.mark.parametrize(
    ("presented", "message"),
    [
        pytest.param(_wrong_secret, INVALID, id="wrong secret"),
        pytest.param(_unknown_prefix, INVALID, id="unknown prefix"),
        pytest.param(lambda full_key: full_key[:11], INVALID, id="truncated"),
        pytest.param(lambda full_key: "not-a-key", INVALID, id="malformed"),
        pytest.param(lambda full_key: full_key.replace("rk_", "pk_", 1), INVALID, id="other kind"),
        pytest.param(lambda full_key: f"rk_short_{full_key[12:]}", INVALID, id="short prefix"),
    ],
)
def test_a_key_that_is_not_ours_is_refused(nrc, presented, message):
    _key, full_key = issue(partner=nrc, scopes=["households:read"])

    response = key_client(presented(full_key)).get(PROBE_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert problem_of(response) == {"code": "authentication_failed", "detail": message}


def test_a_revoked_key_is_refused(nrc, admin_user):
    key, full_key = issue(partner=nrc, scopes=["households:read"], issued_by=admin_user)
    assert key_client(full_key).get(PROBE_URL).status_code == 200

    revoked = api_key_revoke(key=key, revoked_by=admin_user)

    response = key_client(full_key).get(PROBE_URL)
    assert response.status_code == 401
    assert problem_of(response) == {"code": "authentication_failed", "detail": "This API key was revoked."}
    assert revoked.revoked_at is not None
    assert User.objects.get(pk=key.user_id).is_active is False


def test_revoking_twice_keeps_the_first_time(nrc, admin_user):
    key, _full_key = issue(partner=nrc, scopes=["households:read"], issued_by=admin_user)
    first = api_key_revoke(key=key, revoked_by=admin_user).revoked_at

    again = api_key_revoke(key=key, revoked_by=admin_user)

    assert again.revoked_at == first


def test_only_an_administrator_revokes_keys(nrc, admin_user, unhcr_manager):
    key, full_key = issue(partner=nrc, scopes=["households:read"], issued_by=admin_user)

    with pytest.raises(PermissionDenied):
        api_key_revoke(key=key, revoked_by=unhcr_manager)

    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert key_client(full_key).get(PROBE_URL).status_code == 200


def test_an_expired_key_is_refused(nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read"], expires_at=timezone.now() + datetime.timedelta(1))
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = key_client(full_key).get(PROBE_URL)

    assert response.status_code == 401
    assert problem_of(response) == {"code": "authentication_failed", "detail": "This API key has expired."}


def test_a_key_whose_technical_user_is_disabled_is_refused(nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read"])
    User.objects.filter(pk=key.user_id).update(is_active=False)

    response = key_client(full_key).get(PROBE_URL)

    assert response.status_code == 401
    assert problem_of(response) == {"code": "authentication_failed", "detail": "This API key's account is disabled."}


def test_a_key_does_not_open_the_pages_or_the_admin(nrc):
    _key, full_key = issue(partner=nrc, scopes=["households:read"])

    assert key_client(full_key).get("/admin/").status_code == 302  # to the login page
    assert key_client(full_key).get("/").status_code == 302


def test_a_staff_token_still_works_beside_keys(client_for, unhcr_officer):
    response = client_for(unhcr_officer).get(PROBE_URL)

    assert response.json() == {"username": "unhcr.officer.t", "key": None}


# ---------------------------------------------------------------------------------------------
# Last used
# ---------------------------------------------------------------------------------------------


def _key_updates(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith('UPDATE "agencies_apikey"')]


def test_last_used_is_written_at_most_once_a_minute(nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read"])
    client = key_client(full_key)
    assert ApiKey.objects.get(pk=key.pk).last_used_at is None

    # The first request writes it
    with CaptureQueriesContext(connection) as first:
        client.get(PROBE_URL)
    used_at = ApiKey.objects.get(pk=key.pk).last_used_at
    assert len(_key_updates(first)) == 1
    assert timezone.now() - used_at < datetime.timedelta(seconds=5)

    # Requests within the minute do not write
    with CaptureQueriesContext(connection) as within:
        client.get(PROBE_URL)
        client.get(PROBE_URL)
    assert _key_updates(within) == []
    assert ApiKey.objects.get(pk=key.pk).last_used_at == used_at

    # A minute later, the next request writes it again
    a_minute_ago = timezone.now() - datetime.timedelta(seconds=61)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=a_minute_ago)
    with CaptureQueriesContext(connection) as later:
        client.get(PROBE_URL)
    assert len(_key_updates(later)) == 1
    assert ApiKey.objects.get(pk=key.pk).last_used_at > a_minute_ago + datetime.timedelta(seconds=60)


def test_a_refused_key_is_not_marked_used(nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read"])

    key_client(_wrong_secret(full_key)).get(PROBE_URL)

    assert ApiKey.objects.get(pk=key.pk).last_used_at is None


def test_a_key_without_the_scope_is_refused_with_403(nrc):
    _key, full_key = issue(partner=nrc, scopes=["cases:read"])

    response = key_client(full_key).get(PROBE_URL)

    assert response.status_code == 403
    assert problem_of(response) == {
        "code": "insufficient_scope",
        "detail": "This API key needs the scope “households:read”.",
    }

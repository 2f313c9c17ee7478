import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

URL = "/api/v1/households/"


def _issue_token(*args) -> str:
    out = io.StringIO()
    call_command("issue_token", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_printed_key_authenticates(unhcr_officer):
    # When a token is issued for the officer
    key = _issue_token("unhcr.officer.t")

    # Then it opens the API, and asking again prints the same key
    assert len(key) == 40
    assert _client(key).get(URL).status_code == 200
    assert _issue_token("unhcr.officer.t") == key


def test_rotating_replaces_the_key(unhcr_officer):
    # Given an issued token
    old_key = _issue_token("unhcr.officer.t")

    # When it is rotated
    new_key = _issue_token("unhcr.officer.t", "--rotate")

    # Then only the new key works
    assert new_key != old_key
    assert _client(new_key).get(URL).status_code == 200
    assert _client(old_key).get(URL).status_code == 401


def test_an_unknown_user_is_an_error(db):
    with pytest.raises(CommandError) as raised:
        _issue_token("nobody")

    assert str(raised.value) == "No user named “nobody”."


def test_an_inactive_user_gets_no_token(unhcr_officer):
    # Given a deactivated officer
    unhcr_officer.is_active = False
    unhcr_officer.save(update_fields=["is_active"])

    # Then
    with pytest.raises(CommandError, match="inactive"):
        _issue_token("unhcr.officer.t")

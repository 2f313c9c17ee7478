"""An administrator issues a key in the admin (shown once, in a message) or with
``manage.py issue_api_key`` (printed once), and revokes it with the admin's "Revoke" action."""

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.utils import timezone

from agencies.models import ApiKey, DataSharingAgreement, User
from tests.factories import UserFactory
from tests.partner_infra.keys import issue, key_client
from tests.partner_infra.test_api_keys import rows_containing
from tests.partner_infra.urls import PROBE_URL

pytestmark = pytest.mark.urls("tests.partner_infra.urls")

ADD_URL = "/admin/agencies/apikey/add/"
LIST_URL = "/admin/agencies/apikey/"
FULL_KEY = re.compile(r"rk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _issue_in_admin(admin_client, partner, **changes):
    form = {
        "partner": partner.pk,
        "name": "NRC case sync",
        "scopes": ["households:read", "cases:read"],
        "expires_at_0": "",
        "expires_at_1": "",
        "requests_per_minute": "120",
        **changes,
    }
    return admin_client.post(ADD_URL, form)


@pytest.mark.usefixtures("nrc_agreement")  # the probe reads records: under an agreement
def test_the_admin_issues_a_key_and_shows_it_once(admin_client, nrc, admin_user):
    # When the administrator fills in the add form
    response = _issue_in_admin(admin_client, nrc)

    # Then the key is created through the service and shown in one message, on the next page only
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    key = ApiKey.objects.get()
    assert (key.partner, key.name, key.scopes, key.requests_per_minute, key.created_by) == (
        nrc,
        "NRC case sync",
        ["households:read", "cases:read"],
        120,
        admin_user,
    )
    assert key.expires_at is None
    assert key.user.username == f"key-{key.prefix}"
    shown = admin_client.get(LIST_URL)
    messages = [str(message) for message in get_messages(shown.wsgi_request)]
    full_key = FULL_KEY.search(shown.content.decode()).group()
    assert messages == [f"The new API key is {full_key} — copy it now: it will not be shown again."]
    assert full_key.startswith(f"rk_{key.prefix}_")

    # The key works
    assert key_client(full_key).get(PROBE_URL).json()["username"] == f"key-{key.prefix}"

    # And is never shown or stored again
    for url in (LIST_URL, f"{LIST_URL}{key.pk}/change/", f"{LIST_URL}{key.pk}/history/"):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert full_key not in page.content.decode()
        assert key.prefix in page.content.decode()
    assert rows_containing(full_key) == []
    assert rows_containing(full_key.split("_", 2)[2]) == []


def test_the_admin_issues_a_key_with_an_expiry(admin_client, nrc):
    expiry = timezone.localtime() + datetime.timedelta(days=30)

    _issue_in_admin(
        admin_client, nrc, expires_at_0=expiry.strftime("%Y-%m-%d"), expires_at_1=expiry.strftime("%H:%M:%S")
    )

    assert ApiKey.objects.get().expires_at == expiry.replace(microsecond=0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["everything:write"]}, "scopes"),
        ({"name": ""}, "name"),
        ({"requests_per_minute": "0"}, "requests_per_minute"),
        ({"expires_at_0": "2020-01-01", "expires_at_1": "00:00:00"}, "expires_at"),
    ],
)
def test_an_invalid_add_form_creates_nothing(admin_client, nrc, changes, field):
    response = _issue_in_admin(admin_client, nrc, **changes)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()
    assert not User.objects.filter(role=User.Role.PARTNER).exists()
    assert not FULL_KEY.search(response.content.decode())


def test_the_change_page_is_read_only(admin_client, nrc):
    key, _full_key = issue(partner=nrc, scopes=["households:read"])

    page = admin_client.get(f"{LIST_URL}{key.pk}/change/")
    posted = admin_client.post(f"{LIST_URL}{key.pk}/change/", {"name": "renamed", "scopes": ["reports:read"]})

    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()
    assert posted.status_code == 403
    assert ApiKey.objects.get(pk=key.pk).name == "Test sync"
    assert admin_client.post(f"{LIST_URL}{key.pk}/delete/").status_code == 403


def test_the_list_shows_prefix_partner_scopes_expiry_revocation_and_last_use(admin_client, nrc):
    key, full_key = issue(partner=nrc, scopes=["households:read", "reports:read"])

    content = admin_client.get(LIST_URL).content.decode()

    for column in ("prefix", "partner", "scopes", "expires", "revoked", "last used"):
        assert f">{column.capitalize()}<" in content or column in content.lower()
    assert f"rk_{key.prefix}_…" in content
    assert "households:read, reports:read" in content
    assert full_key not in content


@pytest.mark.usefixtures("nrc_agreement")  # the probe reads records: under an agreement
def test_the_revoke_action_revokes_through_the_service(admin_client, nrc):
    kept, kept_key = issue(partner=nrc, scopes=["households:read"])
    revoked, revoked_key = issue(partner=nrc, scopes=["households:read"])

    response = admin_client.post(LIST_URL, {"action": "revoke", "_selected_action": [revoked.pk]}, follow=True)

    assert [str(message) for message in response.context["messages"]] == ["1 API key revoked."]
    assert ApiKey.objects.get(pk=revoked.pk).revoked_at is not None
    assert ApiKey.objects.get(pk=kept.pk).revoked_at is None
    assert key_client(revoked_key).get(PROBE_URL).status_code == 401
    assert key_client(kept_key).get(PROBE_URL).status_code == 200


def test_staff_who_are_not_administrators_cannot_reach_keys(client, nrc):
    manager = UserFactory(username="staff.manager", role=User.Role.MANAGER, is_staff=True)
    client.force_login(manager)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(ADD_URL).status_code == 403


def test_a_data_sharing_agreement_is_edited_with_checkboxes_grouped_by_resource(admin_client, nrc, unhcr, iom):
    page = admin_client.get("/admin/agencies/datasharingagreement/add/").content.decode()
    assert 'type="checkbox" name="fields" value="household.phone"' in page
    assert 'type="checkbox" name="fields" value="member.given_name"' in page
    assert 'type="checkbox" name="source_agencies"' in page
    for group in ("Household", "Member", "Case"):
        assert f"<label>{group}</label>" in page or f">{group}<" in page

    response = admin_client.post(
        "/admin/agencies/datasharingagreement/add/",
        {
            "partner": nrc.pk,
            "title": "NRC 2026",
            "reference": "DSA-17",
            "source_agencies": [unhcr.pk],
            "fields": ["household.arrival_date", "member.sex"],
            "valid_from": "2026-01-01",
            "valid_until": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    agreement = DataSharingAgreement.objects.get()
    assert agreement.fields == ["household.arrival_date", "member.sex"]
    assert list(agreement.source_agencies.all()) == [unhcr]


def test_an_agreement_cannot_end_before_it_starts(admin_client, nrc, unhcr):
    response = admin_client.post(
        "/admin/agencies/datasharingagreement/add/",
        {
            "partner": nrc.pk,
            "title": "NRC 2026",
            "source_agencies": [unhcr.pk],
            "valid_from": "2026-05-01",
            "valid_until": "2026-04-30",
            "is_active": "on",
        },
    )

    assert response.context["adminform"].form.errors["valid_until"] == ["An agreement cannot end before it starts."]
    assert not DataSharingAgreement.objects.exists()


# ---------------------------------------------------------------------------------------------
# manage.py issue_api_key
# ---------------------------------------------------------------------------------------------


def _command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


@pytest.mark.usefixtures("nrc_agreement")  # the probe reads records: under an agreement
def test_the_command_prints_a_working_key_once(nrc, admin_user):
    printed, said = _command(
        "NRC", "--name", "NRC sync", "--scope", "households:read", "--scope", "cases:read", "--expires-in-days", "30"
    )

    key = ApiKey.objects.get()
    assert FULL_KEY.fullmatch(printed)
    assert said == (
        f"API key {key.prefix}… for NRC (households:read, cases:read). Copy it now: it will not be shown again."
    )
    assert (key.partner, key.name, key.scopes, key.created_by) == (
        nrc,
        "NRC sync",
        ["households:read", "cases:read"],
        admin_user,
    )
    assert abs(key.expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)
    assert key_client(printed).get(PROBE_URL).json()["username"] == f"key-{key.prefix}"
    assert rows_containing(printed) == []


def test_the_command_refuses_an_unknown_partner(admin_user):
    with pytest.raises(CommandError) as refused:
        _command("ACME", "--name", "sync", "--scope", "households:read")

    assert str(refused.value) == "No agency with the code “ACME”."
    assert not ApiKey.objects.exists()


def test_the_command_needs_an_administrator_to_record(nrc):
    with pytest.raises(CommandError) as refused:
        _command("NRC", "--name", "sync", "--scope", "households:read")

    assert str(refused.value) == "There is no active administrator to record as issuing the key: create one first."


def test_the_command_records_the_named_administrator(nrc, admin_user):
    other = UserFactory(username="admin.two", agency=None, office=None, role=User.Role.ADMIN)

    _command("NRC", "--name", "sync", "--scope", "reports:read", "--issued-by", "admin.two")

    assert ApiKey.objects.get().created_by == other


def test_the_command_refuses_a_blank_name(nrc, admin_user):
    with pytest.raises(CommandError) as refused:
        _command("NRC", "--name", " ", "--scope", "households:read")

    assert str(refused.value) == "name: Say what uses the key, e.g. “NRC case sync”."
    assert not ApiKey.objects.exists()

"""Two-factor authentication: required for managers and administrators, enrolment, verification,
recovery codes used once. The suite runs with ``OTP_REQUIRED_ROLES`` empty; these tests turn it on."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import User
from agencies.two_factor import recovery_code_digest, recovery_codes_replace
from tests.factories import DEMO_PASSWORD, UserFactory, api_token_for
from tests.problems import problem_of

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
CODES = "/accounts/two-factor/recovery-codes/"


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.OTP_REQUIRED_ROLES = ["manager", "admin"]
    # django-otp slows a device down after a wrong code (1 s, then 2, 4...): off here, so that a
    # test may follow a wrong code with a right one; test_wrong_codes_slow_the_device_down keeps it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(
        username="admin.t", agency=None, office=None, role=User.Role.ADMIN, is_superuser=True, is_staff=True
    )


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_a_manager_or_administrator_without_an_authenticator_is_sent_to_enrol(client, unhcr_manager, admin_user, role):
    client.force_login(unhcr_manager if role == "manager" else admin_user)

    response = client.get("/households/")

    assert (response.status_code, response["Location"]) == (302, f"{SETUP}?next=%2Fhouseholds%2F")


@pytest.mark.parametrize("role", ["field_officer", "case_worker", "coordinator"])
def test_other_roles_are_not_asked_for_a_second_factor(client, unhcr, torkham, role):
    user = UserFactory(username=f"x.{role}", agency=unhcr, office=torkham, role=role)
    client.force_login(user)

    assert client.get("/").status_code in (200, 302)
    assert not client.get("/").get("Location", "").startswith("/accounts/two-factor/")


def test_enrolment_with_a_qr_code_a_confirmation_and_recovery_codes_shown_once(client, unhcr_manager):
    client.force_login(unhcr_manager)

    # When the manager opens the enrolment page
    page = client.get(f"{SETUP}?next=/households/")

    # Then a QR code is drawn inline (no script, no outside address) with the secret in text
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=unhcr_manager)
    assert device.confirmed is False
    assert re.search(r"<code class=\"secret\" dir=\"ltr\">([A-Z2-7]{4} ?){8}</code>", html)

    # When a wrong code is typed, nothing is confirmed
    wrong = client.post(SETUP, {"code": "000000" if current_code(device) != "000000" else "111111", "next": "/"})
    assert wrong.status_code == 200
    assert "That code is not right." in wrong.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False

    # When the code the app shows is typed
    confirmed = client.post(SETUP, {"code": current_code(device), "next": "/households/"})

    # Then the device is confirmed, ten recovery codes are made and shown once
    assert (confirmed.status_code, confirmed["Location"]) == (302, f"{CODES}?next=/households/")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    stored = set(StaticToken.objects.filter(device__user=unhcr_manager).values_list("token", flat=True))
    assert len(stored) == 10
    shown = re.findall(
        r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>",
        client.get(confirmed["Location"]).content.decode(),
    )
    # Only digests are stored, never the codes themselves
    assert len(shown) == 10
    assert {recovery_code_digest(code) for code in shown} == stored
    assert not stored & set(shown)
    assert client.get(CODES)["Location"] == "/accounts/"

    # And the session is verified: pages open
    assert client.get("/households/").status_code == 200


def test_a_manager_with_an_authenticator_gives_its_code_after_the_password(client, unhcr_manager):
    device = confirmed_device(unhcr_manager)
    client.post("/accounts/login/", {"username": "unhcr.manager.t", "password": DEMO_PASSWORD})

    # Then every page waits for the code
    assert client.get("/households/")["Location"] == f"{VERIFY}?next=%2Fhouseholds%2F"

    # A wrong code is refused
    wrong = client.post(VERIFY, {"code": "12345", "next": "/households/"})
    assert wrong.status_code == 200
    assert "That code is not right, or was already used." in wrong.content.decode()
    assert client.get("/households/").status_code == 302

    # The right one opens the pages
    right = client.post(VERIFY, {"code": current_code(device), "next": "/households/"})
    assert (right.status_code, right["Location"]) == (302, "/households/")
    assert client.get("/households/").status_code == 200


def test_a_recovery_code_works_once(client, unhcr_manager):
    confirmed_device(unhcr_manager)
    first, second = recovery_codes_replace(user=unhcr_manager)[:2]

    client.force_login(unhcr_manager)
    assert client.post(VERIFY, {"code": first, "next": "/"})["Location"] == "/"
    client.post("/accounts/logout/")

    # The same code a second time is refused; another one works
    client.force_login(unhcr_manager)
    assert client.post(VERIFY, {"code": first, "next": "/"}).status_code == 200
    assert client.get("/households/").status_code == 302
    # (typed in capitals, without the dashes)
    assert client.post(VERIFY, {"code": second.upper().replace("-", ""), "next": "/"})["Location"] == "/"
    assert StaticToken.objects.filter(device__user=unhcr_manager).count() == 8


def test_a_password_alone_cannot_enrol_another_phone(client, unhcr_manager):
    device = confirmed_device(unhcr_manager)
    client.force_login(unhcr_manager)

    response = client.get(SETUP)

    assert response["Location"] == f"{VERIFY}?next={SETUP}"
    assert list(TOTPDevice.objects.filter(user=unhcr_manager)) == [device]


def test_new_recovery_codes_need_a_verified_session(client, unhcr_manager):
    confirmed_device(unhcr_manager)
    old = {recovery_code_digest(code) for code in recovery_codes_replace(user=unhcr_manager)}
    client.force_login(unhcr_manager)

    refused = client.post(CODES)

    assert refused.status_code == 403
    assert set(StaticToken.objects.filter(device__user=unhcr_manager).values_list("token", flat=True)) == old


def test_a_verified_person_replaces_their_recovery_codes(client, unhcr_manager):
    device = confirmed_device(unhcr_manager)
    old = {recovery_code_digest(code) for code in recovery_codes_replace(user=unhcr_manager)}
    client.force_login(unhcr_manager)
    client.post(VERIFY, {"code": current_code(device), "next": "/"})

    shown = client.post(CODES, follow=True).content.decode()

    new = set(StaticToken.objects.filter(device__user=unhcr_manager).values_list("token", flat=True))
    assert len(new) == 10
    assert not new & old
    assert {recovery_code_digest(code) for code in re.findall(r"<li><code>([a-z2-7-]{19})</code></li>", shown)} == new


def test_an_unverified_session_is_refused_by_the_api_but_a_token_works(client, unhcr_manager):
    client.force_login(unhcr_manager)

    refused = client.get("/api/v1/households/")

    assert refused.status_code == 403
    assert problem_of(refused)["code"] == "two_factor_required"
    tokened = client.get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token {api_token_for(unhcr_manager)}")
    client.logout()
    assert (
        client.get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token {api_token_for(unhcr_manager)}").status_code == 200
    )
    assert tokened.status_code == 403  # a half-logged-in session is refused whatever else it carries


def test_an_officer_who_enrolled_of_their_own_accord_is_asked_too(client, unhcr_officer):
    device = confirmed_device(unhcr_officer)
    client.post("/accounts/login/", {"username": "unhcr.officer.t", "password": DEMO_PASSWORD})

    assert client.get("/households/")["Location"] == f"{VERIFY}?next=%2Fhouseholds%2F"
    client.post(VERIFY, {"code": current_code(device), "next": "/"})
    assert client.get("/households/").status_code == 200


def test_the_account_page_says_whether_two_factor_is_on(client, unhcr_officer):
    client.force_login(unhcr_officer)

    off = client.get("/accounts/").content.decode()
    confirmed_device(unhcr_officer)
    recovery_codes_replace(user=unhcr_officer)
    on = client.get("/accounts/").content.decode()

    assert "Off. Turn it on" in off
    assert "On: after your password" in on
    assert "10 unused recovery codes left." in on


def test_wrong_codes_slow_the_device_down(client, unhcr_manager, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = confirmed_device(unhcr_manager)
    client.force_login(unhcr_manager)

    client.post(VERIFY, {"code": "000000" if current_code(device) != "000000" else "111111", "next": "/"})
    right_too_soon = client.post(VERIFY, {"code": current_code(device), "next": "/"})

    assert right_too_soon.status_code == 200
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1
    assert client.get("/households/").status_code == 302


def test_the_admin_never_shows_an_authenticators_secret(client, admin_user, unhcr_manager, settings):
    settings.OTP_REQUIRED_ROLES = []
    device = confirmed_device(unhcr_manager)
    codes = recovery_codes_replace(user=unhcr_manager)
    client.force_login(admin_user)

    totp_page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    static_device = unhcr_manager.staticdevice_set.get()
    static_page = client.get(f"/admin/otp_static/staticdevice/{static_device.pk}/change/")

    assert (totp_page.status_code, static_page.status_code) == (200, 200)
    assert device.key not in totp_page.content.decode()
    assert not [code for code in codes if code in static_page.content.decode()]


def test_a_request_before_the_code_changes_nothing(client, unhcr_manager):
    confirmed_device(unhcr_manager)
    api_token_for(unhcr_manager)
    token = unhcr_manager.staff_tokens.get()
    client.force_login(unhcr_manager)

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response["Location"] == f"{VERIFY}?next=%2Faccounts%2Ftokens%2F{token.pk}%2Frevoke%2F"
    token.refresh_from_db()
    assert token.revoked_at is None

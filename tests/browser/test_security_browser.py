"""A manager's second factor and the access log, in a real browser."""

import base64
import csv

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from playwright.sync_api import expect

from agencies.models import AccessLogEntry
from returns.services.households import household_register
from tests.browser.test_register_browser import log_in
from tests.factories import DEMO_PASSWORD, UserFactory, household, member, por_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _code_for(secret_shown: str) -> str:
    """What an authenticator app shows now for the key the setup page printed (base32, in groups)."""
    secret = secret_shown.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def _password_step(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")


@override_settings(OTP_REQUIRED_ROLES=["manager", "admin"])
def test_a_manager_enrols_a_phone_then_logs_in_with_a_recovery_code(page, live_server, unhcr):
    # Given a UNHCR manager without a second factor yet
    UserFactory(username="unhcr.manager.2fa", agency=unhcr, office=None, role="manager")

    # When they log in with their password, they are sent to set up an authenticator
    _password_step(page, live_server, "unhcr.manager.2fa")
    page.wait_for_url("**/accounts/two-factor/setup/**")
    expect(page.locator(".qr-code svg")).to_be_visible()

    # And a wrong code is refused
    page.fill("input[name=code]", "000000" if _code_for(page.inner_text("code.secret")) != "000000" else "111111")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Confirm')")
    expect(page.locator(".field__error")).to_be_visible()
    # (django-otp throttles a device for a second after a wrong code)
    page.wait_for_timeout(1500)

    # When they type the code their app shows for the key on the page
    page.fill("input[name=code]", _code_for(page.inner_text("code.secret")))
    page.click("button[type=submit]:has-text('Confirm')")

    # Then they see ten recovery codes, once, and continue to the households list
    page.wait_for_url("**/accounts/two-factor/recovery-codes/**")
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.click("text=I have kept them: continue")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Access log")).to_be_visible()

    # When they log out and in again, the password alone is not enough
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/")  # once the device's offline copies are emptied (app.js)
    _password_step(page, live_server, "unhcr.manager.2fa")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.goto(f"{live_server.url}/households/")
    page.wait_for_url("**/accounts/two-factor/verify/**")

    # And a recovery code lets them in, to the page they were going to
    page.fill("input[name=code]", codes[0])
    page.click("button[type=submit]:has-text('Confirm')")
    page.wait_for_url(f"{live_server.url}/households/")
    expect(page.get_by_role("heading", name="Households")).to_be_visible()
    # and the code is used up: nine are left
    assert StaticToken.objects.filter(device__user__username="unhcr.manager.2fa").count() == 9
    assert page.console_errors == []


def test_a_manager_finds_who_opened_a_household_in_the_access_log(page, live_server, unhcr, unhcr_officer):
    # Given a UNHCR household, opened by a field officer of UNHCR
    registered = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )
    UserFactory(username="unhcr.manager.log", agency=unhcr, office=None, role="manager")
    log_in(page, live_server, unhcr_officer.username)
    page.goto(f"{live_server.url}/households/{registered.public_id}/")
    expect(page.get_by_text(registered.registration_number).first).to_be_visible()
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/")  # once the device's offline copies are emptied (app.js)

    # When the manager opens the access log and searches by the household's id
    log_in(page, live_server, "unhcr.manager.log")
    page.click("text=Access log")
    page.wait_for_url(f"{live_server.url}/accounts/access-log/")
    page.fill("input[name=record]", str(registered.public_id))
    page.fill("input[name=endpoint]", "household-detail")
    page.click("button[type=submit]:has-text('Search')")
    # The rows are counted once the search's page has come (counting does not wait for it).
    page.wait_for_url(f"**/accounts/access-log/?record={registered.public_id}*")

    # Then one entry shows the officer reading it through the household page (the lists that showed
    # it, the officer's and the manager's own, are left out by the endpoint asked for)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    assert unhcr_officer.username in rows.first.inner_text()
    assert "returns:household-detail" in rows.first.inner_text()
    assert "1 record: Household" in rows.first.inner_text()

    # And the export holds the same entry
    with page.expect_download() as download:
        page.click("text=Export as CSV")
    with open(download.value.path(), encoding="utf-8") as exported:
        lines = list(csv.reader(exported))
    assert len(lines) == 2
    assert lines[1][2] == unhcr_officer.username
    assert lines[1][-1] == str(registered.public_id)
    entry = AccessLogEntry.objects.get(id=int(lines[1][0]))
    assert (entry.action, entry.endpoint) == ("read", "returns:household-detail")
    assert page.console_errors == []

"""Pages that link up, in a real browser: a case worker goes from a household to its case and
back, by the links and the breadcrumb trail, in English and in Dari (right to left).

Screenshots for a human to look at: /tmp/links-household.png, /tmp/links-case.png and their
-rtl twins.
"""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agencies.models import User
from returns.models import Case
from returns.services.households import household_register
from tests.factories import DEMO_PASSWORD, UserFactory, household, member, por_card

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", tempfile.gettempdir()))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TRAIL = "nav.breadcrumbs ol > li"


def trail_links(page) -> list[str | None]:
    """Where each item of the trail leads (None for the current page)."""
    return page.locator(TRAIL).evaluate_all(
        "items => items.map(item => item.querySelector('a') && item.querySelector('a').getAttribute('href'))"
    )


def current_item(page) -> str:
    return page.locator(f"{TRAIL}[aria-current=page]").inner_text()


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{live_server.url}/")


def test_a_case_worker_goes_from_the_household_to_its_case_and_back(page, live_server, unhcr, torkham):
    officer = UserFactory(username="unhcr.officer.b", agency=unhcr, office=torkham, role=User.Role.FIELD_OFFICER)
    UserFactory(username="unhcr.worker.b", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)
    registered = household_register(
        registered_by=officer,
        registration=household(members=[member(given_name="Gul", fathers_name="Rahim", documents=[por_card()])]),
    )
    case = Case.objects.get(household=registered)
    household_path = f"/households/{registered.public_id}/"
    case_path = f"/cases/{case.public_id}/"
    log_in(page, live_server, "unhcr.worker.b")

    for language, direction in (("en", "ltr"), ("fa", "rtl")):
        suffix = "" if direction == "ltr" else "-rtl"
        page.goto(f"{live_server.url}{household_path}")
        if language != "en":
            with page.expect_navigation():  # the whole page in the language, not only its <html>
                page.select_option("#language-select", language)
            page.wait_for_function(f"document.documentElement.dir === '{direction}'")

        # On the household page: Households › its registration number, and its case listed
        assert trail_links(page) == ["/households/", None]
        assert current_item(page) == registered.registration_number
        expect(page.locator("[data-household-case]")).to_have_count(1)
        page.screenshot(path=SCREENSHOTS / f"links-household{suffix}.png", full_page=True)

        # ... follows the link to the case
        page.click(f"[data-household-cases] a:has-text('{case.case_number}')")
        page.wait_for_url(f"{live_server.url}{case_path}")
        expect(page.locator("html")).to_have_attribute("dir", direction)
        assert trail_links(page) == ["/households/", household_path, None]
        assert case.case_number in current_item(page)
        page.screenshot(path=SCREENSHOTS / f"links-case{suffix}.png", full_page=True)

        # The trail reads in the page's direction: its first item where a line starts.
        first, last = (page.locator(TRAIL).nth(index).bounding_box() for index in (0, 2))
        if direction == "ltr":
            assert first["x"] < last["x"]
        else:
            assert first["x"] > last["x"]

        # ... and back to the household by the breadcrumb
        page.click(f"nav.breadcrumbs a[href='{household_path}']")
        page.wait_for_url(f"{live_server.url}{household_path}")
        assert current_item(page) == registered.registration_number

        # ... and once more, back by the household's link on the case page
        page.click(f"[data-household-cases] a:has-text('{case.case_number}')")
        page.wait_for_url(f"{live_server.url}{case_path}")
        page.click("[data-household-link]")
        page.wait_for_url(f"{live_server.url}{household_path}")

    assert page.console_errors == []

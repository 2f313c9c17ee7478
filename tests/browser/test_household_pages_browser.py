"""The household list, its detail page and a manager's re-route, in a real browser."""

import pytest
from playwright.sync_api import expect

from returns.models import Household, HouseholdEvent
from returns.services.households import household_register
from tests.browser.test_register_browser import log_in
from tests.factories import UserFactory, household, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_manager_finds_a_household_and_reroutes_it_with_a_justification(page, live_server, iom_officer, iom, unhcr):
    # Given an undocumented household registered by an IOM officer, and an IOM manager
    registered = household_register(
        registered_by=iom_officer, registration=household(members=[member(given_name="Zarmina", sex="female")])
    )
    UserFactory(username="iom.manager.b", agency=iom, office=None, role="manager")

    # When the manager searches the list by name and opens the household
    log_in(page, live_server, "iom.manager.b")
    page.fill("input[name=q]", "Zarmina")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Search')")
    assert "q=Zarmina" in page.url
    page.click(f"text={registered.registration_number}")
    page.wait_for_url(f"{live_server.url}/households/{registered.public_id}/")

    # And first sends the re-route without a justification
    page.select_option("#reroute select[name=agency]", "UNHCR")
    page.select_option("#reroute select[name=category]", "registered_refugee")
    with page.expect_navigation():
        page.click("#reroute button[type=submit]")

    # Then the page says what is missing, and nothing changed
    expect(
        page.locator("#reroute").get_by_text("Explain in a sentence why the household is re-routed.")
    ).to_be_visible()
    assert Household.objects.get(pk=registered.pk).routed_agency == iom

    # When the manager writes why and re-routes
    page.fill("#reroute textarea[name=justification]", "The head showed a valid PoR card at the transit centre.")
    page.click("#reroute button[type=submit]")

    # Then the household goes to UNHCR, out of the manager's sight, with the reason in its history
    page.wait_for_url(f"{live_server.url}/households/")
    expect(page.get_by_text(f"Household {registered.registration_number} re-routed to UNHCR.")).to_be_visible()
    assert Household.objects.get(pk=registered.pk).routed_agency == unhcr
    assert list(HouseholdEvent.objects.filter(household=registered).values_list("kind", "note"))[-1] == (
        "rerouted",
        "The head showed a valid PoR card at the transit centre.",
    )
    assert page.console_errors == []

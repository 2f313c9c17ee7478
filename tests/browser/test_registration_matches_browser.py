"""Likely matches at registration in a real browser: they appear while the officer types, the officer
links the person or keeps "A new person", and the decision is recorded with the registration."""

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from returns.models import Household, IdentityEvent, MatchPair, Member
from returns.services.households import household_register
from tests.browser.test_register_browser import SCREENSHOTS, log_in, member_row
from tests.factories import household, member, por_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def already_registered(unhcr_officer, iom_officer) -> tuple[Member, Member]:
    """Mohammad son of Gul Safi, 30: a card holder registered by UNHCR, and (the same man, it will turn
    out) deported and registered by IOM as Muhammad."""
    by_unhcr = household_register(
        registered_by=unhcr_officer,
        registration=household(
            members=[
                member(given_name="Mohammad", fathers_name="Gul", family_name="Safi", age=30, documents=[por_card()])
            ]
        ),
    )
    by_iom = household_register(
        registered_by=iom_officer,
        registration=household(
            members=[member(given_name="Muhammad", fathers_name="Gul", family_name="Safi", age=31)],
            return_type="deportation",
        ),
    )
    return by_unhcr.members.get(), by_iom.members.get()


def fill_household(page) -> None:
    page.select_option("select[name=country_of_departure]", "PK")
    page.select_option("select[name=return_type]", "voluntary_repatriation")
    page.select_option("select[name=destination_province]", "AF06")


def matches_settled(row):
    """The member's matches once shown for everything typed (the box is busy until then)."""
    row.locator("[data-matches]:not([aria-busy])").wait_for()
    return row.locator("[data-match]")


def type_mohammad(row) -> None:
    row.locator("input[name$='-given_name']").press_sequentially("Mohammed", delay=20)
    row.locator("input[name$='-fathers_name']").press_sequentially("Gul", delay=20)
    row.locator("input[name$='-family_name']").fill("Safi")
    row.locator("input[value=male]").check()
    row.locator("input[name$='-estimated_age']").fill("30")


def test_an_officer_sees_both_agencies_matches_while_typing_and_links_the_other_agencys_person(
    page, live_server, unhcr_officer, iom_officer
):
    # Given Mohammad son of Gul registered by UNHCR and by IOM
    by_unhcr, by_iom = already_registered(unhcr_officer, iom_officer)
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}/households/register/")
    fill_household(page)

    # When a UNHCR officer types his names, sex and age
    head = member_row(page, 0)
    type_mohammad(head)

    # Then both matches appear beside him: UNHCR's with its household, IOM's by agency and day only
    matches = matches_settled(head)
    expect(matches).to_have_count(2)
    assert by_unhcr.household.registration_number in matches.nth(0).inner_text()
    iom_day = date_format(timezone.localtime(by_iom.household.created_at).date(), "j F Y")
    assert f"A possible match registered by IOM on {iom_day}" in matches.nth(1).inner_text()
    assert by_iom.household.registration_number not in head.inner_text()
    assert "Muhammad" not in head.inner_text()
    expect(head.locator("input[data-new-person]")).to_be_checked()

    # When they say he is IOM's person and save
    matches.nth(1).locator("input[type=radio]").check()
    head.locator("[data-matches]").screenshot(path=SCREENSHOTS / "register-matches.png")
    page.click("button[type=submit]:has-text('Save and route')")

    # Then the new record points at IOM's person, and the link is recorded
    page.wait_for_url("**/routed/")
    new = Member.objects.get(household=Household.objects.latest("pk"))
    assert new.same_person_as_id == by_iom.pk
    event = IdentityEvent.objects.get()
    assert (event.kind, event.member_id, event.other_id, event.actor_id) == (
        IdentityEvent.Kind.LINKED,
        new.pk,
        by_iom.pk,
        unhcr_officer.pk,
    )
    assert MatchPair.objects.get().status == MatchPair.Status.SAME
    assert page.console_errors == []


def test_an_officer_links_their_own_agencys_person_found_by_the_dari_name(
    page, live_server, unhcr_officer, iom_officer
):
    by_unhcr, _by_iom = already_registered(unhcr_officer, iom_officer)
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}/households/register/")
    fill_household(page)
    head = member_row(page, 0)
    head.locator("input[name$='-given_name_local']").press_sequentially("محمد", delay=20)
    head.locator("input[name$='-fathers_name_local']").press_sequentially("گل", delay=20)
    head.locator("input[value=male]").check()
    head.locator("input[name$='-estimated_age']").fill("30")
    assert by_unhcr.household.registration_number in matches_settled(head).first.inner_text()

    # The Latin names are still required: typed after the matches came
    head.locator("input[name$='-given_name']").fill("Mohammad")
    head.locator("input[name$='-fathers_name']").fill("Gul")
    match = matches_settled(head).filter(has_text=by_unhcr.household.registration_number)
    match.locator("input[type=radio]").check()
    page.click("button[type=submit]:has-text('Save and route')")

    page.wait_for_url("**/routed/")
    new = Member.objects.get(household=Household.objects.latest("pk"))
    assert new.same_person_as_id == by_unhcr.pk
    assert IdentityEvent.objects.get().kind == IdentityEvent.Kind.LINKED
    assert page.console_errors == []


def test_an_officer_who_keeps_a_new_person_has_that_recorded(page, live_server, unhcr_officer, iom_officer):
    by_unhcr, by_iom = already_registered(unhcr_officer, iom_officer)
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}/households/register/")
    fill_household(page)
    head = member_row(page, 0)
    type_mohammad(head)
    expect(matches_settled(head)).to_have_count(2)

    # "A new person" is chosen already: they save
    page.click("button[type=submit]:has-text('Save and route')")

    page.wait_for_url("**/routed/")
    new = Member.objects.get(household=Household.objects.latest("pk"))
    assert new.same_person_as_id is None
    event = IdentityEvent.objects.get()
    assert (event.kind, event.member_id) == (IdentityEvent.Kind.NEW_PERSON, new.pk)
    assert [pk for pk, _score in event.details["candidates"]] == [by_unhcr.pk, by_iom.pk]
    assert MatchPair.objects.count() == 0
    assert page.console_errors == []

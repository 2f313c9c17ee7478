"""Reviewing possible duplicates in a real browser: the queue, a pair side by side, deciding with the
keyboard, and un-merging from the decisions list."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from agencies.models import User
from returns.models import IdentityEvent, MatchPair, Member
from returns.services.households import household_register
from tests.factories import DEMO_PASSWORD, UserFactory, household, member, por_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{live_server.url}/")


def person(officer, **typed) -> Member:
    registered = household_register(
        registered_by=officer, registration=household(members=[member(documents=[por_card()], **typed)])
    )
    return registered.members.get()


def pair_of(one: Member, other: Member, score: str) -> MatchPair:
    return MatchPair.objects.create(first=one, second=other, score=Decimal(score), source=MatchPair.Source.BATCH)


def test_a_reviewer_merges_a_pair_with_the_keyboard_and_un_merges_it_from_the_decisions(
    page, live_server, unhcr, unhcr_officer
):
    # Given two pairs waiting: Mohammad / Muhammad (the best), and two brothers sharing a father's name
    UserFactory(username="unhcr.reviewer.b", agency=unhcr, office=None, role=User.Role.CASE_WORKER)
    mohammad = person(unhcr_officer, given_name="Mohammad", fathers_name="Abdul Rahman", age=30)
    muhammad = person(unhcr_officer, given_name="Muhammad", fathers_name="Abdurrahman", age=32)
    karim = person(unhcr_officer, given_name="Karim", fathers_name="Gul", age=30)
    kareem = person(unhcr_officer, given_name="Kareem", fathers_name="Gul", age=24)
    best = pair_of(mohammad, muhammad, "0.920")
    brothers = pair_of(karim, kareem, "0.860")

    # When the reviewer opens the queue from the main navigation
    page.set_default_timeout(60_000)  # the machine is shared: a slow answer is not a failure here
    log_in(page, live_server, "unhcr.reviewer.b")
    page.click("nav >> text=Possible duplicates")
    page.wait_for_url(f"{live_server.url}/duplicates/")
    rows = page.locator("[data-pair-row]")
    expect(rows).to_have_count(2)
    assert "Mohammad Abdul Rahman" in rows.nth(0).inner_text()
    assert "Keyboard:" in page.locator("[data-keyboard-hint]").inner_text()

    # ... and opens the best pair with the keyboard (j, then Enter)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/duplicates/{best.pk}/")

    # Then the two people are side by side, spelling variants and differences marked, with the reasons
    given = page.locator("tr[data-compare-row]", has_text="Given name").first
    assert given.get_attribute("data-compare-row") == "variant"
    assert "Mohammad" in given.inner_text() and "Muhammad" in given.inner_text()
    expect(page.locator("tr[data-compare-row='differs']", has_text="Documents")).to_have_count(1)
    assert "same given name" in page.locator(".pair-reasons").inner_text()

    # When they press s: the same person, and the next pair waiting opens
    page.keyboard.press("s")
    page.wait_for_url(f"{live_server.url}/duplicates/{brothers.pk}/")
    best.refresh_from_db()
    assert best.status == MatchPair.Status.SAME
    assert Member.objects.get(pk=muhammad.pk).same_person_as_id == mohammad.pk
    assert "are now one person" in page.locator(".messages").inner_text()

    # ... and on the brothers they type a note, then press the button "Different people"
    page.fill("textarea[name=note]", "Brothers: two tazkiras.")
    page.click("button[data-decision=different]")
    page.wait_for_url(f"{live_server.url}/duplicates/")
    brothers.refresh_from_db()
    assert brothers.status == MatchPair.Status.DIFFERENT
    assert IdentityEvent.objects.get(pair=brothers).note == "Brothers: two tazkiras."
    expect(page.locator("[data-pair-row]")).to_have_count(0)

    # When they open the decisions and un-merge the first pair
    page.click("text=Decisions")
    page.wait_for_url(f"{live_server.url}/duplicates/decided/")
    expect(page.locator("[data-decision-row]")).to_have_count(2)
    # The page comes back at the same address: waiting for the address alone would not wait for it.
    with page.expect_navigation(url=f"{live_server.url}/duplicates/decided/"):
        page.click(f"button[data-unmerge='{best.pk}']")

    # Then the merge is reversed and recorded, and the pair waits in the queue again
    best.refresh_from_db()
    assert (best.status, best.decided_by_id) == (MatchPair.Status.PENDING, None)
    assert Member.objects.get(pk=muhammad.pk).same_person_as_id is None
    assert list(IdentityEvent.objects.filter(pair=best).values_list("kind", flat=True)) == ["merged", "unmerged"]
    expect(page.locator("button[data-unmerge]")).to_have_count(0)
    page.goto(f"{live_server.url}/duplicates/")
    expect(page.locator("[data-pair-row]")).to_have_count(1)
    assert page.console_errors == []

"""Registration in a real browser: the members formset grows and shrinks in JavaScript."""

import datetime
import os
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from returns.models import Household, Member
from tests.factories import DEMO_PASSWORD

# Screenshots for a human to look at: /tmp/register.png (English) and /tmp/register-rtl.png (Dari).
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", tempfile.gettempdir()))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{live_server.url}/")


def member_row(page, index: int):
    return page.locator("[data-member-list] > [data-member]").nth(index)


def fill_names(row, given: str, father: str, family: str = "") -> None:
    row.locator("input[name$='-given_name']").fill(given)
    row.locator("input[name$='-fathers_name']").fill(father)
    row.locator("input[name$='-family_name']").fill(family)


def add_member(page):
    page.click("button[data-add-member]")
    return member_row(page, page.locator("[data-member-list] > [data-member]").count() - 1)


def names_in_rows(page) -> list[tuple[str, str]]:
    rows = page.locator("[data-member-list] > [data-member]")
    return [
        (
            rows.nth(index).locator("input[name$='-given_name']").input_value(),
            rows.nth(index).locator("input[name$='-given_name']").get_attribute("name"),
        )
        for index in range(rows.count())
    ]


def test_an_officer_registers_a_three_member_household_and_sees_it_routed_to_unhcr(page, live_server, unhcr_officer):
    # Given a UNHCR field officer at Torkham on the registration page
    log_in(page, live_server, "unhcr.officer.t")
    page.click("nav >> text=Register a household")
    page.wait_for_url(f"{live_server.url}/households/register/")
    assert page.input_value("input[name=arrival_date]") == timezone.localdate().isoformat()
    assert page.input_value("select[name=office]") == "TKM"

    # When they fill in the household
    page.select_option("select[name=country_of_departure]", "PK")
    page.select_option("select[name=return_type]", "voluntary_repatriation")
    page.select_option("select[name=destination_province]", "AF06")
    page.select_option("select[name=destination_district]", "AF0617")
    page.fill("input[name=phone]", "+93 70 123 4567")

    # ... the head, holding a PoR card (choosing the type suggests Pakistan as the issuer)
    head = member_row(page, 0)
    fill_names(head, "Gul", "Rahim", "Safi")
    head.locator("input[name$='-given_name_local']").fill("گل")
    head.locator("input[value=male]").check()
    assert head.locator("select[name$='-relationship']").input_value() == "head"
    head.locator("input[name$='-date_of_birth']").fill("1985-03-14")
    head.locator("select[name$='-document_0_type']").select_option("por_card")
    assert head.locator("select[name$='-document_0_issuing_country']").input_value() == "PK"
    head.locator("input[name$='-document_0_number']").fill("PK-778899")
    head.locator("input[name$='-document_0_expiry_date']").fill("2030-12-31")

    # ... a spouse and a child added with the "Add member" button, and one row too many
    spouse = add_member(page)
    fill_names(spouse, "Zarghona", "Karim")
    spouse.locator("input[value=female]").check()
    spouse.locator("select[name$='-relationship']").select_option("spouse")
    spouse.locator("input[name$='-estimated_age']").fill("34")
    child = add_member(page)
    fill_names(child, "Wali", "Gul", "Safi")
    child.locator("input[value=male]").check()
    child.locator("select[name$='-relationship']").select_option("son")
    child.locator("input[name$='-estimated_age']").fill("3")
    child.locator("summary").click()
    child.locator("input[value='SM-CI']").check()
    extra = add_member(page)
    fill_names(extra, "Typed", "By mistake")
    assert page.input_value("input[name=members-TOTAL_FORMS]") == "4"

    # ... then remove the spouse and the extra row, and add the spouse again
    member_row(page, 1).locator("button[data-remove-member]").click()
    member_row(page, 2).locator("button[data-remove-member]").click()
    assert names_in_rows(page) == [("Gul", "members-0-given_name"), ("Wali", "members-1-given_name")]
    expect(member_row(page, 1).locator("[data-member-number]")).to_have_text("2")
    expect(member_row(page, 1).locator("input[name='members-1-sex'][value=male]")).to_be_checked()
    expect(member_row(page, 1).locator("input[name='members-1-specific_needs'][value='SM-CI']")).to_be_checked()
    assert member_row(page, 1).locator("input[name='members-1-estimated_age']").input_value() == "3"
    assert head.locator("input[name='members-0-document_0_number']").input_value() == "PK-778899"
    spouse = add_member(page)
    fill_names(spouse, "Zarghona", "Karim")
    spouse.locator("input[value=female]").check()
    spouse.locator("select[name$='-relationship']").select_option("spouse")
    spouse.locator("input[name$='-estimated_age']").fill("34")
    assert page.input_value("input[name=members-TOTAL_FORMS]") == "3"
    assert [name for name, _field in names_in_rows(page)] == ["Gul", "Wali", "Zarghona"]

    # ... and save
    page.click("button[type=submit]:has-text('Save and route')")

    # Then the routing page says UNHCR, with the reason
    page.wait_for_url("**/routed/")
    saved = Household.objects.get()
    expect(page.locator("[data-routed-agency]")).to_have_text("UNHCR")
    expect(page.locator(".routed__number")).to_have_text(saved.registration_number)
    # A PoR holder without a VRF, arriving under v3 (from 20 August 2025)
    assert (
        "From 20 August 2025 a PoR-card holder may return without a VRF"
        in page.locator("[data-routed-reason]").inner_text()
    )
    assert saved.routed_agency.code == "UNHCR"
    assert saved.destination_district_id == "AF0617"
    assert list(
        Member.objects.filter(household=saved)
        .order_by("id")
        .values_list("given_name", "fathers_name", "relationship", "sex", "estimated_age")
    ) == [
        ("Gul", "Rahim", "head", "male", None),
        ("Wali", "Gul", "son", "male", 3),
        ("Zarghona", "Karim", "spouse", "female", 34),
    ]
    assert list(saved.members.get(given_name="Wali").specific_needs.values_list("code", flat=True)) == ["SM-CI"]
    assert page.console_errors == []


def test_a_future_arrival_date_is_shown_beside_the_field_and_typed_names_are_kept(page, live_server, unhcr_officer):
    # Given an officer who typed a date in the future and two members
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}/households/register/")
    page.fill("input[name=arrival_date]", tomorrow)
    page.select_option("select[name=country_of_departure]", "IR")
    page.select_option("select[name=return_type]", "deportation")
    page.select_option("select[name=destination_province]", "AF30")
    head = member_row(page, 0)
    fill_names(head, "Nazir", "Habib", "Ahmadi")
    head.locator("input[name$='-family_name_local']").fill("احمدی")
    head.locator("input[value=male]").check()
    head.locator("input[name$='-estimated_age']").fill("28")
    brother = add_member(page)
    fill_names(brother, "Farid", "Habib", "Ahmadi")
    brother.locator("input[value=male]").check()
    brother.locator("select[name$='-relationship']").select_option("sibling")
    brother.locator("input[name$='-estimated_age']").fill("19")

    # When they save
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Save and route')")

    # Then the message is beside the arrival date, nothing was saved, and every name is still there
    arrival_field = page.locator(".field--invalid", has=page.locator("input[name=arrival_date]"))
    expect(arrival_field.locator(".field__error")).to_have_text(
        f"The arrival date {tomorrow} is in the future. Enter the day the household crossed."
    )
    assert page.input_value("input[name=arrival_date]") == tomorrow
    assert [name for name, _field in names_in_rows(page)] == ["Nazir", "Farid"]
    assert page.input_value("input[name=members-0-family_name_local]") == "احمدی"
    assert page.input_value("input[name=members-1-estimated_age]") == "19"
    assert page.input_value("select[name=destination_province]") == "AF30"
    assert Household.objects.count() == 0
    page.screenshot(path=SCREENSHOTS / "register.png", full_page=True)

    # And in Dari the same page reads right to left, keeps what was typed, and still adds members
    with page.expect_navigation():
        page.select_option("#language-select", "fa")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    page.wait_for_function("document.querySelectorAll('[data-member-list] > [data-member]').length === 2")
    assert [name for name, _field in names_in_rows(page)] == ["Nazir", "Farid"]
    assert page.input_value("input[name=members-0-family_name_local]") == "احمدی"
    add_member(page)
    expect(page.locator("[data-member-list] > [data-member]")).to_have_count(3)
    page.screenshot(path=SCREENSHOTS / "register-rtl.png", full_page=True)
    assert page.console_errors == []


def test_a_latin_name_suggests_its_dari_spelling_but_never_into_the_box_being_typed_in(
    page, live_server, unhcr_officer
):
    # Given an officer on the registration page, whose spelling suggestions the test holds back
    log_in(page, live_server, "unhcr.officer.t")
    held = []
    page.route("**/households/register/transliterate/", lambda route: held.append(route))
    page.goto(f"{live_server.url}/households/register/")
    head = member_row(page, 0)
    given, given_local = head.locator("input[name$='-given_name']"), head.locator("input[name$='-given_name_local']")
    fathers, fathers_local = (
        head.locator("input[name$='-fathers_name']"),
        head.locator("input[name$='-fathers_name_local']"),
    )

    # When a given name is typed and the officer moves on, its suggestion arrives while they are elsewhere
    given.fill("Gul")
    fathers.focus()
    expect_held(page, held, 1).continue_()

    # Then the Dari spelling is suggested in its empty box
    page.wait_for_function("box => box.value !== ''", arg=given_local.element_handle())
    assert given_local.input_value() == "گل"
    assert given_local.get_attribute("data-suggested") == ""

    # When the father's name is typed, and the officer is already in its Dari box when the suggestion comes
    fathers.fill("Rahim")
    fathers_local.focus()
    expect_held(page, held, 2).continue_()
    page.wait_for_timeout(500)  # the suggestion's answer handled by the page
    page.keyboard.type("رحیم")

    # Then what the officer typed is all there is: nothing was put under their cursor
    assert fathers_local.input_value() == "رحیم"
    assert fathers_local.get_attribute("data-suggested") is None


def expect_held(page, held: list, count: int):
    """The ``count``-th request held by the route, once the page has sent it."""
    for _attempt in range(50):
        if len(held) >= count:
            return held[count - 1]
        page.wait_for_timeout(100)
    raise AssertionError(f"the page sent {len(held)} suggestion requests, not {count}")

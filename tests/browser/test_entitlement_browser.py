"""Entitlement is per person, in a real browser: a UNHCR case worker verifies a mixed family, refuses
one member, pays the rest, and sees the IOM screening referral for the relative the VRF does not list."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import User
from returns.models import Assistance, Case, MemberEntitlement, Referral
from returns.services.households import household_register
from tests.factories import DEMO_PASSWORD, UserFactory, household, member, vrf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TODAY = timezone.localdate()


def log_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_a_case_worker_refuses_one_member_and_pays_the_rest(browser, live_server, unhcr, torkham):
    UserFactory(username="unhcr.cw.mixed", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)
    UserFactory(username="unhcr.checker.mixed", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)
    officer = UserFactory(username="unhcr.officer.mixed", agency=unhcr, office=torkham, role=User.Role.FIELD_OFFICER)
    on_vrf = vrf(number="VRF-2026-4411")
    registered = household_register(
        registered_by=officer,
        registration=household(
            arrival_date=TODAY - datetime.timedelta(days=3),
            members=[
                member(given_name="Gul", fathers_name="Rahim", documents=[on_vrf]),
                member(
                    given_name="Zarghona",
                    fathers_name="Karim",
                    sex="female",
                    relationship="spouse",
                    age=31,
                    documents=[on_vrf],
                ),
                member(given_name="Wali", fathers_name="Gul", relationship="son", age=12, documents=[on_vrf]),
                member(given_name="Nasir", fathers_name="Rahim", relationship="sibling", age=27),
            ],
        ),
    )
    case = Case.objects.get(household=registered)
    assert (registered.routed_agency.code, registered.category, registered.flags) == (
        "UNHCR",
        "registered_refugee",
        ["mixed_status"],
    )

    worker = log_in(browser, live_server, "unhcr.cw.mixed")
    worker.goto(f"{live_server.url}{case.get_absolute_url()}")
    verify = worker.locator("details[data-action=verify]")
    verify.locator("summary").click()
    verify.locator("input[name=documents_checked]").check()
    iris = verify.locator("select[name^=iris_]")
    expect(iris, "Nasir is not on the VRF: no iris check, no grant question").to_have_count(3)
    for index in range(3):
        iris.nth(index).select_option("clear")
    wali = registered.members.get(given_name="Wali")
    verify.locator(f"input[name=refuse_{wali.public_id}]").fill("Not on the PoR family record; VRF to be corrected.")
    with worker.expect_navigation():
        verify.locator("button[type=submit]").click()
    expect(worker.locator("[data-current-stage]")).to_have_text("Encashment (cash grant)")
    assert [cell.strip() for cell in worker.locator("[data-entitlement]").all_inner_texts()] == [
        "Eligible for the VolRep grant",
        "Eligible for the VolRep grant",
        "Refused\nNot on the PoR family record; VRF to be corrected.",
        "Undocumented",
    ]
    referral_row = worker.locator("[data-referral-row]")
    expect(referral_row).to_have_count(1)
    expect(referral_row.locator("td").nth(0)).to_have_text("UNHCR → IOM")
    expect(referral_row.locator("td").nth(1)).to_have_text("IOM vulnerability screening")
    expect(referral_row.locator("td").nth(2)).to_have_text("Nasir Rahim")

    # The grant is the rate of the arrival date for the two eligible members
    worker.locator("[data-record-assistance] summary").click()
    assert "750.00 USD for 2 eligible members" in worker.locator("[data-grant-hint]").inner_text()
    worker.select_option("#id_assistance_assistance_type", "cash_grant")
    with worker.expect_navigation():
        worker.click("[data-record-assistance] button[type=submit]")
    expect(worker.locator(".message--success")).to_have_text(
        "Repatriation cash grant recorded: 750.00 USD, waiting for a second person's approval."
    )

    checker = log_in(browser, live_server, "unhcr.checker.mixed")
    checker.goto(f"{live_server.url}{case.get_absolute_url()}")
    with checker.expect_navigation():
        checker.click("[data-decision] button:has-text('Approve')")
    expect(checker.locator(".message--success")).to_have_text("Repatriation cash grant approved.")

    worker.reload()
    with worker.expect_navigation():
        worker.locator("details[data-action=pay_grant], [data-action=pay_grant]").first.locator(
            "button[type=submit]"
        ).click()
    expect(worker.locator("[data-current-stage]")).to_have_text("Services at the encashment centre")

    grant = Assistance.objects.get(case=case)
    assert (grant.value, grant.currency, grant.approval) == (750, "USD", Assistance.Approval.APPROVED)
    assert sorted(MemberEntitlement.objects.filter(case=case).values_list("member__given_name", "decision")) == [
        ("Gul", "eligible"),
        ("Nasir", "undocumented"),
        ("Wali", "refused"),
        ("Zarghona", "eligible"),
    ]
    referral = Referral.objects.get(case=case)
    assert (referral.to_agency.code, referral.service, referral.member.given_name, referral.status) == (
        "IOM",
        "screening",
        "Nasir",
        "pending",
    )

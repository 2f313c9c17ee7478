"""Two whole journeys in a real browser, each step done by the person who does it in reality.

Every user works in a browser context of their own (their own cookies), as on their own tablet.
"""

import datetime
import os
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import User
from returns.models import Assistance, Case, Household, MonitoringInterview, MonitoringPlan
from returns.services.households import household_register
from returns.services.monitoring import monitoring_sample_draw
from tests.factories import DEMO_PASSWORD, UserFactory, household, member, por_card

# Screenshots for a human to look at: /tmp/case.png and /tmp/caseload.png.
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", tempfile.gettempdir()))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TODAY = timezone.localdate()


@pytest.fixture
def log_in_as(browser, live_server):
    """A logged-in page for a user, in a browser context of their own."""
    contexts = []

    def log_in(username: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        user_page = context.new_page()
        user_page.console_errors = []
        user_page.on(
            "console", lambda message: message.type == "error" and user_page.console_errors.append(message.text)
        )
        user_page.goto(f"{live_server.url}/accounts/login/")
        user_page.fill("input[name=username]", username)
        user_page.fill("input[name=password]", DEMO_PASSWORD)
        user_page.click("button[type=submit]:has-text('Log in')")
        user_page.wait_for_url(f"{live_server.url}/")
        return user_page

    yield log_in
    for context in contexts:
        context.close()


def expect_success(page, text: str) -> None:
    """The page's success message is exactly this text: retried until the page that says it has come
    (the page a click left may still show, or say something else)."""
    expect(page.locator(".message--success")).to_have_text(text)


def submit(page, button) -> None:
    """Press a form's submit button and wait for the page the server answers with (the same address
    as the form's, often): assertions made before it has come would read the page it replaces."""
    with page.expect_navigation():
        button.click()


def open_case(page, live_server, number: str) -> None:
    """Find a case by its registration number, from "My cases"."""
    page.click("nav >> text=My cases")
    page.wait_for_url(f"{live_server.url}/cases/mine/")
    page.fill("input[name=q]", number)
    page.click("form.find-case button[type=submit]")
    page.wait_for_url(f"{live_server.url}/cases/*/")


def do_action(page, code: str) -> None:
    """Open an action's form (when it has one) and submit it."""
    action = page.locator(f"[data-action={code}]")
    if action.evaluate("element => element.tagName") == "DETAILS" and not action.get_attribute("open"):
        action.locator("summary").click()
    submit(page, action.locator("button[type=submit]"))


def open_action(page, code: str):
    action = page.locator(f"details[data-action={code}]")
    if action.get_attribute("open") is None:
        action.locator("summary").click()
    return action


def timeline(page) -> list[str]:
    return [text.strip() for text in page.locator("[data-timeline] .timeline__what").all_inner_texts()]


def register_background_caseload(officer: User) -> None:
    """A dozen UNHCR households over the last twelve weeks, so the caseload page has something to show."""
    for index in range(12):
        registered = household_register(
            registered_by=officer,
            registration=household(
                arrival_date=TODAY - datetime.timedelta(days=6 * index + 1),
                office=("TKM", "SBD", "IQL")[index % 3],
                members=[member(given_name=f"Khan{index}", documents=[por_card(number=f"PK-9{index:05d}")])],
            ),
        )
        if index % 4 == 1:
            Case.objects.filter(household=registered).update(stage_due_date=TODAY - datetime.timedelta(days=2))
        if index % 3 == 2:
            Case.objects.filter(household=registered).update(stage="encashment")


def test_a_unhcr_household_goes_from_registration_to_the_return_supplement(
    live_server, log_in_as, unhcr, torkham, unhcr_manager
):
    worker = UserFactory(
        username="unhcr.worker.b",
        first_name="Farida",
        last_name="Noori",
        agency=unhcr,
        office=torkham,
        role=User.Role.CASE_WORKER,
    )
    UserFactory(
        username="unhcr.checker.b",
        first_name="Jawad",
        last_name="Karimi",
        agency=unhcr,
        office=torkham,
        role=User.Role.CASE_WORKER,
    )
    officer_user = UserFactory(username="unhcr.officer.b", agency=unhcr, office=torkham, role=User.Role.FIELD_OFFICER)
    register_background_caseload(officer_user)
    # Inside the return monitoring window (30 to 180 days); the return supplement falls due at 90 days.
    arrival = TODAY - datetime.timedelta(days=35)
    supplement_due = arrival + datetime.timedelta(days=90)

    # A UNHCR field officer registers a household whose head and his wife hold PoR cards (no VRF: under v3,
    # UNHCR assists PoR holders at the border)
    officer = log_in_as("unhcr.officer.b")
    officer.click("nav >> text=Register a household")
    officer.wait_for_url(f"{live_server.url}/households/register/")
    officer.fill("input[name=arrival_date]", arrival.isoformat())
    officer.select_option("select[name=country_of_departure]", "PK")
    officer.select_option("select[name=return_type]", "voluntary_repatriation")
    officer.select_option("select[name=destination_province]", "AF06")
    head = officer.locator("[data-member-list] > [data-member]").nth(0)
    head.locator("input[name$='-given_name']").fill("Gul")
    head.locator("input[name$='-fathers_name']").fill("Rahim")
    head.locator("input[name$='-family_name']").fill("Safi")
    head.locator("input[value=male]").check()
    head.locator("input[name$='-date_of_birth']").fill("1985-03-14")
    head.locator("select[name$='-document_0_type']").select_option("por_card")
    head.locator("input[name$='-document_0_number']").fill("PK-778899")
    head.locator("input[name$='-document_0_expiry_date']").fill("2030-12-31")
    officer.click("button[data-add-member]")
    spouse = officer.locator("[data-member-list] > [data-member]").nth(1)
    spouse.locator("input[name$='-given_name']").fill("Zarghona")
    spouse.locator("input[name$='-fathers_name']").fill("Karim")
    spouse.locator("input[value=female]").check()
    spouse.locator("select[name$='-relationship']").select_option("spouse")
    spouse.locator("input[name$='-estimated_age']").fill("34")
    spouse.locator("select[name$='-document_0_type']").select_option("por_card")
    spouse.locator("input[name$='-document_0_number']").fill("PK-778900")
    spouse.locator("input[name$='-document_0_expiry_date']").fill("2030-12-31")
    officer.click("button[type=submit]:has-text('Save and route')")
    officer.wait_for_url("**/routed/")
    expect(officer.locator("[data-routed-agency]")).to_have_text("UNHCR")
    registered = Household.objects.get(members__given_name="Gul")
    case = Case.objects.get(household=registered)

    # A UNHCR manager assigns the case to a case worker on the caseload page
    manager = log_in_as("unhcr.manager.t")
    manager.click("nav >> text=Caseload")
    manager.wait_for_url(f"{live_server.url}/cases/caseload/")
    manager.fill("input[name=q]", registered.registration_number)
    submit(manager, manager.locator("form.filters button[type=submit]"))
    manager.locator(f"input[name=cases][value='{case.public_id}']").check()
    manager.select_option("#bulk-assign select[name=assignee]", "unhcr.worker.b")
    submit(manager, manager.locator("#bulk-assign button[type=submit]"))
    expect_success(manager, "1 case(s) assigned to Farida Noori.")
    manager.click("text=Clear")
    manager.wait_for_url(f"{live_server.url}/cases/caseload/")
    expect(manager.locator("svg[role=img]")).to_have_count(2)
    manager.screenshot(path=SCREENSHOTS / "caseload.png", full_page=True)
    # In Dari the page and its charts read right to left
    with manager.expect_navigation():  # the page in Dari, whole (its <html> comes before its charts)
        manager.select_option("#language-select", "fa")
    manager.wait_for_function("document.documentElement.dir === 'rtl'")
    expect(manager.locator("svg text[direction=rtl]")).not_to_have_count(0)
    manager.screenshot(path=SCREENSHOTS / "caseload-rtl.png", full_page=True)
    with manager.expect_navigation():
        manager.select_option("#language-select", "en")
    manager.wait_for_function("document.documentElement.dir === 'ltr'")

    # The case worker finds it in "My cases" and verifies documents and iris, member by member
    case_worker = log_in_as("unhcr.worker.b")
    case_worker.click("nav >> text=My cases")
    case_worker.wait_for_url(f"{live_server.url}/cases/mine/")
    case_worker.click(f"a:has-text('{case.case_number}')")
    case_worker.wait_for_url(f"{live_server.url}{case.get_absolute_url()}")
    expect(case_worker.locator("[data-current-stage]")).to_have_text("Document and iris verification")
    verify = open_action(case_worker, "verify")
    case_worker.screenshot(path=SCREENSHOTS / "case-verification.png", full_page=True)
    verify.locator("input[name=documents_checked]").check()
    iris = verify.locator("select[name^=iris_]")
    expect(iris).to_have_count(2)
    for index in range(2):
        iris.nth(index).select_option("clear")
    submit(case_worker, verify.locator("button[type=submit]"))
    expect(case_worker.locator("[data-current-stage]")).to_have_text("Encashment (cash grant)")
    assert case_worker.locator("[data-verification]").all_inner_texts() == [
        "Verified, not assisted before",
        "Verified, not assisted before",
    ]

    # ... records the cash grant, its amount computed from the grant rate
    case_worker.locator("[data-record-assistance] summary").click()
    # 2 eligible members × USD 375
    assert "750.00 USD for 2 " in case_worker.locator("[data-grant-hint]").inner_text()
    case_worker.select_option("#id_assistance_assistance_type", "cash_grant")
    submit(case_worker, case_worker.locator("[data-record-assistance] button[type=submit]"))
    expect_success(case_worker, "Repatriation cash grant recorded: 750.00 USD, waiting for a second person's approval.")
    expect(case_worker.locator("[data-decision]")).to_have_count(0)  # no approving one's own cash

    # A second case worker approves it
    checker = log_in_as("unhcr.checker.b")
    checker.goto(f"{live_server.url}{case.get_absolute_url()}")
    submit(checker, checker.locator("[data-decision] button:has-text('Approve')"))
    expect_success(checker, "Repatriation cash grant approved.")
    assert Assistance.objects.get(case=case).approved_by.username == "unhcr.checker.b"

    # The case worker marks the grant paid and completes the services: the case waits for the return supplement
    case_worker.reload()
    do_action(case_worker, "pay_grant")
    expect(case_worker.locator("[data-current-stage]")).to_have_text("Services at the encashment centre")
    services = open_action(case_worker, "complete_services")
    services.locator("input[name=health_screening]").check()
    services.locator("input[name=mine_risk_awareness]").check()
    submit(case_worker, services.locator("button[type=submit]"))

    supplement_stage = "Return supplement (about three months after arrival)"
    expect_success(
        case_worker, f"Services done: on to the return supplement — done. The case is now at “{supplement_stage}”."
    )
    expect(case_worker.locator("[data-current-stage]")).to_have_text(supplement_stage)
    assert [
        element.get_attribute("data-entitlement") for element in case_worker.locator("[data-entitlement]").all()
    ] == ["eligible", "eligible"]

    # Closing is refused while the family's supplement (2 eligible members: USD 700) is owed and not yet due
    do_action(case_worker, "close_after_supplement")
    expect(case_worker.locator("[data-action=close_after_supplement] .form-errors")).to_have_text(
        f"Pay the return supplement of 700.00 USD (due on {supplement_due.isoformat()}) and have a second "
        "person approve it first."
    )
    expect(case_worker.locator("[data-current-stage]")).to_have_text(supplement_stage)

    # The case waits at the supplement stage, and its whole history is on the page
    assert timeline(case_worker) == [
        "Opened · Document and iris verification",
        "Assigned",
        "Verified: go to encashment · Document and iris verification → Encashment (cash grant)",
        "Assistance recorded · 750.00 USD",
        "Assistance approved",
        "Grant paid: go to services · Encashment (cash grant) → Services at the encashment centre",
        f"Services done: on to the return supplement · Services at the encashment centre → {supplement_stage}",
    ]
    case.refresh_from_db()
    assert (case.stage, case.stage_due_date, case.outcome, case.closed_at, case.assigned_to) == (
        "supplement",
        supplement_due,
        "",
        None,
        worker,
    )

    # Tonight's draw puts the family in the monitoring sample (here the plan draws everyone), and
    # the case worker records the phone interview from the monitoring queue
    MonitoringPlan.objects.filter(agency=unhcr).update(sample_rate=1)
    monitoring_sample_draw(today=TODAY)
    assert MonitoringInterview.objects.filter(household=case.household, status="pending").exists()
    case_worker.click("nav >> text=Monitoring")
    case_worker.wait_for_url(f"{live_server.url}/monitoring/")
    case_worker.click(f"[data-monitoring-queue] >> text={case.household.registration_number}")
    case_worker.wait_for_url(f"{live_server.url}/monitoring/*/")
    questionnaire = case_worker.locator("[data-questionnaire]")
    questionnaire.locator("input[name=status][value=completed]").check()
    questionnaire.locator("select[name=method]").select_option("phone")
    questionnaire.locator("input[name=consent]").check()
    questionnaire.locator("select[name=current_province]").select_option("AF06")
    questionnaire.locator("select[name=shelter]").select_option("with_relatives")
    questionnaire.locator("select[name=work]").select_option("daily_labour")
    questionnaire.locator("select[name=intends_to_stay]").select_option("yes")
    questionnaire.locator("input[name=needs][value=livelihood]").check()
    submit(case_worker, questionnaire.locator("button[type=submit]"))
    expect_success(case_worker, f"Interview of {case.household.registration_number} recorded: Interviewed.")
    interview = MonitoringInterview.objects.get(household=case.household)
    assert (interview.status, interview.consent, interview.shelter, interview.needs) == (
        "completed",
        True,
        "with_relatives",
        ["livelihood"],
    )
    case_worker.screenshot(path=SCREENSHOTS / "case.png", full_page=True)
    for user_page in (officer, manager, case_worker, checker):
        assert user_page.console_errors == []


def test_an_undocumented_household_is_screened_assisted_and_handed_to_its_province_at_iom(
    live_server, log_in_as, iom, torkham
):
    UserFactory(username="iom.officer.b", agency=iom, office=torkham, role=User.Role.FIELD_OFFICER)
    UserFactory(
        username="iom.worker.b",
        first_name="Mariam",
        last_name="Sultani",
        agency=iom,
        office=torkham,
        role=User.Role.CASE_WORKER,
    )

    # An IOM field officer registers an undocumented household deported from Pakistan, going to Nangarhar
    officer = log_in_as("iom.officer.b")
    officer.click("nav >> text=Register a household")
    officer.wait_for_url(f"{live_server.url}/households/register/")
    officer.select_option("select[name=country_of_departure]", "PK")
    officer.select_option("select[name=return_type]", "deportation")
    officer.select_option("select[name=destination_province]", "AF06")
    head = officer.locator("[data-member-list] > [data-member]").nth(0)
    head.locator("input[name$='-given_name']").fill("Nazir")
    head.locator("input[name$='-fathers_name']").fill("Habib")
    head.locator("input[value=male]").check()
    head.locator("input[name$='-estimated_age']").fill("28")
    officer.click("button[data-add-member]")
    brother = officer.locator("[data-member-list] > [data-member]").nth(1)
    brother.locator("input[name$='-given_name']").fill("Farid")
    brother.locator("input[name$='-fathers_name']").fill("Habib")
    brother.locator("input[value=male]").check()
    brother.locator("select[name$='-relationship']").select_option("sibling")
    brother.locator("input[name$='-estimated_age']").fill("19")
    officer.click("button[type=submit]:has-text('Save and route')")
    officer.wait_for_url("**/routed/")
    expect(officer.locator("[data-routed-agency]")).to_have_text("IOM")
    registered = Household.objects.get(members__given_name="Nazir")
    case = Case.objects.get(household=registered)

    # The case opens at screening (no reception click), which is a case worker's job
    open_case(officer, live_server, registered.registration_number)
    expect(officer.locator("[data-current-stage]")).to_have_text("Vulnerability screening")
    expect(officer.locator("[data-action]")).to_have_count(0)

    # An IOM case worker screens each member against the IOM vulnerability codes: DF alone is refused
    case_worker = log_in_as("iom.worker.b")
    open_case(case_worker, live_server, registered.registration_number)
    assert list(case_worker.locator("[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")) == [
        "screen_eligible",
        "screen_not_eligible",
    ]
    screening = open_action(case_worker, "screen_eligible")
    expect(screening.locator("fieldset")).to_have_count(2)
    expect(screening.locator("input[type=checkbox]")).to_have_count(24)
    nazir, farid = screening.locator("fieldset").nth(0), screening.locator("fieldset").nth(1)
    nazir.locator("input[value=DF]").check()
    submit(case_worker, screening.locator("button[type=submit]"))
    refused = case_worker.locator("details[data-action=screen_eligible]")
    assert "Being a deported family (DF) does not by itself make a family eligible" in refused.inner_text()
    expect(case_worker.locator("[data-current-stage]")).to_have_text("Vulnerability screening")

    # ... Farid needs medical care: with MC the household is eligible
    screening = open_action(case_worker, "screen_eligible")
    nazir, farid = screening.locator("fieldset").nth(0), screening.locator("fieldset").nth(1)
    if not nazir.locator("input[value=DF]").is_checked():
        nazir.locator("input[value=DF]").check()
    farid.locator("input[value=MC]").check()
    case_worker.screenshot(path=SCREENSHOTS / "case-screening.png", full_page=True)
    screening.locator("textarea[name=note]").fill("Farid needs treatment for a chronic condition.")
    submit(case_worker, screening.locator("button[type=submit]"))
    expect(case_worker.locator("[data-current-stage]")).to_have_text("Post-arrival assistance")

    # ... records the post-arrival assistance: meals and an NFI kit
    for code, quantity in (("meals", "4"), ("nfi_kit", "1")):
        case_worker.locator("[data-record-assistance] summary").click()
        case_worker.select_option("#id_assistance_assistance_type", code)
        case_worker.fill("#id_assistance_quantity", quantity)
        submit(case_worker, case_worker.locator("[data-record-assistance] button[type=submit]"))
    assert case_worker.locator("[data-assistance-row]").all_inner_texts()[0].split("\t")[:3] == [
        "Meals",
        "Whole household",
        "4 meal",
    ]
    expect(case_worker.locator("[data-assistance-row=nfi_kit] [data-approval]")).to_have_text("No approval needed")
    do_action(case_worker, "complete_assistance")
    expect(case_worker.locator("[data-current-stage]")).to_have_text("Onward transport")

    # The field officer puts the household on onward transport, and hands the case to the Nangarhar team
    officer.reload()
    assert list(officer.locator("[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")) == [
        "complete_transport",
        "close_after_transport",
    ]
    do_action(officer, "complete_transport")
    expect(officer.locator("[data-current-stage]")).to_have_text("Reintegration and protection")
    case.refresh_from_db()
    assert (case.stage, case.office.code, case.is_vulnerable) == ("reintegration", "ING", True)

    # The case worker records the reintegration assessment and closes the case
    case_worker.reload()
    reintegration = open_action(case_worker, "close_reintegration")
    reintegration.locator("textarea[name=note]").fill("Assessed in Jalalabad; referred to a health partner.")
    submit(case_worker, reintegration.locator("button[type=submit]"))
    expect(case_worker.locator("[data-current-stage]")).to_have_text("Closed")
    expect(case_worker.locator("[data-outcome]")).to_have_text("Reintegration completed")
    assert timeline(case_worker) == [
        "Opened · Vulnerability screening",
        "Eligible: go to assistance · Vulnerability screening → Post-arrival assistance",
        "Assistance recorded",
        "Assistance recorded",
        "Assistance given: arrange transport · Post-arrival assistance → Onward transport",
        "Handover to the province of destination",
        "Transported: hand over for reintegration · Onward transport → Reintegration and protection",
        "Reintegration done: close · Reintegration and protection → Closed",
    ]
    expect(case_worker.locator("[data-vulnerabilities]")).to_have_text(
        "Vulnerabilities: Nazir Habib: DF; Farid Habib: MC"
    )
    assert (
        "Handed from Torkham border crossing to IOM Nangarhar provincial office"
        in case_worker.locator("[data-timeline]").inner_text()
    )
    case.refresh_from_db()
    assert (case.stage, case.outcome, case.is_vulnerable, case.office.code) == (
        "closed",
        "reintegration_completed",
        True,
        "ING",
    )
    assert list(case.assistance.order_by("id").values_list("assistance_type__code", "quantity")) == [
        ("meals", 4),
        ("nfi_kit", 1),
    ]
    officer.screenshot(path=SCREENSHOTS / "case-iom.png", full_page=True)
    assert officer.console_errors == []
    assert case_worker.console_errors == []

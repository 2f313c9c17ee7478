"""Registration without a connection, in a real browser with the page's service worker."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import IdempotencyRecord
from returns.models import Household, IdentityEvent, Member
from returns.services.households import household_register
from tests.browser.test_register_browser import log_in, member_row
from tests.factories import household, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REGISTER_PATH = "/households/register/"
HEADS = [("Gul", "Rahim", "Safi"), ("Nazir", "Habib", "Ahmadi"), ("Farid", "Karim", "Noori")]


def open_controlled(page, live_server) -> None:
    """The registration page, controlled by its service worker (installed, then the page reloaded)."""
    page.page_errors = []
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.goto(f"{live_server.url}{REGISTER_PATH}")
    page.evaluate("async () => { await navigator.serviceWorker.ready; return true; }")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def fill_household(page, given: str, father: str, family: str, *, arrival_date: str | None = None) -> None:
    """The least a household needs: where from, how, where to, and a head with a sex and an age."""
    if arrival_date:
        page.fill("input[name=arrival_date]", arrival_date)
    page.select_option("select[name=country_of_departure]", "PK")
    page.select_option("select[name=return_type]", "voluntary_repatriation")
    page.select_option("select[name=destination_province]", "AF06")
    head = member_row(page, 0)
    head.locator("input[name$='-given_name']").fill(given)
    head.locator("input[name$='-fathers_name']").fill(father)
    head.locator("input[name$='-family_name']").fill(family)
    head.locator("input[value=male]").check()
    head.locator("input[name$='-estimated_age']").fill("40")


def save(page) -> None:
    """Save the form, and wait for the page that comes back: from the server, or from the device offline
    (the service worker keeps the household and sends the registration page again)."""
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Save and route')")


def queue_offline(page, heads, **fields) -> None:
    """With the connection down, register these households: each waits in the device's queue."""
    page.context.set_offline(True)
    for number, (given, father, family) in enumerate(heads, start=1):
        fill_household(page, given, father, family, **fields)
        save(page)
        expected = "1 household waiting to send" if number == 1 else f"{number} households waiting to send"
        if fields.get("arrival_date"):
            expect(page.locator("[data-queue-list] > li")).to_have_count(number)
        else:
            expect(page.locator("[data-queue-count]")).to_have_text(expected)


def script_errors(page) -> list[str]:
    """Errors of the page's scripts; a request failing for lack of connection or a 503 is expected here."""
    return page.page_errors + [
        error for error in page.console_errors if not error.startswith("Failed to load resource:")
    ]


def log_out_answering(page, *, accept: bool) -> str:
    """Press "Log out" and answer the question it asks; the question's text.

    Answered from the dialog handler: a click waits for the navigation it starts, which waits for the answer.
    """
    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    page.click("form[data-logout] button[type=submit]")
    for _ in range(200):
        if questions:
            break
        page.wait_for_timeout(50)
    assert len(questions) == 1
    return questions[0]


def queued_in_browser(page) -> list[str]:
    return page.evaluate("async () => (await ReturnsOffline.all('queue')).map((item) => item.head)")


def registered_heads() -> list[tuple[str, str, str]]:
    return sorted(
        Member.objects.filter(relationship=Member.Relationship.HEAD).values_list(
            "given_name", "fathers_name", "family_name"
        )
    )


def test_three_households_typed_offline_are_kept_then_sent_once_when_the_connection_returns(
    page, live_server, unhcr_officer
):
    # Given an officer on the registration page, controlled by its service worker
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)
    context = page.context

    # When the connection drops and they register three households
    context.set_offline(True)
    for number, (given, father, family) in enumerate(HEADS, start=1):
        fill_household(page, given, father, family)
        save(page)
        # Then each time the page comes back from the device, saying how many wait
        expected = "1 household waiting to send" if number == 1 else f"{number} households waiting to send"
        expect(page.locator("[data-queue-count]")).to_have_text(expected)
        assert page.url == f"{live_server.url}{REGISTER_PATH}"
        expect(page.locator("[data-queued-now]")).to_be_visible()
    expect(page.locator("[data-offline-now]")).to_be_visible()
    assert [item.inner_text().split(" · ")[0] for item in page.locator("[data-queue-list] > li").all()] == [
        f"{given} {family}" for given, _father, family in HEADS
    ]
    assert Household.objects.count() == 0

    # And the page still opens, from the device, when reloaded offline
    page.reload()
    expect(page.locator("h1")).to_have_text("Register a household")
    expect(page.locator("[data-queue-count]")).to_have_text("3 households waiting to send")

    # When the connection returns
    context.set_offline(False)

    # Then the queue is sent: three links under "Sent from this device today", nothing left waiting
    expect(page.locator("[data-sent-list] a")).to_have_count(3, timeout=20_000)
    expect(page.locator("[data-queue-count]")).to_be_hidden()
    expect(page.locator("[data-sent] h3")).to_have_text("Sent from this device today")
    assert registered_heads() == sorted(HEADS)
    assert Household.objects.count() == 3
    links = {link.get_attribute("href") for link in page.locator("[data-sent-list] a").all()}
    assert links == {
        f"{live_server.url}/households/{household.public_id}/routed/" for household in Household.objects.all()
    }
    assert queued_in_browser(page) == []
    assert script_errors(page) == []


def test_a_server_failing_the_first_sends_leaves_the_queue_to_send_again_and_each_household_is_registered_once(
    page, live_server, unhcr_officer
):
    # Given three households typed offline
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)
    queue_offline(page, HEADS)

    # ... and a server whose first two answers fail: the first after it registered the household
    # (the answer is lost on the way back), the second before it reached the application
    posts: list[str] = []

    def failing_at_first(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data_buffer.decode())
        if len(posts) == 1:
            route.fetch()
            route.fulfill(status=503, body="Service Unavailable")
        elif len(posts) == 2:
            route.fulfill(status=503, body="Service Unavailable")
        else:
            route.continue_()

    page.context.route(f"**{REGISTER_PATH}", failing_at_first)

    # When the connection returns
    page.context.set_offline(False)

    # Then sending fails, the page says it will try again, and all three still wait
    expect(page.locator("[data-offline-panel][data-state=retry]")).to_have_count(1)
    expect(page.locator("[data-offline-retry]")).to_be_visible()
    expect(page.locator("[data-queue-count]")).to_have_text("3 households waiting to send")
    assert len(posts) == 1
    assert registered_heads() == [HEADS[0]]

    # When the officer presses "Send now" (it fails again), and then once more
    page.click("[data-send-now]")  # the page forgets the failure, then tries again
    expect(page.locator("[data-offline-panel][data-state=retry]")).to_have_count(1)
    expect(page.locator("[data-offline-retry]")).to_be_visible()
    assert len(posts) == 2
    expect(page.locator("[data-queue-count]")).to_have_text("3 households waiting to send")
    page.click("[data-send-now]")

    # Then all three are sent, and each household is registered once: the first one's reference was
    # already registered, and the server answered with that household
    expect(page.locator("[data-sent-list] a")).to_have_count(3, timeout=20_000)
    expect(page.locator("[data-queue-count]")).to_be_hidden()
    expect(page.locator("[data-offline-retry]")).to_be_hidden()
    assert len(posts) == 5
    assert registered_heads() == sorted(HEADS)
    assert Household.objects.count() == 3
    assert IdempotencyRecord.objects.filter(principal=f"user:{unhcr_officer.pk}").count() == 3
    gul = Household.objects.get(members__given_name="Gul")
    assert page.locator("[data-sent-list] a", has_text="Gul Safi").get_attribute("href") == (
        f"{live_server.url}/households/{gul.public_id}/routed/"
    )
    assert queued_in_browser(page) == []
    assert script_errors(page) == []


def test_a_household_typed_offline_that_the_server_refuses_is_marked_and_opens_again_to_correct(
    page, live_server, unhcr_officer
):
    # Given a household typed offline with an arrival date in the future
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)
    queue_offline(page, [HEADS[1]], arrival_date=tomorrow)
    reference = page.evaluate("async () => (await ReturnsOffline.all('queue'))[0].reference")

    # When the connection returns and the page sends it
    page.context.set_offline(False)

    # Then it stays on the device, marked with the server's reason, nothing registered, none said to wait
    queued = page.locator("[data-queue-list] > li")
    problem = f"The arrival date {tomorrow} is in the future. Enter the day the household crossed."
    expect(queued.locator("[data-slot=problem]")).to_contain_text(problem)
    expect(queued.locator("[data-open-queued]")).to_be_visible()
    expect(page.locator("[data-queue-count]")).to_be_hidden()
    expect(queued.locator("[data-slot=head]")).to_have_text("Nazir Ahmadi")
    assert Household.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0

    # When the officer opens it to correct
    queued.locator("[data-open-queued]").click()

    # Then what they typed is back in the form, with its reference, and it left the queue
    expect(page.locator("[data-queue-list] > li")).to_have_count(0)
    head = member_row(page, 0)
    assert head.locator("input[name$='-given_name']").input_value() == "Nazir"
    assert head.locator("input[name$='-fathers_name']").input_value() == "Habib"
    assert head.locator("input[name$='-family_name']").input_value() == "Ahmadi"
    assert head.locator("input[name$='-estimated_age']").input_value() == "40"
    assert page.input_value("input[name=arrival_date]") == tomorrow
    assert page.input_value("select[name=destination_province]") == "AF06"
    assert page.input_value("input[name=client_reference]") == reference
    assert queued_in_browser(page) == []
    assert script_errors(page) == []

    # When they correct the date and save
    page.fill("input[name=arrival_date]", timezone.localdate().isoformat())
    save(page)

    # Then it is registered, under the reference it was queued with
    page.wait_for_url("**/routed/")
    saved = Household.objects.get()
    assert registered_heads() == [HEADS[1]]
    assert saved.arrival_date == timezone.localdate()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [f"register:{reference}"]


def test_logging_out_with_a_household_not_sent_asks_first_and_empties_the_device_only_if_the_officer_agrees(
    page, live_server, unhcr_officer
):
    # Given a household typed offline that cannot be sent (the server is down when the connection returns)
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)
    queue_offline(page, [HEADS[0]])
    page.context.route(
        f"**{REGISTER_PATH}",
        lambda route: route.fulfill(status=503) if route.request.method == "POST" else route.continue_(),
    )
    page.context.set_offline(False)
    expect(page.locator("[data-offline-panel][data-state=retry]")).to_have_count(1)
    queue_before = page.evaluate("ReturnsOffline.all('queue')")
    assert [item["head"] for item in queue_before] == ["Gul Safi"]

    # When they log out and answer "Cancel" to the question
    warning = log_out_answering(page, accept=False)

    # Then they were warned, and are still logged in, on the page, with the household still waiting on the device
    assert warning == (
        "1 household typed without a connection has not been sent yet. "
        "Logging out deletes it from this device. Log out anyway?"
    )
    expect(page.locator("[data-queue-count]")).to_have_text("1 household waiting to send")
    assert page.url == f"{live_server.url}{REGISTER_PATH}"
    assert page.context.request.get(f"{live_server.url}{REGISTER_PATH}", max_redirects=0).status == 200
    assert page.evaluate("ReturnsOffline.all('queue')") == queue_before
    assert page.evaluate("async () => (await caches.keys()).filter((name) => name.startsWith('returns-register-'))")

    # When they log out again and answer "OK"
    assert log_out_answering(page, accept=True) == warning

    # Then they are logged out, and the device keeps neither the household nor the page's copies
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.context.request.get(f"{live_server.url}{REGISTER_PATH}", max_redirects=0).status == 302
    assert queued_in_browser(page) == []
    assert page.evaluate("async () => (await ReturnsOffline.all('sent')).length") == 0
    assert page.evaluate("async () => (await ReturnsOffline.all('recent')).length") == 0
    assert (
        page.evaluate("async () => (await caches.keys()).filter((name) => name.startsWith('returns-register-'))") == []
    )
    assert script_errors(page) == []
    assert Household.objects.count() == 0


def test_a_session_that_ends_while_sending_keeps_the_household_until_the_officer_logs_in_again(
    page, live_server, unhcr_officer
):
    # Given a household typed offline, and a session that ends just as the page sends it
    # (after the page fetched its token, before the household reached the server)
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)
    queue_offline(page, [HEADS[0]])
    reference = page.evaluate("async () => (await ReturnsOffline.all('queue'))[0].reference")

    def session_ends(route):
        if route.request.method == "POST":
            Session.objects.all().delete()
        route.continue_()

    page.context.route(f"**{REGISTER_PATH}", session_ends)

    # When the connection returns
    page.context.set_offline(False)

    # Then the server sent the page to the login page: the household still waits, and the page says to log in
    expect(page.locator("[data-offline-login]")).to_be_visible()
    expect(page.locator("[data-queue-count]")).to_have_text("1 household waiting to send")
    expect(page.locator("[data-sent]")).to_be_hidden()
    assert queued_in_browser(page) == ["Gul Safi"]
    assert page.evaluate("async () => (await ReturnsOffline.all('sent')).length") == 0
    assert Household.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0

    # When the officer logs in again and opens the registration page
    page.context.unroute(f"**{REGISTER_PATH}")
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}{REGISTER_PATH}")

    # Then the household is sent and registered, once
    expect(page.locator("[data-sent-list] a")).to_have_count(1, timeout=20_000)
    expect(page.locator("[data-queue-count]")).to_be_hidden()
    expect(page.locator("[data-offline-login]")).to_be_hidden()
    assert registered_heads() == [HEADS[0]]
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [f"register:{reference}"]
    assert queued_in_browser(page) == []
    assert script_errors(page) == []


def registered(officer, given: str, father: str, family: str, *, age: int = 40) -> Household:
    return household_register(
        registered_by=officer,
        registration=household(members=[member(given_name=given, fathers_name=father, family_name=family, age=age)]),
    )


def test_a_household_typed_offline_whose_head_was_registered_meanwhile_comes_back_to_decide_the_match(
    page, live_server, unhcr_officer, iom_officer
):
    # Given Gul son of Rahim Safi, 40, typed offline at one post while IOM registers him at another
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)
    queue_offline(page, [HEADS[0]])
    elsewhere = registered(iom_officer, *HEADS[0])

    # When the connection returns and the page sends the household
    page.context.set_offline(False)

    # Then it is not registered: it waits on the device, marked, for the officer to decide
    queued = page.locator("[data-queue-list] > li")
    expect(queued.locator("[data-slot=problem]")).to_contain_text(
        "Possibly registered already, while this household waited to be sent: 1 likely match."
    )
    expect(queued.locator("[data-open-queued]")).to_be_visible()
    assert Household.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 0

    # When the officer opens it: the likely match is shown beside the head
    queued.locator("[data-open-queued]").click()
    head = member_row(page, 0)
    head.locator("[data-matches]:not([aria-busy])").wait_for()
    matches = head.locator("[data-match]")
    expect(matches).to_have_count(1)
    expect(matches.first).to_contain_text("A possible match registered by IOM on")

    # When they say it is the same person and save
    matches.first.locator("input[type=radio]").check()
    save(page)

    # Then the household is registered once, its head linked to the person IOM registered
    page.wait_for_url("**/routed/")
    new = Household.objects.exclude(pk=elsewhere.pk).get()
    assert new.members.get().same_person_as_id == elsewhere.members.get().pk
    assert IdentityEvent.objects.count() == 1
    assert queued_in_browser(page) == []
    assert script_errors(page) == []


def test_a_queued_household_whose_reference_registered_another_is_sent_back_with_a_new_reference(
    page, live_server, unhcr_officer
):
    # Given a household registered online, and the next typed offline into a form that kept its reference
    # (as a page brought back by the Back button does)
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)
    used = page.input_value("input[name=client_reference]")
    fill_household(page, *HEADS[0])
    save(page)
    page.wait_for_url("**/routed/")
    page.goto(f"{live_server.url}{REGISTER_PATH}")
    page.evaluate(f"document.querySelector('input[name=client_reference]').value = '{used}'")
    queue_offline(page, [HEADS[1]])

    # When the connection returns and the page sends it
    page.context.set_offline(False)

    # Then it is not taken for the first household: it waits, marked, under a new reference
    queued = page.locator("[data-queue-list] > li")
    expect(queued.locator("[data-slot=problem]")).to_contain_text(
        "This form was already used to register another household, so nothing was saved."
    )
    fresh = page.evaluate("async () => (await ReturnsOffline.all('queue'))[0].reference")
    assert fresh != used
    assert registered_heads() == [HEADS[0]]

    # When the officer opens it and saves
    queued.locator("[data-open-queued]").click()
    expect(page.locator("[data-queue-list] > li")).to_have_count(0)  # back in the form, out of the queue
    assert page.input_value("input[name=client_reference]") == fresh
    save(page)

    # Then both households are registered, each once
    page.wait_for_url("**/routed/")
    assert registered_heads() == sorted([HEADS[0], HEADS[1]])
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == sorted(
        [f"register:{used}", f"register:{fresh}"]
    )


def test_the_officers_recent_registrations_are_kept_to_look_up_offline_with_their_time(
    page, live_server, unhcr_officer, unhcr_manager
):
    # Given two households the officer registered this week, and one a colleague registered
    gul = registered(unhcr_officer, *HEADS[0])
    nazir = registered(unhcr_officer, *HEADS[1])
    colleagues = registered(unhcr_manager, *HEADS[2])

    # When the officer opens the registration page online
    log_in(page, live_server, "unhcr.officer.t")
    open_controlled(page, live_server)

    # Then their own two are listed, as of now
    recent = page.locator("[data-recent]")
    expect(recent).to_be_visible()
    recent.locator("summary").click()
    rows = recent.locator("[data-recent-row]")
    expect(rows).to_have_count(2)
    assert nazir.registration_number in rows.nth(0).inner_text()
    assert "Nazir Habib Ahmadi" in rows.nth(0).inner_text()
    assert gul.registration_number in rows.nth(1).inner_text()
    assert colleagues.registration_number not in recent.inner_text()
    as_of = recent.locator("[data-recent-as-of]").inner_text()
    assert as_of.startswith("Households you registered in the last 7 days, as of ")

    # When the connection drops and the page is opened again
    page.context.set_offline(True)
    page.reload()

    # Then the same list is there, from the device, with the time it was listed
    recent.locator("summary").click()
    expect(rows).to_have_count(2)
    expect(recent.locator("[data-recent-as-of]")).to_have_text(as_of)

    # When the officer looks up "nazir"
    recent.locator("[data-recent-filter]").fill("nazir")

    # Then only his household is shown
    expect(rows.locator("visible=true")).to_have_count(1)
    assert nazir.registration_number in rows.locator("visible=true").inner_text()
    assert script_errors(page) == []

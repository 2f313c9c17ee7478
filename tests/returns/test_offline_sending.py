"""What the registration page meets when households typed offline are sent later: a reference used
for another household is refused, not replayed; a household whose answer was lost, queued and sent
again, is recognised; likely matches registered meanwhile go back to the officer, never merged or
lost. And the officer's own recent registrations, kept by the page for looking up offline.
"""

import datetime
import gzip
import re
import uuid

import brotli
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import AccessLogEntry, IdempotencyRecord
from returns.models import Household, IdentityEvent, Member
from returns.services.households import household_register
from tests.access_log_support import LOG_ROW
from tests.factories import household, member
from tests.returns.test_pages import REGISTER_URL
from tests.returns.test_register_idempotency import counts, household_post, routed_url

pytestmark = pytest.mark.django_db

RECENT_URL = "/households/register/recent/"
QUEUED = {"queued_offline": "1"}
REF = re.compile(r'name="members-0-same_person_as" value="([^"]+)"')


def registered(officer, **person) -> Household:
    return household_register(registered_by=officer, registration=household(members=[member(**person)]))


def errors_of(response) -> list[str]:
    return [
        error
        for form in response.context["member_formset"].forms
        for errors in form.errors.values()
        for error in errors
    ] + list(response.context["household_form"].non_field_errors())


# --- A reference sent again -------------------------------------------------------------------


def test_another_household_posted_with_a_used_reference_is_refused_not_sent_to_the_first(client, unhcr_officer):
    # Given a household registered with a reference (then the Back button brings the old form back)
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()
    client.post(REGISTER_URL, household_post(reference, given_name="Gul", fathers_name="Rahim"))
    before = counts()

    # When another household is typed into that form and sent with the same reference
    response = client.post(REGISTER_URL, household_post(reference, given_name="Nazir", fathers_name="Habib"))

    # Then nothing is saved, and the form comes back with what was typed, marked, to check and save again
    assert response.status_code == 200
    assert counts() == before == (1, 1, 1, 1)
    assert errors_of(response) == [
        "This form was already used to register another household, so nothing was saved. "
        "Check the details below, then save again."
    ]
    page = response.content.decode()
    assert "data-reference-used" in page
    assert 'value="Nazir"' in page
    assert 'name="client_reference" value=""' in page
    assert list(Member.objects.values_list("given_name", flat=True)) == ["Gul"]


def test_a_household_whose_answer_was_lost_queued_and_sent_again_is_found_not_registered_twice(client, unhcr_officer):
    # Given a household that reached the server, whose answer the dropped link lost
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()
    client.post(REGISTER_URL, household_post(reference))
    saved = Household.objects.get()

    # When the service worker's copy (the same fields, marked as queued offline) is sent from the queue
    response = client.post(REGISTER_URL, {**household_post(reference), **QUEUED})

    # Then it is recognised as that household
    assert (response.status_code, response["Location"], response["Idempotent-Replayed"]) == (
        302,
        routed_url(saved),
        "true",
    )
    assert counts() == (1, 1, 1, 1)


def test_the_first_page_of_a_new_officer_is_not_opened_with_a_reference_of_the_api(client, unhcr_officer):
    # Given an API registration whose Idempotency-Key is what the page would claim for a reference
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()
    IdempotencyRecord.objects.create(
        principal=f"user:{unhcr_officer.pk}",
        key=f"register:{reference}",
        method="POST",
        path="/api/v1/households/",
        request_hash="0" * 64,
        status_code=201,
        response_headers={"Location": "/api/v1/households/elsewhere/"},
        created_at=timezone.now(),
    )

    # When the page sends a household with that reference
    response = client.post(REGISTER_URL, household_post(reference))

    # Then the officer is not sent to the API's answer: nothing saved, the form back to save again
    assert response.status_code == 200
    assert "data-reference-used" in response.content.decode()
    assert Household.objects.count() == 0


# --- Likely matches registered while the household waited -------------------------------------


def test_a_queued_household_whose_member_may_be_registered_meanwhile_goes_back_to_the_officer(
    client, unhcr_officer, iom_officer
):
    # Given Gul son of Rahim, 40, registered at another post while a tablet was offline
    elsewhere = registered(iom_officer, given_name="Gul", fathers_name="Rahim", age=40)
    client.force_login(unhcr_officer)
    before = counts()

    # When the tablet's queue sends its household with Gul son of Rahim, 40 (no matches ever shown)
    response = client.post(REGISTER_URL, {**household_post(uuid.uuid4()), **QUEUED})

    # Then nothing is saved: the member is marked for the officer to decide, nothing merged or lost
    assert response.status_code == 200
    assert counts() == before
    assert IdentityEvent.objects.count() == 0
    assert errors_of(response) == [
        "Possibly registered already, while this household waited to be sent: 1 likely match. "
        "Choose the same person, or “A new person”, then save."
    ]
    assert Household.objects.get() == elsewhere
    assert IdempotencyRecord.objects.count() == 0  # the reference stays free for the decided household


def test_the_reopened_household_with_the_officers_decision_is_registered_and_linked(client, unhcr_officer):
    # Given a queued household sent back because its head may be registered already
    elsewhere = registered(unhcr_officer, given_name="Gul", fathers_name="Rahim", age=40)
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()
    client.post(REGISTER_URL, {**household_post(reference), **QUEUED})
    ref = REF.findall(
        client.post(
            "/households/register/matches/",
            {"row": "members-0", "given_name": "Gul", "fathers_name": "Rahim", "estimated_age": "40", "sex": "male"},
        ).content.decode()
    )
    assert len(ref) == 1

    # When the officer opens it, sees the match, says it is the same person and saves (same reference)
    decided = {**household_post(reference), "members-0-same_person_as": ref[0], "members-0-candidates_seen": ref[0]}
    response = client.post(REGISTER_URL, decided)

    # Then the household is registered, its head linked to the person registered before
    new = Household.objects.exclude(pk=elsewhere.pk).get()
    assert (response.status_code, response["Location"]) == (302, routed_url(new))
    assert new.members.get().person_id == elsewhere.members.get().person_id
    assert IdentityEvent.objects.count() == 1


def test_a_queued_household_with_no_likely_match_or_a_decision_made_online_is_registered(client, unhcr_officer):
    # Given nobody like the queued household's head registered (Nazir son of Habib)
    registered(unhcr_officer, given_name="Gul", fathers_name="Rahim", age=40)
    client.force_login(unhcr_officer)

    # When the queue sends Nazir son of Habib
    response = client.post(
        REGISTER_URL, {**household_post(uuid.uuid4(), given_name="Nazir", fathers_name="Habib"), **QUEUED}
    )

    # Then it is registered at once
    assert response.status_code == 302
    assert sorted(Member.objects.values_list("given_name", flat=True)) == ["Gul", "Nazir"]


def test_a_household_typed_online_is_not_stopped_by_matches_the_officer_was_shown(client, unhcr_officer):
    # Given Gul son of Rahim registered, and the same names typed online (no queue mark)
    registered(unhcr_officer, given_name="Gul", fathers_name="Rahim", age=40)
    client.force_login(unhcr_officer)

    # When the page is saved without the queue's mark
    response = client.post(REGISTER_URL, household_post(uuid.uuid4()))

    # Then it is registered as before (the matches were shown while typing)
    assert response.status_code == 302
    assert Household.objects.count() == 2


# --- The officer's recent registrations, kept for offline look-up -------------------------------


def test_the_recent_registrations_are_the_officers_own_of_the_last_seven_days(
    client, unhcr_officer, unhcr_manager, iom_officer
):
    # Given households registered by the officer (today, 6 days ago, 8 days ago), by a colleague and by IOM
    today = registered(unhcr_officer, given_name="Gul", fathers_name="Rahim", age=40)
    six_days = registered(unhcr_officer, given_name="Nazir", fathers_name="Habib", age=33)
    eight_days = registered(unhcr_officer, given_name="Zarghuna", fathers_name="Wali", age=25, sex="female")
    registered(unhcr_manager, given_name="Karim", fathers_name="Aziz", age=50)
    registered(iom_officer, given_name="Jamila", fathers_name="Sher", age=20, sex="female")
    now = timezone.now()
    Household.objects.filter(pk=six_days.pk).update(created_at=now - datetime.timedelta(days=6))
    Household.objects.filter(pk=eight_days.pk).update(created_at=now - datetime.timedelta(days=8))
    client.force_login(unhcr_officer)

    # When the registration page fetches them
    with CaptureQueriesContext(connection) as queries:
        response = client.get(RECENT_URL)

    # Then the officer's own of the last seven days, newest first, with the time they were listed
    assert response.status_code == 200
    assert [household.pk for household in response.context["recent"]] == [today.pk, six_days.pk]
    assert [household.head_name for household in response.context["recent"]] == ["Gul Rahim", "Nazir Habib"]
    page = response.content.decode()
    assert today.registration_number in page
    assert eight_days.registration_number not in page
    assert "Households you registered in the last 7 days, as of" in page
    assert "no-cache" in response["Cache-Control"]
    # The session, the user, the list, the access log: never one query per household
    assert len(queries) == 3 + LOG_ROW, [query["sql"] for query in queries.captured_queries]
    row = AccessLogEntry.objects.order_by("-id").first()
    assert (row.kind, row.user, sorted(row.record_ids)) == (
        "household",
        unhcr_officer,
        sorted([today.public_id, six_days.public_id]),
    )


def test_the_recent_registrations_leave_out_a_withdrawn_household(client, unhcr_officer):
    # Given two households of the officer, one withdrawn since (registered in error)
    kept = registered(unhcr_officer, given_name="Gul", fathers_name="Rahim", age=40)
    gone = registered(unhcr_officer, given_name="Nazir", fathers_name="Habib", age=33)
    Household.objects.filter(pk=gone.pk).update(
        withdrawn_at=timezone.now(), withdrawn_by=unhcr_officer, withdrawal_reason="registered in error"
    )
    client.force_login(unhcr_officer)

    # When the page fetches the recent registrations
    response = client.get(RECENT_URL)

    # Then the withdrawn one is not among them
    assert [household.pk for household in response.context["recent"]] == [kept.pk]


def test_someone_who_does_not_register_gets_no_recent_registrations(client, coordinator):
    # Given a coordinator (joint figures, no personal records)
    client.force_login(coordinator)

    # When they ask for the recent registrations
    response = client.get(RECENT_URL)

    # Then they are refused
    assert response.status_code == 403


# --- The page on a slow link -----------------------------------------------------------------------


def test_the_registration_page_is_sent_compressed_to_a_browser_that_accepts_it(client, unhcr_officer):
    # Given an officer's browser that accepts Brotli, an older one that accepts gzip only, and a client neither
    client.force_login(unhcr_officer)

    # When each opens the registration page
    brotli_page = client.get(REGISTER_URL, headers={"accept-encoding": "gzip, deflate, br, zstd"})
    gzip_page = client.get(REGISTER_URL, headers={"accept-encoding": "gzip, deflate"})
    plain = client.get(REGISTER_URL)

    # Then each gets the same page: Brotli (under a tenth of it), gzip (under a fifth), or as it is
    assert (brotli_page["Content-Encoding"], gzip_page["Content-Encoding"]) == ("br", "gzip")
    assert "Content-Encoding" not in plain
    assert brotli_page["Vary"].count("Accept-Encoding") == gzip_page["Vary"].count("Accept-Encoding") == 1
    assert int(brotli_page["Content-Length"]) == len(brotli_page.content)
    for compressed, opened in ((brotli_page, brotli.decompress), (gzip_page, gzip.decompress)):
        page = opened(compressed.content).decode()
        assert "data-register-form" in page and "data-offline-panel" in page
    assert len(brotli_page.content) * 10 <= len(plain.content)
    assert len(gzip_page.content) * 5 <= len(plain.content)
    assert len(brotli_page.content) < len(gzip_page.content)


def test_a_redirect_after_registering_is_not_compressed(client, unhcr_officer):
    # Given an officer's browser that accepts Brotli
    client.force_login(unhcr_officer)

    # When a household is registered (a redirect to its routed page, no body to speak of)
    response = client.post(REGISTER_URL, household_post(uuid.uuid4()), headers={"accept-encoding": "gzip, deflate, br"})

    # Then the redirect is sent as it is
    assert response.status_code == 302
    assert "Content-Encoding" not in response

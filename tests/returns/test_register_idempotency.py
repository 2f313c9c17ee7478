"""The registration page registers a ``client_reference`` once: a retry, the offline queue sending
again, or a second tab finds the household the first request created, and a refused registration
leaves the reference free to be sent again, corrected. Then the offline page's own files: the
service worker and the web app manifest.
"""

import datetime
import json
import re
import struct
import threading
import time
import uuid
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.templatetags.static import static
from django.test import Client
from django.utils import timezone

from agencies.models import IdempotencyRecord
from returns.models import Household, HouseholdEvent, Member
from returns.views import households as household_views
from tests.returns.test_pages import REGISTER_URL, member_fields, registration_post

pytestmark = pytest.mark.django_db

SERVICE_WORKER_URL = "/households/register/sw.js"
MANIFEST_URL = "/households/register/manifest.webmanifest"
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)

# What the registration page loads, and so what the service worker must keep for the page to open offline.
PAGE_ASSETS = [
    "css/app.css",
    "js/app.js",
    "js/register.js",
    "js/offline-store.js",
    "js/offline-register.js",
    "fonts/vazirmatn-arabic-regular.woff2",
    "fonts/vazirmatn-arabic-bold.woff2",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
]


def household_post(reference, *, given_name="Gul", fathers_name="Rahim", **household_fields) -> dict:
    """A one-person household as the page posts it, with the reference its script made."""
    return {
        **registration_post(
            members=[member_fields(given_name=given_name, fathers_name=fathers_name, estimated_age="40")],
            **household_fields,
        ),
        "client_reference": str(reference),
    }


def routed_url(household: Household) -> str:
    return f"/households/{household.public_id}/routed/"


def counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        HouseholdEvent.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def png_size(path) -> tuple[int, int]:
    with open(path, "rb") as image:
        header = image.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


# --- One reference, one household -----------------------------------------------------------


def test_the_same_registration_sent_twice_with_one_reference_creates_one_household(client, unhcr_officer):
    # Given an officer whose page made a reference for the household they typed
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()

    # When the form is sent, then sent again (the answer was lost on a slow link)
    first = client.post(REGISTER_URL, household_post(reference))
    second = client.post(REGISTER_URL, household_post(reference))

    # Then one household was registered, and the second answer goes to its routed page, marked replayed
    saved = Household.objects.get()
    assert (first.status_code, first["Location"], first.get("Idempotent-Replayed")) == (302, routed_url(saved), None)
    assert (second.status_code, second["Location"], second["Idempotent-Replayed"]) == (302, routed_url(saved), "true")
    assert counts() == (1, 1, 1, 1)
    assert list(Member.objects.values_list("given_name", "fathers_name", "estimated_age")) == [("Gul", "Rahim", 40)]
    record = IdempotencyRecord.objects.get()
    assert (record.principal, record.key, record.method, record.path) == (
        f"user:{unhcr_officer.pk}",
        f"register:{reference}",
        "POST",
        REGISTER_URL,
    )
    assert (record.status_code, record.response_headers) == (302, {"Location": routed_url(saved)})


def test_the_replayed_answer_opens_the_routed_page_of_the_first_household(client, unhcr_officer):
    # Given a household registered with a reference
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()
    client.post(REGISTER_URL, household_post(reference))
    saved = Household.objects.get()

    # When the same reference is sent again and the browser follows the answer
    response = client.post(REGISTER_URL, household_post(reference), follow=True)

    # Then the officer sees that household's routing result, and nothing new was saved
    assert response.status_code == 200
    assert response.redirect_chain == [(routed_url(saved), 302)]
    assert response.context["household"] == saved
    assert saved.registration_number in response.content.decode()
    assert counts() == (1, 1, 1, 1)


def test_two_households_with_two_references_are_both_registered(client, unhcr_officer):
    # Given an officer who registers one household, then the next with the new reference the page made
    client.force_login(unhcr_officer)
    first_reference, second_reference = uuid.uuid4(), uuid.uuid4()

    # When both are sent
    first = client.post(REGISTER_URL, household_post(first_reference, given_name="Gul", fathers_name="Rahim"))
    second = client.post(REGISTER_URL, household_post(second_reference, given_name="Nazir", fathers_name="Habib"))

    # Then both are registered, each answered with its own routed page
    gul = Household.objects.get(members__given_name="Gul")
    nazir = Household.objects.get(members__given_name="Nazir")
    assert (first.status_code, first["Location"], first.get("Idempotent-Replayed")) == (302, routed_url(gul), None)
    assert (second.status_code, second["Location"], second.get("Idempotent-Replayed")) == (302, routed_url(nazir), None)
    assert counts() == (2, 2, 2, 2)
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == sorted(
        [f"register:{first_reference}", f"register:{second_reference}"]
    )


# --- A refused registration frees its reference -----------------------------------------------


def test_a_refused_registration_keeps_nothing_and_the_same_reference_sent_corrected_registers(client, unhcr_officer):
    # Given a household typed with an arrival date in the future (offline, say), and its reference
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()

    # When it is sent
    refused = client.post(REGISTER_URL, household_post(reference, arrival_date=TOMORROW.isoformat()))

    # Then the form comes back with the problem, and nothing was kept: no household, no claim on the reference
    assert refused.status_code == 200
    assert refused.get("Idempotent-Replayed") is None
    assert refused.context["household_form"].errors["arrival_date"] == [
        f"The arrival date {TOMORROW.isoformat()} is in the future. Enter the day the household crossed."
    ]
    assert counts() == (0, 0, 0, 0)

    # When the officer corrects the date and sends it with the same reference
    corrected = client.post(REGISTER_URL, household_post(reference))

    # Then it is registered, once
    saved = Household.objects.get()
    assert (corrected.status_code, corrected["Location"], corrected.get("Idempotent-Replayed")) == (
        302,
        routed_url(saved),
        None,
    )
    assert saved.arrival_date == timezone.localdate() - datetime.timedelta(days=1)
    assert counts() == (1, 1, 1, 1)
    assert IdempotencyRecord.objects.get().key == f"register:{reference}"


def test_a_refused_registration_sent_again_unchanged_is_refused_again_not_replayed(client, unhcr_officer):
    # Given a refused registration
    client.force_login(unhcr_officer)
    reference = uuid.uuid4()
    client.post(REGISTER_URL, household_post(reference, arrival_date=TOMORROW.isoformat()))

    # When the queue sends the same, uncorrected, again
    again = client.post(REGISTER_URL, household_post(reference, arrival_date=TOMORROW.isoformat()))

    # Then it is refused again, with its problem, and still nothing is kept
    assert again.status_code == 200
    assert again.get("Idempotent-Replayed") is None
    assert list(again.context["household_form"].errors) == ["arrival_date"]
    assert counts() == (0, 0, 0, 0)


# --- Whose reference ----------------------------------------------------------------------------


def test_a_reference_is_the_officers_own_another_officer_sending_it_registers_their_household(
    unhcr_officer, iom_officer
):
    # Given a household registered by a UNHCR officer with a reference
    reference = uuid.uuid4()
    unhcr_client, iom_client = Client(), Client()
    unhcr_client.force_login(unhcr_officer)
    iom_client.force_login(iom_officer)
    unhcr_client.post(REGISTER_URL, household_post(reference, given_name="Gul", fathers_name="Rahim"))
    gul = Household.objects.get()

    # When an IOM officer sends a household with the same reference
    response = iom_client.post(REGISTER_URL, household_post(reference, given_name="Nazir", fathers_name="Habib"))

    # Then theirs is registered (not sent to the other officer's household), under their own claim
    nazir = Household.objects.exclude(pk=gul.pk).get()
    assert (response.status_code, response["Location"], response.get("Idempotent-Replayed")) == (
        302,
        routed_url(nazir),
        None,
    )
    assert nazir.registered_by == iom_officer
    assert list(nazir.members.values_list("given_name", flat=True)) == ["Nazir"]
    assert counts() == (2, 2, 2, 2)
    assert sorted(IdempotencyRecord.objects.values_list("principal", "key")) == sorted(
        [(f"user:{unhcr_officer.pk}", f"register:{reference}"), (f"user:{iom_officer.pk}", f"register:{reference}")]
    )


# --- Without a (valid) reference, as before -----------------------------------------------------


@pytest.mark.parametrize("reference", ["abc", "", "  "], ids=["malformed", "empty", "blank"])
def test_without_a_valid_reference_the_page_registers_as_before_and_claims_nothing(client, unhcr_officer, reference):
    # Given a form whose reference is not a UUID (no script ran, or something else wrote it)
    client.force_login(unhcr_officer)

    # When it is sent
    response = client.post(REGISTER_URL, household_post(reference))

    # Then the household is registered, and no reference was claimed
    saved = Household.objects.get()
    assert (response.status_code, response["Location"], response.get("Idempotent-Replayed")) == (
        302,
        routed_url(saved),
        None,
    )
    assert counts() == (1, 1, 1, 0)


def test_the_page_has_an_empty_reference_for_its_script_and_links_the_manifest(client, unhcr_officer):
    # Given an officer
    client.force_login(unhcr_officer)

    # When they open the registration page
    content = client.get(REGISTER_URL).content.decode()

    # Then the form has the reference field the script fills, and the page names its manifest and worker
    assert '<input type="hidden" name="client_reference" value="">' in content
    assert f'<link rel="manifest" href="{MANIFEST_URL}">' in content
    assert f'data-service-worker="{SERVICE_WORKER_URL}"' in content


# --- Two sends at the same moment ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_of_one_reference_at_the_same_moment_create_one_household(reference_data_restored, unhcr_officer):
    # Given an officer's household sent from two tabs (or a retry racing the first) at the same moment,
    # the first one slowed while it holds its claim, so the second must wait for it
    reference = uuid.uuid4()
    body = household_post(reference)
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(unhcr_officer)
    register = household_views.household_register

    def slowly(**kwargs):
        registered = register(**kwargs)
        time.sleep(0.3)
        return registered

    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            response = clients[index].post(REGISTER_URL, body)
            answers[index] = (response.status_code, response.get("Location"), response.get("Idempotent-Replayed"))
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            answers[index] = error
        finally:
            connection.close()

    # When both are sent together, each from its own thread and database connection
    with mock.patch.object(household_views, "household_register", slowly):
        threads = [threading.Thread(target=send, args=(index,)) for index in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    # Then exactly one household exists, and both answers go to it, one of them marked replayed
    assert not any(thread.is_alive() for thread in threads)
    assert not [answer for answer in answers if isinstance(answer, Exception)], answers
    saved = Household.objects.get()
    assert sorted(answers, key=lambda answer: answer[2] or "") == [
        (302, routed_url(saved), None),
        (302, routed_url(saved), "true"),
    ]
    assert counts() == (1, 1, 1, 1)


# --- The service worker and the manifest ---------------------------------------------------------


def test_the_service_worker_is_public_javascript_naming_the_page_and_its_static_files(client):
    # Given a visitor who is not logged in (the browser fetches the worker on its own)

    # When the service worker is fetched
    response = client.get(SERVICE_WORKER_URL)

    # Then it is JavaScript, never cached by the browser's HTTP cache, naming the page and every file it keeps
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert 'const PAGE = "/households/register/";' in script
    assert f"const ASSETS = {json.dumps([static(path) for path in PAGE_ASSETS])};" in script
    assert json.dumps(static("css/app.css")) in script
    assert f"importScripts({json.dumps(static('js/offline-store.js'))});" in script
    assert re.search(r'const CACHE = "returns-register-[0-9a-f]{12}";', script)
    assert [path for path in PAGE_ASSETS if finders.find(path) is None] == []


def test_every_static_file_the_registration_page_loads_is_kept_by_the_service_worker(client, unhcr_officer):
    # Given the static files the registration page names in its HTML
    client.force_login(unhcr_officer)
    page = client.get(REGISTER_URL).content.decode()
    static_prefix = static("")
    loaded = set(re.findall(rf'(?:src|href)="({re.escape(static_prefix)}[^"]+)"', page))

    # When the service worker is fetched
    script = client.get(SERVICE_WORKER_URL).content.decode()
    kept = set(json.loads(re.search(r"const ASSETS = (\[.*?\]);", script).group(1)))

    # Then every one of them is kept for offline use
    assert loaded
    assert loaded - kept == set()


def test_the_manifest_makes_the_registration_page_an_installable_app(client):
    # Given a visitor who is not logged in (the browser fetches the manifest without cookies)

    # When the manifest is fetched
    response = client.get(MANIFEST_URL)

    # Then it is a web app manifest whose start and scope are the registration page, with PNG icons that exist
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/households/register/",
        "/households/register/",
        "standalone",
    )
    assert (manifest["name"], manifest["short_name"], manifest["lang"], manifest["dir"]) == (
        "Returnee registration",
        "Returns",
        "en",
        "ltr",
    )
    png_icons = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert png_icons == [
        {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
    ]
    assert png_size(finders.find("img/icon-192.png")) == (192, 192)
    assert png_size(finders.find("img/icon-512.png")) == (512, 512)

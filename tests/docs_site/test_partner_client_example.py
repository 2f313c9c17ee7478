"""The example partner client in docs/api.md, run against the real app: a full sync, then an incremental one.

After households are updated, deleted, merged and registered, the client's second run (asking
only for what changed since its watermark, and for the tombstones) must leave its mirror exactly
equal to what the partner may read: the same households, each as the API gives it now.
"""

import datetime
import importlib.util
import json
from pathlib import Path

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone

from agencies.api_keys import api_key_issue
from agencies.models import Agency, DataSharingAgreement, Scope
from returns.models import Household
from returns.services.households import household_merge, household_register, household_update, household_withdraw
from tests.factories import UserFactory, household, member, por_card
from tests.partner_infra.keys import administrator

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLIENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "examples" / "partner_client.py"
SHARED_FIELDS = [
    "household.registration_number",
    "household.arrival_date",
    "household.phone",
    "household.destination_province",
    "household.members",
    "member.given_name",
    "member.relationship",
]


def load_client():
    spec = importlib.util.spec_from_file_location("partner_client", CLIENT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def partner_key(db) -> str:
    """NRC's key with households:read; its agreement shares UNHCR's households, some of their fields."""
    nrc, unhcr = Agency.objects.get(code="NRC"), Agency.objects.get(code="UNHCR")
    agreement = DataSharingAgreement.objects.create(
        partner=nrc,
        title="NRC ICLA referrals",
        fields=SHARED_FIELDS,
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
    )
    agreement.source_agencies.set([unhcr])
    _, full_key = api_key_issue(
        partner=nrc,
        name="NRC mirror",
        scopes=[Scope.HOUSEHOLDS_READ],
        expires_at=None,
        requests_per_minute=600,
        issued_by=administrator(),
    )
    cache.clear()  # throttling counts start at zero
    return full_key


@pytest.fixture
def officer(unhcr, torkham):
    return UserFactory(username="unhcr.officer.sync", agency=unhcr, office=torkham)


@pytest.fixture
def manager(unhcr):
    from agencies.models import User

    return UserFactory(username="unhcr.manager.sync", agency=unhcr, office=None, role=User.Role.MANAGER)


def register(officer, *, card: str | None, name: str = "Ahmad") -> Household:
    documents = [por_card(number=card)] if card else []
    return household_register(
        registered_by=officer, registration=household(members=[member(given_name=name, documents=documents)])
    )


def server_view(base_url: str, key: str) -> dict[str, dict]:
    """Every household the partner may read, as the API gives it now (read afresh, page by page)."""
    households, url, params = {}, f"{base_url}/api/v1/households/", {"page_size": 100}
    while url:
        response = requests.get(url, params=params, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        response.raise_for_status()
        body = response.json()
        households.update({row["id"]: row for row in body["results"]})
        url, params = body["next"], None
    return households


def visible_ids(key: str) -> set[str]:
    """The households the partner's key may see, according to the database's own gate."""
    from agencies.models import ApiKey

    prefix = key.split("_")[1]
    user = ApiKey.objects.get(prefix=prefix).user
    return {str(public_id) for public_id in Household.objects.visible_to(user).values_list("public_id", flat=True)}


def run_client(client, live_server, key: str, state: Path, capsys) -> str:
    assert client.main(["--base-url", live_server.url, "--key", key, "--state", str(state)]) == 0
    return capsys.readouterr().out


def test_the_example_client_mirrors_the_households_through_a_full_then_an_incremental_sync(
    live_server, partner_key, officer, manager, iom_officer, tmp_path, capsys
):
    client = load_client()
    state = tmp_path / "mirror.json"

    # Given UNHCR households the partner may read, and an IOM one it may not
    kept = [register(officer, card=f"PK-1000{n}", name=name) for n, name in enumerate(["Ahmad", "Karim", "Nasir"])]
    to_delete = register(officer, card="PK-20001", name="Wali")
    duplicate = register(officer, card="PK-20002", name="Ahmad")
    outside = register(iom_officer, card=None, name="Jawad")
    assert {h.routed_agency.code for h in [*kept, to_delete, duplicate]} == {"UNHCR"}
    assert outside.routed_agency.code == "IOM"

    # When the client runs for the first time: a full sync
    output = run_client(client, live_server, partner_key, state, capsys)

    # Then its mirror holds exactly what the partner may read, as the API gives it
    assert output.startswith("full sync: 5 households in"), output
    first = json.loads(state.read_text())
    expected = {str(h.public_id) for h in [*kept, to_delete, duplicate]}
    assert set(first["households"]) == visible_ids(partner_key) == expected
    assert first["households"] == server_view(live_server.url, partner_key)
    # Minimised: a field the agreement does not share is absent, not null
    assert "return_type" not in first["households"][str(kept[0].public_id)]
    watermark = first["watermark"]

    # When households change: one updated, one deleted, one merged, new ones registered (one not visible)
    household_update(household=kept[0], updated_by=officer, changes={"phone": "+93 70 123 4567"})
    household_withdraw(household=to_delete, withdrawn_by=manager, reason="Registered twice by mistake at the gate.")
    household_merge(duplicate=duplicate, survivor=kept[1], merged_by=manager, note="Same family, same PoR card holder.")
    added = register(officer, card="PK-30001", name="Rahim")
    register(iom_officer, card=None, name="Habib")

    # And the client runs again: an incremental sync from its watermark
    output = run_client(client, live_server, partner_key, state, capsys)

    # Then it asked from the watermark, applied upserts and removals, and the mirror equals the server again
    assert output.startswith(f"incremental sync since {watermark}:"), output
    assert "1 deleted, 1 merged" in output, output
    second = json.loads(state.read_text())
    expected = {str(h.public_id) for h in [*kept, added]}
    assert set(second["households"]) == visible_ids(partner_key) == expected
    assert second["households"] == server_view(live_server.url, partner_key)
    assert second["households"][str(kept[0].public_id)]["phone"] == "+93 70 123 4567"
    assert datetime.datetime.fromisoformat(second["watermark"]) >= datetime.datetime.fromisoformat(watermark)

    # And a third run with nothing changed keeps the mirror as it is
    output = run_client(client, live_server, partner_key, state, capsys)
    assert output.startswith("incremental sync since"), output
    assert json.loads(state.read_text())["households"] == second["households"]


def test_the_example_client_waits_out_a_429_and_retries_a_503(monkeypatch):
    client = load_client()
    api = client.PartnerApi("http://api.test", "rk_00000000_x")
    answers = [(429, {"Retry-After": "3"}), (503, {}), (200, {})]
    waits = []

    def fake_get(url, params=None, timeout=None):
        status, headers = answers.pop(0)
        response = requests.Response()
        response.status_code, response.url = status, url
        response.headers.update(headers)
        response._content = b'{"results": [], "next": null}'
        return response

    monkeypatch.setattr(api.session, "get", fake_get)
    monkeypatch.setattr(client.time, "sleep", waits.append)

    assert api.get("/api/v1/households/").status_code == 200
    assert waits[0] == 3.0  # as the server said
    assert 0.5 <= waits[1] <= 2.0  # backoff with jitter
    assert answers == []

"""Incremental sync: updated_since in (updated_at, id) order, a safe watermark, tombstones."""

import datetime
import random

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from returns.models import Case, Household
from returns.services.households import household_merge, household_reroute, household_update, household_withdraw
from tests.partner_api.conftest import register_iom, register_unhcr
from tests.problems import problem_of

URL = "/api/v1/households/"
NOTE = "Registered twice at the border"


def _pages(client, url, params):
    """Every item of every page, following ``next``; and the last page's watermark."""
    items, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        items += response.json()["results"]
        if not response.json()["next"]:
            return items, response["X-Sync-Watermark"]
        response = client.get(response.json()["next"])


def test_updated_since_lists_changes_oldest_first(partner, unhcr_officer, admin_user):
    # Given three UNHCR households, then a change to the first
    first, second, third = (register_unhcr(unhcr_officer, given_name=name) for name in ("A", "B", "C"))
    since = timezone.now() - datetime.timedelta(minutes=1)
    household_update(household=first, updated_by=admin_user, changes={"phone": "0700123456"})

    # When the changes since a minute ago are read one per page
    items, watermark = _pages(partner, URL, {"updated_since": since.isoformat(), "page_size": 1})

    # Then they come oldest change first, the changed one last, each once
    assert [item["id"] for item in items] == [str(h.public_id) for h in (second, third, first)]
    stamps = [parse_datetime(item["updated_at"]) for item in items]
    assert stamps == sorted(stamps)
    assert parse_datetime(watermark) <= timezone.now() - datetime.timedelta(seconds=2)


def test_the_watermark_is_the_same_on_every_page_of_a_run(partner, unhcr_officer):
    for name in ("A", "B", "C"):
        register_unhcr(unhcr_officer, given_name=name)

    first = partner.get(URL, {"page_size": 1})
    second = partner.get(first.json()["next"])
    third = partner.get(second.json()["next"])

    assert first["X-Sync-Watermark"] == second["X-Sync-Watermark"] == third["X-Sync-Watermark"]


def test_tombstones_list_deleted_and_merged_households_and_their_cases(
    partner, staff_client, unhcr_officer, unhcr_manager, iom_officer
):
    since = timezone.now() - datetime.timedelta(minutes=1)
    deleted, duplicate, survivor = (register_unhcr(unhcr_officer, given_name=name) for name in ("A", "B", "C"))
    iom_deleted = register_iom(iom_officer)
    deleted_case, duplicate_case, survivor_case = (
        Case.objects.get(household=h) for h in (deleted, duplicate, survivor)
    )
    manager = staff_client(unhcr_manager)

    # When a manager deletes one household and merges another into a third, over the API
    removed = manager.delete(f"{URL}{deleted.public_id}/", {"note": NOTE}, format="json")
    merged = manager.post(
        f"{URL}{duplicate.public_id}/merge/", {"into": str(survivor.public_id), "note": NOTE}, format="json"
    )
    household_withdraw(household=iom_deleted, withdrawn_by=_admin(), reason=NOTE)

    # Then the partner is told, oldest first, and only of UNHCR's records
    households = partner.get(f"{URL}deleted/", {"since": since.isoformat()})
    cases = partner.get("/api/v1/cases/deleted/", {"since": since.isoformat()})
    assert (removed.status_code, merged.status_code) == (204, 200)
    assert merged.json()["id"] == str(survivor.public_id)
    assert [(item["id"], item["reason"], item["merged_into"]) for item in households.json()["results"]] == [
        (str(deleted.public_id), "deleted", None),
        (str(duplicate.public_id), "merged", str(survivor.public_id)),
    ]
    assert set(households.json()["results"][0]) == {"id", "reason", "merged_into", "deleted_at"}
    assert [(item["id"], item["reason"], item["merged_into"]) for item in cases.json()["results"]] == [
        (str(deleted_case.public_id), "deleted", None),
        (str(duplicate_case.public_id), "merged", str(survivor_case.public_id)),
    ]
    assert "X-Sync-Watermark" in households


def _admin():
    from tests.factories import UserFactory

    return UserFactory(username="admin.sync", agency=None, office=None, role="admin")


def test_deleting_needs_a_justification_and_a_manager(staff_client, unhcr_officer, unhcr_manager, unhcr_household):
    url = f"{URL}{unhcr_household.public_id}/"

    without_note = staff_client(unhcr_manager).delete(url)
    by_officer = staff_client(unhcr_officer).delete(url, {"note": NOTE}, format="json")

    assert without_note.status_code == 400
    assert problem_of(without_note)["errors"] == [
        {"path": "note", "code": "blank", "message": "This field may not be blank."}
    ]
    assert by_officer.status_code == 403
    assert Household.objects.filter(pk=unhcr_household.pk).exists()


def test_a_partner_with_households_write_changes_a_household(partner, agreement, unhcr_household):
    # A new province clears the district: the key writes it only if it reads both.
    agreement.fields = [*agreement.fields, "household.destination_district"]
    agreement.save()

    response = partner.patch(f"{URL}{unhcr_household.public_id}/", {"destination_province": "AF01"}, format="json")
    read_only = partner.patch(f"{URL}{unhcr_household.public_id}/", {"category": "undocumented"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["destination_province"] == "AF01"
    unhcr_household.refresh_from_db()
    assert unhcr_household.destination_province_id == "AF01"
    assert read_only.status_code == 400
    assert problem_of(read_only)["errors"][0]["code"] == "read_only"


def test_a_merge_retried_with_its_idempotency_key_merges_once(staff_client, unhcr_manager, unhcr_officer):
    duplicate, survivor = register_unhcr(unhcr_officer, given_name="A"), register_unhcr(unhcr_officer, given_name="B")
    client, body = staff_client(unhcr_manager), {"into": str(survivor.public_id), "note": NOTE}

    first = client.post(f"{URL}{duplicate.public_id}/merge/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    retry = client.post(f"{URL}{duplicate.public_id}/merge/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"


# The mirror --------------------------------------------------------------------------------


def _visible(key_user) -> dict:
    return {str(h.public_id): h.updated_at for h in Household.objects.visible_to(key_user)}


def test_a_mirror_replaying_updated_since_and_tombstones_ends_equal_to_the_server(
    partner, unhcr_officer, iom_officer, admin_user
):
    rng = random.Random(4)
    officers = [unhcr_officer, iom_officer]

    def create(index):
        register = rng.choice([register_unhcr, register_iom])
        return register(rng.choice(officers), given_name=f"Person{index}")

    # Given random households, last changed an hour ago
    for index in range(30):
        create(index)
    Household.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))

    # When the partner's client makes a full sync, three per page
    mirror: dict[str, datetime.datetime] = {}
    items, watermark = _pages(partner, URL, {"page_size": 3})
    mirror.update({item["id"]: parse_datetime(item["updated_at"]) for item in items})
    assert mirror == _visible(partner.key.user)

    # And then random creates, updates, deletes, merges and re-routings happen
    for step in range(40):
        alive = list(Household.objects.not_withdrawn().order_by("pk"))
        action = rng.choice(["create", "update", "delete", "merge", "reroute"])
        if action == "create" or len(alive) < 3:
            create(100 + step)
        elif action == "update":
            household_update(household=rng.choice(alive), updated_by=admin_user, changes={"phone": f"07001{step:05d}"})
        elif action == "reroute":
            moved = rng.choice(alive)
            to_agency = (
                iom_officer.agency if moved.routed_agency_id == unhcr_officer.agency_id else unhcr_officer.agency
            )
            household_reroute(
                household=moved, rerouted_by=admin_user, agency=to_agency, category="undocumented", justification=NOTE
            )
        elif action == "delete":
            household_withdraw(household=rng.choice(alive), withdrawn_by=admin_user, reason=NOTE)
        else:
            duplicate, survivor = rng.sample(alive, 2)
            household_merge(duplicate=duplicate, survivor=survivor, merged_by=admin_user, note=NOTE)

    # And the client replays the changes and the tombstones since its watermark
    changed, next_watermark = _pages(partner, URL, {"updated_since": watermark, "page_size": 3})
    deleted, deleted_watermark = _pages(partner, f"{URL}deleted/", {"since": watermark, "page_size": 3})
    mirror.update({item["id"]: parse_datetime(item["updated_at"]) for item in changed})
    for tombstone in deleted:  # unless its copy changed after (re-routed away, then back)
        copy = mirror.get(tombstone["id"])
        if copy is not None and copy <= parse_datetime(tombstone["deleted_at"]):
            del mirror[tombstone["id"]]

    # Then its mirror is exactly what the server shows it, ids and update times
    assert mirror == _visible(partner.key.user)
    # And the replay was incremental: none of the households untouched for an hour came again
    hour_ago = timezone.now() - datetime.timedelta(minutes=59)
    assert all(parse_datetime(item["updated_at"]) > hour_ago for item in changed)
    assert deleted and changed
    assert {"deleted", "merged", "moved"} <= {tombstone["reason"] for tombstone in deleted}
    # And the watermark it keeps for its next run (the smaller of the two) has moved on
    kept = min(parse_datetime(next_watermark), parse_datetime(deleted_watermark))
    assert kept >= parse_datetime(watermark)

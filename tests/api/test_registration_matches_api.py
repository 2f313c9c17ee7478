"""Likely matches at registration through the API: each candidate's signed `ref`, and the officer's
decision sent with the household (`same_person_as`, or `new_person.candidates_seen`)."""

from decimal import Decimal

import pytest

from returns.models import Household, IdentityEvent, MatchPair, Member
from returns.registration import candidate_ref
from tests.api.payloads import household_json, member_json, por_card_json
from tests.problems import problem_of

pytestmark = pytest.mark.django_db

CANDIDATES_URL = "/api/v1/duplicates/candidates/"
HOUSEHOLDS_URL = "/api/v1/households/"


@pytest.fixture
def registered_by_iom(iom_client) -> Member:
    """Muhammad son of Gul, 31, registered by IOM (deported, no card)."""
    response = iom_client.post(
        HOUSEHOLDS_URL,
        household_json(
            return_type="deportation",
            members=[member_json(given_name="Muhammad", fathers_name="Gul", family_name="Safi", age=31)],
        ),
        format="json",
    )
    assert response.status_code == 201
    return Member.objects.get(household__public_id=response.json()["id"])


def candidates_for(client, **typed) -> list[dict]:
    response = client.post(CANDIDATES_URL, typed, format="json")
    assert response.status_code == 200
    return response.json()["candidates"]


def refs_for(client, **typed) -> list[str]:
    return [candidate["ref"] for candidate in candidates_for(client, **typed)]


def mohammad(**decision) -> dict:
    return household_json(
        members=[
            member_json(
                given_name="Mohammad",
                fathers_name="Gul",
                family_name="Safi",
                age=30,
                documents=[por_card_json()],
                **decision,
            )
        ]
    )


def counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        IdentityEvent.objects.count(),
        MatchPair.objects.count(),
    )


def test_each_candidate_has_a_ref_that_reveals_nothing_of_another_agencys_person(unhcr_client, registered_by_iom):
    response = unhcr_client.post(CANDIDATES_URL, {"given_name": "Mohammad", "fathers_name": "Gul"}, format="json")

    [candidate] = response.json()["candidates"]
    assert sorted(candidate) == ["agency", "household", "person", "reasons", "ref", "registered_on", "score"]
    assert (candidate["agency"], candidate["household"], candidate["person"]) == ("IOM", None, None)
    assert str(registered_by_iom.public_id) not in candidate["ref"]
    assert str(registered_by_iom.household.public_id) not in candidate["ref"]


def test_a_member_sent_as_the_same_person_is_linked(unhcr_client, unhcr_officer, registered_by_iom):
    # Given the candidates a UNHCR officer's tablet was given for Mohammad son of Gul
    [candidate] = candidates_for(
        unhcr_client, given_name="Mohammad", fathers_name="Gul", family_name="Safi", estimated_age=30
    )
    ref = candidate["ref"]

    # When the household is registered with him said to be IOM's person
    response = unhcr_client.post(HOUSEHOLDS_URL, mohammad(same_person_as=ref), format="json")

    # Then he points at that person, and the link is recorded as a decided pair
    assert response.status_code == 201
    new = Member.objects.get(household__public_id=response.json()["id"])
    assert new.same_person_as_id == registered_by_iom.pk
    event = IdentityEvent.objects.get()
    assert (event.kind, event.member_id, event.other_id, event.actor) == (
        IdentityEvent.Kind.LINKED,
        new.pk,
        registered_by_iom.pk,
        unhcr_officer,
    )
    pair = MatchPair.objects.get()
    assert (pair.first_id, pair.second_id, pair.status, pair.score) == (
        registered_by_iom.pk,
        new.pk,
        MatchPair.Status.SAME,
        Decimal(str(candidate["score"])),  # the score the tablet was shown
    )


def test_a_new_person_is_recorded_with_the_candidates_seen(unhcr_client, unhcr_officer, registered_by_iom):
    [candidate] = candidates_for(
        unhcr_client, given_name="Mohammad", fathers_name="Gul", family_name="Safi", estimated_age=30
    )

    response = unhcr_client.post(
        HOUSEHOLDS_URL, mohammad(new_person={"candidates_seen": [candidate["ref"]]}), format="json"
    )

    assert response.status_code == 201
    new = Member.objects.get(household__public_id=response.json()["id"])
    assert new.same_person_as_id is None
    event = IdentityEvent.objects.get()
    assert (event.kind, event.member_id, event.actor, event.details) == (
        IdentityEvent.Kind.NEW_PERSON,
        new.pk,
        unhcr_officer,
        {"candidates": [[registered_by_iom.pk, f"{candidate['score']:.3f}"]]},
    )


def test_a_new_person_after_nobody_was_found_is_recorded_too(unhcr_client):
    response = unhcr_client.post(HOUSEHOLDS_URL, mohammad(new_person={}), format="json")

    assert response.status_code == 201
    assert IdentityEvent.objects.get().details == {"candidates": []}


def test_no_decision_records_nothing(unhcr_client):
    response = unhcr_client.post(HOUSEHOLDS_URL, mohammad(), format="json")

    assert response.status_code == 201
    assert IdentityEvent.objects.count() == 0


def refused(response, code: str, message: str) -> None:
    assert response.status_code == 400
    body = problem_of(response)
    assert body["errors"] == [{"path": "members.0.same_person_as", "code": code, "message": message}]


def test_both_decisions_at_once_are_refused_and_nothing_is_saved(unhcr_client, registered_by_iom):
    [ref] = refs_for(unhcr_client, given_name="Mohammad", fathers_name="Gul")
    before = counts()

    response = unhcr_client.post(
        HOUSEHOLDS_URL, mohammad(same_person_as=ref, new_person={"candidates_seen": [ref]}), format="json"
    )

    refused(response, "link_or_new", "Choose either the person already registered or a new person, not both.")
    assert counts() == before


def test_a_ref_issued_to_another_officer_or_altered_is_refused(unhcr_client, iom_officer, registered_by_iom):
    before = counts()
    someone_elses = candidate_ref(member_id=registered_by_iom.pk, score=0.97, user=iom_officer)

    for ref in (someone_elses, someone_elses[:-2] + "xx"):
        response = unhcr_client.post(HOUSEHOLDS_URL, mohammad(same_person_as=ref), format="json")

        refused(response, "match_unknown", "The possible match chosen is not one shown. Look again.")
    assert counts() == before


def test_an_unknown_field_in_the_new_person_decision_is_refused(unhcr_client):
    response = unhcr_client.post(
        HOUSEHOLDS_URL, mohammad(new_person={"candidates_seen": [], "score": 1}), format="json"
    )

    assert response.status_code == 400
    assert [error["path"] for error in problem_of(response)["errors"]] == ["members.0.new_person.score"]
    assert Household.objects.count() == 0

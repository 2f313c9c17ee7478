"""Who a person may already be (returns.matching): candidates from both agencies, each with its score
and reasons, shown only as far as the officer may see them; and the API that asks it."""

from unittest.mock import ANY

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from returns import matching
from returns.matching import PersonSought, person_candidates
from returns.services.households import household_register
from tests.factories import api_token_for, household, member, por_card

pytestmark = pytest.mark.django_db
URL = "/api/v1/duplicates/candidates/"


def registered(officer, **person):
    return household_register(registered_by=officer, registration=household(members=[member(**person)]))


def test_the_same_man_spelt_otherwise_is_found_with_the_reasons_why(unhcr_officer):
    # Given Mohammad son of Abdul Rahman, 30, registered by UNHCR
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Abdul Rahman", age=30)

    # When Muhammad son of Abdurrahman, about 32, is looked for
    [candidate] = person_candidates(
        PersonSought(given_name="Muhammad", fathers_name="Abdurrahman", sex="male", estimated_age=32),
        user=unhcr_officer,
    )

    # Then he is the candidate, with why
    assert candidate.member.household_id == first.pk
    assert candidate.reasons == ["same given name", "same father's name", "age 2 years apart"]
    assert candidate.score == 0.92
    assert candidate.visible is True


def test_a_name_typed_in_dari_finds_the_same_man_in_latin_letters(unhcr_officer):
    first = registered(unhcr_officer, given_name="Ahmad", fathers_name="Gul", age=40)

    [candidate] = person_candidates(
        PersonSought(given_name_local="احمد", fathers_name_local="گل", sex="male", estimated_age=40), user=unhcr_officer
    )

    assert candidate.member.household_id == first.pk
    assert candidate.reasons[:2] == ["same given name", "same father's name"]


def test_names_typed_in_each_others_fields_are_found(unhcr_officer):
    first = registered(unhcr_officer, given_name="Naveed", fathers_name="Karim", age=25)

    candidates = person_candidates(PersonSought(given_name="Karim", fathers_name="Naveed"), user=unhcr_officer)

    assert [candidate.member.household_id for candidate in candidates] == [first.pk]


def test_brothers_sharing_a_fathers_name_are_not_candidates(unhcr_officer):
    registered(unhcr_officer, given_name="Karim", fathers_name="Gul", age=30)

    assert (
        person_candidates(
            PersonSought(given_name="Rahim", fathers_name="Gul", sex="male", estimated_age=28), user=unhcr_officer
        )
        == []
    )


def test_another_sex_or_an_age_far_apart_is_no_candidate(unhcr_officer):
    registered(unhcr_officer, given_name="Zarmina", fathers_name="Gul", sex="female", age=30)

    assert (
        person_candidates(PersonSought(given_name="Zarmina", fathers_name="Gul", sex="male"), user=unhcr_officer) == []
    )
    assert (
        person_candidates(
            PersonSought(given_name="Zarmina", fathers_name="Gul", sex="female", estimated_age=60), user=unhcr_officer
        )
        == []
    )


def test_a_document_number_held_by_someone_is_nearly_decisive(unhcr_officer):
    first = household_register(
        registered_by=unhcr_officer,
        registration=household(
            members=[member(given_name="Jawid", fathers_name="Nabi", documents=[por_card(number="PK-3131")])]
        ),
    )

    [candidate] = person_candidates(
        PersonSought(given_name="Jawed", fathers_name="Nabi", document_numbers=("pk 3131",)), user=unhcr_officer
    )

    assert candidate.member.household_id == first.pk
    assert candidate.reasons[0] == "same document number"
    assert candidate.score >= 0.95


def test_the_api_names_another_agencys_candidate_by_its_agency_and_day_only(iom_officer, unhcr_officer):
    # Given Mohammad son of Gul registered by UNHCR, and the same man looked for by an IOM officer
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(iom_officer)}")

    response = client.post(URL, {"given_name": "Muhammad", "fathers_name": "Gul", "estimated_age": 30}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "candidates": [
            {
                "ref": ANY,  # tests/api/test_registration_matches_api.py
                "score": 0.95,
                "reasons": ["same given name", "same father's name", "same age"],
                "agency": "UNHCR",
                "registered_on": timezone.localtime(first.created_at).date().isoformat(),
                "household": None,
                "person": None,
            }
        ]
    }


def test_the_api_shows_a_candidate_the_officer_may_see(unhcr_officer):
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(unhcr_officer)}")

    response = client.post(URL, {"given_name": "Mohammed", "fathers_name": "Gul"}, format="json")

    [candidate] = response.json()["candidates"]
    person = first.members.get()
    assert candidate["household"] == {"id": str(first.public_id), "registration_number": first.registration_number}
    assert candidate["person"] == {
        "id": str(person.public_id),
        "given_name": "Mohammad",
        "fathers_name": "Gul",
        "family_name": "",
        "sex": "male",
        "age": person.age_on(timezone.localdate()),
    }


def test_the_api_asks_for_a_name_or_a_number(unhcr_officer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(unhcr_officer)}")

    response = client.post(URL, {"fathers_name": "Gul"}, format="json")

    assert response.status_code == 400
    assert [(error["path"], error["code"]) for error in response.json()["errors"]] == [("given_name", "invalid")]


def test_looking_for_candidates_takes_a_fixed_number_of_queries(unhcr_officer, django_assert_num_queries):
    for age in range(25, 35):
        registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=age)
    sought = PersonSought(given_name="Mohammad", fathers_name="Gul", document_numbers=("PK-1",))

    # Then: the blocks (the names both ways round, the document) in one query, the
    # people with their documents, and the candidates kept with whether the gate lets the user see them
    with django_assert_num_queries(3):
        candidates = person_candidates(sought, user=unhcr_officer)
    assert len(candidates) == 10


def test_a_large_block_of_namesakes_is_read_nearest_in_age_first(unhcr_officer, monkeypatch):
    # Given five men named Mohammad son of Gul, aged 20 to 60, and blocks read two people at a time
    monkeypatch.setattr(matching, "BLOCK_LIMIT", 2)
    by_age = {
        age: registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=age)
        for age in (20, 30, 40, 50, 60)
    }

    # When the man of 50 is looked for
    candidates = person_candidates(
        PersonSought(given_name="Mohammad", fathers_name="Gul", sex="male", estimated_age=50), user=unhcr_officer
    )

    # Then he is the first candidate, though the block holds more namesakes than are read
    assert candidates[0].member.household_id == by_age[50].pk

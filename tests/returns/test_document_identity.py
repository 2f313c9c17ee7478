"""A person's document is theirs alone: the same card, tazkira or passport number on a second person
is refused at registration, in either agency, however it is typed (returns.services.households
``documents_already_registered``). A family's VRF is shared by the parts of a family returning in parts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from returns.models import Household, Member, MemberDocument
from returns.reference import reference_data
from returns.registration import RegistrationInvalid
from returns.services.households import (
    PREPARED_UP_TO,
    documents_registered,
    household_register,
    household_withdraw,
)
from tests.api.payloads import household_json, member_json, por_card_json
from tests.factories import api_token_for, household, member, por_card, vrf
from tests.problems import problem_of

pytestmark = pytest.mark.django_db


def registry_counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), MemberDocument.objects.count()


def problems_of(refusal: RegistrationInvalid) -> dict[str, list[tuple[str, str]]]:
    return {path: [(problem.code, problem.message) for problem in found] for path, found in refusal.problems.items()}


def test_a_card_already_registered_is_refused_however_it_is_typed_and_nothing_is_saved(unhcr_officer):
    first = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card(number="PK-4455 66")])])
    )
    before = registry_counts()

    with pytest.raises(RegistrationInvalid) as refused:
        household_register(
            registered_by=unhcr_officer,
            registration=household(
                members=[member(), member(relationship="son", age=9, documents=[por_card(number=" pk-445566")])]
            ),
        )

    assert problems_of(refused.value) == {
        "members.1.documents.0.number": [
            (
                "document_already_registered",
                f"This number is already registered for a person of household {first.registration_number}.",
            )
        ]
    }
    assert registry_counts() == before


def test_another_agencys_household_is_named_by_its_agency_and_day_only(unhcr_officer, iom_officer):
    # A card registered by UNHCR, presented again to an IOM officer, who may not see UNHCR's household
    first = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card(number="PK-778899")])])
    )
    assert not Household.objects.visible_to(iom_officer).filter(pk=first.pk).exists()

    with pytest.raises(RegistrationInvalid) as refused:
        household_register(
            registered_by=iom_officer, registration=household(members=[member(documents=[por_card(number="PK778899")])])
        )

    day = date_format(timezone.localtime(first.created_at).date(), "j F Y")
    assert problems_of(refused.value) == {
        "members.0.documents.0.number": [
            ("document_already_registered", f"This number is already registered for a person, by UNHCR on {day}.")
        ]
    }
    assert first.registration_number not in str(refused.value.problems)


def test_the_same_number_twice_in_one_registration_is_refused(unhcr_officer):
    before = registry_counts()

    with pytest.raises(RegistrationInvalid) as refused:
        household_register(
            registered_by=unhcr_officer,
            registration=household(
                members=[
                    member(documents=[por_card(number="PK-1212")]),
                    member(relationship="spouse", sex="female", documents=[por_card(number="PK 1212")]),
                ]
            ),
        )

    assert problems_of(refused.value) == {
        "members.1.documents.0.number": [
            ("document_repeated", "This number is already given for another member above.")
        ]
    }
    assert registry_counts() == before


def test_a_withdrawn_households_card_may_be_registered_again(unhcr_officer, unhcr_manager):
    # A household registered in error and withdrawn: its people may be registered properly
    mistaken = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card(number="PK-5050")])])
    )
    household_withdraw(household=mistaken, withdrawn_by=unhcr_manager, reason="Registered at the wrong desk.")

    again = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card(number="PK-5050")])])
    )

    assert list(MemberDocument.objects.filter(member__household=again).values_list("number_normal", flat=True)) == [
        "PK5050"
    ]


def test_the_parts_of_a_family_share_their_vrf(unhcr_officer):
    parts = [
        household_register(
            registered_by=unhcr_officer, registration=household(members=[member(documents=[vrf(number="VRF-2026-77")])])
        )
        for _ in range(2)
    ]

    assert parts[0].family_id is not None and parts[0].family_id == parts[1].family_id


def test_the_api_answers_the_refusal_with_its_code_and_saves_nothing(unhcr_officer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(unhcr_officer)}")
    body = household_json(members=[member_json(documents=[por_card_json(number="PK-909090")])])
    assert client.post("/api/v1/households/", body, format="json").status_code == 201
    before = registry_counts()

    again = client.post("/api/v1/households/", body, format="json")

    assert again.status_code == 400
    assert [(error["path"], error["code"]) for error in problem_of(again)["errors"]] == [
        ("members.0.documents.0.number", "document_already_registered")
    ]
    assert registry_counts() == before


def test_one_registrations_numbers_use_the_prepared_query_and_an_imports_thousands_do_not(unhcr_officer):
    """A plan made for a few numbers read an import's thousands eight times slower: those are planned
    for their number each time, and both find the same registered card."""
    registered = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card(number="PK-7777")])])
    )
    few = household(members=[member(documents=[por_card(number="pk 7777")])])
    many = household(
        members=[member(documents=[por_card(number="PK-7777")])]
        + [
            member(relationship="son", documents=[por_card(number=f"PK-9{index:04d}")])
            for index in range(PREPARED_UP_TO)
        ]
    )

    for registration, prepared in ((few, True), (many, False)):
        with CaptureQueriesContext(connection) as queries:
            [problems] = documents_registered([registration], reference=reference_data(), user=unhcr_officer)
        assert problems["members.0.documents.0.number"][0].code == "document_already_registered"
        assert registered.registration_number in problems["members.0.documents.0.number"][0].message
        first = queries.captured_queries[0]["sql"]
        assert (
            first.startswith(("PREPARE returns_documents_registered", "EXECUTE returns_documents_registered"))
            is prepared
        )

"""The dated policy where people see it: the household page and API say which policy decided and
why, managers link the parts of a family, the case API gives each member's entitlement, and the
reference API lists the policy's history."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from returns.models import Case, Family, Household, HouseholdEvent, MemberEntitlement
from returns.services.cases import case_transition
from returns.services.households import household_register
from tests.factories import UserFactory, api_token_for, household, member, por_card, vrf

D = datetime.date


def _api(user) -> APIClient:
    token = api_token_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def volrep_2024(unhcr_officer) -> Household:
    """A VolRep family of 2024: the head's blue PoR card was printed to expire on 30 June 2023."""
    return household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=D(2024, 3, 1),
            members=[
                member(
                    given_name="Gul",
                    documents=[por_card(expiry_date=D(2023, 6, 30), expired_confirmed=True), vrf(number="VRF-77")],
                ),
                member(
                    given_name="Zarghona", sex="female", relationship="spouse", age=30, documents=[vrf(number="VRF-77")]
                ),
            ],
        ),
    )


@pytest.mark.django_db
def test_the_household_page_names_the_policy_version_and_the_decree_that_kept_the_card_valid(
    client, unhcr_manager, volrep_2024
):
    client.force_login(unhcr_manager)
    page = client.get(volrep_2024.get_absolute_url()).content.decode()
    assert "v2 – VolRep needs a VRF, in force from 2002-03-01" in page
    assert "Federal cabinet extends the blue PoR cards (cards valid until 2024-06-30)" in page, (
        "the decree in force on 1 March 2024 kept the card valid"
    )
    assert volrep_2024.routing_facts["has_valid_refugee_card"] is True
    assert volrep_2024.routing_facts["card_decrees"][0]["valid_until"] == "2024-06-30"


@pytest.mark.django_db
def test_households_sharing_a_vrf_number_are_one_family(unhcr_officer, volrep_2024):
    second = household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=D(2024, 5, 2),
            members=[member(given_name="Nasir", documents=[vrf(number="vrf-77")])],
        ),
    )
    assert second.family_id == volrep_2024.family_id is not None
    assert Family.objects.get(pk=second.family_id).vrf_number == "VRF-77"
    assert Family.objects.count() == 1


@pytest.mark.django_db
def test_a_manager_links_two_parts_of_a_family_and_both_pages_show_it(client, unhcr_officer, unhcr_manager):
    first, second = (
        household_register(
            registered_by=unhcr_officer,
            registration=household(members=[member(given_name=name, documents=[por_card(number=number)])]),
        )
        for name, number in (("Gul", "PK-1"), ("Nasir", "PK-2"))
    )
    assert (first.family_id, second.family_id) == (None, None)
    client.force_login(unhcr_manager)
    answer = client.post(
        reverse("returns:household-family-link", kwargs={"public_id": first.public_id}),
        {"registration_number": second.registration_number.lower(), "note": "Same PoR family number PK-1."},
    )
    assert answer.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.family_id == second.family_id is not None
    family = Family.objects.get()
    assert (family.vrf_number, family.linked_by, family.note) == ("", unhcr_manager, "Same PoR family number PK-1.")
    assert list(
        HouseholdEvent.objects.filter(kind=HouseholdEvent.Kind.FAMILY_LINKED)
        .order_by("household_id")
        .values_list("household_id", "note")
    ) == [
        (first.pk, f"Linked with {second.registration_number} as one family: Same PoR family number PK-1."),
        (second.pk, f"Linked with {first.registration_number} as one family: Same PoR family number PK-1."),
    ]
    page = client.get(second.get_absolute_url()).content.decode()
    assert "VRF —: 2 parts" in page
    assert first.registration_number in page


@pytest.mark.django_db
def test_linking_an_unknown_household_says_so_and_changes_nothing(client, unhcr_officer, unhcr_manager):
    registered = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )
    client.force_login(unhcr_manager)
    answer = client.post(
        reverse("returns:household-family-link", kwargs={"public_id": registered.public_id}),
        {"registration_number": "TKM-2026-999999", "note": ""},
    )
    assert answer.status_code == 200
    errors = answer.context["family_form"].errors
    assert errors == {
        "registration_number": ["No household TKM-2026-999999 that you may see. Check the number of the other part."],
        "note": ["Say how you know they are one family."],
    }
    assert (Family.objects.count(), HouseholdEvent.objects.filter(kind="family_linked").count()) == (0, 0)


@pytest.mark.django_db
def test_a_field_officer_may_not_link_families(client, unhcr_officer):
    registered = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )
    client.force_login(unhcr_officer)
    answer = client.post(
        reverse("returns:household-family-link", kwargs={"public_id": registered.public_id}),
        {"registration_number": registered.registration_number, "note": "x"},
    )
    assert answer.status_code == 403
    assert Family.objects.count() == 0


@pytest.mark.django_db
def test_the_household_api_gives_the_facts_read_and_the_family(unhcr_officer, volrep_2024):
    body = _api(unhcr_officer).get(f"/api/v1/households/{volrep_2024.public_id}/").json()
    assert body["category"] == "registered_refugee"
    assert body["routing"]["rule"] == "voluntary_repatriation"
    assert body["routing"]["version"] == 2
    assert body["routing"]["family"] == str(volrep_2024.family.public_id)
    assert body["routing"]["facts"]["refugee_document_coverage"] == "all"
    assert body["routing"]["facts"]["card_decrees"][0]["title"] == "Federal cabinet extends the blue PoR cards"


@pytest.mark.django_db
def test_the_case_api_gives_each_members_entitlement_after_verification(unhcr, torkham, unhcr_officer):
    worker = UserFactory(username="unhcr.cw.policy", agency=unhcr, office=torkham, role="case_worker")
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=D(2024, 3, 1),
            members=[
                member(given_name="Gul", documents=[vrf(number="VRF-9")]),
                member(given_name="Nasir", relationship="sibling", age=28),
            ],
        ),
    )
    case = Case.objects.get(household=registered)
    members = {m.given_name: m for m in registered.members.all()}
    case_transition(
        case=case,
        transition_code="verify",
        actor=worker,
        data={"documents_checked": True, f"iris_{members['Gul'].public_id}": "clear"},
    )
    body = _api(worker).get(f"/api/v1/cases/{case.public_id}/").json()
    assert sorted((item["member"], item["decision"], item["reason"]) for item in body["entitlements"]) == sorted(
        [
            (str(members["Gul"].public_id), "eligible", ""),
            (str(members["Nasir"].public_id), "undocumented", ""),
        ]
    )
    assert MemberEntitlement.objects.filter(case=case).count() == 2


@pytest.mark.django_db
def test_the_reference_api_lists_the_policy_history(unhcr_officer):
    client = _api(unhcr_officer)
    policies = client.get("/api/v1/reference/routing-policies/").json()["results"]
    assert [(item["version"], item["effective_from"]) for item in policies] == [(2, "2002-03-01"), (3, "2025-08-20")]
    assert [rule["code"] for rule in policies[1]["rules"]][3:5] == ["voluntary_repatriation", "por_holder_without_vrf"]
    rates = client.get("/api/v1/reference/grant-rates/").json()["results"]
    assert [(item["valid_from"], item["amount"], item["unit"], item["is_approximate"]) for item in rates] == [
        ("2002-03-01", "100.00", "family", True),
        ("2002-05-29", "20.00", "person", True),
        ("2010-01-01", "100.00", "person", True),
        ("2016-01-01", "200.00", "person", True),
        ("2016-06-29", "400.00", "person", True),
        ("2017-04-03", "200.00", "person", False),
        ("2020-08-01", "250.00", "person", True),
        ("2022-08-01", "375.00", "person", False),
    ]
    supplements = client.get("/api/v1/reference/supplement-rules/").json()["results"]
    assert [
        (item["valid_from"], Decimal(item["family_amount"]), Decimal(item["part_amount"])) for item in supplements
    ] == [("2023-01-01", Decimal("700"), Decimal("350"))]
    decrees = client.get("/api/v1/reference/card-decrees/").json()["results"]
    assert (len(decrees), decrees[-1]["title"], decrees[-1]["valid_until"]) == (
        10,
        "PoR cards not extended after 30 June 2025",
        "2025-06-30",
    )

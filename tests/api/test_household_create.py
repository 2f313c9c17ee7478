import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from returns.models import Household, HouseholdEvent, Member, MemberDocument, Referral
from tests.access_log_support import LOG_ROW
from tests.api.payloads import ARRIVAL, household_json, member_json, por_card_json
from tests.problems import problem_of

URL = "/api/v1/households/"


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def test_a_por_card_family_of_three_is_registered_for_unhcr(unhcr_client, unhcr_officer):
    # Given a head and spouse with PoR cards and a two-year-old son listed on them
    payload = household_json(
        destination_district="AF0617",
        phone="+93 70 123 4567",
        members=[
            member_json(
                given_name="Ahmad",
                fathers_name="Mohammad",
                family_name="Karimi",
                given_name_local="احمد",
                date_of_birth="1985-03-01",
                documents=[por_card_json(number="PK-123456")],
            ),
            member_json(
                relationship="spouse",
                given_name="Fatima",
                fathers_name="Abdul",
                sex="female",
                age=32,
                documents=[por_card_json(number="PK-123457")],
                specific_needs=["SM-CI"],
            ),
            member_json(relationship="son", given_name="Bilal", fathers_name="Ahmad", date_of_birth="2023-05-10"),
        ],
    )

    # When a UNHCR officer posts it
    response = unhcr_client.post(URL, payload, format="json")

    # Then it is saved, routed to UNHCR as PoR holders without a VRF (v3, from 20 August 2025), returned whole
    assert response.status_code == 201
    household = Household.objects.get()
    head, spouse, son = Member.objects.order_by("id")
    assert response["Location"] == f"/api/v1/households/{household.public_id}/"
    assert response.json() == {
        "id": str(household.public_id),
        "registration_number": household.registration_number,
        "arrival_date": ARRIVAL,
        "office": "TKM",
        "country_of_departure": "PK",
        "return_type": "voluntary_repatriation",
        "destination_province": "AF06",
        "destination_district": "AF0617",
        "phone": "+93 70 123 4567",
        "agency": "UNHCR",
        "category": "refugee_card",
        "routing": {
            "rule": "por_holder_without_vrf",
            "version": 3,
            "reason": "From 20 August 2025 a PoR-card holder may return without a VRF: DoRR issues a return "
            "certificate, UNHCR's partner interviews the family at the border and refers it to an encashment centre, "
            "where UNHCR decides targeted cash assistance.",
            "flags": ["unhcr_verification"],
            # Both cards are printed valid on the arrival date: no decree was read; the son is on them.
            "facts": {
                "refugee_document_coverage": "all",
                "head_has_refugee_document": True,
                "has_vrf": False,
                "holds_refugee_card": True,
                "holds_por_card": True,
                "has_valid_refugee_card": True,
                "has_expired_refugee_card": False,
                "has_citizen_card": False,
                "has_passport_or_visa": False,
                "in_winter_pause": False,
                "return_type": "voluntary_repatriation",
                "is_forced_return": False,
                "country_of_departure": "PK",
                "card_decrees": [],
            },
            "family": None,
        },
        "members": [
            {
                "id": str(head.public_id),
                "given_name": "Ahmad",
                "fathers_name": "Mohammad",
                "family_name": "Karimi",
                "given_name_local": "احمد",
                "fathers_name_local": "",
                "family_name_local": "",
                "sex": "male",
                "date_of_birth": "1985-03-01",
                "estimated_age": None,
                "relationship": "head",
                "documents": [
                    {
                        "document_type": "por_card",
                        "number": "PK-123456",
                        "issuing_country": "PK",
                        "expiry_date": "2030-12-31",
                    }
                ],
                "specific_needs": [],
            },
            {
                "id": str(spouse.public_id),
                "given_name": "Fatima",
                "fathers_name": "Abdul",
                "family_name": "",
                "given_name_local": "",
                "fathers_name_local": "",
                "family_name_local": "",
                "sex": "female",
                "date_of_birth": None,
                "estimated_age": 32,
                "relationship": "spouse",
                "documents": [
                    {
                        "document_type": "por_card",
                        "number": "PK-123457",
                        "issuing_country": "PK",
                        "expiry_date": "2030-12-31",
                    }
                ],
                "specific_needs": ["SM-CI"],
            },
            {
                "id": str(son.public_id),
                "given_name": "Bilal",
                "fathers_name": "Ahmad",
                "family_name": "",
                "given_name_local": "",
                "fathers_name_local": "",
                "family_name_local": "",
                "sex": "male",
                "date_of_birth": "2023-05-10",
                "estimated_age": None,
                "relationship": "son",
                "documents": [],
                "specific_needs": [],
            },
        ],
        "created_at": _iso(household.created_at),
        "updated_at": _iso(household.updated_at),
    }
    assert re.fullmatch(r"TKM-[0-9]{4}-[0-9]{6,}", household.registration_number)
    assert household.registered_by == unhcr_officer
    assert household.member_count == 3
    assert MemberDocument.objects.count() == 2
    assert list(HouseholdEvent.objects.values_list("kind", flat=True)) == ["registered"]


def test_the_created_household_reads_back_identically(unhcr_client):
    # Given a registered household
    created = unhcr_client.post(URL, household_json(members=[member_json(documents=[por_card_json()])]), format="json")

    # When it is read back by its id
    response = unhcr_client.get(f"{URL}{created.json()['id']}/")

    # Then the detail is what the registration answered
    assert response.status_code == 200
    assert response.json() == created.json()


def test_an_undocumented_household_is_routed_to_iom(unhcr_client):
    # Given a household without any refugee document
    payload = household_json(
        country_of_departure="IR",
        return_type="deportation",
        members=[member_json(), member_json(relationship="daughter", given_name="Zahra", sex="female", age=7)],
    )

    # When it is registered
    response = unhcr_client.post(URL, payload, format="json")

    # Then IOM assists it as undocumented returnees
    assert response.status_code == 201
    body = response.json()
    assert (body["agency"], body["category"]) == ("IOM", "undocumented")
    assert body["routing"] == {
        "rule": "undocumented",
        "version": 3,
        "reason": "No refugee card, VRF or other papers: undocumented returnee, counted at the border and screened "
        "by IOM.",
        "flags": [],
        "facts": {
            "refugee_document_coverage": "none",
            "head_has_refugee_document": False,
            "has_vrf": False,
            "holds_refugee_card": False,
            "holds_por_card": False,
            "has_valid_refugee_card": False,
            "has_expired_refugee_card": False,
            "has_citizen_card": False,
            "has_passport_or_visa": False,
            "in_winter_pause": False,
            "return_type": "deportation",
            "is_forced_return": True,
            "country_of_departure": "IR",
            "card_decrees": [],
        },
        "family": None,
    }
    assert Household.objects.get().routed_agency.code == "IOM"


def test_a_confirmed_expired_por_card_goes_to_unhcr_for_verification_under_v3(unhcr_client):
    # Given a PoR card that expired before the arrival (no decree extended it), confirmed by the officer
    payload = household_json(
        members=[
            member_json(documents=[por_card_json(number="PK-123456", expiry_date="2025-10-01", expired_confirmed=True)])
        ]
    )

    # When it is registered
    response = unhcr_client.post(URL, payload, format="json")

    # Then, as a PoR holder without a VRF arriving from 20 August 2025, UNHCR assists it, flagged for verification
    assert response.status_code == 201
    body = response.json()
    assert (body["agency"], body["category"]) == ("UNHCR", "refugee_card")
    assert body["routing"]["rule"] == "por_holder_without_vrf"
    assert body["routing"]["flags"] == ["unhcr_verification"]
    assert body["members"][0]["documents"] == [
        {"document_type": "por_card", "number": "PK-123456", "issuing_country": "PK", "expiry_date": "2025-10-01"}
    ]


def test_token_authentication_registers_as_the_token_owner(client_for, iom_officer):
    # Given an IOM officer's token
    client = client_for(iom_officer)

    # When the officer registers a household with it
    response = client.post(URL, household_json(), format="json")

    # Then the household is registered by that officer
    assert response.status_code == 201
    assert Household.objects.get().registered_by == iom_officer


def test_session_authentication_registers_as_the_logged_in_user(unhcr_officer):
    # Given an officer logged in with a session (as the web pages are)
    client = APIClient()
    client.force_login(unhcr_officer)

    # When the officer posts a registration
    response = client.post(URL, household_json(), format="json")

    # Then it is registered by that officer
    assert response.status_code == 201
    assert Household.objects.get().registered_by == unhcr_officer


def test_a_session_post_without_the_csrf_token_is_refused(unhcr_officer):
    # Given a logged-in session, and a client that does not send the CSRF token
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(unhcr_officer)

    # When it posts a registration
    response = client.post(URL, household_json(), format="json")

    # Then nothing is registered
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Household.objects.count() == 0


def test_a_coordinator_cannot_register(client_for, coordinator):
    # Given a coordinator, who reads joint figures only
    client = client_for(coordinator)

    # When they post a registration
    response = client.post(URL, household_json(), format="json")

    # Then it is forbidden and nothing is saved
    assert response.status_code == 403
    assert problem_of(response) == {"code": "permission_denied", "detail": "Your role cannot register households."}
    assert Household.objects.count() == 0


def test_form_encoded_registrations_are_refused(unhcr_client):
    # When a registration is posted as a form (which cannot carry nested members)
    response = unhcr_client.post(URL, {"arrival_date": ARRIVAL}, format="multipart")

    # Then the media type is refused
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.usefixtures("warm_reference")
def test_registering_five_members_takes_a_fixed_number_of_queries(unhcr_client, django_assert_num_queries):
    # Given a household of five, each with a document and the head with two specific needs
    members = [
        member_json(documents=[por_card_json()], specific_needs=["SM-CI", "DS-PM"]),
        member_json(relationship="spouse", sex="female", documents=[por_card_json()]),
        *(member_json(relationship="son", age=age, documents=[por_card_json()]) for age in (6, 9, 12)),
    ]

    # When it is registered
    # Then it takes: token; the documents' numbers already registered (one query for all five);
    # savepoint, number, the keys of every row to write (one query), the rows (household, members,
    # documents, needs, event, the agency's case and its first event: one message of INSERTs),
    # release (the savepoint pair is the transaction outside tests). The answer is built from the
    # rows the service wrote, with no further query.
    with django_assert_num_queries(7 + LOG_ROW):
        response = unhcr_client.post(URL, household_json(members=members), format="json")
    assert response.status_code == 201
    assert len(response.json()["members"]) == 5


@pytest.mark.usefixtures("warm_reference")
def test_registering_a_flagged_household_writes_its_follow_ups_with_its_other_rows(
    unhcr_client, django_assert_num_queries
):
    # Given deported PoR-card holders (flagged for protection follow-up: a referral to NRC), one or five
    def deported(count: int) -> dict:
        members = [member_json(documents=[por_card_json()], specific_needs=["LP"])]
        members += [
            member_json(relationship="son", age=6 + age, documents=[por_card_json()]) for age in range(count - 1)
        ]
        return household_json(return_type="deportation", members=members)

    # When registered, each takes the 7 queries above: the referral and its event go in the batch's insert
    with django_assert_num_queries(7 + LOG_ROW):
        small = unhcr_client.post(URL, deported(1), format="json")
    with django_assert_num_queries(7 + LOG_ROW):
        large = unhcr_client.post(URL, deported(5), format="json")

    assert (small.status_code, large.status_code) == (201, 201)
    assert list(Referral.objects.values_list("to_agency__code", "service")) == [("NRC", "legal_aid")] * 2

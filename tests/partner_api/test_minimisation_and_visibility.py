"""A partner sees the agreement's agencies' records, with the agreement's fields only (absent, not null)."""

import datetime

from django.utils import timezone

from returns.models import Case, Referral
from returns.services.cases import referral_make
from returns.services.households import household_register
from tests.factories import amayesh_card, household, member
from tests.partner_api.conftest import ALL_SCOPES, register_iom, register_unhcr
from tests.problems import problem_of

HOUSEHOLD_KEYS = {
    "id",
    "agency",
    "created_at",
    "updated_at",
    "registration_number",
    "arrival_date",
    "destination_province",
    "category",
    "members",
}
MEMBER_KEYS = {"id", "given_name", "sex", "date_of_birth", "estimated_age", "relationship"}
CASE_KEYS = {"id", "household", "agency", "case_number", "stage", "due_date", "updated_at"}


def test_a_partner_lists_only_the_agreement_agencies_households_with_shared_fields(
    partner, unhcr_household, iom_household
):
    response = partner.get("/api/v1/households/")

    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert listed["id"] == str(unhcr_household.public_id)
    assert set(listed) == HOUSEHOLD_KEYS
    assert [set(item) for item in listed["members"]] == [MEMBER_KEYS, MEMBER_KEYS]
    assert [(item["given_name"], item["relationship"]) for item in listed["members"]] == [
        ("Ahmad", "head"),
        ("Maryam", "daughter"),
    ]


def test_a_partner_reading_another_agencys_household_gets_404(partner, unhcr_household, iom_household):
    other = partner.get(f"/api/v1/households/{iom_household.public_id}/")
    own = partner.get(f"/api/v1/households/{unhcr_household.public_id}/")

    assert other.status_code == 404
    assert problem_of(other)["code"] == "not_found"
    assert own.status_code == 200
    assert set(own.json()) == HOUSEHOLD_KEYS


def test_members_are_absent_when_the_agreement_does_not_share_them(partner, agreement, unhcr_household):
    agreement.fields = [name for name in agreement.fields if name != "household.members"]
    agreement.save()

    listed = partner.get("/api/v1/households/").json()["results"][0]
    detail = partner.get(f"/api/v1/households/{unhcr_household.public_id}/").json()

    assert set(listed) == set(detail) == HOUSEHOLD_KEYS - {"members"}


def test_staff_still_receive_every_field(staff_client, unhcr_officer, unhcr_household):
    listed = staff_client(unhcr_officer).get("/api/v1/households/").json()["results"][0]

    assert set(listed) == HOUSEHOLD_KEYS | {
        "office",
        "country_of_departure",
        "return_type",
        "destination_district",
        "phone",
        "routing",
    }
    assert set(listed["members"][0]) == MEMBER_KEYS | {
        "fathers_name",
        "family_name",
        "given_name_local",
        "fathers_name_local",
        "family_name_local",
        "documents",
        "specific_needs",
    }


def test_a_partner_without_an_agreement_sees_nothing(key_client, unhcr_household):
    client = key_client(ALL_SCOPES)

    answers = [
        client.get("/api/v1/households/"),
        client.get("/api/v1/cases/"),
        client.get(f"/api/v1/households/{unhcr_household.public_id}/"),
    ]

    # (More in test_agreement_limits.py: an agreement that ended, every endpoint.)
    assert [(answer.status_code, problem_of(answer)["code"]) for answer in answers] == [(403, "no_agreement")] * 3


def test_a_partner_reads_cases_with_shared_fields_and_their_history(partner, unhcr_household, iom_household):
    unhcr_case = Case.objects.get(household=unhcr_household)
    iom_case = Case.objects.get(household=iom_household)

    listed = partner.get("/api/v1/cases/").json()["results"]
    detail = partner.get(f"/api/v1/cases/{unhcr_case.public_id}/")
    events = partner.get(f"/api/v1/cases/{unhcr_case.public_id}/events/")

    assert [item["id"] for item in listed] == [str(unhcr_case.public_id)]
    assert set(listed[0]) == CASE_KEYS
    # The nested household carries its registration number only because the agreement shares it
    assert set(listed[0]["household"]) == {"id", "registration_number"}
    assert set(detail.json()) == CASE_KEYS
    assert [event["kind"] for event in events.json()] == ["opened"]
    assert partner.get(f"/api/v1/cases/{iom_case.public_id}/").status_code == 404


def test_a_case_history_not_shared_is_refused(partner, agreement, unhcr_household):
    agreement.fields = [
        name for name in agreement.fields if name not in ("case.events", "household.registration_number")
    ]
    agreement.save()
    case = Case.objects.get(household=unhcr_household)

    events = partner.get(f"/api/v1/cases/{case.public_id}/events/")
    assistance = partner.get(f"/api/v1/cases/{case.public_id}/assistance/")
    listed = partner.get("/api/v1/cases/").json()["results"][0]

    assert (events.status_code, assistance.status_code) == (403, 403)
    assert problem_of(events)["code"] == "not_shared"
    assert set(listed["household"]) == {"id"}


# Referrals ---------------------------------------------------------------------------------


def _refer(case, *, to, by):
    return referral_make(
        case=case,
        made_by=by,
        to_agency=to,
        service=Referral.Service.LEGAL_AID,
        reason="Lost civil documents",
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )


def test_a_partner_sees_and_answers_referrals_addressed_to_it_only(
    partner, nrc, unhcr_officer, iom_officer, unhcr_manager
):
    from agencies.models import Agency

    # Given a referral to NRC from IOM (whose data the agreement does not cover) and one to DRC
    to_nrc = _refer(Case.objects.get(household=register_iom(iom_officer)), to=nrc, by=iom_officer)
    to_drc = _refer(
        Case.objects.get(household=register_unhcr(unhcr_officer)), to=Agency.objects.get(code="DRC"), by=unhcr_officer
    )

    # When NRC's key lists referrals, accepts its own and tries the other
    listed = partner.get("/api/v1/referrals/")
    accepted = partner.post(f"/api/v1/referrals/{to_nrc.public_id}/answer/", {"status": "accepted"}, format="json")
    other = partner.post(f"/api/v1/referrals/{to_drc.public_id}/answer/", {"status": "accepted"}, format="json")

    # Then it saw and answered only its own; the other does not exist for it and is unchanged
    assert [item["id"] for item in listed.json()["results"]] == [str(to_nrc.public_id)]
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert "responded_by" not in accepted.json()  # a username: never given to a key
    to_nrc.refresh_from_db()
    assert to_nrc.responded_by == partner.key.user
    assert other.status_code == 404
    to_drc.refresh_from_db()
    assert to_drc.status == Referral.Status.PENDING


def test_a_partner_answer_is_idempotent(partner, nrc, iom_officer):
    referral = _refer(Case.objects.get(household=register_iom(iom_officer)), to=nrc, by=iom_officer)
    url = f"/api/v1/referrals/{referral.public_id}/answer/"
    body = {"status": "declined", "response": "No capacity in Nangarhar this month."}

    first = partner.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="answer-1")
    retry = partner.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="answer-1")
    changed = partner.post(url, {**body, "response": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="answer-1")

    assert (first.status_code, retry.status_code, changed.status_code) == (200, 200, 422)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert problem_of(changed)["code"] == "idempotency_key_reused"


def test_an_iom_household_referred_to_unhcr_stays_hidden_from_a_partner_covering_unhcr(
    partner, iom_officer, unhcr_household
):
    # An expired Amayesh card without a VRF: IOM's household, flagged for UNHCR to verify (a referral to UNHCR,
    # pending). A PoR card would go to UNHCR itself under the policy of 20 August 2025.
    arrival = timezone.localdate() - datetime.timedelta(days=1)
    expired = amayesh_card(expiry_date=arrival - datetime.timedelta(days=40), expired_confirmed=True)
    to_verify = household_register(
        registered_by=iom_officer,
        registration=household(arrival_date=arrival, country_of_departure="IR", members=[member(documents=[expired])]),
    )
    assert (to_verify.routed_agency.code, to_verify.flags) == ("IOM", ["unhcr_verification"])
    assert Referral.objects.filter(case__household=to_verify, to_agency__code="UNHCR", status="pending").exists()

    listed = partner.get("/api/v1/households/").json()["results"]

    # The referral opens the household to UNHCR's staff, not to a key whose agreement covers UNHCR's records.
    assert [item["id"] for item in listed] == [str(unhcr_household.public_id)]
    assert partner.get(f"/api/v1/households/{to_verify.public_id}/").status_code == 404

"""Flags create work: a protection flag refers the household to a protection service, a verification
flag asks UNHCR to verify; both reach the receiving agency's inbox, the dashboards and the overdue check."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from agencies.models import Agency, User
from returns import tasks
from returns.models import Case, CaseEvent, FlagFollowUp, Household, Referral
from returns.scheduled import ReferralNotificationSummary, referrals_mark_overdue, referrals_overdue_notify
from returns.services.cases import referral_answer
from returns.services.households import household_register, household_reroute
from tests.factories import (
    UserFactory,
    amayesh_card,
    api_token_for,
    arrival_outside_winter_pause,
    household,
    member,
    por_card,
    vrf,
)


@pytest.fixture(autouse=True)
def _english():
    """Messages built outside a request are English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


DEPORTED_REASON = (
    "A refugee-card holder was deported rather than repatriated: a protection follow-up is opened. "
    "From 20 August 2025 a PoR-card holder may return without a VRF: DoRR issues a return certificate, UNHCR's "
    "partner interviews the family at the border and refers it to an encashment centre, where UNHCR decides "
    "targeted cash assistance."
)
EXPIRED_REASON = (
    "Holds a refugee card but returns without a VRF (spontaneously or deported): no VolRep grant and no "
    "encashment centre under this policy. IOM screens the family; UNHCR verifies the registration."
)


def today() -> datetime.date:
    return timezone.localdate()


def in_days(number: int) -> datetime.date:
    return today() + datetime.timedelta(days=number)


def staff(agency_code: str, role: str = User.Role.CASE_WORKER, name: str = "") -> User:
    return UserFactory(
        username=name or f"{agency_code.lower()}.{role}.ff", agency=Agency.objects.get(code=agency_code), role=role
    )


def api_client(user: User) -> APIClient:
    token = api_token_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def deported_por_card_holder(officer: User, *, given_name: str = "Gul") -> Household:
    """Routed to UNHCR (refugee card) with the flags protection_follow_up and unhcr_verification (v3 rules 20
    and 50); on a UNHCR case only the protection flag is followed up (by NRC)."""
    return household_register(
        registered_by=officer,
        registration=household(
            return_type="deportation", members=[member(given_name=given_name, documents=[por_card()])]
        ),
    )


def expired_card_holder(officer: User, *, given_name: str = "Karim") -> Household:
    """An expired Amayesh card without a VRF: routed to IOM (refugee card) with the flag unhcr_verification
    (rule 60; rule 50 sends only PoR-card holders to UNHCR)."""
    arrival = today() - datetime.timedelta(days=1)
    expired = amayesh_card(expiry_date=arrival - datetime.timedelta(days=40), expired_confirmed=True)
    return household_register(
        registered_by=officer,
        registration=household(
            arrival_date=arrival,
            country_of_departure="IR",
            members=[member(given_name=given_name, documents=[expired])],
        ),
    )


def undocumented(officer: User, *, given_name: str = "Nazir") -> Household:
    return household_register(registered_by=officer, registration=household(members=[member(given_name=given_name)]))


def referrals_of(registered: Household) -> list[tuple]:
    return list(
        Referral.objects.filter(case__household=registered)
        .order_by("pk")
        .values_list(
            "case__agency__code", "from_agency__code", "to_agency__code", "service", "status", "due_date", "created_by"
        )
    )


# ---------------------------------------------------------------------------------------------
# Registration makes the referrals
# ---------------------------------------------------------------------------------------------


def test_a_deported_por_card_holder_is_referred_once_to_nrc_for_legal_aid(unhcr_officer):
    registered = deported_por_card_holder(unhcr_officer)

    # unhcr_verification on a UNHCR case: UNHCR verifies at its own verification stage, nobody is referred.
    assert registered.flags == ["protection_follow_up", "unhcr_verification"]
    assert referrals_of(registered) == [("UNHCR", "UNHCR", "NRC", "legal_aid", "pending", in_days(3), unhcr_officer.pk)]
    referral = Referral.objects.get()
    assert referral.reason == f"Flag: Protection follow-up: refugee-card holder deported. Routing: {DEPORTED_REASON}"
    assert (referral.follow_up.flag, referral.overdue_since, referral.member) == ("protection_follow_up", None, None)
    case = Case.objects.get(household=registered)
    assert list(case.events.order_by("id").values_list("kind", "actor", "note", "details")) == [
        ("opened", unhcr_officer.pk, "", {}),
        (
            "referral_made",
            unhcr_officer.pk,
            referral.reason,
            {"referral": str(referral.public_id), "to": "NRC", "service": "legal_aid", "flag": "protection_follow_up"},
        ),
    ]


def test_an_expired_card_asks_unhcr_to_verify_within_seven_days(iom_officer):
    registered = expired_card_holder(iom_officer)

    assert (registered.routed_agency.code, registered.flags) == ("IOM", ["unhcr_verification"])
    assert referrals_of(registered) == [("IOM", "IOM", "UNHCR", "verification", "pending", in_days(7), iom_officer.pk)]
    assert Referral.objects.get().reason == f"Flag: UNHCR to verify a refugee card. Routing: {EXPIRED_REASON}"
    assert Referral.objects.get().get_service_display() == "UNHCR verification of refugee registration"


def test_no_flags_make_no_referrals(unhcr_officer, iom_officer):
    with_vrf = household_register(
        registered_by=unhcr_officer,
        registration=household(
            members=[member(documents=[por_card(), vrf()])], arrival_date=arrival_outside_winter_pause()
        ),
    )
    without_papers = undocumented(iom_officer)

    assert (with_vrf.flags, without_papers.flags) == ([], [])

    assert Referral.objects.count() == 0
    assert not CaseEvent.objects.filter(kind="referral_made").exists()


def test_a_flag_without_a_follow_up_makes_no_referral(unhcr_officer):
    # Mixed status: UNHCR verifies its own members, nobody else is asked.
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(
            members=[member(documents=[por_card(), vrf()]), member(relationship="spouse", sex="female")],
            arrival_date=arrival_outside_winter_pause(),
        ),
    )

    assert registered.flags == ["mixed_status"]
    assert Referral.objects.count() == 0


def test_an_administrator_deactivating_a_follow_up_in_the_admin_stops_its_referrals(admin_client, iom_officer):
    rule = FlagFollowUp.objects.get(flag="unhcr_verification")
    expired_card_holder(iom_officer, given_name="Before")  # the snapshot now holds the rule

    response = admin_client.post(
        reverse("admin:returns_flagfollowup_change", args=[rule.pk]),
        {
            "flag": rule.flag,
            "case_agency": rule.case_agency_id,
            "to_agency": rule.to_agency_id,
            "service": rule.service,
            "answer_days": rule.answer_days,
            # is_active left out: unticked
        },
    )
    assert response.status_code == 302
    after = expired_card_holder(iom_officer, given_name="After")

    assert FlagFollowUp.objects.get(pk=rule.pk).is_active is False
    assert referrals_of(after) == []
    assert Referral.objects.count() == 1  # the one made before stays


def test_the_database_refuses_a_follow_up_to_the_agency_whose_case_is_flagged(db):
    iom = Agency.objects.get(code="IOM")
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFollowUp.objects.create(
            flag="unhcr_verification", case_agency=iom, to_agency=iom, service="verification", answer_days=7
        )


def test_the_seeded_follow_ups(db):
    assert list(
        FlagFollowUp.objects.order_by("flag", "case_agency__code").values_list(
            "flag", "case_agency__code", "to_agency__code", "service", "answer_days", "is_active"
        )
    ) == [
        ("protection_follow_up", "IOM", "UNHCR", "protection", 3, True),
        ("protection_follow_up", "UNHCR", "NRC", "legal_aid", 3, True),
        ("unhcr_verification", "IOM", "UNHCR", "verification", 7, True),
    ]


# ---------------------------------------------------------------------------------------------
# Re-routing
# ---------------------------------------------------------------------------------------------


def test_rerouting_a_flagged_household_asks_the_new_agencys_follow_up_once(unhcr_officer):
    registered = deported_por_card_holder(unhcr_officer)
    unhcr_manager = staff("UNHCR", User.Role.MANAGER)
    iom_manager = staff("IOM", User.Role.MANAGER)

    household_reroute(
        household=registered,
        rerouted_by=unhcr_manager,
        agency=Agency.objects.get(code="IOM"),
        category="undocumented",
        justification="The PoR card belongs to a cousin.",
    )
    household_reroute(
        household=registered,
        rerouted_by=iom_manager,
        agency=Agency.objects.get(code="UNHCR"),
        category="registered_refugee",
        justification="The card is his after all: verified by phone.",
    )

    # On IOM's case both flags are followed up by UNHCR; NRC's referral, still pending, is not made again
    # when the household comes back to UNHCR.
    assert referrals_of(registered) == [
        ("UNHCR", "UNHCR", "NRC", "legal_aid", "pending", in_days(3), unhcr_officer.pk),
        ("IOM", "IOM", "UNHCR", "protection", "pending", in_days(3), unhcr_manager.pk),
        ("IOM", "IOM", "UNHCR", "verification", "pending", in_days(7), unhcr_manager.pk),
    ]
    assert Referral.objects.get(service="protection").reason == (
        "Flag: Protection follow-up: refugee-card holder deported. Routing: The PoR card belongs to a cousin."
    )


# ---------------------------------------------------------------------------------------------
# The receiving agency sees them: inbox, API, the household
# ---------------------------------------------------------------------------------------------


def test_nrc_finds_the_protection_referral_in_its_inbox_and_the_api(client, unhcr_officer):
    registered = deported_por_card_holder(unhcr_officer)
    nrc_worker = staff("NRC", name="nrc.worker.ff")
    referral = Referral.objects.get()

    client.force_login(nrc_worker)
    page = client.get(reverse("returns:referrals"))
    listed = api_client(nrc_worker).get("/api/v1/referrals/", {"direction": "received"})

    assert [row.pk for row in page.context["referrals"]] == [referral.pk]
    html = page.content.decode()
    assert f'data-referral="{referral.public_id}"' in html
    assert 'data-follow-up="protection_follow_up"' in html
    assert "data-overdue" not in html
    assert [
        (row["id"], row["to_agency"], row["service"], row["flag"], row["due_date"], row["overdue_since"])
        for row in listed.json()["results"]
    ] == [(str(referral.public_id), "NRC", "legal_aid", "protection_follow_up", in_days(3).isoformat(), None)]
    assert listed.json()["results"][0]["household"]["registration_number"] == registered.registration_number


def test_unhcr_opens_the_iom_household_it_must_verify_and_no_other(client, iom_officer):
    to_verify = expired_card_holder(iom_officer)
    unrelated = undocumented(iom_officer)
    unhcr_worker = staff("UNHCR")
    client.force_login(unhcr_worker)
    api = api_client(unhcr_worker)

    inbox = client.get(reverse("returns:referrals")).content.decode()
    assert f'href="{to_verify.get_absolute_url()}" data-household-link' in inbox
    assert client.get(to_verify.get_absolute_url()).status_code == 200
    assert api.get(f"/api/v1/households/{to_verify.public_id}/").status_code == 200
    # The gate opens the household, not IOM's case, and no unrelated household.
    assert client.get(Case.objects.get(household=to_verify).get_absolute_url()).status_code == 404
    assert client.get(unrelated.get_absolute_url()).status_code == 404
    assert api.get(f"/api/v1/households/{unrelated.public_id}/").status_code == 404
    assert set(Household.objects.visible_to(unhcr_worker)) == {to_verify}

    # Once UNHCR declines, the household is IOM's alone again.
    referral_answer(
        referral=Referral.objects.get(), answered_by=unhcr_worker, status="declined", response="No record of him."
    )
    assert client.get(to_verify.get_absolute_url()).status_code == 404


def test_iom_staff_see_no_household_a_referral_to_unhcr_concerns(iom_officer, unhcr_officer):
    # The gate widens for the receiving agency only: IOM does not see UNHCR's flagged household.
    flagged = deported_por_card_holder(unhcr_officer)
    iom_worker = staff("IOM")

    assert not Household.objects.visible_to(iom_worker).filter(pk=flagged.pk).exists()


# ---------------------------------------------------------------------------------------------
# Overdue: the nightly check, the inbox, the dashboards
# ---------------------------------------------------------------------------------------------


def fall_due(referral: Referral, days_ago: int) -> None:
    Referral.objects.filter(pk=referral.pk).update(due_date=today() - datetime.timedelta(days=days_ago))


def test_a_referral_not_answered_in_time_is_marked_overdue_once(iom_officer, django_assert_num_queries):
    late = Referral.objects.get(case__household=expired_card_holder(iom_officer, given_name="Late"))
    expired_card_holder(iom_officer, given_name="InTime")  # due in 7 days
    answered = Referral.objects.get(case__household=expired_card_holder(iom_officer, given_name="Answered"))
    referral_answer(referral=answered, answered_by=staff("UNHCR"), status="accepted", response="")
    fall_due(late, 1)
    fall_due(answered, 1)

    with django_assert_num_queries(5):  # savepoint, lock, update, insert events, release
        marked = referrals_mark_overdue(today=today())
    with django_assert_num_queries(3):  # savepoint, lock, release: nothing to write
        again = referrals_mark_overdue(today=today())

    assert (marked, again) == ([late.pk], [])
    assert list(Referral.objects.exclude(overdue_since=None).values_list("pk", "overdue_since")) == [(late.pk, today())]
    assert list(CaseEvent.objects.filter(kind="referral_overdue").values_list("case_id", "actor", "details")) == [
        (
            late.case_id,
            None,
            {"referral": str(late.public_id), "to": "UNHCR", "due_date": in_days(-1).isoformat()},
        )
    ]


def test_a_referral_due_today_is_not_yet_overdue(iom_officer):
    referral = Referral.objects.get(case__household=expired_card_holder(iom_officer))
    fall_due(referral, 0)

    assert referrals_mark_overdue(today=today()) == []


def test_the_nightly_check_marks_then_emails_the_receiving_agencys_managers(
    iom_officer, unhcr_officer, django_capture_on_commit_callbacks
):
    to_unhcr = Referral.objects.get(case__household=expired_card_holder(iom_officer))
    to_nrc = Referral.objects.get(case__household=deported_por_card_holder(unhcr_officer))
    fall_due(to_unhcr, 2)
    fall_due(to_nrc, 2)
    manager = staff("UNHCR", User.Role.MANAGER, name="unhcr.manager.ff")
    staff("UNHCR", User.Role.CASE_WORKER, name="unhcr.worker.ff")  # a case worker is not told

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.check_overdue_referrals.apply().get()

    assert sorted(result["marked"]) == sorted([to_unhcr.pk, to_nrc.pk])
    assert [(message.to, message.subject) for message in mail.outbox] == [
        ([manager.email], "1 referral to your agency is overdue")
    ]
    assert to_unhcr.case.household.registration_number in mail.outbox[0].body
    assert "/cases/referrals/" in mail.outbox[0].body
    # NRC has no manager in the system (it answers through its API key): counted, not emailed.
    assert referrals_overdue_notify(referral_ids=[to_nrc.pk]) == ReferralNotificationSummary(
        emails_sent=0, referrals_listed=0, skipped_no_manager=1
    )


def test_the_inbox_highlights_an_overdue_referral(client, iom_officer):
    referral = Referral.objects.get(case__household=expired_card_holder(iom_officer))
    fall_due(referral, 1)
    client.force_login(staff("UNHCR"))

    html = client.get(reverse("returns:referrals")).content.decode()

    assert f'data-referral="{referral.public_id}" class="row--overdue" data-overdue' in html
    assert "badge--overdue" in html


def test_the_caseload_counts_open_and_overdue_follow_ups_both_ways(client, iom_officer, unhcr_officer):
    # IOM asks UNHCR to verify three households: one overdue, one accepted, one declined.
    late, accepted, declined = (
        Referral.objects.get(case__household=expired_card_holder(iom_officer, given_name=name))
        for name in ("Late", "Accepted", "Declined")
    )
    fall_due(late, 1)
    unhcr_worker = staff("UNHCR")
    referral_answer(referral=accepted, answered_by=unhcr_worker, status="accepted", response="")
    referral_answer(referral=declined, answered_by=unhcr_worker, status="declined", response="Not on record.")
    # And UNHCR asks NRC for one (not overdue); a referral a person made is not a follow-up.
    deported_por_card_holder(unhcr_officer)
    iom_case = Case.objects.filter(agency__code="IOM").first()
    Referral.objects.create(
        case=iom_case,
        from_agency=iom_case.agency,
        to_agency=Agency.objects.get(code="UNHCR"),
        service="health",
        reason="Made by a person.",
        due_date=today() - datetime.timedelta(days=5),
        created_by=iom_officer,
    )

    counts = {}
    for code in ("UNHCR", "IOM"):
        client.force_login(staff(code, User.Role.MANAGER))
        response = client.get(reverse("returns:caseload"))
        counts[code] = response.context["follow_ups"]
        assert "data-follow-up-counts" in response.content.decode()

    assert counts == {
        "UNHCR": {"received_open": 2, "received_overdue": 1, "made_open": 1, "made_overdue": 0},
        "IOM": {"received_open": 0, "received_overdue": 0, "made_open": 2, "made_overdue": 1},
    }

"""Entitlement is per person: at verification each member of a UNHCR case is found eligible, already
assisted, refused (with a reason), or not covered (not on the VRF, undocumented); the grant is paid for
each eligible member at the rate of the arrival date, and the uncovered are referred to IOM.

The family: Ahmad (head, 40), Fatima (spouse, 35) and Omid (son, 8) on one VRF, and Ahmad's brother
Karim (25), who travels with them without papers. They arrived on 20 May 2024: USD 375 per person.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.models import User
from agencies.problems import Refused
from returns.models import Assistance, AssistanceType, Case, CaseEvent, MemberEntitlement, MemberVerification, Referral
from returns.registration import DocumentRegistration
from returns.services.cases import allowed_transitions, assistance_record, case_transition, grant_amount
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, vrf

pytestmark = pytest.mark.django_db

ARRIVAL = datetime.date(2024, 5, 20)
NOBODY_ELIGIBLE = (
    "No member is eligible for the grant (not on the VRF, assisted before, or refused). "
    "Use “Refuse the grant and refer to IOM”."
)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.t", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


def mixed_family(unhcr_officer, *, brother_documents=()) -> Case:
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=ARRIVAL,
            members=[
                member(given_name="Ahmad", fathers_name="Mohammad", age=40, documents=[vrf()]),
                member(
                    given_name="Fatima",
                    fathers_name="Karim",
                    relationship="spouse",
                    sex="female",
                    age=35,
                    documents=[vrf()],
                ),
                member(given_name="Omid", fathers_name="Ahmad", relationship="son", age=8, documents=[vrf()]),
                member(
                    given_name="Karim",
                    fathers_name="Mohammad",
                    relationship="sibling",
                    age=25,
                    documents=list(brother_documents),
                ),
            ],
        ),
    )
    return Case.objects.get(household=registered)


@pytest.fixture
def family(unhcr_officer) -> Case:
    return mixed_family(unhcr_officer)


def people(case: Case) -> dict:
    return {m.given_name: m for m in case.household.members.all()}


def verification(case: Case, *, iris=None, refused=None, documents=True, note="") -> dict:
    """The verification form: iris results and refusals by given name (everyone clear, nobody refused by default)."""
    members = people(case)
    iris = {"Ahmad": "clear", "Fatima": "clear", "Omid": "clear", **(iris or {})}
    data = {f"iris_{members[name].public_id}": result for name, result in iris.items()}
    data |= {f"refuse_{members[name].public_id}": reason for name, reason in (refused or {}).items()}
    if documents:
        data["documents_checked"] = "on"
    if note:
        data["note"] = note
    return data


def entitlements(case: Case) -> list[tuple]:
    return sorted(MemberEntitlement.objects.filter(case=case).values_list("member__given_name", "decision", "reason"))


def grant_type() -> AssistanceType:
    return AssistanceType.objects.get(agency__code="UNHCR", code="cash_grant")


def record_grant(case: Case, by: User) -> Assistance:
    return assistance_record(
        case=case, recorded_by=by, assistance_type=grant_type(), delivered_on=today(), office=case.office
    )


def state(case: Case) -> dict:
    fresh = Case.objects.get(pk=case.pk)
    return {
        "case": (fresh.stage, fresh.version, fresh.outcome),
        "events": CaseEvent.objects.filter(case=case).count(),
        "verifications": MemberVerification.objects.filter(case=case).count(),
        "entitlements": entitlements(case),
        "referrals": list(Referral.objects.values_list("pk", flat=True)),
        "assistance": list(Assistance.objects.values_list("pk", flat=True)),
    }


# ---------------------------------------------------------------------------------------------
# Routing and the verification form
# ---------------------------------------------------------------------------------------------


def test_the_mixed_family_goes_to_unhcr_flagged_mixed_status(family):
    household = family.household

    assert (household.routed_agency.code, household.category, household.flags, household.routing_version) == (
        "UNHCR",
        "registered_refugee",
        ["mixed_status"],
        2,
    )
    assert household.routing_facts["refugee_document_coverage"] == "some"
    assert family.agency.code == "UNHCR"


def test_the_verification_form_asks_only_about_the_members_on_the_vrf(family, worker):
    members = people(family)

    forms = {
        transition.code: list(form_class.base_fields)
        for transition, form_class in allowed_transitions(case=family, actor=worker)
    }

    on_the_vrf = [
        f"{field}_{members[name].public_id}" for name in ("Ahmad", "Fatima", "Omid") for field in ("iris", "refuse")
    ]
    assert forms == {
        "verify": ["documents_checked", *on_the_vrf, "note"],
        "refuse_grant": ["documents_checked", *on_the_vrf, "note"],
    }


# ---------------------------------------------------------------------------------------------
# Verify: entitlements, the relative referred to IOM, the grant per eligible member
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("brother_documents", "decision", "label"),
    [
        ((), "undocumented", "Undocumented"),
        (
            (DocumentRegistration(document_type="tazkira", issuing_country="AF", number="1400-0101-12345"),),
            "not_on_vrf",
            "Not on the VRF",
        ),
    ],
    ids=["no_papers", "a_tazkira"],
)
def test_verifying_pays_the_three_on_the_vrf_and_refers_the_brother_to_iom(
    unhcr_officer, worker, brother_documents, decision, label
):
    case = mixed_family(unhcr_officer, brother_documents=brother_documents)
    karim = people(case)["Karim"]

    moved = case_transition(case=case, transition_code="verify", actor=worker, data=verification(case))
    grant = record_grant(moved, worker)

    assert (moved.stage, moved.version) == ("encashment", 2)
    assert entitlements(case) == [
        ("Ahmad", "eligible", ""),
        ("Fatima", "eligible", ""),
        ("Karim", decision, ""),
        ("Omid", "eligible", ""),
    ]
    assert sorted(MemberVerification.objects.filter(case=case).values_list("member__given_name", "result")) == [
        ("Ahmad", "clear"),
        ("Fatima", "clear"),
        ("Omid", "clear"),
    ]
    referral = Referral.objects.get()
    assert (
        referral.case_id,
        referral.from_agency.code,
        referral.to_agency.code,
        referral.service,
        referral.status,
        referral.member,
        referral.reason,
        referral.due_date,
        referral.created_by,
    ) == (
        case.pk,
        "UNHCR",
        "IOM",
        "screening",
        "pending",
        karim,
        f"Karim Mohammad travels with a VolRep family but is not covered by it ({label}).",
        today() + datetime.timedelta(days=3),
        worker,
    )
    # 3 eligible × USD 375 (the rate from 1 August 2022), waiting for a second person.
    assert grant_amount(case=case, assistance_type=grant_type()) == (Decimal("1125.00"), "USD")
    assert (grant.value, grant.currency, grant.approval) == (Decimal("1125.00"), "USD", "pending")


def test_a_recycler_is_not_paid_and_the_others_are(family, worker):
    case_transition(
        case=family,
        transition_code="verify",
        actor=worker,
        data=verification(family, iris={"Fatima": "previously_assisted"}),
    )
    grant = record_grant(family, worker)

    assert entitlements(family) == [
        ("Ahmad", "eligible", ""),
        ("Fatima", "already_assisted", ""),
        ("Karim", "undocumented", ""),
        ("Omid", "eligible", ""),
    ]
    assert grant.value == Decimal("750.00")  # 2 × 375


def test_a_failed_iris_check_refuses_the_member_with_the_reason_given(family, worker):
    case_transition(
        case=family, transition_code="verify", actor=worker, data=verification(family, iris={"Omid": "failed"})
    )

    assert ("Omid", "refused", "Iris verification failed.") in entitlements(family)
    assert record_grant(family, worker).value == Decimal("750.00")


def test_refusing_one_member_with_a_reason_pays_the_others(family, worker):
    reason = "Registered on his uncle's VRF in 2019."

    case_transition(
        case=family, transition_code="verify", actor=worker, data=verification(family, refused={"Omid": f"  {reason} "})
    )
    grant = record_grant(family, worker)

    assert entitlements(family) == [
        ("Ahmad", "eligible", ""),
        ("Fatima", "eligible", ""),
        ("Karim", "undocumented", ""),
        ("Omid", "refused", reason),
    ]
    assert (grant.value, grant.currency) == (Decimal("750.00"), "USD")


# ---------------------------------------------------------------------------------------------
# Refusing the grant: only when nobody can be paid
# ---------------------------------------------------------------------------------------------


def test_refusing_the_grant_is_refused_while_someone_is_eligible(family, worker):
    before = state(family)
    data = verification(
        family,
        iris={"Ahmad": "previously_assisted", "Omid": "failed"},
        note="The family asked to wait.",
    )

    with pytest.raises(Refused) as refused:
        case_transition(case=family, transition_code="refuse_grant", actor=worker, data=data)

    assert {path: [(p.code, p.message) for p in found] for path, found in refused.value.problems.items()} == {
        "transition": [
            (
                "guard",
                "Fatima Karim can be paid: verify the family and refuse only the members who are not eligible, "
                "each with a reason.",
            )
        ]
    }
    assert state(family) == before


def test_verifying_is_refused_when_nobody_is_eligible(family, worker):
    before = state(family)
    data = verification(
        family, iris={"Ahmad": "previously_assisted", "Fatima": "previously_assisted"}, refused={"Omid": "Too old."}
    )

    with pytest.raises(Refused) as refused:
        case_transition(case=family, transition_code="verify", actor=worker, data=data)

    assert [(p.code, p.message) for p in refused.value.problems["transition"]] == [("guard", NOBODY_ELIGIBLE)]
    assert state(family) == before


def test_refusing_the_grant_when_nobody_is_eligible_closes_the_case_and_refers_the_family(family, worker):
    data = verification(
        family,
        iris={"Ahmad": "previously_assisted", "Fatima": "previously_assisted", "Omid": "previously_assisted"},
        note="Iris matched a 2019 repatriation.",
    )

    closed = case_transition(case=family, transition_code="refuse_grant", actor=worker, data=data)

    assert (closed.stage, closed.outcome) == ("closed", "not_eligible")
    assert entitlements(family) == [
        ("Ahmad", "already_assisted", ""),
        ("Fatima", "already_assisted", ""),
        ("Karim", "undocumented", ""),
        ("Omid", "already_assisted", ""),
    ]
    assert list(Referral.objects.values_list("to_agency__code", "service", "member", "reason", "due_date")) == [
        (
            "IOM",
            "screening",
            None,
            "No member could be paid the VolRep grant: Iris matched a 2019 repatriation.",
            today() + datetime.timedelta(days=3),
        )
    ]


# ---------------------------------------------------------------------------------------------
# The grant before verification
# ---------------------------------------------------------------------------------------------


def test_recording_the_grant_before_verification_is_refused_and_changes_nothing(family, worker):
    before = state(family)

    with pytest.raises(Refused) as refused:
        record_grant(family, worker)

    assert {path: [(p.code, p.message) for p in found] for path, found in refused.value.problems.items()} == {
        "assistance_type": [("nobody_eligible", "No member is eligible for the grant: verify the family first.")],
        "value": [("required", "Enter the amount of cash given.")],
    }
    assert grant_amount(case=family, assistance_type=grant_type()) == (Decimal("0.00"), "USD")
    assert state(family) == before

"""Referrals between agencies and to partners, and re-routing a household from one agency to the other.

A referral is made from a case and answered only by the agency it is addressed to:
pending → accepted → completed, or pending → declined (with a reason). Accepting a referral to
UNHCR or IOM opens (or reopens) that agency's case, and the gate then lets its staff see the
household; a partner NGO runs no workflow, so no case opens. Re-routing closes the old agency's case
(outcome ``rerouted``) and opens the new one's; re-routing back reopens the same case.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from agencies.models import Agency, User
from agencies.problems import Refused
from returns.models import Case, CaseEvent, Household, Referral
from returns.services.cases import CaseChanged, case_transition, referral_answer, referral_make
from returns.services.households import household_register, household_reroute
from tests.factories import UserFactory, household, member, vrf

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def in_days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def staff(agency_code: str | None, role: str, name: str = "") -> User:
    return UserFactory(
        username=".".join(part for part in (agency_code or "system", role, name) if part).lower(),
        agency=agency(agency_code) if agency_code else None,
        office=None,
        role=role,
    )


def unhcr_household() -> Household:
    return household_register(
        registered_by=staff("UNHCR", User.Role.FIELD_OFFICER),
        registration=household(
            members=[
                member(given_name="Ahmad", fathers_name="Mohammad", documents=[vrf()]),
                member(
                    relationship="daughter",
                    given_name="Maryam",
                    fathers_name="Ahmad",
                    sex="female",
                    age=9,
                    documents=[vrf()],
                ),
            ]
        ),
    )


def iom_household() -> Household:
    return household_register(
        registered_by=staff("IOM", User.Role.FIELD_OFFICER),
        registration=household(
            office="IQL", country_of_departure="IR", return_type="deportation", destination_province="AF30"
        ),
    )


def case_of(registered: Household, agency_code: str) -> Case:
    return Case.objects.get(household=registered, agency__code=agency_code)


def refer(case: Case, to: str = "IOM", **fields) -> Referral:
    return referral_make(
        case=case,
        made_by=fields.pop("made_by", None) or staff(case.agency.code, User.Role.CASE_WORKER),
        to_agency=agency(to),
        service=fields.pop("service", Referral.Service.ASSISTANCE),
        reason=fields.pop("reason", "Refused the grant: iris matched a 2019 repatriation."),
        due_date=fields.pop("due_date", in_days(3)),
        **fields,
    )


def state() -> dict:
    return {
        "referrals": list(Referral.objects.order_by("pk").values_list("pk", "status", "response", "responded_by")),
        "cases": list(Case.objects.order_by("pk").values_list("pk", "agency__code", "stage", "version", "closed_at")),
        "events": CaseEvent.objects.count(),
    }


def codes(error: Refused) -> dict[str, list[str]]:
    return {path: [problem.code for problem in problems] for path, problems in error.problems.items()}


# ---------------------------------------------------------------------------------------------
# Making a referral
# ---------------------------------------------------------------------------------------------


def test_a_referral_is_made_pending_from_the_case_to_the_other_agency():
    case = case_of(unhcr_household(), "UNHCR")
    worker = staff("UNHCR", User.Role.CASE_WORKER)
    maryam = case.household.members.get(given_name="Maryam")

    referral = refer(
        case,
        to="NRC",
        made_by=worker,
        service=Referral.Service.SHELTER,
        reason="  The family has nowhere to stay in Jalalabad.  ",
        due_date=in_days(7),
        member=maryam,
    )

    saved = Referral.objects.get(pk=referral.pk)
    assert (
        saved.case,
        saved.member,
        saved.from_agency.code,
        saved.to_agency.code,
        saved.service,
        saved.reason,
        saved.status,
        saved.due_date,
        saved.created_by,
        saved.response,
        saved.responded_by,
    ) == (
        case,
        maryam,
        "UNHCR",
        "NRC",
        "shelter",
        "The family has nowhere to stay in Jalalabad.",
        "pending",
        in_days(7),
        worker,
        "",
        None,
    )
    assert Case.objects.get(pk=case.pk).version == 2
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.REFERRAL_MADE)
    assert (event.actor, event.note, event.details) == (
        worker,
        "The family has nowhere to stay in Jalalabad.",
        {"referral": str(referral.public_id), "to": "NRC", "service": "shelter"},
    )


def test_a_field_officer_may_refer_and_the_answer_may_be_due_today():
    case = case_of(iom_household(), "IOM")

    referral = refer(case, to="WAW", made_by=staff("IOM", User.Role.FIELD_OFFICER), due_date=today())

    assert (referral.status, referral.due_date) == ("pending", today())


INVALID_REFERRALS = [
    ("to_the_same_agency", {"to": "UNHCR"}, {"to_agency": ["same_agency"]}),
    ("empty_reason", {"reason": "   "}, {"reason": ["required"]}),
    ("unknown_service", {"service": "food"}, {"service": ["invalid_choice"]}),
    ("answer_due_in_the_past", {"due_date": in_days(-1)}, {"due_date": ["in_past"]}),
    (
        "everything_wrong",
        {"to": "UNHCR", "reason": "", "service": "", "due_date": in_days(-30)},
        {
            "to_agency": ["same_agency"],
            "reason": ["required"],
            "service": ["invalid_choice"],
            "due_date": ["in_past"],
        },
    ),
]


@pytest.mark.parametrize(
    ("fields", "expected"), [pytest.param(fields, expected, id=name) for name, fields, expected in INVALID_REFERRALS]
)
def test_an_invalid_referral_is_refused_and_nothing_is_saved(fields, expected):
    case = case_of(unhcr_household(), "UNHCR")
    before = state()

    with pytest.raises(Refused) as refused:
        refer(case, **dict(fields))

    assert codes(refused.value) == expected
    assert state() == before


def test_a_member_of_another_household_cannot_be_referred():
    case = case_of(unhcr_household(), "UNHCR")
    stranger = iom_household().members.get()
    before = state()

    with pytest.raises(Refused) as refused:
        refer(case, member=stranger)

    assert codes(refused.value) == {"member": ["invalid_choice"]}
    assert state() == before


@pytest.mark.parametrize(
    ("role", "agency_code", "expected"),
    [
        (User.Role.COORDINATOR, "UNHCR", PermissionDenied),
        (User.Role.ADMIN, None, PermissionDenied),
        (User.Role.CASE_WORKER, "IOM", Case.DoesNotExist),
    ],
)
def test_who_may_not_refer_a_case(role, agency_code, expected):
    case = case_of(unhcr_household(), "UNHCR")
    before = state()

    with pytest.raises(expected):
        refer(case, to="NRC", made_by=staff(agency_code, role))

    assert state() == before


# ---------------------------------------------------------------------------------------------
# Answering
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answerer",
    [
        pytest.param(("UNHCR", User.Role.CASE_WORKER), id="the-referring-agency"),
        pytest.param(("NRC", User.Role.CASE_WORKER), id="a-partner-it-is-not-addressed-to"),
        pytest.param(("IOM", User.Role.COORDINATOR), id="a-coordinator-of-the-receiving-agency"),
        pytest.param((None, User.Role.ADMIN), id="an-administrator"),
    ],
)
def test_only_the_receiving_agencys_staff_answer_a_referral(answerer):
    referral = refer(case_of(unhcr_household(), "UNHCR"))
    before = state()

    with pytest.raises(PermissionDenied):
        referral_answer(referral=referral, answered_by=staff(*answerer), status="accepted", response="")

    assert state() == before


def test_a_referral_is_accepted_then_completed_by_the_receiving_agency():
    case = case_of(unhcr_household(), "UNHCR")
    referral = refer(case, to="NRC", service=Referral.Service.SHELTER, reason="Needs shelter.")
    partner = staff("NRC", User.Role.FIELD_OFFICER)
    started = timezone.now()

    accepted = referral_answer(referral=referral, answered_by=partner, status="accepted", response=" A tent today. ")

    assert Referral.objects.filter(pk=referral.pk).values_list("status", "response", "responded_by").get() == (
        "accepted",
        "A tent today.",
        partner.pk,
    )
    assert started <= accepted.responded_at <= timezone.now()

    referral_answer(referral=referral, answered_by=partner, status="completed", response="Shelter built.")

    assert Referral.objects.filter(pk=referral.pk).values_list("status", "response").get() == (
        "completed",
        "Shelter built.",
    )
    assert list(
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REFERRAL_ANSWERED).values_list(
            "actor", "note", "details"
        )
    ) == [
        (partner.pk, "A tent today.", {"referral": str(referral.public_id), "status": "accepted"}),
        (partner.pk, "Shelter built.", {"referral": str(referral.public_id), "status": "completed"}),
    ]


def test_declining_needs_a_reason():
    referral = refer(case_of(unhcr_household(), "UNHCR"))
    iom_worker = staff("IOM", User.Role.CASE_WORKER)
    before = state()

    with pytest.raises(Refused) as refused:
        referral_answer(referral=referral, answered_by=iom_worker, status="declined", response="  ")

    assert codes(refused.value) == {"response": ["required"]}
    assert state() == before

    referral_answer(referral=referral, answered_by=iom_worker, status="declined", response="Already assisted in 2019.")

    assert Referral.objects.filter(pk=referral.pk).values_list("status", "response", "responded_by").get() == (
        "declined",
        "Already assisted in 2019.",
        iom_worker.pk,
    )
    assert Case.objects.filter(agency__code="IOM").count() == 0


@pytest.mark.parametrize(
    ("history", "status"),
    [
        ([], "completed"),
        ([], "pending"),
        ([], "unknown"),
        (["accepted"], "accepted"),
        (["accepted"], "declined"),
        (["accepted"], "pending"),
        (["declined"], "accepted"),
        (["declined"], "completed"),
        (["accepted", "completed"], "accepted"),
        (["accepted", "completed"], "declined"),
    ],
)
def test_a_referral_moves_only_pending_to_accepted_or_declined_and_accepted_to_completed(history, status):
    referral = refer(case_of(unhcr_household(), "UNHCR"), to="NRC")
    partner = staff("NRC", User.Role.CASE_WORKER)
    for earlier in history:
        referral_answer(referral=referral, answered_by=partner, status=earlier, response="Noted.")
    before = state()

    with pytest.raises(Refused) as refused:
        referral_answer(referral=referral, answered_by=partner, status=status, response="Again.")

    assert codes(refused.value) == {"status": ["invalid_transition"]}
    assert state() == before


# ---------------------------------------------------------------------------------------------
# Accepting opens the receiving agency's case
# ---------------------------------------------------------------------------------------------


def test_accepting_a_unhcr_referral_opens_an_iom_case_and_iom_then_sees_the_household():
    registered = unhcr_household()
    referral = refer(case_of(registered, "UNHCR"))
    iom_worker = staff("IOM", User.Role.CASE_WORKER)
    # Pending, the referral already opens the household to IOM (it must see whom it is asked to take)...
    assert list(Household.objects.visible_to(iom_worker).filter(pk=registered.pk)) == [registered]
    assert not Case.objects.visible_to(iom_worker).filter(household=registered).exists()

    referral_answer(referral=referral, answered_by=iom_worker, status="accepted", response="Come to Torkham TC.")

    opened = case_of(registered, "IOM")
    assert (
        opened.workflow,
        opened.stage,
        opened.stage_due_date,
        opened.case_number,
        opened.office_id,
        opened.opened_by_referral,
        opened.version,
        opened.closed_at,
    ) == (
        "iom_post_arrival",
        "screening",
        in_days(1),
        f"PA-{registered.registration_number}",
        registered.office_id,
        referral,
        1,
        None,
    )
    assert list(opened.events.values_list("kind", "actor", "to_stage", "details")) == [
        ("opened", iom_worker.pk, "screening", {"referral": str(referral.public_id)})
    ]
    # ...and, accepted, its own case on it.
    assert list(Household.objects.visible_to(iom_worker).filter(pk=registered.pk)) == [registered]
    assert list(Case.objects.visible_to(iom_worker).filter(household=registered)) == [opened]
    # The IOM staff can work the case they were referred.
    assert case_transition(case=opened, transition_code="screen_not_eligible", actor=iom_worker).stage == "closed"


def test_refusing_the_grant_then_accepting_the_referral_hands_the_family_to_iom():
    registered = unhcr_household()
    ahmad, maryam = registered.members.order_by("id")
    unhcr_case = case_transition(
        case=case_of(registered, "UNHCR"),
        transition_code="refuse_grant",
        actor=staff("UNHCR", User.Role.CASE_WORKER),
        data={
            f"iris_{ahmad.public_id}": "previously_assisted",
            f"iris_{maryam.public_id}": "clear",
            "note": "Recycler.",
        },
    )
    referral = Referral.objects.get(case=unhcr_case)

    referral_answer(referral=referral, answered_by=staff("IOM", User.Role.MANAGER), status="accepted", response="")

    assert (case_of(registered, "UNHCR").outcome, case_of(registered, "IOM").opened_by_referral) == (
        "not_eligible",
        referral,
    )


def test_accepting_a_partner_referral_opens_no_case():
    registered = unhcr_household()
    referral = refer(case_of(registered, "UNHCR"), to="NRC", service=Referral.Service.LEGAL_AID, reason="Tazkira.")
    cases_before = list(Case.objects.values_list("pk", "version"))

    referral_answer(referral=referral, answered_by=staff("NRC", User.Role.CASE_WORKER), status="accepted", response="")

    # No case is opened; only the referring case moves on a version (the answer is in its history).
    referring = referral.case_id
    assert list(Case.objects.values_list("pk", "version")) == [
        (pk, version + 1 if pk == referring else version) for pk, version in cases_before
    ]
    assert not Household.objects.visible_to(staff("NRC", User.Role.CASE_WORKER)).exists()


def test_a_referral_back_to_an_agency_that_closed_its_case_reopens_it_for_that_agency():
    # An expired card sends the family to IOM; UNHCR's verification brings them back; the iris check
    # then finds a recycler and UNHCR refers them to IOM again.
    registered = iom_household()
    household_reroute(
        household=registered,
        rerouted_by=staff("IOM", User.Role.MANAGER),
        agency=agency("UNHCR"),
        category="registered_refugee",
        justification="UNHCR confirmed the registration behind the expired card.",
    )
    iom_case = case_of(registered, "IOM")
    assert (iom_case.outcome, iom_case.closed_at is not None) == ("rerouted", True)
    referral = refer(case_of(registered, "UNHCR"))
    iom_worker = staff("IOM", User.Role.CASE_WORKER)

    referral_answer(referral=referral, answered_by=iom_worker, status="accepted", response="")

    reopened = case_of(registered, "IOM")
    assert (reopened.pk, reopened.stage, reopened.closed_at, reopened.outcome, reopened.opened_by_referral) == (
        iom_case.pk,
        "screening",
        None,
        "",
        referral,
    )
    assert list(reopened.events.values_list("kind", "actor", "note", "details").order_by("-id")[:1]) == [
        ("opened", iom_worker.pk, "Reopened", {"referral": str(referral.public_id)})
    ]
    assert list(Household.objects.visible_to(iom_worker).filter(pk=registered.pk)) == [registered]


# ---------------------------------------------------------------------------------------------
# Re-routing
# ---------------------------------------------------------------------------------------------


def test_rerouting_closes_the_old_agencys_case_and_opens_one_at_the_new_agency():
    registered = unhcr_household()
    unhcr_manager = staff("UNHCR", User.Role.MANAGER)
    started = timezone.now()

    household_reroute(
        household=registered,
        rerouted_by=unhcr_manager,
        agency=agency("IOM"),
        category="undocumented",
        justification="The VRF belongs to a cousin.",
    )

    closed = case_of(registered, "UNHCR")
    assert (closed.stage, closed.outcome, closed.stage_due_date, closed.version) == ("closed", "rerouted", None, 2)
    assert started <= closed.closed_at <= timezone.now()
    assert list(closed.events.values_list("kind", "actor", "from_stage", "to_stage", "note")) == [
        ("opened", registered.registered_by_id, "", "verification", ""),
        ("closed", unhcr_manager.pk, "verification", "closed", "The VRF belongs to a cousin."),
    ]
    opened = case_of(registered, "IOM")
    assert (opened.workflow, opened.stage, opened.stage_due_date, opened.closed_at, opened.opened_by_referral) == (
        "iom_post_arrival",
        "screening",
        in_days(1),
        None,
        None,
    )
    assert list(opened.events.values_list("kind", "actor", "to_stage")) == [("opened", unhcr_manager.pk, "screening")]


def test_rerouting_back_reopens_the_old_case():
    registered = unhcr_household()
    unhcr_case = case_transition(
        case=case_of(registered, "UNHCR"),
        transition_code="verify",
        actor=staff("UNHCR", User.Role.CASE_WORKER),
        data={
            "documents_checked": "on",
            **{f"iris_{m.public_id}": "clear" for m in registered.members.all()},
        },
    )
    assert unhcr_case.stage == "encashment"
    household_reroute(
        household=registered,
        rerouted_by=staff("UNHCR", User.Role.MANAGER),
        agency=agency("IOM"),
        category="undocumented",
        justification="The VRF belongs to a cousin.",
    )
    iom_manager = staff("IOM", User.Role.MANAGER)

    household_reroute(
        household=registered,
        rerouted_by=iom_manager,
        agency=agency("UNHCR"),
        category="registered_refugee",
        justification="UNHCR Peshawar confirmed the family's own PoR cards.",
    )

    assert Case.objects.filter(household=registered).count() == 2
    reopened = case_of(registered, "UNHCR")
    assert (
        reopened.pk,
        reopened.stage,
        reopened.stage_due_date,
        reopened.closed_at,
        reopened.outcome,
        reopened.version,
    ) == (unhcr_case.pk, "verification", in_days(1), None, "", 4)
    assert list(reopened.events.values_list("kind", "actor", "to_stage", "note")[2:]) == [
        ("closed", staff("UNHCR", User.Role.MANAGER).pk, "closed", "The VRF belongs to a cousin."),
        ("opened", iom_manager.pk, "verification", "Reopened"),
    ]
    iom_case = case_of(registered, "IOM")
    assert (iom_case.stage, iom_case.outcome, iom_case.closed_at is not None) == ("closed", "rerouted", True)


def test_an_answer_makes_a_stale_edit_of_the_referring_case_fail():
    registered = unhcr_household()
    case = case_of(registered, "UNHCR")
    referral = refer(case, to="NRC", service=Referral.Service.LEGAL_AID, reason="Tazkira.")
    seen_version = Case.objects.get(pk=case.pk).version

    referral_answer(referral=referral, answered_by=staff("NRC", User.Role.CASE_WORKER), status="accepted", response="")

    with pytest.raises(CaseChanged):
        case_transition(
            case=case,
            transition_code="verify",
            actor=staff("UNHCR", User.Role.CASE_WORKER),
            expected_version=seen_version,
        )
    assert Case.objects.get(pk=case.pk).stage == "verification"

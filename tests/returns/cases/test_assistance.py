"""Assistance delivered, and maker-checker on cash: whoever records cash never approves it.

UNHCR's limit is 3000 USD and IOM's 500 USD (migration 0005): above it, or in another currency,
only a manager approves. The repatriation grant is the rate in force on the arrival date times the
members verification found eligible (here every member, on the family's VRF).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, User
from agencies.problems import Refused
from returns.models import Assistance, AssistanceType, Case, CaseEvent, GrantRate, Member
from returns.services.cases import assistance_decide, assistance_record, grant_amount
from returns.services.households import household_register
from tests.factories import UserFactory, entitle, household, member, vrf

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def staff(agency_code: str, role: str, name: str) -> User:
    return UserFactory(
        username=f"{agency_code}.{name}".lower(), agency=Agency.objects.get(code=agency_code), office=None, role=role
    )


@pytest.fixture
def recorder(db) -> User:
    return staff("UNHCR", User.Role.CASE_WORKER, "recorder")


@pytest.fixture
def checker(db) -> User:
    return staff("UNHCR", User.Role.CASE_WORKER, "checker")


@pytest.fixture
def manager(db) -> User:
    return staff("UNHCR", User.Role.MANAGER, "manager")


@pytest.fixture
def field_officer(db) -> User:
    return staff("UNHCR", User.Role.FIELD_OFFICER, "officer")


def refugee_family(size: int) -> list:
    """A head and ``size - 1`` children, every one of them on the family's VRF."""
    return [
        member(
            relationship="head" if index == 0 else "son",
            given_name=f"Person{index}",
            fathers_name="Mohammad",
            age=40 if index == 0 else 2 + index,
            documents=[vrf(number="VRF-PK-000001")],
        )
        for index in range(size)
    ]


def unhcr_case(size: int = 4, *, arrival: datetime.date | None = None) -> Case:
    """A VolRep family verified with every member eligible for the grant."""
    registrar = staff("UNHCR", User.Role.FIELD_OFFICER, "registrar")
    registered = household_register(
        registered_by=registrar, registration=household(members=refugee_family(size), arrival_date=arrival)
    )
    case = Case.objects.get(household=registered)
    entitle(case, decided_by=registrar)
    return case


def iom_case() -> Case:
    registered = household_register(
        registered_by=staff("IOM", User.Role.FIELD_OFFICER, "registrar"),
        registration=household(
            office="IQL", country_of_departure="IR", return_type="deportation", destination_province="AF30"
        ),
    )
    return Case.objects.get(household=registered)


def catalogue(agency_code: str, code: str) -> AssistanceType:
    return AssistanceType.objects.get(agency__code=agency_code, code=code)


def record_grant(case: Case, recorded_by: User, **fields) -> Assistance:
    return assistance_record(
        case=case,
        recorded_by=recorded_by,
        assistance_type=catalogue("UNHCR", "cash_grant"),
        delivered_on=fields.pop("delivered_on", today()),
        office=case.office,
        **fields,
    )


def state(case: Case) -> dict:
    """What recording or deciding may write."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "version": fresh.version,
        "events": list(CaseEvent.objects.filter(case=fresh).values_list("kind", flat=True)),
        "assistance": list(
            Assistance.objects.order_by("pk").values_list("pk", "approval", "approved_by", "approved_at", "note")
        ),
    }


def codes(error: Refused) -> dict[str, list[str]]:
    return {path: [problem.code for problem in problems] for path, problems in error.problems.items()}


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------


def test_cash_is_recorded_as_pending_with_the_grant_of_the_period(recorder):
    case = unhcr_case(size=4)

    grant = record_grant(case, recorder, note="Paid at the counter.")

    grant.refresh_from_db()
    assert (
        grant.value,
        grant.currency,
        grant.quantity,
        grant.approval,
        grant.needs_manager_approval,
        grant.recorded_by,
        grant.approved_by,
        grant.approved_at,
        grant.delivered_on,
        grant.member,
    ) == (Decimal("1500.00"), "USD", Decimal("1.00"), "pending", False, recorder, None, None, today(), None)
    saved = Case.objects.get(pk=case.pk)
    assert saved.version == 2
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ASSISTANCE_RECORDED)
    assert (event.actor, event.note, event.details) == (
        recorder,
        "Paid at the counter.",
        {"assistance": str(grant.public_id), "type": "cash_grant", "value": "1500.00", "currency": "USD"},
    )


def test_non_cash_assistance_needs_no_approval(recorder, checker):
    case = unhcr_case()

    screening = assistance_record(
        case=case,
        recorded_by=recorder,
        assistance_type=catalogue("UNHCR", "health_screening"),
        delivered_on=today(),
        office=case.office,
        quantity=Decimal(4),
    )

    assert (screening.approval, screening.value, screening.currency, screening.needs_manager_approval) == (
        "not_required",
        None,
        "",
        False,
    )
    before = state(case)
    with pytest.raises(Refused) as refused:
        assistance_decide(assistance=screening, decided_by=checker, approve=True)
    assert codes(refused.value) == {"assistance": ["not_pending"]}
    assert state(case) == before


def test_a_field_officer_may_record_assistance(field_officer):
    case = unhcr_case()

    overnight = assistance_record(
        case=case,
        recorded_by=field_officer,
        assistance_type=catalogue("UNHCR", "overnight_transit"),
        delivered_on=today(),
        office=case.office,
    )

    assert (overnight.recorded_by, overnight.approval) == (field_officer, "not_required")


@pytest.mark.parametrize(
    ("arrival", "per_person"),
    [
        (datetime.date(2010, 1, 1), Decimal("100.00")),
        (datetime.date(2015, 12, 31), Decimal("100.00")),
        (datetime.date(2019, 6, 15), Decimal("200.00")),
        (datetime.date(2020, 7, 31), Decimal("200.00")),
        (datetime.date(2020, 8, 1), Decimal("250.00")),
        (datetime.date(2021, 3, 1), Decimal("250.00")),
        (datetime.date(2023, 1, 1), Decimal("375.00")),
        (datetime.date(2024, 5, 20), Decimal("375.00")),
    ],
)
def test_the_grant_is_the_rate_of_the_arrival_date_times_the_eligible_members(recorder, arrival, per_person):
    case = unhcr_case(size=3, arrival=arrival)

    grant = record_grant(case, recorder, delivered_on=today())

    assert (grant.value, grant.currency) == (per_person * 3, "USD")
    assert grant_amount(case=case, assistance_type=catalogue("UNHCR", "cash_grant")) == (per_person * 3, "USD")


def test_no_grant_rate_for_the_arrival_date_refuses_the_grant_and_saves_nothing(recorder):
    GrantRate.objects.filter(assistance_type=catalogue("UNHCR", "cash_grant"), valid_from__lt="2002-05-29").delete()
    case = unhcr_case(arrival=datetime.date(2002, 4, 1))
    before = state(case)

    with pytest.raises(Refused) as refused:
        record_grant(case, recorder)

    assert [(p.code, p.message) for p in refused.value.problems["value"]] == [
        ("no_grant_rate", "No grant rate covers the arrival date 2002-04-01: enter the amount.")
    ]
    assert grant_amount(case=case, assistance_type=catalogue("UNHCR", "cash_grant")) is None
    assert state(case) == before


def test_an_amount_typed_for_the_grant_is_kept(recorder):
    case = unhcr_case(size=2)

    grant = record_grant(case, recorder, delivered_on=datetime.date(2009, 6, 1), value=Decimal(150), currency="usd")

    assert (grant.value, grant.currency) == (Decimal(150), "USD")


def other_household_member() -> Member:
    return iom_case().household.members.get()


# A cash item whose amount is typed (not the grant or the supplement, which their rules compute).
WINTER_CASH = "winterisation_cash"

INVALID_RECORDINGS = [
    ("negative_value", {"code": WINTER_CASH, "value": Decimal(-1), "currency": "USD"}, {"value": ["negative"]}),
    ("zero_quantity", {"code": "health_screening", "quantity": Decimal(0)}, {"quantity": ["not_positive"]}),
    ("negative_quantity", {"code": "health_screening", "quantity": Decimal(-2)}, {"quantity": ["not_positive"]}),
    (
        "future_date",
        {"code": "health_screening", "delivered_on": lambda: today() + datetime.timedelta(days=1)},
        {"delivered_on": ["in_future"]},
    ),
    ("another_agencys_type", {"agency": "IOM", "code": "meals"}, {"assistance_type": ["invalid_choice"]}),
    ("cash_without_amount", {"code": WINTER_CASH}, {"value": ["required"]}),
    (
        "bad_currency",
        {"code": WINTER_CASH, "value": Decimal(700), "currency": "US"},
        {"currency": ["invalid_currency"]},
    ),
    (
        "member_of_another_household",
        {"code": "health_screening", "member": other_household_member},
        {"member": ["invalid_choice"]},
    ),
]


@pytest.mark.parametrize(
    ("fields", "expected"), [pytest.param(fields, expected, id=name) for name, fields, expected in INVALID_RECORDINGS]
)
def test_invalid_assistance_is_refused_and_nothing_is_saved(recorder, fields, expected):
    case = unhcr_case()
    AssistanceType.objects.create(
        agency=case.agency, code=WINTER_CASH, name="Winterisation cash", is_cash=True, unit="household"
    )
    fields = {key: value() if callable(value) else value for key, value in fields.items()}
    assistance_type = catalogue(fields.pop("agency", "UNHCR"), fields.pop("code"))
    before = state(case)

    with pytest.raises(Refused) as refused:
        assistance_record(
            case=case,
            recorded_by=recorder,
            assistance_type=assistance_type,
            delivered_on=fields.pop("delivered_on", today()),
            office=case.office,
            **fields,
        )

    assert codes(refused.value) == expected
    assert state(case) == before


def test_an_inactive_assistance_type_is_refused(recorder):
    case = unhcr_case()
    AssistanceType.objects.filter(agency__code="UNHCR", code="overnight_transit").update(is_active=False)
    before = state(case)

    with pytest.raises(Refused) as refused:
        assistance_record(
            case=case,
            recorded_by=recorder,
            assistance_type=catalogue("UNHCR", "overnight_transit"),
            delivered_on=today(),
            office=case.office,
        )

    assert codes(refused.value) == {"assistance_type": ["invalid_choice"]}
    assert state(case) == before


def test_assistance_cannot_be_recorded_on_a_closed_case(recorder):
    case = unhcr_case()
    Case.objects.filter(pk=case.pk).update(stage="closed", closed_at=timezone.now(), outcome="assisted")
    before = state(case)

    with pytest.raises(Refused) as refused:
        record_grant(case, recorder)

    assert codes(refused.value) == {"case": ["closed"]}
    assert state(case) == before


@pytest.mark.parametrize("role", [User.Role.COORDINATOR, User.Role.ADMIN])
def test_who_is_not_field_staff_cannot_record_assistance(role):
    case = unhcr_case()
    outsider = UserFactory(
        username=f"outsider.{role}", role=role, agency=None if role == "admin" else Agency.objects.get(code="UNHCR")
    )
    before = state(case)

    with pytest.raises(PermissionDenied):
        record_grant(case, outsider)

    assert state(case) == before


def test_another_agencys_staff_cannot_record_on_the_case():
    case = unhcr_case()
    before = state(case)

    with pytest.raises(Case.DoesNotExist):
        assistance_record(
            case=case,
            recorded_by=staff("IOM", User.Role.CASE_WORKER, "worker"),
            assistance_type=catalogue("UNHCR", "health_screening"),
            delivered_on=today(),
            office=case.office,
        )

    assert state(case) == before


# ---------------------------------------------------------------------------------------------
# Maker-checker
# ---------------------------------------------------------------------------------------------


def test_the_recorder_cannot_approve_their_own_cash(recorder):
    case = unhcr_case()
    grant = record_grant(case, recorder)
    before = state(case)

    with pytest.raises(Refused) as refused:
        assistance_decide(assistance=grant, decided_by=recorder, approve=True)

    assert codes(refused.value) == {"assistance": ["self_approval"]}
    assert state(case) == before
    assert Assistance.objects.get(pk=grant.pk).approval == "pending"


def test_a_manager_who_recorded_cash_cannot_approve_it_either(manager):
    case = unhcr_case()
    grant = record_grant(case, manager)
    before = state(case)

    with pytest.raises(Refused) as refused:
        assistance_decide(assistance=grant, decided_by=manager, approve=True)

    assert codes(refused.value) == {"assistance": ["self_approval"]}
    assert state(case) == before


def test_a_second_case_worker_approves_cash_below_the_limit(recorder, checker):
    case = unhcr_case(size=4)
    grant = record_grant(case, recorder)
    started = timezone.now()

    approved = assistance_decide(assistance=grant, decided_by=checker, approve=True)

    saved = Assistance.objects.get(pk=grant.pk)
    assert (saved.approval, saved.approved_by, saved.value) == ("approved", checker, Decimal("1500.00"))
    assert started <= saved.approved_at <= timezone.now()
    assert approved.approval == "approved"
    assert Case.objects.get(pk=case.pk).version == 3
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ASSISTANCE_APPROVED)
    assert (event.actor, event.note, event.details) == (checker, "", {"assistance": str(grant.public_id)})


def test_cash_exactly_at_the_limit_is_approved_by_a_case_worker(recorder, checker):
    case = unhcr_case(size=8)  # 8 × 375 = 3000 USD: not above the limit

    grant = record_grant(case, recorder)
    assistance_decide(assistance=grant, decided_by=checker, approve=True)

    assert (grant.value, grant.needs_manager_approval) == (Decimal("3000.00"), False)
    assert Assistance.objects.get(pk=grant.pk).approval == "approved"


def test_cash_above_the_limit_needs_a_manager(recorder, checker, manager):
    case = unhcr_case(size=9)  # 9 × 375 = 3375 USD, above UNHCR's 3000 USD
    grant = record_grant(case, recorder)
    assert (grant.value, grant.needs_manager_approval) == (Decimal("3375.00"), True)
    before = state(case)

    with pytest.raises(Refused) as refused:
        assistance_decide(assistance=grant, decided_by=checker, approve=True)

    assert codes(refused.value) == {"assistance": ["manager_required"]}
    assert state(case) == before

    assistance_decide(assistance=grant, decided_by=manager, approve=True)

    assert Assistance.objects.filter(pk=grant.pk).values_list("approval", "approved_by").get() == (
        "approved",
        manager.pk,
    )


@pytest.mark.parametrize(
    ("value", "currency", "needs_manager"),
    [
        (Decimal(500), "USD", False),
        (Decimal("500.01"), "USD", True),
        (Decimal(3000), "AFN", True),  # another currency than the limit's
    ],
)
def test_iom_cash_above_500_usd_or_in_another_currency_needs_a_manager(value, currency, needs_manager):
    case = iom_case()

    cash = assistance_record(
        case=case,
        recorded_by=staff("IOM", User.Role.CASE_WORKER, "recorder"),
        assistance_type=catalogue("IOM", "cash_for_protection"),
        delivered_on=today(),
        office=case.office,
        value=value,
        currency=currency,
    )

    assert (cash.approval, cash.needs_manager_approval) == ("pending", needs_manager)


@pytest.mark.parametrize("approver", ["field_officer", "iom_manager", "coordinator", "admin"])
def test_who_may_not_approve_cash(recorder, field_officer, approver):
    case = unhcr_case()
    grant = record_grant(case, recorder)
    decided_by = {
        "field_officer": lambda: field_officer,
        "iom_manager": lambda: staff("IOM", User.Role.MANAGER, "manager"),
        "coordinator": lambda: staff("UNHCR", User.Role.COORDINATOR, "coordinator"),
        "admin": lambda: UserFactory(username="admin.t", role=User.Role.ADMIN, agency=None, office=None),
    }[approver]()
    before = state(case)

    # Another agency's staff and a coordinator do not see the case; the others may not approve.
    expected = Case.DoesNotExist if approver in ("iom_manager", "coordinator") else PermissionDenied
    with pytest.raises(expected):
        assistance_decide(assistance=grant, decided_by=decided_by, approve=True)

    assert state(case) == before


def test_a_rejection_needs_a_note(recorder, checker):
    case = unhcr_case()
    grant = record_grant(case, recorder)
    before = state(case)

    with pytest.raises(Refused) as refused:
        assistance_decide(assistance=grant, decided_by=checker, approve=False, note="   ")

    assert codes(refused.value) == {"note": ["required"]}
    assert state(case) == before

    assistance_decide(assistance=grant, decided_by=checker, approve=False, note="Family counted twice.")

    assert Assistance.objects.filter(pk=grant.pk).values_list("approval", "approved_by").get() == (
        "rejected",
        checker.pk,
    )
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ASSISTANCE_REJECTED)
    assert (event.actor, event.note) == (checker, "Family counted twice.")


@pytest.mark.parametrize("first", [True, False])
def test_a_decided_cash_cannot_be_decided_again(recorder, checker, manager, first):
    case = unhcr_case()
    grant = record_grant(case, recorder)
    assistance_decide(assistance=grant, decided_by=checker, approve=first, note="" if first else "Duplicate.")
    before = state(case)

    with pytest.raises(Refused) as refused:
        assistance_decide(assistance=grant, decided_by=manager, approve=True)

    assert codes(refused.value) == {"assistance": ["not_pending"]}
    assert state(case) == before


def test_the_database_refuses_a_self_approval_even_bypassing_the_service(recorder):
    case = unhcr_case()
    grant = record_grant(case, recorder)

    with pytest.raises(IntegrityError, match="assistance_not_self_approved"), transaction.atomic():
        Assistance.objects.filter(pk=grant.pk).update(
            approval=Assistance.Approval.APPROVED, approved_by=recorder, approved_at=timezone.now()
        )

    assert Assistance.objects.filter(pk=grant.pk).values_list("approval", "approved_by").get() == ("pending", None)

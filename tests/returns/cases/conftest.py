"""Fixtures for the case pages: case workers, registered cases, and a large caseload written in bulk."""

import datetime

import pytest
from django.utils import timezone

from agencies.models import Office, User
from returns.models import Case, Household, Member
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, vrf


@pytest.fixture
def unhcr_worker(unhcr, torkham) -> User:
    return UserFactory(
        username="unhcr.worker.t",
        first_name="Farida",
        last_name="Noori",
        agency=unhcr,
        office=torkham,
        role=User.Role.CASE_WORKER,
    )


@pytest.fixture
def unhcr_checker(unhcr, torkham) -> User:
    return UserFactory(
        username="unhcr.checker.t",
        first_name="Jawad",
        last_name="Karimi",
        agency=unhcr,
        office=torkham,
        role=User.Role.CASE_WORKER,
    )


@pytest.fixture
def iom_worker(iom, torkham) -> User:
    return UserFactory(username="iom.worker.t", agency=iom, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def unhcr_case(unhcr_officer) -> Case:
    """A UNHCR case at verification: a head, his wife, and a son of 3 (no iris check), all on one VRF."""
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=timezone.localdate() - datetime.timedelta(days=40),
            members=[
                member(given_name="Gul", fathers_name="Rahim", documents=[vrf()]),
                member(
                    given_name="Zarghona",
                    fathers_name="Karim",
                    sex="female",
                    relationship="spouse",
                    age=30,
                    documents=[vrf()],
                ),
                member(given_name="Wali", fathers_name="Gul", relationship="son", age=3, documents=[vrf()]),
            ],
        ),
    )
    return Case.objects.get(household=registered)


@pytest.fixture
def iom_case(iom_officer) -> Case:
    """An IOM case at screening: an undocumented deported household of two."""
    registered = household_register(
        registered_by=iom_officer,
        registration=household(
            country_of_departure="IR",
            return_type="deportation",
            destination_province="AF30",
            members=[
                member(given_name="Nazir", fathers_name="Habib"),
                member(given_name="Farid", fathers_name="Habib", relationship="sibling", age=19),
            ],
        ),
    )
    return Case.objects.get(household=registered)


UNHCR_STAGES = ("verification", "encashment", "services")


@pytest.fixture
def caseload_of(unhcr, unhcr_officer):
    """Write ``count`` open UNHCR cases straight to the tables (households, heads, cases): fast enough
    for a thousand. Bypasses registration on purpose; only for measuring pages."""

    def write(count: int, *, assigned_to: User | None = None) -> list[Case]:
        today = timezone.localdate()
        offices = list(Office.objects.filter(code__in=["TKM", "SBD", "IQL"]).order_by("code"))
        start = Household.objects.count()
        households = Household.objects.bulk_create(
            [
                Household(
                    registration_number=f"{offices[index % 3].code}-2000-{start + index:06d}",
                    arrival_date=today - datetime.timedelta(days=index % 70),
                    office=offices[index % 3],
                    country_of_departure_id="PK",
                    return_type_id="voluntary_repatriation",
                    destination_province_id="AF06",
                    registered_by=unhcr_officer,
                    routed_agency=unhcr,
                    category="registered_refugee",
                    routing_reason="Holds a valid PoR card.",
                    member_count=1,
                )
                for index in range(count)
            ]
        )
        Member.objects.bulk_create(
            [
                Member(
                    household=saved,
                    given_name=f"Head{index}",
                    fathers_name="Bulk",
                    sex="male",
                    relationship="head",
                    estimated_age=30,
                )
                for index, saved in enumerate(households)
            ]
        )
        return Case.objects.bulk_create(
            [
                Case(
                    case_number=f"VR-{saved.registration_number}",
                    household=saved,
                    agency=unhcr,
                    office=saved.office,
                    workflow="unhcr_voluntary_repatriation",
                    # Offices cycle every case, stages every three: nine cases put one in each stage and office.
                    stage=UNHCR_STAGES[index // 3 % 3],
                    assigned_to=assigned_to,
                    # A third overdue, a third due today, a third later.
                    stage_due_date=today + datetime.timedelta(days=(index % 3) - 1),
                )
                for index, saved in enumerate(households)
            ]
        )

    return write

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import User
from returns.models import Case
from returns.reference import reference_data
from returns.services.households import household_register
from tests.factories import UserFactory, api_token_for, household, member, por_card


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(db):
    """An API client authenticated as ``user`` with ``Authorization: Token <key>``."""

    def make(user) -> APIClient:
        token = api_token_for(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


@pytest.fixture
def warm_reference(db):
    """Load the reference-data snapshot before counting queries, as a running server has it."""
    return reference_data()


@pytest.fixture
def unhcr_worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.t", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def unhcr_checker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.checker.t", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def iom_worker(iom, torkham) -> User:
    return UserFactory(username="iom.worker.t", agency=iom, office=torkham, role=User.Role.CASE_WORKER)


def register_unhcr_case(officer, *, given_name="Ahmad", arrival_days_ago=1, members=None) -> Case:
    """A PoR-card family registered at Torkham: routed to UNHCR, whose case opens at verification."""
    registered = household_register(
        registered_by=officer,
        registration=household(
            arrival_date=timezone.localdate() - datetime.timedelta(days=arrival_days_ago),
            members=members or [member(given_name=given_name, documents=[por_card()])],
        ),
    )
    return Case.objects.get(household=registered)


def register_iom_case(officer, *, given_name="Karim") -> Case:
    """An undocumented returnee: routed to IOM, whose case opens at screening."""
    registered = household_register(
        registered_by=officer, registration=household(members=[member(given_name=given_name)])
    )
    return Case.objects.get(household=registered)


@pytest.fixture
def unhcr_case(unhcr_officer) -> Case:
    """Ahmad (35, head, PoR card) and his son Omid (3, too young for iris)."""
    return register_unhcr_case(
        unhcr_officer,
        members=[
            member(documents=[por_card()]),
            member(relationship="son", given_name="Omid", age=3),
        ],
    )


@pytest.fixture
def iom_case(unhcr_officer) -> Case:
    return register_iom_case(unhcr_officer)

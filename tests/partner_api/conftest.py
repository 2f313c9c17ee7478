"""A partner organisation (NRC) with a data-sharing agreement on UNHCR's data, and its API keys."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, ApiKey, DataSharingAgreement, User
from returns.reference import reference_data
from returns.services.households import household_register
from tests.factories import UserFactory, api_token_for, household, member, por_card

ALL_SCOPES = ["households:read", "households:write", "cases:read", "referrals:write", "reports:read"]
# What NRC's agreement shares: a subset, so that minimisation shows.
SHARED_FIELDS = [
    "household.registration_number",
    "household.arrival_date",
    "household.destination_province",
    "household.category",
    "household.members",
    "member.given_name",
    "member.sex",
    "member.date_of_birth",
    "member.estimated_age",
    "member.relationship",
    "case.case_number",
    "case.stage",
    "case.stage_due_date",
    "case.events",
]


@pytest.fixture
def nrc(db) -> Agency:
    return Agency.objects.get(code="NRC")


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(username="admin.t", agency=None, office=None, role=User.Role.ADMIN)


@pytest.fixture
def agreement(nrc, unhcr) -> DataSharingAgreement:
    """NRC receives UNHCR's households and cases, with the fields of SHARED_FIELDS only."""
    agreement = DataSharingAgreement.objects.create(
        partner=nrc,
        title="NRC legal aid follow-up",
        fields=SHARED_FIELDS,
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
    )
    agreement.source_agencies.set([unhcr])
    return agreement


@pytest.fixture
def make_key(nrc, admin_user):
    """A key of ``partner`` with ``scopes``: (the key as shown once, the ApiKey)."""

    def make(scopes, *, partner=None, name="sync") -> tuple[str, ApiKey]:
        partner = partner or nrc
        full, prefix, key_hash = ApiKey.new_secret()
        user = User(username=f"key-{prefix}", role=User.Role.PARTNER, agency=partner, office=None)
        user.set_unusable_password()
        user.save()
        key = ApiKey.objects.create(
            partner=partner,
            user=user,
            name=name,
            prefix=prefix,
            key_hash=key_hash,
            scopes=list(scopes),
            created_by=admin_user,
        )
        return full, key

    return make


@pytest.fixture
def key_client(make_key):
    """An API client sending ``Authorization: Bearer rk_…`` for a new key with ``scopes``."""

    def make(scopes=ALL_SCOPES, **kwargs) -> APIClient:
        full, key = make_key(scopes, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {full}")
        client.key = key
        return client

    return make


@pytest.fixture
def partner(agreement, key_client) -> APIClient:
    """NRC's key with every scope, under the agreement."""
    return key_client(ALL_SCOPES)


@pytest.fixture
def staff_client():
    def make(user) -> APIClient:
        token = api_token_for(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


@pytest.fixture
def warm_reference(db):
    return reference_data()


def register_unhcr(officer, *, given_name="Ahmad", **fields):
    """A PoR-card family (head and a daughter): routed to UNHCR."""
    return household_register(
        registered_by=officer,
        registration=household(
            members=[
                member(given_name=given_name, documents=[por_card()], specific_needs=["SM-CI"]),
                member(relationship="daughter", given_name="Maryam", sex="female", age=4),
            ],
            **fields,
        ),
    )


def register_iom(officer, *, given_name="Karim", **fields):
    """An undocumented returnee: routed to IOM."""
    return household_register(
        registered_by=officer, registration=household(members=[member(given_name=given_name)], **fields)
    )


@pytest.fixture
def unhcr_household(unhcr_officer):
    return register_unhcr(unhcr_officer)


@pytest.fixture
def iom_household(iom_officer):
    return register_iom(iom_officer)

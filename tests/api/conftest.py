import pytest
from rest_framework.test import APIClient

from returns.reference import reference_data
from tests.factories import api_token_for


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
def unhcr_client(client_for, unhcr_officer) -> APIClient:
    return client_for(unhcr_officer)


@pytest.fixture
def iom_client(client_for, iom_officer) -> APIClient:
    return client_for(iom_officer)


@pytest.fixture
def warm_reference(db):
    """Load the reference-data snapshot before counting queries, as a running server has it."""
    return reference_data()

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from agencies.models import Agency
from tests.factories import api_token_for
from tests.partner_infra.keys import administrator, agreement


@pytest.fixture(autouse=True)
def _empty_throttle_cache():
    """Throttling counts in the cache: every test starts with no request counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def nrc(db) -> Agency:
    return Agency.objects.get(code="NRC")


@pytest.fixture
def nrc_agreement(nrc, db):
    """NRC's agreement in force (UNHCR's records, no field): a key reads records only under one."""
    return agreement(partner=nrc, sources=[Agency.objects.get(code="UNHCR")], fields=[])


@pytest.fixture
def drc(db) -> Agency:
    return Agency.objects.get(code="DRC")


@pytest.fixture
def admin_user(db):
    return administrator()


@pytest.fixture
def client_for(db):
    """An API client authenticated as a staff ``user`` with ``Authorization: Token <key>``."""

    def make(user) -> APIClient:
        token = api_token_for(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make

import pytest
from django.utils import translation

from agencies.models import Agency, Office, User
from returns.reference import reference_invalidate
from tests.factories import UserFactory

# The browser fixtures, shared by every folder of browser tests (one Playwright instance); the
# embedded database server, started for the run when DATABASE_URL is unset.
pytest_plugins = ["tests.browser_support", "tests.database_support"]


@pytest.fixture(autouse=True)
def _in_english():
    """Each test starts in English: a request in Dari leaves its language active for code that runs
    outside a request afterwards (referral reasons, messages), so no test depends on the order."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_reference_data():
    """Each test sees the reference data of its own database state."""
    reference_invalidate()
    yield
    reference_invalidate()


@pytest.fixture
def unhcr(db) -> Agency:
    return Agency.objects.get(code="UNHCR")


@pytest.fixture
def iom(db) -> Agency:
    return Agency.objects.get(code="IOM")


@pytest.fixture
def torkham(db) -> Office:
    return Office.objects.get(code="TKM")


@pytest.fixture
def islam_qala(db) -> Office:
    return Office.objects.get(code="IQL")


@pytest.fixture
def unhcr_officer(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.officer.t", agency=unhcr, office=torkham, role=User.Role.FIELD_OFFICER)


@pytest.fixture
def unhcr_manager(unhcr) -> User:
    return UserFactory(username="unhcr.manager.t", agency=unhcr, office=None, role=User.Role.MANAGER)


@pytest.fixture
def iom_officer(iom, torkham) -> User:
    return UserFactory(username="iom.officer.t", agency=iom, office=torkham, role=User.Role.FIELD_OFFICER)


@pytest.fixture
def iom_manager(iom) -> User:
    return UserFactory(username="iom.manager.t", agency=iom, office=None, role=User.Role.MANAGER)


@pytest.fixture
def coordinator(unhcr) -> User:
    return UserFactory(username="coordinator.t", agency=unhcr, office=None, role=User.Role.COORDINATOR)

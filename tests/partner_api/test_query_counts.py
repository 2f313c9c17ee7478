"""Every list endpoint takes the same number of queries for a page of 1 and a page of 100."""

import datetime

import pytest
from django.utils import timezone

from returns.models import Case, Referral
from returns.services.cases import referral_make
from returns.services.households import household_withdraw
from tests.access_log_support import LOG_ROW
from tests.partner_api.conftest import register_unhcr

NOTE = "Registered twice at the border"

# For a partner's key: key, agreement, agreement's agencies [, watermark], the rows [, what they load].
PARTNER_LISTS = [
    # households, members (documents and specific needs are not shared, so not loaded)
    ("/api/v1/households/", 6 + LOG_ROW),
    ("/api/v1/households/?updated_since=2000-01-01T00:00:00Z", 6 + LOG_ROW),
    # A filter checked against the agreement reads it once, for the check and the gate alike (+1: the
    # province filter looks its code up, as for staff).
    ("/api/v1/households/?province=AF06&arrival_from=2000-01-01", 7 + LOG_ROW),
    ("/api/v1/cases/?stage=verification&arrival_from=2000-01-01", 5 + LOG_ROW),
    ("/api/v1/households/deleted/", 5 + LOG_ROW),
    ("/api/v1/cases/", 5 + LOG_ROW),
    ("/api/v1/cases/?updated_since=2000-01-01T00:00:00Z", 5 + LOG_ROW),
    ("/api/v1/cases/deleted/", 5 + LOG_ROW),
    # key, agreement, agreement's agencies (a key receives referrals only under an agreement in force, and the
    # person referred only from the agencies it covers), watermark, referrals
    ("/api/v1/referrals/", 5 + LOG_ROW),
    ("/api/v1/reference/agencies/", 2),
    ("/api/v1/reference/offices/", 2),
    ("/api/v1/reference/provinces/", 2),
    ("/api/v1/reference/districts/", 2),
    ("/api/v1/reference/countries/", 2),
    ("/api/v1/reference/document-types/", 2),
    ("/api/v1/reference/return-types/", 2),
    ("/api/v1/reference/need-codes/", 2),
    ("/api/v1/reference/assistance-types/", 2),
]


@pytest.fixture
def records(unhcr_officer, admin_user, nrc):
    """Four UNHCR households with cases, referrals to NRC from each, and two deleted ones."""
    households = [register_unhcr(unhcr_officer, given_name=f"P{index}") for index in range(6)]
    for household in households[:4]:
        referral_make(
            case=Case.objects.get(household=household),
            made_by=unhcr_officer,
            to_agency=nrc,
            service=Referral.Service.LEGAL_AID,
            reason="Lost civil documents",
            due_date=timezone.localdate() + datetime.timedelta(days=7),
        )
    for household in households[4:]:
        household_withdraw(household=household, withdrawn_by=admin_user, reason=NOTE)


@pytest.mark.usefixtures("records", "warm_reference")
@pytest.mark.parametrize(("url", "queries"), PARTNER_LISTS)
def test_a_partner_list_takes_the_same_queries_for_1_or_100(partner, django_assert_num_queries, url, queries):
    partner.get("/api/v1/reference/agencies/")  # the key's first use records it (once a minute)
    separator = "&" if "?" in url else "?"

    with django_assert_num_queries(queries):
        small = partner.get(f"{url}{separator}page_size=1")
    with django_assert_num_queries(queries):
        large = partner.get(f"{url}{separator}page_size=100")

    assert (small.status_code, large.status_code) == (200, 200)
    assert len(small.json()["results"]) == 1
    assert len(large.json()["results"]) > 1


@pytest.mark.usefixtures("records", "warm_reference")
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # (staff's households list: tests/api/test_household_read.py)
        ("/api/v1/households/deleted/", 3 + LOG_ROW),
        ("/api/v1/cases/deleted/", 3 + LOG_ROW),
        ("/api/v1/reference/districts/", 2),
    ],
)
def test_a_staff_list_takes_the_same_queries_for_1_or_100(
    staff_client, unhcr_manager, django_assert_num_queries, url, queries
):
    client = staff_client(unhcr_manager)

    with django_assert_num_queries(queries):
        small = client.get(url, {"page_size": 1})
    with django_assert_num_queries(queries):
        large = client.get(url, {"page_size": 100})

    assert len(small.json()["results"]) == 1
    assert len(large.json()["results"]) > 1

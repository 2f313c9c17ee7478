"""A list page counts at most 10,000 rows unless asked for the exact count (agencies.paging)."""

import pytest
from django.test import RequestFactory

from agencies import paging
from agencies.models import Province
from agencies.paging import CappedPaginator, page_of
from returns.services.households import household_register
from tests.factories import household, member, por_card

pytestmark = pytest.mark.django_db


def test_a_result_above_the_limit_is_counted_up_to_it_and_says_so(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 10)
    provinces = Province.objects.order_by("pcode")  # the 34 provinces of the reference data

    capped = CappedPaginator(provinces, 5)
    exact = CappedPaginator(provinces, 5, exact=True)

    assert (capped.count, capped.count_capped, capped.num_pages) == (11, True, 3)
    assert (exact.count, exact.count_capped, exact.num_pages) == (34, False, 7)


def test_a_result_within_the_limit_is_counted_exactly():
    paginator = CappedPaginator(Province.objects.order_by("pcode"), 5)

    assert (paginator.count, paginator.count_capped) == (34, False)


def test_the_exact_count_is_asked_for_with_count_exact(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 10)
    provinces = Province.objects.order_by("pcode")

    capped = page_of(RequestFactory().get("/", {"page": "2"}), provinces, 5)
    exact = page_of(RequestFactory().get("/", {"page": "7", "count": "exact"}), provinces, 5)

    assert (capped.number, capped.paginator.count, capped.paginator.count_capped) == (2, 11, True)
    assert (exact.number, exact.paginator.count, len(exact.object_list)) == (7, 34, 4)


def test_the_household_list_says_more_than_the_limit(client, unhcr_manager, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 0)
    client.force_login(unhcr_manager)
    household_register(registered_by=unhcr_manager, registration=household(members=[member(documents=[por_card()])]))

    capped = client.get("/households/")
    exact = client.get("/households/?count=exact")

    assert "More than 0 found." in capped.content.decode()
    assert 'href="?count=exact"' in capped.content.decode()
    assert "1 household" in exact.content.decode() and "More than" not in exact.content.decode()


def test_a_list_too_costly_to_count_gives_the_estimate_it_carries(django_assert_num_queries):
    # Given a list that carries an estimate of its size (a common name found by returns.search)
    provinces = Province.objects.order_by("pcode")
    provinces.query.count_estimate = 40_000

    # Then it is not counted: the page says "about 40,000"; asked for the exact count, it counts
    with django_assert_num_queries(0):
        paginator = CappedPaginator(provinces, 5)
        assert (paginator.count, paginator.count_estimated, paginator.count_capped) == (40_000, True, False)
    exact = CappedPaginator(provinces, 5, exact=True)
    assert (exact.count, exact.count_estimated) == (34, False)

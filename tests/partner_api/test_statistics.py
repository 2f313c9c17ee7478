"""Joint statistics: exact counts in SQL, cells under five suppressed so that no total reveals them."""

import datetime

import pytest
from django.utils import timezone

from reports.disclosure import Cell, suppress
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card

URL = "/api/v1/statistics/returns/"


@pytest.fixture
def arrivals(unhcr_officer, iom_officer):
    """Six PoR-card families from Pakistan without a VRF (UNHCR, category refugee_card, under v3): a man of
    35 and a girl of 4, the first also a grandfather of 70; and two undocumented men of 35 from Iran:
    8 households, 15 people."""
    arrival = timezone.localdate() - datetime.timedelta(days=1)
    for index in range(6):
        members = [
            member(documents=[por_card(number=f"PK-{index}")]),
            member(relationship="daughter", sex="female", age=4),
        ]
        if index == 0:
            members.append(member(relationship="parent", given_name="Gul", age=70))
        household_register(registered_by=unhcr_officer, registration=household(members=members, arrival_date=arrival))
    for _ in range(2):
        household_register(
            registered_by=iom_officer,
            registration=household(members=[member()], arrival_date=arrival, country_of_departure="IR"),
        )
    return arrival


def test_the_statistics_count_exactly_and_suppress_small_cells(staff_client, coordinator, arrivals):
    response = staff_client(coordinator).get(URL, {"year": arrivals.year})

    assert response.status_code == 200
    month = f"{arrivals.year}-{arrivals.month:02d}"
    assert response.json() == {
        "year": arrivals.year,
        "threshold": 5,
        "total": {"households": 8, "people": 15},
        # 2 undocumented households: suppressed, and so is the other category (8 − 6 would tell)
        "by_category": [
            {"key": "refugee_card", "households": None, "people": None},
            {"key": "undocumented", "households": None, "people": None},
        ],
        "by_country_of_departure": [
            {"key": "IR", "households": None, "people": None},
            {"key": "PK", "households": None, "people": None},
        ],
        "by_return_type": [{"key": "voluntary_repatriation", "households": 8, "people": 15}],
        "by_crossing_point": [{"key": "TKM", "households": 8, "people": 15}],
        "by_month": [{"key": month, "households": 8, "people": 15}],
        "by_destination_province": [{"key": "AF06", "households": 8, "people": 15}],
        # One man of 70: suppressed; then the girls (smallest other cell of the table) and the
        # other men (the rest of the men's row) too.
        "by_sex_and_age": [
            {"sex": "female", "age_group": "0-4", "people": None},
            {"sex": "male", "age_group": "18-59", "people": None},
            {"sex": "male", "age_group": "60+", "people": None},
        ],
        "suppressed": [
            {"breakdown": "by_category", "key": "refugee_card", "reason": "secondary"},
            {"breakdown": "by_category", "key": "undocumented", "reason": "primary"},
            {"breakdown": "by_country_of_departure", "key": "IR", "reason": "primary"},
            {"breakdown": "by_country_of_departure", "key": "PK", "reason": "secondary"},
            {"breakdown": "by_sex_and_age", "key": "female/0-4", "reason": "secondary"},
            {"breakdown": "by_sex_and_age", "key": "male/18-59", "reason": "secondary"},
            {"breakdown": "by_sex_and_age", "key": "male/60+", "reason": "primary"},
        ],
    }


def test_a_key_with_reports_read_counts_everything_and_others_count_nothing(
    agreement, key_client, staff_client, nrc, arrivals
):
    with_scope = key_client(["reports:read"]).get(URL, {"year": arrivals.year})
    ngo_staff = UserFactory(username="nrc.officer", agency=nrc, office=None, role="case_worker")
    not_counted = staff_client(ngo_staff).get(URL, {"year": arrivals.year})

    assert with_scope.json()["total"] == {"households": 8, "people": 15}
    assert not_counted.status_code == 200
    assert not_counted.json()["total"] == {"households": None, "people": None}
    assert not_counted.json()["by_category"] == []


def test_the_year_is_required(staff_client, coordinator):
    response = staff_client(coordinator).get(URL)

    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "year", "code": "required", "message": "This field is required."}]


def test_one_small_cell_takes_the_next_smallest_with_it():
    cells = [Cell("by_x", key, units) for key, units in (("a", 10), ("b", 3), ("c", 7), ("d", 12))]

    suppress([cells])

    assert [(cell.key, cell.suppressed) for cell in cells] == [
        ("a", ""),
        ("b", "primary"),
        ("c", "secondary"),
        ("d", ""),
    ]


def test_statistics_take_the_same_queries_whatever_the_data(
    staff_client, coordinator, arrivals, django_assert_num_queries
):
    client = staff_client(coordinator)
    # token, totals, six household breakdowns, people by sex and age
    with django_assert_num_queries(9):
        client.get(URL, {"year": arrivals.year})

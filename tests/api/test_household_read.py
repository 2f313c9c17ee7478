import uuid

import pytest

from returns.services.households import household_register
from tests.access_log_support import LOG_ROW
from tests.factories import household, member, por_card
from tests.problems import problem_of

URL = "/api/v1/households/"


def _register(user, *, members=None, **fields):
    return household_register(registered_by=user, registration=household(members=members, **fields))


@pytest.fixture
def unhcr_household(unhcr_officer):
    """A PoR-card family registered at Torkham: routed to UNHCR."""
    return _register(
        unhcr_officer, members=[member(documents=[por_card()]), member(relationship="spouse", sex="female")]
    )


@pytest.fixture
def iom_household(unhcr_officer):
    """An undocumented family registered at Torkham by the same UNHCR officer: routed to IOM."""
    return _register(unhcr_officer, members=[member(given_name="Karim")])


def _ids(response) -> list[str]:
    return [item["id"] for item in response.json()["results"]]


# Visibility --------------------------------------------------------------------------------


def test_an_iom_officer_cannot_read_a_unhcr_household(iom_client, unhcr_household):
    # When an IOM officer asks for a household routed to UNHCR
    response = iom_client.get(f"{URL}{unhcr_household.public_id}/")

    # Then it does not exist for them
    assert response.status_code == 404
    assert problem_of(response) == {"code": "not_found", "detail": "Not found."}


def test_an_iom_officer_lists_only_iom_households(iom_client, unhcr_household, iom_household):
    # When an IOM officer lists the households of their office, then of their whole agency
    office = iom_client.get(URL)
    agency = iom_client.get(URL, {"scope": "agency"})

    # Then the UNHCR household is in neither
    assert office.status_code == agency.status_code == 200
    assert _ids(office) == _ids(agency) == [str(iom_household.public_id)]


def test_an_officer_sees_what_they_registered_and_where_it_went(unhcr_client, unhcr_household, iom_household):
    # When the UNHCR officer who registered both households lists them
    response = unhcr_client.get(URL)

    # Then both are listed, newest first, with their agency
    assert [(item["id"], item["agency"]) for item in response.json()["results"]] == [
        (str(iom_household.public_id), "IOM"),
        (str(unhcr_household.public_id), "UNHCR"),
    ]


def test_a_coordinator_sees_no_personal_records(client_for, coordinator, unhcr_household, iom_household):
    # Given a coordinator
    client = client_for(coordinator)

    # When they list households, or ask for one
    listed = client.get(URL)
    detail = client.get(f"{URL}{unhcr_household.public_id}/")

    # Then nothing is shown
    assert listed.json() == {"next": None, "previous": None, "results": []}
    assert detail.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("get", f"{URL}{uuid.UUID(int=1)}/"), ("post", URL)],
)
def test_anonymous_requests_get_401_not_a_redirect(anonymous_client, method, path):
    # When a client without credentials calls the API
    response = getattr(anonymous_client, method)(path, {}, format="json")

    # Then it is told to authenticate (no redirect to the login page)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert problem_of(response) == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }


def test_an_unknown_token_gets_401(db, anonymous_client):
    # When the token is not one we issued
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = anonymous_client.get(URL)

    # Then
    assert response.status_code == 401
    assert problem_of(response) == {"code": "authentication_failed", "detail": "Invalid token."}


# Reading -----------------------------------------------------------------------------------


def test_the_list_shows_households_with_their_members(unhcr_client, unhcr_household):
    # When the list is read
    response = unhcr_client.get(URL)

    # Then each household comes with members, documents and routing
    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert listed["registration_number"] == unhcr_household.registration_number
    assert listed["routing"]["rule"] == "por_holder_without_vrf"
    assert [(m["given_name"], m["relationship"], len(m["documents"])) for m in listed["members"]] == [
        ("Ahmad", "head", 1),
        ("Ahmad", "spouse", 0),
    ]


def test_the_list_is_filtered(unhcr_client, unhcr_household, iom_household):
    # When the officer filters on the agency
    response = unhcr_client.get(URL, {"agency": "IOM"})

    # Then only IOM's household is listed
    assert _ids(response) == [str(iom_household.public_id)]


def test_an_invalid_filter_is_a_400(unhcr_client):
    # When the category filter is not a category
    response = unhcr_client.get(URL, {"category": "tourist"})

    # Then
    message = "Select a valid choice. tourist is not one of the available choices."
    assert response.status_code == 400
    assert response.json()["errors"] == [{"path": "category", "code": "invalid_choice", "message": message}]


def test_pages_follow_each_other_newest_first(unhcr_client, unhcr_officer):
    # Given three households
    registered = [_register(unhcr_officer, members=[member(given_name=name)]) for name in ("A", "B", "C")]

    # When they are read one per page, following "next"
    first = unhcr_client.get(URL, {"page_size": 1})
    second = unhcr_client.get(first.json()["next"])
    third = unhcr_client.get(second.json()["next"])

    # Then every household comes once, newest first, and the last page has no next
    assert _ids(first) + _ids(second) + _ids(third) == [str(h.public_id) for h in reversed(registered)]
    assert third.json()["next"] is None


def test_a_page_size_over_100_is_refused_not_capped(unhcr_client, unhcr_officer):
    # Given 101 households
    for _ in range(101):
        _register(unhcr_officer)

    # When a page of 500 is asked for, then of 100
    refused = unhcr_client.get(URL, {"page_size": 500})
    largest = unhcr_client.get(URL, {"page_size": 100})

    # Then the first is refused with the range, the second gives 100 with a next page
    assert refused.status_code == 400
    assert [(error["path"], error["code"]) for error in refused.json()["errors"]] == [
        ("page_size", "invalid_page_size")
    ]
    assert len(largest.json()["results"]) == 100
    assert largest.json()["next"] is not None


def test_an_id_that_is_not_a_uuid_is_not_found(unhcr_client):
    assert unhcr_client.get(f"{URL}12345/").status_code == 404


# Query counts ------------------------------------------------------------------------------


@pytest.mark.usefixtures("warm_reference")
def test_listing_takes_the_same_queries_for_1_or_50_households(unhcr_client, unhcr_officer, django_assert_num_queries):
    # Given 50 households of three members with documents and specific needs
    for _ in range(50):
        _register(
            unhcr_officer,
            members=[
                member(documents=[por_card()], specific_needs=["SM-CI"]),
                member(relationship="spouse", sex="female", documents=[por_card()]),
                member(relationship="son", age=4, specific_needs=["DS-PM"]),
            ],
        )

    # When a page of 1 then a page of 50 is read
    # Then both take: token, sync watermark, households, members, documents, needs
    with django_assert_num_queries(6 + LOG_ROW):
        small = unhcr_client.get(URL, {"page_size": 1})
    with django_assert_num_queries(6 + LOG_ROW):
        large = unhcr_client.get(URL, {"page_size": 50})
    assert (len(small.json()["results"]), len(large.json()["results"])) == (1, 50)


@pytest.mark.usefixtures("warm_reference")
def test_reading_takes_the_same_queries_for_1_or_8_members(unhcr_client, unhcr_officer, django_assert_num_queries):
    # Given a household of one and a household of eight, every member with a document and a need
    single = _register(unhcr_officer, members=[member(documents=[por_card()], specific_needs=["SM-CI"])])
    large = _register(
        unhcr_officer,
        members=[member(documents=[por_card()], specific_needs=["SM-CI"])]
        + [
            member(relationship="son", age=6 + i, documents=[por_card(number=f"PK-{i}")], specific_needs=["DS-PM"])
            for i in range(7)
        ],
    )

    # When each is read
    # Then both take: token, household, members, documents, needs (not its history, which is not sent)
    with django_assert_num_queries(5 + LOG_ROW):
        one = unhcr_client.get(f"{URL}{single.public_id}/")
    with django_assert_num_queries(5 + LOG_ROW):
        eight = unhcr_client.get(f"{URL}{large.public_id}/")
    assert (len(one.json()["members"]), len(eight.json()["members"])) == (1, 8)

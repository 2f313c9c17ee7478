"""Every API error is an RFC 9457 problem with a stable code: hostile or malformed requests are
answered 4xx, never a 500 or an HTML page, and change nothing."""

import base64
import io
import json

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from agencies.api import errors
from agencies.api.parsers import MAX_DEPTH, JSONParser, JsonTooDeep, RequestTooLarge
from returns.models import Household, HouseholdEvent
from returns.services.households import household_register
from tests.api.payloads import household_json, member_json, por_card_json
from tests.factories import household, member, por_card
from tests.problems import problem_of

URL = "/api/v1/households/"
PAGE_SIZE_MESSAGE = "Give a whole number from 1 to 100 (without it, %d)."
CURSOR_MESSAGE = "This cursor was not given by this list: follow the `next` link, or start again."
NO_OPERATION = "No operation of the API has this address: check the path, and that ids are UUIDs."


def _cursor(tokens: str) -> str:
    return base64.b64encode(tokens.encode()).decode()


def _errors(response) -> list[tuple[str, str]]:
    return [(error["path"], error["code"]) for error in problem_of(response)["errors"]]


@pytest.fixture
def registered(unhcr_officer) -> Household:
    return household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )


# Addresses that name no operation -------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_id_that_is_not_a_uuid_is_a_problem_404(unhcr_client, registered, method):
    # When a household is asked for by an id that is not a UUID
    response = getattr(unhcr_client, method)(f"{URL}not-a-uuid/", {"phone": "+93 70 000 0000"}, format="json")

    # Then the answer is a problem, not Django's HTML page, and nothing changed
    assert response.status_code == 404
    assert problem_of(response) == {"code": "not_found", "detail": NO_OPERATION}
    assert Household.objects.get() == registered
    assert HouseholdEvent.objects.filter(household=registered).count() == 1


@pytest.mark.parametrize("path", ["/api/v1/nowhere/", "/api/v2/households/", "/api/", "/api/v1/cases/12345/events/"])
def test_an_unknown_api_address_is_a_problem_404_even_without_credentials(path):
    response = APIClient().get(path)

    assert response.status_code == 404
    assert problem_of(response) == {"code": "not_found", "detail": NO_OPERATION}


def test_a_post_to_an_unknown_api_address_is_a_404_not_a_csrf_failure():
    # Given a client whose requests Django checks for CSRF, as a real browser's are
    client = APIClient(enforce_csrf_checks=True)

    response = client.post("/api/v1/households/not-a-uuid/merge/", {"into": "x"}, format="json")

    assert response.status_code == 404
    assert problem_of(response)["code"] == "not_found"


def test_an_address_without_its_slash_is_redirected_for_a_get_and_a_404_for_a_post(unhcr_client):
    redirected = unhcr_client.get("/api/v1/households?page_size=1")
    posted = unhcr_client.post("/api/v1/households", household_json(), format="json")

    assert redirected.status_code == 301
    assert redirected["Location"] == "/api/v1/households/?page_size=1"
    assert posted.status_code == 404
    assert problem_of(posted)["code"] == "not_found"
    assert Household.objects.count() == 0


def test_pages_outside_the_api_keep_their_html_404(unhcr_client):
    response = unhcr_client.get("/households/not-a-uuid/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("handler", "status", "code"),
    [
        (lambda request: errors.bad_request(request, Exception()), 400, "bad_request"),
        (lambda request: errors.permission_denied(request, Exception()), 403, "permission_denied"),
        (lambda request: errors.page_not_found(request, Exception()), 404, "not_found"),
        (errors.server_error, 500, "server_error"),
    ],
    ids=["400", "403", "404", "500"],
)
def test_errors_outside_the_views_are_problems_under_the_api_and_pages_elsewhere(db, handler, status, code):
    api = handler(RequestFactory().get("/api/v1/households/"))
    page = handler(RequestFactory().get("/households/"))

    assert api.status_code == status
    assert api["Content-Type"] == "application/problem+json"
    assert json.loads(api.content)["code"] == code
    assert json.loads(api.content)["status"] == status
    assert page.status_code == status
    assert page["Content-Type"].startswith("text/html")


# Methods, media types, credentials --------------------------------------------------------------


def test_a_method_an_operation_does_not_have_is_a_problem_405(unhcr_client):
    response = unhcr_client.put(URL, household_json(), format="json")

    assert response.status_code == 405
    assert problem_of(response) == {"code": "method_not_allowed", "detail": 'Method "PUT" not allowed.'}
    assert Household.objects.count() == 0


def test_asking_for_html_is_a_problem_406(unhcr_client):
    response = unhcr_client.get(URL, HTTP_ACCEPT="text/html")

    assert response.status_code == 406
    assert problem_of(response)["code"] == "not_acceptable"


def test_a_body_that_is_not_json_is_a_problem_415(unhcr_client, client_for, coordinator):
    registration = unhcr_client.post(URL, {"arrival_date": "2025-11-01"}, format="multipart")
    report = client_for(coordinator).post("/api/v1/reports/", {"year": "2025"}, format="multipart")

    for response in (registration, report):
        assert response.status_code == 415
        assert problem_of(response)["code"] == "unsupported_media_type"
    assert Household.objects.count() == 0


def test_no_credentials_is_a_problem_401():
    response = APIClient().get(URL)

    assert response.status_code == 401
    assert problem_of(response)["code"] == "not_authenticated"


# Query parameters: paging and incremental sync ----------------------------------------------------


@pytest.mark.parametrize("page_size", ["-1", "0", "101", "1000", "abc", "", "1.5", "٣", " 5"])
@pytest.mark.parametrize(
    ("path", "default"),
    [(URL, 50), ("/api/v1/cases/", 50), ("/api/v1/reference/offices/", 100), ("/api/v1/reports/", 50)],
)
def test_a_page_size_outside_1_to_100_is_refused_with_the_range(unhcr_client, path, default, page_size):
    response = unhcr_client.get(path, {"page_size": page_size})

    assert response.status_code == 400
    assert problem_of(response)["errors"] == [
        {"path": "page_size", "code": "invalid_page_size", "message": PAGE_SIZE_MESSAGE % default}
    ]


def test_the_largest_page_size_is_answered(unhcr_client, registered):
    response = unhcr_client.get(URL, {"page_size": "100"})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(registered.public_id)]


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("p=notadate"),  # a position that is not a time
        _cursor("p=0001-01-01T00:00:00%2B17:57"),  # an offset no time zone has
        _cursor("p=2026-11-28 09:30:00"),  # a time without its offset
        _cursor("p=2026-11-28\x0009:30:00+00:00"),  # a NUL character
        _cursor("o=-1"),  # a negative offset
        _cursor("r=yes"),
        _cursor("w=notadate"),  # the watermark of the run
        _cursor("w=0001-01-01T00:00:00%2B17:57"),
        "not base64!",
        "Zm9v\u00e9",  # not ASCII
    ],
)
@pytest.mark.parametrize("path", [URL, "/api/v1/cases/", f"{URL}deleted/"])
def test_a_cursor_the_server_did_not_give_is_refused(unhcr_client, registered, path, cursor):
    response = unhcr_client.get(path, {"cursor": cursor})

    assert response.status_code == 400
    assert problem_of(response)["errors"] == [{"path": "cursor", "code": "invalid_cursor", "message": CURSOR_MESSAGE}]


@pytest.mark.parametrize(
    "cursor", [_cursor("p=\x00"), _cursor("p=AB\x00"), _cursor("p=99999999999999999999999999"), _cursor("o=x")]
)
def test_a_forged_cursor_of_a_list_by_code_or_number_is_refused_or_harmless(unhcr_client, cursor):
    offices = unhcr_client.get("/api/v1/reference/offices/", {"cursor": cursor})
    border_counts = unhcr_client.get("/api/v1/border-counts/", {"cursor": cursor})

    assert offices.status_code in (200, 400)
    assert border_counts.status_code in (200, 400)
    for response in (offices, border_counts):
        if response.status_code == 400:
            assert _errors(response) == [("cursor", "invalid_cursor")]


def test_a_cursor_the_server_gave_still_pages_on(unhcr_client, unhcr_officer):
    # Given three households
    registered = [
        household_register(registered_by=unhcr_officer, registration=household(members=[member()])) for _ in range(3)
    ]

    # When a partner pages through them two at a time, in sync order
    first = unhcr_client.get(URL, {"page_size": 2, "updated_since": "2000-01-01T00:00:00+00:00"})
    second = unhcr_client.get(first.json()["next"])

    # Then both pages are answered, every household once, and the run's watermark is kept
    ids = [row["id"] for row in first.json()["results"] + second.json()["results"]]
    assert ids == [str(row.public_id) for row in registered]
    assert second.json()["next"] is None
    assert first["X-Sync-Watermark"] == second["X-Sync-Watermark"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0001-01-01T00:00:00-17:57", "offset_out_of_range"),
        ("2026-11-28T09:30:00+14:30", "offset_out_of_range"),
        ("2026-11-28T09:30:00-12:30", "offset_out_of_range"),
        ("0001-01-01T00:00:00", "out_of_range"),  # Kabul time: the year 0 in UTC
        ("0001-01-01T00:00:00+00:01", "out_of_range"),
        ("9999-12-31T23:59:59-05:00", "out_of_range"),
        ("2026-13-01T00:00:00+00:00", "invalid"),
        ("yesterday", "invalid"),
    ],
)
@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        (URL, "updated_since"),
        (f"{URL}deleted/", "since"),
        ("/api/v1/cases/", "updated_since"),
        ("/api/v1/cases/deleted/", "since"),
        ("/api/v1/referrals/", "updated_since"),
        ("/api/v1/monitoring/interviews/", "updated_since"),
    ],
)
def test_a_sync_time_the_database_cannot_compare_is_refused(client_for, unhcr_manager, path, parameter, value, code):
    response = client_for(unhcr_manager).get(path, {parameter: value})

    assert response.status_code == 400
    assert _errors(response) == [(parameter, code)]


def test_the_out_of_range_messages_say_what_is_accepted(unhcr_client):
    offset = unhcr_client.get(URL, {"updated_since": "0001-01-01T00:00:00-17:57"})
    year = unhcr_client.get(URL, {"updated_since": "0001-01-01T00:00:00"})

    assert problem_of(offset)["fields"] == {
        "updated_since": [
            "No time zone has this UTC offset: give one from -12:00 to +14:00, e.g. 2026-11-28T09:30:00+00:00."
        ]
    }
    assert problem_of(year)["fields"] == {
        "updated_since": [
            "This time is out of range: in UTC it must fall between the years 1 and 9999, "
            "e.g. 2026-11-28T09:30:00+00:00."
        ]
    }


@pytest.mark.parametrize("value", ["2026-11-28T09:30:00-12:00", "2026-11-28T09:30:00+14:00", "0001-01-02T00:00:00"])
def test_a_sync_time_at_the_edges_is_answered(unhcr_client, value):
    assert unhcr_client.get(URL, {"updated_since": value}).status_code == 200


def test_too_many_query_parameters_is_a_problem_400(unhcr_client):
    query = "&".join(f"q{number}=1" for number in range(1001))

    response = unhcr_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert problem_of(response)["code"] in ("too_many_parameters", "bad_request")


# JSON bodies ---------------------------------------------------------------------------------------


def _nested(depth: int):
    value = {}
    for _level in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(household_json(members=[member_json(documents=[_nested(MAX_DEPTH - 3)])])),
        json.dumps(_nested(MAX_DEPTH + 1)),
        "[" * 100_000 + "]" * 100_000,
        '{"members": ' + "[" * 5_000 + "]" * 5_000 + "}",
    ],
    ids=["33 levels in a document", "33 levels", "100000 levels", "5000 levels in members"],
)
def test_json_nested_deeper_than_32_levels_is_refused(unhcr_client, body):
    response = unhcr_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert problem_of(response) == {
        "code": "json_too_deep",
        "detail": "1 problem found.",
        "errors": [
            {
                "path": "",
                "code": "json_too_deep",
                "message": "The JSON is nested more than 32 levels deep; no request needs that many.",
            }
        ],
        "fields": {"non_field_errors": ["The JSON is nested more than 32 levels deep; no request needs that many."]},
    }
    assert Household.objects.count() == 0


def test_json_32_levels_deep_is_read_and_then_validated(unhcr_client):
    # (the body, members, a member, documents: four levels; the document 28 more)
    body = household_json(members=[member_json(documents=[_nested(MAX_DEPTH - 4)])])

    response = unhcr_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert _errors(response) == [
        ("members.0.documents.0.document_type", "required"),
        ("members.0.documents.0.issuing_country", "required"),
        ("members.0.documents.0.a", "unknown_field"),
    ]
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    ['{"arrival_date": ', '{"arrival_date": NaN}', '{"a": Infinity}', "\udcff".encode("utf-8", "surrogatepass")],
    ids=["truncated", "NaN", "Infinity", "not UTF-8"],
)
def test_malformed_json_is_a_parse_error(unhcr_client, body):
    response = unhcr_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert problem_of(response)["code"] == "parse_error"
    assert _errors(response) == [("", "parse_error")]
    assert Household.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_a_problem_413(unhcr_client):
    body = household_json(phone="1" * 1000)

    response = unhcr_client.post(URL, body, format="json")

    assert response.status_code == 413
    assert problem_of(response) == {
        "code": "request_too_large",
        "detail": "The request body is larger than 1000 bytes.",
    }
    assert Household.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10)
def test_the_parser_reads_no_more_than_the_limit_whatever_the_headers_said():
    stream = io.BytesIO(b'{"phone": "0700000000000"}')

    with pytest.raises(RequestTooLarge) as refused:
        JSONParser().parse(stream, "application/json", {"encoding": "utf-8"})

    assert refused.value.status_code == 413
    assert stream.tell() == 11


def test_the_parser_refuses_depth_without_recursing():
    with pytest.raises(JsonTooDeep):
        JSONParser().parse(io.BytesIO(json.dumps(_nested(MAX_DEPTH + 1)).encode()), "application/json", {})

    assert JSONParser().parse(io.BytesIO(json.dumps(_nested(MAX_DEPTH)).encode()), "application/json", {}) == _nested(
        MAX_DEPTH
    )


# Unknown fields -----------------------------------------------------------------------------------------


def test_unknown_fields_of_a_registration_are_refused_at_every_level(unhcr_client):
    # Given a registration with a misspelt district, a member's nickname and a document's colour
    body = household_json(
        destination_distrcit="AF0617",
        members=[member_json(nickname="Ahmadi", documents=[por_card_json(colour="green")])],
    )

    response = unhcr_client.post(URL, body, format="json")

    # Then each is named by its path, and nothing is saved
    assert response.status_code == 400
    message = "This field is unknown here: remove it, or check its spelling."
    assert problem_of(response)["errors"] == [
        {"path": "members.0.documents.0.colour", "code": "unknown_field", "message": message},
        {"path": "members.0.nickname", "code": "unknown_field", "message": message},
        {"path": "destination_distrcit", "code": "unknown_field", "message": message},
    ]
    assert Household.objects.count() == 0


def test_unknown_fields_are_reported_with_the_other_problems(unhcr_client):
    body = household_json(arrival_date="not a date", registered_by="someone.else")
    del body["office"]

    response = unhcr_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert _errors(response) == [
        ("arrival_date", "invalid"),
        ("office", "required"),
        ("registered_by", "unknown_field"),
    ]
    assert Household.objects.count() == 0


def test_output_only_fields_are_unknown_to_a_registration(unhcr_client):
    body = household_json(id="8c0f5a52-0000-4000-8000-000000000000", agency="IOM", category="undocumented")

    response = unhcr_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert _errors(response) == [("agency", "unknown_field"), ("category", "unknown_field"), ("id", "unknown_field")]
    assert Household.objects.count() == 0


def test_a_change_of_a_household_still_calls_other_fields_read_only(unhcr_client, registered):
    arrival_date = registered.arrival_date

    response = unhcr_client.patch(
        f"{URL}{registered.public_id}/", {"phone": "+93 70 000 0000", "arrival_date": "2025-01-01"}, format="json"
    )

    assert response.status_code == 400
    assert problem_of(response)["errors"] == [
        {"path": "arrival_date", "code": "read_only", "message": "This field cannot be changed."}
    ]
    registered.refresh_from_db()
    assert registered.phone == ""
    assert registered.arrival_date == arrival_date


def test_unknown_fields_of_a_report_request_are_refused(client_for, coordinator):
    response = client_for(coordinator).post("/api/v1/reports/", {"year": 2025, "edition": "public"}, format="json")

    assert response.status_code == 400
    assert _errors(response) == [("edition", "unknown_field")]


def test_unknown_fields_of_a_case_transition_are_refused(unhcr_client, registered):
    case = registered.cases.get()

    response = unhcr_client.post(
        f"/api/v1/cases/{case.public_id}/transitions/",
        {"transition": "verify", "version": case.version, "stage": "closed"},
        format="json",
    )

    assert response.status_code == 400
    assert _errors(response) == [("stage", "unknown_field")]
    case.refresh_from_db()
    assert case.version == 1

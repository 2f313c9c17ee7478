"""The access log: every page, API answer, admin page and command that reads, exports or changes
personal records writes one row per kind of record at the end of the request (agencies.access_log);
PostgreSQL refuses to change or remove a row (agencies 0011); managers and administrators search and
export it (/accounts/access-log/), each seeing only their part of it."""

import csv
import datetime
import io
import uuid
import zoneinfo

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import resolve
from rest_framework.test import APIClient

from agencies.access_log import access_log_flush, access_note
from agencies.models import AccessLogEntry, Agency
from agencies.models.partners import Scope
from agencies.views import ACCESS_LOG_COLUMNS
from returns.models import Household, Member
from returns.reference import reference_data
from returns.services.households import household_register
from tests.api.payloads import household_json, member_json, por_card_json
from tests.factories import api_token_for, household, member, por_card
from tests.partner_infra.keys import administrator, agreement, issue, key_client

pytestmark = pytest.mark.django_db

KABUL = zoneinfo.ZoneInfo("Asia/Kabul")
SEARCH = "/accounts/access-log/"
EXPORT = "/accounts/access-log/export.csv"
API_HOUSEHOLDS = "/api/v1/households/"
# What a row says, beside its id and time.
FIELDS = (
    "user",
    "api_key",
    "agency",
    "actor",
    "address",
    "channel",
    "method",
    "endpoint",
    "path",
    "status",
    "action",
    "kind",
    "record_ids",
)


def registered(officer, **household_fields) -> Household:
    """A household whose head holds a PoR card: routed to UNHCR (or IOM's, registered by IOM without one)."""
    return household_register(
        registered_by=officer,
        registration=household(members=[member(documents=[por_card()])], **household_fields),
    )


def rows() -> list[dict]:
    """Every row of the log, oldest first, as what it says."""
    return list(AccessLogEntry.objects.order_by("id").values(*FIELDS))


def entry(**fields) -> AccessLogEntry:
    """A row written directly, as the middleware would have written it for a list page."""
    values = {
        "actor": "someone",
        "address": "127.0.0.1",
        "channel": AccessLogEntry.Channel.PAGE,
        "action": AccessLogEntry.Action.READ,
        "method": "GET",
        "endpoint": "returns:household-list",
        "path": "/households/",
        "status": 200,
        "kind": AccessLogEntry.Kind.HOUSEHOLD,
        "record_ids": [uuid.uuid4()],
    }
    return AccessLogEntry.objects.create(**{**values, **fields})


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def shown(response) -> list[int]:
    """The ids of the entries a search page shows, in its order."""
    return [shown_entry.id for shown_entry in response.context["entries"]]


# ---------------------------------------------------------------------------------------------
# Append-only
# ---------------------------------------------------------------------------------------------


def refused(statement: str, params: list) -> str:
    """Run plain SQL in a savepoint; answer PostgreSQL's refusal."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(excinfo.value)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE agencies_accesslogentry SET actor = 'someone else' WHERE id = %s",
        "UPDATE agencies_accesslogentry SET record_ids = ARRAY[gen_random_uuid()] WHERE id = %s",
        "UPDATE agencies_accesslogentry SET at = now() - interval '1 year' WHERE id = %s",
        "DELETE FROM agencies_accesslogentry WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_row(unhcr_officer, unhcr, statement):
    # Given a row of the log
    written = entry(user=unhcr_officer, agency=unhcr, actor="unhcr.officer.t")
    before = AccessLogEntry.objects.values().get(pk=written.pk)

    # When plain SQL changes or deletes it
    message = refused(statement, [written.pk])

    # Then PostgreSQL refuses, and the row is as it was
    assert f"access log row {written.pk} is a record of what happened: it is never changed or removed" in message
    assert AccessLogEntry.objects.values().get(pk=written.pk) == before
    assert AccessLogEntry.objects.count() == 1


def test_the_orm_cannot_change_or_delete_a_row_either(unhcr_officer, unhcr):
    written = entry(user=unhcr_officer, agency=unhcr, actor="unhcr.officer.t")
    before = AccessLogEntry.objects.values().get(pk=written.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=written.pk).update(actor="someone else")
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=written.pk).delete()

    assert AccessLogEntry.objects.values().get(pk=written.pk) == before


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_the_households_list_writes_one_row_naming_every_household_it_shows(client, unhcr_officer, iom_officer, unhcr):
    # Given three UNHCR households the officer registered, and one of IOM's the officer cannot see
    households = [registered(unhcr_officer) for _index in range(3)]
    household_register(registered_by=iom_officer, registration=household())
    client.force_login(unhcr_officer)

    # When the officer opens the list
    response = client.get("/households/")

    # Then one row names the three households, in the page's order, and who, from where, how
    assert response.status_code == 200
    page = [row.public_id for row in response.context["households"]]
    assert sorted(page) == sorted(household_.public_id for household_ in households)
    assert rows() == [
        {
            "user": unhcr_officer.pk,
            "api_key": None,
            "agency": unhcr.pk,
            "actor": "unhcr.officer.t",
            "address": "127.0.0.1",
            "channel": "page",
            "method": "GET",
            "endpoint": "returns:household-list",
            "path": "/households/",
            "status": 200,
            "action": "read",
            "kind": "household",
            "record_ids": page,
        }
    ]


def test_an_empty_list_page_writes_nothing(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get("/households/")

    assert response.status_code == 200
    assert list(response.context["households"]) == []
    assert rows() == []


def test_the_household_page_logs_its_household(client, unhcr_officer, unhcr):
    household_ = registered(unhcr_officer)
    client.force_login(unhcr_officer)

    response = client.get(f"/households/{household_.public_id}/")

    assert response.status_code == 200
    assert rows() == [
        {
            "user": unhcr_officer.pk,
            "api_key": None,
            "agency": unhcr.pk,
            "actor": "unhcr.officer.t",
            "address": "127.0.0.1",
            "channel": "page",
            "method": "GET",
            "endpoint": "returns:household-detail",
            "path": f"/households/{household_.public_id}/",
            "status": 200,
            "action": "read",
            "kind": "household",
            "record_ids": [household_.public_id],
        }
    ]


def test_a_household_page_refused_with_404_writes_nothing(client, unhcr_officer, iom_officer):
    # Given a UNHCR household, which IOM's officer may not see
    household_ = registered(unhcr_officer)
    client.force_login(iom_officer)

    # When IOM's officer asks for its page, and for an id that names nothing
    refused_page = client.get(f"/households/{household_.public_id}/")
    unknown_page = client.get(f"/households/{uuid.uuid4()}/")

    # Then both are 404 and the log is empty
    assert (refused_page.status_code, unknown_page.status_code) == (404, 404)
    assert rows() == []


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------


def test_an_api_list_logs_the_households_of_its_page(unhcr_officer, unhcr):
    households = [registered(unhcr_officer) for _index in range(3)]
    api = token_client(unhcr_officer)

    response = api.get(API_HOUSEHOLDS)

    assert response.status_code == 200
    answered = [uuid.UUID(row["id"]) for row in response.json()["results"]]
    assert sorted(answered) == sorted(household_.public_id for household_ in households)
    assert rows() == [
        {
            "user": unhcr_officer.pk,
            "api_key": None,
            "agency": unhcr.pk,
            "actor": "unhcr.officer.t",
            "address": "127.0.0.1",
            "channel": "api",
            "method": "GET",
            "endpoint": "api:household-list",
            "path": API_HOUSEHOLDS,
            "status": 200,
            "action": "read",
            "kind": "household",
            "record_ids": answered,
        }
    ]


def test_an_api_read_of_one_household_logs_it(unhcr_officer, unhcr):
    household_ = registered(unhcr_officer)

    response = token_client(unhcr_officer).get(f"{API_HOUSEHOLDS}{household_.public_id}/")

    assert response.status_code == 200
    assert [(row["endpoint"], row["record_ids"], row["status"]) for row in rows()] == [
        ("api:household-detail", [household_.public_id], 200)
    ]


def test_registering_through_the_api_logs_a_change_of_the_new_household(unhcr_officer, unhcr):
    payload = household_json(members=[member_json(documents=[por_card_json()])])

    response = token_client(unhcr_officer).post(API_HOUSEHOLDS, payload, format="json")

    assert response.status_code == 201
    new = Household.objects.get()
    assert response.json()["id"] == str(new.public_id)
    assert rows() == [
        {
            "user": unhcr_officer.pk,
            "api_key": None,
            "agency": unhcr.pk,
            "actor": "unhcr.officer.t",
            "address": "127.0.0.1",
            "channel": "api",
            "method": "POST",
            "endpoint": "api:household-list",
            "path": API_HOUSEHOLDS,
            "status": 201,
            "action": "change",
            "kind": "household",
            "record_ids": [new.public_id],
        }
    ]


def test_a_refused_api_registration_writes_nothing(unhcr_officer):
    # A household without members: refused with 400, nothing saved, nothing logged
    response = token_client(unhcr_officer).post(API_HOUSEHOLDS, household_json(members=[]), format="json")

    assert response.status_code == 400
    assert Household.objects.count() == 0
    assert rows() == []


def test_a_partners_key_is_logged_with_its_key_its_organisation_and_its_prefix(unhcr_officer, unhcr):
    # Given NRC's key under an agreement covering UNHCR's households
    households = [registered(unhcr_officer) for _index in range(2)]
    nrc = Agency.objects.get(code="NRC")
    agreement(partner=nrc, sources=[unhcr])
    key, full_key = issue(partner=nrc, scopes=[Scope.HOUSEHOLDS_READ])

    # When the partner lists households
    response = key_client(full_key).get(API_HOUSEHOLDS)

    # Then the row names the key, NRC and the key's prefix
    assert response.status_code == 200
    answered = [uuid.UUID(row["id"]) for row in response.json()["results"]]
    assert sorted(answered) == sorted(household_.public_id for household_ in households)
    assert rows() == [
        {
            "user": key.user_id,
            "api_key": key.pk,
            "agency": nrc.pk,
            "actor": f"{key.prefix}…",
            "address": "127.0.0.1",
            "channel": "api",
            "method": "GET",
            "endpoint": "api:household-list",
            "path": API_HOUSEHOLDS,
            "status": 200,
            "action": "read",
            "kind": "household",
            "record_ids": answered,
        }
    ]


def test_an_api_read_of_a_household_not_shown_to_the_caller_writes_nothing(unhcr_officer, iom_officer):
    household_ = registered(unhcr_officer)

    response = token_client(iom_officer).get(f"{API_HOUSEHOLDS}{household_.public_id}/")

    assert response.status_code == 404
    assert rows() == []


# ---------------------------------------------------------------------------------------------
# The address
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behind_proxy", "proxy_count", "address"),
    [
        # Exposed directly: the socket's address; the header was written by the client.
        (False, 1, "127.0.0.1"),
        # Behind one proxy: the entry it appended, the rightmost; what is left of it is the client's.
        (True, 1, "10.0.0.1"),
        # Behind two proxies: the second from the right.
        (True, 2, "203.0.113.9"),
    ],
)
def test_the_address_is_the_one_the_deployment_defines(client, unhcr_officer, behind_proxy, proxy_count, address):
    registered(unhcr_officer)
    client.force_login(unhcr_officer)

    with override_settings(BEHIND_PROXY=behind_proxy, PROXY_COUNT=proxy_count):
        response = client.get("/households/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")

    assert response.status_code == 200
    assert [row["address"] for row in rows()] == [address]


# ---------------------------------------------------------------------------------------------
# Writing: one row per kind, ids once each
# ---------------------------------------------------------------------------------------------


def noted_request(user, method: str = "get"):
    request = getattr(RequestFactory(), method)("/households/", REMOTE_ADDR="192.0.2.7")
    request.user = user
    request.resolver_match = resolve("/households/")
    return request


def test_a_request_writes_one_row_per_kind_and_each_id_once(unhcr_officer, unhcr):
    first, second, person = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    request = noted_request(unhcr_officer, "post")
    access_note(request, kind=AccessLogEntry.Kind.HOUSEHOLD, ids=[first, second])
    access_note(request, kind=AccessLogEntry.Kind.HOUSEHOLD, ids=[str(second), first])
    access_note(request, kind=AccessLogEntry.Kind.PERSON, ids=[person])

    written = access_log_flush(request, HttpResponse(status=302))

    assert len(written) == 2
    assert [(row["kind"], row["action"], row["method"], row["status"], row["record_ids"]) for row in rows()] == [
        ("household", "change", "POST", 302, [first, second]),
        ("person", "change", "POST", 302, [person]),
    ]
    assert {row["address"] for row in rows()} == {"192.0.2.7"}


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_a_refused_or_failed_request_writes_nothing(unhcr_officer, status):
    request = noted_request(unhcr_officer)
    access_note(request, kind=AccessLogEntry.Kind.HOUSEHOLD, ids=[uuid.uuid4()])

    written = access_log_flush(request, HttpResponse(status=status))

    assert written == []
    assert rows() == []


# ---------------------------------------------------------------------------------------------
# The search: who sees what
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SEARCH, EXPORT])
def test_field_officers_and_coordinators_are_refused_the_log(client, unhcr_officer, coordinator, unhcr, path):
    entry(user=unhcr_officer, agency=unhcr, actor="unhcr.officer.t")
    before = rows()

    statuses = []
    for user in (unhcr_officer, coordinator):
        client.force_login(user)
        statuses.append(client.get(path).status_code)

    assert statuses == [403, 403]
    assert rows() == before


@pytest.fixture
def the_log(unhcr_officer, iom_officer, unhcr, iom):
    """One row each: UNHCR's officer; IOM's officer; NRC's key under an agreement covering UNHCR;
    DRC's key under one covering only IOM; a command run on the server."""
    nrc, drc = Agency.objects.get(code="NRC"), Agency.objects.get(code="DRC")
    agreement(partner=nrc, sources=[unhcr, iom])
    agreement(partner=drc, sources=[iom])
    nrc_key, _full = issue(partner=nrc, scopes=[Scope.HOUSEHOLDS_READ], name="NRC sync")
    drc_key, _full = issue(partner=drc, scopes=[Scope.HOUSEHOLDS_READ], name="DRC sync")
    return {
        "unhcr": entry(user=unhcr_officer, agency=unhcr, actor="unhcr.officer.t"),
        "iom": entry(user=iom_officer, agency=iom, actor="iom.officer.t"),
        "nrc": entry(
            user=nrc_key.user,
            api_key=nrc_key,
            agency=nrc,
            actor=f"{nrc_key.prefix}…",
            channel="api",
            endpoint="api:household-list",
            path=API_HOUSEHOLDS,
        ),
        "drc": entry(
            user=drc_key.user,
            api_key=drc_key,
            agency=drc,
            actor=f"{drc_key.prefix}…",
            channel="api",
            endpoint="api:household-list",
            path=API_HOUSEHOLDS,
        ),
        "command": entry(
            actor="export_person",
            address=None,
            channel="command",
            action="export",
            method="",
            endpoint="export_person",
            path="",
            status=None,
            kind="person",
        ),
    }


def test_a_unhcr_manager_sees_unhcr_staff_and_partners_covering_unhcr(client, unhcr_manager, the_log):
    client.force_login(unhcr_manager)

    response = client.get(SEARCH)

    assert response.status_code == 200
    assert shown(response) == [the_log["nrc"].id, the_log["unhcr"].id]
    assert [agency.code for agency in response.context["filter"].filters["agency"].queryset] == ["NRC", "UNHCR"]


def test_an_iom_manager_sees_iom_staff_and_both_partners(client, iom_manager, the_log):
    client.force_login(iom_manager)

    response = client.get(SEARCH)

    assert shown(response) == [the_log["drc"].id, the_log["nrc"].id, the_log["iom"].id]


def test_an_administrator_sees_every_entry(client, the_log):
    client.force_login(administrator())

    response = client.get(SEARCH)

    assert response.status_code == 200
    assert shown(response) == [the_log[name].id for name in ("command", "drc", "nrc", "iom", "unhcr")]


def test_a_manager_asking_for_another_agency_sees_nothing_of_it(client, unhcr_manager, iom, the_log):
    client.force_login(unhcr_manager)

    response = client.get(SEARCH, {"agency": iom.pk})

    # IOM is not among the organisations a UNHCR manager may ask about: the filter is invalid
    assert response.status_code == 200
    assert shown(response) == []
    assert "agency" in response.context["filter"].errors


# ---------------------------------------------------------------------------------------------
# The search: filters
# ---------------------------------------------------------------------------------------------


def test_filtering_by_record_finds_exactly_the_entries_naming_it(client, unhcr_manager, unhcr_officer, unhcr):
    wanted, other = uuid.uuid4(), uuid.uuid4()
    alone = entry(user=unhcr_officer, agency=unhcr, record_ids=[wanted])
    entry(user=unhcr_officer, agency=unhcr, record_ids=[other])
    among = entry(user=unhcr_officer, agency=unhcr, record_ids=[other, wanted, uuid.uuid4()])
    client.force_login(unhcr_manager)

    response = client.get(SEARCH, {"record": str(wanted)})

    assert shown(response) == [among.id, alone.id]


def test_filtering_by_actor_ignores_case(client, unhcr_manager, unhcr_officer, unhcr):
    officers = entry(user=unhcr_officer, agency=unhcr, actor="unhcr.officer.t")
    entry(user=unhcr_manager, agency=unhcr, actor="unhcr.manager.t")
    client.force_login(unhcr_manager)

    response = client.get(SEARCH, {"actor": "UNHCR.Officer.T"})

    assert shown(response) == [officers.id]


def test_filtering_by_channel_endpoint_and_address(client, the_log):
    client.force_login(administrator())

    by_channel = client.get(SEARCH, {"channel": "api"})
    by_endpoint = client.get(SEARCH, {"endpoint": "export_PERSON"})
    by_address = client.get(SEARCH, {"address": "127.0.0.1", "kind": "household"})
    by_a_non_address = client.get(SEARCH, {"address": "not-an-address"})

    assert shown(by_channel) == [the_log["drc"].id, the_log["nrc"].id]
    assert shown(by_endpoint) == [the_log["command"].id]
    assert shown(by_address) == [the_log[name].id for name in ("drc", "nrc", "iom", "unhcr")]
    assert shown(by_a_non_address) == []


def test_since_and_until_are_days_of_kabul(client, unhcr_manager, unhcr_officer, unhcr):
    # Given entries late on 1 March, just after midnight on 2 March and on 3 March, Kabul time
    late = entry(user=unhcr_officer, agency=unhcr, at=datetime.datetime(2026, 3, 1, 23, 0, tzinfo=KABUL))
    midnight = entry(user=unhcr_officer, agency=unhcr, at=datetime.datetime(2026, 3, 2, 0, 30, tzinfo=KABUL))
    later = entry(user=unhcr_officer, agency=unhcr, at=datetime.datetime(2026, 3, 3, 10, 0, tzinfo=KABUL))
    client.force_login(unhcr_manager)

    since = client.get(SEARCH, {"since": "2026-03-02"})
    until = client.get(SEARCH, {"until": "2026-03-02"})
    that_day = client.get(SEARCH, {"since": "2026-03-02", "until": "2026-03-02"})

    assert shown(since) == [later.id, midnight.id]
    assert shown(until) == [midnight.id, late.id]
    assert shown(that_day) == [midnight.id]


# ---------------------------------------------------------------------------------------------
# The search: queries and paging
# ---------------------------------------------------------------------------------------------

# Session, user, the organisations the filter offers, the page of entries (with their organisation).
SEARCH_QUERIES = 4


def test_the_search_runs_the_same_queries_for_1_and_50_entries(
    client, unhcr_manager, unhcr_officer, unhcr, django_assert_num_queries
):
    client.force_login(unhcr_manager)
    entry(user=unhcr_officer, agency=unhcr)
    reference_data()  # the snapshot of code lists is loaded once per process, not per page

    with django_assert_num_queries(SEARCH_QUERIES):
        one = client.get(SEARCH)
    for _index in range(49):
        entry(user=unhcr_officer, agency=unhcr, record_ids=[uuid.uuid4(), uuid.uuid4()])
    with django_assert_num_queries(SEARCH_QUERIES):
        fifty = client.get(SEARCH)

    assert (len(shown(one)), len(shown(fifty))) == (1, 50)


def test_the_search_pages_by_the_oldest_entry_seen(client, unhcr_manager, unhcr_officer, unhcr):
    # Given 150 entries of UNHCR's officer
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            user=unhcr_officer,
            agency=unhcr,
            actor="unhcr.officer.t",
            channel="page",
            action="read",
            endpoint="returns:household-list",
            kind="household",
            record_ids=[uuid.uuid4()],
        )
        for _index in range(150)
    )
    ids = list(AccessLogEntry.objects.order_by("-id").values_list("id", flat=True))
    client.force_login(unhcr_manager)

    # When the manager reads the first page, then the older one
    first = client.get(SEARCH, {"actor": "unhcr.officer.t"})
    older = first.context["older"]
    second = client.get(SEARCH, {"actor": "unhcr.officer.t", "before": older})

    # Then the first shows the newest 100 and links to the rest, keeping the filter
    assert shown(first) == ids[:100]
    assert older == ids[99]
    assert f'href="?actor=unhcr.officer.t&amp;before={older}"' in first.content.decode()
    # and the second the 50 older ones, and no further page
    assert shown(second) == ids[100:]
    assert second.context["older"] is None
    assert second.context["query_without_page"] == "actor=unhcr.officer.t"


def test_a_page_of_exactly_100_has_no_older_link(client, unhcr_manager, unhcr_officer, unhcr):
    for _index in range(100):
        entry(user=unhcr_officer, agency=unhcr)
    client.force_login(unhcr_manager)

    response = client.get(SEARCH)

    assert len(shown(response)) == 100
    assert response.context["older"] is None


# ---------------------------------------------------------------------------------------------
# The export
# ---------------------------------------------------------------------------------------------


def exported(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_writes_a_line_per_visible_entry(client, unhcr_manager, unhcr_officer, unhcr, the_log):
    first, second = uuid.uuid4(), uuid.uuid4()
    at = datetime.datetime(2026, 3, 2, 0, 30, tzinfo=KABUL)
    detailed = entry(
        user=unhcr_officer, agency=unhcr, actor="unhcr.officer.t", record_ids=[first, second], at=at, address="10.1.2.3"
    )
    client.force_login(unhcr_manager)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    lines = exported(response)
    assert lines[0] == ACCESS_LOG_COLUMNS
    assert [line[0] for line in lines[1:]] == [str(detailed.id), str(the_log["nrc"].id), str(the_log["unhcr"].id)]
    assert lines[1] == [
        str(detailed.id),
        "2026-03-01T20:00:00+00:00",
        "unhcr.officer.t",
        "UNHCR",
        "10.1.2.3",
        "page",
        "GET",
        "returns:household-list",
        "/households/",
        "200",
        "read",
        "household",
        "2",
        f"{first} {second}",
    ]


def test_the_export_takes_the_searchs_filters(client, the_log):
    client.force_login(administrator())

    response = client.get(EXPORT, {"channel": "command"})

    command = the_log["command"]
    assert exported(response) == [
        ACCESS_LOG_COLUMNS,
        [
            str(command.id),
            command.at.astimezone(datetime.UTC).isoformat(),
            "export_person",
            "",
            "",
            "command",
            "",
            "export_person",
            "",
            "",
            "export",
            "person",
            "1",
            str(command.record_ids[0]),
        ],
    ]


def test_the_export_quotes_what_a_spreadsheet_would_run(client, unhcr_officer, unhcr):
    record = uuid.uuid4()
    written = entry(
        user=unhcr_officer,
        agency=unhcr,
        actor="=cmd",
        endpoint="+SUM(A1)",
        path="-2+3",
        method="@GET",
        record_ids=[record],
        at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC),
    )
    client.force_login(administrator())

    lines = exported(client.get(EXPORT))

    assert lines == [
        ACCESS_LOG_COLUMNS,
        [
            str(written.id),
            "2026-03-02T12:00:00+00:00",
            "'=cmd",
            "UNHCR",
            "127.0.0.1",
            "page",
            "'@GET",
            "'+SUM(A1)",
            "'-2+3",
            "200",
            "read",
            "household",
            "1",
            str(record),
        ],
    ]


def test_an_export_with_an_invalid_filter_is_refused(client, unhcr_manager, unhcr_officer, unhcr):
    entry(user=unhcr_officer, agency=unhcr)
    client.force_login(unhcr_manager)

    response = client.get(EXPORT, {"since": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def test_export_person_writes_an_export_row(unhcr_officer):
    head = Member.objects.get(household=registered(unhcr_officer), relationship="head")

    call_command("export_person", str(head.public_id), stdout=io.StringIO())

    assert rows() == [
        {
            "user": None,
            "api_key": None,
            "agency": None,
            "actor": "export_person",
            "address": None,
            "channel": "command",
            "method": "",
            "endpoint": "export_person",
            "path": "",
            "status": None,
            "action": "export",
            "kind": "person",
            "record_ids": [head.public_id],
        }
    ]


def test_erase_person_writes_a_change_row_by_whoever_erased(unhcr_officer, unhcr_manager, unhcr):
    head = Member.objects.get(household=registered(unhcr_officer), relationship="head")

    call_command(
        "erase_person",
        str(head.public_id),
        reason="The person asked in writing on 1 May.",
        by=unhcr_manager.username,
        stdout=io.StringIO(),
    )

    assert rows() == [
        {
            "user": unhcr_manager.pk,
            "api_key": None,
            "agency": unhcr.pk,
            "actor": "unhcr.manager.t",
            "address": None,
            "channel": "command",
            "method": "",
            "endpoint": "erase_person",
            "path": "",
            "status": None,
            "action": "change",
            "kind": "person",
            "record_ids": [head.public_id],
        }
    ]


def test_a_refused_erasure_writes_nothing(unhcr_officer):
    head = Member.objects.get(household=registered(unhcr_officer), relationship="head")

    with pytest.raises(CommandError):
        call_command("erase_person", str(head.public_id), reason="The person asked in writing.", by="nobody.here")

    assert rows() == []


# ---------------------------------------------------------------------------------------------
# The Django admin
# ---------------------------------------------------------------------------------------------


def test_the_admins_household_page_logs_the_household(client, unhcr_officer):
    household_ = registered(unhcr_officer)
    admin = administrator()
    client.force_login(admin)

    response = client.get(f"/admin/returns/household/{household_.pk}/change/")

    assert response.status_code == 200
    assert rows() == [
        {
            "user": admin.pk,
            "api_key": None,
            "agency": None,
            "actor": "admin.t",
            "address": "127.0.0.1",
            "channel": "admin",
            "method": "GET",
            "endpoint": "admin:returns_household_change",
            "path": f"/admin/returns/household/{household_.pk}/change/",
            "status": 200,
            "action": "read",
            "kind": "household",
            "record_ids": [household_.public_id],
        }
    ]


def test_the_admins_household_list_logs_the_households_it_shows(client, unhcr_officer):
    households = [registered(unhcr_officer) for _index in range(2)]
    client.force_login(administrator())

    response = client.get("/admin/returns/household/")

    assert response.status_code == 200
    [logged] = rows()
    assert (logged["channel"], logged["endpoint"], logged["kind"]) == (
        "admin",
        "admin:returns_household_changelist",
        "household",
    )
    assert sorted(logged["record_ids"]) == sorted(household_.public_id for household_ in households)


# ---------------------------------------------------------------------------------------------
# Off, for benchmarks only
# ---------------------------------------------------------------------------------------------


@override_settings(ACCESS_LOG_ENABLED=False)
def test_with_the_log_off_nothing_is_written(client, unhcr_officer):
    household_ = registered(unhcr_officer)
    head = Member.objects.get(household=household_, relationship="head")
    client.force_login(unhcr_officer)

    listing = client.get("/households/")
    api = token_client(unhcr_officer).get(API_HOUSEHOLDS)
    call_command("export_person", str(head.public_id), stdout=io.StringIO())

    assert (listing.status_code, api.status_code) == (200, 200)
    assert [row.public_id for row in listing.context["households"]] == [household_.public_id]
    assert rows() == []


def deploy_check_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_the_deploy_check_warns_when_the_log_is_off():
    with override_settings(ACCESS_LOG_ENABLED=False):
        off = deploy_check_ids()
    with override_settings(ACCESS_LOG_ENABLED=True):
        on = deploy_check_ids()

    assert "agencies.W001" in off
    assert "agencies.W001" not in on


# ---------------------------------------------------------------------------------------------
# A page's form: a change when it changed something, a read when it was refused and shown again
# ---------------------------------------------------------------------------------------------


def test_a_withdrawal_refused_on_the_page_is_a_read_and_one_made_is_a_change(client, unhcr_officer, unhcr_manager):
    target = registered(unhcr_officer)
    path = f"/households/{target.public_id}/withdraw/"
    client.force_login(unhcr_manager)

    refused_form = client.post(path, {"note": "short"})
    made = client.post(path, {"note": "Registered twice by mistake at the Torkham desk."})

    assert (refused_form.status_code, made.status_code) == (200, 302)
    assert [(row["action"], row["method"], row["status"], row["record_ids"]) for row in rows()] == [
        ("read", "POST", 200, [target.public_id]),
        ("change", "POST", 302, [target.public_id]),
    ]


def test_linking_a_family_logs_both_parts(client, unhcr_officer, unhcr_manager):
    first, second = registered(unhcr_officer), registered(unhcr_officer)
    client.force_login(unhcr_manager)

    response = client.post(
        f"/households/{first.public_id}/family/",
        {"registration_number": second.registration_number, "note": "Same family, returned in two parts."},
    )

    assert response.status_code == 302
    [row] = rows()
    assert (row["action"], row["endpoint"]) == ("change", "returns:household-family-link")
    assert sorted(row["record_ids"]) == sorted([first.public_id, second.public_id])

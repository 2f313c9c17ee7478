"""A partner's bulk sync (GET /api/v1/households/export/): NDJSON written by PostgreSQL, each line the
list's object exactly (compared as JSON text, keys' order included), minimised by the agreement,
oldest change first, logged as an export, with the watermark to continue from."""

import datetime
import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.request import ForcedAuthentication, Request
from rest_framework.test import APIClient, APIRequestFactory

from agencies.models import AccessLogEntry, Agency, User
from agencies.models.partners import Scope
from returns.api import bulk_sync
from returns.api.bulk_sync import UnknownField, household_line_sql
from returns.api.serializers.households import HouseholdSerializer
from returns.api.views import households as views
from returns.api.views.households import shared_loading
from returns.models import Household, Member, NeedCode
from returns.selectors.households import household_for_answer
from tests.partner_infra.keys import agreement, issue, key_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/households/export/"


@pytest.fixture
def registry(settings):
    settings.DEBUG = True  # seed_demo runs only with DEBUG on
    call_command("seed_demo", households=30, seed=11, stdout=StringIO())
    # What the demo may not draw: no routing rule, needs of both schemes out of order, a time with no
    # microseconds (DRF leaves them out).
    first = Household.objects.order_by("id").first()
    Household.objects.filter(pk=first.pk).update(
        routing_rule=None, updated_at=datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
    )
    member = Member.objects.order_by("id").first()
    member.specific_needs.add(
        *NeedCode.objects.filter(scheme="unhcr_snc").order_by("-code")[:2],
        *NeedCode.objects.filter(scheme="iom_vulnerability").order_by("-code")[:2],
    )
    return Household.objects.all()


def expected_lines(user, auth=None) -> list[str]:
    """What the serializer gives for the households ``user`` may see, oldest change first, as JSON text."""
    request = Request(APIRequestFactory().get(URL), authenticators=[ForcedAuthentication(user, auth)])
    queryset = Household.objects.visible_to(user).order_by("updated_at", "id")
    answer = HouseholdSerializer(
        household_for_answer(queryset, **shared_loading(request)), many=True, context={"request": request}
    ).data
    return [json.dumps(json.loads(json.dumps(item))) for item in answer]


def lines_of(response) -> list[str]:
    body = b"".join(response.streaming_content).decode()
    assert body.endswith("\n")
    return [json.dumps(json.loads(line)) for line in body.splitlines()]


def partner_key(fields=None):
    nrc = Agency.objects.get(code="NRC")
    agreement(partner=nrc, sources=list(Agency.objects.filter(code__in=["UNHCR", "IOM"])), fields=fields)
    return issue(partner=nrc, scopes=[Scope.HOUSEHOLDS_READ])


@pytest.mark.parametrize(
    "fields",
    [
        None,  # every field
        ["household.members", "member.sex", "member.date_of_birth", "member.specific_needs"],
        ["household.routing", "household.phone", "household.members", "member.documents", "member.given_name"],
        [],
    ],
)
def test_each_line_is_the_lists_object_minimised_by_the_agreement(registry, fields):
    key, full_key = partner_key(fields)

    response = key_client(full_key).get(URL, headers={"Accept": "application/x-ndjson"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert lines_of(response) == expected_lines(key.user, key)
    assert len(expected_lines(key.user, key)) == 30


def test_staff_export_what_they_may_see_and_the_stream_goes_on_across_batches(registry, client, settings):
    manager = User.objects.filter(role=User.Role.MANAGER, agency__code="IOM").first()
    client.force_login(manager)
    settings.ACCESS_LOG_ENABLED = True

    response = client.get(URL)
    lines = lines_of(response)

    assert lines == expected_lines(manager)
    assert {json.loads(line)["agency"] for line in lines} == {"IOM"}
    assert 0 < len(lines) < 30


def test_batches_continue_after_the_last_row_read(registry, monkeypatch):
    admin = User.objects.create(username="admin.export", role=User.Role.ADMIN)
    original = views.SyncLines.batches
    monkeypatch.setattr(views.SyncLines, "batches", lambda self: original(self, size=7))
    client = APIClient()
    client.force_authenticate(admin)
    response = client.get(URL)

    assert lines_of(response) == expected_lines(admin)
    # 30 households in batches of 7: five batches, five rows in the access log, every household once.
    entries = AccessLogEntry.objects.filter(endpoint="api:household-export").order_by("id")
    assert [len(entry.record_ids) for entry in entries] == [7, 7, 7, 7, 2]
    assert {entry.action for entry in entries} == {AccessLogEntry.Action.EXPORT}
    assert sorted(str(i) for entry in entries for i in entry.record_ids) == sorted(
        str(i) for i in Household.objects.values_list("public_id", flat=True)
    )


def test_updated_since_gives_only_what_changed_and_the_watermark_to_continue_from(registry):
    _key, full_key = partner_key()
    since = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    changed = list(Household.objects.order_by("id").values_list("pk", flat=True)[:3])
    Household.objects.filter(pk__in=changed).update(updated_at=since + datetime.timedelta(hours=1))
    Household.objects.exclude(pk__in=changed).update(updated_at=since - datetime.timedelta(days=1))

    response = key_client(full_key).get(URL, {"updated_since": since.isoformat()})

    lines = [json.loads(line) for line in lines_of(response)]
    assert sorted(line["id"] for line in lines) == sorted(
        str(i) for i in Household.objects.filter(pk__in=changed).values_list("public_id", flat=True)
    )
    watermark = datetime.datetime.fromisoformat(response["X-Sync-Watermark"])
    assert datetime.timedelta(0) < datetime.datetime.now(datetime.UTC) - watermark < datetime.timedelta(minutes=1)


def test_a_key_without_an_agreement_is_refused_and_a_bad_filter_too(registry):
    nrc = Agency.objects.get(code="NRC")
    nrc.agreements.update(is_active=False)
    _key, full_key = issue(partner=nrc, scopes=[Scope.HOUSEHOLDS_READ])
    staff_client = APIClient()
    staff_client.force_authenticate(User.objects.create(username="admin.filter", role=User.Role.ADMIN))
    before = AccessLogEntry.objects.count()

    unagreed = key_client(full_key).get(URL)
    refused = staff_client.get(URL, {"updated_since": "yesterday"})

    assert (unagreed.status_code, unagreed.json()["code"]) == (403, "no_agreement")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"path": "updated_since", "code": "invalid", "message": "Enter a valid date/time."}
    ]
    assert AccessLogEntry.objects.count() == before


def test_a_key_without_the_households_scope_is_refused(registry):
    nrc = Agency.objects.get(code="NRC")
    agreement(partner=nrc, sources=list(Agency.objects.filter(code="UNHCR")))
    _key, full_key = issue(partner=nrc, scopes=[Scope.CASES_READ])
    before = AccessLogEntry.objects.count()

    response = key_client(full_key).get(URL)

    assert response.status_code == 403
    assert AccessLogEntry.objects.count() == before


def test_the_export_reads_a_batch_a_query_whatever_the_number_of_households(registry):
    _key, full_key = partner_key()
    client = key_client(full_key)
    client.get(URL)  # the key's first use is stamped

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
        lines = lines_of(response)

    assert len(lines) == 30
    # The key and its agreement, the watermark; the batch in its transaction (the savepoint, JIT off,
    # the rows, the release); its access log row.
    assert len(queries) == 9, [query["sql"][:120] for query in queries]


def test_a_field_the_module_does_not_know_is_refused_loudly():
    class Extended(HouseholdSerializer):
        member_count = serializers.IntegerField()

    with pytest.raises(UnknownField, match=r"household\.member_count"):
        household_line_sql(Extended())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_batches_are_written_two_at_a_time_on_connections_closed_after(registry, monkeypatch):
    # Given a registry committed (as in production: the stream runs outside any transaction), read in
    # batches of 4 by two threads while the batch before is sent
    admin = User.objects.create(username="admin.ahead", role=User.Role.ADMIN)
    original = views.SyncLines.batches
    monkeypatch.setattr(views.SyncLines, "batches", lambda self: original(self, size=4))
    read_by = []
    read = views.SyncLines._read

    def read_noting_the_thread(self, *args):
        rows = read(self, *args)
        read_by.append((threading.current_thread().name, connection.connection.info.backend_pid))
        return rows

    monkeypatch.setattr(views.SyncLines, "_read", read_noting_the_thread)
    client = APIClient()
    client.force_authenticate(admin)
    before = backends()

    # When the whole registry is exported
    lines = lines_of(client.get(URL))

    # Then every household comes once, in order (seven batches up to a key found first, then the rest),
    # each read by one of the two threads, each thread on one connection from batch to batch, closed at
    # the end
    assert lines == expected_lines(admin)
    assert len(lines) == 30
    threads = {name for name, _backend in read_by}
    assert len(read_by) == 8 and all(name.startswith("bulk-sync") for name in threads)
    assert len(threads) <= bulk_sync.READERS == 2
    assert len({backend for _name, backend in read_by}) == len(threads)
    assert backends() == before


def backends() -> int:
    """The connections to the test database, this one included."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]

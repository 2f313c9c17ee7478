"""``agencies.prepared.PreparedQuery``: planned once per connection, always one round trip."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies import prepared
from agencies.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def _query(name: str) -> PreparedQuery:
    return PreparedQuery(name, lambda: "SELECT code, %s::int + 1 FROM unnest(%s::text[]) AS code ORDER BY code")


def _connection_renewed(name: str) -> None:
    """What a new connection is: one that holds no prepared statement."""
    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {name}")
    prepared._PREPARED[connection.connection].pop(name)


def test_the_first_use_on_a_connection_prepares_it_then_only_executes():
    query = _query("test_prepared_first")

    with CaptureQueriesContext(connection) as first:
        assert query.fetchall([41, ["UNHCR", "IOM"]]) == [("IOM", 42), ("UNHCR", 42)]
    with CaptureQueriesContext(connection) as second:
        assert query.fetchall([1, ["NRC"]]) == [("NRC", 2)]

    assert [item["sql"][:40] for item in first.captured_queries] == ["PREPARE test_prepared_first AS SELECT co"]
    assert [item["sql"] for item in second.captured_queries] == ["EXECUTE test_prepared_first (1, ARRAY['NRC'])"]
    _connection_renewed("test_prepared_first")
    with CaptureQueriesContext(connection) as again:
        assert query.fetchall([0, []]) == []
    assert again.captured_queries[0]["sql"].startswith("PREPARE test_prepared_first AS")


def test_a_statement_kept_through_a_rollback_and_found_again_after_an_error():
    query = _query("test_prepared_error")
    with pytest.raises(DatabaseError), transaction.atomic():
        query.fetchall([1, ["IOM"]])  # prepared, then
        query.fetchall(["not a number", ["IOM"]])  # refused: the transaction is rolled back

    # The statement outlived the rollback; after the error the server is asked whether it has it.
    with CaptureQueriesContext(connection) as after:
        assert query.fetchall([2, ["IOM"]]) == [("IOM", 3)]
    assert [item["sql"][:7] for item in after.captured_queries] == ["SELECT ", "EXECUTE"]


def test_a_name_or_query_it_cannot_prepare_is_refused():
    with pytest.raises(ValueError, match="statement name"):
        PreparedQuery("drop table; --", lambda: "SELECT 1")
    with pytest.raises(ValueError, match="placeholders"):
        PreparedQuery("test_prepared_percent", lambda: "SELECT '100%%'").fetchall([])

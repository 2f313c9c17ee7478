"""Schemathesis over the whole OpenAPI schema, in the suite: for every operation, requests generated
from the schema (and ones aimed at real records) get no 5xx, and every answer conforms to the
schema (status code documented, content type and body as described).

Requests that break the schema are sent too (schemathesis' negative mode: a malformed id, a
`page_size` of -3, a body of the wrong type, a date that is not one...): they must be refused with
a documented 4xx problem, never a 500 or an HTML page.

The schema is loaded from the WSGI application in-process; requests go through the whole stack
(middleware, CSRF, authentication, throttling) in the test's transaction, each in a savepoint
rolled back after it. Bounded and deterministic: few examples per operation, derandomized, no
shrinking. Run as members of staff (tokens: a UNHCR manager, an IOM field officer, a coordinator) and
as a partner's key with every scope.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencies.models import Agency, Scope, User
from tests.factories import UserFactory, api_token_for
from tests.partner_infra.keys import administrator, issue
from tests.partner_matrix.test_permission_matrix import MATRIX
from tests.partner_matrix.world import World, build_world

SCHEMA_URL = "/api/schema/?format=json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 6
EXAMPLES_ON_REAL_RECORDS = 3
EXAMPLES_BREAKING_THE_SCHEMA = 8


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )


@pytest.fixture
def schema(db):
    # Django closes the connection when a request finishes; here every request runs in the test's
    # transaction on the test's connection, so (as Django's test client does) it must stay open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _real_ids(world: World, route: str) -> dict:
    """The id of a real record for an operation with one in its path (UNHCR's, the final report: both
    principals see it)."""
    row = MATRIX.get(next((key for key in MATRIX if key[1] == route), None))
    if row is None or row.target is None:
        return {}
    name = {"referral": "to_nrc", "report": "final"}.get(row.target, "UNHCR")
    return {"id": str(world.target(row.target, name).public_id)}


def _exercise(schema, headers: dict, world: World) -> list[str]:
    """Run every operation; return what failed, one line each."""
    failures, statuses = [], []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= len(MATRIX), "the schema lacks operations the URLconf serves"
    for operation in operations:
        strategies = [
            (operation.as_strategy(), EXAMPLES_PER_OPERATION),
            (operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), EXAMPLES_BREAKING_THE_SCHEMA),
        ]
        ids = _real_ids(world, operation.path)
        if ids:
            strategies.append((operation.as_strategy(path_parameters=ids), EXAMPLES_ON_REAL_RECORDS))
        for strategy, examples in strategies:

            @bounded(examples)
            @given(case=strategy)
            def run(case):
                with transaction.atomic():
                    response = case.call(headers=headers)
                    transaction.set_rollback(True)
                statuses.append(response.status_code)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - all reported together
                failures.append(f"{operation.label}: {_summary(failure)}")
    # Not vacuous: every operation was called several times, and real records were found.
    assert len(statuses) >= 3 * len(operations)
    assert statuses.count(200) >= len(operations) // 2
    return failures


def _summary(failure: BaseException) -> str:
    """The failed checks and the response that failed them, on one line."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    return " | ".join(line for line in lines if not line.startswith(("curl ", "Reproduce")))[:1500]


def test_the_schema_holds_for_staff(schema):
    world = build_world()
    manager = UserFactory(
        username="schemathesis.manager", agency=Agency.objects.get(code="UNHCR"), role=User.Role.MANAGER, office=None
    )
    headers = {"Authorization": f"Token {api_token_for(manager)}"}

    failures = _exercise(schema, headers, world)

    assert not failures, "\n".join(failures)


def test_the_schema_holds_for_iom_field_staff(schema):
    # A field officer of the other agency, at an office: most records are another agency's (404),
    # most actions another role's (403).
    world = build_world()
    officer = UserFactory(
        username="schemathesis.iom.officer",
        agency=Agency.objects.get(code="IOM"),
        role=User.Role.FIELD_OFFICER,
        office=world.households["IOM"].office,
    )
    headers = {"Authorization": f"Token {api_token_for(officer)}"}

    failures = _exercise(schema, headers, world)

    assert not failures, "\n".join(failures)


def test_the_schema_holds_for_a_coordinator(schema):
    # The one role that generates joint reports (POST reports/).
    world = build_world()
    coordinator = UserFactory(
        username="schemathesis.coordinator", agency=Agency.objects.get(code="UNHCR"), role=User.Role.COORDINATOR
    )
    headers = {"Authorization": f"Token {api_token_for(coordinator)}"}

    failures = _exercise(schema, headers, world)

    assert not failures, "\n".join(failures)


def test_the_schema_holds_for_a_partner_key(schema):
    world = build_world()
    nrc = Agency.objects.get(code="NRC")
    _key, full_key = issue(
        partner=nrc, scopes=Scope.values, requests_per_minute=100_000, issued_by=administrator("schemathesis.admin")
    )
    headers = {"Authorization": f"Bearer {full_key}"}

    failures = _exercise(schema, headers, world)

    assert not failures, "\n".join(failures)

"""The permission matrix: every operation under /api/v1/ × every principal × own or another
agency's object → the status the issue's rules give.

The rules: nobody signed in gets 401. A partner's key needs the operation's scope (403 without);
operations that name no scope are for staff only (403 for every key). An object the principal may
not see is a 404, never a 403 (another agency's, another partner's referral); a key's agreement
with NRC shares UNHCR's records only. Staff may do what their role allows (403 otherwise).

The operations are read from the URLconf, so a new endpoint without a row here fails the suite.
Each principal's request runs in a savepoint that is rolled back, so every cell sees the same world.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from agencies.api.access import ANY_KEY
from agencies.models import User
from returns.models import Case
from returns.models.counts import MEASURES as BORDER_COUNT_MEASURES
from tests.api.payloads import household_json
from tests.partner_matrix.world import PARTNER, PARTNER_SOURCES, PRINCIPALS, Principal, World, build_world

API_PREFIX = "/api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")

FIELD_OFFICER, CASE_WORKER, MANAGER = User.Role.FIELD_OFFICER, User.Role.CASE_WORKER, User.Role.MANAGER
COORDINATOR, ADMIN = User.Role.COORDINATOR, User.Role.ADMIN
CASE_STAFF = {FIELD_OFFICER, CASE_WORKER, MANAGER}  # agencies.roles.CASE_STAFF
REGISTERING = {FIELD_OFFICER, CASE_WORKER, MANAGER, ADMIN}  # and partners' keys with households:write


# ---------------------------------------------------------------------------------------------
# The operations, from the URLconf
# ---------------------------------------------------------------------------------------------


def _route(pattern) -> str:
    text = str(pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)  # path converters
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)  # regex groups
    return text.lstrip("^").rstrip("$").replace("\\", "")


def _walk(patterns, prefix: str = "/"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + _route(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + _route(pattern.pattern), pattern.callback


def api_operations() -> list[tuple[str, str]]:
    """Every (METHOD, route) served under /api/v1/, from the views' handlers (or a viewset's actions)."""
    found = set()
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX):
            continue
        actions = getattr(callback, "actions", None)
        if actions:
            methods = set(actions)
        else:
            view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            assert view_class is not None, f"{route} is not a class-based view: the matrix cannot read its methods"
            methods = {method for method in METHODS if hasattr(view_class, method)}
        found |= {(method.upper(), route) for method in methods}
    return sorted(found, key=lambda operation: (operation[1], METHODS.index(operation[0].lower())))


# ---------------------------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------------------------

# The world's objects of each kind, by name, and the agency whose record each is.
TARGETS = {
    "household": {"UNHCR": "UNHCR", "IOM": "IOM"},
    "case": {"UNHCR": "UNHCR", "IOM": "IOM"},
    "assistance": {"UNHCR": "UNHCR", "IOM": "IOM"},
    "interview": {"UNHCR": "UNHCR", "IOM": "IOM"},
    "report": {"final": None, "draft": None},  # the joint report: not one agency's record
}
# Referrals: (made by, addressed to).
REFERRALS = {"to_nrc": ("UNHCR", PARTNER), "to_unhcr": ("IOM", "UNHCR"), "to_drc": ("IOM", "DRC")}


def sees(principal: Principal, kind: str, name: str) -> bool:
    if principal.role == ADMIN:
        return True
    if kind == "report":
        # Every member of staff here (coordinators, UNHCR's and IOM's staff) reads every report; a key final ones.
        return principal.kind == "staff" or name == "final"
    if principal.role == COORDINATOR:
        return False  # joint figures only, never a record
    if kind == "referral":
        made_by, addressed_to = REFERRALS[name]
        if principal.kind == "key":
            return addressed_to == principal.agency  # the referrals addressed to the partner, no other
        return principal.agency in (made_by, addressed_to)
    agency = TARGETS[kind][name]
    if principal.kind == "key":
        return kind != "interview" and agency in PARTNER_SOURCES  # monitoring answers: staff only
    if kind == "household" and any(
        made_by == agency and addressed_to == principal.agency for made_by, addressed_to in REFERRALS.values()
    ):
        return True  # a pending referral to the staff's own agency opens the household to it (not its case)
    return agency == principal.agency


def target_agency(kind: str, name: str) -> str:
    return REFERRALS[name][1] if kind == "referral" else TARGETS[kind][name]


# ---------------------------------------------------------------------------------------------
# The rows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """What one operation expects.

    ``scope``: the scope a key needs (None: staff only). ``ok``: the status of a principal allowed
    to do it. ``target``: the kind of object in the path (None for a collection). ``entitled``: the
    staff (and keys) who may do it, given that they see the object. ``body``: a valid request body
    for a principal and target. ``refused_before_lookup``: a role is refused (403) before the object
    is looked up, so even for an object it cannot see.
    """

    scope: str | None
    ok: int = 200
    target: str | None = None
    entitled: Callable[[Principal, str | None], bool] = lambda principal, target: True
    body: Callable[[World, Principal, str | None], dict] | None = None
    refused_before_lookup: bool = False
    query: dict | None = None
    # A status decided before the role is checked, for some principals (None: the usual rules).
    refused_first: Callable[[Principal, str | None], int | None] = lambda principal, target: None

    def targets(self) -> list[str | None]:
        if self.target is None:
            return [None]
        return list(REFERRALS if self.target == "referral" else TARGETS[self.target])

    def expect(self, principal: Principal, target: str | None) -> int:
        if principal.kind == "anonymous":
            return 401
        if principal.kind == "key" and (self.scope is None or self.scope not in {ANY_KEY, *principal.scopes}):
            return 403
        if self.refused_before_lookup and not self.entitled(principal, target):
            return 403
        if target is not None and not sees(principal, self.target, target):
            return 404
        refused = self.refused_first(principal, target)
        if refused is not None:
            return refused
        return self.ok if self.entitled(principal, target) else 403


def roles(*allowed, keys: bool = True) -> Callable[[Principal, str | None], bool]:
    """Staff with one of these roles; keys (that got past their scope) too unless ``keys`` is False."""
    return lambda principal, target: principal.role in allowed or (principal.kind == "key" and keys)


def of_the_objects_agency(allowed: set) -> Callable[[Principal, str | None], bool]:
    """Staff of the object's own agency with one of these roles (an administrator sees but may not act)."""
    return lambda principal, target: principal.role in allowed and principal.agency == target


def transition_body(world: World, principal: Principal, target: str) -> dict:
    case = Case.objects.get(pk=world.cases[target].pk)
    if target == "UNHCR":
        head = case.household.members.get()
        return {
            "transition": "verify",
            "version": case.version,
            "inputs": {"documents_checked": True, f"iris_{head.public_id}": "clear"},
        }
    return {"transition": "screen_not_eligible", "version": case.version, "inputs": {}}


def may_fire(principal: Principal, target: str) -> bool:
    # UNHCR's verify and IOM's screen_not_eligible: case workers and managers of the case's agency.
    allowed = {CASE_WORKER, MANAGER}
    return principal.role in allowed and principal.agency == target


def may_answer(principal: Principal, target: str) -> bool:
    # The agency (or partner) the referral is addressed to.
    addressed_to = REFERRALS[target][1]
    if principal.kind == "key":
        return principal.agency == addressed_to
    return principal.role in CASE_STAFF and principal.agency == addressed_to


def _in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


READ = 200
MATRIX: dict[tuple[str, str], Row] = {
    # Households
    ("GET", "/api/v1/households/"): Row(scope="households:read"),
    ("POST", "/api/v1/households/"): Row(
        scope="households:write",
        ok=201,
        entitled=roles(*REGISTERING),
        body=lambda world, principal, target: household_json(),
        refused_before_lookup=True,
    ),
    ("GET", "/api/v1/households/deleted/"): Row(scope="households:read"),
    # The bulk sync (NDJSON): what the list gives, in one streamed answer.
    ("GET", "/api/v1/households/export/"): Row(scope="households:read"),
    # Who may register may ask who a person may already be (staff only: a key never sees candidates).
    ("POST", "/api/v1/duplicates/candidates/"): Row(
        scope=None,
        entitled=roles(*REGISTERING),
        body=lambda world, principal, target: {"given_name": "Ahmad", "fathers_name": "Mohammad"},
        refused_before_lookup=True,
    ),
    ("GET", "/api/v1/households/{id}/"): Row(scope="households:read", target="household"),
    ("PATCH", "/api/v1/households/{id}/"): Row(
        scope="households:write",
        target="household",
        entitled=roles(*REGISTERING),
        body=lambda world, principal, target: {"phone": "0700123456"},
    ),
    # The world's households received assistance (cash waiting for approval): withdrawing or merging
    # one is an agency manager's confirmed decision, never an administrator's alone.
    ("DELETE", "/api/v1/households/{id}/"): Row(
        scope=None,
        ok=204,
        target="household",
        entitled=roles(MANAGER),
        body=lambda world, principal, target: {
            "note": "Registered twice by mistake; the cash recorded stays on record.",
            "assistance_confirmed": True,
        },
    ),
    ("POST", "/api/v1/households/{id}/merge/"): Row(
        scope=None,
        target="household",
        entitled=roles(MANAGER),
        body=lambda world, principal, target: {
            "into": str(world.spares[target].public_id),
            "note": "The same family registered twice; the cash recorded stays on record.",
            "assistance_confirmed": True,
        },
        # Staff who see the duplicate only through a referral to their agency do not see the agency's
        # other household it would be merged into: that is refused (400) before their role is.
        refused_first=lambda principal, target: (
            400 if principal.kind == "staff" and principal.role != ADMIN and principal.agency != target else None
        ),
    ),
    # Cases
    ("GET", "/api/v1/cases/"): Row(scope="cases:read"),
    ("GET", "/api/v1/cases/deleted/"): Row(scope="cases:read"),
    ("POST", "/api/v1/cases/assign/"): Row(
        scope=None,
        entitled=roles(MANAGER),
        body=lambda world, principal, target: {"cases": [str(world.cases["UNHCR"].public_id)], "assignee": None},
    ),
    ("GET", "/api/v1/cases/{id}/"): Row(scope="cases:read", target="case"),
    ("GET", "/api/v1/cases/{id}/events/"): Row(scope="cases:read", target="case"),
    ("POST", "/api/v1/cases/{id}/transitions/"): Row(
        scope=None, target="case", entitled=may_fire, body=transition_body
    ),
    ("GET", "/api/v1/cases/{id}/assistance/"): Row(scope="cases:read", target="case"),
    ("POST", "/api/v1/cases/{id}/assistance/"): Row(
        scope=None,
        ok=201,
        target="case",
        entitled=of_the_objects_agency(CASE_STAFF),
        body=lambda world, principal, target: {
            "assistance_type": "health_screening" if target == "UNHCR" else "nfi_kit",
            "office": "TKM",
        },
    ),
    ("POST", "/api/v1/cases/{id}/referrals/"): Row(
        scope=None,
        ok=201,
        target="case",
        entitled=of_the_objects_agency(CASE_STAFF),
        body=lambda world, principal, target: {
            "to_agency": "DRC",
            "service": "health",
            "reason": "Needs a doctor.",
            "due_date": _in_days(7),
        },
    ),
    # Assistance
    ("POST", "/api/v1/assistance/{id}/decision/"): Row(
        scope=None,
        target="assistance",
        entitled=of_the_objects_agency({CASE_WORKER, MANAGER}),
        body=lambda world, principal, target: {"approve": True},
    ),
    # Referrals
    ("GET", "/api/v1/referrals/"): Row(scope="referrals:write"),
    ("POST", "/api/v1/referrals/{id}/answer/"): Row(
        scope="referrals:write",
        target="referral",
        entitled=may_answer,
        body=lambda world, principal, target: {"status": "declined", "response": "No capacity this month."},
    ),
}


# Border arrival counts: not personal data. Read by every member of staff and reports:read; recorded by
# UNHCR's and IOM's case staff and administrators (a coordinator: 403), never by a key.
MATRIX[("GET", "/api/v1/border-counts/")] = Row(scope="reports:read")
MATRIX[("GET", "/api/v1/border-counts/reconciliation/")] = Row(scope="reports:read")
MATRIX[("POST", "/api/v1/border-counts/")] = Row(
    scope=None,
    ok=201,
    entitled=roles(*CASE_STAFF, ADMIN, keys=False),
    body=lambda world, principal, target: border_count_json(),
    refused_before_lookup=True,
)


def border_count_json() -> dict:
    """100 arrivals at Torkham today from Pakistan; every breakdown adds up."""
    counts = dict.fromkeys(BORDER_COUNT_MEASURES, 0)
    counts.update(
        total=100, deported=60, spontaneous=40, in_families=70, individuals=30, female_18_59=45, male_18_59=55
    )
    return {"crossing": "TKM", "day": timezone.localdate().isoformat(), "country": "PK", **counts}


# Return monitoring: staff only (no key, whatever its scopes); recorded by the case workers and managers
# of the interview's agency.
MATRIX[("GET", "/api/v1/monitoring/interviews/")] = Row(scope=None)
MATRIX[("GET", "/api/v1/monitoring/interviews/{id}/")] = Row(scope=None, target="interview")
MATRIX[("POST", "/api/v1/monitoring/interviews/{id}/record/")] = Row(
    scope=None,
    target="interview",
    entitled=of_the_objects_agency({CASE_WORKER, MANAGER}),
    body=lambda world, principal, target: {
        "status": "completed",
        "method": "phone",
        "interviewed_on": timezone.localdate().isoformat(),
        "consent": True,
        "current_province": "AF06",
        "shelter": "rented",
        "work": "daily_labour",
        "intends_to_stay": "yes",
        "needs": ["livelihood"],
    },
)


# Reference data: any valid key, whatever its scopes; every member of staff.
MATRIX.update(
    {
        ("GET", f"/api/v1/reference/{name}/"): Row(scope=ANY_KEY)
        for name in (
            "agencies",
            "assistance-types",
            "card-decrees",
            "countries",
            "districts",
            "document-types",
            "grant-rates",
            "need-codes",
            "offices",
            "provinces",
            "return-types",
            "routing-policies",
            "supplement-rules",
        )
    }
)
# Joint statistics: aggregates only, for every member of staff (coordinators above all) and reports:read.
MATRIX[("GET", "/api/v1/statistics/returns/")] = Row(scope="reports:read", query={"year": timezone.localdate().year})
# The joint report: read by the staff of UNHCR and IOM, coordinators, administrators and reports:read (final
# reports, public edition: the default edition of a key); generated by coordinators and administrators only.
MATRIX[("GET", "/api/v1/reports/")] = Row(scope="reports:read")
MATRIX[("GET", "/api/v1/reports/{id}/")] = Row(scope="reports:read", target="report")
MATRIX[("GET", "/api/v1/reports/{id}/figures/")] = Row(scope="reports:read", target="report")
MATRIX[("POST", "/api/v1/reports/")] = Row(
    scope=None,
    ok=202,
    entitled=roles(COORDINATOR, ADMIN, keys=False),
    body=lambda world, principal, target: {"year": timezone.localdate().year - 1},
    refused_before_lookup=True,
)


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------

OPERATIONS = api_operations()


def test_every_api_operation_has_a_row_and_every_row_an_operation():
    served = set(OPERATIONS)
    assert sorted(served - set(MATRIX)) == [], "operations without a matrix row: add them to MATRIX"
    assert sorted(set(MATRIX) - served) == [], "matrix rows for operations that are not served"


def test_the_walk_finds_the_api():
    assert ("GET", "/api/v1/households/") in OPERATIONS
    assert ("POST", "/api/v1/referrals/{id}/answer/") in OPERATIONS
    assert all(route.startswith(API_PREFIX) for _method, route in OPERATIONS)


def _send(world: World, principal: Principal, method: str, route: str, row: Row, target: str | None):
    path = route
    if target is not None:
        path = route.replace("{id}", str(world.target(row.target, target).public_id))
    body = row.body(world, principal, target) if row.body else None
    client = world.clients[principal.name]
    if method == "GET":
        return client.get(path, row.query)
    return getattr(client, method.lower())(path, body, format="json")


@pytest.mark.parametrize(("method", "route"), OPERATIONS, ids=[f"{method} {route}" for method, route in OPERATIONS])
def test_permission_matrix(db, method, route):
    row = MATRIX.get((method, route))
    assert row is not None, f"{method} {route} has no row in the permission matrix"
    world = build_world()

    expected, actual = {}, {}
    for principal in PRINCIPALS:
        for target in row.targets():
            cell = f"{principal}" if target is None else f"{principal} → {target}"
            expected[cell] = row.expect(principal, target)
            with transaction.atomic():
                response = _send(world, principal, method, route, row, target)
                transaction.set_rollback(True)
            actual[cell] = response.status_code
            if response.status_code != expected[cell] and response.get("Content-Type", "").endswith("json"):
                actual[cell] = (
                    f"{response.status_code} {response.json().get('code', '')} {response.json().get('detail', '')}"
                )

    mismatched = {cell: (expected[cell], actual[cell]) for cell in expected if expected[cell] != actual[cell]}
    assert mismatched == {}, "cell: (expected, got)"

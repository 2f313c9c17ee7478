"""Every URL of the project, walked: who may reach it, and that a refused request changes nothing.

The walk reads the URLconf (``get_resolver()``, recursively: pages, the API, the admin), so a new
URL pattern is tried the day it is added. Each pattern must have a row:

- a page (``PAGES``, keyed by its URL name): the methods its view serves and the members of staff
  who reach it with the world's UNHCR object in the path (``reached_by``); every other member of
  staff is refused (403, or 404 for an object their gate hides; 405 never counts as a refusal). A
  partner's key is not a session: on a page it is nobody, sent to the login page.
- ``PUBLIC``: the few addresses an anonymous visitor reaches, each with its reason;
- the admin (every pattern under ``/admin/``): accounts with Django's ``is_staff`` flag only (the
  administrators the admin's own user form makes so); everyone else is sent to a login page;
- the API (``/api/v1/``): each operation's row in ``tests/partner_matrix/test_permission_matrix.py``
  ``MATRIX`` (which principal gets which status); the catch-all ``api-not-found`` (a mistyped
  address) is in ``API_PUBLIC``.

Then three promises are checked:

(a) anonymous requests: a page redirects to the login page, the API answers 401 problem+json,
    except the ``PUBLIC`` addresses;
(b) every member of staff outside a page's ``reached_by`` is refused, every principal the API
    matrix refuses is refused (401/403/404), and the admin refuses everyone without ``is_staff``;
(c) a refused POST, PUT, PATCH or DELETE changes nothing: the row count and latest ``updated_at``
    of every table of the three apps are the same before and after (and an allowed write shows in
    that snapshot, so the promise is not empty).

A partner's key is tried with each scope and with all (NRC, whose agreement shares UNHCR's records)
and with every scope but no agreement (DRC): that one reaches no record at all.
Revoked and expired keys and tokens open nothing (401) and change nothing.

(d) The access log: every page says which kind of personal record it shows (``PAGE_LOGS``), every API
    view too (``access_kind``), every admin of personal records notes them; each GET page and API read
    is walked to see its one row written, naming the object in its path.

One world for the module (``tests.partner_matrix.world``), built once and rolled back at the end.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pprint import pformat

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.access_log import Kind
from agencies.admin import AccessLoggedAdminMixin
from agencies.api.access import ANY_KEY
from agencies.api.base import UNSET
from agencies.api_keys import api_key_revoke
from agencies.models import AccessLogEntry, Agency, ApiKey, DataSharingAgreement, Scope, StaffToken, User
from agencies.staff_tokens import staff_token_issue, staff_token_revoke
from tests.api.payloads import household_json
from tests.partner_infra.keys import issue
from tests.partner_matrix.test_permission_matrix import MATRIX, Row, api_operations
from tests.partner_matrix.world import ANONYMOUS, PRINCIPALS, STAFF, Principal, World, build_world

# The database is set up for marked tests only; each test's own changes roll back inside the world's.
pytestmark = pytest.mark.django_db

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"

# ---------------------------------------------------------------------------------------------
# Who reaches each page
# ---------------------------------------------------------------------------------------------

FO, CW, MANAGER = "unhcr.field_officer", "unhcr.case_worker", "unhcr.manager"
IOM_FO, COORDINATOR, ADMIN = "iom.field_officer", "coordinator", "admin"
EVERY_STAFF = frozenset(principal.name for principal in STAFF)
UNHCR_CASE_STAFF = frozenset({FO, CW, MANAGER})
CASE_STAFF = UNHCR_CASE_STAFF | {IOM_FO}  # UNHCR's and IOM's, on lists that are not one object


@dataclass(frozen=True)
class Page:
    """A page: the methods its view serves, the staff who reach it with the world's UNHCR object
    in the path (everyone else is refused) and the status a GET gives them."""

    methods: tuple[str, ...]
    reached_by: frozenset[str]
    ok: int = 200


def _get(*reached_by) -> Page:
    return Page(("GET",), frozenset().union(*reached_by))


def _post(*reached_by) -> Page:
    return Page(("POST",), frozenset().union(*reached_by))


def _form(*reached_by) -> Page:
    return Page(("GET", "POST"), frozenset().union(*reached_by))


PAGES: dict[str, Page] = {
    # The home page: the joint report for coordinators, the households list for everyone else.
    "home": _get(EVERY_STAFF),
    # The person's own account: two-factor enrolment, recovery codes, their API tokens.
    "agencies:account": _form(EVERY_STAFF),
    "agencies:two-factor-setup": _form(EVERY_STAFF),
    # Without a device yet, both send the person to enrolment (302).
    "agencies:two-factor-verify": Page(("GET", "POST"), EVERY_STAFF, ok=302),
    "agencies:two-factor-recovery-codes": Page(("GET", "POST"), EVERY_STAFF, ok=302),
    # The path holds the UNHCR manager's own token: only its owner revokes it here.
    "agencies:token-revoke": _post({MANAGER}),
    # The joint report: read by every member of staff; generated by coordinators and administrators;
    # signed off by the agencies' managers.
    "reports:list": _get(EVERY_STAFF),
    "reports:generate": _post({COORDINATOR, ADMIN}),
    "reports:detail": _get(EVERY_STAFF),
    "reports:progress": _get(EVERY_STAFF),
    "reports:sign-off": _post({MANAGER}),
    # A form's target: without a version chosen, back to the report (302).
    "reports:compare-choose": Page(("GET",), EVERY_STAFF, ok=302),
    "reports:compare": _get(EVERY_STAFF),
    "reports:download": _get(EVERY_STAFF),
    # Households: UNHCR's household, seen by UNHCR's staff and administrators.
    "returns:home": _get(EVERY_STAFF),
    "returns:household-list": _get(EVERY_STAFF),
    # Imports: who registers, on the pages; an import is its uploader's (the UNHCR manager's in the world).
    "returns:import-list": _form(CASE_STAFF, {ADMIN}),
    "returns:import-template-csv": _get(CASE_STAFF, {ADMIN}),
    "returns:import-template-xlsx": _get(CASE_STAFF, {ADMIN}),
    "returns:import-detail": _get({MANAGER, ADMIN}),
    "returns:import-problems": _get({MANAGER, ADMIN}),
    "returns:import-rejected-csv": _get({MANAGER, ADMIN}),
    # An export job is its requester's alone (the UNHCR manager's in the world).
    "returns:export-detail": _get({MANAGER}),
    "returns:export-download": _get({MANAGER}),
    "returns:import-rejected-xlsx": _get({MANAGER, ADMIN}),
    "returns:import-start": _post({MANAGER}),
    # The list as a file: managers and administrators.
    "returns:household-export-csv": _get({MANAGER, ADMIN}),
    "returns:household-export-xlsx": _get({MANAGER, ADMIN}),
    "returns:people-export-csv": _get({MANAGER, ADMIN}),
    "returns:people-export-xlsx": _get({MANAGER, ADMIN}),
    "returns:household-register": _form(CASE_STAFF, {ADMIN}),
    # The likely matches of a member being typed (a fragment of the registration page): who registers.
    "returns:household-register-matches": _post(CASE_STAFF, {ADMIN}),
    # The officer's own recent registrations, kept by the registration page for offline look-up: who registers.
    "returns:household-register-recent": _get(CASE_STAFF, {ADMIN}),
    # A name's spelling in the other script, while typing: who registers.
    "returns:household-register-transliterate": _post(CASE_STAFF, {ADMIN}),
    "returns:household-detail": _get(UNHCR_CASE_STAFF, {ADMIN}),
    "returns:household-routed": _get(UNHCR_CASE_STAFF, {ADMIN}),
    "returns:household-reroute": _post({MANAGER, ADMIN}),
    "returns:household-family-link": _post({MANAGER, ADMIN}),
    # The household received assistance: withdrawing it is a manager's decision, not an administrator's.
    "returns:household-withdraw": _post({MANAGER}),
    # Border counts: not personal data.
    "returns:border-count-grid": _get(EVERY_STAFF),
    "returns:border-count-record": _form(CASE_STAFF, {ADMIN}),
    "returns:border-count-reconciliation": _get(EVERY_STAFF),
    # Return monitoring: the agencies' case staff and administrators; recorded by UNHCR's case workers.
    "returns:monitoring-queue": _get(CASE_STAFF, {ADMIN}),
    "returns:monitoring-interview": _form(UNHCR_CASE_STAFF, {ADMIN}),
    # Possible duplicates: reviewed by case workers and managers, and administrators (a pair of UNHCR's people).
    "returns:duplicate-queue": _get(UNHCR_CASE_STAFF - {FO}, {ADMIN}),
    "returns:duplicate-decided": _get(UNHCR_CASE_STAFF - {FO}, {ADMIN}),
    # The search of the whole registry: a registry manager.
    "returns:duplicate-search": _post({MANAGER, ADMIN}),
    "returns:duplicate-pair": _get(UNHCR_CASE_STAFF - {FO}, {ADMIN}),
    "returns:duplicate-decide": _post({CW, MANAGER, ADMIN}),
    # Cases.
    "returns:my-cases": _get(EVERY_STAFF),
    "returns:referrals": _get(EVERY_STAFF),
    "returns:referral-answer": _post(UNHCR_CASE_STAFF),  # the referral is addressed to UNHCR
    "returns:caseload": _get({MANAGER}),
    "returns:caseload-assign": _post({MANAGER}),
    # The caseload as files (its cases, their assistance): as the caseload, its managers.
    "returns:caseload-export-csv": _get({MANAGER}),
    "returns:caseload-export-xlsx": _get({MANAGER}),
    "returns:caseload-assistance-export-csv": _get({MANAGER}),
    "returns:caseload-assistance-export-xlsx": _get({MANAGER}),
    "returns:case-detail": _get(UNHCR_CASE_STAFF, {ADMIN}),
    "returns:case-transition": _post({CW, MANAGER}),  # UNHCR's verify
    "returns:case-assistance": _post(UNHCR_CASE_STAFF),
    "returns:case-assistance-decide": _post({CW, MANAGER}),
    "returns:case-referral": _post(UNHCR_CASE_STAFF),
    "returns:case-assign": _post({MANAGER}),
    # The access log: managers (their agency's part) and administrators.
    "agencies:access-log": _get({MANAGER, ADMIN}),
    "agencies:access-log-export": _get({MANAGER, ADMIN}),
}

# What an anonymous visitor reaches, and why. Static files are not in the URLconf (WhiteNoise serves
# them before any view), so they need no row.
PUBLIC: dict[str, str] = {
    "login": "how anyone signs in",
    "logout": "signing out needs no account (an anonymous POST only clears an empty session)",
    "healthz": "the load balancer's liveness probe, no data",
    "readyz": "the load balancer's readiness probe, no data",
    "set_language": "the login page offers Dari and Pashto before anyone signs in",
    "returns:household-register-service-worker": "the registration page's offline script: static file names only",
    "returns:household-register-manifest": "the installable app's manifest: names and icons, no data",
}

# ---------------------------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # as written in the URLconf, with its converters
    name: str  # the URL name with its namespace; the pattern itself when unnamed

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("/admin/")

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("/api/v1/")


def _walk(patterns, prefix: str = "/", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield Route(route, namespace + pattern.name if pattern.name else route)


ROUTES = list(_walk(get_resolver().url_patterns))


def _api_route(route: Route) -> str:
    # The permission matrix's spelling of a route: {id} for each converter.
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.pattern)


API_OPERATIONS = api_operations()


def test_every_url_pattern_has_a_row():
    """A new URL pattern fails here until someone decides who may reach it."""
    without_row = [
        route.pattern
        for route in ROUTES
        if not route.is_admin
        and route.name not in PAGES
        and route.name not in PUBLIC
        and route.name not in API_PUBLIC
        and not (route.is_api and any(operation[1] == _api_route(route) for operation in MATRIX))
    ]
    assert without_row == [], "URL patterns without a row: add them to PAGES, PUBLIC or the API matrix"
    named = {route.name for route in ROUTES}
    assert sorted((set(PAGES) | set(PUBLIC) | set(API_PUBLIC)) - named) == [], "rows for URLs that are not served"


def test_the_walk_finds_pages_the_api_and_the_admin():
    names = {route.name for route in ROUTES}
    assert {"returns:household-detail", "api:household-detail", "admin:index", "healthz"} <= names
    assert sum(route.is_admin for route in ROUTES) > 100


# ---------------------------------------------------------------------------------------------
# The world, and a concrete address for each pattern
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """One world for the module, rolled back at its end; each test's own changes roll back too."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        built = build_world()
        built.clients.update({f"page:{principal.name}": _page_client(principal.name) for principal in STAFF})
        built.clients[f"page:{ANONYMOUS.name}"] = Client(raise_request_exception=False)
        yield built
        transaction.set_rollback(True)
    cache.clear()


def _page_client(name: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=f"matrix.{name}"))
    return client


def _fill(route: Route, world: World) -> str:
    """The pattern with each converter replaced by a real object of the world (UNHCR's, where it matters)."""
    path = route.pattern.lstrip("^").rstrip("$")
    if route.is_admin:
        values = {
            "app_label": "returns",
            "object_id": "1",
            "content_type_id": "1",
            "url": "returns/",
            "pk": "1",
            "id": "1",
        }
    else:
        public_id = {
            "households": world.households["UNHCR"],
            "cases": world.cases["UNHCR"],
            "monitoring": world.interviews["UNHCR"],
            "reports": world.reports["final"],
            "imports": world.imports["checked"],
            "exports": world.exports["done"],
        }
        first = path.strip("/").split("/")[0]
        subject = world.referrals["to_unhcr"] if "/referrals/<" in path else public_id.get(first)
        token = StaffToken.objects.filter(user__username=f"matrix.{MANAGER}").first()
        values = {
            "public_id": subject.public_id if subject is not None else None,
            "assistance_id": world.assistance["UNHCR"].public_id,
            "transition_code": "verify",
            "other_id": world.reports["draft"].public_id,
            "edition": "public",
            "file_format": "xlsx",
            "pk": token.pk if token else None,
            "pair_id": world.duplicate_pairs["pending"].pk,
        }
        if route.name == "reports:sign-off":
            values["public_id"] = world.reports["draft"].public_id

    def converter(match: re.Match) -> str:
        value = values.get(match.group(1))
        assert value is not None, f"{route.pattern}: no value for <{match.group(1)}>"
        return str(value)

    path = re.sub(r"<(?:\w+:)?(\w+)>", converter, path)
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", converter, path).replace("\\", "")


# ---------------------------------------------------------------------------------------------
# What a refused request must leave as it was
# ---------------------------------------------------------------------------------------------

# Written by any request, allowed or not: a token's or key's last use, the throttle, log-in attempts.
BOOKKEEPING = {"agencies_stafftoken", "agencies_apikey"}


def _snapshot_sql() -> str:
    parts = []
    for app_label in ("agencies", "returns", "reports"):
        for model in apps.get_app_config(app_label).get_models():
            table = model._meta.db_table
            if table in BOOKKEEPING or model._meta.proxy:
                continue
            latest = "max(updated_at)::text" if any(f.name == "updated_at" for f in model._meta.fields) else "''"
            quoted = connection.ops.quote_name(table)
            parts.append(f"SELECT '{table}', count(*), {latest} FROM {quoted}")  # noqa: S608 (model tables)
    parts.append("SELECT 'auth_user_groups', count(*), '' FROM agencies_user_groups")
    return " UNION ALL ".join(parts)


SNAPSHOT_SQL: list[str] = []


def snapshot() -> dict[str, tuple[int, str]]:
    if not SNAPSHOT_SQL:
        SNAPSHOT_SQL.append(_snapshot_sql())
    with connection.cursor() as cursor:
        cursor.execute(SNAPSHOT_SQL[0])
        return {table: (count, latest) for table, count, latest in cursor.fetchall()}


def _changed(before: dict, after: dict) -> dict:
    return {table: (before[table], after[table]) for table in before if before[table] != after[table]}


def _send(client, method: str, path: str, body=None):
    if method == "GET":
        return client.get(path)
    if isinstance(client, Client) and not hasattr(client, "credentials"):
        return getattr(client, method.lower())(path, body or {})
    return getattr(client, method.lower())(path, body, format="json")


# ---------------------------------------------------------------------------------------------
# The API's public addresses, and the rows of the API matrix
# ---------------------------------------------------------------------------------------------

API_PUBLIC: dict[str, str] = {
    "api-schema": "the API's description holds no data; a partner reads it before its key is issued",
    "api-docs": "Swagger UI over the public schema, no data",
    "api-redoc": "ReDoc over the public schema, no data",
    "api-not-found": "a mistyped address under /api/: 404 problem details to anyone; the schema is public, "
    "so telling an unknown address from a known one reveals nothing",
}
# The admin's own door: its login page (and logging out of it) answer anonymous visitors.
ADMIN_PUBLIC = {"admin:login": "the admin's login page", "admin:logout": "signing out needs no account"}


def _pages() -> list[Route]:
    return [r for r in ROUTES if r.name in PAGES]


def _targets(row: Row) -> list[str | None]:
    return row.targets()


def _api_path(world: World, route: str, row: Row, target: str | None) -> str:
    if target is None:
        return route
    return route.replace("{id}", str(world.target(row.target, target).public_id))


def _is_login_redirect(response, login: str = LOGIN) -> bool:
    """Sent to ``login``; the admin's own login page is also the site's (nobody signed in meets the
    site's login first, a member of staff without admin rights the admin's)."""
    logins = (LOGIN, ADMIN_LOGIN) if login == ADMIN_LOGIN else (LOGIN,)
    return response.status_code == 302 and response["Location"].startswith(logins)


def _problem(response) -> bool:
    return response["Content-Type"].startswith("application/problem+json")


# ---------------------------------------------------------------------------------------------
# (a) Nobody signed in
# ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_page(world):
    client = world.clients[f"page:{ANONYMOUS.name}"]
    wrong, changed = {}, {}
    for route in _pages():
        path = _fill(route, world)
        before = snapshot()
        for method in PAGES[route.name].methods:
            response = _send(client, method, path)
            if not _is_login_redirect(response):
                wrong[f"{method} {route.name}"] = (response.status_code, response.get("Location"))
        if after := _changed(before, snapshot()):
            changed[route.name] = after
    assert not wrong, pformat(wrong)
    assert changed == {}


def test_anonymous_visitors_are_sent_to_the_admin_login_from_every_admin_page(world):
    client = world.clients[f"page:{ANONYMOUS.name}"]
    wrong = {}
    before = snapshot()
    for route in ROUTES:
        if not route.is_admin or route.name in ADMIN_PUBLIC:
            continue
        path = _fill(route, world)
        for method in ("GET", "POST"):
            response = _send(client, method, path)
            if not _is_login_redirect(response, ADMIN_LOGIN):
                wrong[f"{method} {route.pattern}"] = response.status_code
    assert not wrong, pformat(wrong)
    assert _changed(before, snapshot()) == {}


def test_anonymous_api_calls_get_401_problem_details(world):
    client = world.clients[ANONYMOUS.name]
    wrong = {}
    before = snapshot()
    for method, route in API_OPERATIONS:
        row = MATRIX[(method, route)]
        for target in _targets(row):
            path = _api_path(world, route, row, target)
            body = row.body(world, ANONYMOUS, target) if row.body else None
            response = _send(client, method, path, body)
            if response.status_code != 401 or not _problem(response):
                wrong[f"{method} {route} {target}"] = (response.status_code, response["Content-Type"])
    for method in ("GET", "POST"):
        response = _send(client, method, "/api/v1/no-such-thing/", {})
        if response.status_code != 404 or not _problem(response):
            wrong[f"{method} api-not-found"] = (response.status_code, response["Content-Type"])
    assert not wrong, pformat(wrong)
    assert _changed(before, snapshot()) == {}


def test_the_public_addresses_answer_anonymous_visitors(world):
    client = world.clients[f"page:{ANONYMOUS.name}"]
    statuses = {
        "login": client.get("/accounts/login/").status_code,
        "logout": client.post("/accounts/logout/").status_code,
        "healthz": client.get("/healthz").status_code,
        "readyz": client.get("/readyz").status_code,
        "set_language": client.post("/i18n/setlang/", {"language": "fa", "next": "/accounts/login/"}).status_code,
        "returns:household-register-service-worker": client.get("/households/register/sw.js").status_code,
        "returns:household-register-manifest": client.get("/households/register/manifest.webmanifest").status_code,
        "api-schema": client.get("/api/schema/").status_code,
        "api-docs": client.get("/api/docs/").status_code,
        "api-redoc": client.get("/api/redoc/").status_code,
        "admin:login": client.get("/admin/login/").status_code,
        "admin:logout": client.post("/admin/logout/").status_code,
    }
    assert statuses == {
        "login": 200,
        "logout": 302,
        "healthz": 200,
        "readyz": 200,
        "set_language": 302,
        "returns:household-register-service-worker": 200,
        "returns:household-register-manifest": 200,
        "api-schema": 200,
        "api-docs": 200,
        "api-redoc": 200,
        "admin:login": 200,
        "admin:logout": 302,
    }
    assert set(statuses) | {"api-not-found"} == set(PUBLIC) | set(API_PUBLIC) | set(ADMIN_PUBLIC)


# ---------------------------------------------------------------------------------------------
# (b) and (c) Signed in, but not entitled
# ---------------------------------------------------------------------------------------------


def test_every_page_refuses_the_staff_it_is_not_for_and_changes_nothing(world):
    wrong, changed = {}, {}
    for route in _pages():
        page = PAGES[route.name]
        path = _fill(route, world)
        before = snapshot()
        for principal in STAFF:
            client = world.clients[f"page:{principal.name}"]
            for method in page.methods:
                if principal.name in page.reached_by:
                    if method == "GET":
                        with transaction.atomic():
                            status = client.get(path).status_code
                            transaction.set_rollback(True)
                        if status != page.ok:
                            wrong[f"GET {route.name} as {principal}"] = (page.ok, status)
                    continue
                status = _send(client, method, path).status_code
                if status not in (403, 404):
                    wrong[f"{method} {route.name} as {principal}"] = ("403/404", status)
        if after := _changed(before, snapshot()):
            changed[route.name] = after
    assert not wrong, "request: (expected, got)\n" + pformat(wrong)
    assert changed == {}


def test_a_partners_key_is_no_session_on_pages_or_in_the_admin(world):
    """A page answers a key as it answers nobody: the login page."""
    client = world.clients["key[all scopes]"]
    wrong = {}
    before = snapshot()
    for route in [*_pages(), *(r for r in ROUTES if r.name in ("admin:index", "admin:returns_household_changelist"))]:
        path = _fill(route, world)
        for method in ("GET", "POST"):
            response = client.generic(method, path)
            if not _is_login_redirect(response, ADMIN_LOGIN if route.is_admin else LOGIN):
                wrong[f"{method} {route.name}"] = (response.status_code, response.get("Location"))
    assert not wrong, pformat(wrong)
    assert _changed(before, snapshot()) == {}


def test_the_admin_refuses_everyone_but_the_administrators_and_changes_nothing(world):
    # The Django admin asks for ``is_staff``: the world's administrator has the role, not the flag.
    refused = [p for p in STAFF if not User.objects.get(username=f"matrix.{p.name}").is_staff]
    assert refused == STAFF
    staff_flag = Client(raise_request_exception=False)
    staff_flag.force_login(User.objects.get(username="matrix.registrar", is_staff=True, is_superuser=True))
    assert staff_flag.get("/admin/").status_code == 200
    wrong = {}
    before = snapshot()
    for route in ROUTES:
        if not route.is_admin or route.name in ADMIN_PUBLIC:
            continue
        path = _fill(route, world)
        for principal in refused:
            client = world.clients[f"page:{principal.name}"]
            for method in ("GET", "POST"):
                response = _send(client, method, path)
                if not _is_login_redirect(response, ADMIN_LOGIN):
                    wrong[f"{method} {route.pattern} as {principal}"] = response.status_code
    assert not wrong, pformat(wrong)
    assert _changed(before, snapshot()) == {}


def test_the_snapshot_sees_a_write(world):
    """The "nothing changed" promises are only as good as the snapshot: an allowed registration shows."""
    with transaction.atomic():
        before = snapshot()
        response = world.clients[FO].post("/api/v1/households/", household_json(), format="json")
        after = snapshot()
        transaction.set_rollback(True)
    assert response.status_code == 201
    assert after["returns_household"][0] == before["returns_household"][0] + 1
    assert after["returns_case"][0] == before["returns_case"][0] + 1


REFUSALS = (401, 403, 404)


@pytest.mark.parametrize(
    ("method", "route"),
    [operation for operation in API_OPERATIONS if operation[0] in UNSAFE],
    ids=[f"{method} {route}" for method, route in API_OPERATIONS if method in UNSAFE],
)
def test_a_refused_api_write_changes_nothing(world, method, route):
    row = MATRIX[(method, route)]
    wrong = {}
    before = snapshot()
    for principal in PRINCIPALS:
        for target in _targets(row):
            expected = row.expect(principal, target)
            if expected not in REFUSALS:
                continue
            body = row.body(world, principal, target) if row.body else None
            response = _send(world.clients[principal.name], method, _api_path(world, route, row, target), body)
            if response.status_code != expected or not _problem(response):
                wrong[f"{principal} → {target}"] = (expected, response.status_code)
    assert not wrong, "caller: (expected, got)\n" + pformat(wrong)
    assert _changed(before, snapshot()) == {}


@pytest.fixture
def key_without_agreement(world):
    """DRC's key with every scope: DRC has no data-sharing agreement (the world's is NRC's)."""
    drc = Agency.objects.get(code="DRC")
    assert not DataSharingAgreement.objects.filter(partner=drc).exists()
    _key, full_key = issue(partner=drc, scopes=sorted(Scope.values), issued_by=None)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {full_key}")
    return client


def test_a_key_without_an_agreement_reaches_no_record_and_changes_nothing(world, key_without_agreement):
    """Every scope but no agreement: every operation on records is refused (403); what is no one's
    record (code lists, border counts, joint statistics, final reports) is read as by any key."""
    drc = Principal("key[DRC, no agreement]", "key", User.Role.PARTNER, "DRC", frozenset(Scope.values))
    got, expected = {}, {}
    before = snapshot()
    for method, route in API_OPERATIONS:
        row = MATRIX[(method, route)]
        for target in _targets(row):
            body = row.body(world, drc, target) if row.body else None
            path = _api_path(world, route, row, target)
            if method == "GET":
                response = key_without_agreement.get(path, row.query)
            else:
                response = _send(key_without_agreement, method, path, body)
            got[f"{method} {route} {target}"] = response.status_code
            # Code lists, border counts, joint statistics and final reports are no one's record.
            shared_by_no_one = method == "GET" and row.scope in (ANY_KEY, "reports:read")
            expected[f"{method} {route} {target}"] = (404 if target == "draft" else 200) if shared_by_no_one else 403
    assert _changed(before, snapshot()) == {}
    assert got == expected, pformat({call: (expected[call], got[call]) for call in got if got[call] != expected[call]})


# ---------------------------------------------------------------------------------------------
# (d) Every read of a personal record is in the access log
# ---------------------------------------------------------------------------------------------

# The kind of personal record each page shows, in the access log; None: the page shows none. A new
# page fails ``test_every_page_says_what_it_logs`` until it has a row here.
PAGE_LOGS: dict[str, str | None] = {
    "home": Kind.HOUSEHOLD,  # the households list, for everyone but coordinators
    "returns:home": Kind.HOUSEHOLD,
    "returns:household-list": Kind.HOUSEHOLD,
    "returns:household-export-csv": Kind.HOUSEHOLD,  # every household in the file, as an export
    # An import's pages show its file name, counts and problems (rows, columns, messages): no record.
    "returns:import-list": None,
    "returns:import-template-csv": None,
    "returns:import-template-xlsx": None,
    "returns:import-detail": None,
    "returns:import-problems": None,
    # The rows left out, as uploaded: the uploader's own file, no registered record.
    "returns:import-rejected-csv": None,
    # An export job's page and file: every record in the file was logged when the job wrote it.
    "returns:export-detail": None,
    "returns:export-download": None,
    "returns:import-rejected-xlsx": None,
    "returns:import-start": None,
    "returns:household-export-xlsx": Kind.HOUSEHOLD,
    "returns:people-export-csv": Kind.HOUSEHOLD,
    "returns:people-export-xlsx": Kind.HOUSEHOLD,
    "returns:household-register": Kind.HOUSEHOLD,  # the household registered (the form itself: none)
    "returns:household-register-matches": Kind.HOUSEHOLD,  # the candidates' households the officer may see
    "returns:household-register-transliterate": None,  # a spelling: no record
    "returns:household-register-recent": Kind.HOUSEHOLD,  # the officer's own recent households
    "returns:household-detail": Kind.HOUSEHOLD,
    "returns:household-routed": Kind.HOUSEHOLD,
    "returns:household-reroute": Kind.HOUSEHOLD,
    "returns:household-family-link": Kind.HOUSEHOLD,
    "returns:household-withdraw": Kind.HOUSEHOLD,
    "returns:duplicate-queue": Kind.PERSON,  # the two people of each pair on the page
    "returns:duplicate-decided": Kind.PERSON,
    "returns:duplicate-search": None,  # starts a job: shows no record
    "returns:duplicate-pair": Kind.PERSON,
    "returns:duplicate-decide": Kind.PERSON,
    "returns:monitoring-queue": Kind.INTERVIEW,
    "returns:monitoring-interview": Kind.INTERVIEW,
    "returns:my-cases": Kind.CASE,
    "returns:referrals": Kind.REFERRAL,
    "returns:referral-answer": Kind.REFERRAL,
    "returns:caseload": Kind.CASE,
    "returns:caseload-assign": Kind.CASE,
    "returns:caseload-export-csv": Kind.CASE,  # every case in the file, as an export
    "returns:caseload-export-xlsx": Kind.CASE,
    "returns:caseload-assistance-export-csv": Kind.CASE,  # the cases whose assistance is in the file
    "returns:caseload-assistance-export-xlsx": Kind.CASE,
    "returns:case-detail": Kind.CASE,
    "returns:case-transition": Kind.CASE,
    "returns:case-assistance": Kind.CASE,
    "returns:case-assistance-decide": Kind.CASE,
    "returns:case-referral": Kind.CASE,
    "returns:case-assign": Kind.CASE,
    # No personal record: the person's own account, joint figures, border counts, the log itself.
    "agencies:account": None,
    "agencies:two-factor-setup": None,
    "agencies:two-factor-verify": None,
    "agencies:two-factor-recovery-codes": None,
    "agencies:token-revoke": None,
    "agencies:access-log": None,
    "agencies:access-log-export": None,
    "reports:list": None,
    "reports:generate": None,
    "reports:detail": None,
    "reports:progress": None,
    "reports:sign-off": None,
    "reports:compare-choose": None,
    "reports:compare": None,
    "reports:download": None,
    "returns:border-count-grid": None,
    "returns:border-count-record": None,
    "returns:border-count-reconciliation": None,
}


def test_every_page_says_what_it_logs():
    assert sorted(set(PAGES) ^ set(PAGE_LOGS)) == [], "pages without a PAGE_LOGS row, or rows without a page"


def _api_views() -> dict[str, type]:
    views = {}
    for pattern, callback in _callbacks(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if pattern.startswith("/api/v1/") and view_class is not None:
            views[pattern] = view_class
    return views


def _callbacks(patterns, prefix: str = "/"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_view_says_which_records_it_serves():
    """``access_kind``: the kind of personal record in the access log, or None for none; never forgotten."""
    views = _api_views()
    assert len(views) > 30
    assert sorted(pattern for pattern, view in views.items() if view.access_kind == UNSET) == []


def _log_rows_since(last_id: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(id__gt=last_id).order_by("id"))


def _last_log_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# Pages and operations that send a file or a stream: they write their rows as an export, as the body is sent.
EXPORTS = {
    "returns:household-export-csv",
    "returns:household-export-xlsx",
    "returns:people-export-csv",
    "returns:people-export-xlsx",
    "returns:caseload-export-csv",
    "returns:caseload-export-xlsx",
    "returns:caseload-assistance-export-csv",
    "returns:caseload-assistance-export-xlsx",
    "/api/v1/households/export/",
}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# Who reads each page in the walk below: the UNHCR manager reaches them all but the caseload's
# empty "my cases" (nothing assigned to them), which the UNHCR case worker holds.
# The officer's recent registrations: the world's households were all registered by its registrar.
PAGE_READER = {"returns:my-cases": CW, "returns:household-register-recent": "registrar"}


def test_every_page_that_shows_personal_records_writes_one_log_row(world):
    """Each GET page: one row per kind of record it shows (the object in its path among them); the pages
    with no personal record write none."""
    cases = world.cases["UNHCR"]
    cases.assigned_to = User.objects.get(username=f"matrix.{CW}")
    cases.save(update_fields=["assigned_to"])
    wrong = {}
    for route in _pages():
        page = PAGES[route.name]
        if "GET" not in page.methods:
            continue
        reader = PAGE_READER.get(route.name, MANAGER if MANAGER in page.reached_by else ADMIN)
        client = world.clients.get(f"page:{reader}") or _page_client(reader)
        path = _fill(route, world)
        last = _last_log_id()
        response = client.get(path)
        _body(response)
        rows = _log_rows_since(last)
        expected_kind = PAGE_LOGS[route.name]
        if response.status_code >= 400:
            wrong[route.name] = ("status", response.status_code)
            continue
        if route.name == "returns:household-register" or expected_kind is None:
            if rows:
                wrong[route.name] = ("no row", [(row.kind, len(row.record_ids)) for row in rows])
            continue
        got = [(row.kind, row.action, row.channel, row.endpoint, row.user.username) for row in rows]
        served_by = response.resolver_match.view_name  # "/" is both "home" and "returns:home"
        action = "export" if route.name in EXPORTS else "read"
        if got != [(expected_kind, action, "page", served_by, f"matrix.{reader}")] or not rows[0].record_ids:
            wrong[route.name] = ("one row", got)
        elif "<uuid:public_id>" in route.pattern and str(rows[0].record_ids[0]) not in path:
            wrong[route.name] = ("the object in the path", rows[0].record_ids)
    assert not wrong, pformat(wrong)


def test_every_api_read_of_personal_records_writes_one_log_row(world):
    """Each GET operation, as the UNHCR manager (or the administrator where only they may): one row
    naming the records answered, of the view's kind; the operations with no personal record, none."""
    views = {_api_route(Route(pattern, pattern)): view for pattern, view in _api_views().items()}
    wrong = {}
    for method, route in API_OPERATIONS:
        if method != "GET":
            continue
        row = MATRIX[(method, route)]
        reader = next(
            (
                principal
                for principal in (STAFF[2], STAFF[-1])
                if all(row.expect(principal, target) == row.ok for target in _targets(row))
            ),
            None,
        )
        if reader is None:
            continue
        for target in _targets(row):
            last = _last_log_id()
            response = world.clients[reader.name].get(_api_path(world, route, row, target), row.query)
            body = _body(response)
            rows = _log_rows_since(last)
            kind = views[route].access_kind
            got = [(entry.kind, entry.action, entry.channel, entry.status) for entry in rows]
            if route in EXPORTS:
                if got != [(Kind.HOUSEHOLD, "export", "api", 200)] or len(rows[0].record_ids) != body.count(b"\n"):
                    wrong[route] = ("one export row naming each line", got)
                continue
            answer = response.json()
            if kind is None or (target is None and answer.get("results") == []):  # an empty page names no record
                if got:
                    wrong[f"{route} {target}"] = ("no row", got)
            elif got != [(kind, "read", "api", response.status_code)]:
                wrong[f"{route} {target}"] = ("one row", got, response.status_code)
            elif target is not None and str(rows[0].record_ids[0]) not in _api_path(world, route, row, target):
                wrong[f"{route} {target}"] = ("the object in the path", rows[0].record_ids)
    assert not wrong, pformat(wrong)
    assert len(AccessLogEntry.objects.filter(channel="api")) >= 10


# The admin's pages of the apps' models that hold no personal record (code lists, rules, counts,
# tombstones of ids); every other model's admin notes what it shows (``AccessLoggedAdminMixin``).
ADMIN_WITHOUT_PERSONAL_RECORDS = {
    "agencies.agency",
    "agencies.office",
    "agencies.province",
    "agencies.district",
    "agencies.country",
    "agencies.user",  # staff accounts, not returnees
    "agencies.stafftoken",
    "agencies.apikey",
    "agencies.datasharingagreement",
    "returns.returntype",
    "returns.documenttype",
    "returns.needcode",
    "returns.flagfollowup",
    "returns.routingruleset",
    "returns.cardvaliditydecree",
    "returns.supplementrule",
    "returns.assistancetype",
    "returns.bordercount",
    "returns.monitoringplan",
    "returns.deletedrecord",  # ids, reasons and who removed them
    "reports.report",
    "reports.publishedreturnfigure",
    "reports.disclosurethreshold",
}


def test_every_admin_of_personal_records_writes_the_access_log():
    ours = {
        model._meta.label_lower: model_admin
        for model, model_admin in django_admin.site._registry.items()
        if model._meta.app_label in ("agencies", "returns", "reports")
    }
    forgotten = sorted(
        label
        for label, model_admin in ours.items()
        if label not in ADMIN_WITHOUT_PERSONAL_RECORDS and not isinstance(model_admin, AccessLoggedAdminMixin)
    )
    assert forgotten == []
    assert sorted(ADMIN_WITHOUT_PERSONAL_RECORDS - set(ours)) == []


@pytest.fixture
def spent_credentials(world) -> dict[str, APIClient]:
    """NRC keys with every scope and UNHCR manager's tokens that no longer open anything: revoked, expired."""
    nrc = Agency.objects.get(code="NRC")
    manager = User.objects.get(username=f"matrix.{MANAGER}")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    revoked_key, revoked_key_secret = issue(partner=nrc, scopes=sorted(Scope.values), name="revoked")
    api_key_revoke(key=revoked_key, revoked_by=revoked_key.created_by)
    expired_key, expired_key_secret = issue(partner=nrc, scopes=sorted(Scope.values), name="expired")
    ApiKey.objects.filter(pk=expired_key.pk).update(expires_at=an_hour_ago)
    revoked_token, revoked_token_secret = staff_token_issue(user=manager, name="revoked")
    staff_token_revoke(token=revoked_token, revoked_by=manager)
    expired_token, expired_token_secret = staff_token_issue(user=manager, name="expired")
    StaffToken.objects.filter(pk=expired_token.pk).update(
        created_at=an_hour_ago - datetime.timedelta(days=1), expires_at=an_hour_ago
    )
    clients = {}
    for name, header in {
        "revoked key": f"Bearer {revoked_key_secret}",
        "expired key": f"Bearer {expired_key_secret}",
        "revoked token": f"Token {revoked_token_secret}",
        "expired token": f"Token {expired_token_secret}",
    }.items():
        clients[name] = APIClient(raise_request_exception=False)
        clients[name].credentials(HTTP_AUTHORIZATION=header)
    return clients


def test_a_revoked_or_expired_key_or_token_opens_nothing_and_changes_nothing(world, spent_credentials):
    wrong = {}
    before = snapshot()
    for method, route in API_OPERATIONS:
        row = MATRIX[(method, route)]
        for target in _targets(row):
            path = _api_path(world, route, row, target)
            body = row.body(world, STAFF[2], target) if row.body else None
            for name, client in spent_credentials.items():
                response = _send(client, method, path, body)
                if response.status_code != 401 or not _problem(response):
                    wrong[f"{method} {route} {target} with the {name}"] = response.status_code
    assert not wrong, pformat(wrong)
    assert _changed(before, snapshot()) == {}

"""Scopes: a key does only what its scopes name; staff-only operations refuse every key."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from agencies.api.access import ANY_KEY, ScopeRequired
from agencies.api.base import ApiView
from agencies.models import Scope
from tests.partner_api.conftest import ALL_SCOPES
from tests.problems import problem_of

ANY_ID = uuid.UUID(int=1)


def api_views() -> list[tuple[str, type]]:
    """Every view class under /api/v1/, with its route."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                found.append((route, pattern.callback.view_class))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_api_view_checks_scopes_and_names_them():
    views = api_views()
    assert len(views) == 39
    for route, view_class in views:
        view = view_class()
        # Then no view replaced the default permissions without keeping ScopeRequired
        assert any(isinstance(permission, ScopeRequired) for permission in view.get_permissions()), route
        # And each says, per method, which scope a key needs (an empty mapping: staff only)
        assert issubclass(view_class, ApiView), route
        assert any("required_scopes" in vars(klass) for klass in view_class.__mro__ if klass is not ApiView), route
        methods = {name.upper() for name in ("get", "post", "patch", "put", "delete") if hasattr(view_class, name)}
        assert set(view_class.required_scopes) <= methods, route
        assert set(view_class.required_scopes.values()) <= {*Scope.values, ANY_KEY}, route


@pytest.mark.parametrize(
    ("scopes", "method", "path", "needed"),
    [
        (["cases:read"], "get", "/api/v1/households/", "households:read"),
        (["households:read"], "post", "/api/v1/households/", "households:write"),
        (["households:read"], "patch", f"/api/v1/households/{ANY_ID}/", "households:write"),
        (["households:write"], "get", f"/api/v1/households/{ANY_ID}/", "households:read"),
        (["cases:read"], "get", "/api/v1/households/deleted/", "households:read"),
        (["households:read"], "get", "/api/v1/cases/", "cases:read"),
        (["households:read"], "get", f"/api/v1/cases/{ANY_ID}/", "cases:read"),
        (["households:read"], "get", f"/api/v1/cases/{ANY_ID}/events/", "cases:read"),
        (["households:read"], "get", f"/api/v1/cases/{ANY_ID}/assistance/", "cases:read"),
        (["households:read"], "get", "/api/v1/cases/deleted/", "cases:read"),
        (["cases:read"], "get", "/api/v1/referrals/", "referrals:write"),
        (["cases:read"], "post", f"/api/v1/referrals/{ANY_ID}/answer/", "referrals:write"),
        (["households:read", "cases:read"], "get", "/api/v1/statistics/returns/?year=2026", "reports:read"),
        (["households:read", "cases:read"], "get", "/api/v1/border-counts/", "reports:read"),
        (["households:read", "cases:read"], "get", "/api/v1/border-counts/reconciliation/", "reports:read"),
        (["households:read", "cases:read"], "get", "/api/v1/reports/", "reports:read"),
        (["households:read", "cases:read"], "get", f"/api/v1/reports/{ANY_ID}/figures/", "reports:read"),
    ],
)
def test_a_key_without_the_scope_is_refused(agreement, key_client, scopes, method, path, needed):
    response = getattr(key_client(scopes), method)(path, {}, format="json")

    assert response.status_code == 403
    assert problem_of(response) == {
        "code": "insufficient_scope",
        "detail": f"This API key needs the scope “{needed}”.",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", f"/api/v1/households/{ANY_ID}/?note=Registered twice by mistake"),
        ("post", f"/api/v1/households/{ANY_ID}/merge/"),
        ("post", f"/api/v1/cases/{ANY_ID}/transitions/"),
        ("post", "/api/v1/cases/assign/"),
        ("post", f"/api/v1/cases/{ANY_ID}/assistance/"),
        ("post", f"/api/v1/assistance/{ANY_ID}/decision/"),
        ("post", f"/api/v1/cases/{ANY_ID}/referrals/"),
        ("post", "/api/v1/border-counts/"),
        ("get", "/api/v1/monitoring/interviews/"),
        ("get", f"/api/v1/monitoring/interviews/{ANY_ID}/"),
        ("post", f"/api/v1/monitoring/interviews/{ANY_ID}/record/"),
    ],
)
def test_staff_only_operations_refuse_every_key(agreement, key_client, method, path):
    # Given a key with every scope
    client = key_client(ALL_SCOPES)

    # When it calls an operation that names no scope
    response = getattr(client, method)(path, {}, format="json")

    # Then it is refused, whatever the object
    assert response.status_code == 403
    assert problem_of(response)["code"] == "insufficient_scope"


@pytest.mark.parametrize(
    "path",
    [
        "agencies",
        "offices",
        "provinces",
        "districts",
        "countries",
        "document-types",
        "return-types",
        "need-codes",
        "assistance-types",
        "routing-policies",
        "grant-rates",
        "supplement-rules",
        "card-decrees",
    ],
)
def test_any_valid_key_reads_reference_data(agreement, key_client, path):
    # Given a key with no scope at all
    response = key_client([]).get(f"/api/v1/reference/{path}/")

    assert response.status_code == 200
    assert response.json()["results"]


def test_a_revoked_key_is_not_authenticated(agreement, key_client):
    from django.utils import timezone

    client = key_client(ALL_SCOPES)
    client.key.revoked_at = timezone.now()
    client.key.save()

    response = client.get("/api/v1/reference/agencies/")

    assert response.status_code == 401
    assert problem_of(response)["detail"] == "This API key was revoked."

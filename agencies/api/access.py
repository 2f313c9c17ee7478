"""What a partner's key may do and see: scopes, field minimisation, throttling.

Staff authenticate as themselves and their role decides; a partner's key (``request.auth`` is an
``ApiKey``) must also hold the scope each operation names, and receives only the fields its
data-sharing agreement shares.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import permissions
from rest_framework.throttling import SimpleRateThrottle

from agencies.models import ApiKey
from agencies.models.scope import partner_agreement

# Members every partner receives, whatever its agreement: what a mirror needs to stay in step.
ALWAYS_SHARED = frozenset({"id", "agency", "created_at", "updated_at", "household", "case", "status"})

# ``required_scopes`` value for operations any valid key may call (reference data): no scope needed.
ANY_KEY = ""


def api_key_of(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class ScopeRequired(permissions.BasePermission):
    """A partner's key needs the scope the view names for the method (``required_scopes``)."""

    message = _("This API key does not have the scope this operation needs.")
    code = "insufficient_scope"

    def has_permission(self, request, view) -> bool:
        key = api_key_of(request)
        if key is None:
            return True
        needed = getattr(view, "required_scopes", {}).get(request.method)
        if needed is None:
            # Operations that name no scope are for staff only.
            return False
        if needed == ANY_KEY:
            return True
        self.message = _("This API key needs the scope “%(scope)s”.") % {"scope": needed}
        return key.has_scope(needed)


def shared_fields(request, resource: str) -> frozenset[str] | None:
    """The fields of ``resource`` this request may receive; None means all (staff)."""
    if request is None or api_key_of(request) is None:
        return None
    agreement = partner_agreement(request.user)
    if agreement is None:
        return ALWAYS_SHARED
    return ALWAYS_SHARED | agreement.shared_fields(resource)


class MinimisedFieldsMixin:
    """For serializers: leave out (not null: absent) the fields the partner's agreement does not share."""

    shared_resource: str = ""
    # A field whose name in the agreement differs from its name in the answer: {answer name: agreement name}.
    shared_as: dict[str, str] = {}

    def get_fields(self):
        fields = super().get_fields()
        allowed = shared_fields(self.context.get("request"), self.shared_resource)
        if allowed is None:
            return fields
        return {name: field for name, field in fields.items() if self.shared_as.get(name, name) in allowed}


class MinimisedFieldsSchema(OpenApiSerializerExtension):
    """In the OpenAPI schema, only the members every partner receives are ``required`` in a minimised
    answer: the others may be absent (never null) when the caller's agreement does not share them."""

    target_class = "agencies.api.access.MinimisedFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "response" and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name in ALWAYS_SHARED]
            if not schema["required"]:
                del schema["required"]
        return schema


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Per key: ``requests_per_minute`` of the key, shared by every process through the cache."""

    scope = "api_key"

    def get_rate(self):
        return None  # set per request from the key

    def allow_request(self, request, view):
        key = api_key_of(request)
        if key is None:
            return True
        self.num_requests, self.duration = key.requests_per_minute, 60
        self.key = self.cache_format % {"scope": self.scope, "ident": key.pk}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()


class StaffRateThrottle(SimpleRateThrottle):
    """Per staff user, at ``API_STAFF_RATE`` (a busy border post's tablets share one account)."""

    scope = "staff"

    def get_rate(self):
        return settings.API_STAFF_RATE

    def get_cache_key(self, request, view):
        if api_key_of(request) is not None or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

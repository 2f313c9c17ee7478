"""What a partner's key may do and see: scopes, the agreement in force, filters, writes, field
minimisation, throttling.

Staff authenticate as themselves and their role decides; a partner's key (``request.auth`` is an
``ApiKey``) must also hold the scope each operation names, and its organisation must have a
data-sharing agreement in force for any operation on personal records. It receives only the
fields its agreement shares, and may filter, search and write only on those: a filter or a write
on a field it cannot read would tell it (or let it change) what the agreement withholds.
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import permissions
from rest_framework.throttling import SimpleRateThrottle

from agencies.models import ApiKey, Scope
from agencies.models.scope import partner_agreement
from agencies.problems import Problem, Refused

# Members every partner receives, whatever its agreement: what a mirror needs to stay in step.
ALWAYS_SHARED = frozenset({"id", "agency", "created_at", "updated_at", "household", "case", "status"})

# ``required_scopes`` value for operations any valid key may call (reference data): no scope needed.
ANY_KEY = ""

# The scopes of operations on personal records: a key needs its organisation's agreement in force.
# (Reference data and ``reports:read``, aggregates only, are no one's personal data.)
PERSONAL_DATA_SCOPES = frozenset(
    {Scope.HOUSEHOLDS_READ, Scope.HOUSEHOLDS_WRITE, Scope.CASES_READ, Scope.REFERRALS_WRITE}
)

# What a filter reveals to a key, in a FilterSet's ``partner_reveals`` ({filter name: value}):
# a set of agreement fields ("household.office"), all of which the key's agreement must share;
# NOTHING: only what every key receives (ids, times, status) or no personal data at all;
# STAFF_ONLY: what no agreement can share (usernames, fields never given to a partner). A filter
# missing from ``partner_reveals`` is STAFF_ONLY, so that a new filter cannot leak before it is mapped.
NOTHING: frozenset[str] = frozenset()
STAFF_ONLY = None


def api_key_of(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class ScopeRequired(permissions.BasePermission):
    """What a partner's key may call: the scope the view names for the method (``required_scopes``),
    an agreement in force for personal records, and only the filters its agreement allows.

    Staff pass: their role is checked by the view and the services."""

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
        if needed != ANY_KEY and not key.has_scope(needed):
            self.message = _("This API key needs the scope “%(scope)s”.") % {"scope": needed}
            return False
        if needed in PERSONAL_DATA_SCOPES and partner_agreement(request.user) is None:
            # The same answer from every endpoint, whatever is asked: an agreement that ended (or
            # never began, or was deactivated) shares nothing, not even whether a record exists.
            self.message = _(
                "Your organisation has no data-sharing agreement in force: this key receives no records. "
                "Ask the agencies to renew the agreement."
            )
            self.code = "no_agreement"
            return False
        refuse_unshared_filters(request, view)
        return True


def agreement_field_names(request) -> frozenset[str] | None:
    """The agreement's fields ("household.office") this request may read; None means all (staff)."""
    if request is None or api_key_of(request) is None:
        return None
    agreement = partner_agreement(request.user)
    return frozenset(agreement.fields) if agreement is not None else frozenset()


def covers_agency(request, agency_id: int) -> bool:
    """Whether this request may read the records of ``agency_id`` (staff: the gates decided already)."""
    if request is None or api_key_of(request) is None:
        return True
    agreement = partner_agreement(request.user)
    return agreement is not None and agency_id in agreement.source_agency_ids


def allowed_filters(filterset_class, shared: frozenset[str]) -> list[str]:
    """The filters of ``filterset_class`` a key whose agreement shares ``shared`` may use."""
    reveals: Mapping = getattr(filterset_class, "partner_reveals", {})
    return sorted(
        name
        for name in filterset_class.base_filters
        if reveals.get(name, STAFF_ONLY) is not STAFF_ONLY and reveals[name] <= shared
    )


def refuse_unshared_filters(request, view) -> None:
    """A key may filter (``q`` included) only on what its agreement shares: otherwise a filter on a
    hidden field (province, office, a member's name) would tell it the field's value by what the
    list holds, and one on ``assigned_to`` whether a username exists.

    Refused with 400 ``filter_not_shared`` for each such parameter, naming the filters the key may
    use, before the filter's value is even read (a valid and an invalid value answer the same)."""
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is None or request.method not in permissions.SAFE_METHODS:
        return
    asked = sorted(name for name in request.query_params if name in filterset_class.base_filters)
    reveals: Mapping = getattr(filterset_class, "partner_reveals", {})
    if all(reveals.get(name, STAFF_ONLY) == NOTHING for name in asked):
        return  # nothing to check against the agreement: spare reading it
    allowed = allowed_filters(filterset_class, agreement_field_names(request) or frozenset())
    refused = [name for name in asked if name not in allowed]
    if not refused:
        return
    if allowed:
        message = gettext(
            "Your data-sharing agreement does not share what this filter looks at. Filters you may use here: "
            "%(allowed)s."
        ) % {"allowed": ", ".join(allowed)}
    else:
        message = gettext(
            "Your data-sharing agreement does not share what this filter looks at. No filter here is open to your key."
        )
    raise Refused({name: [Problem("filter_not_shared", message)] for name in refused})


def refuse_unreadable_writes(
    request,
    data,
    *,
    resource: str,
    writable: Iterable[str],
    touches: Mapping[str, Iterable[str]] | None = None,
    items: Mapping[str, tuple[str, Iterable[str]]] | None = None,
) -> None:
    """A key may write only fields its agreement lets it read; else 400 ``field_not_shared``, nothing saved.

    ``writable``: the names the operation accepts (others are the serializer's to refuse);
    ``touches``: a name whose write also changes or checks other fields (a province clears the
    district, a district is checked against the province); ``items``: lists of nested records, by
    name: (their resource, their writable names)."""
    problems = _unreadable_writes(
        data, agreement_field_names(request), resource=resource, writable=writable, touches=touches, items=items
    )
    if problems:
        raise Refused(problems)


def _unreadable_writes(data, shared, *, resource, writable, touches, items, path="") -> dict[str, list[Problem]]:
    if shared is None or not isinstance(data, Mapping):
        return {}
    touches, items, writable = touches or {}, items or {}, set(writable)
    message = gettext("Your data-sharing agreement does not share this field, so your key cannot write it.")
    problems: dict[str, list[Problem]] = {}
    for name, value in data.items():
        if name not in writable:
            continue
        where = f"{path}.{name}" if path else name
        needed = [name, *touches.get(name, ())]
        if not all(field in ALWAYS_SHARED or f"{resource}.{field}" in shared for field in needed):
            problems[where] = [Problem("field_not_shared", message)]
        elif name in items and isinstance(value, list):
            item_resource, item_writable = items[name]
            for index, item in enumerate(value):
                problems.update(
                    _unreadable_writes(
                        item,
                        shared,
                        resource=item_resource,
                        writable=item_writable,
                        touches=None,
                        items=None,
                        path=f"{where}.{index}",
                    )
                )
    return problems


def shared_fields(request, resource: str) -> frozenset[str] | None:
    """The fields of ``resource`` this request may receive; None means all (staff)."""
    if request is None or api_key_of(request) is None:
        return None
    agreement = partner_agreement(request.user)
    if agreement is None:
        return ALWAYS_SHARED
    return ALWAYS_SHARED | agreement.shared_fields(resource)


class MinimisedFieldsMixin:
    """For serializers: leave out (not null: absent) the fields the partner's agreement does not share,
    and those no agreement shares (``staff_only``: who did what, as usernames)."""

    # The agreement's resource ("household"); empty: the answer is not minimised by the agreement.
    shared_resource: str = ""
    # A field whose name in the agreement differs from its name in the answer: {answer name: agreement
    # name}; "resource.field" for a field of another resource (a referral's case number).
    shared_as: dict[str, str] = {}
    # Never given to a partner's key: staff's usernames (recorded, approved, assigned, made by).
    staff_only: frozenset[str] = frozenset()
    # The members every answer has, for the schema (``required``); the others may be absent.
    always_given: frozenset[str] = ALWAYS_SHARED

    def get_fields(self):
        fields = super().get_fields()
        shared = agreement_field_names(self.context.get("request"))
        if shared is None:
            return fields
        return {
            name: field for name, field in fields.items() if name not in self.staff_only and self._shared(name, shared)
        }

    def _shared(self, name: str, shared: frozenset[str]) -> bool:
        if not self.shared_resource:
            return True
        agreed = self.shared_as.get(name, name)
        if "." in agreed:
            return agreed in shared
        return agreed in ALWAYS_SHARED or agreed in self.always_given or f"{self.shared_resource}.{agreed}" in shared


class MinimisedFieldsSchema(OpenApiSerializerExtension):
    """In the OpenAPI schema, only the members every partner receives are ``required`` in a minimised
    answer: the others may be absent (never null) when the caller's agreement does not share them."""

    target_class = "agencies.api.access.MinimisedFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "response" and "required" in schema:
            always = self.target.always_given
            schema["required"] = [name for name in schema["required"] if name in always]
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

"""What the OpenAPI schema says about errors and headers, shared by every API view."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from agencies.api.errors import ErrorSerializer, ValidationErrorSerializer
from agencies.api.idempotency import HEADER as IDEMPOTENCY_HEADER

ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description=_("Malformed or refused; nothing was saved.")),
    401: OpenApiResponse(
        ErrorSerializer,
        description=_(
            "No valid session, `Authorization: Token <key>` (staff) or `Authorization: Bearer rk_…` (partner)."
        ),
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description=_(
            "Not allowed: the user's role, or the API key lacks the scope the operation needs "
            "(`insufficient_scope`; operations naming no scope are for staff only)."
        ),
    ),
    404: OpenApiResponse(ErrorSerializer, description=_("No such record, or not one this user or key may see.")),
    409: OpenApiResponse(ErrorSerializer, description=_("The record changed since it was read: reload it.")),
    413: OpenApiResponse(ErrorSerializer, description=_("`request_too_large`: the body is over the size limit.")),
    415: OpenApiResponse(
        ErrorSerializer, description=_("`unsupported_media_type`: send the body as `Content-Type: application/json`.")
    ),
    422: OpenApiResponse(
        ErrorSerializer,
        description=_("`idempotency_key_reused`: this Idempotency-Key was sent before with another body."),
    ),
    429: OpenApiResponse(
        ErrorSerializer, description=_("`throttled`: too many requests; retry after `Retry-After` seconds.")
    ),
}
INVALID_FILTER = OpenApiResponse(
    ValidationErrorSerializer,
    description=_(
        "An invalid filter value; for a partner's key, also a filter on a field its data-sharing agreement does "
        "not share (`filter_not_shared`, the message lists the filters it may use)."
    ),
)

# Every operation can be refused for authentication, a key's scope, or throttling.
READ_ERRORS = (401, 403, 429)
WRITE_ERRORS = (400, 401, 403, 413, 415, 429)
POST_ERRORS = (*WRITE_ERRORS, 422)

IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (a UUID). A retry with the same key and body gets the first answer back "
        "(header `Idempotent-Replayed: true`) and changes nothing; the same key with another body: 422."
    ),
)


def with_errors(responses: dict, *statuses: int) -> dict:
    """The operation's own responses, plus the standard error responses ``statuses`` it does not describe itself."""
    return {**{status: ERRORS[status] for status in statuses}, **responses}


def id_parameter(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The %(what)s's `id` (a UUID).") % {"what": what}
    )

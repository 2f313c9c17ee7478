"""Error responses of the API, one shape for all (documented on ``ValidationErrorSerializer``).

Every error body has a stable ``code`` and a ``detail`` for people. A 400 adds every problem
twice: ``errors``, a flat list of ``{"path", "code", "message"}``, and ``fields``, the same
messages nested the way DRF nests them. Malformed input (DRF's own validation) and every refusal
by a service (``agencies.problems.Refused``: a registration's ``RegistrationInvalid``, a case
transition, assistance, a referral...) all come out this way.

Nothing under ``/api/`` answers HTML: an address that names no operation (a malformed id, a
mistyped path) is a problem 404 (``api_not_found``, the URLconf's last API route), and an error
raised outside any view (``handler400``/``403``/``404``/``500``) is a problem too. An exception a
view did not expect is a 500 problem that says nothing of its cause; the traceback goes to the log.
"""

import logging
import sys
from dataclasses import asdict, dataclass
from http import HTTPStatus

from django import db
from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from agencies.api.parsers import RequestTooLarge
from agencies.problems import Problem as ServiceProblem
from agencies.problems import Refused

# Lists of objects: a message about the list itself, or about one whole item, is a
# "non_field_errors" message at that level, as DRF places it.
OBJECT_LISTS = {"members", "documents"}


@dataclass(frozen=True)
class Problem:
    path: str
    code: str
    message: str


class RegistrationRejected(exceptions.ValidationError):
    """A service refused the request (``household_register`` or any other ``Refused``); carries its problems by path."""

    def __init__(self, problems: dict[str, list[ServiceProblem]]):
        self.problems = [
            Problem(path, problem.code, str(problem.message)) for path, found in problems.items() for problem in found
        ]
        super().__init__({path: [problem.message for problem in found] for path, found in problems.items()})


PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "/api/problems/"
API_PREFIX = "/api/"

# Unexpected exceptions are logged where Django logs its own 500s (mailed to admins, sent to monitoring).
request_logger = logging.getLogger("django.request")


class TooManyParameters(exceptions.ParseError):
    default_code = "too_many_parameters"
    default_detail = _("The request has more parameters or files than the server accepts.")


class BadRequest(exceptions.ParseError):
    """Django refused the request as suspicious (``SuspiciousOperation``); what it suspected is not told."""

    default_code = "bad_request"
    default_detail = _("The request was refused as malformed.")


class ServerError(exceptions.APIException):
    default_code = "server_error"
    default_detail = _(
        "The server failed to answer this request; the failure has been logged. Try again later: "
        "a POST sent with an Idempotency-Key is safe to retry."
    )


def problem_body(*, status_code: int, code: str, detail: str, instance: str = "", **extensions) -> dict:
    """An RFC 9457 problem details object, with our stable ``code`` and any extension members."""
    body = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return body


def api_exception_handler(exc, context):
    """DRF's handler, with every error body an RFC 9457 problem (``application/problem+json``).

    Members: ``type`` (``/api/problems/<code>``), ``title``, ``status``, ``detail``, ``instance``
    (the request path) and our stable ``code``; a 400 adds ``errors`` and ``fields``.
    """
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, Refused):
        exc = RegistrationRejected(exc.problems)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = TooManyParameters()
    elif isinstance(exc, SuspiciousOperation):
        exc = BadRequest()
    response = exception_handler(exc, context)
    if response is None:
        return unexpected_exception_response(exc, request=getattr(request, "_request", request))
    instance = request.path if request is not None else ""
    if response.status_code == status.HTTP_400_BAD_REQUEST:
        problems = exc.problems if isinstance(exc, RegistrationRejected) else problems_from_detail(exc.detail)
        body = validation_error_body(problems, code=exc.default_code)
        response.data = problem_body(
            status_code=400, code=body.pop("code"), detail=body.pop("detail"), instance=instance, **body
        )
    else:
        messages = problems_from_detail(exc.detail)
        response.data = problem_body(
            status_code=response.status_code,
            code=messages[0].code if len(messages) == 1 else exc.default_code,
            detail=" ".join(problem.message for problem in messages),
            instance=instance,
        )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


# When the database is unreachable (restarting, failing over, the network between): every request
# that needs it gets a 503 saying so, with Retry-After, rather than a 500; nothing was saved (the
# transaction never committed). Django checks a kept connection before each request
# (CONN_HEALTH_CHECKS), so the app reconnects by itself once the database is back.
DATABASE_RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, db.OperationalError | db.InterfaceError)


def database_unavailable_response(request) -> HttpResponse:
    """The 503 of a request that found no database: problem details under /api/, else a page that
    needs nothing from the database (no user, no session)."""
    request_logger.warning("Database unavailable: %s", request.path if request is not None else "")
    if request is None or request.path_info.startswith(API_PREFIX):
        response = problem_response(
            request,
            status_code=503,
            code="database_unavailable",
            detail=_("The database cannot be reached just now; nothing was saved. Try again in a minute."),
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response._has_been_logged = True
    return response


def unexpected_exception_response(exc: BaseException, *, request) -> JsonResponse:
    """A 500 problem for an exception no view expected: logged with its traceback, told to nobody.

    Whatever the failed request wrote is rolled back (as DRF does for its own errors). Listeners of
    ``got_request_exception`` hear of it as of any unhandled exception: the test client re-raises
    it, so a test meets the bug itself rather than a 500.
    """
    set_rollback()
    if database_unavailable(exc):
        return database_unavailable_response(request)
    request_logger.error(
        "Internal Server Error: %s",
        request.path if request is not None else "",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500, "request": request},
    )
    signals.got_request_exception.send(sender=None, request=request)
    response = problem_response(
        request, status_code=500, code=ServerError.default_code, detail=ServerError.default_detail
    )
    response._has_been_logged = True  # Django's handler would log it again, without the traceback
    return response


def problem_response(request, *, status_code: int, code: str, detail: str) -> JsonResponse:
    body = problem_body(
        status_code=status_code, code=code, detail=str(detail), instance=request.path if request is not None else ""
    )
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


@csrf_exempt  # it changes nothing: a POST answers 404 like a GET, not a CSRF failure page
def api_not_found(request, *args, **kwargs):
    """The last route under ``/api/``: an address that names no operation is a problem 404, whatever
    the method (a malformed id such as ``households/not-a-uuid/``, a mistyped or retired path).

    Without its trailing slash, an address that exists with one is redirected to it, as Django's
    ``APPEND_SLASH`` does elsewhere; only for GET and HEAD, since a redirected POST would lose its body.
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return problem_response(
        request,
        status_code=404,
        code=exceptions.NotFound.default_code,
        detail=gettext("No operation of the API has this address: check the path, and that ids are UUIDs."),
    )


# Errors raised outside any view (by a middleware, or by Django before a view is found): a problem
# under /api/, Django's own page elsewhere. The URLconf names these as its handler400/403/404/500.


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if request.path_info.startswith(API_PREFIX):
        return problem_response(
            request, status_code=400, code=BadRequest.default_code, detail=BadRequest.default_detail
        )
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if request.path_info.startswith(API_PREFIX):
        return problem_response(
            request,
            status_code=403,
            code=exceptions.PermissionDenied.default_code,
            detail=exceptions.PermissionDenied.default_detail,
        )
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if request.path_info.startswith(API_PREFIX):
        return api_not_found(request)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    # Django calls this while handling the exception: it is the one being handled.
    if database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    if request.path_info.startswith(API_PREFIX):
        return problem_response(
            request, status_code=500, code=ServerError.default_code, detail=ServerError.default_detail
        )
    return defaults.server_error(request, template_name)


def validation_error_body(problems: list[Problem], *, code: str = "invalid") -> dict:
    return {
        "code": code,
        "detail": ngettext("%(count)d problem found.", "%(count)d problems found.", len(problems))
        % {"count": len(problems)},
        "errors": [asdict(problem) for problem in problems],
        "fields": nested_messages(problems),
    }


def problems_from_detail(detail, path: str = "") -> list[Problem]:
    """Flatten DRF's nested ``ValidationError.detail`` to problems with dotted paths and codes."""
    non_field_key = api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            key = str(key)
            found += problems_from_detail(value, path if key in (non_field_key, "__all__") else _join(path, key))
        return found
    if isinstance(detail, list):
        if any(isinstance(item, dict | list) for item in detail):
            # A list serializer's errors: one entry per item, empty for valid items.
            found = []
            for index, item in enumerate(detail):
                found += problems_from_detail(item, _join(path, str(index)))
            return found
        return [Problem(path, getattr(item, "code", None) or "invalid", str(item)) for item in detail]
    return [Problem(path, getattr(detail, "code", None) or "invalid", str(detail))]


def nested_messages(problems: list[Problem]) -> dict:
    """The messages nested by path: ``members.1.date_of_birth`` -> ``{"members": {"1": {"date_of_birth": [...]}}}``."""
    non_field_key = api_settings.NON_FIELD_ERRORS_KEY
    tree: dict = {}
    for problem in problems:
        keys = problem.path.split(".") if problem.path else []
        if _is_object(keys):
            keys.append(non_field_key)
        node = tree
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if isinstance(child, list):  # a field with messages of its own and about its parts
                child = node[key] = {non_field_key: child}
            node = child
        leaf = node.setdefault(keys[-1], [])
        if isinstance(leaf, dict):
            leaf = leaf.setdefault(non_field_key, [])
        leaf.append(problem.message)
    return tree


def _is_object(keys: list[str]) -> bool:
    """The request itself, a list of objects, or one item of such a list."""
    if not keys or keys[-1] in OBJECT_LISTS:
        return True
    return len(keys) > 1 and keys[-1].isdigit() and keys[-2] in OBJECT_LISTS


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def problem_responses_in_schema(result, generator, request, public):
    """drf-spectacular postprocessing hook: every error response is documented as
    ``application/problem+json``, the media type ``api_exception_handler`` answers with."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for status_code, response in operation.get("responses", {}).items():
                content = response.get("content") if isinstance(response, dict) else None
                if str(status_code)[0] in "45" and content and "application/json" in content:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
    return result


# ---------------------------------------------------------------------------------------------
# The shape of errors, for the OpenAPI schema.
# ---------------------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text=_('Dotted path of the field, list items by index: "members.1.date_of_birth"; "" for the request.')
    )
    code = serializers.CharField(help_text=_("Stable, machine-readable: born_after_arrival, required, invalid..."))
    message = serializers.CharField(help_text=_("For people, in the request's language."))


class ErrorSerializer(serializers.Serializer):
    """Every error response: a stable ``code`` (not_authenticated, permission_denied, not_found...) and a ``detail``
    for people."""

    code = serializers.CharField()
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    """A 400: the request was not accepted and nothing was saved.

    Every problem, whether a malformed value caught while parsing (``code`` ``invalid``,
    ``required``, ``max_length``...) or a registration rule (``born_after_arrival``,
    ``no_head``, ``refugee_card_expired``...), appears twice:

    - ``errors``: a flat list of ``{"path", "code", "message"}``, for programs. ``path`` is dotted,
      list items by index (``members.1.date_of_birth``, ``members.0.documents.0.expiry_date``);
      ``""`` is the request as a whole.
    - ``fields``: the messages nested as DRF nests them, for showing beside each field:
      ``{"arrival_date": ["..."], "members": {"1": {"date_of_birth": ["..."]}}}``. Messages about a
      list of members or documents as a whole (``no_head``) and about the whole request go under
      ``non_field_errors`` at their level: ``{"members": {"non_field_errors": ["..."]}}``.

    ``code`` is ``invalid``; ``detail`` says how many problems there are.
    """

    errors = ProblemSerializer(many=True)

    def get_fields(self):
        # "fields" is a Serializer attribute, so the field of that name is added here.
        declared = super().get_fields()
        declared["fields"] = serializers.DictField(help_text=_("The messages of “errors”, nested by path."))
        return declared

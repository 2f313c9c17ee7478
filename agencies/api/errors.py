"""Error responses of the API, one shape for all (documented on ``ValidationErrorSerializer``).

Every error body has a stable ``code`` and a ``detail`` for people. A 400 adds every problem
twice: ``errors``, a flat list of ``{"path", "code", "message"}``, and ``fields``, the same
messages nested the way DRF nests them. Malformed input (DRF's own validation) and every refusal
by a service (``agencies.problems.Refused``: a registration's ``RegistrationInvalid``, a case
transition, assistance, a referral...) all come out this way.
"""

from dataclasses import asdict, dataclass
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

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
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, Refused):
        exc = RegistrationRejected(exc.problems)
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
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

"""The API reads JSON bodies only, and only bodies a request could need.

Every answer to a body it cannot read is a problem (``agencies.api.errors``), never a 500:

- malformed JSON, or text not in the request's charset: 400 ``parse_error``;
- ``NaN`` or ``Infinity``, which JSON does not have: 400 ``parse_error``;
- arrays and objects nested deeper than ``MAX_DEPTH``: 400 ``json_too_deep``. The deepest request
  (a registration: household, members, a member, documents, a document) is five levels; the limit
  leaves room, and stops bodies built to exhaust the parser's recursion or the serializers';
- a body longer than ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413 ``request_too_large``.
  ``RequestSizeLimitMiddleware`` refuses most of them by their ``Content-Length`` before they are
  read; the parser reads at most one byte more than the limit, whatever the headers said.
"""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, *, limit: int):
        super().__init__(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})


class JsonTooDeep(exceptions.ParseError):
    default_code = "json_too_deep"

    def __init__(self):
        super().__init__(
            _("The JSON is nested more than %(depth)d levels deep; no request needs that many.") % {"depth": MAX_DEPTH}
        )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, strict (no ``NaN``), bounded in size and in depth."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(limit=limit)
        try:
            parsed = json.loads(raw.decode(encoding), parse_constant=strict_constant)
        except RecursionError:
            raise JsonTooDeep from None
        except (ValueError, LookupError) as error:
            raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error}) from None
        if nesting_exceeds(parsed, MAX_DEPTH):
            raise JsonTooDeep
        return parsed


def nesting_exceeds(value, depth: int) -> bool:
    """Whether ``value`` holds arrays or objects more than ``depth`` levels deep (without recursion)."""
    level = [value] if isinstance(value, dict | list) else []
    for _level in range(depth):
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return bool(level)

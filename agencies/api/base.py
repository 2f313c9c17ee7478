"""The base of every API view: errors in one shape, scopes named per method, reads in the access log."""

from rest_framework import generics

from agencies.access_log import access_note
from agencies.api import schema  # noqa: F401 - registers the API key authentication with the schema generator
from agencies.api.errors import api_exception_handler

# ``access_kind`` not chosen yet: every API view says which kind of personal record it serves, or
# None when it serves none (``tests/test_every_url.py`` finds a view that forgot).
UNSET = "unset"


class ApiView(generics.GenericAPIView):
    """Base of the API's views: every error in the shape of ``agencies.api.errors``.

    Subclasses name the scope a partner's key needs per method in ``required_scopes``; the
    permissions are the settings' defaults (authenticated, ``ScopeRequired``) plus ``extra_permissions``.
    """

    required_scopes: dict[str, str] = {}
    extra_permissions: tuple = ()
    access_kind: str | None = UNSET

    def get_exception_handler(self):
        return api_exception_handler

    def get_permissions(self):
        return [*super().get_permissions(), *(permission() for permission in self.extra_permissions)]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.access_kind and self.access_kind != UNSET and response.status_code < 400:
            access_note(request, kind=self.access_kind, ids=self.access_record_ids(response))
        return response

    def access_record_ids(self, response) -> list:
        """The records this answer is about, for the access log: the one in the path (a household, a
        case and its events, an assistance being decided), or else those in the answer (a list page,
        a household just registered)."""
        if path_id := self.kwargs.get("id"):
            return [path_id]
        return access_answer_ids(response)


def access_answer_ids(response) -> list:
    """The ``id`` of each record in an answer: a page's ``results``, or the one record answered."""
    data = getattr(response, "data", None)
    rows = data.get("results", [data]) if isinstance(data, dict) else data if isinstance(data, list) else []
    return [row["id"] for row in rows if isinstance(row, dict) and row.get("id")]

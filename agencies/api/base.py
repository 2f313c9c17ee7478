"""The base of every API view: errors in one shape, scopes named per method."""

from rest_framework import generics

from agencies.api import schema  # noqa: F401 - registers the API key authentication with the schema generator
from agencies.api.errors import api_exception_handler


class ApiView(generics.GenericAPIView):
    """Base of the API's views: every error in the shape of ``agencies.api.errors``.

    Subclasses name the scope a partner's key needs per method in ``required_scopes``; the
    permissions are the settings' defaults (authenticated, ``ScopeRequired``) plus ``extra_permissions``.
    """

    required_scopes: dict[str, str] = {}
    extra_permissions: tuple = ()

    def get_exception_handler(self):
        return api_exception_handler

    def get_permissions(self):
        return [*super().get_permissions(), *(permission() for permission in self.extra_permissions)]

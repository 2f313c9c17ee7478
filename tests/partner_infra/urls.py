"""The project's URLs plus one probe, to test authentication and throttling apart from any resource."""

from django.urls import path
from rest_framework import status
from rest_framework.response import Response

from agencies.api.access import api_key_of
from agencies.api.base import ApiView
from config.urls import urlpatterns as project_urlpatterns

PROBE_URL = "/api/v1/probe/"


class ProbeView(ApiView):
    """Says who the request acts as; a key needs ``households:read`` to read, ``households:write`` to post."""

    required_scopes = {"GET": "households:read", "POST": "households:write"}

    def get(self, request):
        key = api_key_of(request)
        return Response({"username": request.user.username, "key": key.prefix if key else None})

    def post(self, request):
        return Response({"received": request.data}, status=status.HTTP_201_CREATED)


urlpatterns = [path(PROBE_URL.lstrip("/"), ProbeView.as_view()), *project_urlpatterns]

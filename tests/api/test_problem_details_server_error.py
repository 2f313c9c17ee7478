"""An exception nobody expected is a 500 problem that tells the client nothing of its cause and
leaves the traceback in the log.

This module is also the URLconf of its tests: one API view that fails as a bug would.
"""

import logging

import pytest
from django.urls import path
from rest_framework.test import APIClient

from agencies.api.base import ApiView
from tests.problems import problem_of

SERVER_ERROR = (
    "The server failed to answer this request; the failure has been logged. Try again later: "
    "a POST sent with an Idempotency-Key is safe to retry."
)


class FailingView(ApiView):
    """A bug: the kind of exception no view expects."""

    permission_classes = []
    authentication_classes = []

    def get(self, request):
        raise ZeroDivisionError("the secret cause")


urlpatterns = [path("api/v1/failing/", FailingView.as_view())]
pytestmark = pytest.mark.urls(__name__)


def test_an_unexpected_exception_is_a_500_problem_that_keeps_its_cause_in_the_log(db, caplog):
    client = APIClient(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/failing/")

    assert response.status_code == 500
    assert problem_of(response) == {"code": "server_error", "detail": SERVER_ERROR}
    assert b"secret" not in response.content
    [record] = [record for record in caplog.records if record.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /api/v1/failing/"
    assert record.exc_info[0] is ZeroDivisionError
    assert record.status_code == 500


def test_the_test_client_still_meets_the_bug_itself(db):
    with pytest.raises(ZeroDivisionError, match="the secret cause"):
        APIClient().get("/api/v1/failing/")

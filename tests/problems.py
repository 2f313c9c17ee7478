"""Reading RFC 9457 problem details in tests."""

from http import HTTPStatus

RFC_MEMBERS = ("type", "title", "status", "instance")


def problem_of(response) -> dict:
    """Check the RFC 9457 members of an error response and return the rest of its body.

    Every API error is ``application/problem+json`` with ``type`` ``/api/problems/<code>``, the
    status's ``title``, the ``status`` and the request path as ``instance``.
    """
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/api/problems/{body['code']}"
    assert body["title"] == HTTPStatus(response.status_code).phrase
    assert body["status"] == response.status_code
    assert body["instance"] == response.request["PATH_INFO"]
    return {key: value for key, value in body.items() if key not in RFC_MEMBERS}

"""Failed log-ins lock an account, and an address, for a while (django-axes, with our two limits).

A username is locked after ``AXES_FAILURE_LIMIT`` failures (10), an address after
``LOGIN_ADDRESS_FAILURE_LIMIT`` failures across usernames (50, well above one person's mistakes,
so that an office behind one address is not locked out by one colleague). Failures count for
``AXES_COOLOFF_TIME``; while locked, even the right password is refused. The address is the one
``agencies.client_address`` gives (X-Forwarded-For only behind our own proxy).
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes compares one number to ``AXES_FAILURE_LIMIT``: the username's failures, or the limit
    itself once the address has reached its own, higher limit."""

    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_username, settings.AXES_FAILURE_LIMIT)
        return by_username


def lockout_response(request, original_response=None, credentials=None):
    """The log-in page, saying in words why it refuses and for how long (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )

"""How long a log-in lasts: ``SESSION_IDLE_TIMEOUT`` without a request, ``SESSION_ABSOLUTE_TIMEOUT`` in all.

The time of log-in and of the last request are kept in the session. The last request is written
at most once a minute, so an active session is saved once a minute, not on every request (the
cookie's and the stored session's own expiry, ``SESSION_COOKIE_AGE``, are the idle timeout too).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

from agencies.middleware import LoginRequiredMiddleware

LOGIN_AT_KEY = "login_at"
SEEN_AT_KEY = "seen_at"
SEEN_RESOLUTION = 60  # seconds


def session_start(sender, request, user, **kwargs) -> None:
    """Stamp a fresh log-in (on ``user_logged_in``, whichever page or test logged the person in)."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT_KEY] = now
    request.session[SEEN_AT_KEY] = now


def logout_confirm(sender, request, user, **kwargs) -> None:
    """Say so on the log-in page (on ``user_logged_out``), unless a timeout already says why."""
    if request is not None and user is not None and not getattr(request, "session_expired", False):
        messages.info(request, _("You are logged out."), fail_silently=True)


def session_expiry_reason(session, now: float) -> str | None:
    login_at, seen_at = session.get(LOGIN_AT_KEY), session.get(SEEN_AT_KEY)
    if login_at is not None and now - login_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
        hours = settings.SESSION_ABSOLUTE_TIMEOUT // 3600
        return _("You were logged out: a session lasts at most %(hours)d hours. Log in again.") % {"hours": hours}
    if seen_at is not None and now - seen_at >= settings.SESSION_IDLE_TIMEOUT:
        minutes = settings.SESSION_IDLE_TIMEOUT // 60
        return _("You were logged out after %(minutes)d minutes without activity. Log in again.") % {"minutes": minutes}
    return None


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            reason = session_expiry_reason(request.session, now)
            if reason is not None:
                request.session_expired = True
                logout(request)
                if request.path_info.startswith(LoginRequiredMiddleware.api_prefix):
                    return self.get_response(request)  # now anonymous: the API answers 401 itself
                messages.info(request, reason)
                return redirect_to_login(request.get_full_path())
            if LOGIN_AT_KEY not in request.session:  # a session from before this check existed
                request.session[LOGIN_AT_KEY] = int(now)
            if now - request.session.get(SEEN_AT_KEY, 0) >= SEEN_RESOLUTION:
                request.session[SEEN_AT_KEY] = int(now)
        return self.get_response(request)

"""Anonymous visitors reach only the login page, health checks and static files.

Django's LoginRequiredMiddleware redirects every other page to the login page. The API answers
for itself (401 with a JSON body rather than a redirect), so it is left to DRF's authentication.
"""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from agencies import calendars
from agencies.api.errors import PROBLEM_CONTENT_TYPE, problem_body


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    api_prefix = "/api/"

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(self.api_prefix):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RequestSizeLimitMiddleware:
    """Refuse an API request whose body is larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, as a problem)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.path_info.startswith(LoginRequiredMiddleware.api_prefix) and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                body = problem_body(
                    status_code=413,
                    code="request_too_large",
                    detail=_("The request body is larger than %(limit)d bytes.") % {"limit": limit},
                    instance=request.path,
                )
                return JsonResponse(body, status=413, content_type=PROBLEM_CONTENT_TYPE)
        return self.get_response(request)


class PreferencesMiddleware:
    """The logged-in person's language, calendar and digits, for the length of the request.

    After the authentication middleware (Django's locale middleware runs before it and can only read
    the cookie and the browser's languages). A person who chose a language gets it on every device;
    without a calendar of their own, dates follow the language (Solar Hijri in Dari and Pashto).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and user.language and user.language != request.LANGUAGE_CODE:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        token = calendars.activate(*calendars.preference_for(user)) if signed_in else calendars.activate(None)
        try:
            return self.get_response(request)
        finally:
            calendars.deactivate(token)

"""Anonymous visitors reach only the login page, health checks and static files.

Django's LoginRequiredMiddleware redirects every other page to the login page. The API answers
for itself (401 with a JSON body rather than a redirect), so it is left to DRF's authentication.
"""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import JsonResponse
from django.utils.translation import gettext as _

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

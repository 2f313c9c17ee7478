"""Anonymous visitors reach only the login page, health checks and static files.

Django's LoginRequiredMiddleware redirects every other page to the login page. The API answers
for itself (401 with a JSON body rather than a redirect), so it is left to DRF's authentication.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    api_prefix = "/api/"

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(self.api_prefix):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from agencies import views as agencies_views
from agencies.api import errors as api_errors
from config import api_docs, health
from reports import views as report_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("agencies.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.SwaggerUIView.as_view(), name="api-docs"),
    path("api/redoc/", api_docs.RedocView.as_view(), name="api-redoc"),
    path("api/v1/", include("returns.api.urls")),
    path("api/v1/", include("reports.api.urls")),
    # Any other address under /api/ (a malformed id, a mistyped path): a problem 404, never an HTML page.
    re_path(r"^api/", api_errors.api_not_found, name="api-not-found"),
    # The language switch: Django's, which also remembers the choice in the person's account.
    path("i18n/setlang/", agencies_views.language_set, name="set_language"),
    # The home page: the joint report for coordinators, the households list for everyone else. Before
    # the returns pages, so that it answers "/" (``returns:home`` still names the same address).
    path("", report_views.home, name="home"),
    path("", include("reports.urls")),
    path("", include("returns.urls")),
]

# Errors raised outside the views: problem details under /api/, the site's pages elsewhere.
handler400 = api_errors.bad_request
handler403 = api_errors.permission_denied
handler404 = api_errors.page_not_found
handler500 = api_errors.server_error

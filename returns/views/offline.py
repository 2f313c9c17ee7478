"""The registration page as an installable web app that keeps working offline.

The service worker (``returns/templates/returns/offline/sw.js``) is served from the registration
page's own address, so that its scope is that page; the manifest makes the page installable on a
tablet's home screen. Neither holds personal data: both are public, like the static files they name.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from returns.views.households import QUEUED_OFFLINE

# What the registration page loads: kept by the service worker, so the page opens offline.
PAGE_ASSETS = (
    "css/app.css",
    "js/app.js",
    "js/register.js",
    "js/offline-store.js",
    "js/offline-register.js",
    "fonts/vazirmatn-arabic-regular.woff2",
    "fonts/vazirmatn-arabic-bold.woff2",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
)


@login_not_required
@require_GET
@never_cache
def service_worker(request):
    assets = [static(path) for path in PAGE_ASSETS]
    # A new cache for every release whose files changed (their hashed names change).
    version = hashlib.sha256("\n".join(assets).encode()).hexdigest()[:12]
    script = render_to_string(
        "returns/offline/sw.js",
        {
            "page": json.dumps(reverse("returns:household-register")),
            "assets": json.dumps(assets),
            "cache": json.dumps(f"returns-register-{version}"),
            "store": json.dumps(static("js/offline-store.js")),
            "queued_mark": json.dumps(QUEUED_OFFLINE),
        },
    )
    return HttpResponse(script, content_type="application/javascript; charset=utf-8")


@login_not_required
@require_GET
def manifest(request):
    page = reverse("returns:household-register")
    language = request.LANGUAGE_CODE
    return JsonResponse(
        {
            "name": _("Returnee registration"),
            "short_name": _("Returns"),
            "description": _("Register arriving households, also without a connection."),
            "lang": language,
            "dir": "rtl" if language in settings.LANGUAGES_BIDI else "ltr",
            "start_url": page,
            "scope": page,
            "display": "standalone",
            "background_color": "#f2f4f7",
            "theme_color": "#0b4f8a",
            "icons": [
                {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )

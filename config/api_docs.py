"""Swagger UI and ReDoc for the API, served by the app itself (the sidecar's files, no CDN).

Both pages hold no data (the schema is public too) and live under the site's Content Security
Policy, which allows scripts and styles from 'self' only:

- Swagger UI is drf-spectacular's split view: the page loads its init script from the view itself
  (``?script``) instead of inlining it, and its few page styles come from a static file.
- ReDoc renders with styled-components, which inject ``<style>`` elements at run time. Its page
  loads a static init script that hands ReDoc this request's CSP nonce (its ``nonce`` option), and
  the policy of this one page adds the nonce to ``style-src``: only style elements carrying it
  apply. ``script-src`` stays ``'self'``.
"""

from django.conf import settings
from django.utils.csp import CSP
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

# The one stylesheet ReDoc's bundle injects as it loads, before it can be given the nonce
# (perfect-scrollbar's CSS), allowed by its hash; and the empty <style> it first inserts. These
# follow the pinned drf-spectacular-sidecar: after an upgrade the docs browser test fails and the
# console message names the new hash.
REDOC_STYLE_HASHES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
]


class SwaggerUIView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"
    url_name = "api-schema"


class RedocView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"
    url_name = "api-schema"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        policy = dict(settings.SECURE_CSP)
        policy["style-src"] = [*policy.get("style-src", [CSP.SELF]), CSP.NONCE, *REDOC_STYLE_HASHES]
        # ReDoc runs its search index in a web worker that it builds from a blob: URL.
        policy["worker-src"] = [CSP.SELF, "blob:"]
        response._csp_config = policy  # read by ContentSecurityPolicyMiddleware, as csp_override does
        return response

"""How the OpenAPI schema describes partners' API keys (``agencies.authentication.ApiKeyAuthentication``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rk_<prefix>_<secret>",
            "description": (
                "A partner's API key: `Authorization: Bearer rk_…` (or `X-Api-Key: rk_…`). What it may do is the "
                "intersection of its scopes and its organisation's data-sharing agreement."
            ),
        }

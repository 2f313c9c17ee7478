"""API authentication for staff: ``Authorization: Token <key>`` (``manage.py issue_token``)."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class StaffTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, loading the user's agency and office in the same query."""

    def authenticate_credentials(self, key):
        from django.utils.translation import gettext_lazy as _
        from rest_framework import exceptions

        try:
            token = Token.objects.select_related("user__agency", "user__office").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)

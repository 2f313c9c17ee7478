"""Print a user's API token (``Authorization: Token <key>``), creating it if needed."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print the API token of a user, creating it if missing. --rotate replaces it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the token: the old key stops working at once.",
        )

    def handle(self, *args, username: str, rotate: bool, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(username=username)
        except user_model.DoesNotExist:
            raise CommandError(_("No user named “%(username)s”.") % {"username": username}) from None
        if not user.is_active:
            raise CommandError(
                _("The user “%(username)s” is inactive: a token would not work.") % {"username": username}
            )
        with transaction.atomic():
            if rotate:
                Token.objects.filter(user=user).delete()
            token, created = Token.objects.get_or_create(user=user)
        # Only the key goes to stdout, so that scripts can capture it.
        self.stdout.write(token.key)
        if rotate:
            self.stderr.write(_("New token for %(username)s; the old one no longer works.") % {"username": username})
        elif created:
            self.stderr.write(_("New token for %(username)s.") % {"username": username})

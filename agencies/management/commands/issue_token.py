"""Issue a staff API token (``Authorization: Token <key>``) and print it, once.

Only the token's hash is stored, so the token cannot be shown again: the last line of stdout is
the token (48 hexadecimal characters), for scripts to capture; messages go to stderr.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.problems import Refused
from agencies.staff_tokens import staff_token_issue


class Command(BaseCommand):
    help = "Issue a new API token for a user and print it (shown once). --rotate revokes the user's other tokens."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Revoke the user's other tokens: they stop working at once."
        )
        parser.add_argument("--days", type=int, default=None, help="Days until the token expires (STAFF_TOKEN_DAYS).")
        parser.add_argument("--name", default="", help="What will use the token, shown on the user's account page.")

    def handle(self, *args, username: str, rotate: bool, days: int | None, name: str, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(username=username)
        except user_model.DoesNotExist:
            raise CommandError(_("No user named “%(username)s”.") % {"username": username}) from None
        if days is not None and days < 1:
            raise CommandError(_("A token lasts at least one day (--days 1 or more)."))
        expires_at = timezone.now() + datetime.timedelta(days=days) if days is not None else None
        try:
            token, key = staff_token_issue(user=user, name=name, expires_at=expires_at, replace=rotate)
        except Refused as refused:
            raise CommandError(
                " ".join(str(problem.message) for problems in refused.problems.values() for problem in problems)
            ) from None
        self.stderr.write(
            _("New token for %(username)s, valid until %(expires)s. It is shown only now.")
            % {"username": username, "expires": timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")}
        )
        if rotate:
            self.stderr.write(_("The user's other tokens no longer work."))
        # Only the key goes to stdout, on the last line, so that scripts can capture it.
        self.stdout.write(key)

"""Issue a partner's API key and print it, once (``Authorization: Bearer rk_…``).

python manage.py issue_api_key NRC --name "NRC case sync" --scope households:read --scope cases:read
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.api_keys import api_key_issue
from agencies.models import Agency, Scope, User
from agencies.problems import Refused


class Command(BaseCommand):
    help = "Issue an API key for a partner organisation and print it. It is shown only this once."

    def add_arguments(self, parser):
        parser.add_argument("partner", help="The partner agency's code, e.g. NRC.")
        parser.add_argument("--name", required=True, help="What uses the key, e.g. “NRC case sync”.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            choices=Scope.values,
            help="A scope the key holds; repeat for several.",
        )
        parser.add_argument("--expires-in-days", type=int, default=None, help="Expire after so many days.")
        parser.add_argument("--requests-per-minute", type=int, default=600)
        parser.add_argument(
            "--issued-by",
            default=None,
            help="The administrator recorded as issuing it (default: the first active administrator).",
        )

    def handle(self, *args, partner, name, scopes, expires_in_days, requests_per_minute, issued_by, **options):
        try:
            agency = Agency.objects.get(code=partner)
        except Agency.DoesNotExist:
            raise CommandError(_("No agency with the code “%(code)s”.") % {"code": partner}) from None
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError(_("--expires-in-days must be at least 1."))
        expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
        try:
            key, full_key = api_key_issue(
                partner=agency,
                name=name,
                scopes=scopes,
                expires_at=expires_at,
                requests_per_minute=requests_per_minute,
                issued_by=self._administrator(issued_by),
            )
        except (PermissionDenied, Refused) as refused:
            raise CommandError(_describe(refused)) from None
        # Only the key goes to stdout, so that scripts can capture it.
        self.stdout.write(full_key)
        self.stderr.write(
            _("API key %(prefix)s… for %(partner)s (%(scopes)s). Copy it now: it will not be shown again.")
            % {"prefix": key.prefix, "partner": agency.code, "scopes": ", ".join(key.scopes)}
        )

    def _administrator(self, username: str | None) -> User:
        administrators = User.objects.filter(Q(is_superuser=True) | Q(role=User.Role.ADMIN), is_active=True)
        if username is not None:
            found = administrators.filter(username=username).first()
            if found is None:
                raise CommandError(_("“%(username)s” is not an active administrator.") % {"username": username})
            return found
        found = administrators.order_by("pk").first()
        if found is None:
            raise CommandError(_("There is no active administrator to record as issuing the key: create one first."))
        return found


def _describe(refused: Exception) -> str:
    if isinstance(refused, Refused):
        return " ".join(
            f"{path}: {problem.message}" for path, problems in refused.problems.items() for problem in problems
        )
    return str(refused)

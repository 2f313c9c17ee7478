"""``manage.py erase_person <member id> --reason "..." --by <username>``: erase one person's personal
data on their request (``returns.services.retention.member_erase``); money and counts stay."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from agencies.access_log import Action, Kind, access_log_write
from agencies.models import User
from returns.management.commands.export_person import member_by_public_id
from returns.registration import RegistrationInvalid
from returns.services.retention import member_erase


class Command(BaseCommand):
    help = "Erase one person's names, birth date, document numbers and the notes about them; keep the figures."

    def add_arguments(self, parser):
        parser.add_argument("member", help="The member's public id (a UUID).")
        parser.add_argument("--reason", required=True, help="Why (the request); kept in the household's history.")
        parser.add_argument("--by", required=True, help="The username of the person who erases it (recorded).")

    def handle(self, *args, member, reason, by, **options):
        person = member_by_public_id(member)
        try:
            erased_by = User.objects.get(username=by, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {by!r}: give your own username with --by.") from None
        try:
            member_erase(member=person, erased_by=erased_by, reason=reason)
        except PermissionDenied as refusal:
            raise CommandError(str(refusal)) from None
        except RegistrationInvalid as refusal:
            raise CommandError(
                " ".join(problem.message for problems in refusal.problems.values() for problem in problems)
            ) from None
        access_log_write(
            command="erase_person", kind=Kind.PERSON, ids=[person.public_id], action=Action.CHANGE, user=erased_by
        )
        self.stdout.write(f"Erased the personal data of {person.public_id}; the household's history records it.")

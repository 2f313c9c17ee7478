"""``manage.py export_person <member id>``: everything held about one person, as JSON (a request to see it)."""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from agencies.access_log import Action, Kind, access_log_write
from returns.models import Member
from returns.services.retention import person_record


def member_by_public_id(value: str) -> Member:
    """The person with this public id, or a refusal that says what to check."""
    try:
        public_id = uuid.UUID(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a person's id: give the member's public id (a UUID).") from None
    try:
        return Member.objects.get(public_id=public_id)
    except Member.DoesNotExist:
        raise CommandError(
            f"No person with the id {public_id}: give a member's public id (the member's id in the API)."
        ) from None


class Command(BaseCommand):
    help = "Write everything held about one person (member, household, documents, cases, history) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("member", help="The member's public id (a UUID).")
        parser.add_argument("--output", help="Write to this file instead of the standard output.")

    def handle(self, *args, member, output=None, **options):
        person = member_by_public_id(member)
        record = json.dumps(person_record(member=person), cls=DjangoJSONEncoder, indent=2)
        access_log_write(command="export_person", kind=Kind.PERSON, ids=[person.public_id], action=Action.EXPORT)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(record + "\n")
            self.stderr.write(f"Written to {output}.")
        else:
            self.stdout.write(record)

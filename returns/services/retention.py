# ruff: noqa: S608 - every statement here names tables from the models; values go as parameters
"""Retention: personal data is kept while it is needed, then anonymised; every figure stays.

A household whose cases have all been closed (or that was withdrawn) for longer than
``settings.RETENTION_CLOSED_CASE_DAYS`` is anonymised by the nightly job
(``households_anonymise_due``); one person's data is erased on request by ``member_erase``. Both
write in bulk SQL and replace, never delete: the rows that carry money, counts and history stay, so
the joint report counts the same people, by the same sex, age band, status, place and month.

What is replaced: names (given, father's, family, local), a date of birth (kept as the age on
arrival in ``estimated_age``, which is what the report's age bands read when there is no date),
the phone, document numbers, a VRF family number, and free text written about the household
(event notes, reasons, responses, assistance and interview notes): free text cannot be searched
for what identifies a person, so it all goes, except the routing explanation (the rule's words).
A correction note keeps which fields changed and the province codes, not the old phone numbers.

Files kept for a while go sooner (``files_expire``, nightly): an export job's file
``EXPORT_FILE_DAYS`` after it was written, an import's uploaded file ``IMPORT_FILE_DAYS`` after the
import ended (kept meanwhile so that the rows with problems can be downloaded and corrected). The
records of both stay (who asked, when, how many rows); only the bytes go.

History is append-only (the triggers of ``returns/migrations/0018_…``); the triggers of 0019 let
an UPDATE of only its free text through when the transaction has said
``SET LOCAL returns.anonymising = 'on'``, which only ``_anonymising`` here does.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.access_log import Action, Kind, access_log_write
from agencies.models import User
from returns import policy
from returns.models import (
    Assistance,
    Case,
    CaseEvent,
    DeletedRecord,
    ExportJob,
    Family,
    Household,
    HouseholdEvent,
    ImportBatch,
    Member,
    MemberDocument,
    MemberEntitlement,
    MonitoringInterview,
    Referral,
)
from returns.registration import RegistrationInvalid
from returns.text import note_characters_problem

logger = logging.getLogger(__name__)

# How long the files of export jobs and of ended imports are kept.
EXPORT_FILE_DAYS = 7
IMPORT_FILE_DAYS = 30


@dataclass
class FilesExpired:
    exports: int
    imports: int


def files_expire(*, now: datetime.datetime | None = None) -> FilesExpired:
    """Empty the files of export jobs and ended imports past their keeping time: how many of each."""
    now = now or timezone.now()
    exports = (
        ExportJob.objects.filter(
            status=ExportJob.Status.DONE, finished_at__lt=now - datetime.timedelta(days=EXPORT_FILE_DAYS)
        )
        .exclude(content=b"")
        .update(content=b"")
    )
    ended = Q(
        status__in=[ImportBatch.Status.DONE, ImportBatch.Status.FAILED],
        finished_at__lt=now - datetime.timedelta(days=IMPORT_FILE_DAYS),
    )
    never_started = Q(status=ImportBatch.Status.INVALID, created_at__lt=now - datetime.timedelta(days=IMPORT_FILE_DAYS))
    imports = ImportBatch.objects.filter(ended | never_started).exclude(content=b"").update(content=b"")
    if exports or imports:
        logger.info("Files expired: %s export files, %s import files", exports, imports)
    return FilesExpired(exports=exports, imports=imports)


# What replaces a name that must not be empty and any free text: data, the same in every language.
ANONYMISED = "[anonymised]"
BATCH_SIZE = 1000
ERASE_REASON_MIN_LENGTH = 10


@dataclass(frozen=True)
class RetentionRun:
    households: int
    members: int


def retention_cut_off(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """Cases closed (or households withdrawn) before this moment are past the retention period."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.RETENTION_CLOSED_CASE_DAYS)


def households_due_for_anonymisation(*, cut_off: datetime.datetime):
    """Households not yet anonymised, withdrawn before ``cut_off`` or whose cases all closed before it."""
    cases = Case.objects.filter(household_id=OuterRef("pk"))
    closed_long_ago = Exists(cases) & ~Exists(cases.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=cut_off)))
    return Household.objects.filter(anonymised_at__isnull=True).filter(Q(withdrawn_at__lt=cut_off) | closed_long_ago)


def households_anonymise_due(*, now: datetime.datetime | None = None) -> RetentionRun:
    """The nightly job: anonymise every household past the retention period, a batch per transaction.

    Safe to rerun: a household is anonymised once (``anonymised_at``), so a second run finds none.
    """
    cut_off = retention_cut_off(now=now)
    households = members = 0
    while True:
        with transaction.atomic():
            batch = list(
                households_due_for_anonymisation(cut_off=cut_off)
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", "public_id")[:BATCH_SIZE]
            )
            if not batch:
                break
            ids = [pk for pk, _public_id in batch]
            members += households_anonymise(household_ids=ids)
            households += len(ids)
            # A change of personal records by the system: the access log names the batch (one row).
            access_log_write(
                command="anonymise_past_retention",
                kind=Kind.HOUSEHOLD,
                ids=[public_id for _pk, public_id in batch],
                action=Action.CHANGE,
            )
    logger.info("Retention: %s households (%s people) anonymised, closed before %s", households, members, cut_off)
    return RetentionRun(households=households, members=members)


def households_anonymise(*, household_ids: list[int]) -> int:
    """Replace the personal data of these households, their people and their history; answer the people."""
    now = timezone.now()
    with _anonymising() as run:
        people = run(
            f"""UPDATE {MEMBER} m SET {MEMBER_ANONYMISED}
                FROM {HOUSEHOLD} h WHERE h.id = m.household_id AND h.id = ANY(%(ids)s)""",
            ids=household_ids,
            now=now,
        )
        run(
            f"""UPDATE {DOCUMENT} d SET number = '', number_normal = '' FROM {MEMBER} m
                WHERE m.id = d.member_id AND m.household_id = ANY(%(ids)s) AND d.number <> ''""",
            ids=household_ids,
        )
        # A VRF family number, once no part of the family keeps its personal data.
        run(
            f"""UPDATE {FAMILY} f SET
                    vrf_number = CASE WHEN f.vrf_number <> '' THEN 'ANONYMISED-' || f.id ELSE '' END,
                    note = {_text("f.note")}
                WHERE f.id IN (SELECT family_id FROM {HOUSEHOLD} WHERE id = ANY(%(ids)s))
                  AND NOT EXISTS (SELECT 1 FROM {HOUSEHOLD} o WHERE o.family_id = f.id
                                  AND o.anonymised_at IS NULL AND NOT o.id = ANY(%(ids)s))""",
            ids=household_ids,
        )
        run(
            f"""UPDATE {HOUSEHOLD_EVENT} SET note = CASE
                    WHEN kind = 'updated' THEN regexp_replace(note, 'phone: [^;]*', %(phone)s, 'g')
                    ELSE %(marker)s END
                WHERE household_id = ANY(%(ids)s) AND note <> '' AND kind <> 'registered'""",
            ids=household_ids,
        )
        _cases_free_text_anonymise(
            run, cases=f"SELECT id FROM {CASE} WHERE household_id = ANY(%(ids)s)", ids=household_ids
        )
        run(
            f"""UPDATE {INTERVIEW} SET note = %(marker)s, updated_at = %(now)s
                WHERE household_id = ANY(%(ids)s) AND note <> ''""",
            ids=household_ids,
            now=now,
        )
        run(
            f"""UPDATE {TOMBSTONE} SET note = %(marker)s WHERE note <> '' AND public_id IN (
                    SELECT public_id FROM {HOUSEHOLD} WHERE id = ANY(%(ids)s)
                    UNION ALL SELECT public_id FROM {CASE} WHERE household_id = ANY(%(ids)s))""",
            ids=household_ids,
        )
        run(
            f"""UPDATE {HOUSEHOLD} SET phone = '', phone_digits = '', anonymised_at = %(now)s, updated_at = %(now)s,
                    withdrawal_reason = CASE WHEN withdrawn_at IS NULL THEN '' ELSE %(marker)s END
                WHERE id = ANY(%(ids)s)""",
            ids=household_ids,
            now=now,
        )
    return people


def _cases_free_text_anonymise(run, *, cases: str, member_only: bool = False, **params) -> None:
    """The free text of these cases: events, assistance, entitlements, referrals (only the member's, if so)."""
    member = "AND member_id = %(member)s" if member_only else ""
    if not member_only:
        run(f"UPDATE {CASE_EVENT} SET note = %(marker)s WHERE case_id IN ({cases}) AND note <> ''", **params)
    run(f"UPDATE {ASSISTANCE} SET note = %(marker)s WHERE case_id IN ({cases}) AND note <> '' {member}", **params)
    run(f"UPDATE {ENTITLEMENT} SET reason = %(marker)s WHERE case_id IN ({cases}) AND reason <> '' {member}", **params)
    run(
        f"""UPDATE {REFERRAL} SET reason = %(marker)s, response = {_text("response")}, updated_at = %(now)s
            WHERE case_id IN ({cases}) {member}""",
        **{"now": timezone.now(), **params},
    )


def member_erase(*, member: Member, erased_by: User, reason: str) -> Member:
    """Erase one person's personal data on their request: names, birth date (kept as the age on
    arrival), documents' numbers and the free text recorded about them alone; when they are the
    head of the household, its phone too. Money, counts and the household's other people stay.

    The household's history records who erased it, when and why (the reason must not name the person).
    """
    reason = reason.strip()
    if len(reason) < ERASE_REASON_MIN_LENGTH:
        raise RegistrationInvalid.one("reason", "justification_required", _("Explain in a sentence why."))
    if (problem := note_characters_problem(reason)) is not None:
        raise RegistrationInvalid({"reason": [problem]})
    with transaction.atomic():
        locked = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
        policy.require_erase_person(erased_by, locked.household)
        if locked.anonymised_at is not None:
            raise RegistrationInvalid.one(
                "member",
                "already_anonymised",
                _("This person's data was already erased on %(day)s.") % {"day": locked.anonymised_at.date()},
            )
        now = timezone.now()
        position = list(Member.objects.filter(household_id=locked.household_id).values_list("pk", flat=True)).index(
            locked.pk
        )
        with _anonymising() as run:
            run(
                f"UPDATE {MEMBER} m SET {MEMBER_ANONYMISED} FROM {HOUSEHOLD} h "
                "WHERE h.id = m.household_id AND m.id = %(member)s",
                member=locked.pk,
                now=now,
            )
            run(f"UPDATE {DOCUMENT} SET number = '', number_normal = '' WHERE member_id = %(member)s", member=locked.pk)
            _cases_free_text_anonymise(
                run,
                cases=f"SELECT id FROM {CASE} WHERE household_id = %(household)s",
                member_only=True,
                member=locked.pk,
                household=locked.household_id,
            )
            if locked.is_head:
                run(
                    f"""UPDATE {HOUSEHOLD_EVENT} SET note = regexp_replace(note, 'phone: [^;]*', %(phone)s, 'g')
                        WHERE household_id = %(household)s AND kind = 'updated'""",
                    household=locked.household_id,
                )
                run(
                    f"UPDATE {HOUSEHOLD} SET phone = '', phone_digits = '' WHERE id = %(household)s",
                    household=locked.household_id,
                )
        Household.objects.filter(pk=locked.household_id).update(updated_at=now)
        HouseholdEvent.objects.create(
            household_id=locked.household_id,
            kind=HouseholdEvent.Kind.ERASED,
            actor=erased_by,
            note=_("Personal data of member %(number)s erased on request: %(reason)s")
            % {"number": position + 1, "reason": reason},
        )
        locked.refresh_from_db()
    logger.info("Retention: member %s erased on request by %s", locked.public_id, erased_by.pk)
    return locked


class _anonymising:
    """A transaction in which the history triggers let free text be replaced (``SET LOCAL``: it ends
    with the transaction). Gives a function that runs one UPDATE and answers the rows it changed."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._cursor = connection.cursor()
        self._cursor.execute("SET LOCAL returns.anonymising = 'on'")
        return self.run

    def run(self, statement: str, **params) -> int:
        self._cursor.execute(statement, {"marker": ANONYMISED, "phone": f"phone: {ANONYMISED}", **params})
        return self._cursor.rowcount

    def __exit__(self, *exc):
        try:
            # Back off before leaving: an outer transaction that goes on must not keep the escape.
            if exc[0] is None:
                self._cursor.execute("SET LOCAL returns.anonymising = 'off'")
        finally:
            self._cursor.close()
        return self._atomic.__exit__(*exc)


def _text(column: str) -> str:
    return f"CASE WHEN {column} = '' THEN '' ELSE %(marker)s END"


MEMBER = Member._meta.db_table
HOUSEHOLD = Household._meta.db_table
HOUSEHOLD_EVENT = HouseholdEvent._meta.db_table
CASE = Case._meta.db_table
DOCUMENT = MemberDocument._meta.db_table
FAMILY = Family._meta.db_table
CASE_EVENT = CaseEvent._meta.db_table
ASSISTANCE = Assistance._meta.db_table
ENTITLEMENT = MemberEntitlement._meta.db_table
REFERRAL = Referral._meta.db_table
INTERVIEW = MonitoringInterview._meta.db_table
TOMBSTONE = DeletedRecord._meta.db_table

# A person's names and birth date, replaced; the age on arrival (what the report's bands read without
# a date of birth) kept, at most 120 (the column's limit; the band is 60+ either way).
MEMBER_ANONYMISED = """
    given_name = %(marker)s, fathers_name = %(marker)s, family_name = '',
    given_name_local = '', fathers_name_local = '', family_name_local = '',
    given_key = '', fathers_key = '', family_key = '', name_search = '',
    estimated_age = CASE WHEN m.date_of_birth IS NULL THEN m.estimated_age
        ELSE LEAST(120, CAST(date_part('year', age(h.arrival_date, m.date_of_birth)) AS integer)) END,
    date_of_birth = NULL, anonymised_at = COALESCE(m.anonymised_at, %(now)s)"""


def person_record(*, member: Member) -> dict:
    """Everything held about one person, for their request to see it: the member, the household,
    documents, specific needs, the household's cases with their events, the assistance, referrals,
    entitlements, verifications and monitoring interviews, and the household's history.

    A read, kept beside the erasure so that what is exported and what is erased are listed together.
    """
    household_id = member.household_id
    cases = Case.objects.filter(household_id=household_id)
    case_ids = list(cases.values_list("pk", flat=True))
    return {
        "member": Member.objects.filter(pk=member.pk).values().get(),
        "household": Household.objects.filter(pk=household_id).values().get(),
        "documents": list(MemberDocument.objects.filter(member=member).order_by("pk").values()),
        "specific_needs": list(member.specific_needs.order_by("scheme", "code").values("scheme", "code", "name")),
        "household_events": list(HouseholdEvent.objects.filter(household_id=household_id).order_by("pk").values()),
        "cases": list(cases.order_by("pk").values()),
        "case_events": list(CaseEvent.objects.filter(case_id__in=case_ids).order_by("pk").values()),
        "assistance": list(
            Assistance.objects.filter(case_id__in=case_ids)
            .filter(Q(member__isnull=True) | Q(member=member))
            .order_by("pk")
            .values()
        ),
        "entitlements": list(MemberEntitlement.objects.filter(member=member).order_by("pk").values()),
        "verifications": list(member.verifications.order_by("pk").values()),
        "referrals": list(
            Referral.objects.filter(case_id__in=case_ids)
            .filter(Q(member__isnull=True) | Q(member=member))
            .order_by("pk")
            .values()
        ),
        "monitoring_interviews": list(
            MonitoringInterview.objects.filter(household_id=household_id).order_by("pk").values()
        ),
    }

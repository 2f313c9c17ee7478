"""The tables the demo writes with PostgreSQL COPY: their columns, COPY's text format, ids from
each table's sequence, and clearing them (never reference data or users).

COPY with ids reserved from each table's sequence loads a million people in about a minute
rather than the hours ``save()`` would take.
"""

import datetime
import io

from django.db import connection

from returns.models import (
    Assistance,
    Case,
    CaseEvent,
    Household,
    HouseholdEvent,
    ManifestMember,
    Member,
    MemberDocument,
    MemberEntitlement,
    MemberVerification,
    Referral,
    VrfManifest,
)
from returns.services.households import REGISTRATION_NUMBER_SEQUENCE

NULL = r"\N"
KABUL_OFFSET = "+04:30"

# What each batch of rows goes into: key -> (model, the columns each row gives, in order).
COLUMNS = {
    "household": (
        Household,
        "id, public_id, registration_number, arrival_date, office_id, country_of_departure_id, return_type_id, "
        "destination_province_id, destination_district_id, phone, registered_by_id, routed_agency_id, category, "
        "routing_rule_id, routing_version, routing_reason, routing_facts, flags, member_count, created_at, updated_at, "
        "phone_digits",
    ),
    "member": (
        Member,
        "id, public_id, household_id, given_name, fathers_name, family_name, given_name_local, fathers_name_local, "
        "family_name_local, sex, date_of_birth, estimated_age, relationship, given_key, fathers_key, family_key, "
        "name_search",
    ),
    "document": (
        MemberDocument,
        "id, member_id, document_type_id, number, issuing_country_id, expiry_date, number_normal",
    ),
    "need": (Member.specific_needs.through, "id, member_id, needcode_id"),
    "event": (HouseholdEvent, "id, household_id, kind, actor_id, created_at, from_agency_id, to_agency_id, note"),
    "case": (
        Case,
        "id, public_id, case_number, household_id, agency_id, office_id, workflow, stage, assigned_to_id, "
        "stage_due_date, overdue_since, is_vulnerable, opened_at, "
        "closed_at, outcome, opened_by_referral_id, version, updated_at",
    ),
    "case_event": (
        CaseEvent,
        "id, case_id, kind, actor_id, created_at, transition, from_stage, to_stage, note, details",
    ),
    "assistance": (
        Assistance,
        "id, public_id, case_id, member_id, assistance_type_id, quantity, value, currency, delivered_on, office_id, "
        "recorded_by_id, recorded_at, approval, needs_manager_approval, approved_by_id, approved_at, note",
    ),
    "verification": (MemberVerification, "id, case_id, member_id, result, recorded_by_id, recorded_at"),
    "entitlement": (MemberEntitlement, "id, case_id, member_id, decision, reason, decided_by_id, decided_at"),
}


def table(key: str) -> str:
    return COLUMNS[key][0]._meta.db_table


def text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def stamp(moment: datetime.datetime) -> str:
    """A moment in Kabul, as COPY reads a timestamp with time zone."""
    return moment.isoformat(sep=" ", timespec="seconds") + KABUL_OFFSET  # isoformat: far quicker than strftime


def copy_rows(cursor, key: str, rows: list[str]) -> None:
    """COPY tab-separated rows (already escaped) into the table of ``key``."""
    if rows:
        cursor.copy_expert(f"COPY {table(key)} ({COLUMNS[key][1]}) FROM STDIN", io.StringIO("\n".join(rows) + "\n"))


class Ids:
    """Ids taken from a table's identity sequence: the first with nextval, the last given back by setval."""

    def __init__(self, cursor, table: str):
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (self.sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [self.sequence])
        (self.next,) = cursor.fetchone()
        self.first = self.next

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value

    def release(self, cursor) -> None:
        if self.next > self.first:
            cursor.execute("SELECT setval(%s, %s)", [self.sequence, self.next - 1])


def case_tables() -> list[str]:
    """The case tables seed_demo writes (or clears), children first."""
    return [
        CaseEvent._meta.db_table,
        Assistance._meta.db_table,
        MemberVerification._meta.db_table,
        Referral._meta.db_table,
        Case._meta.db_table,
    ]


def registry_tables() -> list[str]:
    """The tables seed_demo writes, children first: never reference data or users."""
    return [
        *case_tables(),
        ManifestMember._meta.db_table,
        VrfManifest._meta.db_table,
        HouseholdEvent._meta.db_table,
        Member.specific_needs.through._meta.db_table,
        MemberDocument._meta.db_table,
        Member._meta.db_table,
        Household._meta.db_table,
    ]


def registry_clear() -> None:
    """Delete every household with its members, documents, needs and events, and every case."""
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit; rows written earlier in this transaction are checked
        # now, since PostgreSQL cannot truncate a table with pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(registry_tables())} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ALTER SEQUENCE {REGISTRATION_NUMBER_SEQUENCE} RESTART")

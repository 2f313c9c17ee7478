"""Importing households from a spreadsheet: check every row, then register through the one service.

The file has one row per person; the rows of a household share the ``household`` column (the
officer's own reference for the family: 1, 2, 3, or a VRF number) and its household columns
(arrival date, office...) are read from its first row. One document per person row.

``import_upload`` reads and checks the whole file at once and saves nothing but the import: every
problem comes back with its row and column, in the words the registration page uses (the same
``registration_problems``, the same check that a person's document is not already registered).
``import_start`` queues the job; ``import_run`` (the heavy queue's task) registers each valid
household with ``household_register``, the service behind the page and the API, so routing, the
one-grant rules and the access gates are the same. After the import, the hourly search for
duplicates (``returns.duplicates``) finds likely duplicates among the people it registered.

This module and ``returns.tasks`` import each other as modules (the service enqueues the task, the
task calls the service): neither reads the other's names at import time.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.problems import Problem, Refused
from agencies.queueing import task_send_on_commit
from returns import policy, tasks
from returns.imports.reading import FileRefused, Sheet, date_read, formula_like, sheet_read
from returns.models import ImportBatch, ImportedHousehold
from returns.reference import reference_data
from returns.registration import (
    DocumentRegistration,
    HouseholdRegistration,
    MemberRegistration,
    RegistrationInvalid,
    registration_problems,
)
from returns.services.households import documents_already_registered, household_register

logger = logging.getLogger(__name__)

HOUSEHOLD_COLUMNS = [
    "household",
    "arrival_date",
    "office",
    "country_of_departure",
    "return_type",
    "destination_province",
    "destination_district",
    "phone",
]
MEMBER_COLUMNS = [
    "given_name",
    "fathers_name",
    "family_name",
    "given_name_local",
    "fathers_name_local",
    "family_name_local",
    "sex",
    "relationship",
    "date_of_birth",
    "estimated_age",
    "document_type",
    "document_number",
    "document_country",
    "document_expiry",
    "specific_needs",
]
COLUMNS = HOUSEHOLD_COLUMNS + MEMBER_COLUMNS
# A person's own fields, as the member's (the document and the needs columns are read apart).
PERSON_COLUMNS = [
    column for column in MEMBER_COLUMNS if not column.startswith("document_") and column != "specific_needs"
]
REQUIRED = [
    "household",
    "arrival_date",
    "office",
    "country_of_departure",
    "return_type",
    "destination_province",
    "given_name",
    "fathers_name",
    "sex",
    "relationship",
]
# The example row of the template, as an officer would fill it.
EXAMPLE = {
    "household": "1",
    "arrival_date": "2025-11-01",
    "office": "TKM",
    "country_of_departure": "PK",
    "return_type": "voluntary_repatriation",
    "destination_province": "AF06",
    "destination_district": "",
    "phone": "0700123456",
    "given_name": "Naveed",
    "fathers_name": "Gul",
    "family_name": "",
    "given_name_local": "نوید",
    "fathers_name_local": "گل",
    "family_name_local": "",
    "sex": "male",
    "relationship": "head",
    "date_of_birth": "",
    "estimated_age": "35",
    "document_type": "por_card",
    "document_number": "PK-1234567",
    "document_country": "PK",
    "document_expiry": "2030-12-31",
    "specific_needs": "",
}
MAX_ROWS = 200_000
MAX_BYTES = 25 * 1024 * 1024
# Where a registration's problem path points in the file: a document's fields by their columns.
DOCUMENT_COLUMN = {
    "document_type": "document_type",
    "number": "document_number",
    "issuing_country": "document_country",
    "expiry_date": "document_expiry",
}


@dataclass
class ImportedFamily:
    """One household of the file: its reference, its rows (the first carries the household's columns)."""

    reference: str
    rows: list[int] = field(default_factory=list)
    registration: HouseholdRegistration | None = None
    problems: list[dict] = field(default_factory=list)


def import_template_rows() -> tuple[list[str], list[tuple]]:
    """The template's header and example row."""
    return COLUMNS, [tuple(EXAMPLE[column] for column in COLUMNS)]


def import_upload(*, uploaded_by: User, file_name: str, content: bytes, mode: str) -> ImportBatch:
    """Read and check a file of households; saves the import (with every problem found), no household.

    Raises ``PermissionDenied`` for a user who may not import, ``Refused`` (nothing saved) for a
    file that cannot be read at all (too large, unreadable, required columns missing)."""
    policy.require_import_households(uploaded_by)
    try:
        families, sheet = _families_read(content, file_name=file_name)
    except FileRefused as refused:
        raise Refused.one("file", refused.code, refused.message) from refused
    checked = _families_check(families, user=uploaded_by)
    problems = [
        {"row": 1, "column": column, "message": _("This column is not one of the template's: it was left out.")}
        for column in sheet.extra_columns
    ]
    problems += [problem for family in checked for problem in family.problems]
    valid = sum(1 for family in checked if not family.problems)
    importable = valid and (mode == ImportBatch.Mode.VALID_ROWS or valid == len(checked))
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.HOUSEHOLDS,
        mode=mode,
        status=ImportBatch.Status.VALIDATED if importable else ImportBatch.Status.INVALID,
        file_name=file_name[:255],
        content=content,
        uploaded_by=uploaded_by,
        agency_id=uploaded_by.agency_id,
        rows_total=len(sheet.rows),
        households_total=len(checked),
        households_valid=valid,
        problems=sorted(problems, key=_problem_place),
    )


def import_start(*, batch: ImportBatch, started_by: User) -> ImportBatch:
    """Queue the registration of the import's valid households (the officer confirmed)."""
    if started_by.pk != batch.uploaded_by_id:
        raise PermissionDenied(_("Only the officer who uploaded the file starts its import."))
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.VALIDATED:
            raise Refused.one("status", "not_ready", _("This import is not waiting to start."))
        locked.status = ImportBatch.Status.QUEUED
        locked.save(update_fields=["status"])
        task_send_on_commit(tasks.import_households, locked.pk)
    return locked


def import_run(batch_id: int) -> ImportBatch:
    """Register the import's valid households, continuing after those already registered (a job that
    ran before, interrupted, or a task delivered twice registers none twice)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (ImportBatch.Status.QUEUED, ImportBatch.Status.IMPORTING):
            return batch
        batch.status = ImportBatch.Status.IMPORTING
        batch.started_at = batch.started_at or timezone.now()
        batch.save(update_fields=["status", "started_at"])
    families, _sheet = _families_read(bytes(batch.content), file_name=batch.file_name)
    valid = [
        family for family in _families_check(families, user=batch.uploaded_by, registry=False) if not family.problems
    ]
    done = set(ImportedHousehold.objects.filter(batch=batch).values_list("position", flat=True))
    refused = None
    try:
        if batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
            with transaction.atomic():
                for position, family in enumerate(valid):
                    if position not in done:
                        refused = family
                        _family_register(batch, position, family)
        else:
            for position, family in enumerate(valid):
                if position not in done:
                    try:
                        with transaction.atomic():
                            _family_register(batch, position, family)
                    except RegistrationInvalid as invalid:
                        _family_refused(batch, family, invalid)
    except RegistrationInvalid as invalid:
        # All or nothing: one household refused now (its document registered since the check) undoes all.
        logger.warning("Import %s stopped: a household was refused", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            finished_at=timezone.now(),
            households_done=0,
            error=_("Row %(row)s was refused when it was registered (%(message)s): nothing was imported.")
            % {"row": refused.rows[0], "message": _first_message(invalid)},
        )
        return ImportBatch.objects.get(pk=batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.DONE, finished_at=timezone.now(), content=b""
    )
    return ImportBatch.objects.get(pk=batch.pk)


def _family_register(batch: ImportBatch, position: int, family: ImportedFamily) -> None:
    household = household_register(registered_by=batch.uploaded_by, registration=family.registration)
    ImportedHousehold.objects.create(batch=batch, position=position, household=household)
    ImportBatch.objects.filter(pk=batch.pk).update(households_done=F("households_done") + 1)


def _family_refused(batch: ImportBatch, family: ImportedFamily, invalid: RegistrationInvalid) -> None:
    """A household that passed the check and was refused when registered (its document registered
    meanwhile): it is left out and said so; it no longer counts among the valid ones."""
    problems = _problems_placed(family, invalid.problems)
    ImportBatch.objects.filter(pk=batch.pk).update(households_valid=F("households_valid") - 1)
    batch.refresh_from_db(fields=["problems"])
    ImportBatch.objects.filter(pk=batch.pk).update(problems=batch.problems + problems)


def _first_message(invalid: RegistrationInvalid) -> str:
    for problems in invalid.problems.values():
        for problem in problems:
            return problem.message
    return ""


# ---------------------------------------------------------------------------------------------
# Reading and checking
# ---------------------------------------------------------------------------------------------


def _families_read(content: bytes, *, file_name: str) -> tuple[list[ImportedFamily], Sheet]:
    sheet = sheet_read(
        content, filename=file_name, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS, max_bytes=MAX_BYTES
    )
    families: dict[str, ImportedFamily] = {}
    cells_by_row: dict[int, dict[str, str]] = {}
    for row, cells in sheet.rows:
        cells_by_row[row] = cells
        reference = cells.get("household", "")
        family = families.setdefault(reference, ImportedFamily(reference=reference))
        family.rows.append(row)
    for family in families.values():
        _family_build(family, [(row, cells_by_row[row]) for row in family.rows])
    return list(families.values()), sheet


def _family_build(family: ImportedFamily, rows: list[tuple[int, dict[str, str]]]) -> None:
    """The registration of one household from its rows, or the problems of the cells that cannot be read."""
    first_row, first = rows[0]
    problems = family.problems
    if not family.reference:
        problems.append(
            _problem(first_row, "household", _("Give each household a reference, the same on each of its rows."))
        )
    for row, cells in rows:
        for column, text in cells.items():
            if formula_like(text):
                problems.append(
                    _problem(
                        row,
                        column,
                        _("This cell starts like a spreadsheet formula (=, +, -, @): write the value without it."),
                    )
                )
    arrival = _date(first_row, "arrival_date", first.get("arrival_date", ""), problems, required=True)
    members = []
    for row, cells in rows:
        documents = []
        if cells.get("document_type") or cells.get("document_number"):
            documents.append(
                DocumentRegistration(
                    document_type=cells.get("document_type", ""),
                    issuing_country=cells.get("document_country", "").upper(),
                    number=cells.get("document_number", ""),
                    expiry_date=_date(row, "document_expiry", cells.get("document_expiry", ""), problems),
                )
            )
        age_text = cells.get("estimated_age", "")
        age = None
        if age_text:
            try:
                age = int(age_text)
            except ValueError:
                problems.append(_problem(row, "estimated_age", _("Write the age as a whole number of years, e.g. 35.")))
        members.append(
            MemberRegistration(
                given_name=cells.get("given_name", ""),
                fathers_name=cells.get("fathers_name", ""),
                family_name=cells.get("family_name", ""),
                given_name_local=cells.get("given_name_local", ""),
                fathers_name_local=cells.get("fathers_name_local", ""),
                family_name_local=cells.get("family_name_local", ""),
                sex=cells.get("sex", "").lower(),
                relationship=cells.get("relationship", "").lower(),
                date_of_birth=_date(row, "date_of_birth", cells.get("date_of_birth", ""), problems),
                estimated_age=age,
                documents=documents,
                specific_needs=[
                    code.strip()
                    for code in cells.get("specific_needs", "").replace(",", ";").split(";")
                    if code.strip()
                ],
                new_person=True,
            )
        )
    family.registration = HouseholdRegistration(
        arrival_date=arrival or datetime.date.min,
        office=first.get("office", "").upper(),
        country_of_departure=first.get("country_of_departure", "").upper(),
        return_type=first.get("return_type", "").lower(),
        destination_province=first.get("destination_province", "").upper(),
        destination_district=first.get("destination_district", "").upper(),
        phone=first.get("phone", ""),
        members=members,
    )


def _families_check(families: list[ImportedFamily], *, user: User, registry: bool = True) -> list[ImportedFamily]:
    """Each family's problems: its cells', the registration's (as the page says them), a document on two
    rows of the file, and (``registry``) a document already registered."""
    reference = reference_data()
    today = timezone.localdate()
    seen_documents: dict[str, int] = {}
    for family in families:
        registration = family.registration
        problems = registration_problems(registration, reference=reference, today=today)
        if not problems and not family.problems and registry:
            problems = documents_already_registered(registration, reference=reference, user=user)
        # A cell that could not be read (a date, an age) is said once, in the cell's own words.
        # (An age that cannot be read is not also "no date of birth nor age".)
        unread = {(problem["row"], problem["column"]) for problem in family.problems}
        unread |= {(row, "date_of_birth") for row, column in unread if column == "estimated_age"}
        placed = _problems_placed(family, problems)
        family.problems.extend(problem for problem in placed if (problem["row"], problem["column"]) not in unread)
        for index, member in enumerate(registration.members):
            for document in member.documents:
                key = f"{document.document_type}:{document.number.strip().upper()}"
                if not document.number.strip():
                    continue
                if key in seen_documents and seen_documents[key] != family.rows[index]:
                    family.problems.append(
                        _problem(
                            family.rows[index],
                            "document_number",
                            _("This document number is also on row %(row)s.") % {"row": seen_documents[key]},
                        )
                    )
                seen_documents.setdefault(key, family.rows[index])
    return families


def _problems_placed(family: ImportedFamily, problems: dict[str, list[Problem]]) -> list[dict]:
    """A registration's problems (by path: ``members.2.documents.0.number``) at their rows and columns."""
    placed = []
    for path, found in problems.items():
        parts = path.split(".")
        row, column = family.rows[0], parts[0]
        if parts[0] == "members" and len(parts) >= 3 and parts[1].isdigit():
            row = family.rows[min(int(parts[1]), len(family.rows) - 1)]
            column = DOCUMENT_COLUMN.get(parts[-1], parts[-1]) if parts[2] == "documents" else parts[2]
        elif parts[0] == "members":
            column = "relationship"
        for problem in found:
            placed.append(_problem(row, column, problem.message))
    return placed


def _codes(text: str) -> list[str]:
    """Specific-needs codes, separated by semicolons or commas."""
    return [code.strip() for code in text.replace(",", ";").split(";") if code.strip()]


def _problem_place(problem: dict) -> tuple[int, int]:
    """Problems in the file's order: by row, then by column as the template orders them."""
    column = problem["column"]
    return problem["row"], COLUMNS.index(column) if column in COLUMNS else -1


def _problem(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": str(message)}


def _date(row: int, column: str, text: str, problems: list[dict], *, required: bool = False):
    if not text:
        if required:
            problems.append(_problem(row, column, _("Enter the date.")))
        return None
    try:
        return date_read(text)
    except ValueError as error:
        problems.append(_problem(row, column, str(error)))
        return None

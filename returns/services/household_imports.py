"""Importing households: one row per person, the rows of a household sharing the ``household`` column.

The officer's own reference for the family (1, 2, 3, or a VRF number) groups the rows; the household's
columns (arrival date, office...) are read from its first row; one document per person row. Each
household is checked in the words of the registration page (the same ``registration_problems``, the
same check that a person's document is not already registered) and registered by
``household_register``, the service behind the page and the API, so routing, the one-grant rules
and the access gates are the same. After the import, the hourly search for duplicates
(``returns.duplicates``) finds likely duplicates among the people it registered.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.bulk import CopyStream, InsertBatch, unsaved
from agencies.models import User
from agencies.problems import Problem
from returns.imports.records import ImportedRecord, date_cell, problem
from returns.imports.spec import ImportKind
from returns.models import ImportBatch, ImportedHousehold
from returns.reference import reference_data
from returns.registration import (
    DocumentRegistration,
    HouseholdRegistration,
    MemberRegistration,
    registration_problems,
)
from returns.services.households import COPY_FROM, documents_registered_later, households_register

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
    # A second document of the same person (a refugee card and a tazkira), when there is one.
    "document_2_type",
    "document_2_number",
    "document_2_country",
    "document_2_expiry",
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
    "document_2_type": "",
    "document_2_number": "",
    "document_2_country": "",
    "document_2_expiry": "",
    "specific_needs": "",
}
# Where a registration's problem path points in the file: a document's fields by their columns.
# Households whose documents are looked up in the registry in one query.
REGISTRY_CHUNK = 2000
# Each document a person row may hold: its columns (type, number, country, expiry).
DOCUMENT_COLUMNS = (
    ("document_type", "document_number", "document_country", "document_expiry"),
    ("document_2_type", "document_2_number", "document_2_country", "document_2_expiry"),
)
# A registration's document field, by its place among a document's columns.
DOCUMENT_FIELD_AT = {"document_type": 0, "number": 1, "issuing_country": 2, "expiry_date": 3}


def _family_build(family: ImportedRecord, rows: list[tuple[int, dict[str, str]]]) -> None:
    """The registration of one household from its rows, or the problems of the cells that cannot be read."""
    first_row, first = rows[0]
    problems = family.problems
    if not family.reference:
        problems.append(
            problem(first_row, "household", _("Give each household a reference, the same on each of its rows."))
        )
    arrival = date_cell(first_row, "arrival_date", first.get("arrival_date", ""), problems, required=True)
    members = []
    for index, (row, cells) in enumerate(rows):
        documents = []
        for columns in DOCUMENT_COLUMNS:
            type_column, number_column, country_column, expiry_column = columns
            if cells.get(type_column) or cells.get(number_column):
                # Where this document's problems are said: its own columns.
                family.places[(index, len(documents))] = columns
                documents.append(
                    DocumentRegistration(
                        document_type=cells.get(type_column, ""),
                        issuing_country=cells.get(country_column, "").upper(),
                        number=cells.get(number_column, ""),
                        expiry_date=date_cell(row, expiry_column, cells.get(expiry_column, ""), problems),
                    )
                )
        age_text = cells.get("estimated_age", "")
        age = None
        if age_text:
            try:
                age = int(age_text)
            except ValueError:
                problems.append(problem(row, "estimated_age", _("Write the age as a whole number of years, e.g. 35.")))
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
                date_of_birth=date_cell(row, "date_of_birth", cells.get("date_of_birth", ""), problems),
                estimated_age=age,
                documents=documents,
                specific_needs=[
                    code.strip()
                    # Separated by semicolons, commas, or spaces (a KoboToolbox select_multiple).
                    for code in cells.get("specific_needs", "").replace(",", " ").replace(";", " ").split()
                    if code.strip()
                ],
                # No likely matches are shown in a file, so there is no decision on them to record: the
                # hourly search for duplicates (``returns.duplicates``) looks at the people imported.
                new_person=False,
            )
        )
    family.value = HouseholdRegistration(
        arrival_date=arrival or datetime.date.min,
        office=first.get("office", "").upper(),
        country_of_departure=first.get("country_of_departure", "").upper(),
        return_type=first.get("return_type", "").lower(),
        destination_province=first.get("destination_province", "").upper(),
        destination_district=first.get("destination_district", "").upper(),
        phone=first.get("phone", ""),
        members=members,
    )


def _families_check(families: list[ImportedRecord], *, user: User, registry: bool = True) -> None:
    """Each family's problems: its cells', the registration's (as the page says them), a document on two
    rows of the file, and (``registry``) a document already registered."""
    reference = reference_data()
    today = timezone.localdate()
    seen_documents: dict[str, int] = {}
    if registry:
        checked = _families_checked_in_registry(families, reference=reference, today=today, user=user)
    else:
        checked = [registration_problems(family.value, reference=reference, today=today) for family in families]
    for family, problems in zip(families, checked, strict=True):
        registration = family.value
        # A cell that could not be read (a date, an age) is said once, in the cell's own words.
        # (An age that cannot be read is not also "no date of birth nor age".)
        unread = {(found["row"], found["column"]) for found in family.problems}
        unread |= {(row, "date_of_birth") for row, column in unread if column == "estimated_age"}
        placed = _problems_placed(family, problems)
        family.problems.extend(found for found in placed if (found["row"], found["column"]) not in unread)
        for index, member in enumerate(registration.members):
            for position, document in enumerate(member.documents):
                key = f"{document.document_type}:{document.number.strip().upper()}"
                if not document.number.strip():
                    continue
                if key in seen_documents and seen_documents[key] != family.rows[index]:
                    family.problems.append(
                        problem(
                            family.rows[index],
                            family.places[(index, position)][1],
                            _("This document number is also on row %(row)s.") % {"row": seen_documents[key]},
                        )
                    )
                seen_documents.setdefault(key, family.rows[index])


def _families_checked_in_registry(families: list[ImportedRecord], *, reference, today, user: User) -> list[dict]:
    """Each family's registration problems; for the families otherwise right, their documents already in
    the registry instead. The registry is asked a part of the file at a time, in one query a part, on a
    thread of its own (``CopyStream.query``) while the next part is checked."""
    checked: list[dict] = []
    answers = []
    with transaction.atomic(), CopyStream() as stream:
        for start in range(0, len(families), REGISTRY_CHUNK):
            part = families[start : start + REGISTRY_CHUNK]
            checked += [registration_problems(family.value, reference=reference, today=today) for family in part]
            clean = [index for index in range(start, start + len(part)) if not checked[index]]
            clean = [index for index in clean if not families[index].problems]
            if clean:
                answer = documents_registered_later(
                    [families[index].value for index in clean],
                    reference=reference,
                    user=user,
                    stream=stream,
                    between_households=False,
                )
                answers.append((clean, answer))
        for clean, answer in answers:
            for index, problems in zip(clean, answer(), strict=True):
                checked[index] = problems
    return checked


def _problems_placed(family: ImportedRecord, problems: dict[str, list[Problem]]) -> list[dict]:
    """A registration's problems (by path: ``members.2.documents.0.number``) at their rows and columns."""
    placed = []
    for path, found in problems.items():
        parts = path.split(".")
        row, column = family.rows[0], parts[0]
        if parts[0] == "members" and len(parts) >= 3 and parts[1].isdigit():
            row = family.rows[min(int(parts[1]), len(family.rows) - 1)]
            column = parts[2]
            if parts[2] == "documents" and len(parts) >= 5 and parts[3].isdigit():
                columns = family.places.get((int(parts[1]), int(parts[3])), DOCUMENT_COLUMNS[0])
                column = columns[DOCUMENT_FIELD_AT[parts[4]]] if parts[4] in DOCUMENT_FIELD_AT else columns[1]
        elif parts[0] == "members":
            column = "relationship"
        for refusal in found:
            placed.append(problem(row, column, refusal.message))
    return placed


def _family_save(batch: ImportBatch, position: int, family: ImportedRecord) -> None:
    _families_save(batch, [(position, family)])


def _families_save(batch: ImportBatch, families: list[tuple[int, ImportedRecord]]) -> None:
    """Register these households in bulk (``households_register``: the one registration service), each
    recorded against its position in the file."""
    households = households_register(
        registered_by=batch.uploaded_by, registrations=[family.value for _position, family in families]
    )
    # Into the import's stream of COPYs when it has one (``CopyStream`` joins it), else one INSERT.
    with CopyStream() if len(households) >= COPY_FROM else InsertBatch() as rows:
        rows.add(
            [
                unsaved(ImportedHousehold, batch=batch, position=position, household=household)
                for (position, _family), household in zip(families, households, strict=True)
            ]
        )


def _families_saved(batch: ImportBatch) -> set[int]:
    return set(ImportedHousehold.objects.filter(batch=batch).values_list("position", flat=True))


KIND = ImportKind(
    kind=ImportBatch.Kind.HOUSEHOLDS,
    columns=COLUMNS,
    required=REQUIRED,
    example=EXAMPLE,
    group_by="household",
    file_name=gettext_lazy("households import"),
    title=gettext_lazy("Households"),
    build=_family_build,
    check=_families_check,
    place=_problems_placed,
    save=_family_save,
    saved=_families_saved,
    save_many=_families_save,
)

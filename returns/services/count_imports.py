"""Importing daily border counts: one row per crossing, day and country of departure.

Each row is checked as the counts page checks one (``border_count_problems``: the breakdowns add up
to the total, the day has come, the office is a crossing) and recorded by ``border_counts_record``, a
chunk in one insert, as the next version of that crossing's day. A row for a day already counted
replaces it only with a note saying why, as on the page; the same crossing, day and country twice in
the file is a problem.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.problems import Problem
from returns.imports.records import ImportedRecord, date_cell, problem, whole_number_cell
from returns.imports.spec import ImportKind
from returns.models import BorderCount, ImportBatch
from returns.models.counts import BREAKDOWNS, MEASURES
from returns.reference import reference_data
from returns.services.counts import CountEntry, border_count_problems, border_counts_record

COLUMNS = ["crossing", "day", "country_of_departure", *MEASURES, "note"]
REQUIRED = ["crossing", "day", "country_of_departure", *MEASURES]
EXAMPLE = {
    "crossing": "TKM",
    "day": "2025-11-01",
    "country_of_departure": "PK",
    "total": "120",
    "deported": "30",
    "spontaneous": "90",
    "in_families": "100",
    "individuals": "20",
    "female_0_4": "10",
    "female_5_11": "12",
    "female_12_17": "8",
    "female_18_59": "20",
    "female_60_plus": "2",
    "male_0_4": "9",
    "male_5_11": "11",
    "male_12_17": "10",
    "male_18_59": "35",
    "male_60_plus": "3",
    "note": "",
}
# Where a breakdown that does not add up is said: at its first column.
BREAKDOWN_COLUMN = {name: fields[0] for name, fields in BREAKDOWNS.items()}


@dataclass
class CountRecord:
    crossing: str
    day: datetime.date | None
    country: str
    counts: dict[str, int | None]
    note: str


def _count_build(record: ImportedRecord, rows: list[tuple[int, dict[str, str]]]) -> None:
    row, cells = rows[0]
    problems = record.problems
    day = date_cell(row, "day", cells.get("day", ""), problems, required=True)
    counts = {
        name: whole_number_cell(
            row, name, cells.get(name, ""), problems, message=_("Write a whole number (0 if nobody)."), required=True
        )
        for name in MEASURES
    }
    record.value = CountRecord(
        crossing=cells.get("crossing", "").upper(),
        day=day,
        country=cells.get("country_of_departure", "").upper(),
        counts=counts,
        note=cells.get("note", ""),
    )


def _counts_check(records: list[ImportedRecord], *, user, registry: bool = True) -> None:
    """Each row's problems as the counts page says them, the same crossing, day and country twice in the
    file, and (``registry``) a day already counted without a note saying why it is corrected."""
    reference = reference_data()
    seen: dict[tuple, int] = {}
    checked: dict[tuple, ImportedRecord] = {}
    for record in records:
        count, row = record.value, record.rows[0]
        office = reference.offices.get(count.crossing)
        if office is None:
            record.problems.append(
                problem(row, "crossing", _("Unknown office code: write the crossing's code, e.g. TKM."))
            )
        if count.country not in reference.countries:
            record.problems.append(
                problem(row, "country_of_departure", _("Unknown country code: write the two letters, e.g. PK or IR."))
            )
        if record.problems or office is None or count.day is None:
            continue
        for path, founds in border_count_problems(crossing=office, day=count.day, counts=count.counts).items():
            record.problems.extend(problem(row, BREAKDOWN_COLUMN.get(path, path), found.message) for found in founds)
        key = (office.pk, count.day, count.country)
        if key in seen:
            record.problems.append(
                problem(
                    row,
                    "day",
                    _("This crossing, day and country are also on row %(row)s: keep one row.") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = row
        if not record.problems:
            checked[key] = record
    if not registry or not checked:
        return
    days = [key[1] for key in checked]
    versions = {
        (crossing, day, country): latest
        for crossing, day, country, latest in BorderCount.objects.filter(
            crossing_id__in={key[0] for key in checked}, day__range=(min(days), max(days))
        )
        .values("crossing_id", "day", "country_id")
        .annotate(latest=Max("version"))
        .values_list("crossing_id", "day", "country_id", "latest")
    }
    for key, record in checked.items():
        if key in versions and not record.value.note.strip():
            record.problems.append(
                problem(
                    record.rows[0],
                    "note",
                    _(
                        "This day is already counted (version %(version)s): write in the note why these figures "
                        "replace it."
                    )
                    % {"version": versions[key]},
                )
            )


def _problems_placed(record: ImportedRecord, problems: dict[str, list[Problem]]) -> list[dict]:
    return [
        problem(record.rows[0], BREAKDOWN_COLUMN.get(path, path), found.message)
        for path, founds in problems.items()
        for found in founds
    ]


def _entry(position: int, record: ImportedRecord, reference) -> CountEntry:
    count = record.value
    return CountEntry(
        crossing=reference.offices[count.crossing],
        day=count.day,
        country=reference.countries[count.country],
        counts=count.counts,
        note=count.note,
        import_position=position,
    )


def _count_save(batch: ImportBatch, position: int, record: ImportedRecord) -> None:
    _counts_save(batch, [(position, record)])


def _counts_save(batch: ImportBatch, chunk: list[tuple[int, ImportedRecord]]) -> None:
    """A chunk's counts in one insert (``border_counts_record``); a refusal says which (``Refused.position``)."""
    reference = reference_data()
    border_counts_record(
        recorded_by=batch.uploaded_by,
        entries=[_entry(position, record, reference) for position, record in chunk],
        import_batch=batch,
    )


def _counts_saved(batch: ImportBatch) -> set[int]:
    return set(BorderCount.objects.filter(import_batch=batch).values_list("import_position", flat=True))


KIND = ImportKind(
    kind=ImportBatch.Kind.BORDER_COUNTS,
    columns=COLUMNS,
    required=REQUIRED,
    example=EXAMPLE,
    group_by=None,
    file_name=gettext_lazy("border counts import"),
    title=gettext_lazy("Border counts"),
    build=_count_build,
    check=_counts_check,
    place=_problems_placed,
    save=_count_save,
    save_many=_counts_save,
    saved=_counts_saved,
)

"""Importing a spreadsheet: check every row, confirm, then save through the one service of each record.

Three kinds of file (``ImportBatch.Kind``), each described by its module's ``ImportKind``:
households (``returns.services.household_imports``), VRF manifests
(``returns.services.manifest_imports``) and daily border counts (``returns.services.count_imports``).

``import_upload`` reads and checks the whole file at once and saves nothing but the import: every
problem comes back with its row and column, in the words the pages use. ``import_start`` queues the
job; ``import_run`` (the heavy queue's task) saves each valid record through its kind's service
(``household_register``, ``border_count_record``...), so the checks, routing and access gates are
the same as one record typed on a page. Each saved record keeps its position in the file, so a job
that is interrupted, or a task delivered twice, saves none twice.

This module and ``returns.tasks`` import each other as modules (the service enqueues the task, the
task calls the service): neither reads the other's names at import time.
"""

import logging

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.bulk import CopyStream, collection_paused
from agencies.models import User
from agencies.problems import Refused
from agencies.queueing import task_send_on_commit
from returns import policy, tasks
from returns.imports.reading import FileRefused, Sheet, sheet_read
from returns.imports.records import ImportedRecord, formula_problems, problem, problems_sorted
from returns.imports.spec import ImportKind
from returns.models import ImportBatch
from returns.services import count_imports, household_imports, manifest_imports

logger = logging.getLogger(__name__)

KINDS: dict[str, ImportKind] = {
    spec.kind: spec for spec in (household_imports.KIND, manifest_imports.KIND, count_imports.KIND)
}
# The household template's columns (the people export writes them too).
COLUMNS = household_imports.COLUMNS
PERSON_COLUMNS = household_imports.PERSON_COLUMNS
MAX_ROWS = 200_000
# Records saved per transaction (valid rows) or per step of the one transaction (all or nothing).
CHUNK = 500
# How long the progress of a running job is kept in the cache.
PROGRESS_SECONDS = 6 * 3600
MAX_BYTES = 25 * 1024 * 1024


def import_template_rows(kind: str = ImportBatch.Kind.HOUSEHOLDS) -> tuple[list[str], list[tuple]]:
    """The template's header and example row."""
    spec = KINDS[kind]
    return spec.columns, [tuple(spec.example[column] for column in spec.columns)]


def import_upload(
    *, uploaded_by: User, file_name: str, content: bytes, mode: str, kind: str = ImportBatch.Kind.HOUSEHOLDS
) -> ImportBatch:
    """Read and check a file; saves the import (with every problem found), no record.

    Raises ``PermissionDenied`` for a user who may not import this kind, ``Refused`` (nothing saved)
    for a file that cannot be read at all (too large, unreadable, required columns missing)."""
    policy.require_import(uploaded_by, kind)
    spec = KINDS[kind]
    # The records are let go inside the pause: once it ends, the collector would go through them all.
    with collection_paused():
        checked = _upload_checked(spec, content, file_name=file_name, user=uploaded_by, mode=mode)
    return ImportBatch.objects.create(
        kind=kind,
        mode=mode,
        file_name=file_name[:255],
        content=content,
        uploaded_by=uploaded_by,
        agency_id=uploaded_by.agency_id,
        **checked,
    )


def _upload_checked(spec: ImportKind, content: bytes, *, file_name: str, user: User, mode: str) -> dict:
    """The file's records read and checked: what the import keeps of them (its status, counts, problems)."""
    try:
        records, sheet = _records_read(spec, content, file_name=file_name)
    except FileRefused as refused:
        raise Refused.one("file", refused.code, refused.message) from refused
    spec.check(records, user=user, registry=True)
    problems = [
        problem(1, column, _("This column is not one of the template's: it was left out."))
        for column in sheet.extra_columns
    ]
    problems += [found for record in records for found in record.problems]
    sheet_problems = sheet.kobo.problems if sheet.kobo else []
    valid = sum(1 for record in records if not record.problems)
    importable = valid and (mode == ImportBatch.Mode.VALID_ROWS or (valid == len(records) and not sheet_problems))
    return {
        "status": ImportBatch.Status.VALIDATED if importable else ImportBatch.Status.INVALID,
        "rows_total": sum(len(record.rows) for record in records),
        "households_total": len(records),
        "households_valid": valid,
        "valid_records": [index for index, record in enumerate(records) if not record.problems],
        "problems": _placed_in_sheets(problems_sorted(problems, spec.columns), sheet) + sheet_problems,
    }


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
    """Save the import's valid records, continuing after those already saved (a job that ran before,
    interrupted, or a task delivered twice saves none twice)."""
    with collection_paused():
        return _import_run(batch_id)


def _import_run(batch_id: int) -> ImportBatch:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (ImportBatch.Status.QUEUED, ImportBatch.Status.IMPORTING):
            return batch
        batch.status = ImportBatch.Status.IMPORTING
        batch.started_at = batch.started_at or timezone.now()
        batch.save(update_fields=["status", "started_at"])
    spec = KINDS[batch.kind]
    # Each chunk's records are built as it is saved: meanwhile PostgreSQL writes the chunk before.
    records, _sheet = _records_read(
        spec, bytes(batch.content), file_name=batch.file_name, built=batch.valid_records is None
    )
    if batch.valid_records is not None:
        # The records the upload's check found right (the service checks each again as it saves).
        valid = [records[index] for index in batch.valid_records]
    else:  # an import checked before the check kept them
        spec.check(records, user=batch.uploaded_by, registry=False)
        valid = [record for record in records if not record.problems]
    done = spec.saved(batch)
    pending = [(position, record) for position, record in enumerate(valid) if position not in done]
    chunks = [pending[start : start + CHUNK] for start in range(0, len(pending), CHUNK)]
    try:
        if batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
            # One stream of COPYs for every chunk (``CopyStream``): PostgreSQL writes one chunk's rows
            # while the next is checked. The count done is written once, with the rows.
            with transaction.atomic(), CopyStream():
                for chunk in chunks:
                    _chunk_save(spec, batch, chunk, counted=False)
                ImportBatch.objects.filter(pk=batch.pk).update(households_done=batch.households_done)
        else:
            for chunk in chunks:
                try:
                    with transaction.atomic(), CopyStream():
                        _chunk_save(spec, batch, chunk)
                except Refused:
                    # One record of the chunk refused (its document registered since the check): the
                    # chunk again one record at a time, leaving that one out.
                    for one in chunk:
                        try:
                            with transaction.atomic():
                                _chunk_save(spec, batch, [one])
                        except Refused as invalid:
                            _record_refused(spec, batch, one[1], invalid)
    except Refused as invalid:
        # All or nothing: one record refused now (its document registered since the check, a count
        # recorded meanwhile) undoes all.
        logger.warning("Import %s stopped: a record was refused", batch.pk)
        cache.delete(_progress_key(batch.pk))
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            finished_at=timezone.now(),
            households_done=0,
            error=_("Row %(row)s was refused when it was registered (%(message)s): nothing was imported.")
            % {"row": invalid.record.rows[0], "message": _first_message(invalid)},
        )
        return ImportBatch.objects.get(pk=batch.pk)
    cache.delete(_progress_key(batch.pk))
    # The file is kept only while some of its rows were left out: the officer downloads them to correct.
    batch.refresh_from_db(fields=["problems"])
    emptied = {} if batch.problems else {"content": b""}
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.DONE, finished_at=timezone.now(), **emptied
    )
    return ImportBatch.objects.get(pk=batch.pk)


def import_rejected_rows(batch: ImportBatch) -> tuple[list[str], list[tuple]]:
    """The rows of the records that have problems, as they were uploaded, in the template's layout with
    a last column saying what to correct: fix them and upload this file again."""
    spec = KINDS[batch.kind]
    messages: dict[int, list[str]] = {}
    for found in batch.problems:
        messages.setdefault(found["row"], []).append(f"{found['column']}: {found['message']}")
    records, sheet = _records_read(spec, bytes(batch.content), file_name=batch.file_name, keep_rows=True)
    rejected = {row for record in records if messages.keys() & set(record.rows) for row in record.rows}
    header = [*spec.columns, str(_("problems"))]
    rows = [
        (*(cells.get(column, "") for column in spec.columns), " | ".join(messages.get(row, [])))
        for row, cells in sheet.rows
        if row in rejected
    ]
    return header, rows


def _placed_in_sheets(problems: list[dict], sheet: Sheet) -> list[dict]:
    """In a KoboToolbox export, each problem in the sheet the officer will find it in: a submission's
    column at the submission's row, a repetition's at its own (the rows read are the repetitions')."""
    if sheet.kobo is None:
        return problems
    kobo = sheet.kobo
    placed = []
    for found in problems:
        if found["column"] in kobo.parent_columns and found["row"] in kobo.parent_rows:
            placed.append({**found, "sheet": kobo.main_sheet, "row": kobo.parent_rows[found["row"]]})
        else:
            placed.append({**found, "sheet": kobo.repeat_sheet})
    # The form's sheet first, then the repetitions', each in row order; one problem said once.
    unique = {(item["sheet"] != kobo.main_sheet, item["row"], item["column"], item["message"]): item for item in placed}
    return [unique[key] for key in sorted(unique, key=lambda key: key[:2])]


def _chunk_save(
    spec: ImportKind, batch: ImportBatch, chunk: list[tuple[int, ImportedRecord]], *, counted: bool = True
) -> None:
    """Save these records (in bulk where the kind can) and count them done (in the import's row too
    when ``counted``). A refusal says which record it was (``Refused.record``)."""
    for _position, record in chunk:
        _record_built(spec, record, checked=True)
    try:
        if spec.save_many is not None:
            spec.save_many(batch, chunk)
        else:
            for index, (position, record) in enumerate(chunk):
                try:
                    spec.save(batch, position, record)
                except Refused as invalid:
                    invalid.position = index
                    raise
    except Refused as invalid:
        invalid.record = chunk[getattr(invalid, "position", 0)][1]
        raise
    if counted:
        ImportBatch.objects.filter(pk=batch.pk).update(households_done=F("households_done") + len(chunk))
    batch.households_done += len(chunk)
    # Inside an all-or-nothing transaction the count above is not seen until the end: the page reads this.
    cache.set(_progress_key(batch.pk), batch.households_done, PROGRESS_SECONDS)


def import_progress(batch: ImportBatch) -> int:
    """How many records the running job has saved: its own count, or what the job says meanwhile."""
    return max(batch.households_done, cache.get(_progress_key(batch.pk), 0))


def _progress_key(batch_id: int) -> str:
    return f"returns:import-progress:{batch_id}"


def _record_refused(spec: ImportKind, batch: ImportBatch, record: ImportedRecord, invalid: Refused) -> None:
    """A record that passed the check and was refused when saved (its document registered meanwhile):
    it is left out and said so; it no longer counts among the valid ones."""
    problems = spec.place(record, invalid.problems)
    ImportBatch.objects.filter(pk=batch.pk).update(households_valid=F("households_valid") - 1)
    batch.refresh_from_db(fields=["problems"])
    ImportBatch.objects.filter(pk=batch.pk).update(problems=batch.problems + problems)


def _first_message(invalid: Refused) -> str:
    for problems in invalid.problems.values():
        for found in problems:
            return found.message
    return ""


def _records_read(
    spec: ImportKind, content: bytes, *, file_name: str, keep_rows: bool = False, built: bool = True
) -> tuple[list[ImportedRecord], Sheet]:
    """The file's records: rows grouped by the kind's grouping column (or one record a row), each built
    by the kind (``_record_built``), or left to be built (``built=False``). The rows as read are let go
    once built (a 100,000-row file's cells weigh more than its records), unless ``keep_rows``."""
    sheet = sheet_read(
        content,
        filename=file_name,
        columns=spec.columns,
        required=spec.required,
        max_rows=MAX_ROWS,
        max_bytes=MAX_BYTES,
        kobo_reference=spec.group_by,
    )
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for row, cells in sheet.rows:
        reference = cells.get(spec.group_by, "") if spec.group_by else str(row)
        grouped.setdefault(reference, []).append((row, cells))
    if not keep_rows:
        sheet.rows = []  # each group's cells are let go once its record is built
    records = []
    for reference, rows in grouped.items():
        record = ImportedRecord(reference=reference, rows=[row for row, _cells in rows], cells=rows)
        if built:
            _record_built(spec, record, keep_rows=keep_rows)
        records.append(record)
    return records, sheet


def _record_built(
    spec: ImportKind, record: ImportedRecord, *, keep_rows: bool = False, checked: bool = False
) -> ImportedRecord:
    """The record built from its cells by the kind, the formula-like cells found first (once; not again
    when ``checked``: the upload's check found none in a record it let through)."""
    if record.cells is not None:
        if not checked:
            record.problems.extend(formula_problems(record.cells))
        spec.build(record, record.cells)
        if not keep_rows:
            record.cells.clear()
        record.cells = None
    return record

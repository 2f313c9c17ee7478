"""Every write to the joint report: request a version, compute its snapshot, sign it off; and the
comparison of two versions.

A report is requested (queued), computed by the Celery task (running, then a draft holding every
figure, the disclosure thresholds and their SHA-256 checksum), signed off by a UNHCR and an IOM
manager and then final. PostgreSQL refuses any change to a final report and any change to a draft's
figures (migration 0001's triggers), so regenerating is always a new version. Who may do what is
``reports.policy``'s answer; what makes a request possible is this module's.
"""

import datetime
import hashlib
import json
import logging
import time

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agencies.problems import Problem, Refused
from agencies.queueing import task_send_on_commit
from reports import policy, tasks
from reports.content import report_figures
from reports.disclosure import public_edition, thresholds_current
from reports.models import Report, ReportSignOff

logger = logging.getLogger(__name__)

# The system's own data starts with the 2002 VolRep programme; earlier years are not reported.
FIRST_DAY = datetime.date(2002, 1, 1)
LONGEST_PERIOD_DAYS = 366
# The steps the page shows that are the service's own (the content's steps come from ``report_figures``).
STEP_STARTING = gettext_noop("Starting")
STEP_DONE = gettext_noop("Done")
PROGRESS_STEP_LENGTH = 120
HIGHLIGHTS_TITLE = gettext_noop("Highlights")


def report_checksum(figures: dict) -> str:
    """SHA-256 of the canonical JSON of the figures: keys sorted, no spaces, UTF-8.

    Canonical so that the figures read back from PostgreSQL (``jsonb`` keeps its own key order)
    give the same checksum as the dict that was stored: a signer can check what they sign.
    """
    canonical = json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def report_title(*, period_start: datetime.date, period_end: datetime.date) -> str:
    """The report's title in the active language: a calendar year by its number, any other period by its dates."""
    if (period_start.month, period_start.day, period_end.month, period_end.day) == (1, 1, 12, 31) and (
        period_start.year == period_end.year
    ):
        return _("Joint UNHCR-IOM report on returns, %(year)s") % {"year": period_start.year}
    return _("Joint UNHCR-IOM report on returns, %(start)s to %(end)s") % {
        "start": period_start.isoformat(),
        "end": period_end.isoformat(),
    }


def report_request_problems(
    *,
    period_start: datetime.date,
    period_end: datetime.date,
    reference_date: str,
    cut_off: datetime.datetime,
    now: datetime.datetime,
) -> dict[str, list[Problem]]:
    """What is impossible about these parameters, keyed by field."""
    problems: dict[str, list[Problem]] = {}

    def add(path: str, code: str, message: str) -> None:
        problems.setdefault(path, []).append(Problem(code, message))

    today = timezone.localdate(now)
    if reference_date not in Report.ReferenceDate.values:
        add(
            "reference_date",
            "unknown_reference_date",
            _("Choose which date decides a person's period: the arrival date or the date the grant was paid."),
        )
    if period_end < period_start:
        add(
            "period_end",
            "period_backwards",
            _("The period ends on %(end)s, before it starts (%(start)s): swap the dates.")
            % {"start": period_start.isoformat(), "end": period_end.isoformat()},
        )
    elif (period_end - period_start).days + 1 > LONGEST_PERIOD_DAYS:
        add(
            "period_end",
            "period_too_long",
            _("A report covers at most a year (%(days)s days): choose an end date within a year of the start.")
            % {"days": LONGEST_PERIOD_DAYS},
        )
    if period_start < FIRST_DAY:
        add(
            "period_start",
            "before_2002",
            _("The registry's figures start on %(first)s: choose a later start date.")
            % {"first": FIRST_DAY.isoformat()},
        )
    if period_end > today:
        add(
            "period_end",
            "period_in_future",
            _("The period ends on %(end)s, which has not come yet: end it today (%(today)s) or earlier.")
            % {"end": period_end.isoformat(), "today": today.isoformat()},
        )
    if cut_off > now:
        add(
            "cut_off",
            "cut_off_in_future",
            _("The data cut-off is in the future: leave it empty for now, or choose a moment that has passed."),
        )
    return problems


def _lock_versions(*, period_start: datetime.date, period_end: datetime.date, reference_date: str) -> None:
    """Serialise the requests of one (period, reference date), so that two of them never both take version 2.

    An advisory lock for the transaction: the first version has no row to lock yet.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"reports.report:{period_start.isoformat()}:{period_end.isoformat()}:{reference_date}"],
        )


@transaction.atomic
def report_request(
    *,
    requested_by,
    period_start: datetime.date,
    period_end: datetime.date,
    reference_date: str,
    cut_off: datetime.datetime | None = None,
) -> Report:
    """Queue a new version of the joint report for a period; the Celery task computes it after commit.

    ``cut_off`` (only what was recorded by then counts) defaults to now. The version is the next one
    for the period and reference date. Refuses with ``PermissionDenied`` (role) or ``Refused``
    (problems keyed by field; nothing saved).
    """
    policy.require_generate_report(requested_by)
    now = timezone.now()
    cut_off = now if cut_off is None else cut_off
    problems = report_request_problems(
        period_start=period_start, period_end=period_end, reference_date=reference_date, cut_off=cut_off, now=now
    )
    if problems:
        raise Refused(problems)
    _lock_versions(period_start=period_start, period_end=period_end, reference_date=reference_date)
    latest = Report.objects.filter(
        period_start=period_start, period_end=period_end, reference_date=reference_date
    ).aggregate(latest=Max("version"))["latest"]
    # The stored title is English, like the figures' own words; pages show it in the reader's language.
    with translation.override("en"):
        title = report_title(period_start=period_start, period_end=period_end)
    report = Report.objects.create(
        title=title,
        period_start=period_start,
        period_end=period_end,
        reference_date=reference_date,
        cut_off=cut_off,
        version=(latest or 0) + 1,
        requested_by=requested_by,
    )
    report_id = report.pk
    task_send_on_commit(tasks.report_compute_task, report_id)
    return report


def _failure(error: Exception) -> str:
    """What the report page says went wrong: the error's kind and first line (the log has the rest)."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}"[:500]


def _progress_write(*, report_id: int, percent: int, step: str) -> None:
    # Its own short transaction, so the page polling the progress sees it at once.
    with transaction.atomic():
        Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
            progress=max(0, min(int(percent), 99)), progress_step=str(step)[:PROGRESS_STEP_LENGTH]
        )


def report_compute(*, report_id: int, progress_every: float = 0.5) -> Report | None:
    """Compute a queued report's snapshot: its figures, the disclosure thresholds and their checksum.

    Only a queued report is computed: a second run (a redelivered task) does nothing. The report is
    marked running in a transaction of its own; ``report_figures`` then reports its progress, which
    is written at most every ``progress_every`` seconds; the snapshot is stored in one UPDATE at the
    end (a draft), so a failure never leaves half a snapshot: the report is marked failed with the
    error, which is logged. Not in a transaction: each step commits so that the page sees it move.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status != Report.Status.QUEUED:
            return report
        report.status = Report.Status.RUNNING
        report.started_at = timezone.now()
        report.progress = 0
        report.progress_step = STEP_STARTING
        report.save(update_fields=["status", "started_at", "progress", "progress_step"])

    last_written = time.monotonic()

    def progress(percent: int, step: str) -> None:
        nonlocal last_written
        if time.monotonic() - last_written >= progress_every:
            _progress_write(report_id=report_id, percent=percent, step=step)
            last_written = time.monotonic()

    try:
        figures = report_figures(
            user=report.requested_by,
            period_start=report.period_start,
            period_end=report.period_end,
            reference_date=report.reference_date,
            cut_off=report.cut_off,
            progress=progress,
        )
        thresholds = thresholds_current()
        checksum = report_checksum(figures)
        with transaction.atomic():
            Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
                status=Report.Status.DRAFT,
                figures=figures,
                thresholds=thresholds,
                checksum=checksum,
                computed_at=timezone.now(),
                progress=100,
                progress_step=STEP_DONE,
                error="",
            )
    except Exception as error:  # any failure is the report's, recorded for the people who asked
        logger.exception("The joint report %s could not be computed", report_id)
        with transaction.atomic():
            Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(
                status=Report.Status.FAILED, error=_failure(error)
            )
    return Report.objects.get(pk=report_id)


@transaction.atomic
def report_sign_off(*, report: Report, signed_by, note: str = "") -> ReportSignOff:
    """A manager signs a draft off for their agency, for the checksum the draft holds.

    Once UNHCR and IOM have both signed, the report is final and never changes again. Refuses with
    ``PermissionDenied`` (not a manager of UNHCR or IOM) or ``Refused`` (not a draft, the agency
    signed already); nothing is saved then. ``report`` is updated in place.
    """
    policy.require_sign_off(signed_by)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    policy.require_sign_off(signed_by, locked)
    sign_off = ReportSignOff.objects.create(
        report=locked, agency_id=signed_by.agency_id, signed_by=signed_by, checksum=locked.checksum, note=note.strip()
    )
    signed = set(locked.sign_offs.values_list("agency__code", flat=True))
    if signed.issuperset(policy.SIGNING_AGENCIES):
        locked.status = Report.Status.FINAL
        locked.finalised_at = timezone.now()
        locked.save(update_fields=["status", "finalised_at"])
    report.status, report.finalised_at = locked.status, locked.finalised_at
    return sign_off


def report_edition_figures(*, report: Report, edition: str) -> dict:
    """The figures of one edition of a computed report: the stored (internal) ones, or the public
    edition derived from them with the thresholds stored in the same snapshot."""
    if edition == policy.INTERNAL:
        return report.figures
    return public_edition(report.figures, thresholds=report.thresholds)


def _key(parts) -> str:
    return "/".join(str(part) for part in parts) if isinstance(parts, list | tuple) else str(parts)


def _cells(table: dict) -> tuple[list[str], dict[str, dict[str, object]]]:
    """A table's column keys (with ``total``) and its values by row key and column key (with a ``total`` row)."""
    columns = [column["key"] for column in table.get("columns", [])]
    has_row_totals = any("total" in row for row in table.get("rows", []))
    if has_row_totals:
        columns.append("total")
    values: dict[str, dict[str, object]] = {}
    for row in table.get("rows", []):
        row_values = dict(zip(columns, row.get("cells", []), strict=False))
        if has_row_totals:
            row_values["total"] = row.get("total")
        values[_key(row["key"])] = row_values
    total = table.get("total")
    if isinstance(total, dict) and "cells" in total:
        row_values = dict(zip(columns, total["cells"], strict=False))
        if has_row_totals:
            row_values["total"] = total.get("total")
        values["total"] = row_values
    return columns, values


def _merged(older: list[str], newer: list[str]) -> list[str]:
    return [*newer, *(key for key in older if key not in newer)]


def _compare_table(*, code: str, title: str, older: dict | None, newer: dict | None) -> dict:
    old_columns, old_values = _cells(older) if older else ([], {})
    new_columns, new_values = _cells(newer) if newer else ([], {})
    columns = _merged(old_columns, new_columns)
    rows = []
    for row_key in _merged(list(old_values), list(new_values)):
        in_old, in_new = row_key in old_values, row_key in new_values
        cells = []
        for column in columns:
            old = old_values.get(row_key, {}).get(column)
            new = new_values.get(row_key, {}).get(column)
            cells.append({"column": column, "old": old, "new": new, "changed": old != new})
        rows.append(
            {
                "key": row_key,
                "only_in": None if in_old and in_new else ("older" if in_old else "newer"),
                "cells": cells,
                "changed": any(cell["changed"] for cell in cells),
            }
        )
    return {
        "code": code,
        "title": title,
        "only_in": None if older and newer else ("older" if older else "newer"),
        "columns": columns,
        "columns_only_in_older": [column for column in old_columns if column not in new_columns],
        "columns_only_in_newer": [column for column in new_columns if column not in old_columns],
        "rows": rows,
        "changed_cells": sum(cell["changed"] for row in rows for cell in row["cells"]),
    }


def report_compare(*, older: Report, newer: Report, edition: str) -> list[dict]:
    """Two computed versions, figure by figure, in ``edition``: every cell (by row key and column key)
    with its old value, its new value and whether it changed; the highlights first, as a table of
    their own (``code`` ``highlights``), then each table by code, in the newer version's order.

    Each table says the rows and columns present in only one version (``only_in``,
    ``columns_only_in_older``/``newer``) and how many cells changed. A suppressed value is ``None``.
    """
    if not (older.is_computed and newer.is_computed):
        raise Refused.one("report", "not_computed", _("Only computed versions can be compared: wait until both are."))
    old_figures = report_edition_figures(report=older, edition=edition)
    new_figures = report_edition_figures(report=newer, edition=edition)

    def highlights(figures: dict) -> dict:
        items = figures.get("highlights", {})
        return {
            "columns": [{"key": "value"}],
            "rows": [{"key": [name], "cells": [value]} for name, value in items.items()],
        }

    compared = [
        _compare_table(
            code="highlights",
            title=HIGHLIGHTS_TITLE,
            older=highlights(old_figures),
            newer=highlights(new_figures),
        )
    ]
    old_tables = {table["code"]: table for table in old_figures.get("tables", [])}
    new_tables = {table["code"]: table for table in new_figures.get("tables", [])}
    for code in _merged(list(old_tables), list(new_tables)):
        table = new_tables.get(code) or old_tables[code]
        compared.append(
            _compare_table(
                code=code, title=table.get("title", code), older=old_tables.get(code), newer=new_tables.get(code)
            )
        )
    return compared

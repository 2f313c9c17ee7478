"""Issue 11, item 6: the batch search for duplicates over the whole registry (target: a million people
in at most 10 minutes on the 2-core machine), then over one import (the last ``IMPORT_HOUSEHOLDS``
households registered) against the whole registry.

Run in process, as the Celery task runs it (``returns.duplicates.match_run_execute``), as the demo's
UNHCR manager. The demo's names are drawn at random from short lists, so the registry holds many
namesakes (same given and father's name, same sex, a few years apart): most of the pairs queued are
those, which is expected; the count is reported. The pairs and runs the benchmark made are deleted
afterwards (none is decided), so a reused database gives the same figures.
"""

import logging
import time
from dataclasses import dataclass, field

TARGET_SECONDS = 600
IMPORT_HOUSEHOLDS = 1000
USERNAME = "unhcr.manager"


@dataclass
class DuplicatesResult:
    lines: list[str] = field(default_factory=list)
    whole_seconds: float = 0.0
    whole_people: int = 0
    whole_pairs: int = 0
    whole_status: str = ""


def _run(*, registered_since=None) -> tuple[float, object]:
    from agencies.models import User
    from returns.duplicates import match_run_execute
    from returns.models import MatchRun

    run = MatchRun.objects.create(started_by=User.objects.get(username=USERNAME), registered_since=registered_since)
    began = time.perf_counter()
    run = match_run_execute(run.pk)
    return time.perf_counter() - began, run


def _forget(runs) -> None:
    """Leave the registry as it was: the benchmark's pairs (undecided) and runs deleted."""
    from returns.models import MatchPair, MatchRun

    MatchPair.objects.filter(run__in=runs, status=MatchPair.Status.PENDING).delete()
    MatchRun.objects.filter(pk__in=[run.pk for run in runs], pairs__isnull=True).delete()


def duplicates_run() -> DuplicatesResult:
    from django.db import connection

    from returns.models import Household, MatchPair

    # The run's phases, in the log.
    logging.getLogger("returns.duplicates").setLevel(logging.INFO)
    result = DuplicatesResult()
    queued_before = MatchPair.objects.count()
    seconds, whole = _run()
    result.whole_seconds, result.whole_people, result.whole_pairs = seconds, whole.people_total, whole.pairs_found
    result.whole_status = whole.status
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE score >= 0.85), min(score), percentile_cont(0.5) WITHIN GROUP "
            "(ORDER BY score) FROM returns_matchpair WHERE run_id = %s",
            [whole.pk],
        )
        likely, lowest, median = cursor.fetchone()
    result.lines.append(
        f"    whole registry         {whole.people_total:>10,} people  {seconds:>7.1f} s  "
        f"{whole.pairs_found:>10,} pairs queued  (target <= {TARGET_SECONDS} s: "
        f"{'ok' if whole.status == 'done' and seconds <= TARGET_SECONDS else 'MISSED'})"
    )
    if whole.status != "done":
        result.lines.append(f"    FAILED: {whole.error}")
    result.lines.append(
        f"    pairs scored >= 0.85 (likely duplicates) {likely or 0:,}; lowest score {lowest}, median {median}; "
        f"{(whole.pairs_found / max(whole.people_total, 1)):.2f} pairs a person"
    )
    since = Household.objects.order_by("-created_at", "-pk").values_list("created_at", flat=True)[IMPORT_HOUSEHOLDS - 1]
    # Against the queue the whole run filled: only pairs it has not found yet would be added.
    seconds, import_run = _run(registered_since=since)
    result.lines.append(
        f"    one import ({IMPORT_HOUSEHOLDS:,} households) {import_run.people_total:>7,} people  {seconds:>7.1f} s  "
        f"{import_run.pairs_found:>10,} new pairs"
    )
    _forget([whole, import_run])
    seconds, import_alone = _run(registered_since=since)
    result.lines.append(
        f"    one import, queue empty {import_alone.people_total:>9,} people  {seconds:>7.1f} s  "
        f"{import_alone.pairs_found:>10,} pairs queued"
    )
    _forget([import_alone])
    result.lines.append(f"    (queue left as found: {MatchPair.objects.count():,} pairs, {queued_before:,} before)")
    return result


def duplicates_summary(result: DuplicatesResult) -> list[str]:
    return ["(j) Batch search for duplicates (issue 11), in process, as the Celery task runs it", *result.lines]

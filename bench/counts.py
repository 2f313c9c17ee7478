"""Issue 8, item 6: the daily grid of border counts for one crossing over a whole year (target: 200 ms).

A year of counts is seeded at one crossing point with COPY, next to the demo's: every day of
``YEAR`` at Torkham, from three countries of departure, with corrections (a second version on one
count in five, a third on one in twenty), about 1,400 rows. Any counts already there for that
crossing and year are replaced, so a reused benchmark database gives the same figures.

Measured like the case pages (``bench.cases``): the selector in process (wall time, with the
EXPLAIN ANALYZE of its queries), and the page through gunicorn (time to first byte) as
``iom.officer``, who may record counts, so that every row carries its "enter" or "correct" link.
The month page and the reconciliation page (its default 12 weeks) are measured alongside, without a target.
"""

import datetime
import io
import os
import random

from bench.cases import (
    REPEAT,
    WARMUP,
    Timing,
    _Connection,
    _execution_ms,
    _explain,
    _page_timing,
    _repeat,
    _session_cookie,
    _users,
)

CROSSING = "TKM"
COUNTRIES = (("PK", 0.9), ("IN", 0.06), ("TJ", 0.04))  # Torkham: nearly all from Pakistan
YEAR = 2022  # the year before the demo's first arrivals: the demo's own counts stay as they are
TARGET_YEAR_GRID_MS = 200


def _breakdown(rng: random.Random, total: int) -> dict[str, int]:
    """Figures for ``total`` arrivals, every breakdown adding up to it (as the constraints demand)."""
    deported = round(total * rng.uniform(0.3, 0.6))
    in_families = round(total * rng.uniform(0.7, 0.9))
    bands = ("0_4", "5_11", "12_17", "18_59", "60_plus")
    shares = (0.17, 0.2, 0.13, 0.46, 0.04)
    sex_age, given = {}, 0
    for sex in ("female", "male"):
        for band, share in zip(bands, shares, strict=True):
            value = int(total * share / 2)
            sex_age[f"{sex}_{band}"] = value
            given += value
    sex_age["male_18_59"] += total - given
    return {
        "total": total,
        "deported": deported,
        "spontaneous": total - deported,
        "in_families": in_families,
        "individuals": total - in_families,
        **sex_age,
    }


def counts_seed(*, year: int = YEAR) -> int:
    """COPY a year of counts at ``CROSSING`` (replacing that year's there); the number of rows."""
    from django.db import connection, transaction

    from agencies.models import Office
    from returns.models import BorderCount
    from returns.models.counts import MEASURES

    crossing = Office.objects.get(code=CROSSING)
    recorder = _users()["iom.officer"]
    rng = random.Random(8)
    first = datetime.date(year, 1, 1)
    rows = []
    for offset in range((datetime.date(year, 12, 31) - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        for country, share in COUNTRIES:
            versions = 1 + (rng.random() < 0.2) + (rng.random() < 0.05)
            for version in range(1, versions + 1):
                figures = _breakdown(rng, max(1, round(rng.gauss(900, 250) * share)))
                note = "" if version == 1 else "Recounted from the gate's tally sheet."
                recorded = f"{day.isoformat()} 18:{version:02d}:00+04:30"
                values = [str(figures[name]) for name in MEASURES]
                where = (str(crossing.pk), day.isoformat(), country, str(version))
                rows.append("\t".join((*where, *values, note, str(recorder.pk), recorded)))
    columns = ", ".join(
        ("crossing_id", "day", "country_id", "version", *MEASURES, "note", "recorded_by_id", "recorded_at")
    )
    table = BorderCount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        BorderCount.objects.filter(crossing=crossing, day__year=year).delete()
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO("\n".join(rows) + "\n"))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    return len(rows)


def counts_run(*, host: str | None, port: int | None) -> dict:
    """Seed the year, then measure the grid (selector and pages) and the reconciliation page."""
    from agencies.models import Office
    from returns.models import BorderCount
    from returns.selectors.counts import border_count_grid

    load_before = os.getloadavg()[0]
    rows = counts_seed()
    officer = _users()["iom.officer"]
    crossing = Office.objects.get(code=CROSSING)
    first_day, last_day = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)

    def year_grid():
        return border_count_grid(user=officer, crossing=crossing, first_day=first_day, last_day=last_day)

    result = {"rows": rows, "table": BorderCount.objects.count(), "timings": [], "explains": [], "notes": []}
    timing = Timing(label=f"selector border_count_grid ({CROSSING}, {YEAR})", how="in-process wall time")
    timing.seconds = _repeat(year_grid)
    plan = _explain("border_count_grid, a whole year", year_grid)
    result["explains"].append(plan)
    timing.note = "; ".join(_execution_ms(plan))
    result["timings"].append(timing)

    if host is not None:
        cookie = _session_cookie(officer)
        connection = _Connection(host, port)
        try:
            for label, path, target in (
                (
                    f"GET /counts/ whole year ({CROSSING}, {YEAR})",
                    f"/counts/?crossing={CROSSING}&month={YEAR}-01&period=year",
                    TARGET_YEAR_GRID_MS,
                ),
                (
                    f"GET /counts/ one month ({CROSSING}, {YEAR}-06)",
                    f"/counts/?crossing={CROSSING}&month={YEAR}-06",
                    None,
                ),
                ("GET /counts/reconciliation/ (12 weeks)", "/counts/reconciliation/", None),
            ):
                result["timings"].append(
                    _page_timing(connection, label=label, path=path, cookie=cookie, target_ms=target, expect=b"</html>")
                )
        finally:
            connection.close()
    result["notes"].append(
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores shared with other work)"
    )
    return result


def counts_summary(result: dict) -> list[str]:
    lines = [
        f"(f) Border counts (issue 8): the daily grid of one crossing for a whole year; {WARMUP} warm-up runs, "
        f"then p50/p95 over {REPEAT} runs; one request at a time",
        f"    {result['rows']:,} count rows seeded for {CROSSING} in {YEAR} (COPY; {len(COUNTRIES)} countries, "
        f"corrections as later versions); {result['table']:,} rows in the table",
        f"    {'what':<50} {'measured as':<32} {'p50 ms':>7} {'p95 ms':>7} {'target':>8}  verdict",
    ]
    for timing in result["timings"]:
        target = f"<= {timing.target_ms:g}" if timing.target_ms is not None else ""
        figures = f"{timing.p50:>7.1f} {timing.p95:>7.1f} {target:>8}"
        lines.append(f"    {timing.label:<50} {timing.how:<32} {figures}  {timing.verdict}")
    notes = [f"    {timing.label}: {timing.note}" for timing in result["timings"] if timing.note]
    if notes:
        lines.append("  notes:")
        lines.extend(notes)
    lines.extend(f"    {note}" for note in result["notes"])
    return lines

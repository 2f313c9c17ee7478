"""Issue 9's benchmark: the joint report of a year with 1,000,000 returnees in a registry of
3,000,000 people, plus the daily border counts of every crossing.

Targets: ``report_figures`` no slower than the same tables written as straightforward hand-written
SQL, one query per table, measured in the same run (ratio <= 1.0); the worker's peak memory
<= 300 MB; the PDF <= 15 s.

Runs in a process of its own (``python -m bench.report``, started by ``python -m bench`` for
``BENCH_ONLY=report`` or a full run) against a database of its own, ``<bench database>_report``:
its registry is three times the other parts' and differently spread over the years, so the two
never share one. ``BENCH_REPORT_PEOPLE`` (default 3,000,000) scales it; a third of the people
arrive in 2025, the report's year. ``BENCH_REUSE_DB=1`` keeps a database already loaded with that
many people; ``BENCH_KEEP_DB=1`` keeps it afterwards; ``BENCH_REPORT_REPEAT`` (3) sets the timed runs.

Order of work: load (or reuse); the hand-written SQL alone (a warm-up pass, then ``REPEAT`` timed
passes, median; and the EXPLAIN ANALYZE of each query to ``BENCH_REPORT_EXPLAIN``), written to the
summary before ours is imported, so that if ``reports.content`` is missing the run fails there,
loudly, with the yardstick already measured; then ours (``reports.content.report_figures``, a
warm-up call, then ``REPEAT`` calls each right after a pass of the hand-written SQL: on a machine
shared with other work, interleaving lets the load weigh on both alike; the ratio uses these
pairs), a few totals cross-checked, one more call with its queries captured; the worker in a
subprocess (its peak RSS, the VmHWM it reads as it ends); the PDF in English and Dari.
"""

import contextlib
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path

from bench.database import DEFAULT_URL, bench_env, database_drop, database_loaded, database_recreate, manage

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPORT_REPEAT", "3"))  # timed runs of each, after a warm-up
PERIOD_START = datetime.date(2025, 1, 1)
PERIOD_END = datetime.date(2025, 12, 31)
FIRST_PUBLISHED_YEAR = 2002
TARGET_RATIO = 1.0
TARGET_WORKER_MB = 300
TARGET_PDF_SECONDS = 15.0
PDF_LANGUAGES = ("en", "fa")
COORDINATOR = "coordinator"  # the demo's coordinator (UNHCR), who generates the report


def say(message: str = "") -> None:
    print(message, flush=True)


def report_database_url(url: str) -> str:
    """The report part's own database, next to the other parts' (``BENCH_REPORT_DATABASE_URL`` overrides)."""
    return os.environ.get("BENCH_REPORT_DATABASE_URL") or f"{url}_report"


def query_parameters(*, cut_off: datetime.datetime) -> dict:
    return {
        "start": PERIOD_START,
        "end": PERIOD_END,
        "prev_start": PERIOD_START.replace(year=PERIOD_START.year - 1),
        "prev_end": PERIOD_END.replace(year=PERIOD_END.year - 1),
        "cut_off": cut_off,
        "first_year": FIRST_PUBLISHED_YEAR,
        "end_year": PERIOD_END.year,
    }


def hand_written_run(*, cut_off: datetime.datetime) -> tuple[float, dict[str, float], dict[str, list]]:
    """Every hand-written query once, one after another, rows fetched: the total time, each query's, the rows."""
    from django.db import connection

    from bench.report_sql import HAND_QUERIES

    parameters = query_parameters(cut_off=cut_off)
    each, rows = {}, {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for code, query in HAND_QUERIES.items():
            began = time.perf_counter()
            cursor.execute(query, parameters)
            rows[code] = cursor.fetchall()
            each[code] = time.perf_counter() - began
    return time.perf_counter() - started, each, rows


def hand_written_explain(*, cut_off: datetime.datetime) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every hand-written query, to set against ours' plans."""
    from django.db import connection

    from bench.report_sql import HAND_QUERIES

    parameters = query_parameters(cut_off=cut_off)
    plans = []
    with connection.cursor() as cursor:
        for code, query in HAND_QUERIES.items():
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", parameters)
            plans.append(f"-- {code}\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(plans) + "\n"


def ours_queries(run) -> dict:
    """One more call of ``run`` with its queries captured: how many, their time in PostgreSQL, the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    timed = sorted(((float(query["time"]), query["sql"]) for query in captured.captured_queries), reverse=True)
    return {
        "count": len(timed),
        "seconds": sum(seconds for seconds, _sql in timed),
        "slowest": [(seconds, " ".join(sql.split())[:100]) for seconds, sql in timed[:5]],
    }


def _repeat(run) -> tuple[list[float], object]:
    """A warm-up call, then ``REPEAT`` timed ones; their wall times and the last result."""
    result = run()
    seconds = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - began)
    return seconds, result


def _table(figures: dict, code: str) -> dict | None:
    return next((table for table in figures.get("tables", []) if table.get("code") == code), None)


def cross_check(*, figures: dict, hand: dict[str, list]) -> list[str]:
    """A few totals compared between the hand-written SQL and ``report_figures``; one line per mismatch."""
    mismatches = []
    expected: dict[str, int] = {}
    for status, _group, people in hand["headline"]:
        expected[status] = expected.get(status, 0) + int(people)
    headline = _table(figures, "headline")
    if headline is None:
        mismatches.append("headline: no such table in the figures")
    else:
        got = {row["key"][0]: row["total"] for row in headline["rows"]}
        for status, people in expected.items():
            if got.get(status) != people:
                mismatches.append(f"headline {status}: hand-written {people:,}, ours {got.get(status)}")
        if headline["total"]["total"] != sum(expected.values()):
            mismatches.append(
                f"headline total: hand-written {sum(expected.values()):,}, ours {headline['total']['total']}"
            )
    by_crossing = _table(figures, "by_crossing")
    if by_crossing is None:
        mismatches.append("by_crossing: no such table in the figures")
    else:
        got = {row["key"][0]: row["total"] for row in by_crossing["rows"]}
        for crossing, _deported, _spontaneous, _families, _individuals, total in hand["by_crossing"]:
            if got.get(crossing) != int(total):
                mismatches.append(f"by_crossing {crossing}: hand-written {int(total):,}, ours {got.get(crossing)}")
    grants = next((row for row in hand["volrep_assistance"] if row[0] == "grants"), None)
    volrep = _table(figures, "volrep_assistance")
    if grants is not None and volrep is not None:
        people_column = next(
            (index for index, column in enumerate(volrep["columns"]) if column.get("parts") == ["people"]), None
        )
        row = next((row for row in volrep["rows"] if row["key"] == ["grants"]), None)
        expected_people = Decimal(grants[1] or 0)
        got_people = None if row is None or people_column is None else row["cells"][people_column]
        if got_people is None or Decimal(str(got_people)) != expected_people:
            mismatches.append(f"volrep_assistance grants people: hand-written {expected_people:,}, ours {got_people}")
    return mismatches


def worker_run(*, env: dict) -> dict:
    """Generate the report as the worker does (``report_request``, then the task) in a subprocess; its peak RSS."""
    command = [sys.executable, "-m", "bench.report_worker", PERIOD_START.isoformat(), PERIOD_END.isoformat()]
    # No broker: the task runs eagerly, in this subprocess, as the worker would run it.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**env, "CELERY_BROKER_URL": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read()
    process.stdout.close()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        last = output.strip().splitlines()[-1] if output.strip() else ""
        raise RuntimeError(f"bench.report_worker exited with {process.returncode}: {last}\n{output}")
    result = json.loads(output.strip().splitlines()[-1])
    # The worker's own high-water mark (VmHWM, read as it ends): wait4's ru_maxrss would also count
    # the pages this process had when it forked the worker, before exec (the loader's, after a load).
    result["peak_mb"] = result["vm_hwm_kb"] / 1024
    result["rusage_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


def pdf_run(figures: dict) -> dict[str, tuple[float, int]]:
    from reports.outputs import report_pdf

    timings = {}
    for language in PDF_LANGUAGES:
        began = time.perf_counter()
        document = report_pdf(figures, language=language)
        timings[language] = (time.perf_counter() - began, len(document))
    return timings


def database_prepare(*, url: str, env: dict, people: int) -> bool:
    """Re-create and migrate the report's database (True: it needs loading), or reuse one loaded for ``people``."""
    manage_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    if os.environ.get("BENCH_REUSE_DB") == "1" and database_loaded(url) and _people_loaded(url) == people:
        say(f"Report database {url.rsplit('@', 1)[-1]}: already loaded, migrating (BENCH_REUSE_DB=1)")
        manage("migrate", "--noinput", env=manage_env)
        return False
    say(f"Report database {url.rsplit('@', 1)[-1]}: re-creating and migrating")
    database_recreate(url)
    manage("migrate", "--noinput", env=manage_env)
    return True


def _people_loaded(url: str) -> int:
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM bench_report_load WHERE key = 'people_requested'")
            row = cursor.fetchone()
            return int(row[0]) if row else -1
    except psycopg2.Error:
        return -1
    finally:
        connection.close()


def _load_mark(people: int) -> None:
    """Remember how many people were asked for, so that BENCH_REUSE_DB reuses only a matching load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_report_load (key text PRIMARY KEY, value text NOT NULL)")
        cursor.execute(
            "INSERT INTO bench_report_load VALUES ('people_requested', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [str(people)],
        )


def _vacuum() -> float:
    """VACUUM ANALYZE the tables the report reads, as autovacuum would have by the time anyone reports."""
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "returns_household",
            "returns_member",
            "returns_member_specific_needs",
            "returns_case",
            "returns_caseevent",
            "returns_assistance",
            "returns_memberentitlement",
            "returns_referral",
            "returns_monitoringinterview",
            "returns_bordercount",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - began


def report_main() -> int:
    """The report part, in its own process; writes its summary lines to ``BENCH_REPORT_SUMMARY`` as it goes."""
    base_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    url = report_database_url(base_url)
    people = int(os.environ.get("BENCH_REPORT_PEOPLE", 3_000_000))
    summary_path = Path(os.environ.get("BENCH_REPORT_SUMMARY", ROOT / "bench-results" / "report-summary.txt"))
    summary_path.parent.mkdir(exist_ok=True)
    env = bench_env(url)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    result: dict = {"people_requested": people, "database": url.rsplit("@", 1)[-1]}

    def write_summary() -> None:
        summary_path.write_text("\n".join(report_summary(result)) + "\n")

    fresh = database_prepare(url=url, env=env, people=people)
    import django

    django.setup()
    from django.utils import timezone

    from bench.report_data import report_data_load

    if fresh:
        say(f"(g) Report data: about {people:,} people, a third arriving in {PERIOD_START.year} (demo loader, COPY)")
        result["load"] = report_data_load(people=people, today=timezone.localdate(), progress=_load_progress(people))
        _load_mark(people)
        result["load"]["vacuum_seconds"] = _vacuum()
        load = result["load"]
        say(
            f"    {load['people']:,} people in {load['households']:,} households ({load['year_people']:,} in "
            f"{PERIOD_START.year}), {load['border_counts']:,} border counts, {load['referrals']:,} referrals, "
            f"{load['interviews']:,} interviews; {load['demo_seconds']:.0f} s + {load['extra_seconds']:.1f} s, "
            f"VACUUM ANALYZE {load['vacuum_seconds']:.0f} s"
        )
    try:
        measure(result=result, env=env, write_summary=write_summary)
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP_DB") != "1":
            database_drop(url)
    return 0


def measure(*, result: dict, env: dict, write_summary) -> None:
    """The hand-written SQL, ours, the worker and the PDF, in that order; ``result`` filled as they finish."""
    from django.utils import timezone

    result["registry"] = _registry_figures()
    cut_off = timezone.now()
    result["cut_off"] = cut_off

    say(f"(g) Hand-written SQL: {len(_queries())} queries one after another; a warm-up pass, then {REPEAT} passes")
    hand_seconds, hand = _repeat(lambda: hand_written_run(cut_off=cut_off))
    _total, each, rows = hand
    result["hand"] = {"seconds": hand_seconds, "each": each}
    say(f"    median {statistics.median(hand_seconds):.2f} s  (runs: {', '.join(f'{s:.2f}' for s in hand_seconds)})")
    write_summary()
    explain_path = os.environ.get("BENCH_REPORT_EXPLAIN")
    if explain_path:
        Path(explain_path).write_text(hand_written_explain(cut_off=cut_off))
        result["explain"] = explain_path

    from agencies.models import User

    coordinator = User.objects.get(username=COORDINATOR)
    # Ours. No fallback: without reports.content the benchmark has nothing to measure, and says so.
    from reports.content import report_figures

    def ours():
        return report_figures(
            user=coordinator,
            period_start=PERIOD_START,
            period_end=PERIOD_END,
            reference_date="arrival",
            cut_off=cut_off,
        )

    # Interleaved, hand-written then ours, so that the other work on the shared machine weighs on both alike.
    say(f"(g) Ours: report_figures, a warm-up call, then {REPEAT} calls, each after a pass of the hand-written SQL")
    figures = ours()
    hand_seconds, ours_seconds = [], []
    for _ in range(REPEAT):
        began = time.perf_counter()
        _total, each, rows = hand_written_run(cut_off=cut_off)
        hand_seconds.append(time.perf_counter() - began)
        began = time.perf_counter()
        figures = ours()
        ours_seconds.append(time.perf_counter() - began)
    result["hand"] = {"seconds": hand_seconds, "each": each, "interleaved": True}
    result["ours"] = {"seconds": ours_seconds}
    result["mismatches"] = cross_check(figures=figures, hand=rows)
    say(f"    hand-written: median {statistics.median(hand_seconds):.2f} s  (runs: {_runs(hand_seconds)})")
    say(f"    ours:         median {statistics.median(ours_seconds):.2f} s  (runs: {_runs(ours_seconds)})")
    for line in result["mismatches"]:
        say(f"    MISMATCH {line}")
    result["ours"]["queries"] = ours_queries(ours)
    queries = result["ours"]["queries"]
    say(f"    {queries['count']} queries, {queries['seconds']:.2f} s in PostgreSQL (one more call, queries captured)")
    write_summary()

    # The worker and the PDF come from different parts of issue 9 and may land apart: a failure of
    # one is printed and written to the summary as FAILED, the other is still measured, and the run
    # ends in an error.
    say("(g) The worker: report_request and the task, in a subprocess")
    with _failure_recorded(result, "worker"):
        result["worker"] = worker_run(env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"})
        worker = result["worker"]
        say(f"    {worker['status']} in {worker['seconds']:.1f} s, peak RSS {worker['peak_mb']:.0f} MB")
    write_summary()

    say(f"(g) The PDF: report_pdf in {', '.join(PDF_LANGUAGES)}")
    with _failure_recorded(result, "PDF"):
        result["pdf"] = pdf_run(figures)
        for language, (seconds, size) in result["pdf"].items():
            say(f"    {language}: {seconds:.1f} s, {size / 1024:,.0f} KiB")
    write_summary()
    if result.get("failures"):
        raise RuntimeError(f"the report benchmark's {' and '.join(result['failures'])} failed (tracebacks above)")


@contextlib.contextmanager
def _failure_recorded(result: dict, part: str):
    """Print the traceback of a failed part and note it in ``result``; the caller goes on."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - printed in full and reported as FAILED, never skipped quietly
        traceback.print_exc()
        result.setdefault("failures", {})[part] = f"{type(error).__name__}: {error}".splitlines()[0]


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in seconds)


def _queries() -> dict:
    from bench.report_sql import HAND_QUERIES

    return HAND_QUERIES


def _load_progress(people: int):
    last = [0.0]

    def progress(report) -> None:
        now = time.perf_counter()
        if now - last[0] >= 30:
            last[0] = now
            say(f"    ... {report.members:,} of about {people:,} people, {report.seconds:.0f} s")

    return progress


def _registry_figures() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE h.arrival_date BETWEEN %s AND %s) "
            "FROM returns_member m JOIN returns_household h ON h.id = m.household_id",
            [PERIOD_START, PERIOD_END],
        )
        people, year_people = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM returns_household")
        (households,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM returns_bordercount WHERE day BETWEEN %s AND %s", [PERIOD_START, PERIOD_END]
        )
        (counts,) = cursor.fetchone()
    return {"people": people, "year_people": year_people, "households": households, "year_counts": counts}


def report_summary(result: dict) -> list[str]:
    """The report part's block of the saved results: figures, targets, verdicts."""

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = [
        f"(g) Joint report (issue 9), {PERIOD_START} to {PERIOD_END}, reference date arrival; "
        f"database {result['database']}",
    ]
    load = result.get("load")
    if load:
        lines.append(
            f"    load: {load['people']:,} people, {load['households']:,} households, {load['cases']:,} cases, "
            f"{load['assistance']:,} assistance, {load['referrals']:,} referrals, {load['interviews']:,} interviews, "
            f"{load['border_counts']:,} border counts; demo loader {load['demo_seconds']:.0f} s, "
            f"referrals and interviews {load['extra_seconds']:.1f} s, VACUUM ANALYZE {load['vacuum_seconds']:.0f} s"
        )
    elif "registry" in result:
        lines.append("    load: skipped (BENCH_REUSE_DB=1, database already loaded)")
    registry = result.get("registry")
    if registry:
        lines.append(
            f"    registry: {registry['people']:,} people in {registry['households']:,} households; "
            f"{registry['year_people']:,} arrived in {PERIOD_START.year}; {registry['year_counts']:,} border counts "
            f"(versions) in {PERIOD_START.year}"
        )
    hand = result.get("hand")
    if hand:
        median = statistics.median(hand["seconds"])
        lines.append(
            f"    hand-written SQL, {len(hand['each'])} queries one after another: median {median:.2f} s over "
            f"{REPEAT} runs ({', '.join(f'{s:.2f}' for s in hand['seconds'])}), "
            + ("interleaved with ours'" if hand.get("interleaved") else "after a warm-up")
        )
        slowest = sorted(hand["each"].items(), key=lambda item: -item[1])
        lines.append("      last run, per query (ms): " + ", ".join(f"{code} {s * 1000:.0f}" for code, s in slowest))
        if result.get("explain"):
            lines.append(f"      EXPLAIN (ANALYZE, BUFFERS) of each: {Path(result['explain']).name}")
    ours = result.get("ours")
    if ours:
        median = statistics.median(ours["seconds"])
        ratio = median / statistics.median(hand["seconds"])
        lines.append(
            f"    ours, report_figures: median {median:.2f} s over {REPEAT} runs "
            f"({', '.join(f'{s:.2f}' for s in ours['seconds'])}), after a warm-up"
        )
        lines.append(
            f"    ratio ours / hand-written  {ratio:.2f}   (target <= {TARGET_RATIO}: {verdict(ratio <= TARGET_RATIO)})"
        )
        fastest = min(ours["seconds"]) / min(hand["seconds"])
        lines.append(
            f"      ratio of the fastest runs {fastest:.2f} (less sensitive to other work on the shared machine)"
        )
        queries = ours.get("queries")
        if queries:
            lines.append(
                f"      ours ran {queries['count']} queries, {queries['seconds']:.2f} s of them in PostgreSQL; "
                "slowest (s): " + "; ".join(f"{seconds:.2f} {sql}" for seconds, sql in queries["slowest"][:3])
            )
        mismatches = result.get("mismatches", [])
        lines.append(
            "    cross-check (headline per status, by_crossing per crossing, VolRep grants people): "
            + ("all equal" if not mismatches else f"{len(mismatches)} MISMATCHES")
        )
        lines.extend(f"      {line}" for line in mismatches)
    elif hand:
        lines.append("    ours: not measured (the run stopped before report_figures; see the error)")
    worker = result.get("worker")
    if worker:
        lines.append(
            f"    worker (report_request + report_compute_task, subprocess): {worker['status']} in "
            f"{worker['seconds']:.1f} s; peak RSS {worker['peak_mb']:.0f} MB   "
            f"(target <= {TARGET_WORKER_MB} MB: {verdict(worker['peak_mb'] <= TARGET_WORKER_MB)})"
        )
    pdf = result.get("pdf")
    if pdf:
        for language, (seconds, size) in pdf.items():
            lines.append(
                f"    PDF ({language}): {seconds:.1f} s, {size / 1024:,.0f} KiB   "
                f"(target <= {TARGET_PDF_SECONDS:g} s: {verdict(seconds <= TARGET_PDF_SECONDS)})"
            )
    for part, error in result.get("failures", {}).items():
        lines.append(f"    {part}: FAILED ({error})")
    lines.append(f"    load average {os.getloadavg()[0]:.1f} at the end (2 cores shared with other work)")
    return lines


if __name__ == "__main__":
    time.tzset()
    sys.exit(report_main())

"""``python -m bench``: load a million demo people with their cases, measure the case pages, the
selectors and transitions (issue 3), register households over HTTP under load, then read and sync the
registry with a partner's key (issue 4), the border counts' grid of a whole year (issue 8), and the
joint annual report of a year with a million returnees in a registry of three million (issue 9,
``bench.report``, in a process and a database of its own).

Then what the access log costs registration and a partner's full sync (issue 10, ``bench.access_log``).

``BENCH_ONLY=registration``, ``BENCH_ONLY=cases``, ``BENCH_ONLY=partner``, ``BENCH_ONLY=counts``,
``BENCH_ONLY=access_log``, ``BENCH_ONLY=search``, ``BENCH_ONLY=duplicates`` (the batch search for duplicates,
in process, no server), ``BENCH_ONLY=matching`` (the duplicate search's precision and recall on a labelled
set, ``bench.matching``), ``BENCH_ONLY=import`` (a 100,000-row household file, ``bench.imports``) or
``BENCH_ONLY=offline`` (the registration page on a slow link and the offline queue, ``bench.offline``) or
``BENCH_ONLY=report`` runs one part; ``BENCH_REUSE_DB=1`` keeps a
benchmark database that is already loaded (migrating it) instead of re-creating it.
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from bench.access_log import WINDOW_WARMUP, WINDOWS, access_log_run, access_log_summary
from bench.cases import CasesResult, cases_run, cases_summary
from bench.counts import counts_run, counts_summary
from bench.database import (
    DEFAULT_URL,
    bench_env,
    database_drop,
    database_loaded,
    database_recreate,
    demo_load,
    manage,
)
from bench.duplicates import duplicates_run, duplicates_summary
from bench.imports import import_run
from bench.load import LoadResult, http_post_requests, load_run
from bench.matching import matching_run
from bench.offline import offline_run
from bench.partner import PartnerResult, partner_run, partner_summary
from bench.probe import machine_line, machine_probes
from bench.search import search_run, search_summary
from bench.server import gunicorn

ROOT = Path(__file__).resolve().parent.parent
PEOPLE_PER_HOUSEHOLD = 5.35  # what the demo caseload averages (DOMAIN.md: about 5.4)
TARGET_PER_SECOND = 200
TARGET_P95_MS = 100
TARGET_RATIO = 0.5


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def bodies_for(*, seconds: float) -> int:
    """Enough registration bodies for ``seconds`` of load at twice the target rate: a body is never
    sent twice (its people's document numbers would be refused as already registered)."""
    return max(2000, int(seconds * TARGET_PER_SECOND * 2))


def say(message: str = "") -> None:
    print(message, flush=True)


def bench_token() -> str:
    """A field officer's API token (IOM, Torkham), as a registering client would hold."""
    from agencies.models import Agency, Office, User
    from agencies.staff_tokens import staff_token_issue

    user, _created = User.objects.update_or_create(
        username="bench.officer",
        defaults={
            "agency": Agency.objects.get(code="IOM"),
            "office": Office.objects.get(code="TKM"),
            "role": User.Role.FIELD_OFFICER,
            "is_active": True,
        },
    )
    _token, key = staff_token_issue(user=user, name="bench")
    return key


def api_route_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/households/")
    except Resolver404:
        return False
    return True


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    people = env_int("BENCH_PEOPLE", 1_000_000)
    clients = env_int("BENCH_CLIENTS", 8)
    warmup = env_float("BENCH_WARMUP", 3)
    duration = env_float("BENCH_DURATION", 20)
    # Measured on the 2-core machine: 2 gthread workers x 4 threads beat 3, 4 or 6 sync workers and
    # 2 x 2, 2 x 8 or 3 x 3 gthread (keep-alive, fewer processes competing with PostgreSQL).
    workers = env_int("BENCH_WORKERS", 2)
    worker_class = os.environ.get("BENCH_WORKER_CLASS", "gthread")
    threads = env_int("BENCH_THREADS", 4)
    households = max(1, round(people / PEOPLE_PER_HOUSEHOLD))
    only = os.environ.get("BENCH_ONLY", "").strip().lower()
    parts = (
        "registration",
        "cases",
        "partner",
        "counts",
        "access_log",
        "search",
        "duplicates",
        "matching",
        "import",
        "offline",
        "report",
    )
    if only not in ("", *parts):
        say(f"BENCH_ONLY must be one of {', '.join(parts)}")
        return 2
    if only == "report":
        return report_only(url)
    if only == "matching":
        return matching_only(url)
    if only == "import":
        return part_alone(url, run=import_run, suffix="import")
    if only == "offline":
        return part_alone(url, run=offline_run, suffix="offline")
    env = bench_env(url)
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    started = datetime.datetime.now()

    seeded = None
    if os.environ.get("BENCH_REUSE_DB") == "1" and database_loaded(url):
        say(f"Benchmark database {url.rsplit('@', 1)[-1]}: already loaded, migrating (BENCH_REUSE_DB=1)")
        manage("migrate", "--noinput", env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"})
    else:
        say(f"Benchmark database {url.rsplit('@', 1)[-1]}: re-creating and migrating")
        database_recreate(url)
        manage("migrate", "--noinput", env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"})
        say(f"(a) seed_demo --households {households:,} (about {people:,} people, with their cases)")
        seeded = demo_load(households=households, env=env)
        say(seeded["output"].split("\n\nDemo logins")[0])

    manage("collectstatic", "--noinput", env=env)  # the pages need the static files' manifest
    probe = machine_probes()

    import django

    django.setup()
    results: list[LoadResult] = []
    cases: CasesResult | None = None
    partner: PartnerResult | None = None
    counts: dict | None = None
    search_lines: list[str] = []
    server = f"gunicorn {workers} x {worker_class}" + (f" ({threads} threads)" if worker_class == "gthread" else "")
    duplicate_lines: list[str] = []
    if only in ("", "duplicates"):
        say("(j) Batch search for duplicates: the whole registry, then one import, in process")
        duplicate_lines = duplicates_summary(duplicates_run())
        for line in duplicate_lines[1:]:
            say(line)
    # The duplicate search alone needs no server.
    serving = (
        nullcontext(("", 0))
        if only == "duplicates"
        else gunicorn(env=env, workers=workers, worker_class=worker_class, threads=threads)
    )
    with serving as (host, port):
        if only in ("", "cases"):
            say(f"(d) Cases: selectors in process, pages and transitions through {server}")
            cases = cases_run(host=host, port=port)
            for line in cases_summary(cases)[2:]:
                say(line)
        if only in ("", "registration"):
            results = registration_run(
                host=host, port=port, server=server, clients=clients, warmup=warmup, duration=duration
            )
        if only in ("", "partner"):
            say(f"(e) Partner API: a list page and a full sync with a partner's key, through {server}")
            partner = partner_run(host=host, port=port)
            for line in partner_summary(partner)[1:]:
                say(line)
        if only in ("", "search"):
            say(f"(i) Search and the agency-wide list, through {server}")
            searched = search_run(host=host, port=port)
            search_lines = search_summary(searched)
            for line in search_lines[1:]:
                say(line)
        if only in ("", "counts"):
            say(f"(f) Border counts: a year of one crossing, COPY; selector in process, pages through {server}")
            counts = counts_run(host=host, port=port)
            for line in counts_summary(counts)[1:]:
                say(line)

    access_log_lines: list[str] = []
    if only in ("", "access_log"):
        from bench.payloads import household_bodies

        say(f"(h) Access log: registration and a partner's full sync, log off and on, through {server}")
        cost = access_log_run(
            env=env,
            token=bench_token(),
            # A fresh body for every request of every window (document numbers are one person's).
            bodies=household_bodies(count=bodies_for(seconds=2 * duration + 2 * WINDOWS * WINDOW_WARMUP)),
            workers=workers,
            worker_class=worker_class,
            threads=threads,
            clients=clients,
            duration=duration,
            say=say,
        )
        access_log_lines = access_log_summary(cost, clients=clients, duration=duration)

    report_lines, report_failed = ([], False) if only else report_part(url, started=started)
    matching_lines, _matching_missed = ([], False) if only else matching_run(url, say=say)
    import_lines, _import_missed = ([], False) if only else import_run(url, say=say)
    offline_lines, _offline_missed = ([], False) if only else offline_run(url, say=say)
    summary = summary_table(
        probe=probe,
        started=started,
        seeded=seeded,
        results=results,
        cases=cases,
        partner=partner,
        counts=counts,
        server=server,
        clients=clients,
        warmup=warmup,
        duration=duration,
    )
    summary += "\n" + "\n".join(search_lines) if search_lines else ""
    summary += "\n" + "\n".join(duplicate_lines) if duplicate_lines else ""
    summary += "\n" + "\n".join(access_log_lines) if access_log_lines else ""
    summary += "\n" + "\n".join(report_lines) if report_lines else ""
    summary += "\n" + "\n".join(matching_lines) if matching_lines else ""
    summary += "\n" + "\n".join(import_lines) if import_lines else ""
    summary += "\n" + "\n".join(offline_lines) if offline_lines else ""
    say()
    say(summary)
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"bench-{started:%Y%m%d-%H%M%S}.txt"
    path.write_text(summary + "\n")
    say(f"\nWritten to {path.relative_to(ROOT)}")
    if counts is not None and counts["explains"]:
        explain_path = out_dir / f"bench-{started:%Y%m%d-%H%M%S}-counts-explain.txt"
        explain_path.write_text("\n\n".join(counts["explains"]) + "\n")
        say(f"EXPLAIN (ANALYZE, BUFFERS) of the year's grid: {explain_path.relative_to(ROOT)}")
    if cases is not None and cases.explains:
        explain_path = out_dir / f"bench-{started:%Y%m%d-%H%M%S}-explain.txt"
        explain_path.write_text("\n\n".join(cases.explains) + "\n")
        say(f"EXPLAIN (ANALYZE, BUFFERS) of the case queries: {explain_path.relative_to(ROOT)}")

    from django.db import connections

    connections.close_all()
    if os.environ.get("BENCH_KEEP_DB") != "1":
        database_drop(url)
    return 1 if report_failed else 0


def report_part(url: str, *, started: datetime.datetime) -> tuple[list[str], bool]:
    """(g) Issue 9: ``python -m bench.report`` in a process of its own, on its own database; its summary
    lines, and whether it failed (its block then ends with the failure, after whatever it measured)."""
    say("(g) Joint report: python -m bench.report (its own process and database)")
    with tempfile.TemporaryDirectory() as directory:
        summary_path = Path(directory) / "report-summary.txt"
        out_dir = ROOT / "bench-results"
        out_dir.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "BENCH_DATABASE_URL": url,
            "BENCH_REPORT_SUMMARY": str(summary_path),
            "BENCH_REPORT_EXPLAIN": str(out_dir / f"bench-{started:%Y%m%d-%H%M%S}-report-explain.txt"),
        }
        completed = subprocess.run([sys.executable, "-m", "bench.report"], cwd=ROOT, env=env, check=False)
        lines = summary_path.read_text().splitlines() if summary_path.exists() else ["(g) Joint report"]
    if completed.returncode:
        lines.append(f"    FAILED: python -m bench.report exited with {completed.returncode} (its error is above)")
    return lines, bool(completed.returncode)


def report_only(url: str) -> int:
    """``BENCH_ONLY=report``: the report part alone; its summary printed and saved like the others'."""
    started = datetime.datetime.now()
    probe = machine_probes()
    lines, failed = report_part(url, started=started)
    summary = "\n".join(
        [
            f"Returns benchmark, {started:%Y-%m-%d %H:%M:%S}",
            machine_line(probe),
            "",
            *lines,
        ]
    )
    say()
    say(summary)
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"bench-{started:%Y%m%d-%H%M%S}-report.txt"
    path.write_text(summary + "\n")
    say(f"\nWritten to {path.relative_to(ROOT)}")
    return 1 if failed else 0


def matching_only(url: str) -> int:
    """``BENCH_ONLY=matching``: the labelled set's precision and recall, printed and saved like the others'."""
    return part_alone(url, run=matching_run, suffix="matching")


def part_alone(url: str, *, run, suffix: str) -> int:
    """A part that runs in a database of its own (``matching``, ``import``), printed and saved like the others'."""
    started = datetime.datetime.now()
    probe = machine_probes()
    lines, failed = run(url, say=say)
    summary = "\n".join(
        [
            f"Returns benchmark, {started:%Y-%m-%d %H:%M:%S}",
            machine_line(probe),
            "",
            *lines,
        ]
    )
    say()
    say(summary)
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"bench-{started:%Y%m%d-%H%M%S}-{suffix}.txt"
    path.write_text(summary + "\n")
    say(f"\nWritten to {path.relative_to(ROOT)}")
    return 1 if failed else 0


def registration_run(*, host, port, server, clients, warmup, duration) -> list[LoadResult]:
    """(b, c): POST households of five under load, ours and the bare DRF reference."""
    token = bench_token()
    from bench.payloads import household_bodies

    bodies = household_bodies(count=bodies_for(seconds=len(("ours", "bare")) * (warmup + duration)))
    has_api = api_route_exists()
    results: list[LoadResult] = []
    say(f"(b, c) {server}; {clients} clients, {warmup:g} s warm-up + {duration:g} s per endpoint")
    endpoints = [("ours", "/api/v1/households/")] if has_api else []
    endpoints.append(("bare DRF", "/bench/bare/households/"))
    for label, path in endpoints:
        share = len(bodies) // len(endpoints)
        mine = bodies[len(results) * share : (len(results) + 1) * share]
        requests = http_post_requests(host=host, port=port, path=path, token=token, bodies=mine)
        load_before = os.getloadavg()[0]
        result = load_run(
            label=label, host=host, port=port, requests=requests, clients=clients, warmup=warmup, duration=duration
        )
        result.machine_note = f"load average {load_before:.1f} before, CPU busy {result.cpu_busy:.0%} during"
        results.append(result)
        say(
            f"  {label:<9} {result.per_second:7.1f} households/s  p50 {result.percentile(0.5):6.1f} ms  "
            f"p95 {result.percentile(0.95):6.1f} ms  p99 {result.percentile(0.99):6.1f} ms  errors {result.errors}"
        )
        say(f"    machine: {result.machine_note}")
        if result.sample_error:
            say(f"    first error: {result.sample_error}")
        if result.exhausted:
            say(f"    every one of the {len(requests):,} bodies was sent before the end: the rate above is too low")
    if not has_api:
        say("  /api/v1/households/ is not routed yet: only the bare endpoint was measured.")
    return results


def summary_table(*, started, probe, seeded, results, cases, partner, counts, server, clients, warmup, duration) -> str:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = [
        f"Returns benchmark, {started:%Y-%m-%d %H:%M:%S}",
        machine_line(probe),
        "",
    ]
    if seeded:
        lines += [
            "(a) Demo load (seed_demo, COPY, one transaction, with every household's case)",
            f"    households            {seeded['households']:>12,}",
            f"    people                {seeded['people']:>12,}",
            f"    documents             {seeded['documents']:>12,}",
            f"    specific needs        {seeded['needs']:>12,}",
            f"    cases                 {seeded['cases']:>12,}",
            f"    case events           {seeded['case_events']:>12,}",
            f"    assistance            {seeded['assistance']:>12,}",
            f"    iris verifications    {seeded['verifications']:>12,}",
            f"    IOM vulnerability     {seeded['vulnerabilities']:>12,}",
            f"    load time             {seeded['seconds']:>12.1f} s   (command wall time {seeded['wall']:.1f} s)",
            f"    people/s              {seeded['people'] / seeded['seconds']:>12,.0f}",
            f"    then VACUUM (ANALYZE) {seeded['vacuum_seconds']:>12.1f} s   (as autovacuum would after the load)",
            "",
        ]
    else:
        lines += ["(a) Demo load: skipped (BENCH_REUSE_DB=1, database already loaded)", ""]
    if cases is not None:
        lines += [*cases_summary(cases), ""]
    # Issue 4's part comes last, as it runs last.
    partner_lines = [*partner_summary(partner), ""] if partner is not None else []
    partner_lines += [*counts_summary(counts), ""] if counts is not None else []
    if not results:
        return "\n".join([*lines, *partner_lines])
    lines += [
        f"(b, c) POST a household of five: {server}, {clients} clients, {warmup:g} s warm-up, {duration:g} s measured",
        f"    {'endpoint':<10} {'households/s':>12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
        f" {'errors':>7}",
    ]
    by_label = {}
    for result in results:
        by_label[result.label] = result
        lines.append(
            f"    {result.label:<10} {result.per_second:>12.1f} {result.percentile(0.5):>8.1f} "
            f"{result.percentile(0.95):>8.1f} {result.percentile(0.99):>8.1f} {result.mean_ms:>8.1f} {result.errors:>7}"
        )
    for result in results:
        lines.append(f"    {result.label:<10} machine: {result.machine_note}")
    lines.append("    (CPU busy counts every process on the machine: other work running meanwhile lowers the figures.)")
    lines.append("")
    ours, bare = by_label.get("ours"), by_label.get("bare DRF")
    if ours:
        lines.append(
            f"    target >= {TARGET_PER_SECOND} households/s: {verdict(ours.per_second >= TARGET_PER_SECOND)};  "
            f"target p95 <= {TARGET_P95_MS} ms: {verdict(ours.percentile(0.95) <= TARGET_P95_MS)}"
        )
    if ours and bare and bare.per_second:
        ratio = ours.per_second / bare.per_second
        lines.append(
            f"    ratio ours / bare DRF  {ratio:.2f}   (target >= {TARGET_RATIO}: {verdict(ratio >= TARGET_RATIO)})"
        )
    elif not ours:
        lines.append("    ours: /api/v1/households/ not routed yet; no ratio")
    return "\n".join([*lines, "", *partner_lines])


if __name__ == "__main__":
    time.tzset()
    sys.exit(main())

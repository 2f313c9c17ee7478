"""Issue 12: importing a 100,000-row household file (``BENCH_IMPORT_ROWS``) with validation, routing,
dedup and policy, in a database of its own (``<bench database>_import``), against PostgreSQL's COPY of
the same rows. Targets: at least 10,000 rows/s, peak memory at most 400 MB.
"""

import os
import re
import subprocess
import sys

from bench.database import ROOT, bench_env, database_drop, database_recreate, manage

TARGET_ROWS_PER_SECOND = 10_000
TARGET_PEAK_MB = 400
FIGURES = re.compile(r"(\w+)=(\S+)")


def import_run(url: str, *, say) -> tuple[list[str], bool]:
    rows = os.environ.get("BENCH_IMPORT_ROWS", "100000")
    database = os.environ.get("BENCH_IMPORT_DATABASE_URL") or f"{url}_import"
    env = {**bench_env(database), "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ACCESS_LOG": "1"}
    say(f"(l) Import of {int(rows):,} person rows, database {database.rsplit('/', 1)[-1]}")
    database_recreate(database)
    try:
        manage("migrate", "--noinput", env=env)
        completed = subprocess.run(
            [sys.executable, "-m", "bench.import_worker", "--rows", rows],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        database_drop(database)
    lines = [f"(l) Import (issue 12): {int(rows):,} person rows of households of five, one officer's CSV"]
    figures = dict(FIGURES.findall(completed.stdout.strip().splitlines()[-1])) if completed.stdout.strip() else {}
    if completed.returncode or "register_s" not in figures:
        lines.append(f"    FAILED: bench.import_worker exited with {completed.returncode}")
        lines += [f"    {line}" for line in completed.stderr.splitlines()[-20:]]
        return lines, True
    total = int(figures["rows"])
    seconds = float(figures["check_s"]) + float(figures["register_s"])
    per_second = total / seconds
    copy_per_second = total / max(float(figures["copy_s"]), 1e-6)
    peak = float(figures["peak_mb"])
    lines += [
        f"    checked (every row, documents against the registry) {float(figures['check_s']):.1f} s; registered "
        f"{figures['households']} households through households_register (chunks of 500, COPY) "
        f"{float(figures['register_s']):.1f} s "
        f"({figures['status']}, {figures['problems']} problems; {figures.get('referred', '?')} deported households "
        "referred to NRC by their flag's follow-up)",
        f"    {per_second:,.0f} rows/s (target >= {TARGET_ROWS_PER_SECOND:,}): "
        f"{'ok' if per_second >= TARGET_ROWS_PER_SECOND else 'MISSED'}; peak memory {peak:.0f} MB "
        f"(target <= {TARGET_PEAK_MB}): {'ok' if peak <= TARGET_PEAK_MB else 'MISSED'}",
        f"    PostgreSQL COPY of the same rows into text columns: {float(figures['copy_s']):.2f} s, "
        f"{copy_per_second:,.0f} rows/s; the import takes {copy_per_second / per_second:,.0f} times as long",
    ]
    return lines, per_second < TARGET_ROWS_PER_SECOND or peak > TARGET_PEAK_MB

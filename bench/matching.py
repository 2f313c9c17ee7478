"""Issue 11: how well the duplicate search tells the same person from a lookalike. The labelled set
(``scripts/labelled_duplicates.py``: true duplicates with the differences real registrations show,
brothers, cousins and namesakes) is registered in a database of its own, ``<bench database>_matching``,
every probe is looked up with ``returns.matching.person_candidates``, and the answers are scored
against the labels at ``returns.matching.DUPLICATE_THRESHOLD``.

A database of its own, not the million demo people: the demo draws its people from a few dozen
names, so its namesakes are people nobody labelled. ``BENCH_MATCHING_PAIRS`` (2,000) and
``BENCH_MATCHING_SEED`` (11) choose the set.

Targets (issue 11): precision at least 0.97, recall at least 0.95.
"""

import os
import re
import subprocess
import sys

from bench.database import ROOT, bench_env, database_drop, database_recreate, manage

TARGET_PRECISION = 0.97
TARGET_RECALL = 0.95
FIGURES = re.compile(r"precision (?P<precision>[0-9.]+)\s+recall (?P<recall>[0-9.]+)")


def matching_database_url(url: str) -> str:
    return os.environ.get("BENCH_MATCHING_DATABASE_URL") or f"{url}_matching"


def matching_run(url: str, *, say) -> tuple[list[str], bool]:
    """(k) The labelled set's figures as summary lines, and whether a target was missed or it failed."""
    pairs = os.environ.get("BENCH_MATCHING_PAIRS", "2000")
    seed = os.environ.get("BENCH_MATCHING_SEED", "11")
    database = matching_database_url(url)
    env = {**bench_env(database), "DJANGO_SETTINGS_MODULE": "config.settings"}
    say(f"(k) Duplicate search quality: {pairs} labelled pairs (seed {seed}), database {database.rsplit('/', 1)[-1]}")
    database_recreate(database)
    try:
        manage("migrate", "--noinput", env=env)
        completed = subprocess.run(
            [sys.executable, "scripts/labelled_duplicates.py", "--evaluate", "--pairs", pairs, "--seed", seed],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        database_drop(database)
    lines = [f"(k) Duplicate search quality: the labelled set, {pairs} pairs, seed {seed}"]
    lines += [f"    {line}" for line in completed.stdout.splitlines()]
    found = FIGURES.search(completed.stdout)
    if completed.returncode or not found:
        lines.append(f"    FAILED: scripts/labelled_duplicates.py exited with {completed.returncode}")
        lines += [f"    {line}" for line in completed.stderr.splitlines()[-20:]]
        return lines, True
    precision, recall = float(found["precision"]), float(found["recall"])
    met = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
    lines.append(
        f"    target precision >= {TARGET_PRECISION}: {'ok' if precision >= TARGET_PRECISION else 'MISSED'};  "
        f"target recall >= {TARGET_RECALL}: {'ok' if recall >= TARGET_RECALL else 'MISSED'}"
    )
    return lines, not met

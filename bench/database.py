"""The benchmark database: dropped, created and migrated on each run, then filled by seed_demo."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/returns_bench"


def _maintenance(url: str):
    parsed = urlparse(url)
    connection = psycopg2.connect(urlunparse(parsed._replace(path="/postgres")))
    connection.autocommit = True
    return connection, parsed.path.lstrip("/")


def database_recreate(url: str) -> None:
    connection, name = _maintenance(url)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def database_loaded(url: str) -> bool:
    """Whether the benchmark database exists and holds demo households with their cases."""
    connection, name = _maintenance(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    connection.close()
    if not exists:
        return False
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('returns_case') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT EXISTS (SELECT 1 FROM returns_case)")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def database_vacuum(url: str) -> float:
    """VACUUM (ANALYZE) the loaded registry, as autovacuum does within minutes of a large load on a
    live server: the visibility map it sets is what lets the lists count from an index alone
    (``household_gate``). Measuring before it would measure a state that does not last. Returns the
    seconds it took."""
    started = time.perf_counter()
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        connection.close()
    return time.perf_counter() - started


def database_drop(url: str) -> None:
    connection, name = _maintenance(url)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    connection.close()


def manage(*args: str, env: dict) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def demo_load(*, households: int, env: dict) -> dict:
    """seed_demo into the bench database; returns its figures and the wall time of the command."""
    seed_env = {**env, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    started = time.perf_counter()
    output = manage("seed_demo", "--households", str(households), "--seed", "1", env=seed_env)
    wall = time.perf_counter() - started
    match = re.search(
        r"Loaded ([\d,]+) households, ([\d,]+) people, ([\d,]+) documents, ([\d,]+) specific needs in ([\d.]+) s",
        output,
    )
    if not match:
        raise RuntimeError(f"Unexpected seed_demo output:\n{output}")
    households_, people, documents, needs = (int(group.replace(",", "")) for group in match.groups()[:4])
    cases = re.search(
        r"Cases: ([\d,]+) cases, ([\d,]+) case events, ([\d,]+) assistance, ([\d,]+) iris verifications, "
        r"([\d,]+) IOM vulnerability codes",
        output,
    )
    if not cases:
        raise RuntimeError(f"Unexpected seed_demo output:\n{output}")
    figures = dict(
        zip(
            ("cases", "case_events", "assistance", "verifications", "vulnerabilities"),
            (int(group.replace(",", "")) for group in cases.groups()),
            strict=True,
        )
    )
    vacuumed = database_vacuum(env["DATABASE_URL"])
    return {
        **figures,
        "vacuum_seconds": vacuumed,
        "households": households_,
        "people": people,
        "documents": documents,
        "needs": needs,
        "seconds": float(match.group(5)),
        "wall": wall,
        "output": output,
    }


def bench_env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONUNBUFFERED": "1",
    }

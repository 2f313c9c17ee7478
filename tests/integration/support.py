"""What several integration tests start: a free port, and a real streaming replica of the machine's
PostgreSQL (``pg_basebackup`` of the running cluster, the test database in it, started as a hot
standby that streams from it).

The primary must accept replication connections from 127.0.0.1 (``.ci/run`` adds the line to
``pg_hba.conf``).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

# A hot standby opens to readers once it has a snapshot of the primary's transactions, which waits for
# a long transaction of another test running meanwhile (many savepoints) to end: minutes, on CI.
REPLICA_START_SECONDS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binaries() -> Path:
    """The directory of the running server's own programs (pg_basebackup and pg_ctl of its version)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    found = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (found / "pg_basebackup").exists():
        found = Path(shutil.which("pg_basebackup") or "/nonexistent").parent
    return found


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root (CI), run the server's programs as its own user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def streaming_replica_running() -> Iterator[dict]:
    """A hot standby of the test database's cluster, until the block ends: {"pg_ctl", "data", "port"}."""
    primary = connection.settings_dict
    binaries = server_binaries()
    # Not under pytest's own temporary directory: the server's user must reach it.
    tmp_path = Path(tempfile.mkdtemp(prefix="returns-replica-"))
    data = tmp_path / "replica"
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(tmp_path, "postgres")
        shutil.chown(data, "postgres")
    backup = subprocess.run(  # noqa: S603 - a fixed command line
        as_postgres(
            [
                str(binaries / "pg_basebackup"),
                f"--host={primary['HOST'] or '127.0.0.1'}",
                f"--port={primary['PORT'] or 5432}",
                f"--username={primary['USER'] or 'postgres'}",
                f"--pgdata={data}",
                "--wal-method=stream",
                "--write-recovery-conf",
                "--checkpoint=fast",
                "--no-sync",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if backup.returncode != 0:
        shutil.rmtree(tmp_path, ignore_errors=True)
        pytest.fail(
            f"pg_basebackup failed: {backup.stderr.strip()}\nThe primary must accept replication connections "
            "from 127.0.0.1: add `host replication all 127.0.0.1/32 trust` to pg_hba.conf and reload (.ci/run does).",
            pytrace=False,
        )
    # Debian keeps a cluster's configuration outside its data directory: the copy gets its own.
    for name, text in {
        "postgresql.conf": "",
        "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        "pg_ident.conf": "",
    }.items():
        if not (data / name).exists():
            (data / name).write_text(text)
            if os.geteuid() == 0:
                shutil.chown(data / name, "postgres")
    port = free_port()
    pg_ctl = str(binaries / "pg_ctl")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={tmp_path} -c hot_standby=on"
    started = subprocess.run(  # noqa: S603 - a fixed command line
        as_postgres(
            [
                pg_ctl,
                "--pgdata",
                str(data),
                "--options",
                options,
                "--log",
                str(tmp_path / "replica.log"),
                "--wait",
                f"--timeout={REPLICA_START_SECONDS}",
                "start",
            ]
        ),
        check=False,
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = tmp_path / "replica.log"
        told = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
        with contextlib.suppress(subprocess.CalledProcessError):
            replica_stop({"pg_ctl": pg_ctl, "data": data, "port": port})
        shutil.rmtree(tmp_path, ignore_errors=True)
        pytest.fail(f"the replica did not start: {started.stdout}{started.stderr}\nreplica.log:\n{told}", pytrace=False)
    running = {"pg_ctl": pg_ctl, "data": data, "port": port}
    try:
        yield running
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            replica_stop(running)
        shutil.rmtree(tmp_path, ignore_errors=True)


def replica_stop(running: dict) -> None:
    subprocess.run(  # noqa: S603 - a fixed command line
        as_postgres([running["pg_ctl"], "--pgdata", str(running["data"]), "--mode=immediate", "--wait", "stop"]),
        check=True,
        capture_output=True,
    )

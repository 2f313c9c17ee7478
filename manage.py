#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

With DATABASE_URL unset, the settings point at the embedded development server; this starts it
for the commands that use a database (config/embedded_db.py), and only for them.
"""

import os
import sys
import warnings

# The commands that never open a database connection: the embedded server is not started for them.
COMMANDS_WITHOUT_DATABASE = {
    "help",
    "--help",
    "-h",
    "version",
    "--version",
    "check",
    "diffsettings",
    "makemigrations",
    "makemessages",
    "compilemessages",
    "collectstatic",
    "findstatic",
    "startapp",
    "startproject",
}


def database_needed(argv: list[str]) -> bool:
    command = argv[1] if len(argv) > 1 else "help"
    return command not in COMMANDS_WITHOUT_DATABASE or "--database" in argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.embedded_db import embedded_database_ensure, embedded_database_in_use, embedded_database_running

    if database_needed(sys.argv):
        embedded_database_ensure()
    elif embedded_database_in_use() and not embedded_database_running():
        # makemigrations checks the migration history against the database when it can reach one;
        # with the embedded server stopped there is no history to check, and the warning would only alarm.
        warnings.filterwarnings("ignore", "Got an error checking a consistent migration history", RuntimeWarning)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""The test run's database server: the embedded development one when DATABASE_URL is unset.

Importing the settings only computes the embedded server's URL (config/embedded_db.py); this plugin,
loaded once for the whole suite (``pytest_plugins`` in tests/conftest.py), starts it before
pytest-django creates the test database. With DATABASE_URL set it does nothing.
"""

from config.embedded_db import embedded_database_ensure


def pytest_configure(config) -> None:
    if config.option.help or config.option.collectonly:
        return
    embedded_database_ensure()

"""A real browser for the page tests: Debian's chromium, driven by Playwright's sync API.

Loaded once for the whole suite (``pytest_plugins`` in tests/conftest.py), so that every folder
of browser tests shares one Playwright instance; a folder opts in to the reference-data restore
with an autouse fixture that requests ``reference_data_restored``.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the test
# body (factories, assertions) are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def serialized_reference_data(django_db_setup, django_db_blocker) -> str:
    """The reference data the migrations loaded (agencies, offices, code lists, routing rules).

    Captured before the browser starts: once Playwright's event loop runs in this thread, Django
    hands out new connection objects that lack the snapshot serialized_rollback restores from.
    """
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", "")


@pytest.fixture
def reference_data_restored(transactional_db, serialized_reference_data):
    """Each browser test starts with the reference data, even after an earlier test's flush.

    This is what ``serialized_rollback`` does, done on whichever connection object this test holds.
    """
    from django.db import connection

    from agencies.models import Agency

    # With the snapshot attached, the flush after the test leaves content types to the restore.
    connection._test_serialized_contents = serialized_reference_data
    if serialized_reference_data and not Agency.objects.exists():
        connection.creation.deserialize_db_from_string(serialized_reference_data)


@pytest.fixture(scope="session")
def browser(serialized_reference_data):
    if not CHROMIUM.exists():
        pytest.fail("The browser tests need Debian's chromium at /usr/bin/chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    console_errors: list[str] = []
    browser_page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    browser_page.console_errors = console_errors
    yield browser_page
    context.close()

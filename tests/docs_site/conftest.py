"""The docs site tests drive a real server (live_server): the browser pages and the example client.

They use the shared browser fixtures (tests/browser_support.py): Debian's chromium through
Playwright, and the reference data restored before each transactional test.
"""

import pytest


@pytest.fixture(autouse=True)
def _reference_data_restored(reference_data_restored):
    """Each test starts with the reference data, even after an earlier test's flush."""

"""Browser tests: the shared browser fixtures live in tests/browser_support.py."""

import pytest


@pytest.fixture(autouse=True)
def _reference_data_restored(reference_data_restored):
    """Each browser test starts with the reference data, even after an earlier test's flush."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_throttle_cache():
    """Throttling counts in the cache: every test starts with no request counted."""
    cache.clear()
    yield
    cache.clear()

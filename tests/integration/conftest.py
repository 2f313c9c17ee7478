"""Integration tests: real services (Redis, a Celery worker process) beside the test database."""

import os

import pytest
import redis

# Its own Redis database, away from a developer's worker on database 0. The queue name is unique
# per run as well, so that two runs sharing a Redis never take each other's tasks.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the integration tests use; they fail (never skip) when it is not running."""
    problem = None
    with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as client:
        try:
            client.ping()
        except redis.RedisError as error:
            problem = error
    if problem is not None:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({problem}). Start it (.ci/run shows how) "
            "or point TEST_REDIS_URL at one.",
            pytrace=False,
        )
    return REDIS_URL

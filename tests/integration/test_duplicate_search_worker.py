"""The batch search for duplicates through a real broker: Redis, and a Celery worker in its own process
(the helpers and the reasons for a transactional test are ``test_celery_worker``'s)."""

import subprocess
import time
import uuid
from decimal import Decimal

import pytest
import redis
from celery import Celery

from agencies.models import Agency, User
from returns import tasks
from returns.models import MatchPair, MatchRun
from returns.services.households import household_register
from tests.factories import UserFactory, household, member
from tests.integration.test_celery_worker import TIMEOUT_SECONDS, start_worker, wait_for, worker_environment


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_a_search_for_duplicates_and_queues_the_pair(redis_url, tmp_path):
    # Given Mohammad son of Abdul Rahman registered twice, spelt otherwise, and a queued run, committed
    unhcr = Agency.objects.get(code="UNHCR")
    officer = UserFactory(username="officer.d", agency=unhcr, role=User.Role.FIELD_OFFICER)
    manager = UserFactory(username="manager.d", agency=unhcr, role=User.Role.MANAGER)
    first, second = (
        household_register(
            registered_by=officer, registration=household(members=[member(given_name=given, fathers_name=father)])
        ).members.get()
        for given, father in (("Mohammad", "Abdul Rahman"), ("Muhammad", "Abdurrahman"))
    )
    run = MatchRun.objects.create(started_by=manager)

    queue = f"integration-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    client = Celery("integration-test", broker=redis_url, backend=redis_url, set_as_current=False)
    client.conf.task_default_queue = queue
    result = None
    environment = worker_environment(redis_url=redis_url, mail_dir=tmp_path / "mail")
    worker = start_worker(queue=queue, environment=environment, log=log)
    try:
        # When the run's task is enqueued, as match_run_start does once the run is committed
        result = client.send_task(tasks.find_duplicates.name, args=(run.pk,))
        answer = wait_for(result, worker=worker, log=log, deadline=time.monotonic() + TIMEOUT_SECONDS)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if result is not None:
            result.forget()
        client.close()
        with redis.Redis.from_url(redis_url) as leftovers:
            leftovers.delete(*leftovers.scan_iter(match=f"*{queue}*"), queue)

    # Then the worker ran it to the end and the pair waits in the queue
    assert answer == {"run_id": run.pk, "status": "done", "people": 2, "pairs": 1}
    assert list(MatchPair.objects.values_list("first_id", "second_id", "score", "status", "run_id")) == [
        (first.pk, second.pk, Decimal("0.950"), "pending", run.pk)
    ]

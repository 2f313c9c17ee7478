"""Sending a task once the transaction commits, without failing the request when the broker is away.

The database is the record of the work to do (a report queued, an import queued, a search queued);
the broker only carries the nudge. When it cannot be reached (restarting, the network between), the
request that asked for the work still succeeds, the work stays queued in the database, and the
app's resend job (``reports.tasks.resend_waiting_reports``, ``returns.tasks.resend_waiting_imports``,
on the beat schedule) sends it again once the broker is back. A task delivered twice does nothing
twice: each takes the id of its record and works only on a record still waiting.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def task_send_on_commit(task, *args) -> None:
    """``task.delay(*args)`` once the current transaction commits; a broker that cannot be reached is logged."""

    def send() -> None:
        try:
            task.apply_async(args=args)
        except (OperationalError, OSError):
            logger.warning("The broker cannot be reached: %s(%s) waits for the resend job.", task.name, args)

    transaction.on_commit(send)

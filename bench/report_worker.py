"""The report worker's run, alone in a process so that its peak memory can be measured
(``VmHWM``, the process's high-water mark since exec, read as it ends): a coordinator requests the report
(``reports.services.report_request``) and the Celery task computes it, eagerly here since no
broker is configured, as a worker would. Prints one JSON line: the report, its status, the time.

``python -m bench.report_worker 2025-01-01 2025-12-31`` with the report database's environment.
"""

import datetime
import json
import sys
import time


def main(period_start: str, period_end: str) -> int:
    import django

    django.setup()
    from agencies.models import User
    from reports.models import Report

    coordinator = User.objects.get(username="coordinator")
    # The parts built alongside this benchmark (docs/joint-report.md): no fallback if they are missing.
    from reports.services import report_request
    from reports.tasks import report_compute_task

    began = time.perf_counter()
    report = report_request(
        requested_by=coordinator,
        period_start=datetime.date.fromisoformat(period_start),
        period_end=datetime.date.fromisoformat(period_end),
        reference_date=Report.ReferenceDate.ARRIVAL,
    )
    report.refresh_from_db()
    if report.status == Report.Status.QUEUED:  # a broker is configured after all: run the task here, as its worker
        report_compute_task(report.pk)
        report.refresh_from_db()
    seconds = time.perf_counter() - began
    with open("/proc/self/status") as status:
        high_water = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "0")
    print(
        json.dumps({"report": report.pk, "status": report.status, "seconds": seconds, "vm_hwm_kb": int(high_water)}),
        flush=True,
    )
    return 0 if report.status in (Report.Status.DRAFT, Report.Status.FINAL) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

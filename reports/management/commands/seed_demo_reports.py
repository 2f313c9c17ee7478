"""The demo's joint reports (development only: DEBUG must be on): last year's, signed off by the
UNHCR and IOM demo managers and so final, and this year's so far as a draft awaiting sign-off.

``--if-empty`` does nothing when a report exists (``make run``). Each goes through the same services
as the pages: requested as the demo coordinator, computed (by the task: eagerly without a broker),
then signed off.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from agencies.models import User
from reports.models import Report
from reports.services import report_compute, report_request, report_sign_off

COORDINATOR, SIGNERS = "coordinator", ("unhcr.manager", "iom.manager")


class Command(BaseCommand):
    help = "Generate the demo's joint reports: last year's final, this year's a draft (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any report exists.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo_reports is for development only: set DJANGO_DEBUG=1.")
        if options["if_empty"] and Report.objects.exists():
            self.stdout.write("Reports exist: nothing to do.")
            return
        users = User.objects.in_bulk([COORDINATOR, *SIGNERS], field_name="username")
        if len(users) < 1 + len(SIGNERS):
            raise CommandError("The demo users are missing: run `manage.py seed_demo` first.")
        today = timezone.localdate()
        last_year = self._computed(
            users[COORDINATOR], datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
        )
        for username in SIGNERS:
            report_sign_off(report=last_year, signed_by=users[username], note="Checked for the demo.")
        last_year.refresh_from_db()
        this_year = self._computed(users[COORDINATOR], datetime.date(today.year, 1, 1), today)
        for report in (last_year, this_year):
            self.stdout.write(f"{report.title} v{report.version}: {report.get_status_display()}")

    def _computed(self, coordinator, first: datetime.date, last: datetime.date) -> Report:
        with transaction.atomic():
            report = report_request(
                requested_by=coordinator,
                period_start=first,
                period_end=last,
                reference_date=Report.ReferenceDate.ARRIVAL,
            )
        # Eager Celery has computed it on commit; with a broker a worker will, so compute it here if not yet.
        report.refresh_from_db()
        if report.status == Report.Status.QUEUED:
            report_compute(report_id=report.pk)
            report.refresh_from_db()
        if report.status != Report.Status.DRAFT:
            raise CommandError(f"{report.title} was not computed: {report.error or report.status}")
        return report

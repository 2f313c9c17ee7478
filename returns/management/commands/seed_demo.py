"""Demo users and a synthetic caseload, for development and benchmarks only (DEBUG must be on).

``seed_demo`` loads 2,000 households and the demo users; ``--if-empty`` does nothing if any
household exists (``make run``); ``--clear --households 185000 --seed 1`` gives about a million people.
Every household gets its routed agency's case, at a realistic stage of the agency's workflow for
its arrival date (``--today`` fixes the day the caseload is drawn for, e.g. in tests).
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from returns.demo import (
    DEMO_PARTNER,
    DEMO_PASSWORD,
    DEMO_USERS,
    LoadReport,
    demo_caseload_load,
    demo_partner_agreement_ensure,
    demo_users_ensure,
    registry_clear,
)
from returns.models import Household
from returns.reference import reference_data, reference_invalidate
from returns.workflows import workflow_for_agency


class Command(BaseCommand):
    help = "Create the demo users and a realistic synthetic caseload (development only: DEBUG must be on)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=2000, help="How many households (default 2000).")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for a reproducible caseload.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any household exists.")
        parser.add_argument(
            "--clear", action="store_true", help="Delete every household (members, documents, events, cases) first."
        )
        parser.add_argument("--chunk-size", type=int, default=5000, help="Households per COPY batch.")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="Draw the caseload as of this day (YYYY-MM-DD; default: today), for a reproducible one.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates demo users with a published password and fake households: it only runs "
                "with DEBUG on (DJANGO_DEBUG=1). Never run it against a production database."
            )
        households = options["households"]
        if households < 0:
            raise CommandError("--households must be zero or more.")
        if options["if_empty"] and Household.objects.exists():
            self.stdout.write("Households already exist: nothing to do (--if-empty).")
            return

        users = demo_users_ensure()
        agreement = demo_partner_agreement_ensure(today=options["today"] or timezone.localdate())
        if options["clear"]:
            registry_clear()
            self.stdout.write("Deleted every household, with its members, documents, events and cases.")
        if households:
            reference_invalidate()
            report = demo_caseload_load(
                households=households,
                reference=reference_data(),
                users=users,
                seed=options["seed"],
                today=options["today"] or timezone.localdate(),
                chunk_size=options["chunk_size"],
                progress=self._progress(households),
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {report.households:,} households, {report.members:,} people, "
                    f"{report.documents:,} documents, {report.needs:,} specific needs in {report.seconds:.1f} s "
                    f"({report.members / report.seconds:,.0f} people/s, {report.rows / report.seconds:,.0f} rows/s)."
                )
            )
            self.stdout.write(
                f"Cases: {report.cases:,} cases, {report.case_events:,} case events, {report.assistance:,} assistance, "
                f"{report.verifications:,} iris verifications, {report.vulnerabilities:,} IOM vulnerability codes."
            )
            for agency in ("UNHCR", "IOM"):
                stages = ", ".join(
                    f"{stage.code} {report.stages.get((agency, stage.code), 0):,}"
                    for stage in workflow_for_agency(agency).stages
                )
                self.stdout.write(f"  {agency}: {stages}")
            self.stdout.write(f"Return monitoring: {report.monitoring_interviews:,} households drawn into the queue.")
            self.stdout.write(
                f"VRF manifests: {report.manifests:,} from the repatriation centres, for the families at verification."
            )

        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, (agency, office, role, _superuser) in DEMO_USERS.items():
            where = " at ".join(part for part in (agency, office) if part) or "no agency"
            self.stdout.write(f"  {username:<16} {role.label} ({where})")
        if agreement is not None:
            self.stdout.write(
                f"\nDemo partner: {DEMO_PARTNER}, with the agreement “{agreement.title}”. Its API key, shown once:\n"
                f'  .venv/bin/python manage.py issue_api_key {DEMO_PARTNER} --name "Demo sync" '
                "--scope households:read --scope cases:read\n"
                "then: RETURNS_API_KEY=rk_… python docs/examples/partner_client.py --base-url http://127.0.0.1:8000 "
                "--state mirror.json"
            )

    def _progress(self, total: int):
        step = max(total // 10, 1)
        next_report = [step]

        def report(progress: LoadReport) -> None:
            if progress.households >= next_report[0] or progress.households == total:
                next_report[0] = progress.households + step
                self.stdout.write(
                    f"  {progress.households:>9,} / {total:,} households, {progress.members:,} people, "
                    f"{progress.seconds:.1f} s"
                )

        return report

"""Return monitoring becomes a sample (issue 8, item 7).

UNHCR cases no longer wait in a "monitoring" stage: the cases sitting there are closed (assisted),
each with a "closed" event saying why, and the follow-up columns go. The monitoring plans and the
interviews (the queue and its answers) are created, with a plan for UNHCR (active, 5%) and one for
IOM (inactive), which the admin edits.
"""

import uuid

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

UNHCR_WORKFLOW = "unhcr_voluntary_repatriation"
CLOSED_NOTE = "Return monitoring became a sample drawn apart from the case: closed without waiting for the interview."
PLANS = {
    # agency: (sample rate, seed, active, notes)
    "UNHCR": (
        "0.0500",
        "unhcr-return-monitoring-1",
        True,
        "In 2017: about 2,650 encashment-centre and 1,300 phone interviews for about 59,000 returnees.",
    ),
    "IOM": ("0.0200", "iom-return-monitoring-1", False, "Optional: activate to sample IOM's returnees too."),
}


def close_monitoring_cases(apps, schema_editor):
    """Close the UNHCR cases waiting in the monitoring stage: one UPDATE and one bulk insert of events."""
    case_model = apps.get_model("returns", "Case")
    event_model = apps.get_model("returns", "CaseEvent")
    now = django.utils.timezone.now()
    waiting = case_model.objects.filter(workflow=UNHCR_WORKFLOW, stage="monitoring", closed_at__isnull=True)
    case_ids = list(waiting.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not case_ids:
        return
    case_model.objects.filter(pk__in=case_ids).update(
        stage="closed",
        outcome="assisted",
        closed_at=now,
        stage_due_date=None,
        overdue_since=None,
        version=models.F("version") + 1,
        updated_at=now,
    )
    event_model.objects.bulk_create(
        event_model(
            case_id=case_id,
            kind="closed",
            from_stage="monitoring",
            to_stage="closed",
            note=CLOSED_NOTE,
            details={"outcome": "assisted", "reason": "monitoring_sample"},
        )
        for case_id in case_ids
    )


def seed_plans(apps, schema_editor):
    agency_model = apps.get_model("agencies", "Agency")
    plan_model = apps.get_model("returns", "MonitoringPlan")
    for agency in agency_model.objects.filter(code__in=PLANS):
        rate, seed, active, notes = PLANS[agency.code]
        plan_model.objects.get_or_create(
            agency=agency, defaults={"sample_rate": rate, "seed": seed, "is_active": active, "notes": notes}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0007_cases_leave_for_returns"),
        ("returns", "0013_choices_after_merge"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(close_monitoring_cases, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="case",
            name="followup_due_date",
        ),
        migrations.RemoveField(
            model_name="case",
            name="followup_notified_on",
        ),
        migrations.CreateModel(
            name="MonitoringPlan",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "sample_rate",
                    models.DecimalField(
                        decimal_places=4,
                        help_text="The share of returnees drawn, as a fraction: 0.05 draws about one household in twenty.",
                        max_digits=5,
                        verbose_name="sample rate",
                    ),
                ),
                (
                    "seed",
                    models.CharField(
                        help_text="Any text. The same seed draws the same households; change it to draw a new sample.",
                        max_length=64,
                        verbose_name="seed",
                    ),
                ),
                (
                    "window_from_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="Households are drawn from this many days after arrival…",
                        verbose_name="from days after arrival",
                    ),
                ),
                (
                    "window_until_days",
                    models.PositiveSmallIntegerField(
                        default=180,
                        help_text="…until this many; the interview is due by then.",
                        verbose_name="until days after arrival",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True, help_text="An inactive plan draws nobody.", verbose_name="active"
                    ),
                ),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "agency",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="monitoring_plan",
                        to="agencies.agency",
                        verbose_name="agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "monitoring plan",
                "verbose_name_plural": "monitoring plans",
                "ordering": ["agency"],
            },
        ),
        migrations.CreateModel(
            name="MonitoringInterview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("drawn_on", models.DateField(verbose_name="drawn on")),
                ("due_by", models.DateField(verbose_name="due by")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "To interview"),
                            ("completed", "Interviewed"),
                            ("not_reached", "Not reached"),
                            ("refused_consent", "Declined the interview"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("encashment_centre", "At the encashment centre"),
                            ("phone", "By phone"),
                            ("household_visit", "Household visit"),
                        ],
                        max_length=24,
                        verbose_name="method",
                    ),
                ),
                ("interviewed_on", models.DateField(blank=True, null=True, verbose_name="interviewed on")),
                ("consent", models.BooleanField(default=False, verbose_name="consent given")),
                (
                    "shelter",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("own_house", "Own house"),
                            ("rented", "Rented"),
                            ("with_relatives", "With relatives or hosts"),
                            ("tent_makeshift", "Tent or makeshift shelter"),
                            ("informal_settlement", "Informal settlement"),
                            ("no_shelter", "No shelter"),
                        ],
                        max_length=24,
                        verbose_name="shelter",
                    ),
                ),
                (
                    "work",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("regular", "Regular work or own business"),
                            ("daily_labour", "Daily labour"),
                            ("agriculture", "Farming or livestock"),
                            ("none", "No work"),
                        ],
                        max_length=16,
                        verbose_name="work",
                    ),
                ),
                (
                    "documents",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(
                            choices=[
                                ("tazkira", "Tazkira (national ID)"),
                                ("passport", "Passport"),
                                ("birth_certificate", "Birth certificate"),
                                ("return_document", "VRF or return certificate"),
                            ],
                            max_length=24,
                        ),
                        blank=True,
                        default=list,
                        verbose_name="documents held",
                    ),
                ),
                (
                    "intends_to_stay",
                    models.CharField(
                        blank=True,
                        choices=[("yes", "Intends to stay"), ("no", "Intends to leave"), ("undecided", "Undecided")],
                        max_length=12,
                        verbose_name="intends to stay",
                    ),
                ),
                (
                    "needs",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(
                            choices=[
                                ("food", "Food"),
                                ("shelter", "Shelter"),
                                ("health", "Health"),
                                ("education", "Education"),
                                ("livelihood", "Livelihood"),
                                ("documentation", "Documentation"),
                                ("protection", "Protection"),
                                ("none", "None"),
                            ],
                            max_length=16,
                        ),
                        blank=True,
                        default=list,
                        verbose_name="needs",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.agency",
                        verbose_name="agency",
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        blank=True,
                        help_text="The agency's case for the household when it was drawn.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="monitoring_interviews",
                        to="returns.case",
                    ),
                ),
                (
                    "current_district",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.district",
                        verbose_name="district",
                    ),
                ),
                (
                    "current_province",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.province",
                        verbose_name="living now in",
                    ),
                ),
                (
                    "household",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="monitoring_interviews",
                        to="returns.household",
                    ),
                ),
                (
                    "interviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="interviews",
                        to="returns.monitoringplan",
                    ),
                ),
            ],
            options={
                "verbose_name": "monitoring interview",
                "verbose_name_plural": "monitoring interviews",
                "ordering": ["due_by", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="monitoringplan",
            constraint=models.CheckConstraint(
                condition=models.Q(("sample_rate__gt", 0), ("sample_rate__lte", 1)),
                name="monitoring_plan_rate_fraction",
            ),
        ),
        migrations.AddConstraint(
            model_name="monitoringplan",
            constraint=models.CheckConstraint(
                condition=models.Q(("window_from_days__lt", models.F("window_until_days"))),
                name="monitoring_plan_window_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="monitoringplan",
            constraint=models.CheckConstraint(
                condition=models.Q(("seed", ""), _negated=True), name="monitoring_plan_has_seed"
            ),
        ),
        migrations.AddIndex(
            model_name="monitoringinterview",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "not_reached"])),
                fields=["agency", "due_by"],
                name="monitoring_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="monitoringinterview",
            index=models.Index(fields=["agency", "status"], name="monitoring_by_status"),
        ),
        migrations.AddConstraint(
            model_name="monitoringinterview",
            constraint=models.UniqueConstraint(fields=("household", "plan"), name="monitoring_drawn_once_per_plan"),
        ),
        migrations.AddConstraint(
            model_name="monitoringinterview",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "completed", "not_reached", "refused_consent"])),
                name="monitoring_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="monitoringinterview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("consent", True),
                    models.Q(
                        ("current_province__isnull", True),
                        ("current_district__isnull", True),
                        ("shelter", ""),
                        ("work", ""),
                        ("documents", []),
                        ("intends_to_stay", ""),
                        ("needs", []),
                    ),
                    _connector="OR",
                ),
                name="monitoring_answers_need_consent",
            ),
        ),
        migrations.AddConstraint(
            model_name="monitoringinterview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("consent", False), ("interviewed_on__isnull", True), ("status", "pending")),
                    models.Q(
                        models.Q(("status", "pending"), _negated=True),
                        ("interviewed_on__isnull", False),
                        ("interviewed_by__isnull", False),
                        models.Q(("method", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="monitoring_recorded_when_how_by_whom",
            ),
        ),
        migrations.AddConstraint(
            model_name="monitoringinterview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("consent", False), ("status", "completed"), _negated=True),
                    models.Q(("consent", False), ("status", "completed"), _connector="OR"),
                    models.Q(
                        models.Q(("status", "completed"), _negated=True),
                        models.Q(
                            ("current_province__isnull", False),
                            models.Q(("shelter", ""), _negated=True),
                            models.Q(("work", ""), _negated=True),
                            models.Q(("intends_to_stay", ""), _negated=True),
                            models.Q(("needs", []), _negated=True),
                        ),
                        _connector="OR",
                    ),
                ),
                name="monitoring_completed_with_consent_and_answers",
            ),
        ),
        migrations.AddConstraint(
            model_name="monitoringinterview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("documents__contained_by", ["tazkira", "passport", "birth_certificate", "return_document"])
                ),
                name="monitoring_documents_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="monitoringinterview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "needs__contained_by",
                        ["food", "shelter", "health", "education", "livelihood", "documentation", "protection", "none"],
                    )
                ),
                name="monitoring_needs_valid",
            ),
        ),
        migrations.RunPython(seed_plans, migrations.RunPython.noop, elidable=True),
    ]

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# PostgreSQL, not only the app, keeps the history: a report is never deleted; a final one never
# changes; a draft's figures and parameters never change (it may only become final); a sign-off is
# never changed or removed, is given to a draft only, and for the figures the draft holds.
GUARDS = """
CREATE FUNCTION reports_report_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'report % is part of the history and cannot be deleted', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'final' THEN
        RAISE EXCEPTION 'report % is final: it can no longer change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'draft' AND (
        NEW.status NOT IN ('draft', 'final')
        OR NEW.figures IS DISTINCT FROM OLD.figures
        OR NEW.checksum IS DISTINCT FROM OLD.checksum
        OR NEW.thresholds IS DISTINCT FROM OLD.thresholds
        OR NEW.period_start IS DISTINCT FROM OLD.period_start
        OR NEW.period_end IS DISTINCT FROM OLD.period_end
        OR NEW.reference_date IS DISTINCT FROM OLD.reference_date
        OR NEW.cut_off IS DISTINCT FROM OLD.cut_off
        OR NEW.version IS DISTINCT FROM OLD.version
        OR NEW.requested_by_id IS DISTINCT FROM OLD.requested_by_id
        OR NEW.computed_at IS DISTINCT FROM OLD.computed_at
    ) THEN
        RAISE EXCEPTION 'report % is computed: its figures never change (generate a new version)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reports_report_guard BEFORE UPDATE OR DELETE ON reports_report
    FOR EACH ROW EXECUTE FUNCTION reports_report_guard();

CREATE FUNCTION reports_sign_off_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    signed reports_report%ROWTYPE;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'a sign-off is part of the history: it is never changed or removed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT * INTO signed FROM reports_report WHERE id = NEW.report_id;
    IF signed.status <> 'draft' THEN
        RAISE EXCEPTION 'report % is not a draft: only a draft is signed off', NEW.report_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.checksum IS DISTINCT FROM signed.checksum THEN
        RAISE EXCEPTION 'the sign-off is for other figures than report % holds', NEW.report_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reports_sign_off_guard BEFORE INSERT OR UPDATE OR DELETE ON reports_reportsignoff
    FOR EACH ROW EXECUTE FUNCTION reports_sign_off_guard();
"""
UNGUARDS = """
DROP TRIGGER reports_sign_off_guard ON reports_reportsignoff;
DROP FUNCTION reports_sign_off_guard();
DROP TRIGGER reports_report_guard ON reports_report;
DROP FUNCTION reports_report_guard();
"""

# Registered-refugee returns the agencies published, for the years before the registry's own data.
# 2016 (Pakistan), 2017 and 2018 are the figures in the joint reports; the others are UNHCR's
# voluntary repatriation series rounded to the thousand, marked approximate until checked.
ROUNDED = "UNHCR voluntary repatriation statistics, rounded to the thousand: check against the published figure."
PUBLISHED = [
    (2002, 1_833_000, True, ROUNDED),
    (2003, 476_000, True, ROUNDED),
    (2004, 763_000, True, ROUNDED),
    (2005, 520_000, True, ROUNDED),
    (2006, 139_000, True, ROUNDED),
    (2007, 365_000, True, ROUNDED),
    (2008, 278_000, True, ROUNDED),
    (2009, 54_000, True, ROUNDED),
    (2010, 113_000, True, ROUNDED),
    (2011, 68_000, True, ROUNDED),
    (2012, 94_000, True, ROUNDED),
    (2013, 40_000, True, ROUNDED),
    (2014, 17_000, True, ROUNDED),
    (2015, 58_000, True, ROUNDED),
    (2016, 380_045, True, "UNHCR: registered refugees returned from Pakistan in 2016 (Iran not included)."),
    (
        2017,
        58_817,
        False,
        "Joint IOM-UNHCR summary report 2017: 57,411 from Pakistan, 1,202 from Iran, 204 from other countries.",
    ),
    (2018, 15_699, False, "Joint IOM-UNHCR report 2018: 13,584 from Pakistan."),
    (2019, 8_000, True, ROUNDED),
    (2020, 2_000, True, ROUNDED),
    (2021, 1_000, True, ROUNDED),
    (2022, 6_000, True, ROUNDED),
]


def seed(apps, schema_editor):
    PublishedReturnFigure = apps.get_model("reports", "PublishedReturnFigure")
    DisclosureThreshold = apps.get_model("reports", "DisclosureThreshold")
    PublishedReturnFigure.objects.bulk_create(
        PublishedReturnFigure(year=year, registered_refugee_returns=people, is_approximate=approximate, source=source)
        for year, people, approximate, source in PUBLISHED
    )
    DisclosureThreshold.objects.create(
        table="*",
        threshold=5,
        sensitive_threshold=10,
        note="Cells under 5 suppressed; under 10 for sensitive specific-needs and vulnerability codes.",
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("agencies", "0008_office_locations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DisclosureThreshold",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "table",
                    models.CharField(
                        help_text="A table's code, or * for every other table.",
                        max_length=40,
                        unique=True,
                        verbose_name="table",
                    ),
                ),
                ("threshold", models.PositiveSmallIntegerField(default=5, verbose_name="threshold")),
                (
                    "sensitive_threshold",
                    models.PositiveSmallIntegerField(default=10, verbose_name="threshold for sensitive codes"),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
            ],
            options={
                "verbose_name": "disclosure threshold",
                "verbose_name_plural": "disclosure thresholds",
                "ordering": ["table"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("threshold__gte", 1)), name="disclosure_threshold_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("sensitive_threshold__gte", models.F("threshold"))),
                        name="disclosure_sensitive_not_laxer",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PublishedReturnFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="year")),
                ("registered_refugee_returns", models.PositiveIntegerField(verbose_name="registered refugee returns")),
                ("is_approximate", models.BooleanField(default=False, verbose_name="approximate")),
                ("source", models.TextField(verbose_name="source")),
            ],
            options={
                "verbose_name": "published yearly figure",
                "verbose_name_plural": "published yearly figures",
                "ordering": ["year"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("year__gte", 2002)), name="published_figure_from_2002")
                ],
            },
        ),
        migrations.CreateModel(
            name="Report",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("period_start", models.DateField(verbose_name="from")),
                ("period_end", models.DateField(verbose_name="to")),
                (
                    "reference_date",
                    models.CharField(
                        choices=[("arrival", "Arrival date"), ("grant_paid", "Date the grant was paid")],
                        default="arrival",
                        help_text="Which date decides the period a registered refugee counts in.",
                        max_length=10,
                        verbose_name="reference date",
                    ),
                ),
                (
                    "cut_off",
                    models.DateTimeField(
                        help_text="Only what was recorded by then counts.", verbose_name="data cut-off"
                    ),
                ),
                ("version", models.PositiveIntegerField(verbose_name="version")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Being computed"),
                            ("failed", "Failed"),
                            ("draft", "Draft, awaiting sign-off"),
                            ("final", "Final"),
                        ],
                        default="queued",
                        max_length=8,
                        verbose_name="status",
                    ),
                ),
                ("progress", models.PositiveSmallIntegerField(default=0, verbose_name="progress")),
                ("progress_step", models.CharField(blank=True, max_length=120, verbose_name="step")),
                ("figures", models.JSONField(blank=True, editable=False, null=True, verbose_name="figures")),
                (
                    "thresholds",
                    models.JSONField(blank=True, default=dict, editable=False, verbose_name="disclosure thresholds"),
                ),
                (
                    "checksum",
                    models.CharField(blank=True, editable=False, max_length=64, verbose_name="checksum (SHA-256)"),
                ),
                ("error", models.TextField(blank=True, verbose_name="error")),
                ("requested_at", models.DateTimeField(auto_now_add=True, verbose_name="requested at")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                ("computed_at", models.DateTimeField(blank=True, null=True, verbose_name="computed at")),
                ("finalised_at", models.DateTimeField(blank=True, null=True, verbose_name="final since")),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "report",
                "verbose_name_plural": "reports",
                "ordering": ["-requested_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ReportSignOff",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("signed_at", models.DateTimeField(auto_now_add=True, verbose_name="signed at")),
                ("checksum", models.CharField(max_length=64, verbose_name="checksum signed")),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.agency"
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="sign_offs", to="reports.report"
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "sign-off",
                "verbose_name_plural": "sign-offs",
                "ordering": ["report", "signed_at", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["status", "-requested_at"], name="report_status_recent"),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                fields=("period_start", "period_end", "reference_date", "version"), name="report_version_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.CheckConstraint(
                condition=models.Q(("period_start__lte", models.F("period_end"))), name="report_period_forward"
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.CheckConstraint(
                condition=models.Q(("progress__lte", 100)), name="report_progress_percent"
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status__in", ["draft", "final"]), _negated=True),
                    models.Q(("figures__isnull", False), models.Q(("checksum", ""), _negated=True)),
                    _connector="OR",
                ),
                name="report_computed_has_figures",
            ),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "final"), _negated=True), ("finalised_at__isnull", False), _connector="OR"
                ),
                name="report_final_has_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportsignoff",
            constraint=models.UniqueConstraint(fields=("report", "agency"), name="report_sign_off_once_per_agency"),
        ),
        migrations.RunSQL(GUARDS, UNGUARDS),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]

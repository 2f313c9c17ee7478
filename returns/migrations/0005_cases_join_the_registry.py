"""Cases, workflows, assistance and referrals join the registry in the returns app.

The models were defined in agencies (agencies 0004); here returns takes them over in Django's
state only, on the same tables (still named agencies_*). agencies 0007 then forgets them, and
0006 renames the tables. No row is copied or touched.
"""

import uuid
from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0006_partners"),
        ("returns", "0004_moved_tombstones"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AssistanceType",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("code", models.SlugField(max_length=40, verbose_name="code")),
                        ("name", models.CharField(max_length=120, verbose_name="name")),
                        (
                            "is_cash",
                            models.BooleanField(
                                default=False, help_text="Cash needs a second person's approval.", verbose_name="cash"
                            ),
                        ),
                        (
                            "is_grant",
                            models.BooleanField(
                                default=False,
                                help_text="Its amount per person comes from the grant rates.",
                                verbose_name="repatriation grant",
                            ),
                        ),
                        (
                            "unit",
                            models.CharField(
                                blank=True, help_text="e.g. kit, night, meal", max_length=40, verbose_name="unit"
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(default=0)),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="assistance_types",
                                to="agencies.agency",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "assistance type",
                        "verbose_name_plural": "assistance types",
                        "db_table": "agencies_assistancetype",
                        "ordering": ["agency", "order", "code"],
                    },
                ),
                migrations.CreateModel(
                    name="Case",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("case_number", models.CharField(max_length=32, unique=True, verbose_name="case number")),
                        ("workflow", models.CharField(max_length=32, verbose_name="workflow")),
                        ("stage", models.CharField(max_length=32, verbose_name="stage")),
                        ("stage_due_date", models.DateField(blank=True, null=True, verbose_name="current stage due")),
                        ("overdue_since", models.DateField(blank=True, null=True, verbose_name="marked overdue on")),
                        (
                            "followup_due_date",
                            models.DateField(blank=True, null=True, verbose_name="return monitoring follow-up due"),
                        ),
                        ("followup_notified_on", models.DateField(blank=True, null=True)),
                        ("is_vulnerable", models.BooleanField(default=False, verbose_name="vulnerable")),
                        ("opened_at", models.DateTimeField(auto_now_add=True, verbose_name="opened")),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed")),
                        (
                            "outcome",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("assisted", "Assisted"),
                                    ("basic_package", "Closed after the basic package"),
                                    ("reintegration_completed", "Reintegration completed"),
                                    ("not_eligible", "Not eligible; referred to IOM"),
                                    ("rerouted", "Household re-routed to another agency"),
                                ],
                                max_length=32,
                                verbose_name="outcome",
                            ),
                        ),
                        (
                            "version",
                            models.PositiveIntegerField(
                                default=1,
                                help_text="Raised by every change, so that a stale edit is refused, never applied.",
                                verbose_name="version",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="cases", to="agencies.agency"
                            ),
                        ),
                        (
                            "assigned_to",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="assigned_cases",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "household",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cases",
                                to="returns.household",
                            ),
                        ),
                        (
                            "office",
                            models.ForeignKey(
                                help_text="Where the household was registered.",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cases",
                                to="agencies.office",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "case",
                        "verbose_name_plural": "cases",
                        "db_table": "agencies_case",
                        "ordering": ["-opened_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Assistance",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "quantity",
                            models.DecimalField(
                                decimal_places=2, default=Decimal("1"), max_digits=10, verbose_name="quantity"
                            ),
                        ),
                        (
                            "value",
                            models.DecimalField(
                                blank=True, decimal_places=2, max_digits=12, null=True, verbose_name="value"
                            ),
                        ),
                        ("currency", models.CharField(blank=True, max_length=3, verbose_name="currency")),
                        ("delivered_on", models.DateField(verbose_name="delivered on")),
                        ("recorded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "approval",
                            models.CharField(
                                choices=[
                                    ("not_required", "No approval needed"),
                                    ("pending", "Waiting for approval"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                ],
                                max_length=16,
                                verbose_name="approval",
                            ),
                        ),
                        ("needs_manager_approval", models.BooleanField(default=False)),
                        ("approved_at", models.DateTimeField(blank=True, null=True)),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        (
                            "approved_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "member",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty for assistance to the whole household.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="returns.member",
                            ),
                        ),
                        (
                            "office",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.office"
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "assistance_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="returns.assistancetype",
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="assistance",
                                to="returns.case",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "assistance",
                        "verbose_name_plural": "assistance",
                        "db_table": "agencies_assistance",
                        "ordering": ["case", "delivered_on", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="CaseEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("opened", "Opened"),
                                    ("transition", "Stage changed"),
                                    ("assigned", "Assigned"),
                                    ("assistance_recorded", "Assistance recorded"),
                                    ("assistance_approved", "Assistance approved"),
                                    ("assistance_rejected", "Assistance rejected"),
                                    ("referral_made", "Referral made"),
                                    ("referral_answered", "Referral answered"),
                                    ("overdue", "Marked overdue"),
                                    ("followup_due", "Follow-up due"),
                                    ("closed", "Closed"),
                                ],
                                max_length=24,
                                verbose_name="kind",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("transition", models.CharField(blank=True, max_length=48, verbose_name="transition")),
                        ("from_stage", models.CharField(blank=True, max_length=32, verbose_name="from")),
                        ("to_stage", models.CharField(blank=True, max_length=32, verbose_name="to")),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="events", to="returns.case"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "case event",
                        "verbose_name_plural": "case events",
                        "db_table": "agencies_caseevent",
                        "ordering": ["case", "created_at", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="GrantRate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("valid_from", models.DateField(verbose_name="valid from")),
                        ("valid_until", models.DateField(blank=True, null=True, verbose_name="valid until")),
                        (
                            "amount_per_person",
                            models.DecimalField(decimal_places=2, max_digits=10, verbose_name="amount per person"),
                        ),
                        ("currency", models.CharField(default="USD", max_length=3, verbose_name="currency")),
                        (
                            "assistance_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="rates",
                                to="returns.assistancetype",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "grant rate",
                        "verbose_name_plural": "grant rates",
                        "db_table": "agencies_grantrate",
                        "ordering": ["assistance_type", "-valid_from"],
                    },
                ),
                migrations.CreateModel(
                    name="MemberVerification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "result",
                            models.CharField(
                                choices=[
                                    ("clear", "Verified, not assisted before"),
                                    ("previously_assisted", "Assisted before (recycler)"),
                                    ("failed", "Could not be verified"),
                                ],
                                max_length=24,
                                verbose_name="iris verification",
                            ),
                        ),
                        ("recorded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="verifications",
                                to="returns.case",
                            ),
                        ),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="verifications",
                                to="returns.member",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "member verification",
                        "verbose_name_plural": "member verifications",
                        "db_table": "agencies_memberverification",
                        "ordering": ["case", "member"],
                    },
                ),
                migrations.CreateModel(
                    name="Referral",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "service",
                            models.CharField(
                                choices=[
                                    ("assistance", "Assistance by the other agency"),
                                    ("legal_aid", "Legal aid"),
                                    ("health", "Health"),
                                    ("shelter", "Shelter"),
                                    ("protection", "Protection"),
                                    ("other", "Other"),
                                ],
                                max_length=16,
                                verbose_name="service",
                            ),
                        ),
                        ("reason", models.TextField(verbose_name="reason")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("accepted", "Accepted"),
                                    ("declined", "Declined"),
                                    ("completed", "Completed"),
                                ],
                                default="pending",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("due_date", models.DateField(verbose_name="answer due")),
                        ("response", models.TextField(blank=True, verbose_name="response")),
                        ("responded_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="referrals", to="returns.case"
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "from_agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="referrals_made",
                                to="agencies.agency",
                            ),
                        ),
                        (
                            "member",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="returns.member",
                            ),
                        ),
                        (
                            "responded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "to_agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="referrals_received",
                                to="agencies.agency",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "referral",
                        "verbose_name_plural": "referrals",
                        "db_table": "agencies_referral",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.AddField(
                    model_name="case",
                    name="opened_by_referral",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="returns.referral",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assistancetype",
                    constraint=models.UniqueConstraint(
                        fields=("agency", "code"), name="assistance_type_unique_per_agency"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assistance",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("quantity__gt", 0)), name="assistance_quantity_positive"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assistance",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("value__isnull", True), ("value__gte", 0), _connector="OR"),
                        name="assistance_value_not_negative",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assistance",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("value__isnull", True), ("currency", "")),
                            models.Q(("value__isnull", False), ("currency__regex", "^[A-Z]{3}$")),
                            _connector="OR",
                        ),
                        name="assistance_value_has_currency",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assistance",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("approved_by__isnull", True),
                            models.Q(("approved_by", models.F("recorded_by")), _negated=True),
                            _connector="OR",
                        ),
                        name="assistance_not_self_approved",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="grantrate",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("amount_per_person__gte", 0)), name="grant_rate_not_negative"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="grantrate",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("valid_until__isnull", True), ("valid_until__gte", models.F("valid_from")), _connector="OR"
                        ),
                        name="grant_rate_period",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="grantrate",
                    constraint=models.UniqueConstraint(
                        fields=("assistance_type", "valid_from"), name="grant_rate_one_per_start"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="memberverification",
                    constraint=models.UniqueConstraint(fields=("case", "member"), name="verification_one_per_member"),
                ),
                migrations.AddIndex(
                    model_name="referral",
                    index=models.Index(fields=["to_agency", "status"], name="referral_inbox"),
                ),
                migrations.AddConstraint(
                    model_name="referral",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("from_agency", models.F("to_agency")), _negated=True),
                        name="referral_to_another_agency",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="referral",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True), name="referral_has_reason"
                    ),
                ),
                migrations.AddIndex(
                    model_name="case",
                    index=models.Index(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=["agency", "stage", "office"],
                        name="case_open_by_stage",
                    ),
                ),
                migrations.AddIndex(
                    model_name="case",
                    index=models.Index(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=["assigned_to", "stage_due_date"],
                        name="case_open_by_assignee",
                    ),
                ),
                migrations.AddIndex(
                    model_name="case",
                    index=models.Index(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=["agency", "stage_due_date"],
                        name="case_open_by_due_date",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="case",
                    constraint=models.UniqueConstraint(
                        fields=("household", "agency"), name="case_one_per_household_and_agency"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="case",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("closed_at__isnull", True), ("outcome", "")),
                            models.Q(("closed_at__isnull", False), models.Q(("outcome", ""), _negated=True)),
                            _connector="OR",
                        ),
                        name="case_closed_with_outcome",
                    ),
                ),
            ],
        ),
    ]

"""Households are withdrawn, never deleted; history and money refuse deletes (PROTECT); and PostgreSQL
keeps the history append-only, whatever writes to it: the app, a bulk update or plain SQL.

- ``returns_householdevent``, ``returns_caseevent``: no UPDATE, no DELETE, ever.
- ``returns_assistance``: no DELETE; an UPDATE only while the assistance waits for approval, and then
  only of its approval (``approval``, ``approved_by_id``, ``approved_at``: what ``assistance_decide``
  writes). Once decided (or when it needed no approval) the row never changes: what was paid stays.
- ``returns_household``: no DELETE (a household is withdrawn instead); once withdrawn, its withdrawal
  (when, by whom, why, merged into which) never changes or is undone.

Row triggers do not see TRUNCATE: ``seed_demo --clear`` (``returns.demo.tables.registry_clear``)
empties the development database with it, as the test database's flush does. TRUNCATE, like
dropping a trigger, needs the tables' owner (docs/architecture.md, "Data protection choices").
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GUARDS = """
CREATE FUNCTION returns_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% row % is history: it is never changed or removed', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER returns_householdevent_append_only BEFORE UPDATE OR DELETE ON returns_householdevent
    FOR EACH ROW EXECUTE FUNCTION returns_history_guard();
CREATE TRIGGER returns_caseevent_append_only BEFORE UPDATE OR DELETE ON returns_caseevent
    FOR EACH ROW EXECUTE FUNCTION returns_history_guard();

CREATE FUNCTION returns_assistance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'assistance % was recorded: it is never removed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.approval <> 'pending' THEN
        RAISE EXCEPTION 'assistance % is %: it can no longer change', OLD.id, OLD.approval
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.public_id, NEW.case_id, NEW.member_id, NEW.assistance_type_id, NEW.quantity, NEW.value, NEW.currency,
        NEW.delivered_on, NEW.office_id, NEW.recorded_by_id, NEW.recorded_at, NEW.needs_manager_approval, NEW.note)
       IS DISTINCT FROM
       (OLD.public_id, OLD.case_id, OLD.member_id, OLD.assistance_type_id, OLD.quantity, OLD.value, OLD.currency,
        OLD.delivered_on, OLD.office_id, OLD.recorded_by_id, OLD.recorded_at, OLD.needs_manager_approval, OLD.note)
    THEN
        RAISE EXCEPTION 'assistance % was recorded: only its approval can change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER returns_assistance_guard BEFORE UPDATE OR DELETE ON returns_assistance
    FOR EACH ROW EXECUTE FUNCTION returns_assistance_guard();

CREATE FUNCTION returns_household_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'household % is never deleted: withdraw it', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at, NEW.withdrawn_by_id, NEW.withdrawal_reason, NEW.merged_into_id)
       IS DISTINCT FROM (OLD.withdrawn_at, OLD.withdrawn_by_id, OLD.withdrawal_reason, OLD.merged_into_id)
    THEN
        RAISE EXCEPTION 'household % is withdrawn: its withdrawal is history', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER returns_household_guard BEFORE UPDATE OR DELETE ON returns_household
    FOR EACH ROW EXECUTE FUNCTION returns_household_guard();
"""
UNGUARDS = """
DROP TRIGGER returns_household_guard ON returns_household;
DROP FUNCTION returns_household_guard();
DROP TRIGGER returns_assistance_guard ON returns_assistance;
DROP FUNCTION returns_assistance_guard();
DROP TRIGGER returns_caseevent_append_only ON returns_caseevent;
DROP TRIGGER returns_householdevent_append_only ON returns_householdevent;
DROP FUNCTION returns_history_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_office_locations"),
        ("returns", "0017_assistance_value_positive"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                help_text="The household this duplicate was merged into.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_duplicates",
                to="returns.household",
                verbose_name="merged into",
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="withdrawal_reason",
            field=models.TextField(blank=True, db_default="", default="", verbose_name="why withdrawn"),
        ),
        migrations.AddField(
            model_name="household",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="withdrawn"),
        ),
        migrations.AddField(
            model_name="household",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="withdrawn by",
            ),
        ),
        migrations.AlterField(
            model_name="assistance",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="assistance", to="returns.case"
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("assisted", "Assisted"),
                    ("basic_package", "Closed after the basic package"),
                    ("reintegration_completed", "Reintegration completed"),
                    ("not_eligible", "Not eligible; referred to IOM"),
                    ("rerouted", "Household re-routed to another agency"),
                    ("counted_not_assisted", "Counted, not assisted"),
                    ("withdrawn", "Household withdrawn: registered in error or a duplicate"),
                ],
                max_length=32,
                verbose_name="outcome",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="events", to="returns.case"
            ),
        ),
        migrations.AlterField(
            model_name="householdevent",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="events", to="returns.household"
            ),
        ),
        migrations.AlterField(
            model_name="householdevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("registered", "Registered"),
                    ("rerouted", "Re-routed"),
                    ("updated", "Updated"),
                    ("merged", "Merged with a duplicate"),
                    ("family_linked", "Linked to another part of the family"),
                    ("withdrawn", "Withdrawn: registered in error"),
                    ("merged_into", "Withdrawn: a duplicate merged into another household"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="members", to="returns.household"
            ),
        ),
        migrations.AlterField(
            model_name="memberdocument",
            name="member",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="documents", to="returns.member"
            ),
        ),
        migrations.AlterField(
            model_name="memberentitlement",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="entitlements", to="returns.case"
            ),
        ),
        migrations.AlterField(
            model_name="memberverification",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="verifications", to="returns.case"
            ),
        ),
        migrations.AlterField(
            model_name="monitoringinterview",
            name="case",
            field=models.ForeignKey(
                blank=True,
                help_text="The agency's case for the household when it was drawn.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="monitoring_interviews",
                to="returns.case",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="referrals", to="returns.case"
            ),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                condition=models.Q(("withdrawn_at__isnull", False)), fields=["id"], name="household_withdrawn"
            ),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("withdrawal_reason", ""), ("withdrawn_at__isnull", True), ("withdrawn_by__isnull", True)),
                    models.Q(
                        ("withdrawn_at__isnull", False),
                        ("withdrawn_by__isnull", False),
                        models.Q(("withdrawal_reason", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="household_withdrawal_recorded",
            ),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("merged_into__isnull", True),
                    models.Q(("withdrawn_at__isnull", False), models.Q(("merged_into", models.F("id")), _negated=True)),
                    _connector="OR",
                ),
                name="household_merged_is_withdrawn",
            ),
        ),
        migrations.AddConstraint(
            model_name="householdevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind__in", ["withdrawn", "merged_into"]), _negated=True),
                    models.Q(("note", ""), _negated=True),
                    _connector="OR",
                ),
                name="event_withdrawal_has_reason",
            ),
        ),
        migrations.RunSQL(GUARDS, UNGUARDS),
    ]

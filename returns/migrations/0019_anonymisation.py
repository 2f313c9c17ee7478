"""Retention: households are anonymised, and the history triggers of 0018 let exactly that through.

The escape is narrow and deliberate. Only inside a transaction that has said
``SET LOCAL returns.anonymising = 'on'`` (``returns.services.retention``, nothing else), and then
only an UPDATE that changes nothing but free text:

- ``returns_householdevent``, ``returns_caseevent``: the ``note``;
- ``returns_assistance``: the ``note`` (what was paid, when, where, by whom stays frozen);
- ``returns_household``: a withdrawn household's ``withdrawal_reason`` (when, by whom, merged into
  which never change).

A DELETE stays refused, with or without the setting. ``SET LOCAL`` ends with the transaction, so
no connection keeps it.
"""

from django.db import migrations, models

# Unset in a session that never named it, current_setting(..., true) is NULL: COALESCE, so that
# "not anonymising" is true there, never NULL.
ANONYMISING = "COALESCE(current_setting('returns.anonymising', true), '') = 'on'"

GUARDS = f"""
CREATE OR REPLACE FUNCTION returns_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {ANONYMISING} AND (to_jsonb(NEW) - 'note') = (to_jsonb(OLD) - 'note') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% row % is history: it is never changed or removed', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE OR REPLACE FUNCTION returns_assistance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'assistance % was recorded: it is never removed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF {ANONYMISING} AND (to_jsonb(NEW) - 'note') = (to_jsonb(OLD) - 'note') THEN
        RETURN NEW;
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

CREATE OR REPLACE FUNCTION returns_household_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'household % is never deleted: withdraw it', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at, NEW.withdrawn_by_id, NEW.merged_into_id)
       IS DISTINCT FROM (OLD.withdrawn_at, OLD.withdrawn_by_id, OLD.merged_into_id)
    THEN
        RAISE EXCEPTION 'household % is withdrawn: its withdrawal is history', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.withdrawn_at IS NOT NULL AND NEW.withdrawal_reason IS DISTINCT FROM OLD.withdrawal_reason
       AND NOT {ANONYMISING}
    THEN
        RAISE EXCEPTION 'household % is withdrawn: its withdrawal is history', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
"""

# Back to 0018's functions (the triggers themselves are unchanged).
UNGUARDS = """
CREATE OR REPLACE FUNCTION returns_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% row % is history: it is never changed or removed', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE OR REPLACE FUNCTION returns_assistance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION returns_household_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0018_withdrawal_and_append_only_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="anonymised"),
        ),
        migrations.AddField(
            model_name="member",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="anonymised"),
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
                    ("erased", "A person's data erased on request"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.RunSQL(GUARDS, UNGUARDS),
    ]

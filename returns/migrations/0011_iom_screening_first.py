"""IOM screening decides (issue 8, item 5): reception is no longer a stage, and IOM provincial teams.

- Open IOM cases waiting at "reception" move to "screening", due the day after (Kabul time), each
  with an event saying why; their version goes up, so an edit begun before is refused.
- The outcome "counted, not assisted" and the event kind "handover" are new choices (no database
  constraint lists either: ``case_closed_with_outcome`` only asks for some outcome on a closed case).
- IOM's provincial offices in the main provinces of return are seeded: the teams that take over
  reintegration and protection case management. Codes already taken are left alone, so the
  migration can run again after being reversed; reversing leaves the offices and the stages as
  they are (a case cannot go back to a stage the workflow no longer has).
"""

import django.db.models.deletion
from django.db import migrations, models

REINTEGRATION_TEAMS = [
    # code, name, province
    ("IKB", "IOM Kabul provincial office", "AF01"),
    ("ING", "IOM Nangarhar provincial office", "AF06"),
    ("IKD", "IOM Kandahar provincial office", "AF33"),
    ("IHR", "IOM Herat provincial office", "AF30"),
    ("IKZ", "IOM Kunduz provincial office", "AF17"),
    ("IBL", "IOM Balkh provincial office", "AF18"),
]

RECEPTION_NOTE = (
    "Reception at the border is no longer a stage (the border counts arrivals): the case moved to screening."
)


def offices_seed(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    Office = apps.get_model("agencies", "Office")
    iom = Agency.objects.filter(code="IOM").first()
    if iom is None:
        return
    taken = set(Office.objects.values_list("code", flat=True))
    Office.objects.bulk_create(
        [
            Office(code=code, name=name, kind="provincial_office", province_id=province, agency=iom, is_active=True)
            for code, name, province in REINTEGRATION_TEAMS
            if code not in taken
        ]
    )


def reception_to_screening(apps, schema_editor):
    # In SQL: there may be many such cases, and an event each.
    schema_editor.execute(
        """
        INSERT INTO returns_caseevent (case_id, kind, actor_id, created_at, transition, from_stage, to_stage, note,
                                       details)
        SELECT id, 'transition', NULL, now(), '', 'reception', 'screening', %s, '{"migration": "iom_screening_first"}'
        FROM returns_case
        WHERE workflow = 'iom_post_arrival' AND stage = 'reception' AND closed_at IS NULL
        ORDER BY id
        """,
        [RECEPTION_NOTE],
    )
    schema_editor.execute(
        """
        UPDATE returns_case
        SET stage = 'screening', stage_due_date = (now() AT TIME ZONE 'Asia/Kabul')::date + 1, overdue_since = NULL,
            version = version + 1, updated_at = now()
        WHERE workflow = 'iom_post_arrival' AND stage = 'reception' AND closed_at IS NULL
        """
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0007_cases_leave_for_returns"),
        ("returns", "0010_household_family_event"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="office",
            field=models.ForeignKey(
                help_text="The office responsible for the case now: where the household was registered, until the case is handed to another office (IOM: the team of the province of destination).",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="agencies.office",
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
                ],
                max_length=32,
                verbose_name="outcome",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
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
                    ("handover", "Handover to the province of destination"),
                    ("closed", "Closed"),
                ],
                max_length=24,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(offices_seed, migrations.RunPython.noop),
        migrations.RunPython(reception_to_screening, migrations.RunPython.noop),
    ]

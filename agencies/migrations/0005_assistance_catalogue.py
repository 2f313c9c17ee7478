"""The agencies' assistance catalogues, UNHCR's grant rates by period, cash approval limits, and a
case for every household registered before cases existed."""

import datetime
from decimal import Decimal

from django.db import migrations

CATALOGUE = {
    # code, name, is_cash, is_grant, unit
    "UNHCR": [
        ("cash_grant", "Repatriation cash grant", True, True, "household"),
        ("return_supplement", "Cash supplement three months after arrival", True, False, "household"),
        ("health_screening", "Health screening and vaccination", False, False, "person"),
        ("mine_risk_awareness", "Mine-risk awareness session", False, False, "person"),
        ("overnight_transit", "Overnight transit at the encashment centre", False, False, "night"),
        ("counselling_referral", "Legal and social counselling referral", False, False, "person"),
    ],
    "IOM": [
        ("meals", "Meals", False, False, "meal"),
        ("transit_nights", "Nights in a transit centre", False, False, "night"),
        ("nfi_kit", "Non-food items kit", False, False, "kit"),
        ("medical_screening", "Basic medical screening", False, False, "person"),
        ("transport_cash", "Cash for onward transport", True, False, "household"),
        ("family_tracing", "Family tracing", False, False, "case"),
        ("cash_for_protection", "Cash for protection", True, False, "household"),
    ],
}

# DOMAIN.md: about USD 100 (2010), 200 (2017-2019), 250 (from August 2020), 375 (from 2023).
GRANT_RATES = [
    (datetime.date(2010, 1, 1), datetime.date(2016, 12, 31), Decimal("100.00")),
    (datetime.date(2017, 1, 1), datetime.date(2020, 7, 31), Decimal("200.00")),
    (datetime.date(2020, 8, 1), datetime.date(2022, 12, 31), Decimal("250.00")),
    (datetime.date(2023, 1, 1), None, Decimal("375.00")),
]

APPROVAL_LIMITS = {"UNHCR": Decimal("3000.00"), "IOM": Decimal("500.00")}

WORKFLOWS = {
    "UNHCR": ("unhcr_voluntary_repatriation", "VR", "verification"),
    "IOM": ("iom_post_arrival", "PA", "reception"),
}


def load(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    AssistanceType = apps.get_model("agencies", "AssistanceType")
    GrantRate = apps.get_model("agencies", "GrantRate")
    for agency_code, items in CATALOGUE.items():
        agency = Agency.objects.get(code=agency_code)
        agency.manager_approval_above = APPROVAL_LIMITS[agency_code]
        agency.manager_approval_currency = "USD"
        agency.save(update_fields=["manager_approval_above", "manager_approval_currency"])
        for order, (code, name, is_cash, is_grant, unit) in enumerate(items):
            assistance_type = AssistanceType.objects.create(
                agency=agency, code=code, name=name, is_cash=is_cash, is_grant=is_grant, unit=unit, order=order
            )
            if is_grant:
                GrantRate.objects.bulk_create(
                    [
                        GrantRate(
                            assistance_type=assistance_type, valid_from=start, valid_until=end, amount_per_person=amount
                        )
                        for start, end, amount in GRANT_RATES
                    ]
                )
    # Households registered before cases existed get a case at their agency's first stage.
    for agency_code, (workflow, prefix, stage) in WORKFLOWS.items():
        schema_editor.execute(
            """
            INSERT INTO agencies_case (public_id, case_number, household_id, agency_id, office_id, workflow, stage,
                                       is_vulnerable, opened_at, outcome, version, updated_at)
            SELECT gen_random_uuid(), %s || '-' || h.registration_number, h.id, h.routed_agency_id, h.office_id, %s, %s,
                   false, now(), '', 1, now()
            FROM returns_household h JOIN agencies_agency a ON a.id = h.routed_agency_id
            WHERE a.code = %s AND NOT EXISTS (SELECT 1 FROM agencies_case c WHERE c.household_id = h.id)
            """,
            [prefix, workflow, stage, agency_code],
        )


class Migration(migrations.Migration):
    dependencies = [("agencies", "0004_cases"), ("returns", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

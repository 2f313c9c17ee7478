"""Code lists and the first routing rule set (version 1), plus the registration number sequence.

All of it is data an admin edits afterwards; docs/routing.md explains each rule.
"""

from django.db import migrations

RETURN_TYPES = [
    ("voluntary_repatriation", "Voluntary repatriation", False, 1),
    ("spontaneous", "Spontaneous return", False, 2),
    ("deportation", "Deportation", True, 3),
    ("other", "Other", False, 4),
]

DOCUMENT_TYPES = [
    # code, name, routing class, usual issuer, has expiry
    ("por_card", "PoR card (Proof of Registration)", "refugee_card", "PK", True),
    ("amayesh_card", "Amayesh card", "refugee_card", "IR", True),
    ("vrf", "VRF (Voluntary Repatriation Form)", "repatriation_form", None, False),
    ("acc", "ACC (Afghan Citizen Card)", "citizen_card", "PK", True),
    ("census_slip", "Iranian census slip (headcount)", "other", "IR", False),
    ("tazkira", "Tazkira (Afghan national ID)", "identity", "AF", False),
    ("passport", "Passport", "identity", "AF", True),
    ("visa", "Visa", "identity", None, True),
    ("other", "Other document", "other", None, False),
]

UNHCR_NEEDS = [
    ("CR", "Child at risk", None),
    ("SC", "Unaccompanied or separated child", None),
    ("SC-UC", "Unaccompanied child", "SC"),
    ("SC-SC", "Separated child", "SC"),
    ("SC-CH", "Child-headed household", "SC"),
    ("DS", "Disability", None),
    ("DS-PM", "Physical disability, moderate", "DS"),
    ("SM", "Serious medical condition", None),
    ("SM-CI", "Chronic illness", "SM"),
    ("FU", "Family unity", None),
    ("FU-TR", "Tracing required", "FU"),
    ("LP", "Specific legal and physical protection needs", None),
    ("TR", "Torture", None),
    ("SV", "Sexual and gender-based violence", None),
    ("ER", "Older person at risk", None),
    ("WR", "Woman at risk", None),
    ("SP", "Single parent", None),
]

IOM_VULNERABILITIES = [
    ("UMC", "Unaccompanied migrant child"),
    ("MC", "Medical case"),
    ("SP", "Single-parent family"),
    ("SF", "Single female"),
    ("PD", "Physically disabled"),
    ("MI", "Mentally ill"),
    ("CI", "Chronically ill"),
    ("UE", "Unaccompanied elderly"),
    ("DA", "Drug user"),
    ("PF", "Poor family"),
    ("DF", "Deported family"),
    ("SC", "Special case"),
]

# order, code, conditions, decides, agency, category, flags, explanation
RULES = [
    (
        10,
        "mixed_status",
        {"refugee_document_coverage": ["some"]},
        False,
        None,
        "",
        ["mixed_status"],
        "Some members hold a valid refugee card and others aged 5 or over do not (mixed status): "
        "the household stays together and UNHCR verifies which members are eligible.",
    ),
    (
        20,
        "deported_refugee_document_holder",
        {"refugee_document_coverage": ["all", "some"], "is_forced_return": [True]},
        False,
        None,
        "",
        ["protection_follow_up"],
        "A refugee-card or VRF holder was deported rather than repatriated: flagged for protection follow-up.",
    ),
    (
        30,
        "refugee_documents",
        {"refugee_document_coverage": ["all", "some"]},
        True,
        "UNHCR",
        "registered_refugee",
        [],
        "Holds a valid PoR or Amayesh card or a VRF: registered refugee, assisted by UNHCR (voluntary repatriation).",
    ),
    (
        40,
        "expired_refugee_card",
        {"has_expired_refugee_card": [True]},
        True,
        "IOM",
        "undocumented",
        ["unhcr_verification"],
        "The refugee card expired before arrival: assisted by IOM as undocumented, flagged for UNHCR to verify "
        "the registration.",
    ),
    (
        50,
        "citizen_card_holder",
        {"has_citizen_card": [True]},
        True,
        "IOM",
        "undocumented",
        [],
        "Holds an Afghan Citizen Card (ACC): documented but not a refugee, assisted by IOM.",
    ),
    (
        60,
        "undocumented",
        {},
        True,
        "IOM",
        "undocumented",
        [],
        "No refugee card or VRF: undocumented returnee, assisted by IOM (post-arrival assistance).",
    ),
]


def load(apps, schema_editor):
    ReturnType = apps.get_model("returns", "ReturnType")
    DocumentType = apps.get_model("returns", "DocumentType")
    NeedCode = apps.get_model("returns", "NeedCode")
    Agency = apps.get_model("agencies", "Agency")
    RoutingRuleSet = apps.get_model("returns", "RoutingRuleSet")
    RoutingRule = apps.get_model("returns", "RoutingRule")

    ReturnType.objects.bulk_create(
        [ReturnType(code=code, name=name, is_forced=forced, order=order) for code, name, forced, order in RETURN_TYPES]
    )
    DocumentType.objects.bulk_create(
        [
            DocumentType(
                code=code, name=name, routing_class=routing_class, issuing_country_id=issuer, has_expiry=expiry, order=i
            )
            for i, (code, name, routing_class, issuer, expiry) in enumerate(DOCUMENT_TYPES)
        ]
    )
    groups = {}
    for code, name, parent in UNHCR_NEEDS:
        groups[code] = NeedCode.objects.create(code=code, name=name, scheme="unhcr_snc", parent=groups.get(parent))
    NeedCode.objects.bulk_create(
        [NeedCode(code=code, name=name, scheme="iom_vulnerability") for code, name in IOM_VULNERABILITIES]
    )

    agencies = {agency.code: agency for agency in Agency.objects.all()}
    from django.utils import timezone

    rule_set = RoutingRuleSet.objects.create(
        version=1, status="active", activated_at=timezone.now(), notes="The rule set the system started with."
    )
    RoutingRule.objects.bulk_create(
        [
            RoutingRule(
                rule_set=rule_set,
                order=order,
                code=code,
                conditions=conditions,
                decides=decides,
                agency=agencies.get(agency),
                category=category,
                flags=flags,
                explanation=explanation,
            )
            for order, code, conditions, decides, agency, category, flags, explanation in RULES
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial"), ("agencies", "0002_reference_data")]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunSQL(
            "CREATE SEQUENCE returns_household_number_seq START 1;",
            "DROP SEQUENCE returns_household_number_seq;",
        ),
    ]

"""The policy history, as dated data: routing rule sets, VolRep grant rates, the return supplement and
the decisions that kept PoR cards valid past their printed expiry.

Figures and dates come from ../shared/DOMAIN.md (published UNHCR material). Where the sources give a
figure only as an average, or a date only as a month or season, the row is marked approximate.
docs/routing.md explains each rule; everything here is edited afterwards in the admin.
"""

import datetime
from decimal import Decimal

from django.db import migrations

D = datetime.date

# valid from, valid until, amount, unit, approximate, source
GRANT_HISTORY = [
    (D(2002, 3, 1), D(2002, 5, 28), "100", "family", True, "Before 29 May 2002: USD 100 per family."),
    (
        D(2002, 5, 29),
        D(2009, 12, 31),
        "20",
        "person",
        True,
        "From 29 May 2002 a travel grant of USD 10, 20 or 30 per person by destination (plus USD 8 from "
        "Karachi); 20 is the middle figure.",
    ),
    (
        D(2010, 1, 1),
        D(2015, 12, 31),
        "100",
        "person",
        True,
        "Around 2010, about USD 100 per person on average, varying with the distance.",
    ),
    (D(2016, 1, 1), D(2016, 6, 28), "200", "person", True, "By 2016, an average of USD 200 per person."),
    (D(2016, 6, 29), D(2017, 4, 2), "400", "person", True, "Doubled to an average of USD 400 on 29 June 2016."),
    (D(2017, 4, 3), D(2020, 7, 31), "200", "person", False, "USD 200 from 3 April 2017 (funding cuts)."),
    (D(2020, 8, 1), D(2022, 7, 31), "250", "person", True, "USD 250 from August 2020 (the day is not published)."),
    (D(2022, 8, 1), None, "375", "person", False, "USD 375 from 1 August 2022, from Iran and Pakistan alike."),
]

# The rates 0005 of the agencies app seeded before the history was checked: replaced when unchanged.
FIRST_SEEDED_RATES = [
    (D(2010, 1, 1), Decimal("100.00")),
    (D(2017, 1, 1), Decimal("200.00")),
    (D(2020, 8, 1), Decimal("250.00")),
    (D(2023, 1, 1), Decimal("375.00")),
]

# PoR cards: printed expiry 31 December 2015 (old cards), 30 June 2023 (the blue cards of 2021).
# title, decided on, in force from, valid until, approximate
POR_DECREES = [
    ("Federal cabinet extends PoR cards", D(2016, 1, 5), D(2016, 1, 5), D(2016, 12, 31), True),
    ("Federal cabinet extends PoR cards", D(2017, 2, 7), D(2017, 2, 7), D(2017, 12, 31), True),
    ("Federal cabinet extends PoR cards (early 2018)", D(2018, 2, 1), D(2018, 2, 1), D(2018, 6, 30), True),
    ("Federal cabinet extends PoR cards", D(2018, 7, 1), D(2018, 7, 1), D(2019, 6, 30), True),
    ("Federal cabinet extends PoR cards", D(2019, 7, 1), D(2019, 7, 1), D(2020, 6, 30), True),
    ("Federal cabinet extends PoR cards until the new cards", D(2020, 7, 1), D(2020, 7, 1), D(2021, 6, 30), True),
    ("Federal cabinet extends the blue PoR cards", D(2023, 7, 1), D(2023, 7, 1), D(2023, 12, 31), True),
    ("Federal cabinet extends the blue PoR cards", D(2024, 1, 1), D(2024, 1, 1), D(2024, 6, 30), True),
    ("Federal cabinet extends PoR cards (2024)", D(2024, 7, 10), D(2024, 7, 10), D(2025, 6, 30), True),
    ("PoR cards not extended after 30 June 2025", D(2025, 6, 30), D(2025, 7, 1), D(2025, 6, 30), False),
]
DECREE_SOURCE = (
    "DOMAIN.md: extended past the printed expiry several times (for example early 2018 and 2024), not "
    "extended after 30 June 2025. The other dates follow public reporting and are approximate."
)

# order, code, conditions, decides, agency, category, flags, explanation
COMMON_FIRST = [
    (
        10,
        "mixed_status",
        {"refugee_document_coverage": ["some"]},
        False,
        None,
        "",
        ["mixed_status"],
        "Some members are on the VRF or hold a valid refugee card and others are not (mixed status): the family "
        "stays together, and UNHCR decides each member's entitlement at verification.",
    ),
    (
        20,
        "deported_refugee_card_holder",
        {"holds_refugee_card": [True], "is_forced_return": [True]},
        False,
        None,
        "",
        ["protection_follow_up"],
        "A refugee-card holder was deported rather than repatriated: a protection follow-up is opened.",
    ),
    (
        30,
        "winter_pause",
        {"has_vrf": [True], "in_winter_pause": [True], "country_of_departure": ["PK"]},
        False,
        None,
        "",
        ["winter_pause"],
        "Arrived with a VRF from Pakistan during the VolRep winter pause (1 December to end of February).",
    ),
    (
        40,
        "voluntary_repatriation",
        {"has_vrf": [True]},
        True,
        "UNHCR",
        "registered_refugee",
        [],
        "Returns with a VRF: voluntary repatriation with UNHCR. The grant is paid to each member on the VRF who "
        "is verified and was not assisted before.",
    ),
]
COMMON_LAST = [
    (
        60,
        "refugee_card_without_vrf",
        {"holds_refugee_card": [True]},
        True,
        "IOM",
        "refugee_card",
        ["unhcr_verification"],
        "Holds a refugee card but returns without a VRF (spontaneously or deported): no VolRep grant and no "
        "encashment centre under this policy. IOM screens the family; UNHCR verifies the registration.",
    ),
    (
        70,
        "citizen_card_holder",
        {"has_citizen_card": [True]},
        True,
        "IOM",
        "acc_holder",
        [],
        "Holds an Afghan Citizen Card (ACC): documented but not a refugee; IOM screens the family.",
    ),
    (
        80,
        "passport_or_visa_holder",
        {"has_passport_or_visa": [True]},
        True,
        "IOM",
        "passport_visa",
        [],
        "Holds a passport or visa: not a refugee; IOM screens the family.",
    ),
    (
        90,
        "undocumented",
        {},
        True,
        "IOM",
        "undocumented",
        [],
        "No refugee card, VRF or other papers: undocumented returnee, counted at the border and screened by IOM.",
    ),
]
POR_AT_THE_BORDER = (
    50,
    "por_holder_without_vrf",
    {"holds_por_card": [True]},
    True,
    "UNHCR",
    "refugee_card",
    ["unhcr_verification"],
    "From 20 August 2025 a PoR-card holder may return without a VRF: DoRR issues a return certificate, UNHCR's "
    "partner interviews the family at the border and refers it to an encashment centre, where UNHCR decides "
    "targeted cash assistance.",
)

RULE_SETS = [
    (
        D(2002, 3, 1),
        "VolRep needs a VRF",
        "Voluntary repatriation from March 2002: only a VRF opens the grant and the encashment centre.",
        COMMON_FIRST + COMMON_LAST,
    ),
    (
        D(2025, 8, 20),
        "PoR holders may return without a VRF",
        "From 20 August 2025, PoR holders go straight to the border and UNHCR decides targeted cash assistance.",
        [*COMMON_FIRST, POR_AT_THE_BORDER, *COMMON_LAST],
    ),
]


def load(apps, schema_editor):
    DocumentType = apps.get_model("returns", "DocumentType")
    AssistanceType = apps.get_model("returns", "AssistanceType")
    GrantRate = apps.get_model("returns", "GrantRate")
    SupplementRule = apps.get_model("returns", "SupplementRule")
    CardValidityDecree = apps.get_model("returns", "CardValidityDecree")
    RoutingRuleSet = apps.get_model("returns", "RoutingRuleSet")
    RoutingRule = apps.get_model("returns", "RoutingRule")
    Agency = apps.get_model("agencies", "Agency")

    DocumentType.objects.filter(code__in=["passport", "visa"], routing_class="identity").update(
        routing_class="passport_visa"
    )
    AssistanceType.objects.filter(agency__code="UNHCR", code="return_supplement").update(is_supplement=True)
    for grant in AssistanceType.objects.filter(agency__code="UNHCR", is_grant=True):
        for start, amount in FIRST_SEEDED_RATES:
            GrantRate.objects.filter(assistance_type=grant, valid_from=start, amount_per_person=amount).delete()
        GrantRate.objects.bulk_create(
            [
                GrantRate(
                    assistance_type=grant,
                    valid_from=start,
                    valid_until=until,
                    amount_per_person=Decimal(amount),
                    unit=unit,
                    currency="USD",
                    is_approximate=approximate,
                    source=source,
                )
                for start, until, amount, unit, approximate, source in GRANT_HISTORY
                if not GrantRate.objects.filter(assistance_type=grant, valid_from=start).exists()
            ]
        )
    SupplementRule.objects.get_or_create(
        valid_from=D(2023, 1, 1),
        defaults={
            "family_amount": Decimal("700.00"),
            "single_amount": Decimal("350.00"),
            "part_amount": Decimal("350.00"),
            "parts_paid": 2,
            "due_after_days": 90,
            "currency": "USD",
            "is_approximate": True,
            "source": "From 1 January 2023, about three months after arrival: USD 700 per family of two or more, "
            "USD 350 for one person; a family returning in parts gets 350 for the first part, 350 for the second, "
            "nothing for a third.",
        },
    )
    por = DocumentType.objects.filter(code="por_card").first()
    if por is not None:
        CardValidityDecree.objects.bulk_create(
            [
                CardValidityDecree(
                    document_type=por,
                    title=title,
                    decided_on=decided,
                    effective_from=start,
                    valid_until=until,
                    date_is_approximate=approximate,
                    source=DECREE_SOURCE,
                )
                for title, decided, start, until, approximate in POR_DECREES
            ],
            ignore_conflicts=True,
        )
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    highest = max(RoutingRuleSet.objects.values_list("version", flat=True), default=0)
    for offset, (start, title, notes, rules) in enumerate(RULE_SETS, start=1):
        if RoutingRuleSet.objects.filter(status="published", effective_from=start).exists():
            continue
        rule_set = RoutingRuleSet.objects.create(
            version=highest + offset,
            status="published",
            effective_from=start,
            title=title,
            notes=notes,
            activated_at=datetime.datetime.now(datetime.UTC),
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
                for order, code, conditions, decides, agency, category, flags, explanation in rules
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("returns", "0008_dated_policy")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

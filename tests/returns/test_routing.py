"""Routing, specified as a table: each household below goes through the real registration service.

The reasons are the explanations of the shipped policy history (returns/migrations/0009): v2 from
1 March 2002 ("VolRep needs a VRF") and v3 from 20 August 2025 ("PoR holders may return without a
VRF"), joined in the order the rules matched; flags keep the order of the rules that added them.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from agencies.models import Agency
from returns.conditions import FACTS, conditions_errors
from returns.models import (
    CardValidityDecree,
    Household,
    HouseholdEvent,
    Member,
    MemberDocument,
    RoutingRule,
    RoutingRuleSet,
)
from returns.reference import reference_data, reference_invalidate
from returns.registration import DocumentRegistration, HouseholdRegistration
from returns.routing import RoutingUndecided, routing_facts
from returns.rule_sets import rule_set_copy, rule_set_publish
from returns.services.households import household_register
from tests.factories import UserFactory, acc, amayesh_card, household, member, por_card, vrf


@pytest.fixture(autouse=True)
def _english():
    """Messages built outside a request are English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


# A fixed arrival day under v3, outside the winter pause, keeps the birthday and expiry boundaries exact.
ARRIVAL = datetime.date(2025, 9, 4)
BEFORE_V3 = datetime.date(2025, 8, 19)
IN_WINTER = datetime.date(2025, 12, 10)

MIXED = (
    "Some members are on the VRF or hold a valid refugee card and others are not (mixed status): the family "
    "stays together, and UNHCR decides each member's entitlement at verification."
)
DEPORTED = "A refugee-card holder was deported rather than repatriated: a protection follow-up is opened."
WINTER = "Arrived with a VRF from Pakistan during the VolRep winter pause (1 December to end of February)."
VOLREP = (
    "Returns with a VRF: voluntary repatriation with UNHCR. The grant is paid to each member on the VRF who "
    "is verified and was not assisted before."
)
POR_WITHOUT_VRF = (
    "From 20 August 2025 a PoR-card holder may return without a VRF: DoRR issues a return certificate, UNHCR's "
    "partner interviews the family at the border and refers it to an encashment centre, where UNHCR decides "
    "targeted cash assistance."
)
CARD_WITHOUT_VRF = (
    "Holds a refugee card but returns without a VRF (spontaneously or deported): no VolRep grant and no "
    "encashment centre under this policy. IOM screens the family; UNHCR verifies the registration."
)
CITIZEN_CARD = "Holds an Afghan Citizen Card (ACC): documented but not a refugee; IOM screens the family."
PASSPORT = "Holds a passport or visa: not a refugee; IOM screens the family."
UNDOCUMENTED = "No refugee card, VRF or other papers: undocumented returnee, counted at the border and screened by IOM."
NOT_EXTENDED = "PoR cards not extended after 30 June 2025"


def tazkira() -> DocumentRegistration:
    return DocumentRegistration(document_type="tazkira", issuing_country="AF", number="1400-0101-12345")


def passport() -> DocumentRegistration:
    return DocumentRegistration(document_type="passport", issuing_country="AF", number="P01234567")


def expired_por_card(**kwargs) -> DocumentRegistration:
    # Printed to expire after the last extension ended (30 June 2025): no decree keeps it valid on ARRIVAL.
    return por_card(expiry_date=ARRIVAL - datetime.timedelta(days=40), expired_confirmed=True, **kwargs)


def expired_amayesh_card(**kwargs) -> DocumentRegistration:
    return amayesh_card(expiry_date=ARRIVAL - datetime.timedelta(days=40), expired_confirmed=True, **kwargs)


def spouse(**kwargs):
    return member(relationship="spouse", given_name="Fatima", sex="female", age=30, **kwargs)


def child(*, relationship="son", given_name="Omid", **kwargs):
    sex = "female" if relationship == "daughter" else "male"
    return member(relationship=relationship, given_name=given_name, sex=sex, **kwargs)


def years_before(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year - years)


def from_pakistan(members, *, arrival=ARRIVAL, **kwargs) -> HouseholdRegistration:
    return household(members=members, arrival_date=arrival, **kwargs)


def from_iran(members, **kwargs) -> HouseholdRegistration:
    return household(members=members, arrival_date=ARRIVAL, office="IQL", country_of_departure="IR", **kwargs)


@dataclass(frozen=True)
class RoutingCase:
    name: str
    registration: Callable[[], HouseholdRegistration]
    agency: str
    category: str
    rule: str
    flags: list[str]
    reason: str
    version: int = 3


UNHCR_CARD = ("UNHCR", "refugee_card", "por_holder_without_vrf")
IOM_CARD = ("IOM", "refugee_card", "refugee_card_without_vrf")
VOLUNTARY = ("UNHCR", "registered_refugee", "voluntary_repatriation")
IOM_UNDOCUMENTED = ("IOM", "undocumented", "undocumented")

CASES = [
    RoutingCase(
        "por_card_head_alone",
        lambda: from_pakistan([member(documents=[por_card()])]),
        *UNHCR_CARD,
        ["unhcr_verification"],
        POR_WITHOUT_VRF,
    ),
    RoutingCase(
        "por_card_head_alone_the_day_before_v3",
        lambda: from_pakistan([member(documents=[por_card()])], arrival=BEFORE_V3),
        *IOM_CARD,
        ["unhcr_verification"],
        CARD_WITHOUT_VRF,
        version=2,
    ),
    RoutingCase(
        "por_card_family_every_adult_with_a_card",
        lambda: from_pakistan(
            [
                member(documents=[por_card(number="PK-1")]),
                spouse(documents=[por_card(number="PK-2")]),
                child(age=7, documents=[por_card(number="PK-3")]),
            ]
        ),
        *UNHCR_CARD,
        ["unhcr_verification"],
        POR_WITHOUT_VRF,
    ),
    RoutingCase(
        "amayesh_card_from_iran_without_vrf",
        lambda: from_iran([member(documents=[amayesh_card()]), spouse(documents=[amayesh_card(number="IR-2")])]),
        *IOM_CARD,
        ["unhcr_verification"],
        CARD_WITHOUT_VRF,
    ),
    RoutingCase(
        "vrf_on_every_member",
        lambda: from_pakistan(
            [
                member(documents=[vrf()]),
                spouse(documents=[vrf()]),
                child(age=12, documents=[vrf()]),
                child(relationship="daughter", age=8, documents=[vrf()]),
            ]
        ),
        *VOLUNTARY,
        [],
        VOLREP,
    ),
    RoutingCase(
        "vrf_on_the_head_only_is_mixed_status",
        lambda: from_pakistan([member(documents=[vrf()]), spouse(), child(age=12)]),
        *VOLUNTARY,
        ["mixed_status"],
        f"{MIXED} {VOLREP}",
    ),
    RoutingCase(
        "vrf_with_a_por_card_is_voluntary_repatriation",
        lambda: from_pakistan([member(documents=[vrf(), por_card()]), spouse(documents=[vrf()])]),
        *VOLUNTARY,
        [],
        VOLREP,
    ),
    RoutingCase(
        "vrf_from_pakistan_in_the_winter_pause",
        lambda: from_pakistan([member(documents=[vrf()]), spouse(documents=[vrf()])], arrival=IN_WINTER),
        *VOLUNTARY,
        ["winter_pause"],
        f"{WINTER} {VOLREP}",
    ),
    RoutingCase(
        "spontaneous_return_with_por_card",
        lambda: from_pakistan([member(documents=[por_card()])], return_type="spontaneous"),
        *UNHCR_CARD,
        ["unhcr_verification"],
        POR_WITHOUT_VRF,
    ),
    RoutingCase(
        "no_documents",
        lambda: from_pakistan([member(), spouse(), child(age=3)], return_type="spontaneous"),
        *IOM_UNDOCUMENTED,
        [],
        UNDOCUMENTED,
    ),
    RoutingCase(
        "tazkira_only",
        lambda: from_pakistan([member(documents=[tazkira()]), spouse()]),
        *IOM_UNDOCUMENTED,
        [],
        UNDOCUMENTED,
    ),
    RoutingCase(
        "tazkira_and_passport",
        lambda: from_pakistan([member(documents=[tazkira()]), spouse(documents=[passport()])]),
        "IOM",
        "passport_visa",
        "passport_or_visa_holder",
        [],
        PASSPORT,
    ),
    RoutingCase(
        "acc_holder",
        lambda: from_pakistan([member(documents=[acc()]), spouse()], return_type="spontaneous"),
        "IOM",
        "acc_holder",
        "citizen_card_holder",
        [],
        CITIZEN_CARD,
    ),
    RoutingCase(
        "acc_wins_over_a_passport",
        lambda: from_pakistan([member(documents=[acc()]), spouse(documents=[passport()])]),
        "IOM",
        "acc_holder",
        "citizen_card_holder",
        [],
        CITIZEN_CARD,
    ),
    RoutingCase(
        "acc_head_with_por_card_spouse_is_mixed_status",
        lambda: from_pakistan([member(documents=[acc()]), spouse(documents=[por_card()])]),
        *UNHCR_CARD,
        ["mixed_status", "unhcr_verification"],
        f"{MIXED} {POR_WITHOUT_VRF}",
    ),
    RoutingCase(
        "expired_por_card_confirmed_still_goes_to_unhcr_under_v3",
        lambda: from_pakistan([member(documents=[expired_por_card()]), spouse()]),
        *UNHCR_CARD,
        ["unhcr_verification"],
        POR_WITHOUT_VRF,
    ),
    RoutingCase(
        "expired_amayesh_card_confirmed",
        lambda: from_iran([member(documents=[expired_amayesh_card()]), spouse()]),
        *IOM_CARD,
        ["unhcr_verification"],
        CARD_WITHOUT_VRF,
    ),
    RoutingCase(
        "expired_card_wins_over_acc",
        lambda: from_iran([member(documents=[expired_amayesh_card(), acc()])]),
        *IOM_CARD,
        ["unhcr_verification"],
        CARD_WITHOUT_VRF,
    ),
    RoutingCase(
        "expired_card_for_one_member_valid_for_another",
        lambda: from_pakistan(
            [
                member(documents=[por_card(expiry_date=ARRIVAL + datetime.timedelta(days=300))]),
                spouse(documents=[expired_por_card(number="PK-2")]),
            ]
        ),
        *UNHCR_CARD,
        ["mixed_status", "unhcr_verification"],
        f"{MIXED} {POR_WITHOUT_VRF}",
    ),
    RoutingCase(
        "mixed_status_adult_member_without_card",
        lambda: from_pakistan(
            [member(documents=[por_card()]), child(relationship="sibling", given_name="Karim", age=22)]
        ),
        *UNHCR_CARD,
        ["mixed_status", "unhcr_verification"],
        f"{MIXED} {POR_WITHOUT_VRF}",
    ),
    RoutingCase(
        "young_child_covered_by_parent_card",
        lambda: from_pakistan(
            [member(documents=[por_card()]), spouse(documents=[por_card(number="PK-2")]), child(age=2)]
        ),
        *UNHCR_CARD,
        ["unhcr_verification"],
        POR_WITHOUT_VRF,
    ),
    RoutingCase(
        "deported_por_card_holder",
        lambda: from_pakistan([member(documents=[por_card()])], return_type="deportation"),
        *UNHCR_CARD,
        ["protection_follow_up", "unhcr_verification"],
        f"{DEPORTED} {POR_WITHOUT_VRF}",
    ),
    RoutingCase(
        "deported_por_card_holder_before_v3",
        lambda: from_pakistan([member(documents=[por_card()])], return_type="deportation", arrival=BEFORE_V3),
        *IOM_CARD,
        ["protection_follow_up", "unhcr_verification"],
        f"{DEPORTED} {CARD_WITHOUT_VRF}",
        version=2,
    ),
    RoutingCase(
        "deported_amayesh_card_holder_from_iran",
        lambda: from_iran([member(documents=[amayesh_card()])], return_type="deportation"),
        *IOM_CARD,
        ["protection_follow_up", "unhcr_verification"],
        f"{DEPORTED} {CARD_WITHOUT_VRF}",
    ),
    RoutingCase(
        "deported_mixed_status",
        lambda: from_pakistan([member(documents=[por_card()]), spouse()], return_type="deportation"),
        *UNHCR_CARD,
        ["mixed_status", "protection_follow_up", "unhcr_verification"],
        f"{MIXED} {DEPORTED} {POR_WITHOUT_VRF}",
    ),
    RoutingCase(
        "deported_with_expired_card_only",
        lambda: from_iran([member(documents=[expired_amayesh_card()])], return_type="deportation"),
        *IOM_CARD,
        ["protection_follow_up", "unhcr_verification"],
        f"{DEPORTED} {CARD_WITHOUT_VRF}",
    ),
    RoutingCase(
        "deported_undocumented_single_man_from_iran",
        lambda: from_iran([member(given_name="Reza", age=24)], return_type="deportation"),
        *IOM_UNDOCUMENTED,
        [],
        UNDOCUMENTED,
    ),
    RoutingCase(
        "child_turning_5_the_day_after_arrival_is_covered",
        lambda: from_pakistan(
            [
                member(documents=[por_card()]),
                child(date_of_birth=years_before(ARRIVAL, 5) + datetime.timedelta(days=1)),
            ]
        ),
        *UNHCR_CARD,
        ["unhcr_verification"],
        POR_WITHOUT_VRF,
    ),
    RoutingCase(
        "child_turning_5_on_arrival_day_needs_own_card",
        lambda: from_pakistan([member(documents=[por_card()]), child(date_of_birth=years_before(ARRIVAL, 5))]),
        *UNHCR_CARD,
        ["mixed_status", "unhcr_verification"],
        f"{MIXED} {POR_WITHOUT_VRF}",
    ),
    RoutingCase(
        "child_estimated_age_5_needs_own_card",
        lambda: from_pakistan([member(documents=[por_card()]), child(age=5)]),
        *UNHCR_CARD,
        ["mixed_status", "unhcr_verification"],
        f"{MIXED} {POR_WITHOUT_VRF}",
    ),
    RoutingCase(
        "child_estimated_age_4_is_covered",
        lambda: from_pakistan([member(documents=[por_card()]), child(age=4)]),
        *UNHCR_CARD,
        ["unhcr_verification"],
        POR_WITHOUT_VRF,
    ),
    RoutingCase(
        "a_vrf_covers_no_young_child_who_is_not_on_it",
        lambda: from_pakistan([member(documents=[vrf()]), child(age=2)]),
        *VOLUNTARY,
        ["mixed_status"],
        f"{MIXED} {VOLREP}",
    ),
    RoutingCase(
        "young_child_without_any_card_in_household",
        lambda: from_pakistan([member(), child(age=1)]),
        *IOM_UNDOCUMENTED,
        [],
        UNDOCUMENTED,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_household_is_routed_by_the_policy_of_its_arrival_date(case: RoutingCase, unhcr_officer):
    registered = household_register(registered_by=unhcr_officer, registration=case.registration())

    registered.refresh_from_db()
    assert registered.routed_agency.code == case.agency
    assert registered.category == case.category
    assert registered.routing_rule.code == case.rule
    assert registered.routing_rule.rule_set.version == case.version
    assert registered.routing_version == case.version
    assert registered.flags == case.flags
    assert registered.routing_reason == case.reason


@pytest.mark.django_db
def test_every_shipped_rule_is_exercised_by_the_table():
    deciding = {case.rule for case in CASES}
    flagging = {flag for case in CASES for flag in case.flags}
    shipped = set(RoutingRule.objects.filter(rule_set__version=3).values_list("code", flat=True))

    assert deciding == {
        "voluntary_repatriation",
        "por_holder_without_vrf",
        "refugee_card_without_vrf",
        "citizen_card_holder",
        "passport_or_visa_holder",
        "undocumented",
    }
    assert flagging == {"mixed_status", "protection_follow_up", "unhcr_verification", "winter_pause"}
    assert shipped == deciding | {"mixed_status", "deported_refugee_card_holder", "winter_pause"}


# ---------------------------------------------------------------------------------------------
# The facts the rules read
# ---------------------------------------------------------------------------------------------


def facts_of(registration: HouseholdRegistration) -> dict:
    return routing_facts(registration, reference=reference_data())


NO_CARD_FACTS = {
    "has_vrf": False,
    "holds_refugee_card": False,
    "holds_por_card": False,
    "has_valid_refugee_card": False,
    "has_expired_refugee_card": False,
    "has_citizen_card": False,
    "has_passport_or_visa": False,
    "in_winter_pause": False,
    "card_decrees": [],
}


@pytest.mark.django_db
def test_facts_of_a_deported_mixed_status_household():
    assert facts_of(from_pakistan([member(documents=[por_card()]), spouse()], return_type="deportation")) == {
        **NO_CARD_FACTS,
        "refugee_document_coverage": "some",
        "head_has_refugee_document": True,
        "holds_refugee_card": True,
        "holds_por_card": True,
        "has_valid_refugee_card": True,
        "return_type": "deportation",
        "is_forced_return": True,
        "country_of_departure": "PK",
    }


@pytest.mark.django_db
def test_facts_of_a_vrf_family_every_member_on_the_vrf():
    assert facts_of(
        from_pakistan([member(documents=[vrf()]), spouse(documents=[vrf()]), child(age=9, documents=[vrf()])])
    ) == {
        **NO_CARD_FACTS,
        "refugee_document_coverage": "all",
        "head_has_refugee_document": True,
        "has_vrf": True,
        "return_type": "voluntary_repatriation",
        "is_forced_return": False,
        "country_of_departure": "PK",
    }


@pytest.mark.django_db
def test_facts_a_vrf_covers_only_the_members_on_it():
    facts = facts_of(from_pakistan([member(), spouse(documents=[vrf()]), child(age=9)]))

    assert (facts["refugee_document_coverage"], facts["head_has_refugee_document"], facts["has_vrf"]) == (
        "some",
        False,
        True,
    )


@pytest.mark.django_db
def test_facts_an_expired_card_covers_nobody_and_names_the_decree_that_did_not_extend_it():
    decree = CardValidityDecree.objects.get(title=NOT_EXTENDED)

    assert facts_of(from_iran([member(documents=[expired_por_card(), acc()])], return_type="spontaneous")) == {
        **NO_CARD_FACTS,
        "refugee_document_coverage": "none",
        "head_has_refugee_document": False,
        "holds_refugee_card": True,
        "holds_por_card": True,
        "has_expired_refugee_card": True,
        "has_citizen_card": True,
        "return_type": "spontaneous",
        "is_forced_return": False,
        "country_of_departure": "IR",
        "card_decrees": [{"id": decree.pk, "title": NOT_EXTENDED, "valid_until": "2025-06-30"}],
    }


@pytest.mark.django_db
def test_facts_passport_visa_and_winter_pause():
    facts = facts_of(from_pakistan([member(documents=[passport()])], arrival=IN_WINTER))

    assert (facts["has_passport_or_visa"], facts["in_winter_pause"], facts["refugee_document_coverage"]) == (
        True,
        True,
        "none",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("expiry", "valid"),
    [
        (ARRIVAL + datetime.timedelta(days=1), True),
        (ARRIVAL, True),  # valid on the day it expires
        (ARRIVAL - datetime.timedelta(days=1), False),
    ],
    ids=["expires_after_arrival", "expires_on_arrival_day", "expired_the_day_before"],
)
def test_facts_a_card_is_valid_until_its_printed_expiry_when_no_decree_applies(expiry, valid):
    card = amayesh_card(expiry_date=expiry, expired_confirmed=not valid)
    facts = facts_of(from_iran([member(documents=[card])]))

    assert (facts["has_valid_refugee_card"], facts["has_expired_refugee_card"], facts["refugee_document_coverage"]) == (
        valid,
        not valid,
        "all" if valid else "none",
    )
    assert facts["card_decrees"] == []


@pytest.mark.django_db
def test_facts_a_card_held_only_by_a_member_leaves_the_head_uncovered():
    facts = facts_of(from_pakistan([member(), spouse(documents=[por_card()]), child(age=3)]))

    assert facts["refugee_document_coverage"] == "some"
    assert facts["head_has_refugee_document"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("birth", "coverage"),
    [
        (years_before(ARRIVAL, 5), "some"),  # fifth birthday on the arrival day: needs an own card
        (years_before(ARRIVAL, 5) + datetime.timedelta(days=1), "all"),  # still 4 on arrival
        (years_before(ARRIVAL, 5) - datetime.timedelta(days=1), "some"),
        (ARRIVAL, "all"),  # born on the day of the crossing
    ],
)
def test_facts_age_is_computed_from_the_date_of_birth_on_the_arrival_day(birth, coverage):
    registration = from_pakistan([member(documents=[por_card()]), child(date_of_birth=birth)])

    assert facts_of(registration)["refugee_document_coverage"] == coverage


@pytest.mark.django_db
def test_facts_a_leap_day_child_turns_5_on_the_first_of_march():
    leap_child = child(date_of_birth=datetime.date(2020, 2, 29))
    on_28_february = household(
        members=[member(documents=[por_card()]), leap_child], arrival_date=datetime.date(2025, 2, 28)
    )
    on_1_march = household(members=[member(documents=[por_card()]), leap_child], arrival_date=datetime.date(2025, 3, 1))

    assert facts_of(on_28_february)["refugee_document_coverage"] == "all"
    assert facts_of(on_1_march)["refugee_document_coverage"] == "some"


# ---------------------------------------------------------------------------------------------
# Conditions, as an admin writes them
# ---------------------------------------------------------------------------------------------


def test_conditions_errors_accepts_valid_conditions():
    assert conditions_errors({}) == []
    assert conditions_errors({"refugee_document_coverage": ["all", "some"], "is_forced_return": [True]}) == []
    assert conditions_errors({"return_type": ["deportation"], "country_of_departure": ["IR"]}) == []


@pytest.mark.parametrize(
    ("conditions", "errors"),
    [
        (
            {"refugee_status": ["all"]},
            [f"Unknown fact “refugee_status”. Known facts: {', '.join(FACTS)}."],
        ),
        ({"has_vrf": []}, ["“has_vrf” needs a non-empty list of accepted values."]),
        ({"has_vrf": True}, ["“has_vrf” needs a non-empty list of accepted values."]),
        ({"refugee_document_coverage": ["most"]}, ["“refugee_document_coverage” can only be all, some, none."]),
        ({"is_forced_return": ["yes"]}, ["“is_forced_return” can only be True, False."]),
        (["has_vrf"], ["Conditions must map fact names to lists of accepted values."]),
        (
            {"nationality": ["AF"], "has_vrf": []},
            [
                f"Unknown fact “nationality”. Known facts: {', '.join(FACTS)}.",
                "“has_vrf” needs a non-empty list of accepted values.",
            ],
        ),
    ],
    ids=["unknown_fact", "empty_list", "not_a_list", "bad_value", "bad_boolean", "not_a_mapping", "several"],
)
def test_conditions_errors_explains_bad_conditions(conditions, errors):
    assert conditions_errors(conditions) == errors


@pytest.mark.django_db
def test_rule_clean_reports_bad_conditions_and_a_deciding_rule_without_outcome():
    rule_set = RoutingRuleSet.objects.get(version=3)
    bad_conditions = RoutingRule(rule_set=rule_set, order=5, code="x", conditions={"has_vrf": []}, decides=False)
    no_outcome = RoutingRule(rule_set=rule_set, order=6, code="y", conditions={}, decides=True)

    with pytest.raises(ValidationError) as bad:
        bad_conditions.clean()
    with pytest.raises(ValidationError) as missing:
        no_outcome.clean()

    assert bad.value.message_dict == {"conditions": ["“has_vrf” needs a non-empty list of accepted values."]}
    assert missing.value.messages == ["A deciding rule needs an agency and a category."]


# ---------------------------------------------------------------------------------------------
# Versions of the rule set (dates and the timeline: tests/returns/test_dated_policy.py)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def routing_rules_admin(db):
    return UserFactory(username="rules.admin.t", agency=None, office=None, role="admin", is_superuser=True)


def versions() -> list[tuple]:
    return list(RoutingRuleSet.objects.order_by("version").values_list("version", "status", "effective_from"))


# v1 (activated before dates mattered) is withdrawn, dated the day migration 0008 ran.
SHIPPED_VERSIONS = [
    (2, "published", datetime.date(2002, 3, 1)),
    (3, "published", datetime.date(2025, 8, 20)),
]


@pytest.mark.django_db
def test_the_shipped_history_is_v2_from_march_2002_and_v3_from_20_august_2025():
    shipped = versions()

    assert [(version, status) for version, status, _day in shipped] == [
        (1, "withdrawn"),
        (2, "published"),
        (3, "published"),
    ]
    assert shipped[1:] == SHIPPED_VERSIONS
    assert list(
        RoutingRuleSet.objects.filter(version__in=[2, 3]).order_by("version").values_list("title", flat=True)
    ) == [
        "VolRep needs a VRF",
        "PoR holders may return without a VRF",
    ]
    assert RoutingRule.objects.filter(rule_set__version=2).count() == 8
    assert RoutingRule.objects.filter(rule_set__version=3).count() == 9


def test_a_new_version_routes_arrivals_from_its_date_and_old_households_keep_their_rule(
    unhcr_officer, routing_rules_admin, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    before = household_register(
        registered_by=unhcr_officer, registration=from_pakistan([member(documents=[acc()])], arrival=yesterday)
    )
    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=routing_rules_admin)
    # v4: ACC holders go to UNHCR for a protection screening (a policy change, as data).
    RoutingRule.objects.filter(rule_set=draft, code="citizen_card_holder").update(
        agency=Agency.objects.get(code="UNHCR"),
        category="acc_holder",
        flags=["unhcr_verification"],
        explanation="ACC holder: UNHCR screens for refugee status.",
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        published = rule_set_publish(rule_set=draft, published_by=routing_rules_admin, effective_from=today)
    after = household_register(
        registered_by=unhcr_officer, registration=from_pakistan([member(documents=[acc()])], arrival=today)
    )
    late = household_register(
        registered_by=unhcr_officer, registration=from_pakistan([member(documents=[acc()])], arrival=yesterday)
    )

    assert len(callbacks) == 1
    assert (published.version, published.status, published.effective_from) == (4, "published", today)
    assert published.activated_at is not None
    assert versions()[1:] == [*SHIPPED_VERSIONS, (4, "published", today)]
    assert (after.routed_agency.code, after.category, after.routing_version) == ("UNHCR", "acc_holder", 4)
    assert after.routing_rule.rule_set_id == draft.pk
    assert after.flags == ["unhcr_verification"]
    assert after.routing_reason == "ACC holder: UNHCR screens for refugee status."
    # Registered after the publication, but arrived the day before it took effect: v3 decides.
    assert (late.routed_agency.code, late.category, late.routing_version, late.routing_reason) == (
        "IOM",
        "acc_holder",
        3,
        CITIZEN_CARD,
    )
    before.refresh_from_db()
    assert before.routed_agency.code == "IOM"
    assert before.routing_version == 3
    assert before.routing_rule.rule_set.version == 3
    assert before.routing_rule.code == "citizen_card_holder"
    assert before.routing_reason == CITIZEN_CARD


def test_copy_makes_a_draft_with_the_next_version_and_the_same_rules(routing_rules_admin):
    source = RoutingRuleSet.objects.get(version=3)

    draft = rule_set_copy(rule_set=source, copied_by=routing_rules_admin)
    second = rule_set_copy(rule_set=source, copied_by=routing_rules_admin)

    def rules_of(rule_set):
        return list(
            rule_set.rules.order_by("order").values_list(
                "order", "code", "conditions", "decides", "agency__code", "category", "flags", "explanation"
            )
        )

    assert (draft.version, draft.status, draft.activated_at, draft.effective_from) == (4, "draft", None, None)
    assert second.version == 5
    assert draft.notes == "Draft copied from v3 by rules.admin.t."
    assert rules_of(draft) == rules_of(source)
    assert len(rules_of(draft)) == 9
    assert list(
        RoutingRuleSet.objects.filter(status="published").order_by("version").values_list("version", flat=True)
    ) == [2, 3]


@pytest.mark.parametrize(
    ("edit", "problems"),
    [
        (
            lambda draft: draft.rules.filter(code="undocumented").delete(),
            [
                "The last rule (80 “passport_or_visa_holder”) must decide and have no conditions, "
                "so that every household is routed."
            ],
        ),
        (
            lambda draft: draft.rules.filter(code="undocumented").update(conditions={"has_vrf": [False]}),
            [
                "The last rule (90 “undocumented”) must decide and have no conditions, "
                "so that every household is routed."
            ],
        ),
        (
            lambda draft: draft.rules.filter(code="mixed_status").update(conditions={"coverage": ["some"]}),
            [f"Rule 10 “mixed_status”: Unknown fact “coverage”. Known facts: {', '.join(FACTS)}."],
        ),
        (
            lambda draft: draft.rules.all().delete(),
            ["Add at least one rule; the last one must decide with no conditions."],
        ),
    ],
    ids=["no_final_rule", "final_rule_with_conditions", "unknown_fact", "no_rules"],
)
def test_publish_refuses_a_draft_that_cannot_route_every_household(edit, problems, routing_rules_admin):
    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=routing_rules_admin)
    edit(draft)

    with pytest.raises(ValidationError) as refused:
        rule_set_publish(rule_set=draft, published_by=routing_rules_admin, effective_from=timezone.localdate())

    assert refused.value.messages == problems
    assert versions()[1:] == [*SHIPPED_VERSIONS, (4, "draft", None)]


def test_publish_refuses_a_deciding_rule_to_an_agency_that_does_not_take_households(routing_rules_admin):
    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=routing_rules_admin)
    draft.rules.filter(code="citizen_card_holder").update(agency=Agency.objects.get(code="NRC"))

    with pytest.raises(ValidationError) as refused:
        rule_set_publish(rule_set=draft, published_by=routing_rules_admin, effective_from=timezone.localdate())

    assert refused.value.messages == [
        "Rule 70 “citizen_card_holder”: households can only be routed to UNHCR or IOM, not NRC."
    ]


def test_publish_refuses_a_published_or_withdrawn_rule_set(routing_rules_admin):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    before = versions()

    with pytest.raises(ValidationError) as withdrawn:
        rule_set_publish(
            rule_set=RoutingRuleSet.objects.get(version=1), published_by=routing_rules_admin, effective_from=tomorrow
        )
    with pytest.raises(ValidationError) as published:
        rule_set_publish(
            rule_set=RoutingRuleSet.objects.get(version=3), published_by=routing_rules_admin, effective_from=tomorrow
        )

    assert withdrawn.value.messages == [
        "Only a draft can be published; v1 is withdrawn. Copy it as a new draft version instead."
    ]
    assert published.value.messages == [
        "Only a draft can be published; v3 is published. Copy it as a new draft version instead."
    ]
    assert versions() == before


def test_copy_and_publish_need_admin_permissions(unhcr_manager):
    shipped = RoutingRuleSet.objects.get(version=3)

    with pytest.raises(PermissionDenied):
        rule_set_copy(rule_set=shipped, copied_by=unhcr_manager)
    with pytest.raises(PermissionDenied):
        rule_set_publish(rule_set=shipped, published_by=unhcr_manager, effective_from=timezone.localdate())
    assert RoutingRuleSet.objects.count() == 3


def test_no_deciding_rule_raises_and_saves_nothing(unhcr_officer):
    RoutingRule.objects.filter(rule_set__version=3, code="undocumented").delete()
    reference_invalidate()

    with pytest.raises(RoutingUndecided):
        household_register(registered_by=unhcr_officer, registration=from_pakistan([member()]))

    assert Household.objects.count() == 0
    assert Member.objects.count() == 0
    assert MemberDocument.objects.count() == 0
    assert HouseholdEvent.objects.count() == 0

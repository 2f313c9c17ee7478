"""Routing, specified as a table: each household below goes through the real registration service.

The reasons are the explanations of the shipped rule set v1 (returns/migrations/0002), joined in
the order the rules matched; flags keep the order of the rules that added them.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from returns.conditions import FACTS, conditions_errors
from returns.models import Household, HouseholdEvent, Member, MemberDocument, RoutingRule, RoutingRuleSet
from returns.reference import reference_data, reference_invalidate
from returns.registration import DocumentRegistration, HouseholdRegistration
from returns.routing import RoutingUndecided, routing_facts
from returns.rule_sets import rule_set_activate, rule_set_copy
from returns.services.households import household_register
from tests.factories import UserFactory, acc, amayesh_card, household, member, por_card, vrf

# A fixed arrival day (the Islam Qala peak) keeps the birthday and expiry boundaries exact.
ARRIVAL = datetime.date(2025, 7, 4)

MIXED = (
    "Some members hold a valid refugee card and others aged 5 or over do not (mixed status): "
    "the household stays together and UNHCR verifies which members are eligible."
)
DEPORTED = "A refugee-card or VRF holder was deported rather than repatriated: flagged for protection follow-up."
REFUGEE = "Holds a valid PoR or Amayesh card or a VRF: registered refugee, assisted by UNHCR (voluntary repatriation)."
EXPIRED = (
    "The refugee card expired before arrival: assisted by IOM as undocumented, flagged for UNHCR to verify "
    "the registration."
)
CITIZEN_CARD = "Holds an Afghan Citizen Card (ACC): documented but not a refugee, assisted by IOM."
UNDOCUMENTED = "No refugee card or VRF: undocumented returnee, assisted by IOM (post-arrival assistance)."


def tazkira() -> DocumentRegistration:
    return DocumentRegistration(document_type="tazkira", issuing_country="AF", number="1400-0101-12345")


def passport() -> DocumentRegistration:
    return DocumentRegistration(document_type="passport", issuing_country="AF", number="P01234567")


def expired_por_card(**kwargs) -> DocumentRegistration:
    return por_card(expiry_date=ARRIVAL - datetime.timedelta(days=40), expired_confirmed=True, **kwargs)


def spouse(**kwargs):
    return member(relationship="spouse", given_name="Fatima", sex="female", age=30, **kwargs)


def child(*, relationship="son", given_name="Omid", **kwargs):
    sex = "female" if relationship == "daughter" else "male"
    return member(relationship=relationship, given_name=given_name, sex=sex, **kwargs)


def years_before(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year - years)


def from_pakistan(members, **kwargs) -> HouseholdRegistration:
    return household(members=members, arrival_date=ARRIVAL, **kwargs)


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


CASES = [
    RoutingCase(
        "por_card_head_alone",
        lambda: from_pakistan([member(documents=[por_card()])]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
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
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "amayesh_card_from_iran",
        lambda: from_iran([member(documents=[amayesh_card()]), spouse(documents=[amayesh_card(number="IR-2")])]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "vrf_without_card_covers_every_member",
        lambda: from_pakistan(
            [member(documents=[vrf()]), spouse(), child(age=12), child(relationship="daughter", age=8)]
        ),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "spontaneous_return_with_por_card",
        lambda: from_pakistan([member(documents=[por_card()])], return_type="spontaneous"),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "no_documents",
        lambda: from_pakistan([member(), spouse(), child(age=3)], return_type="spontaneous"),
        "IOM",
        "undocumented",
        "undocumented",
        [],
        UNDOCUMENTED,
    ),
    RoutingCase(
        "tazkira_and_passport_only",
        lambda: from_pakistan([member(documents=[tazkira()]), spouse(documents=[passport()])]),
        "IOM",
        "undocumented",
        "undocumented",
        [],
        UNDOCUMENTED,
    ),
    RoutingCase(
        "acc_holder",
        lambda: from_pakistan([member(documents=[acc()]), spouse()], return_type="spontaneous"),
        "IOM",
        "undocumented",
        "citizen_card_holder",
        [],
        CITIZEN_CARD,
    ),
    RoutingCase(
        "acc_head_with_por_card_spouse_is_mixed_status",
        lambda: from_pakistan([member(documents=[acc()]), spouse(documents=[por_card()])]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["mixed_status"],
        f"{MIXED} {REFUGEE}",
    ),
    RoutingCase(
        "expired_por_card_confirmed",
        lambda: from_pakistan([member(documents=[expired_por_card()]), spouse()]),
        "IOM",
        "undocumented",
        "expired_refugee_card",
        ["unhcr_verification"],
        EXPIRED,
    ),
    RoutingCase(
        "expired_card_wins_over_acc",
        lambda: from_pakistan([member(documents=[expired_por_card(), acc()])]),
        "IOM",
        "undocumented",
        "expired_refugee_card",
        ["unhcr_verification"],
        EXPIRED,
    ),
    RoutingCase(
        "expired_card_for_one_member_valid_for_another",
        lambda: from_pakistan(
            [
                member(documents=[por_card(expiry_date=ARRIVAL + datetime.timedelta(days=300))]),
                spouse(documents=[expired_por_card(number="PK-2")]),
            ]
        ),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["mixed_status"],
        f"{MIXED} {REFUGEE}",
    ),
    RoutingCase(
        "mixed_status_adult_member_without_card",
        lambda: from_pakistan(
            [member(documents=[por_card()]), child(relationship="sibling", given_name="Karim", age=22)]
        ),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["mixed_status"],
        f"{MIXED} {REFUGEE}",
    ),
    RoutingCase(
        "young_child_covered_by_parent_card",
        lambda: from_pakistan(
            [member(documents=[por_card()]), spouse(documents=[por_card(number="PK-2")]), child(age=2)]
        ),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "deported_por_card_holder",
        lambda: from_pakistan([member(documents=[por_card()])], return_type="deportation"),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["protection_follow_up"],
        f"{DEPORTED} {REFUGEE}",
    ),
    RoutingCase(
        "deported_amayesh_card_holder_from_iran",
        lambda: from_iran([member(documents=[amayesh_card()])], return_type="deportation"),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["protection_follow_up"],
        f"{DEPORTED} {REFUGEE}",
    ),
    RoutingCase(
        "deported_vrf_holder",
        lambda: from_pakistan([member(documents=[vrf()]), spouse()], return_type="deportation"),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["protection_follow_up"],
        f"{DEPORTED} {REFUGEE}",
    ),
    RoutingCase(
        "deported_mixed_status",
        lambda: from_pakistan([member(documents=[por_card()]), spouse()], return_type="deportation"),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["mixed_status", "protection_follow_up"],
        f"{MIXED} {DEPORTED} {REFUGEE}",
    ),
    RoutingCase(
        "deported_with_expired_card_only",
        lambda: from_pakistan([member(documents=[expired_por_card()])], return_type="deportation"),
        "IOM",
        "undocumented",
        "expired_refugee_card",
        ["unhcr_verification"],
        EXPIRED,
    ),
    RoutingCase(
        "deported_undocumented_single_man_from_iran",
        lambda: from_iran([member(given_name="Reza", age=24)], return_type="deportation"),
        "IOM",
        "undocumented",
        "undocumented",
        [],
        UNDOCUMENTED,
    ),
    RoutingCase(
        "card_expiring_after_arrival_is_valid",
        lambda: from_pakistan([member(documents=[por_card(expiry_date=ARRIVAL + datetime.timedelta(days=1))])]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "card_expiring_on_arrival_day_is_valid",
        lambda: from_pakistan([member(documents=[por_card(expiry_date=ARRIVAL)])]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "child_turning_5_the_day_after_arrival_is_covered",
        lambda: from_pakistan(
            [
                member(documents=[por_card()]),
                child(date_of_birth=years_before(ARRIVAL, 5) + datetime.timedelta(days=1)),
            ]
        ),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "child_turning_5_on_arrival_day_needs_own_card",
        lambda: from_pakistan([member(documents=[por_card()]), child(date_of_birth=years_before(ARRIVAL, 5))]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["mixed_status"],
        f"{MIXED} {REFUGEE}",
    ),
    RoutingCase(
        "child_estimated_age_5_needs_own_card",
        lambda: from_pakistan([member(documents=[por_card()]), child(age=5)]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        ["mixed_status"],
        f"{MIXED} {REFUGEE}",
    ),
    RoutingCase(
        "child_estimated_age_4_is_covered",
        lambda: from_pakistan([member(documents=[por_card()]), child(age=4)]),
        "UNHCR",
        "registered_refugee",
        "refugee_documents",
        [],
        REFUGEE,
    ),
    RoutingCase(
        "young_child_without_any_card_in_household",
        lambda: from_pakistan([member(), child(age=1)]),
        "IOM",
        "undocumented",
        "undocumented",
        [],
        UNDOCUMENTED,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_household_is_routed_by_the_shipped_rules(case: RoutingCase, unhcr_officer):
    registered = household_register(registered_by=unhcr_officer, registration=case.registration())

    registered.refresh_from_db()
    assert registered.routed_agency.code == case.agency
    assert registered.category == case.category
    assert registered.routing_rule.code == case.rule
    assert registered.routing_rule.rule_set.version == 1
    assert registered.routing_version == 1
    assert registered.flags == case.flags
    assert registered.routing_reason == case.reason


def test_every_shipped_rule_is_exercised_by_the_table():
    deciding = {case.rule for case in CASES}
    flagging = {flag for case in CASES for flag in case.flags}

    assert deciding == {"refugee_documents", "expired_refugee_card", "citizen_card_holder", "undocumented"}
    assert flagging == {"mixed_status", "protection_follow_up", "unhcr_verification"}


# ---------------------------------------------------------------------------------------------
# The facts the rules read
# ---------------------------------------------------------------------------------------------


def facts_of(registration: HouseholdRegistration) -> dict:
    return routing_facts(registration, reference=reference_data())


@pytest.mark.django_db
def test_facts_of_a_deported_mixed_status_household():
    assert facts_of(from_pakistan([member(documents=[por_card()]), spouse()], return_type="deportation")) == {
        "refugee_document_coverage": "some",
        "head_has_refugee_document": True,
        "has_vrf": False,
        "has_expired_refugee_card": False,
        "has_citizen_card": False,
        "return_type": "deportation",
        "is_forced_return": True,
        "country_of_departure": "PK",
    }


@pytest.mark.django_db
def test_facts_of_a_vrf_family():
    assert facts_of(from_pakistan([member(documents=[vrf()]), spouse(), child(age=9)])) == {
        "refugee_document_coverage": "all",
        "head_has_refugee_document": True,
        "has_vrf": True,
        "has_expired_refugee_card": False,
        "has_citizen_card": False,
        "return_type": "voluntary_repatriation",
        "is_forced_return": False,
        "country_of_departure": "PK",
    }


@pytest.mark.django_db
def test_facts_an_expired_card_covers_nobody():
    assert facts_of(from_iran([member(documents=[expired_por_card(), acc()])], return_type="spontaneous")) == {
        "refugee_document_coverage": "none",
        "head_has_refugee_document": False,
        "has_vrf": False,
        "has_expired_refugee_card": True,
        "has_citizen_card": True,
        "return_type": "spontaneous",
        "is_forced_return": False,
        "country_of_departure": "IR",
    }


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
    rule_set = RoutingRuleSet.objects.get(version=1)
    bad_conditions = RoutingRule(rule_set=rule_set, order=5, code="x", conditions={"has_vrf": []}, decides=False)
    no_outcome = RoutingRule(rule_set=rule_set, order=6, code="y", conditions={}, decides=True)

    with pytest.raises(ValidationError) as bad:
        bad_conditions.clean()
    with pytest.raises(ValidationError) as missing:
        no_outcome.clean()

    assert bad.value.message_dict == {"conditions": ["“has_vrf” needs a non-empty list of accepted values."]}
    assert missing.value.messages == ["A deciding rule needs an agency and a category."]


# ---------------------------------------------------------------------------------------------
# Versions of the rule set
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def routing_rules_admin(db):
    return UserFactory(username="rules.admin.t", agency=None, office=None, role="admin", is_superuser=True)


def test_a_new_version_routes_new_households_and_old_ones_keep_their_rule(
    unhcr_officer, routing_rules_admin, django_capture_on_commit_callbacks
):
    before = household_register(registered_by=unhcr_officer, registration=from_pakistan([member(documents=[acc()])]))
    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=1), copied_by=routing_rules_admin)
    # v2: ACC holders from Pakistan go to UNHCR for a protection screening (a policy change, as data).
    RoutingRule.objects.filter(rule_set=draft, code="citizen_card_holder").update(
        agency=RoutingRule.objects.get(rule_set__version=1, code="refugee_documents").agency,
        category="registered_refugee",
        flags=["unhcr_verification"],
        explanation="ACC holder: UNHCR screens for refugee status.",
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        activated = rule_set_activate(rule_set=draft, activated_by=routing_rules_admin)
    after = household_register(registered_by=unhcr_officer, registration=from_pakistan([member(documents=[acc()])]))

    assert len(callbacks) == 1
    assert (activated.version, activated.status) == (2, "active")
    assert activated.activated_at is not None
    assert RoutingRuleSet.objects.get(version=1).status == "retired"
    assert after.routed_agency.code == "UNHCR"
    assert after.routing_version == 2
    assert after.routing_rule.rule_set_id == draft.pk
    assert after.flags == ["unhcr_verification"]
    assert after.routing_reason == "ACC holder: UNHCR screens for refugee status."
    before.refresh_from_db()
    assert before.routed_agency.code == "IOM"
    assert before.routing_version == 1
    assert before.routing_rule.rule_set.version == 1
    assert before.routing_rule.code == "citizen_card_holder"
    assert before.routing_reason == CITIZEN_CARD


def test_copy_makes_a_draft_with_the_next_version_and_the_same_rules(routing_rules_admin):
    source = RoutingRuleSet.objects.get(version=1)

    draft = rule_set_copy(rule_set=source, copied_by=routing_rules_admin)
    second = rule_set_copy(rule_set=source, copied_by=routing_rules_admin)

    def rules_of(rule_set):
        return list(
            rule_set.rules.order_by("order").values_list(
                "order", "code", "conditions", "decides", "agency__code", "category", "flags", "explanation"
            )
        )

    assert (draft.version, draft.status, draft.activated_at) == (2, "draft", None)
    assert second.version == 3
    assert draft.notes == "Draft copied from v1 by rules.admin.t."
    assert rules_of(draft) == rules_of(source)
    assert len(rules_of(draft)) == 6
    assert RoutingRuleSet.objects.get(status="active") == source


@pytest.mark.parametrize(
    ("edit", "problems"),
    [
        (
            lambda draft: draft.rules.filter(code="undocumented").delete(),
            [
                "The last rule (50 “citizen_card_holder”) must decide and have no conditions, "
                "so that every household is routed."
            ],
        ),
        (
            lambda draft: draft.rules.filter(code="undocumented").update(conditions={"has_vrf": [False]}),
            [
                "The last rule (60 “undocumented”) must decide and have no conditions, "
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
def test_activate_refuses_a_draft_that_cannot_route_every_household(edit, problems, routing_rules_admin):
    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=1), copied_by=routing_rules_admin)
    edit(draft)

    with pytest.raises(ValidationError) as refused:
        rule_set_activate(rule_set=draft, activated_by=routing_rules_admin)

    assert refused.value.messages == problems
    assert list(RoutingRuleSet.objects.order_by("version").values_list("version", "status")) == [
        (1, "active"),
        (2, "draft"),
    ]


def test_activate_refuses_a_deciding_rule_to_an_agency_that_does_not_take_households(routing_rules_admin):
    from agencies.models import Agency

    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=1), copied_by=routing_rules_admin)
    draft.rules.filter(code="citizen_card_holder").update(agency=Agency.objects.get(code="NRC"))

    with pytest.raises(ValidationError) as refused:
        rule_set_activate(rule_set=draft, activated_by=routing_rules_admin)

    assert refused.value.messages == [
        "Rule 50 “citizen_card_holder”: households can only be routed to UNHCR or IOM, not NRC."
    ]


def test_activate_refuses_an_active_or_retired_rule_set(routing_rules_admin):
    first = RoutingRuleSet.objects.get(version=1)
    draft = rule_set_copy(rule_set=first, copied_by=routing_rules_admin)
    rule_set_activate(rule_set=draft, activated_by=routing_rules_admin)

    with pytest.raises(ValidationError) as retired:
        rule_set_activate(rule_set=first, activated_by=routing_rules_admin)
    with pytest.raises(ValidationError) as active:
        rule_set_activate(rule_set=draft, activated_by=routing_rules_admin)

    assert retired.value.messages == [
        "Only a draft can be activated; v1 is retired. Copy it as a new draft version instead."
    ]
    assert active.value.messages == [
        "Only a draft can be activated; v2 is active. Copy it as a new draft version instead."
    ]
    assert list(RoutingRuleSet.objects.order_by("version").values_list("version", "status")) == [
        (1, "retired"),
        (2, "active"),
    ]


def test_copy_and_activate_need_admin_permissions(unhcr_manager):
    from django.core.exceptions import PermissionDenied

    first = RoutingRuleSet.objects.get(version=1)

    with pytest.raises(PermissionDenied):
        rule_set_copy(rule_set=first, copied_by=unhcr_manager)
    with pytest.raises(PermissionDenied):
        rule_set_activate(rule_set=first, activated_by=unhcr_manager)
    assert RoutingRuleSet.objects.count() == 1


def test_no_deciding_rule_raises_and_saves_nothing(unhcr_officer):
    RoutingRule.objects.filter(rule_set__version=1, code="undocumented").delete()
    reference_invalidate()

    with pytest.raises(RoutingUndecided):
        household_register(registered_by=unhcr_officer, registration=from_pakistan([member()]))

    assert Household.objects.count() == 0
    assert Member.objects.count() == 0
    assert MemberDocument.objects.count() == 0
    assert HouseholdEvent.objects.count() == 0

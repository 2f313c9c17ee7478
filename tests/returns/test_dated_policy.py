"""The dated policy: a household is routed, its cards judged and its grant paid by the rules in force on its
arrival date; a new version of the routing policy is published for a day that has not passed.

The history is the one migration 0009 ships: routing v2 from 1 March 2002 ("VolRep needs a VRF") and v3
from 20 August 2025 ("PoR holders may return without a VRF"); the VolRep grant rates by period; the
decrees that kept PoR cards valid past their printed expiry, until none after 30 June 2025.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from agencies.models import Agency, User
from returns.models import (
    AssistanceType,
    CardValidityDecree,
    Case,
    Family,
    Household,
    HouseholdEvent,
    Member,
    MemberDocument,
    RoutingRule,
    RoutingRuleSet,
)
from returns.reference import reference_data
from returns.registration import RegistrationInvalid, registration_problems
from returns.routing import routing_decide
from returns.rule_sets import rule_set_publish, rule_set_withdraw
from returns.services.cases import assistance_record, case_transition, grant_amount
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card, vrf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages built outside a request are English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


V3_STARTS = datetime.date(2025, 8, 20)
POR_WITHOUT_VRF = (
    "From 20 August 2025 a PoR-card holder may return without a VRF: DoRR issues a return certificate, UNHCR's "
    "partner interviews the family at the border and refers it to an encashment centre, where UNHCR decides "
    "targeted cash assistance."
)
CARD_WITHOUT_VRF = (
    "Holds a refugee card but returns without a VRF (spontaneously or deported): no VolRep grant and no "
    "encashment centre under this policy. IOM screens the family; UNHCR verifies the registration."
)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def rules_admin(db) -> User:
    return UserFactory(username="rules.admin.t", agency=None, office=None, role="admin", is_superuser=True)


def por_holder(arrival: datetime.date, **card) -> Household:
    """A PoR holder returning spontaneously, without a VRF."""
    return household(arrival_date=arrival, return_type="spontaneous", members=[member(documents=[por_card(**card)])])


# ---------------------------------------------------------------------------------------------
# Routing by the policy of the arrival date
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrival", "agency", "rule", "version", "reason"),
    [
        (V3_STARTS - datetime.timedelta(days=1), "IOM", "refugee_card_without_vrf", 2, CARD_WITHOUT_VRF),
        (V3_STARTS, "UNHCR", "por_holder_without_vrf", 3, POR_WITHOUT_VRF),
    ],
    ids=["19_august_2025_v2", "20_august_2025_v3"],
)
def test_the_same_por_holder_is_routed_by_the_version_in_force_on_the_arrival_date(
    unhcr_officer, arrival, agency, rule, version, reason
):
    registered = household_register(registered_by=unhcr_officer, registration=por_holder(arrival))

    registered.refresh_from_db()
    assert (registered.routed_agency.code, registered.category, registered.flags) == (
        agency,
        "refugee_card",
        ["unhcr_verification"],
    )
    assert (registered.routing_rule.code, registered.routing_rule.rule_set.version) == (rule, version)
    assert (registered.routing_version, registered.routing_reason) == (version, reason)
    assert Case.objects.get(household=registered).agency.code == agency


def test_the_timeline_has_v2_until_19_august_2025_then_v3():
    reference = reference_data()

    assert [
        (policy.rule_set.version, policy.effective_from, policy.effective_until) for policy in reference.policies
    ] == [
        (2, datetime.date(2002, 3, 1), datetime.date(2025, 8, 19)),
        (3, V3_STARTS, None),
    ]
    assert reference.policy_on(datetime.date(2002, 2, 28)) is None
    assert reference.policy_on(datetime.date(2002, 3, 1)).rule_set.version == 2
    assert reference.policy_on(datetime.date(2025, 8, 19)).rule_set.version == 2
    assert reference.policy_on(V3_STARTS).rule_set.version == 3


# ---------------------------------------------------------------------------------------------
# Cards valid by decree
# ---------------------------------------------------------------------------------------------


def test_a_por_card_printed_to_expire_in_june_2023_is_valid_by_decree_in_march_2024(unhcr_officer):
    decree = CardValidityDecree.objects.get(document_type="por_card", effective_from=datetime.date(2024, 1, 1))

    # No confirmation asked: the card was legally valid on the arrival day.
    registered = household_register(
        registered_by=unhcr_officer,
        registration=por_holder(datetime.date(2024, 3, 1), expiry_date=datetime.date(2023, 6, 30)),
    )

    registered.refresh_from_db()
    assert reference_data().card_validity("por_card", datetime.date(2023, 6, 30), datetime.date(2024, 3, 1)) == (
        True,
        decree,
    )
    assert registered.routing_facts["has_valid_refugee_card"] is True
    assert registered.routing_facts["has_expired_refugee_card"] is False
    assert registered.routing_facts["refugee_document_coverage"] == "all"
    assert registered.routing_facts["card_decrees"] == [
        {"id": decree.pk, "title": "Federal cabinet extends the blue PoR cards", "valid_until": "2024-06-30"}
    ]
    # Before 20 August 2025: a card holder without a VRF goes to IOM.
    assert (registered.routed_agency.code, registered.routing_version) == ("IOM", 2)


def test_the_same_card_is_not_valid_in_july_2025_when_no_decree_extends_it(unhcr_officer):
    arrival = datetime.date(2025, 7, 2)
    decree = CardValidityDecree.objects.get(document_type="por_card", effective_from=datetime.date(2025, 7, 1))
    printed = datetime.date(2023, 6, 30)

    problems = registration_problems(
        por_holder(arrival, expiry_date=printed), reference=reference_data(), today=today()
    )
    registered = household_register(
        registered_by=unhcr_officer, registration=por_holder(arrival, expiry_date=printed, expired_confirmed=True)
    )

    assert reference_data().card_validity("por_card", printed, arrival) == (False, decree)
    assert {path: [(p.code, p.message) for p in found] for path, found in problems.items()} == {
        "members.0.documents.0.expiry_date": [
            (
                "refugee_card_expired",
                "This PoR card (Proof of Registration) expired on 2023-06-30 and no decision extended it to the "
                "arrival on 2025-07-02. Check the date on the card; if it is right, confirm the card is expired: the "
                "household is routed as a card holder outside voluntary repatriation, flagged for UNHCR verification.",
            )
        ]
    }
    registered.refresh_from_db()
    assert (
        registered.routing_facts["has_valid_refugee_card"],
        registered.routing_facts["has_expired_refugee_card"],
        registered.routing_facts["refugee_document_coverage"],
    ) == (False, True, "none")
    assert registered.routing_facts["card_decrees"] == [
        {"id": decree.pk, "title": "PoR cards not extended after 30 June 2025", "valid_until": "2025-06-30"}
    ]


def test_a_card_printed_to_expire_after_the_arrival_is_valid_whatever_the_decree():
    reference = reference_data()

    assert reference.card_validity("por_card", datetime.date(2026, 12, 31), datetime.date(2025, 7, 2)) == (True, None)
    assert reference.card_validity("por_card", None, datetime.date(2025, 7, 2)) == (True, None)
    # Before the first decree (5 January 2016) only the printed date decides.
    assert reference.card_validity("por_card", datetime.date(2015, 12, 31), datetime.date(2016, 1, 4)) == (
        False,
        None,
    )
    # Amayesh cards have no decree: their printed expiry decides.
    assert reference.card_validity("amayesh_card", datetime.date(2024, 1, 1), datetime.date(2024, 3, 1)) == (
        False,
        None,
    )


# ---------------------------------------------------------------------------------------------
# The grant by the rate of the arrival date
# ---------------------------------------------------------------------------------------------


def verified_volrep_family(arrival: datetime.date, officer: User, worker: User) -> Case:
    """A family of three on one VRF, verified with everyone eligible."""
    registered = household_register(
        registered_by=officer,
        registration=household(
            arrival_date=arrival,
            members=[
                member(given_name="Ahmad", age=40, documents=[vrf()]),
                member(given_name="Fatima", relationship="spouse", sex="female", age=35, documents=[vrf()]),
                member(given_name="Omid", relationship="son", age=10, documents=[vrf()]),
            ],
        ),
    )
    case = Case.objects.get(household=registered)
    inputs = {"documents_checked": "on", **{f"iris_{m.public_id}": "clear" for m in registered.members.all()}}
    return case_transition(case=case, transition_code="verify", actor=worker, data=inputs)


@pytest.fixture
def unhcr_worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.t", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.mark.parametrize(
    ("arrival", "amount"),
    [
        (datetime.date(2002, 3, 1), "100.00"),  # per family before 29 May 2002
        (datetime.date(2002, 5, 28), "100.00"),
        (datetime.date(2002, 5, 29), "60.00"),  # 20 per person
        (datetime.date(2016, 6, 28), "600.00"),  # 200 per person
        (datetime.date(2016, 6, 29), "1200.00"),  # doubled to 400
        (datetime.date(2017, 4, 2), "1200.00"),
        (datetime.date(2017, 4, 3), "600.00"),  # back to 200 (funding cuts)
        (datetime.date(2022, 7, 31), "750.00"),  # 250 per person
        (datetime.date(2022, 8, 1), "1125.00"),  # 375 per person
    ],
)
def test_the_grant_for_three_eligible_members_is_the_rate_of_the_arrival_date(
    unhcr_officer, unhcr_worker, arrival, amount
):
    case = verified_volrep_family(arrival, unhcr_officer, unhcr_worker)
    grant_type = AssistanceType.objects.get(agency__code="UNHCR", code="cash_grant")

    grant = assistance_record(
        case=case, recorded_by=unhcr_worker, assistance_type=grant_type, delivered_on=today(), office=case.office
    )

    assert grant_amount(case=case, assistance_type=grant_type) == (Decimal(amount), "USD")
    assert (grant.value, grant.currency, grant.approval, grant.delivered_on) == (
        Decimal(amount),
        "USD",
        "pending",
        today(),
    )


# ---------------------------------------------------------------------------------------------
# Publishing a version for a date
# ---------------------------------------------------------------------------------------------


def everyone_to_iom_draft() -> RoutingRuleSet:
    """A draft v4 with one rule: every household to IOM, undocumented."""
    draft = RoutingRuleSet.objects.create(version=4, title="Everyone to IOM")
    RoutingRule.objects.create(
        rule_set=draft,
        order=10,
        code="everyone_to_iom",
        conditions={},
        decides=True,
        agency=Agency.objects.get(code="IOM"),
        category="undocumented",
        explanation="Everyone to IOM.",
    )
    return draft


def timeline() -> list[tuple]:
    return list(RoutingRuleSet.objects.order_by("version").values_list("version", "status", "effective_from"))


def volrep_family(arrival: datetime.date):
    return household(
        arrival_date=arrival,
        members=[member(documents=[vrf()]), member(relationship="spouse", sex="female", documents=[vrf()])],
    )


def test_a_version_published_for_a_future_day_routes_only_arrivals_from_that_day(
    unhcr_officer, rules_admin, django_capture_on_commit_callbacks
):
    starts = today() + datetime.timedelta(days=10)
    existing = household_register(
        registered_by=unhcr_officer, registration=volrep_family(today() - datetime.timedelta(days=1))
    )
    decided = (
        Household.objects.filter(pk=existing.pk)
        .values("routed_agency__code", "category", "routing_rule", "routing_version", "routing_reason", "flags")
        .get()
    )

    with django_capture_on_commit_callbacks(execute=True):
        published = rule_set_publish(rule_set=everyone_to_iom_draft(), published_by=rules_admin, effective_from=starts)
    arrived_today = household_register(registered_by=unhcr_officer, registration=volrep_family(today()))

    reference = reference_data()
    assert (published.status, published.effective_from) == ("published", starts)
    assert [(p.rule_set.version, p.effective_from, p.effective_until) for p in reference.policies][1:] == [
        (3, V3_STARTS, starts - datetime.timedelta(days=1)),
        (4, starts, None),
    ]
    assert reference.policy_on(starts - datetime.timedelta(days=1)).rule_set.version == 3
    assert reference.policy_on(starts).rule_set.version == 4
    # The household already routed keeps its decision.
    assert (
        Household.objects.filter(pk=existing.pk)
        .values("routed_agency__code", "category", "routing_rule", "routing_version", "routing_reason", "flags")
        .get()
        == decided
    )
    assert (decided["routed_agency__code"], decided["routing_version"]) == ("UNHCR", 3)
    # An arrival today still follows v3.
    assert (arrived_today.routed_agency.code, arrived_today.category, arrived_today.routing_version) == (
        "UNHCR",
        "registered_refugee",
        3,
    )
    # A registration dated from the effective day (not yet possible: arrivals cannot be in the future) would
    # follow v4; the day before, v3.
    on_the_day = routing_decide(volrep_family(starts), reference=reference)
    the_day_before = routing_decide(volrep_family(starts - datetime.timedelta(days=1)), reference=reference)
    assert (on_the_day.agency.code, on_the_day.category, on_the_day.rule.code, on_the_day.version) == (
        "IOM",
        "undocumented",
        "everyone_to_iom",
        4,
    )
    assert (the_day_before.agency.code, the_day_before.rule.code, the_day_before.version) == (
        "UNHCR",
        "voluntary_repatriation",
        3,
    )


def test_publishing_for_a_past_day_is_refused_and_nothing_changes(rules_admin):
    draft = everyone_to_iom_draft()
    yesterday = today() - datetime.timedelta(days=1)
    before = timeline()

    with pytest.raises(ValidationError) as refused:
        rule_set_publish(rule_set=draft, published_by=rules_admin, effective_from=yesterday)

    assert refused.value.messages == [
        f"A version cannot take effect in the past ({yesterday.isoformat()}): households already routed would no "
        "longer follow the policy of their arrival date. Publish it from today or a later day."
    ]
    assert timeline() == before
    assert timeline()[-1] == (4, "draft", None)


def test_two_versions_cannot_take_effect_on_the_same_day(rules_admin):
    starts = today() + datetime.timedelta(days=5)
    rule_set_publish(rule_set=everyone_to_iom_draft(), published_by=rules_admin, effective_from=starts)
    second = RoutingRuleSet.objects.create(version=5)
    RoutingRule.objects.create(
        rule_set=second,
        order=10,
        code="everyone_to_unhcr",
        conditions={},
        decides=True,
        agency=Agency.objects.get(code="UNHCR"),
        category="registered_refugee",
        explanation="Everyone to UNHCR.",
    )
    before = timeline()

    with pytest.raises(ValidationError) as same_day:
        rule_set_publish(rule_set=second, published_by=rules_admin, effective_from=starts)
    with pytest.raises(ValidationError) as past_and_taken:
        rule_set_publish(rule_set=second, published_by=rules_admin, effective_from=V3_STARTS)

    assert same_day.value.messages == [f"v4 already takes effect on {starts.isoformat()}. Choose another day."]
    assert past_and_taken.value.messages == [
        "A version cannot take effect in the past (2025-08-20): households already routed would no longer follow "
        "the policy of their arrival date. Publish it from today or a later day.",
        "v3 already takes effect on 2025-08-20. Choose another day.",
    ]
    assert timeline() == before


def test_a_future_version_can_be_withdrawn_and_the_timeline_goes_back(rules_admin, django_capture_on_commit_callbacks):
    starts = today() + datetime.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        published = rule_set_publish(rule_set=everyone_to_iom_draft(), published_by=rules_admin, effective_from=starts)
    assert reference_data().policy_on(starts).rule_set.version == 4

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        withdrawn = rule_set_withdraw(rule_set=published, withdrawn_by=rules_admin)

    assert len(callbacks) == 1
    assert (withdrawn.status, withdrawn.effective_from) == ("withdrawn", starts)
    assert timeline()[-1] == (4, "withdrawn", starts)
    assert reference_data().policy_on(starts).rule_set.version == 3
    assert reference_data().policies[-1].effective_until is None


def test_a_version_in_force_or_a_draft_cannot_be_withdrawn(rules_admin):
    draft = everyone_to_iom_draft()
    rule_set_publish(rule_set=draft, published_by=rules_admin, effective_from=today())
    draft5 = RoutingRuleSet.objects.create(version=5)
    before = timeline()

    with pytest.raises(ValidationError) as since_2025:
        rule_set_withdraw(rule_set=RoutingRuleSet.objects.get(version=3), withdrawn_by=rules_admin)
    with pytest.raises(ValidationError) as since_today:
        rule_set_withdraw(rule_set=draft, withdrawn_by=rules_admin)
    with pytest.raises(ValidationError) as not_published:
        rule_set_withdraw(rule_set=draft5, withdrawn_by=rules_admin)

    assert since_2025.value.messages == [
        "v3 has been in force since 2025-08-20 and households were routed by it. "
        "Publish a new version from a later day instead."
    ]
    assert since_today.value.messages == [
        f"v4 has been in force since {today().isoformat()} and households were routed by it. "
        "Publish a new version from a later day instead."
    ]
    assert not_published.value.messages == ["Only a published version can be withdrawn."]
    assert timeline() == before


# ---------------------------------------------------------------------------------------------
# Registration refuses what no policy covers, and a deported family with a VRF
# ---------------------------------------------------------------------------------------------


def registry_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Household, Member, MemberDocument, HouseholdEvent, Case, Family)
    }


def test_a_deported_family_with_a_vrf_is_refused_and_nothing_is_saved(unhcr_officer):
    before = registry_counts()
    registration = household(
        return_type="deportation",
        members=[
            member(given_name="Ahmad", documents=[vrf()]),
            member(given_name="Fatima", relationship="spouse", sex="female", documents=[vrf()]),
            member(given_name="Omid", relationship="son", age=9),
        ],
    )

    with pytest.raises(RegistrationInvalid) as refused:
        household_register(registered_by=unhcr_officer, registration=registration)

    assert {path: [(p.code, p.message) for p in found] for path, found in refused.value.problems.items()} == {
        "return_type": [
            (
                "deported_with_vrf",
                "Ahmad, Fatima hold a VRF, which is only issued for voluntary repatriation, but the return is "
                "recorded as Deportation. Correct the return type (voluntary repatriation) or remove the VRF.",
            )
        ]
    }
    assert registry_counts() == before == dict.fromkeys(before, 0)


def test_an_arrival_before_any_policy_is_refused(unhcr_officer):
    with pytest.raises(RegistrationInvalid) as refused:
        household_register(registered_by=unhcr_officer, registration=volrep_family(datetime.date(2002, 2, 28)))

    assert {path: [(p.code, p.message) for p in found] for path, found in refused.value.problems.items()} == {
        "arrival_date": [
            (
                "no_policy_on_date",
                "No routing policy covers arrivals on 2002-02-28. Check the year of the arrival date.",
            )
        ]
    }
    assert Household.objects.count() == 0

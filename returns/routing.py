"""Routing: which agency assists a household, in which category, with which flags.

The *facts* about a household are computed here, in code, because they need care (who counts as
covered by a refugee document). The *decision* is data: the active ``RoutingRuleSet``, an ordered
list of rules that an admin edits. Rules are read top to bottom; a rule whose conditions all hold
adds its flags and explanation, and if it ``decides``, sets the agency and category and stops.
See docs/routing.md for the rule set shipped with the system.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from returns.conditions import rule_matches
from returns.reference import ReferenceData
from returns.registration import HouseholdRegistration

# Children under this age are listed on a parent's refugee card rather than holding their own.
OWN_CARD_FROM_AGE = 5


@dataclass(frozen=True)
class RoutingDecision:
    agency: object
    category: str
    rule: object | None
    version: int | None
    reason: str
    flags: list[str]
    matched: list[str]


def routing_facts(registration: HouseholdRegistration, *, reference: ReferenceData) -> dict:
    """The facts the rules read, computed from a (valid) registration."""
    arrival = registration.arrival_date
    classes_by_member = []
    has_expired_card = False
    has_vrf = False
    has_citizen_card = False
    for member in registration.members:
        classes = set()
        for document in member.documents:
            document_type = reference.document_types[document.document_type]
            routing_class = document_type.routing_class
            if routing_class == "refugee_card":
                if document.expiry_date is not None and document.expiry_date < arrival:
                    has_expired_card = True
                    continue
            elif routing_class == "repatriation_form":
                has_vrf = True
            elif routing_class == "citizen_card":
                has_citizen_card = True
            classes.add(routing_class)
        classes_by_member.append(classes)

    # A VRF lists every returning member of the family; a refugee card covers its holder, and an
    # adult's card covers the young children registered on it.
    holds_card = ["refugee_card" in classes for classes in classes_by_member]
    any_card = any(holds_card)
    covered = []
    for member, has_card in zip(registration.members, holds_card, strict=True):
        age = member.age_on(arrival)
        young_child = age is not None and age < OWN_CARD_FROM_AGE
        covered.append(has_vrf or has_card or (young_child and any_card))
    if covered and all(covered):
        coverage = "all"
    elif any(covered):
        coverage = "some"
    else:
        coverage = "none"
    head_index = next((i for i, member in enumerate(registration.members) if member.relationship == "head"), None)
    return_type = reference.return_types[registration.return_type]
    return {
        "refugee_document_coverage": coverage,
        "head_has_refugee_document": head_index is not None and covered[head_index],
        "has_vrf": has_vrf,
        "has_expired_refugee_card": has_expired_card,
        "has_citizen_card": has_citizen_card,
        "return_type": return_type.code,
        "is_forced_return": return_type.is_forced,
        "country_of_departure": registration.country_of_departure,
    }


def routing_decide(registration: HouseholdRegistration, *, reference: ReferenceData) -> RoutingDecision:
    """Apply the active rule set to the registration."""
    facts = routing_facts(registration, reference=reference)
    flags: list[str] = []
    reasons: list[str] = []
    matched: list[str] = []
    for rule in reference.rules:
        if not rule_matches(rule.conditions, facts):
            continue
        matched.append(rule.code)
        reasons.append(rule.explanation)
        flags.extend(flag for flag in rule.flags if flag not in flags)
        if rule.decides:
            return RoutingDecision(
                agency=rule.agency,
                category=rule.category,
                rule=rule,
                version=reference.rule_set.version,
                reason=" ".join(reasons),
                flags=flags,
                matched=matched,
            )
    raise RoutingUndecided(
        _("No routing rule decided this household. An administrator must add a final rule with no conditions.")
    )


class RoutingUndecided(Exception):
    """The active rule set has no rule that decides for these facts (a configuration error)."""

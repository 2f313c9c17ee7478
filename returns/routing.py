"""Routing: which agency assists a household, in which category, with which flags, by the policy of its date.

The *facts* about a household are computed here, in code, because they need care (who is on the
VRF, whether a card was legally valid on the arrival date). The *decision* is data: the routing
rule set in force on the arrival date (``ReferenceData.policy_on``), an ordered list of rules an
admin edits and publishes for a date. Rules are read top to bottom; a rule whose conditions all
hold adds its flags and explanation, and if it ``decides``, sets the agency and category and stops.
See docs/routing.md for the policy history shipped with the system.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from agencies.calendars import date_numeric
from agencies.models.languages import in_language
from returns.conditions import rule_matches
from returns.reference import ReferenceData
from returns.registration import HouseholdRegistration

# Children under this age are listed on a parent's refugee card rather than holding their own.
OWN_CARD_FROM_AGE = 5
# The VolRep winter pause: returns from Pakistan stop from 1 December to the end of February.
WINTER_PAUSE_MONTHS = frozenset({12, 1, 2})


@dataclass(frozen=True)
class Papers:
    """What one person carries, as routing and entitlement read it: age on arrival and documents."""

    age: int | None
    documents: tuple[tuple[str, datetime.date | None], ...]  # (document type code, printed expiry)


@dataclass(frozen=True)
class PersonCoverage:
    on_vrf: bool
    holds_refugee_card: bool
    holds_valid_card: bool
    holds_por_card: bool
    has_documents: bool
    covered: bool  # on the VRF, or a valid card (a young child: an adult's card)


@dataclass(frozen=True)
class RoutingDecision:
    agency: object
    category: str
    rule: object | None
    version: int | None
    reason: str
    flags: list[str]
    matched: list[str]
    facts: dict


def people_coverage(
    people: list[Papers], *, arrival: datetime.date, reference: ReferenceData
) -> tuple[list[PersonCoverage], list]:
    """Each person's coverage by refugee documents on the arrival date, and the decrees that were read."""
    decrees_read = []
    per_person = []
    for person in people:
        on_vrf = holds_card = holds_valid = holds_por = False
        for type_code, expiry in person.documents:
            routing_class = reference.document_types[type_code].routing_class
            if routing_class == "repatriation_form":
                on_vrf = True
            elif routing_class == "refugee_card":
                holds_card = True
                holds_por = holds_por or type_code == "por_card"
                valid, decree = reference.card_validity(type_code, expiry, arrival)
                holds_valid = holds_valid or valid
                if decree is not None and decree not in decrees_read:
                    decrees_read.append(decree)
        per_person.append((person, on_vrf, holds_card, holds_valid, holds_por))
    any_valid_card = any(holds_valid for _person, _vrf, _card, holds_valid, _por in per_person)
    coverage = []
    for person, on_vrf, holds_card, holds_valid, holds_por in per_person:
        young_child = person.age is not None and person.age < OWN_CARD_FROM_AGE
        coverage.append(
            PersonCoverage(
                on_vrf=on_vrf,
                holds_refugee_card=holds_card,
                holds_valid_card=holds_valid,
                holds_por_card=holds_por,
                has_documents=bool(person.documents),
                covered=on_vrf or holds_valid or (young_child and any_valid_card),
            )
        )
    return coverage, decrees_read


def registration_papers(registration: HouseholdRegistration) -> list[Papers]:
    return [
        Papers(
            age=member.age_on(registration.arrival_date),
            documents=tuple((document.document_type, document.expiry_date) for document in member.documents),
        )
        for member in registration.members
    ]


def household_papers(members: Iterable, *, arrival: datetime.date) -> list[Papers]:
    """The papers of saved members (with their documents prefetched)."""
    return [
        Papers(
            age=member.age_on(arrival),
            documents=tuple((document.document_type_id, document.expiry_date) for document in member.documents.all()),
        )
        for member in members
    ]


def routing_facts(registration: HouseholdRegistration, *, reference: ReferenceData) -> dict:
    """The facts the rules read, computed from a (valid) registration."""
    arrival = registration.arrival_date
    coverage, decrees = people_coverage(registration_papers(registration), arrival=arrival, reference=reference)
    classes = {
        reference.document_types[document.document_type].routing_class
        for member in registration.members
        for document in member.documents
    }
    covered = [person.covered for person in coverage]
    if covered and all(covered):
        document_coverage = "all"
    elif any(covered):
        document_coverage = "some"
    else:
        document_coverage = "none"
    head_index = next((i for i, member in enumerate(registration.members) if member.relationship == "head"), None)
    return_type = reference.return_types[registration.return_type]
    return {
        "refugee_document_coverage": document_coverage,
        "head_has_refugee_document": head_index is not None and covered[head_index],
        "has_vrf": any(person.on_vrf for person in coverage),
        "holds_refugee_card": any(person.holds_refugee_card for person in coverage),
        "holds_por_card": any(person.holds_por_card for person in coverage),
        "has_valid_refugee_card": any(person.holds_valid_card for person in coverage),
        "has_expired_refugee_card": any(
            person.holds_refugee_card and not person.holds_valid_card for person in coverage
        ),
        "has_citizen_card": "citizen_card" in classes,
        "has_passport_or_visa": "passport_visa" in classes,
        "in_winter_pause": arrival.month in WINTER_PAUSE_MONTHS,
        "return_type": return_type.code,
        "is_forced_return": return_type.is_forced,
        "country_of_departure": registration.country_of_departure,
        "card_decrees": [
            {"id": decree.pk, "title": decree.title, "valid_until": decree.valid_until.isoformat()}
            for decree in decrees
        ],
    }


def routing_decide(registration: HouseholdRegistration, *, reference: ReferenceData) -> RoutingDecision:
    """Apply the rule set in force on the arrival date to the registration."""
    policy = reference.policy_on(registration.arrival_date)
    if policy is None:
        raise RoutingUndecided(
            _("No routing policy was in force on %(date)s: an administrator must publish one from that date.")
            % {"date": date_numeric(registration.arrival_date)}
        )
    facts = routing_facts(registration, reference=reference)
    flags: list[str] = []
    reasons: list[str] = []
    matched: list[str] = []
    for rule in policy.rules:
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
                version=policy.rule_set.version,
                reason=" ".join(reasons),
                flags=flags,
                matched=matched,
                facts=facts,
            )
    raise RoutingUndecided(
        _("No routing rule decided this household. An administrator must add a final rule with no conditions.")
    )


def routing_reason_shown(household, *, reference: ReferenceData) -> str:
    """Why the household went where it went, in the reader's language.

    The registration stored the reason in English (``routing_reason``); the rules of the version that
    decided, applied again to the facts stored with it, give the same rules and their explanations in
    Dari or Pashto. Where the version is no longer in the snapshot, or a rule has no translation, the
    stored English reason is shown.
    """
    policy = next(
        (policy for policy in reference.policies if policy.rule_set.version == household.routing_version), None
    )
    if policy is None or not household.routing_facts:
        return household.routing_reason
    reasons = []
    for rule in policy.rules:
        if not rule_matches(rule.conditions, household.routing_facts):
            continue
        reasons.append(in_language(rule, "explanation"))
        if rule.decides:
            break
    return " ".join(reasons) or household.routing_reason


class RoutingUndecided(Exception):
    """No policy covers the date, or its rule set has no rule that decides for these facts (a configuration error)."""

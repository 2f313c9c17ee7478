"""The conditions of routing rules: which facts a rule may test, and whether a rule's conditions hold.

Pure (no database): the rule model validates its conditions with ``conditions_errors``, and
``returns.routing`` computes the facts and matches rules against them.
"""

from django.utils.translation import gettext as _

FACTS: dict[str, tuple[str, list]] = {
    "refugee_document_coverage": (
        "Whether members are on the VRF or hold a refugee card valid on the arrival date: all, some or none. "
        "Children under 5 are covered by an adult's card.",
        ["all", "some", "none"],
    ),
    "head_has_refugee_document": ("The head is on the VRF or holds a valid refugee card.", [True, False]),
    "has_vrf": ("Some member is on a Voluntary Repatriation Form.", [True, False]),
    "holds_refugee_card": ("Some member holds a refugee card (PoR, Amayesh), valid or not.", [True, False]),
    "holds_por_card": ("Some member holds a PoR card (Pakistan), valid or not.", [True, False]),
    "has_valid_refugee_card": (
        "Some member holds a refugee card valid on the arrival date: by its printed expiry, or by a decree "
        "extending it.",
        [True, False],
    ),
    "has_expired_refugee_card": ("Some refugee card was no longer valid on the arrival date.", [True, False]),
    "has_citizen_card": ("Some member holds a non-refugee registration card (ACC).", [True, False]),
    "has_passport_or_visa": ("Some member holds a passport or a visa.", [True, False]),
    "in_winter_pause": ("The arrival falls in the VolRep winter pause (1 December to end of February).", [True, False]),
    "return_type": ("How the household returned (a return type code, e.g. deportation).", []),
    "is_forced_return": ("The return type is a forced return (deportation).", [True, False]),
    "country_of_departure": ("ISO code of the country the household left.", []),
}


def conditions_errors(conditions) -> list[str]:
    """Problems with a rule's conditions, for the admin form."""
    if not isinstance(conditions, dict):
        return [_("Conditions must map fact names to lists of accepted values.")]
    errors = []
    for fact, accepted in conditions.items():
        if fact not in FACTS:
            errors.append(
                _("Unknown fact “%(fact)s”. Known facts: %(facts)s.") % {"fact": fact, "facts": ", ".join(FACTS)}
            )
            continue
        if not isinstance(accepted, list) or not accepted:
            errors.append(_("“%(fact)s” needs a non-empty list of accepted values.") % {"fact": fact})
            continue
        allowed = FACTS[fact][1]
        unexpected = [value for value in accepted if allowed and value not in allowed]
        if unexpected:
            errors.append(
                _("“%(fact)s” can only be %(allowed)s.") % {"fact": fact, "allowed": ", ".join(map(str, allowed))}
            )
    return errors


def rule_matches(conditions: dict, facts: dict) -> bool:
    return all(facts.get(fact) in accepted for fact, accepted in conditions.items())

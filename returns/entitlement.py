"""Entitlement is per person: who in a UNHCR case may receive the VolRep grant, and why the others may not.

A VRF lists the members who repatriate; families travel with relatives who are not on it. Each
member of a UNHCR case gets a decision at verification (``MemberEntitlement``):

- not covered by voluntary repatriation: *not on the VRF* (they carry other papers) or
  *undocumented* (no papers at all). In a mixed family they are referred to IOM for screening;
- covered, then by what verification found: *already assisted* (a "recycler", from the iris
  result), *refused* with the case worker's reason (or an iris check that failed), else *eligible*.

Who is covered depends on the household's category, which the policy of its arrival date chose: in
voluntary repatriation (a VRF), the members on the VRF; a refugee-card holder returning without a
VRF whom the policy of the day sends to UNHCR (PoR holders from 20 August 2025), the card holders
and the young children on their cards. Pure: the workflow passes in the members' coverage.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from returns.models import Category, MemberEntitlement
from returns.routing import OWN_CARD_FROM_AGE, Papers, PersonCoverage

Decision = MemberEntitlement.Decision


@dataclass(frozen=True)
class Verified:
    """What verification found for one covered member."""

    iris: str | None = None  # a MemberVerification.Result, None under the iris age
    refusal: str = ""  # the case worker's reason for refusing this member


def volrep_covered(papers: list[Papers], coverage: list[PersonCoverage], *, category: str) -> list[bool]:
    """Which members voluntary repatriation covers, by the household's category."""
    if category == Category.REFUGEE_CARD:
        card_holder = any(person.holds_refugee_card for person in coverage)
        return [
            person.on_vrf
            or person.holds_refugee_card
            or (card_holder and paper.age is not None and paper.age < OWN_CARD_FROM_AGE)
            for paper, person in zip(papers, coverage, strict=True)
        ]
    return [person.on_vrf for person in coverage]


def uncovered_decision(person: PersonCoverage) -> str:
    return Decision.NOT_ON_VRF if person.has_documents else Decision.UNDOCUMENTED


def decide(*, covered: bool, person: PersonCoverage, verified: Verified) -> tuple[str, str]:
    """One member's decision and its reason."""
    if not covered:
        return uncovered_decision(person), ""
    if verified.iris == "previously_assisted":
        return Decision.ALREADY_ASSISTED, ""
    if verified.refusal.strip():
        return Decision.REFUSED, verified.refusal.strip()
    if verified.iris == "failed":
        return Decision.REFUSED, _("Iris verification failed.")
    return Decision.ELIGIBLE, ""

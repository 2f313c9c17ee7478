"""Is this person already in the registry? Candidates for one person, each with a score and a reason.

Blocking, through indexes (so it stays fast at millions of people): the people whose given and
father's name keys are the person's (``member_given_fathers_key``), the same two the other way
round (names typed in swapped fields), and the holders of any of the person's document numbers
(``document_number_normal``). Each block is read up to ``BLOCK_LIMIT`` people, nearest in age first
when the age is known (a common given and father's name can hold hundreds of namesakes).

Scoring (rapidfuzz over the Latin forms of the names, ``returns.names``): given name, father's
name and family name by similarity; sex must agree; the age on arrival may differ by a few years
(estimated ages are often a few years off); the same document number is nearly decisive. Each
candidate says why in words an officer reads ("same father's name, age 2 years apart").

What an officer sees of a candidate respects the gate: a person of a household they may see comes
with the household's number and the person's names; anyone else is "a possible match registered
by IOM on 3 May 2026", with nothing of their record.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F
from django.db.models.functions import Abs, Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from returns.ages import age_on
from returns.models import Household, Member, MemberDocument
from returns.names import document_number_normal, name_key, name_latin

BLOCK_LIMIT = 200
# Below this score a person is not offered as a candidate.
CANDIDATE_THRESHOLD = 0.6


@dataclass(frozen=True)
class PersonSought:
    """The person being registered (or looked for), as typed."""

    given_name: str = ""
    fathers_name: str = ""
    family_name: str = ""
    given_name_local: str = ""
    fathers_name_local: str = ""
    family_name_local: str = ""
    sex: str = ""
    date_of_birth: datetime.date | None = None
    estimated_age: int | None = None
    document_numbers: tuple[str, ...] = ()

    def age(self, today: datetime.date) -> int | None:
        return age_on(today, date_of_birth=self.date_of_birth, estimated_age=self.estimated_age)


@dataclass
class Candidate:
    member: Member
    score: float
    reasons: list[str] = field(default_factory=list)
    visible: bool = False

    @property
    def household(self) -> Household:
        return self.member.household


def _latin(latin: str, local: str) -> str:
    return name_latin(latin) or name_latin(local)


def _similarity(left: str, right: str) -> float:
    if not left or not right:
        return 0.0
    if name_key(left) == name_key(right):
        return 1.0
    return fuzz.ratio(name_latin(left), name_latin(right)) / 100


def _score(sought: PersonSought, member: Member, *, numbers: set[str], today: datetime.date) -> Candidate:
    reasons: list[str] = []
    sought_given = _latin(sought.given_name, sought.given_name_local)
    sought_fathers = _latin(sought.fathers_name, sought.fathers_name_local)
    given = _similarity(sought_given, member.given_name)
    fathers = _similarity(sought_fathers, member.fathers_name)
    # Names typed in each other's fields (the father's name as the given name): compared crosswise.
    crossed_given, crossed_fathers = (
        _similarity(sought_given, member.fathers_name),
        _similarity(sought_fathers, member.given_name),
    )
    if crossed_given + crossed_fathers > given + fathers:
        given, fathers = crossed_given, crossed_fathers
        reasons.append(_("given and father's names swapped"))
    if given == 1.0:
        reasons.append(_("same given name"))
    elif given >= 0.8:
        reasons.append(_("similar given name"))
    if fathers == 1.0:
        reasons.append(_("same father's name"))
    elif fathers >= 0.8:
        reasons.append(_("similar father's name"))
    score = 0.45 * given + 0.35 * fathers
    family_sought = _latin(sought.family_name, sought.family_name_local)
    if family_sought and member.family_name:
        family = _similarity(family_sought, member.family_name)
        score += 0.1 * family
        if family == 1.0:
            reasons.append(_("same family name"))
    else:
        score += 0.05  # an unknown family name neither helps nor hurts much
    sought_age, member_age = sought.age(today), member.age_on(today)
    if sought_age is not None and member_age is not None:
        apart = abs(sought_age - member_age)
        if apart == 0:
            score += 0.1
            reasons.append(_("same age"))
        elif apart <= 3:
            score += 0.07
            reasons.append(_("age %(years)d years apart") % {"years": apart})
        elif apart > 6:
            score -= 0.25 if apart <= 10 else 0.5
            reasons.append(_("age %(years)d years apart") % {"years": apart})
    if sought.sex and member.sex and sought.sex != member.sex:
        score -= 0.4
        reasons.append(_("other sex"))
    held = {document.number_normal for document in member.documents.all()} & numbers
    if held:
        score = max(score, 0.95)
        reasons.insert(0, _("same document number"))
    return Candidate(member=member, score=round(max(0.0, min(score, 1.0)), 3), reasons=reasons)


def person_candidates(sought: PersonSought, *, user, limit: int = 10) -> list[Candidate]:
    """The people of the registry (both agencies, withdrawn households left out) who may be
    ``sought``, best first, each with its score and reasons, and whether ``user`` may see them."""
    today = timezone.localdate()
    given_key = name_key(sought.given_name) or name_key(sought.given_name_local)
    fathers_key = name_key(sought.fathers_name) or name_key(sought.fathers_name_local)
    numbers = {number for number in map(document_number_normal, sought.document_numbers) if number}
    people = Member.objects.filter(household__withdrawn_at__isnull=True, anonymised_at__isnull=True).order_by()
    blocks = []
    if given_key and fathers_key:
        blocks.append(people.filter(given_key=given_key, fathers_key=fathers_key))
        blocks.append(people.filter(given_key=fathers_key, fathers_key=given_key))
    elif given_key:
        blocks.append(people.filter(given_key=given_key, fathers_key=""))
    if numbers:
        holders = MemberDocument.objects.filter(number_normal__in=numbers).values("member_id")
        blocks.append(people.filter(pk__in=holders))
    if not blocks:
        return []
    sought_age = sought.age(today)
    if sought_age is not None:
        # A large block (a common given and father's name) is read nearest in age first.
        born = Coalesce(F("estimated_age"), today.year - ExtractYear("date_of_birth"))
        blocks = [block.order_by(Abs(born - sought_age)) for block in blocks]
    ids = set()
    for block in blocks:
        ids.update(block.values_list("pk", flat=True)[:BLOCK_LIMIT])
    members = (
        Member.objects.filter(pk__in=ids)
        .select_related("household__routed_agency")
        .prefetch_related("documents")
        .order_by("pk")
    )
    scored = [_score(sought, member, numbers=numbers, today=today) for member in members]
    candidates = sorted(
        (candidate for candidate in scored if candidate.score >= CANDIDATE_THRESHOLD),
        key=lambda candidate: (-candidate.score, -candidate.member.household_id),
    )[:limit]
    visible = set(
        Household.objects.visible_to(user)
        .filter(pk__in={candidate.member.household_id for candidate in candidates})
        .values_list("pk", flat=True)
    )
    for candidate in candidates:
        candidate.visible = candidate.member.household_id in visible
    return candidates

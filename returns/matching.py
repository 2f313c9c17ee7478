"""Is this person already in the registry? Candidates for one person, each with a score and a reason.

Blocking, through indexes (so it stays fast at millions of people): the people whose given and
father's name keys are the person's (``member_given_fathers_key``), the same two the other way
round (names typed in swapped fields), and the holders of any of the person's document numbers
(``document_number_normal``). Each block is read up to ``BLOCK_LIMIT`` people, nearest in age first
when the age is known (a common given and father's name can hold hundreds of namesakes).

Scoring (rapidfuzz, over the forms of ``returns.names``): given name, father's name and family
name by similarity, each in Latin letters (one key and one sound, ``name_sound``, is one name:
Mohammad and Muhammad, not Hassan and Hussain), in Dari/Pashto when both records have it, or across
the scripts by key; a name less than similar counts for less and less (a brother's name); another
family name counts against; a father's name missing on one record leaves the given name to carry
more; sex must agree; the age may differ by a few years (estimated ages are often a few years off);
the same document number is nearly decisive, and another card of the same kind (not a VRF, new on
every return) sets two people apart. Each candidate says why in words an officer reads ("same
father's name, age 2 years apart"). ``DUPLICATE_THRESHOLD`` is where two records are called the
same person; the labelled set (``scripts/labelled_duplicates.py``) measures precision and recall there.

What an officer sees of a candidate respects the gate: a person of a household they may see comes
with the household's number and the person's names; anyone else is "a possible match registered
by IOM on 3 May 2026", with nothing of their record.
"""

import datetime
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from rapidfuzz import fuzz

from returns.ages import age_on
from returns.models import Household, Member, MemberDocument
from returns.names import NAMES_CACHED, document_number_normal, is_local_script, name_fold, name_key, name_sound


@lru_cache(maxsize=512)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


@lru_cache(maxsize=256)
def _years_apart(language: str | None, years: int) -> str:
    return ngettext("age %(years)d year apart", "age %(years)d years apart", years) % {"years": years}


def _(message: str) -> str:
    """``gettext``, remembered for each language: hundreds of namesakes are given the same few reasons."""
    return _translated(get_language(), message)


BLOCK_LIMIT = 50
# People further apart in age than this are not candidates (estimated ages are often a few years off).
AGE_WINDOW = 8
# Below this score a person is not offered as a candidate.
CANDIDATE_THRESHOLD = 0.6
# At or above this score two records are called the same person: what the labelled set's precision
# and recall are measured at (scripts/labelled_duplicates.py). The review queue and the one-grant
# rule hold back at ``returns.identity.LIKELY_DUPLICATE``, the same figure.
DUPLICATE_THRESHOLD = 0.85


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


# Two names with one key whose vowels read apart at least this much are two names (Hassan and Hussain).
SAME_SOUND = 0.85
# A name at least this near is "similar"; below it, nearness counts for less and less (a brother's name).
SIMILAR = 0.8
# What a name typed in one script scores against the same key typed in the other: the Dari has no short
# vowels, so محمد cannot tell Mohammad from Mahmood.
ACROSS_SCRIPTS = 0.95
# Two records holding cards of one kind with other numbers are two people (a VRF is new on each return).
ANOTHER_CARD = 0.3


@lru_cache(maxsize=NAMES_CACHED)
def _latin_similarity(left: str, right: str) -> float:
    """Two names typed in Latin letters: one key and one sound is one name; otherwise how near they read."""
    if name_fold(left) == name_fold(right):
        return 1.0
    left_sound, right_sound = name_sound(left), name_sound(right)
    # A short e read as an a (Ahmed) and as an i (Ebrahim): the nearer reading counts.
    sound = max(fuzz.ratio(left_sound.replace("e", vowel), right_sound.replace("e", vowel)) / 100 for vowel in "ai")
    if name_key(left) == name_key(right):
        return 1.0 if sound >= SAME_SOUND else sound
    return sound


@lru_cache(maxsize=NAMES_CACHED * 4)
def _similarity(left: str, left_local: str, right: str, right_local: str) -> float:
    """How alike two names are (0 to 1), each given in Latin letters and in Dari/Pashto (either may be
    empty): the best of the Latin forms compared, the local forms compared, or one across scripts."""
    best = 0.0
    if left and right and not is_local_script(left) and not is_local_script(right):
        best = _latin_similarity(left, right)
    if left_local and right_local:
        if name_fold(left_local) == name_fold(right_local):
            return 1.0
        # Dari spelling varies less than Latin: two local forms that differ (جواد, جاوید) hold the
        # Latin ones (Jawad, Javid) to how near the local forms are.
        local = fuzz.ratio(name_fold(left_local), name_fold(right_local)) / 100
        return min(best, local) if best else local
    if best < ACROSS_SCRIPTS:
        one, other = left or left_local, right or right_local
        if one and other and (is_local_script(one) or is_local_script(other)):
            if name_key(one) == name_key(other):
                best = ACROSS_SCRIPTS
            else:
                best = max(best, fuzz.ratio(name_key(one), name_key(other)) / 100 * 0.9)
    return best


def same_name(left: str, left_local: str, right: str, right_local: str) -> bool:
    """Whether two names are one name, where a yes or no is needed (the people a VRF lists against a
    household's members): in Latin letters one key and one sound (a short e read as a or i: Mohammad,
    Muhammad, Mohammed), the same Dari/Pashto form, or one key across the scripts. Stricter than the
    similarity the duplicate search weighs: Hassan and Hussain, Ali and Wali, Ahmad and Hamid are two."""
    latin = left and right and not is_local_script(left) and not is_local_script(right)
    if latin and name_key(left) == name_key(right) and _one_sound(name_sound(left), name_sound(right)):
        return True
    if left_local and right_local and name_fold(left_local) == name_fold(right_local):
        return True
    one, other = left or left_local, right or right_local
    if one and other and is_local_script(one) != is_local_script(other):
        return name_key(one) == name_key(other)
    return False


def _one_sound(left: str, right: str) -> bool:
    return left == right or any(left.replace("e", vowel) == right.replace("e", vowel) for vowel in "ai")


def _weighed(similarity: float) -> float:
    """A name's similarity as it counts: in full from "similar" up, falling away fast below (Hassan
    and Hussain, brothers, are 0.73 alike)."""
    return similarity if similarity >= SIMILAR else max(0.0, 2 * similarity - SIMILAR)


def _document_kind(number: str) -> tuple[str, int]:
    """A normal document number's letters and count of digits: PK and 9 is a PoR card, 13 digits a tazkira."""
    letters = number.rstrip("0123456789")
    return (letters, len(number) - len(letters))


def _score(sought: PersonSought, member: Member, *, numbers: set[str], today: datetime.date) -> Candidate:
    reasons: list[str] = []
    # Each name as (Latin letters, Dari/Pashto).
    sought_given, sought_fathers = (
        (sought.given_name, sought.given_name_local),
        (sought.fathers_name, sought.fathers_name_local),
    )
    member_given, member_fathers = (
        (member.given_name, member.given_name_local),
        (member.fathers_name, member.fathers_name_local),
    )
    given, fathers = _similarity(*sought_given, *member_given), _similarity(*sought_fathers, *member_fathers)
    # Names typed in each other's fields (the father's name as the given name): compared crosswise.
    crossed_given = _similarity(*sought_given, *member_fathers)
    crossed_fathers = _similarity(*sought_fathers, *member_given)
    if crossed_given + crossed_fathers > given + fathers:
        given, fathers = crossed_given, crossed_fathers
        reasons.append(_("given and father's names swapped"))
    # The same key in the other script is the same name as far as the two scripts tell.
    if given >= ACROSS_SCRIPTS:
        reasons.append(_("same given name"))
    elif given >= SIMILAR:
        reasons.append(_("similar given name"))
    if fathers >= ACROSS_SCRIPTS:
        reasons.append(_("same father's name"))
    elif fathers >= SIMILAR:
        reasons.append(_("similar father's name"))
    fathers_known = any(sought_fathers) and any(member_fathers)
    # A father's name missing on one record: the given name (and what else agrees) must carry it.
    score = 0.45 * _weighed(given) + (0.35 * _weighed(fathers) if fathers_known else 0.25 * _weighed(given))
    if any((sought.family_name, sought.family_name_local)) and any((member.family_name, member.family_name_local)):
        family = _similarity(sought.family_name, sought.family_name_local, member.family_name, member.family_name_local)
        if family >= 0.9:
            score += 0.1 * family
            if family >= ACROSS_SCRIPTS:
                reasons.append(_("same family name"))
        elif family < SIMILAR:
            score -= 0.15
            reasons.append(_("another family name"))
    elif fathers_known:
        score += 0.05  # an unknown family name neither helps nor hurts much
    sought_age, member_age = sought.age(today), member.age_on(today)
    if sought_age is not None and member_age is not None:
        apart = abs(sought_age - member_age)
        if apart == 0:
            score += 0.1
            reasons.append(_("same age"))
        elif apart <= 3:
            score += 0.07
            reasons.append(_years_apart(get_language(), apart))
        elif apart > 6:
            score -= 0.25 if apart <= 10 else 0.5
            reasons.append(_years_apart(get_language(), apart))
    if sought.sex and member.sex and sought.sex != member.sex:
        score -= 0.4
        reasons.append(_("other sex"))
    documents = member.documents.all()
    held = {document.number_normal for document in documents}
    if held & numbers:
        score = max(score, 0.95)
        reasons.insert(0, _("same document number"))
    else:
        # A card of the same kind with another number (not a VRF: a new one comes with each return).
        kinds = {_document_kind(number) for number in numbers}
        cards = {_document_kind(document.number_normal) for document in documents if document.document_type_id != "vrf"}
        if {kind for kind in kinds & cards if kind[0] != "VRF"}:
            score -= ANOTHER_CARD
            reasons.append(_("another card number"))
    return Candidate(member=member, score=round(max(0.0, min(score, 1.0)), 3), reasons=reasons)


_RECORD_FIELDS = (
    "pk",
    "household_id",
    "given_name",
    "fathers_name",
    "family_name",
    "given_name_local",
    "fathers_name_local",
    "family_name_local",
    "sex",
    "date_of_birth",
    "estimated_age",
)


@dataclass(frozen=True)
class _Document:
    number_normal: str
    document_type_id: str


class _Documents(tuple):
    def all(self) -> "_Documents":
        return self


@dataclass(frozen=True)
class _Record:
    """What scoring reads of a registered person (``_score`` takes a Member or this)."""

    pk: int
    household_id: int
    given_name: str
    fathers_name: str
    family_name: str
    given_name_local: str
    fathers_name_local: str
    family_name_local: str
    sex: str
    date_of_birth: datetime.date | None
    estimated_age: int | None
    documents: _Documents

    @classmethod
    def of(cls, row: tuple) -> "_Record":
        *fields, numbers, kinds = row
        return cls(*fields, documents=_Documents(map(_Document, numbers, kinds)))

    def age_on(self, day: datetime.date) -> int | None:
        return age_on(day, date_of_birth=self.date_of_birth, estimated_age=self.estimated_age)


# What ``records_read`` reads of each person: ``_RECORD_FIELDS`` as columns, then their documents'
# numbers and types, and the personal numbers among them (not a VRF, not blank). In SQL written here:
# the batch search reads millions of people this way, and the ORM's building of the same query cost
# more than running it.
_RECORDS = """
    SELECT {columns},
        COALESCE(array_agg(d.number_normal ORDER BY d.id) FILTER (WHERE d.id IS NOT NULL), '{{}}'),
        COALESCE(array_agg(d.document_type_id ORDER BY d.id) FILTER (WHERE d.id IS NOT NULL), '{{}}'),
        COALESCE(array_agg(d.number_normal) FILTER (
            WHERE d.id IS NOT NULL AND d.number_normal <> '' AND t.routing_class <> 'repatriation_form'
        ), '{{}}')
    FROM returns_member m
    LEFT JOIN returns_memberdocument d ON d.member_id = m.id
    LEFT JOIN returns_documenttype t ON t.code = d.document_type_id
    WHERE m.id = ANY(%s)
    GROUP BY m.id"""


def records_read(ids) -> dict[int, tuple[_Record, frozenset[str]]]:
    """The people ``ids`` as scoring reads them, in one query, each with their personal document
    numbers (not a VRF, which a family shares and a new return renews)."""
    columns = ", ".join(f"m.{'id' if name == 'pk' else name}" for name in _RECORD_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(_RECORDS.format(columns=columns), [sorted(ids)])
        rows = cursor.fetchall()
    return {row[0]: (_Record.of(row[:-1]), frozenset(row[-1])) for row in rows}


def record_pair_score(one: _Record, one_numbers: frozenset[str], other: _Record, *, today: datetime.date) -> Candidate:
    """``pair_score`` for two people read by ``records_read`` (the batch search scores millions)."""
    return _score(_sought_from(one), other, numbers=set(one_numbers), today=today)


def _sought_from(one) -> PersonSought:
    return PersonSought(
        given_name=one.given_name,
        fathers_name=one.fathers_name,
        family_name=one.family_name,
        given_name_local=one.given_name_local,
        fathers_name_local=one.fathers_name_local,
        family_name_local=one.family_name_local,
        sex=one.sex,
        date_of_birth=one.date_of_birth,
        estimated_age=one.estimated_age,
    )


# The columns a block of people is keyed on, and the index that holds them with the ages
# (``member_given_fathers_age``, ``member_given_family_age``).
_BLOCK_COLUMNS = {"fathers": "fathers_key", "family": "family_key"}

# One block's people on one side of the age sought, nearest first, read in the index's order (a
# common given and father's name holds thousands of namesakes: only the nearest are read). ``{key}``
# is a column of ``_BLOCK_COLUMNS``; ``{side}`` one of the three ``_SIDES``.
_BLOCK_SIDE = """
    (SELECT m.id AS pk, {apart} AS apart
     FROM returns_member m
     WHERE m.given_key = %(first)s AND m.{key} = %(second)s AND {side}
       AND m.anonymised_at IS NULL AND NOT EXISTS ({withdrawn})
     ORDER BY {order} LIMIT %(limit)s)"""
# Left out: the people of withdrawn households, looked up in the small index of those households
# (``household_withdrawn``) rather than in each household's row.
_WITHDRAWN = "SELECT 1 FROM returns_household h WHERE h.id = m.household_id AND h.withdrawn_at IS NOT NULL"
_SIDES = (
    # (apart, side, order): ages estimated at or above the age sought, then below it; then the people
    # with a date of birth and no estimate (fewer: sorted by how far apart, not read in order).
    ("m.estimated_age - %(age)s", "m.estimated_age BETWEEN %(age)s AND %(high)s", "m.estimated_age"),
    ("%(age)s - m.estimated_age", "m.estimated_age BETWEEN %(low)s AND %(age)s - 1", "m.estimated_age DESC"),
    (
        "abs(%(year)s - EXTRACT(YEAR FROM m.date_of_birth)::int - %(age)s)",
        "m.estimated_age IS NULL AND m.date_of_birth BETWEEN %(born_first)s AND %(born_last)s",
        "apart",
    ),
)
# The holders of the person's document numbers within the age window.
_HOLDERS = """
    (SELECT m.id AS pk
     FROM returns_member m
     WHERE m.id IN (SELECT member_id FROM returns_memberdocument WHERE number_normal = ANY(%(numbers)s))
       AND m.anonymised_at IS NULL AND NOT EXISTS ({withdrawn})
       AND (m.estimated_age BETWEEN %(low)s AND %(high)s
            OR (m.estimated_age IS NULL AND m.date_of_birth BETWEEN %(born_first)s AND %(born_last)s))
     LIMIT %(limit)s)"""


def _blocks(*, given_key, fathers_key, family_key) -> list[tuple[str, str, str]]:
    """The person's blocks by name, as (column of ``_BLOCK_COLUMNS``, given name key, its key): the
    given and father's names, and the same two the other way round (typed in swapped fields)."""
    if given_key and fathers_key:
        return [("fathers", given_key, fathers_key), ("fathers", fathers_key, given_key)]
    if given_key and family_key:
        # Looked for without a father's name (registration always has one): the given and family name.
        return [("family", given_key, family_key)]
    return []


def _nearest_in_age(*, given_key, fathers_key, family_key, numbers, age: int, today: datetime.date) -> set[int]:
    """The ids of the people in the person's blocks, each block read up to ``BLOCK_LIMIT`` people
    nearest in age (within ``AGE_WINDOW`` years), in one query.

    Each block is read from its index in age order on both sides of the age sought, so a block of
    thousands of namesakes costs what a small one does; the block keeps the nearest of what its sides
    read."""
    blocks = _blocks(given_key=given_key, fathers_key=fathers_key, family_key=family_key)
    low, high = max(0, age - AGE_WINDOW), age + AGE_WINDOW
    parameters = {
        "age": age,
        "low": low,
        "high": high,
        "year": today.year,
        "limit": BLOCK_LIMIT,
        "born_first": datetime.date(today.year - high - 1, 1, 1),
        "born_last": datetime.date(today.year - low, 12, 31),
        "numbers": sorted(numbers),
    }
    parts = []
    for index, (column, first, second) in enumerate(blocks):
        parameters[f"first_{index}"], parameters[f"second_{index}"] = first, second
        sides = (
            " UNION ALL ".join(
                _BLOCK_SIDE.format(
                    apart=apart, side=side, order=order, key=_BLOCK_COLUMNS[column], withdrawn=_WITHDRAWN
                )
                for apart, side, order in _SIDES
            )
            .replace("%(first)s", f"%(first_{index})s")
            .replace("%(second)s", f"%(second_{index})s")
        )
        # Written from this module's constants alone (columns, sides); every value is a parameter.
        parts.append(f"(SELECT pk FROM ({sides}) AS sides ORDER BY apart LIMIT %(limit)s)")  # noqa: S608
    if numbers:
        parts.append(_HOLDERS.format(withdrawn=_WITHDRAWN))
    if not parts:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), parameters)
        return {pk for (pk,) in cursor.fetchall()}


def _any_age(*, given_key, fathers_key, family_key, numbers) -> set[int]:
    """The ids of the people in the person's blocks, each read up to ``BLOCK_LIMIT``, when the person's
    age is not known."""
    people = Member.objects.filter(household__withdrawn_at__isnull=True, anonymised_at__isnull=True).order_by()
    blocks = [
        people.filter(given_key=first, **{_BLOCK_COLUMNS[column]: second})
        for column, first, second in _blocks(given_key=given_key, fathers_key=fathers_key, family_key=family_key)
    ]
    if numbers:
        blocks.append(
            people.filter(pk__in=MemberDocument.objects.filter(number_normal__in=numbers).values("member_id"))
        )
    if not blocks:
        return set()
    blocks = [block.values_list("pk", flat=True)[:BLOCK_LIMIT] for block in blocks]
    return set(blocks[0].union(*blocks[1:]).order_by() if len(blocks) > 1 else blocks[0])


def person_candidates(sought: PersonSought, *, user, limit: int = 10) -> list[Candidate]:
    """The people of the registry (both agencies, withdrawn households left out) who may be
    ``sought``, best first, each with its score and reasons, and whether ``user`` may see them."""
    today = timezone.localdate()
    given_key = name_key(sought.given_name) or name_key(sought.given_name_local)
    fathers_key = name_key(sought.fathers_name) or name_key(sought.fathers_name_local)
    numbers = {number for number in map(document_number_normal, sought.document_numbers) if number}
    family_key = name_key(sought.family_name) or name_key(sought.family_name_local)
    sought_age = sought.age(today)
    if sought_age is not None:
        ids = _nearest_in_age(
            given_key=given_key,
            fathers_key=fathers_key,
            family_key=family_key,
            numbers=numbers,
            age=sought_age,
            today=today,
        )
    else:
        ids = _any_age(given_key=given_key, fathers_key=fathers_key, family_key=family_key, numbers=numbers)
    if not ids:
        return []
    # Scored from their fields alone (no model built for each of hundreds of namesakes); only the
    # candidates kept are read as records.
    scored = [_score(sought, record, numbers=numbers, today=today) for record, _personal in records_read(ids).values()]
    candidates = sorted(
        (candidate for candidate in scored if candidate.score >= CANDIDATE_THRESHOLD),
        key=lambda candidate: (-candidate.score, -candidate.member.household_id),
    )[:limit]
    if not candidates:
        return []
    # The candidates kept, as records, each with whether the user may see their household (the gate).
    kept = (
        Member.objects.select_related("household__routed_agency")
        .annotate(visible=Exists(Household.objects.visible_to(user).filter(pk=OuterRef("household_id"))))
        .in_bulk([candidate.member.pk for candidate in candidates])
    )
    for candidate in candidates:
        candidate.member = kept[candidate.member.pk]
        candidate.visible = candidate.member.visible
    return candidates


def pair_score(one: Member, other: Member, *, today: datetime.date) -> Candidate:
    """Two registered people scored as at registration: ``other`` as a candidate for ``one`` typed
    again, with ``one``'s personal document numbers (not a VRF, which a family shares). Both people's
    documents should be prefetched, with their types."""
    numbers = {
        document.number_normal
        for document in one.documents.all()
        if document.number_normal and document.document_type.routing_class != "repatriation_form"
    }
    return _score(_sought_from(one), other, numbers=numbers, today=today)

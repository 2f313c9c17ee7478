"""What a registration is, and what makes one valid.

The registration page, the API and the bulk import all build a ``HouseholdRegistration`` and hand
it to ``returns.services.households.household_register``, which checks it here. Errors are keyed by a path
(``arrival_date``, ``members.1.date_of_birth``, ``members.0.documents.0.expiry_date``) so each
entry point can show every message beside the field it concerns.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core import signing
from django.utils.translation import gettext as _

from agencies.calendars import date_numeric
from agencies.problems import Problem, Refused
from returns.ages import age_on
from returns.models import Member, MemberDocument
from returns.reference import ReferenceData
from returns.text import codepoint, has_letter, name_hidden_characters

MAX_AGE = 120
MAX_MEMBERS = 60
# One person carries a few papers and has a few needs; more is a data error (or an attack on the page).
MAX_DOCUMENTS_PER_MEMBER = 10
MAX_NEEDS_PER_MEMBER = 20
# The registry's history starts with the voluntary repatriation of 2002; nothing arrived before.
EARLIEST_ARRIVAL = datetime.date(2002, 1, 1)
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# Cards and passports printed with an expiry outside these years are misread dates.
EXPIRY_WINDOW = (datetime.date(1950, 1, 1), datetime.date(2100, 12, 31))
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 ]{6,18}")
NAME_FIELDS = (
    "given_name",
    "fathers_name",
    "family_name",
    "given_name_local",
    "fathers_name_local",
    "family_name_local",
)
NAME_MAX_LENGTHS = {name_field: Member._meta.get_field(name_field).max_length for name_field in NAME_FIELDS}
LATIN_LETTER = re.compile(r"[A-Za-z]")
NUMBERED_CLASSES = {"refugee_card", "repatriation_form", "citizen_card"}

# Read once: ``Choices.values`` builds a new list on every call.
SEXES = frozenset(Member.Sex.values)
RELATIONSHIPS = frozenset(Member.Relationship.values)


@dataclass
class DocumentRegistration:
    document_type: str
    issuing_country: str
    number: str = ""
    expiry_date: datetime.date | None = None
    expired_confirmed: bool = False


@dataclass
class MemberRegistration:
    given_name: str
    fathers_name: str
    sex: str
    relationship: str
    family_name: str = ""
    given_name_local: str = ""
    fathers_name_local: str = ""
    family_name_local: str = ""
    date_of_birth: datetime.date | None = None
    estimated_age: int | None = None
    documents: list[DocumentRegistration] = field(default_factory=list)
    specific_needs: list[str] = field(default_factory=list)
    # The officer's decision on the likely matches shown while typing (``candidate_ref``): this is the
    # person of ``same_person_as``, or a new person (``new_person``) after seeing ``candidates_seen``.
    # Neither: no matches were looked at (the page without JavaScript, an import).
    same_person_as: str = ""
    new_person: bool = False
    candidates_seen: list[str] = field(default_factory=list)

    def age_on(self, day: datetime.date) -> int | None:
        return age_on(day, date_of_birth=self.date_of_birth, estimated_age=self.estimated_age)


@dataclass
class HouseholdRegistration:
    arrival_date: datetime.date
    office: str
    country_of_departure: str
    return_type: str
    destination_province: str
    destination_district: str = ""
    phone: str = ""
    members: list[MemberRegistration] = field(default_factory=list)


# The registration's refusals are the project's common kind (see agencies.problems).
RegistrationProblem = Problem


class RegistrationInvalid(Refused):
    """Raised with every problem found, keyed by field path; nothing has been saved."""


class _Problems(dict):
    def add(self, path: str, code: str, message: str) -> None:
        self.setdefault(path, []).append(RegistrationProblem(code, message))


def registration_problems(
    registration: HouseholdRegistration, *, reference: ReferenceData, today: datetime.date
) -> dict[str, list[RegistrationProblem]]:
    """Every problem with the registration, in words a field officer can act on."""
    problems = _Problems()
    arrival = registration.arrival_date
    if arrival > today:
        problems.add(
            "arrival_date",
            "arrival_in_future",
            _("The arrival date %(arrival)s is in the future. Enter the day the household crossed.")
            % {"arrival": date_numeric(arrival)},
        )
    elif arrival < EARLIEST_ARRIVAL:
        problems.add(
            "arrival_date",
            "arrival_too_early",
            _(
                "The arrival date %(arrival)s is before %(earliest)s, when the registry's history starts. "
                "Check the year of the arrival date."
            )
            % {"arrival": date_numeric(arrival), "earliest": date_numeric(EARLIEST_ARRIVAL)},
        )
    if registration.office not in reference.offices:
        problems.add("office", "unknown_office", _("Choose the crossing point or office where you are registering."))
    if registration.country_of_departure not in reference.countries:
        problems.add(
            "country_of_departure",
            "unknown_country",
            _("Choose the country the household left (for example Iran or Pakistan)."),
        )
    return_type = reference.return_types.get(registration.return_type)
    if return_type is None:
        problems.add("return_type", "unknown_return_type", _("Choose how the household returned."))
    elif return_type.is_forced and _vrf_holders(registration, reference):
        # A VRF means a voluntary return: a "deported" family with one is a data error, not a protection case.
        problems.add(
            "return_type",
            "deported_with_vrf",
            _(
                "%(names)s hold a VRF, which is only issued for voluntary repatriation, but the return is "
                "recorded as %(type)s. Correct the return type (voluntary repatriation) or remove the VRF."
            )
            % {"names": ", ".join(_vrf_holders(registration, reference)), "type": return_type.name},
        )
    if EARLIEST_ARRIVAL <= arrival <= today and reference.policy_on(arrival) is None:
        problems.add(
            "arrival_date",
            "no_policy_on_date",
            _("No routing policy covers arrivals on %(arrival)s. Check the year of the arrival date.")
            % {"arrival": date_numeric(arrival)},
        )
    province = reference.provinces.get(registration.destination_province)
    if not registration.destination_province.strip():
        problems.add("destination_province", "required", _("Choose the province the household is going to."))
    elif province is None:
        problems.add(
            "destination_province",
            "unknown_province",
            _("Unknown province “%(code)s”. Choose one of the 34 provinces.")
            % {"code": registration.destination_province},
        )
    if registration.destination_district:
        district = reference.districts.get(registration.destination_district)
        if district is None:
            problems.add(
                "destination_district",
                "unknown_district",
                _("Unknown district. Choose a district from the list or leave it empty."),
            )
        elif province is not None and district.province_id != province.pcode:
            problems.add(
                "destination_district",
                "district_outside_province",
                _("%(district)s is not in %(province)s. Choose a district of the destination province.")
                % {"district": district.name, "province": province.name},
            )
    if registration.phone.strip() and not PHONE_PATTERN.fullmatch(registration.phone.strip()):
        problems.add(
            "phone", "invalid_phone", _("Enter the phone number with digits only, for example +93 70 123 4567.")
        )

    members = registration.members
    if not members:
        problems.add("members", "no_members", _("Add at least one member: the head of household."))
    elif len(members) > MAX_MEMBERS:
        problems.add(
            "members", "too_many_members", _("A household has at most %(max)d members.") % {"max": MAX_MEMBERS}
        )
    heads = [index for index, member in enumerate(members) if member.relationship == "head"]
    if members and not heads:
        problems.add("members", "no_head", _("Mark one member as the head of household."))
    elif len(heads) > 1:
        problems.add(
            "members",
            "several_heads",
            _("Only one member can be the head of household; rows %(rows)s are all marked as head.")
            % {"rows": ", ".join(str(index + 1) for index in heads)},
        )
    # Past the limit the household is one problem, not a page of them per member sent.
    for index, member in enumerate(members[: MAX_MEMBERS + 1]):
        _member_problems(problems, f"members.{index}", member, arrival=arrival, today=today, reference=reference)
    return dict(problems)


def _vrf_holders(registration: HouseholdRegistration, reference: ReferenceData) -> list[str]:
    """The names of members who carry a VRF."""
    return [
        member.given_name.strip() or "?"
        for member in registration.members
        if any(
            getattr(reference.document_types.get(document.document_type), "routing_class", None) == "repatriation_form"
            for document in member.documents
        )
    ]


def _member_problems(problems: _Problems, path: str, member: MemberRegistration, *, arrival, today, reference) -> None:
    if not member.given_name.strip():
        problems.add(f"{path}.given_name", "required", _("Enter the given name."))
    if not member.fathers_name.strip():
        problems.add(f"{path}.fathers_name", "required", _("Enter the father's name."))
    for name_field in NAME_FIELDS:
        name = getattr(member, name_field).strip()
        if name:  # required names are reported above; the others may be empty
            _name_problems(problems, f"{path}.{name_field}", name, name_field=name_field)
    if member.sex not in SEXES:
        problems.add(f"{path}.sex", "invalid_choice", _("Choose female or male."))
    if member.relationship not in RELATIONSHIPS:
        problems.add(f"{path}.relationship", "invalid_choice", _("Choose the relationship to the head of household."))

    if member.date_of_birth is None and member.estimated_age is None:
        problems.add(f"{path}.date_of_birth", "birth_or_age_required", _("Enter a date of birth or an estimated age."))
    if member.date_of_birth is not None:
        if member.date_of_birth > today:
            problems.add(
                f"{path}.date_of_birth",
                "birth_in_future",
                _("The date of birth %(birth)s is in the future. Check the day, month and year.")
                % {"birth": date_numeric(member.date_of_birth)},
            )
        elif member.date_of_birth > arrival:
            problems.add(
                f"{path}.date_of_birth",
                "born_after_arrival",
                _("The date of birth %(birth)s is after the arrival date %(arrival)s.")
                % {"birth": date_numeric(member.date_of_birth), "arrival": date_numeric(arrival)},
            )
        elif (member.age_on(arrival) or 0) > MAX_AGE:
            problems.add(
                f"{path}.date_of_birth",
                "age_over_limit",
                _("This date of birth makes the person older than %(max)d. Check the year.") % {"max": MAX_AGE},
            )
        elif member.date_of_birth < EARLIEST_BIRTH:
            problems.add(
                f"{path}.date_of_birth",
                "birth_too_early",
                _("The date of birth %(birth)s is before %(earliest)s. Check the year.")
                % {"birth": date_numeric(member.date_of_birth), "earliest": date_numeric(EARLIEST_BIRTH)},
            )
    if member.estimated_age is not None and not 0 <= member.estimated_age <= MAX_AGE:
        problems.add(
            f"{path}.estimated_age", "age_over_limit", _("Enter an age between 0 and %(max)d years.") % {"max": MAX_AGE}
        )

    if len(member.specific_needs) > MAX_NEEDS_PER_MEMBER:
        problems.add(
            f"{path}.specific_needs",
            "too_many_needs",
            _("A person has at most %(max)d specific needs; %(count)d were given. Keep the ones that apply.")
            % {"max": MAX_NEEDS_PER_MEMBER, "count": len(member.specific_needs)},
        )
    else:
        for code in member.specific_needs:
            if code not in reference.specific_needs:
                problems.add(
                    f"{path}.specific_needs",
                    "unknown_need",
                    _("Unknown specific-needs code “%(code)s”.") % {"code": code},
                )
    if len(member.documents) > MAX_DOCUMENTS_PER_MEMBER:
        problems.add(
            f"{path}.documents",
            "too_many_documents",
            _("A person has at most %(max)d documents; %(count)d were given. Record the ones the person carries.")
            % {"max": MAX_DOCUMENTS_PER_MEMBER, "count": len(member.documents)},
        )
        return
    for doc_index, document in enumerate(member.documents):
        _document_problems(problems, f"{path}.documents.{doc_index}", document, arrival=arrival, reference=reference)


def _name_problems(problems: _Problems, path: str, name: str, *, name_field: str) -> None:
    """A name is letters a person can read: no invisible or reordering characters, at least one letter."""
    if not name:
        return  # required names are reported above; the others may be empty
    hidden = name_hidden_characters(name)
    max_length = NAME_MAX_LENGTHS[name_field]
    if hidden:
        problems.add(
            path,
            "hidden_characters",
            _(
                "This name contains characters that do not print (%(characters)s), such as direction marks or "
                "zero-width spaces, often pasted from another program. Type the name again."
            )
            % {"characters": ", ".join(codepoint(character) for character in hidden)},
        )
    elif not has_letter(name):
        problems.add(path, "no_letter", _("A name has at least one letter. Type the name as the person says it."))
    elif name_field.endswith("_local") and LATIN_LETTER.search(name):
        problems.add(path, "not_local_script", _("Write this name in Dari or Pashto script."))
    if len(name) > max_length:
        problems.add(
            path,
            "too_long",
            _("A name has at most %(max)d characters; this one has %(count)d.")
            % {"max": max_length, "count": len(name)},
        )


def _document_problems(problems: _Problems, path: str, document: DocumentRegistration, *, arrival, reference) -> None:
    number = document.number.strip()
    hidden = name_hidden_characters(number)
    if hidden:
        problems.add(
            f"{path}.number",
            "hidden_characters",
            _(
                "This number contains characters that do not print (%(characters)s). "
                "Type the number as it is printed on the document."
            )
            % {"characters": ", ".join(codepoint(character) for character in hidden)},
        )
    max_length = MemberDocument._meta.get_field("number").max_length
    if len(number) > max_length:
        problems.add(
            f"{path}.number",
            "too_long",
            _("A document number has at most %(max)d characters.") % {"max": max_length},
        )
    if document.expiry_date is not None and not EXPIRY_WINDOW[0] <= document.expiry_date <= EXPIRY_WINDOW[1]:
        problems.add(
            f"{path}.expiry_date",
            "expiry_out_of_range",
            _(
                "The expiry date %(expiry)s is not between %(first)s and %(last)s. "
                "Check the year printed on the document."
            )
            % {
                "expiry": date_numeric(document.expiry_date),
                "first": EXPIRY_WINDOW[0].year,
                "last": EXPIRY_WINDOW[1].year,
            },
        )
    document_type = reference.document_types.get(document.document_type)
    if document_type is None:
        problems.add(f"{path}.document_type", "unknown_document_type", _("Choose the type of document."))
    if document.issuing_country not in reference.countries:
        problems.add(f"{path}.issuing_country", "unknown_country", _("Choose the country that issued the document."))
    if document_type is None:
        return
    if document_type.routing_class in NUMBERED_CLASSES and not document.number.strip():
        problems.add(
            f"{path}.number",
            "number_required",
            _("Enter the number printed on the %(type)s.") % {"type": document_type.name},
        )
    if (
        document_type.routing_class == "refugee_card"
        and document.expiry_date is not None
        and document.expiry_date < arrival
        and not document.expired_confirmed
        and not reference.card_validity(document_type.code, document.expiry_date, arrival)[0]
    ):
        # Printed to expire before the arrival, and no decree kept it valid on that day.
        problems.add(
            f"{path}.expiry_date",
            "refugee_card_expired",
            _(
                "This %(type)s expired on %(expiry)s and no decision extended it to the arrival on %(arrival)s. "
                "Check the date on the card; if it is right, confirm the card is expired: the household is routed "
                "as a card holder outside voluntary repatriation, flagged for UNHCR verification."
            )
            % {
                "type": document_type.name,
                "expiry": date_numeric(document.expiry_date),
                "arrival": date_numeric(arrival),
            },
        )


# ---------------------------------------------------------------------------------------------
# The officer's decision on the likely matches: each candidate shown is named by a signed reference,
# so a person of another agency can be linked without their record (or its public id) being shown.
# Signed, not encrypted: it carries the person's internal row number, which no page or endpoint accepts.
# ---------------------------------------------------------------------------------------------

CANDIDATE_REF_SALT = "returns.registration.candidate"
# Long enough for a registration at a busy crossing; a reference older than this is looked up again.
CANDIDATE_REF_MAX_AGE = datetime.timedelta(hours=4)
# The candidates shown for one person (``returns.matching.person_candidates``' limit).
MAX_CANDIDATES_SEEN = 10


@dataclass(frozen=True)
class CandidateRef:
    member_id: int
    score: Decimal


def candidate_ref(*, member_id: int, score: float, user) -> str:
    """The reference to a candidate shown to ``user``, valid for them only, for ``CANDIDATE_REF_MAX_AGE``."""
    return signing.dumps({"m": member_id, "u": user.pk, "s": f"{score:.3f}"}, salt=CANDIDATE_REF_SALT)


def candidate_ref_read(ref: str, *, user) -> CandidateRef | RegistrationProblem:
    """The candidate a reference names, or the problem with it in words an officer can act on."""
    try:
        payload = signing.loads(ref, salt=CANDIDATE_REF_SALT, max_age=CANDIDATE_REF_MAX_AGE)
    except signing.SignatureExpired:
        return RegistrationProblem(
            "match_expired",
            _("The possible matches for this person were shown more than %(hours)d hours ago. Look at them again.")
            % {"hours": int(CANDIDATE_REF_MAX_AGE.total_seconds() // 3600)},
        )
    except signing.BadSignature:
        return RegistrationProblem("match_unknown", _("The possible match chosen is not one shown. Look again."))
    if payload.get("u") != user.pk:
        return RegistrationProblem("match_unknown", _("The possible match chosen is not one shown. Look again."))
    return CandidateRef(member_id=payload["m"], score=Decimal(payload["s"]))


def identity_decisions(
    registration: HouseholdRegistration, *, user
) -> tuple[dict[int, CandidateRef], dict[int, list[CandidateRef]], dict[str, list[RegistrationProblem]]]:
    """Each member's decision: (links by member index, new people by member index with the candidates
    they were shown, problems keyed by field path)."""
    problems = _Problems()
    links: dict[int, CandidateRef] = {}
    new_people: dict[int, list[CandidateRef]] = {}
    for index, member in enumerate(registration.members[:MAX_MEMBERS]):
        path = f"members.{index}"
        if member.same_person_as and member.new_person:
            problems.add(
                f"{path}.same_person_as",
                "link_or_new",
                _("Choose either the person already registered or a new person, not both."),
            )
            continue
        if member.same_person_as:
            read = candidate_ref_read(member.same_person_as, user=user)
            if isinstance(read, RegistrationProblem):
                problems.setdefault(f"{path}.same_person_as", []).append(read)
            elif read.member_id in {link.member_id for link in links.values()}:
                problems.add(
                    f"{path}.same_person_as",
                    "linked_twice",
                    _("Another member above is already this person. Choose a new person, or the right match."),
                )
            else:
                links[index] = read
        elif member.new_person:
            seen = [candidate_ref_read(ref, user=user) for ref in member.candidates_seen[:MAX_CANDIDATES_SEEN]]
            refused = [read for read in seen if isinstance(read, RegistrationProblem)]
            if refused:
                problems.setdefault(f"{path}.same_person_as", []).append(refused[0])
            else:
                new_people[index] = seen
    return links, new_people, dict(problems)

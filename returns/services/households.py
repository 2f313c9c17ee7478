"""Every change to the registry goes through one of these functions; who may make it is ``returns.policy``'s answer."""

from collections.abc import Callable
from decimal import Decimal
from functools import cache

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.bulk import CopyStream, InsertBatch, unsaved
from agencies.models import Agency, User
from agencies.prepared import PreparedQuery
from returns import policy
from returns.identity import people_confirmed_new, person_link
from returns.matching import PersonSought, person_candidates
from returns.models import (
    Assistance,
    Case,
    Category,
    DeletedRecord,
    Family,
    Household,
    HouseholdEvent,
    Member,
    MemberDocument,
    MonitoringInterview,
)
from returns.names import document_number_normal, phone_digits
from returns.reference import reference_data
from returns.registration import (
    HouseholdRegistration,
    RegistrationInvalid,
    RegistrationProblem,
    identity_decisions,
    registration_problems,
)
from returns.routing import routing_decide
from returns.services.cases import case_close_for_reroute, case_close_for_withdrawal, case_open, cases_open_registered
from returns.services.follow_ups import follow_ups_open, follow_ups_open_registered
from returns.text import note_characters_problem

REGISTRATION_NUMBER_SEQUENCE = "returns_household_number_seq"
# From this many households registered at once (an import's), their rows are written with COPY.
COPY_FROM = 50


def household_register(*, registered_by: User, registration: HouseholdRegistration) -> Household:
    """Validate, route and save an arriving household with its members, documents and needs.

    Raises ``RegistrationInvalid`` with every problem found (nothing is saved), or
    ``PermissionDenied`` when the user may not register households.
    """
    [household] = households_register(registered_by=registered_by, registrations=[registration])
    return household


def households_register(*, registered_by: User, registrations: list[HouseholdRegistration]) -> list[Household]:
    """Validate, route and save arriving households (one, from the page or the API; many, from an import),
    all or none, in one transaction and a number of queries that does not grow with their number.

    Every household is checked (its problems, its members' identity decisions, its documents against
    the registry and each other) before anything is written. Raises ``RegistrationInvalid`` for the
    first refused, with every problem found in it and its ``position`` in ``registrations`` (nothing
    is saved), or ``PermissionDenied`` when the user may not register households.
    """
    policy.require_register(registered_by)
    reference = reference_data()
    today = timezone.localdate()
    identities = []
    for position, registration in enumerate(registrations):
        problems = registration_problems(registration, reference=reference, today=today)
        links, new_people, identity_problems = identity_decisions(registration, user=registered_by)
        if problems or identity_problems:
            raise _refused_at(position, {**problems, **identity_problems})
        identities.append((links, new_people))
    decisions = [routing_decide(registration, reference=reference) for registration in registrations]
    vrf_numbers = [_vrf_family_number(registration, reference) for registration in registrations]
    many = len(registrations) >= COPY_FROM
    if not many:
        for position, problems in enumerate(
            documents_registered(registrations, reference=reference, user=registered_by)
        ):
            if problems:
                raise _refused_at(position, problems)
    linked = []
    for position, (links, _new_people) in enumerate(identities):
        try:
            linked.append(_people_linked(links))
        except RegistrationInvalid as invalid:
            raise _refused_at(position, invalid.problems) from invalid

    with transaction.atomic():
        # One registration's rows go in one batch (two round trips, ``InsertBatch``); an import's are
        # COPYed on a thread of their own while the next table's rows are built (``CopyStream``). Either
        # way every row has its key once the block ends.
        with CopyStream() if many else InsertBatch() as batch:
            if many:
                # The registry asked after the rows the stream is writing (an import's chunk before),
                # without waiting for them; the answer is read once these rows are sent, and a
                # household refused then undoes them all (this ``atomic``).
                registered_later = documents_registered_later(
                    registrations, reference=reference, user=registered_by, stream=batch
                )
                serials = batch.sequence_values(REGISTRATION_NUMBER_SEQUENCE, len(registrations))
            else:
                serials = _registration_serials(len(registrations))
            families = _families_for_vrfs({number for number in vrf_numbers if number})
            year = timezone.localdate().year
            households = batch.add(
                [
                    unsaved(
                        Household,
                        registration_number=(f"{reference.offices[registration.office].code}-{year}-{serial:06d}"),
                        arrival_date=registration.arrival_date,
                        office=reference.offices[registration.office],
                        country_of_departure_id=registration.country_of_departure,
                        return_type_id=registration.return_type,
                        destination_province_id=registration.destination_province,
                        destination_district_id=registration.destination_district or None,
                        phone=registration.phone.strip(),
                        phone_digits=phone_digits(registration.phone.strip()),
                        registered_by=registered_by,
                        routed_agency=decision.agency,
                        category=decision.category,
                        routing_rule=decision.rule,
                        routing_version=decision.version,
                        routing_reason=decision.reason,
                        routing_facts=decision.facts,
                        flags=decision.flags,
                        member_count=len(registration.members),
                        family=families[vrf_number] if vrf_number else None,
                    )
                    for registration, decision, vrf_number, serial in zip(
                        registrations, decisions, vrf_numbers, serials, strict=True
                    )
                ],
            )
            members = batch.add(
                [
                    unsaved(
                        Member,
                        household=household,
                        given_name=member.given_name.strip(),
                        fathers_name=member.fathers_name.strip(),
                        family_name=member.family_name.strip(),
                        given_name_local=member.given_name_local.strip(),
                        fathers_name_local=member.fathers_name_local.strip(),
                        family_name_local=member.family_name_local.strip(),
                        sex=member.sex,
                        date_of_birth=member.date_of_birth,
                        estimated_age=member.estimated_age,
                        relationship=member.relationship,
                    ).names_indexed()
                    for household, registration in zip(households, registrations, strict=True)
                    for member in registration.members
                ],
            )
            member_registrations = [member for registration in registrations for member in registration.members]
            documents = [
                unsaved(
                    MemberDocument,
                    member=member,
                    document_type_id=document.document_type,
                    number=document.number.strip(),
                    number_normal=document_number_normal(document.number),
                    issuing_country_id=document.issuing_country,
                    expiry_date=document.expiry_date,
                )
                for member, member_registration in zip(members, member_registrations, strict=True)
                for document in member_registration.documents
            ]
            batch.add(documents)
            needs_by_member = [
                [reference.specific_needs[code] for code in dict.fromkeys(member_registration.specific_needs)]
                for member_registration in member_registrations
            ]
            needs = [
                unsaved(Member.specific_needs.through, member=member, needcode=need)
                for member, member_needs in zip(members, needs_by_member, strict=True)
                for need in member_needs
            ]
            batch.add(needs)
            batch.add(
                [
                    unsaved(
                        HouseholdEvent,
                        household=household,
                        kind=HouseholdEvent.Kind.REGISTERED,
                        actor=registered_by,
                        to_agency=decision.agency,
                        note=decision.reason,
                    )
                    for household, decision in zip(households, decisions, strict=True)
                ],
            )
            cases = cases_open_registered(households=households, opened_by=registered_by, batch=batch)
            follow_ups_open_registered(households=households, cases=cases, made_by=registered_by, batch=batch)
            if many:
                for position, problems in enumerate(registered_later()):
                    if problems:
                        raise _refused_at(position, problems)
        members_by_household = _split(members, [len(registration.members) for registration in registrations])
        # The officer's decisions on the likely matches shown while typing (none searched here: fast).
        confirmed_new = []
        for household_members, (links, new_people), found in zip(members_by_household, identities, linked, strict=True):
            for index, ref in links.items():
                person_link(
                    member=household_members[index],
                    existing=found[ref.member_id],
                    linked_by=registered_by,
                    score=ref.score,
                )
            confirmed_new += [
                (household_members[index], [(ref.member_id, ref.score) for ref in seen])
                for index, seen in new_people.items()
            ]
        if confirmed_new:
            people_confirmed_new(confirmed=confirmed_new, confirmed_by=registered_by)
    if len(households) > 1:
        return households  # an import: nobody reads them back (one registration's page and API answer do)
    needs_by_household = _split(needs_by_member, [len(registration.members) for registration in registrations])
    documents_by_household = {}
    for document in documents:
        documents_by_household.setdefault(document.member.household_id, []).append(document)
    for household, household_members, household_needs in zip(
        households, members_by_household, needs_by_household, strict=True
    ):
        _attach_written_rows(
            household, household_members, documents_by_household.get(household.pk, []), household_needs
        )
    return households


def _refused_at(position: int, problems: dict) -> RegistrationInvalid:
    refused = RegistrationInvalid(problems)
    refused.position = position
    return refused


def _split(items: list, sizes: list[int]) -> list[list]:
    """``items`` cut into consecutive runs of these sizes."""
    runs, start = [], 0
    for size in sizes:
        runs.append(items[start : start + size])
        start += size
    return runs


def _registration_serials(count: int) -> list[int]:
    """The next ``count`` registration serials, in one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [REGISTRATION_NUMBER_SEQUENCE, count])
        return [serial for (serial,) in cursor.fetchall()]


def _people_linked(links: dict) -> dict[int, Member]:
    """The registered people the officer said members are, by id; refused when one has left the registry
    since it was shown (its household withdrawn), or when two members are two records of one person."""
    if not links:
        return {}
    found = Member.objects.filter(
        pk__in={ref.member_id for ref in links.values()}, household__withdrawn_at__isnull=True
    ).in_bulk()
    problems = {
        f"members.{index}.same_person_as": [
            RegistrationProblem(
                "match_withdrawn",
                _("The person chosen is no longer in the registry (withdrawn). Choose a new person or another match."),
            )
        ]
        for index, ref in links.items()
        if ref.member_id not in found
    }
    # Two records of one person (merged) chosen for two members: one person cannot be both.
    persons: dict[int, int] = {}
    for index, ref in sorted(links.items()):
        if (person := found.get(ref.member_id)) is None:
            continue
        if person.person_id in persons:
            problems[f"members.{index}.same_person_as"] = [
                RegistrationProblem(
                    "linked_twice",
                    _("Another member above is already this person. Choose a new person, or the right match."),
                )
            ]
        persons.setdefault(person.person_id, index)
    if problems:
        raise RegistrationInvalid(problems)
    return found


def matches_not_looked_at(registration: HouseholdRegistration, *, user: User) -> dict[str, list[RegistrationProblem]]:
    """The members of a household typed without a connection (sent later from the offline queue) who
    may already be registered, though nobody saw their likely matches: each member with no decision
    on matches (``same_person_as``, ``candidates_seen``) whose search finds someone, keyed by field path.

    The same person may have been registered meanwhile at another post. Such a household goes back to
    the officer to decide, like a household typed online: never merged silently, never lost.
    """
    problems = {}
    for index, member in enumerate(registration.members):
        if member.same_person_as or member.candidates_seen:
            continue
        sought = PersonSought(
            given_name=member.given_name,
            fathers_name=member.fathers_name,
            family_name=member.family_name,
            given_name_local=member.given_name_local,
            fathers_name_local=member.fathers_name_local,
            family_name_local=member.family_name_local,
            sex=member.sex,
            date_of_birth=member.date_of_birth,
            estimated_age=member.estimated_age,
            document_numbers=tuple(document.number for document in member.documents if document.number),
        )
        if found := len(person_candidates(sought, user=user)):
            problems[f"members.{index}.same_person_as"] = [
                RegistrationProblem(
                    "matches_not_seen",
                    ngettext(
                        "Possibly registered already, while this household waited to be sent: %(count)d likely "
                        "match. Choose the same person, or “A new person”, then save.",
                        "Possibly registered already, while this household waited to be sent: %(count)d likely "
                        "matches. Choose the same person, or “A new person”, then save.",
                        found,
                    )
                    % {"count": found},
                )
            ]
    return problems


def documents_already_registered(
    registration: HouseholdRegistration, *, reference, user: User
) -> dict[str, list[RegistrationProblem]]:
    """One registration's documents already registered (``documents_registered``)."""
    return documents_registered([registration], reference=reference, user=user)[0]


def documents_registered(
    registrations: list[HouseholdRegistration], *, reference, user: User, between_households: bool = True
) -> list[dict[str, list[RegistrationProblem]]]:
    """For each registration, a person's document (a card, a tazkira, a passport: not the family's VRF,
    which the parts of a family returning in parts share) whose number is already a registered
    person's, in either agency, or given twice (for two members, or in two of these households unless
    ``between_households`` is false: an import says that by its rows): the problems keyed by field
    path, in one query for all of them. The officer sees the other household's
    number only when they may see that household; otherwise which agency registered it, and when."""
    wanted, problems = _documents_wanted(registrations, reference=reference, between_households=between_households)
    if not wanted:
        return problems
    numbers = sorted({number for _type, number in wanted})
    if len(numbers) <= PREPARED_UP_TO:
        registered = REGISTERED_DOCUMENTS.fetchall([numbers])
    else:  # an import's thousands: planned for their number (a plan made for a few reads them 8 times slower)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_registered_documents_sql(many=True), [numbers])
            registered = cursor.fetchall()
    return _documents_found(wanted, problems, registered, user=user)


def documents_registered_later(
    registrations: list[HouseholdRegistration],
    *,
    reference,
    user: User,
    stream: CopyStream,
    between_households: bool = True,
) -> Callable[[], list[dict[str, list[RegistrationProblem]]]]:
    """``documents_registered`` asked of the registry after what ``stream`` sends before it, on its
    thread, while the caller goes on: returns the function that gives the answer (waiting for it)."""
    wanted, problems = _documents_wanted(registrations, reference=reference, between_households=between_households)
    if not wanted:
        return lambda: problems
    rows = stream.query(_registered_documents_sql(many=True), [sorted({number for _type, number in wanted})])
    return lambda: _documents_found(wanted, problems, rows(), user=user)


def _documents_wanted(
    registrations: list[HouseholdRegistration], *, reference, between_households: bool
) -> tuple[dict[tuple[str, str], list[tuple[int, str]]], list[dict[str, list[RegistrationProblem]]]]:
    """The documents to look for in the registry (type and number: where they are given), and the
    problems of numbers given twice."""
    wanted: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for position, registration in enumerate(registrations):
        for member_index, member in enumerate(registration.members):
            for document_index, document in enumerate(member.documents):
                number = document_number_normal(document.number)
                if number and reference.document_types[document.document_type].routing_class != "repatriation_form":
                    path = f"members.{member_index}.documents.{document_index}.number"
                    wanted.setdefault((document.document_type, number), []).append((position, path))
    problems: list[dict[str, list[RegistrationProblem]]] = [{} for _registration in registrations]
    for places in wanted.values():
        first_position = places[0][0]
        for position, path in places[1:]:
            if position != first_position and not between_households:
                continue
            message = (
                _("This number is already given for another member above.")
                if position == first_position
                else _("This number is already given in another household of this import.")
            )
            problems[position].setdefault(path, []).append(RegistrationProblem("document_repeated", message))
    return wanted, problems


def _documents_found(
    wanted: dict, problems: list[dict[str, list[RegistrationProblem]]], registered: list[tuple], *, user: User
) -> list[dict[str, list[RegistrationProblem]]]:
    """``problems`` with the documents found in the registry (``registered``: rows of
    ``_registered_documents_sql``), said as the user may see them."""
    found = {}
    for type_code, number, household_id, registration_number, agency_code, created_at in registered:
        found.setdefault((type_code, number), (household_id, registration_number, agency_code, created_at))
    if not found:
        return problems
    visible = set(
        Household.objects.visible_to(user)
        .filter(pk__in=[household_id for household_id, *_rest in found.values()])
        .values_list("pk", flat=True)
    )
    for key, (household_id, registration_number, agency_code, created_at) in found.items():
        if key not in wanted:
            continue
        if household_id in visible:
            message = _("This number is already registered for a person of household %(number)s.") % {
                "number": registration_number
            }
        else:
            message = _("This number is already registered for a person, by %(agency)s on %(day)s.") % {
                "agency": agency_code,
                "day": date_format(timezone.localtime(created_at).date(), "j F Y"),
            }
        position, path = wanted[key][0]
        problems[position].setdefault(path, []).append(RegistrationProblem("document_already_registered", message))
    return problems


@cache
def _registered_documents_sql(*, many: bool = False) -> str:
    """(type, number, household id, its registration number, its agency's code, when registered) of the
    documents of the households in the registry whose numbers are ``= ANY(%s)``, by household.

    Plain SQL built once: the ORM compiled this four-table query on every registration, for longer
    than PostgreSQL took to run it (an index lookup per number); and prepared (``REGISTERED_DOCUMENTS``).

    ``many`` (an import's thousands of numbers): each number looked up on its own (``LATERAL``, kept
    apart by ``OFFSET 0``), from the documents' index to its member and household. Given the numbers
    at once, a registry whose statistics lag behind what was just written (an import into a new
    registry, all in one transaction) was read from the members' side instead: every member read for
    every chunk, the import slowing down as it went (2.4 of 5.5 s for 20,000 rows)."""
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def column(model, name) -> str:
        return quote(model._meta.get_field(name).column)

    found = (
        f"SELECT d.{column(MemberDocument, 'document_type')}, d.{column(MemberDocument, 'number_normal')}, "  # noqa: S608 - names from the models
        f"h.{column(Household, 'id')}, h.{column(Household, 'registration_number')}, a.{column(Agency, 'code')}, "
        f"h.{column(Household, 'created_at')} "
        f"FROM {table(MemberDocument)} d "
        f"JOIN {table(Member)} m ON m.{column(Member, 'id')} = d.{column(MemberDocument, 'member')} "
        f"JOIN {table(Household)} h ON h.{column(Household, 'id')} = m.{column(Member, 'household')} "
        f"JOIN {table(Agency)} a ON a.{column(Agency, 'id')} = h.{column(Household, 'routed_agency')} "
        f"WHERE h.{column(Household, 'withdrawn_at')} IS NULL AND d.{column(MemberDocument, 'number_normal')} "
    )
    if many:
        # No JIT (for the transaction): a registry without statistics yet (a new one) makes the plan look
        # costly enough to compile, which took longer (0.3 s) than the lookups.
        return (
            "SELECT set_config('jit', 'off', true); "  # noqa: S608 - names from the models
            f"SELECT found.* FROM unnest(%s::text[]) AS wanted(number) "
            f"CROSS JOIN LATERAL ({found} = wanted.number OFFSET 0) AS found ORDER BY 3"
        )
    return f"{found} = ANY(%s) ORDER BY h.{column(Household, 'id')}"


# Planned once per connection (``agencies.prepared``): planning the join took longer than running it,
# for the few numbers of one registration. An import's thousands are planned each time.
REGISTERED_DOCUMENTS = PreparedQuery("returns_documents_registered", _registered_documents_sql)
PREPARED_UP_TO = 100


def _vrf_family_number(registration: HouseholdRegistration, reference) -> str:
    """The VRF number when the members carry one VRF: the parts of a family returning in parts share it."""
    numbers = {
        document.number.strip().upper()
        for member in registration.members
        for document in member.documents
        if reference.document_types[document.document_type].routing_class == "repatriation_form"
        and document.number.strip()
    }
    return numbers.pop() if len(numbers) == 1 else ""


def _families_for_vrfs(vrf_numbers: set[str]) -> dict[str, Family]:
    """The family of each VRF number, created by the first of its parts to arrive (safe when two arrive at once)."""
    if not vrf_numbers:
        return {}
    Family.objects.bulk_create([Family(vrf_number=number) for number in sorted(vrf_numbers)], ignore_conflicts=True)
    return {family.vrf_number: family for family in Family.objects.filter(vrf_number__in=vrf_numbers)}


def _attach_written_rows(household, members, documents, needs_by_member) -> None:
    """Hand back what was just written, as if prefetched, so callers need not read it again."""
    documents_by_member: dict[int, list] = {member.pk: [] for member in members}
    for document in documents:
        documents_by_member[document.member_id].append(document)
    for member, member_needs in zip(members, needs_by_member, strict=True):
        member._prefetched_objects_cache = {
            "documents": _evaluated(member.documents.all(), documents_by_member[member.pk]),
            # In the codes' own order (scheme, code), as a read of the household gives them.
            "specific_needs": _evaluated(
                member.specific_needs.all(), sorted(member_needs, key=lambda need: (need.scheme, need.code))
            ),
        }
    household._prefetched_objects_cache = {"members": _evaluated(household.members.all(), members)}


def _evaluated(queryset, rows):
    # What prefetch_related stores: the related queryset with its rows already in its cache.
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    return queryset


def household_reroute(
    *, household: Household, rerouted_by: User, agency: Agency, category: str, justification: str
) -> Household:
    """Send a household to another agency, with a written justification kept in its history."""
    policy.require_reroute(rerouted_by)
    justification = justification.strip()
    problems: dict[str, list[RegistrationProblem]] = {}
    if len(justification) < 10:
        problems["justification"] = [
            RegistrationProblem("justification_required", _("Explain in a sentence why the household is re-routed."))
        ]
    elif (justification_problem := note_characters_problem(justification)) is not None:
        problems["justification"] = [justification_problem]
    if category not in Category.values:
        problems["category"] = [
            RegistrationProblem("invalid_choice", _("Choose one of the categories.")),
        ]
    if not agency.receives_routed_households:
        problems["agency"] = [
            RegistrationProblem("invalid_agency", _("Households can only be routed to UNHCR or IOM."))
        ]
    with transaction.atomic():
        # Through the gate: a manager re-routes only what their agency may see.
        locked = Household.objects.visible_to(rerouted_by).select_for_update().get(pk=household.pk)
        if locked.routed_agency_id == agency.pk:
            problems["agency"] = [
                RegistrationProblem(
                    "same_agency", _("The household is already routed to %(agency)s.") % {"agency": agency.code}
                )
            ]
        if problems:
            raise RegistrationInvalid(problems)
        previous_agency_id = locked.routed_agency_id
        locked.routed_agency = agency
        locked.category = category
        if Household.Flag.REROUTED not in locked.flags:
            locked.flags = [*locked.flags, Household.Flag.REROUTED.value]
        locked.save(update_fields=["routed_agency", "category", "flags", "updated_at"])
        HouseholdEvent.objects.create(
            household=locked,
            kind=HouseholdEvent.Kind.REROUTED,
            actor=rerouted_by,
            from_agency_id=previous_agency_id,
            to_agency=agency,
            note=justification,
        )
        # Partners who saw it through the previous agency drop it from their mirrors.
        DeletedRecord.objects.create(
            resource=DeletedRecord.Resource.HOUSEHOLD,
            public_id=locked.public_id,
            agency_id=previous_agency_id,
            reason=DeletedRecord.Reason.MOVED,
            moved_to=agency,
            deleted_by=rerouted_by,
            note=justification,
        )
        case_close_for_reroute(household=locked, closed_by=rerouted_by, note=justification)
        case = case_open(household=locked, agency=agency, opened_by=rerouted_by)
        follow_ups_open(household=locked, case=case, made_by=rerouted_by, reason=justification)
    return locked


def household_family_link(*, household: Household, registration_number: str, linked_by: User, note: str) -> Family:
    """Join a household to another part of its family (the return supplement is then paid once across them).

    The other part is named by its registration number and must be one the manager may see. A
    household already in a family brings the other into it; two different families are refused
    (unlinking is not offered: the supplement may already have been paid on the link).
    """
    policy.require_link_family(linked_by)
    number = registration_number.strip().upper()
    with transaction.atomic():
        # Both rows locked, in primary-key order (the order re-routing and merging lock households in).
        pair = list(
            Household.objects.visible_to(linked_by)
            .filter(Q(pk=household.pk) | Q(registration_number=number))
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        locked = next((row for row in pair if row.pk == household.pk), None)
        other = next((row for row in pair if row.registration_number == number and row.pk != household.pk), None)
        if locked is None:
            raise Household.DoesNotExist
        problems: dict[str, list[RegistrationProblem]] = {}
        if other is None:
            problems["registration_number"] = [
                RegistrationProblem(
                    "unknown_household",
                    _("No household %(number)s that you may see. Check the number of the other part.")
                    % {"number": number or "—"},
                )
            ]
        elif locked.family_id and other.family_id and locked.family_id != other.family_id:
            problems["registration_number"] = [
                RegistrationProblem(
                    "other_family", _("%(number)s already belongs to another family.") % {"number": number}
                )
            ]
        elif locked.family_id and locked.family_id == other.family_id:
            problems["registration_number"] = [
                RegistrationProblem(
                    "same_family", _("%(number)s is already a part of this family.") % {"number": number}
                )
            ]
        if not note.strip():
            problems["note"] = [RegistrationProblem("required", _("Say how you know they are one family."))]
        elif (note_problem := note_characters_problem(note)) is not None:
            problems["note"] = [note_problem]
        if problems:
            raise RegistrationInvalid(problems)
        family_id = locked.family_id or other.family_id
        if family_id is None:
            family = Family.objects.create(linked_by=linked_by, note=note.strip())
        else:
            family = Family.objects.get(pk=family_id)
        Household.objects.filter(pk__in=[locked.pk, other.pk]).update(family=family, updated_at=timezone.now())
        HouseholdEvent.objects.bulk_create(
            [
                HouseholdEvent(
                    household_id=row.pk,
                    kind=HouseholdEvent.Kind.FAMILY_LINKED,
                    actor=linked_by,
                    note=_("Linked with %(other)s as one family: %(note)s")
                    % {"other": partner.registration_number, "note": note.strip()},
                )
                for row, partner in ((locked, other), (other, locked))
            ]
        )
    return family


UPDATABLE_FIELDS = ("phone", "destination_province", "destination_district")


def household_update(*, household: Household, updated_by: User, changes: dict) -> Household:
    """Change a household's contact and destination (phone, province, district); history keeps the old values."""
    policy.require_update_household(updated_by)
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise RegistrationInvalid(
            {name: [RegistrationProblem("read_only", _("This field cannot be changed."))] for name in sorted(unknown)}
        )
    with transaction.atomic():
        locked = Household.objects.visible_to(updated_by).select_for_update().get(pk=household.pk)
        before = {name: getattr(locked, f"{name}_id" if name != "phone" else name) or "" for name in UPDATABLE_FIELDS}
        after = {**before, **{name: (value or "") for name, value in changes.items()}}
        if (
            after.get("destination_province") != before["destination_province"]
            and "destination_district" not in changes
        ):
            after["destination_district"] = ""
        problems = {
            path: found
            for path, found in registration_problems(
                HouseholdRegistration(
                    arrival_date=locked.arrival_date,
                    office=locked.office.code,
                    country_of_departure=locked.country_of_departure_id,
                    return_type=locked.return_type_id,
                    destination_province=after["destination_province"],
                    destination_district=after["destination_district"],
                    phone=after["phone"],
                    members=[],
                ),
                reference=reference_data(),
                today=timezone.localdate(),
            ).items()
            if path in UPDATABLE_FIELDS
        }
        if problems:
            raise RegistrationInvalid(problems)
        changed = {name: [before[name], after[name]] for name in UPDATABLE_FIELDS if before[name] != after[name]}
        if not changed:
            return locked
        locked.phone = after["phone"].strip()
        locked.destination_province_id = after["destination_province"]
        locked.destination_district_id = after["destination_district"] or None
        locked.save(update_fields=["phone", "destination_province", "destination_district", "updated_at"])
        HouseholdEvent.objects.create(
            household=locked,
            kind=HouseholdEvent.Kind.UPDATED,
            actor=updated_by,
            note="; ".join(f"{name}: {old or '—'} → {new or '—'}" for name, (old, new) in changed.items()),
        )
    return locked


def household_withdraw(
    *, household: Household, withdrawn_by: User, reason: str, assistance_confirmed: bool = False
) -> Household:
    """Withdraw a household registered in error: it leaves every list, page, answer and count of
    people, and nothing is deleted (members, cases, assistance, referrals and history stay).

    Its open cases close (outcome ``withdrawn``), partners' mirrors learn of it from tombstones, and
    its history records who withdrew it, when and why. A household that received assistance is
    withdrawn only by a manager who confirms it (``assistance_confirmed``) with a fuller reason:
    the money stays on record and in the report's totals.
    """
    return _household_withdraw(
        household=household,
        withdrawn_by=withdrawn_by,
        reason=reason,
        survivor=None,
        assistance_confirmed=assistance_confirmed,
    )


def household_merge(
    *, duplicate: Household, survivor: Household, merged_by: User, note: str, assistance_confirmed: bool = False
) -> Household:
    """Fold a duplicate registration into the household that stays: the duplicate is withdrawn,
    pointing to it (``merged_into``); both keep their history, cases and assistance."""
    if duplicate.pk == survivor.pk:
        raise RegistrationInvalid.one("survivor", "same_household", _("A household cannot be merged into itself."))
    merged = _household_withdraw(
        household=duplicate,
        withdrawn_by=merged_by,
        reason=note,
        survivor=survivor,
        assistance_confirmed=assistance_confirmed,
    )
    return merged.merged_into


# A household that received assistance needs a fuller reason: what becomes of the assistance.
REASON_MIN_LENGTH = 10
REASON_WITH_ASSISTANCE_MIN_LENGTH = 30


def _household_withdraw(
    *, household: Household, withdrawn_by: User, reason: str, survivor: Household | None, assistance_confirmed: bool
) -> Household:
    """Withdraw ``household`` (into ``survivor``, for a merge); answer it, withdrawn."""
    policy.require_remove_household(withdrawn_by)
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise RegistrationInvalid.one("note", "justification_required", _("Explain in a sentence why."))
    visible = Household.objects.visible_to(withdrawn_by)
    with transaction.atomic():
        # Lock both households in primary-key order, through the gate.
        ids = sorted({household.pk, survivor.pk} if survivor else {household.pk})
        locked = {row.pk: row for row in visible.select_for_update().filter(pk__in=ids).order_by("pk")}
        if household.pk not in locked or (survivor and survivor.pk not in locked):
            raise Household.DoesNotExist
        withdrawn = locked[household.pk]
        kept = locked[survivor.pk] if survivor else None
        # Then their cases, like every lock on cases: a transition in flight on one finishes first.
        both_cases = list(Case.objects.locked().filter(household_id__in=ids))
        cases = [case for case in both_cases if case.household_id == withdrawn.pk]
        kept_cases = {case.agency_id: case for case in both_cases if kept and case.household_id == kept.pk}
        assistance = _assistance_recorded(cases)
        if assistance:
            _assistance_withdrawal_check(
                withdrawn_by=withdrawn_by, reason=reason, confirmed=assistance_confirmed, assistance=assistance
            )
        _monitoring_interviews_move(removed=withdrawn, kept=kept)
        withdrawn.withdrawn_at = timezone.now()
        withdrawn.withdrawn_by = withdrawn_by
        withdrawn.withdrawal_reason = reason
        withdrawn.merged_into = kept
        withdrawn.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "merged_into", "updated_at"])
        HouseholdEvent.objects.create(
            household=withdrawn,
            kind=HouseholdEvent.Kind.MERGED_INTO if kept else HouseholdEvent.Kind.WITHDRAWN,
            actor=withdrawn_by,
            note=_withdrawal_note(reason=reason, kept=kept, assistance=assistance),
        )
        case_close_for_withdrawal(household=withdrawn, closed_by=withdrawn_by, note=reason)
        reason_code = DeletedRecord.Reason.MERGED if kept else DeletedRecord.Reason.DELETED
        DeletedRecord.objects.bulk_create(
            [
                DeletedRecord(
                    resource=DeletedRecord.Resource.HOUSEHOLD,
                    public_id=withdrawn.public_id,
                    agency_id=withdrawn.routed_agency_id,
                    reason=reason_code,
                    merged_into=kept.public_id if kept else None,
                    deleted_by=withdrawn_by,
                    note=reason,
                ),
                *(
                    DeletedRecord(
                        resource=DeletedRecord.Resource.CASE,
                        public_id=case.public_id,
                        agency_id=case.agency_id,
                        reason=DeletedRecord.Reason.MERGED
                        if case.agency_id in kept_cases
                        else DeletedRecord.Reason.DELETED,
                        merged_into=kept_cases[case.agency_id].public_id if case.agency_id in kept_cases else None,
                        deleted_by=withdrawn_by,
                        note=reason,
                    )
                    for case in cases
                ),
            ]
        )
        if kept is not None:
            kept.save(update_fields=["updated_at"])
            HouseholdEvent.objects.create(
                household=kept,
                kind=HouseholdEvent.Kind.MERGED,
                actor=withdrawn_by,
                note=_("%(number)s merged into this household: %(note)s")
                % {"number": withdrawn.registration_number, "note": reason},
            )
    return withdrawn


def _assistance_recorded(cases: list[Case]) -> list[Assistance]:
    """Every assistance recorded on these cases, whatever its approval: what a withdrawal keeps."""
    if not cases:
        return []
    return list(Assistance.objects.filter(case__in=cases).order_by("pk"))


def _assistance_withdrawal_check(
    *, withdrawn_by: User, reason: str, confirmed: bool, assistance: list[Assistance]
) -> None:
    """A household that received assistance is withdrawn by a manager's reasoned, confirmed decision."""
    policy.require_remove_household(withdrawn_by, with_assistance=True)
    problems: dict[str, list[RegistrationProblem]] = {}
    if len(reason) < REASON_WITH_ASSISTANCE_MIN_LENGTH:
        problems["note"] = [
            RegistrationProblem(
                "assistance_justification_required",
                _(
                    "Assistance was recorded for this household: explain, in at least %(length)s characters, "
                    "why it is withdrawn and what becomes of the assistance."
                )
                % {"length": REASON_WITH_ASSISTANCE_MIN_LENGTH},
            )
        ]
    if not confirmed:
        problems["assistance_confirmed"] = [
            RegistrationProblem(
                "assistance_not_confirmed",
                ngettext(
                    "%(count)s assistance record was made for this household. It is kept and still counts in "
                    "the report's totals: confirm that you withdraw the household anyway.",
                    "%(count)s assistance records were made for this household. They are kept and still count "
                    "in the report's totals: confirm that you withdraw the household anyway.",
                    len(assistance),
                )
                % {"count": len(assistance)},
            )
        ]
    if problems:
        raise RegistrationInvalid(problems)


def _withdrawal_note(*, reason: str, kept: Household | None, assistance: list[Assistance]) -> str:
    if kept is not None:
        note = _("Merged into %(number)s: %(reason)s") % {"number": kept.registration_number, "reason": reason}
    else:
        note = _("Withdrawn: %(reason)s") % {"reason": reason}
    if assistance:
        totals: dict[str, Decimal] = {}
        for item in assistance:
            if item.value is not None:
                totals[item.currency] = totals.get(item.currency, Decimal(0)) + item.value
        values = ", ".join(f"{currency} {total}" for currency, total in sorted(totals.items()))
        note += " " + ngettext(
            "A manager's decision: %(count)s assistance record kept (%(values)s).",
            "A manager's decision: %(count)s assistance records kept (%(values)s).",
            len(assistance),
        ) % {"count": len(assistance), "values": values or _("no value")}
    return note


def _monitoring_interviews_move(*, removed: Household, kept: Household | None) -> None:
    """A household drawn for return monitoring keeps its interviews: a merge moves them to the household
    that stays; a withdrawal leaves them with the withdrawn household, out of every queue (the gate)."""
    if kept is None:
        return
    interviews = MonitoringInterview.objects.filter(household=removed)
    plans = set(interviews.values_list("plan_id", flat=True))
    if not plans:
        return
    if MonitoringInterview.objects.filter(household=kept, plan_id__in=plans).exists():
        raise RegistrationInvalid.one(
            "survivor",
            "both_monitored",
            _("Both households were drawn for return monitoring: the interviews cannot be merged."),
        )
    # The kept household's case of the interview's agency; without one, the case it was drawn with.
    kept_case = Case.objects.filter(household=kept, agency_id=OuterRef("agency_id")).values("pk")[:1]
    interviews.update(household=kept, case=Coalesce(Subquery(kept_case), F("case")), updated_at=timezone.now())

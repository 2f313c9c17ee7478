"""One grant per person: whether the people a new grant pays, or their likely duplicates, were paid already.

An assistance type marked ``once_per_person`` (UNHCR's VolRep grant: once, ever; IOM's cash for
protection: once in ``repeat_after_days``) is refused to anyone who already received assistance of
any type so marked, from either agency, within the new type's rule, unless a manager overrides it
with a written justification (``returns.services.cases.assistance_record``). "Anyone" is the person
and every other record of them: merged records, pairs decided the same person, pending pairs scored
``returns.identity.LIKELY_DUPLICATE`` or more, and whoever holds the same personal document number
(a card, a tazkira, a passport; not the VRF, which a family returning in parts shares).

The check reads a bounded number of queries whatever the size of the household or of the registry:
each step is one query over every person at once, through indexed columns.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.problems import Problem, Refused
from returns.identity import likely_duplicates
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    DocumentType,
    GrantRefusal,
    Member,
    MemberDocument,
    MemberEntitlement,
)

# The advisory locks of ``people_locked`` (two int4 keys: this namespace, a member id).
LOCK_NAMESPACE = 11_007


@dataclass(frozen=True)
class GrantGiven:
    """A person a new grant would pay, and the earlier grant that stops it."""

    member: Member  # of the household paid now
    earlier: Assistance
    # Paid to another record of the person (a merged record, a likely duplicate, the same document).
    through_duplicate: bool
    # Whether the user may see the earlier grant's case; if not, only its agency and day are told.
    visible: bool

    def message(self) -> str:
        earlier = self.earlier
        day = date_format(earlier.delivered_on, "j F Y")
        if not self.visible:
            return _("%(name)s already received a cash grant from %(agency)s on %(date)s.") % {
                "name": self.member.given_name,
                "agency": earlier.case.agency.code,
                "date": day,
            }
        if earlier.value is not None:
            text = _("%(name)s already received the %(assistance)s (%(value)s %(currency)s) on %(date)s.") % {
                "name": self.member.given_name,
                "assistance": earlier.assistance_type.name,
                "value": earlier.value,
                "currency": earlier.currency,
                "date": day,
            }
        else:
            text = _("%(name)s already received the %(assistance)s on %(date)s.") % {
                "name": self.member.given_name,
                "assistance": earlier.assistance_type.name,
                "date": day,
            }
        if self.through_duplicate:
            text += " " + _("It was paid to a likely duplicate registered in household %(number)s.") % {
                "number": earlier.case.household.registration_number
            }
        return text


class AlreadyGranted(Refused):
    """Refused: someone this grant pays had one already (code ``already_granted`` on ``assistance_type``)."""

    def __init__(self, given: list[GrantGiven]):
        super().__init__({"assistance_type": [Problem("already_granted", found.message()) for found in given]})
        self.given = given


def people_paid(*, case: Case, assistance_type: AssistanceType, member: Member | None) -> list[Member]:
    """Whom the assistance pays: the member named; for a household's grant, the members verification found
    eligible; for other household assistance, every member of the household."""
    if member is not None:
        return [member]
    members = Member.objects.filter(household_id=case.household_id).order_by("pk")
    if assistance_type.is_grant:
        members = members.filter(entitlements__case=case, entitlements__decision=MemberEntitlement.Decision.ELIGIBLE)
    return list(members)


def person_groups(member_ids: list[int]) -> dict[int, set[int]]:
    """For each member id: every record that may be the same person (``likely_duplicates``), and the
    people holding one of those records' personal document numbers (not a VRF), itself included."""
    groups = likely_duplicates(member_ids)
    every = set().union(*groups.values()) if groups else set()
    if not every:
        return groups
    personal = ~Q(document_type__routing_class=DocumentType.RoutingClass.REPATRIATION_FORM) & ~Q(number_normal="")
    own = list(
        MemberDocument.objects.filter(personal, member_id__in=every)
        .values_list("member_id", "document_type_id", "number_normal")
        .order_by()
    )
    if not own:
        return groups
    holders: dict[tuple[str, str], set[int]] = {}
    for holder, type_code, number in (
        MemberDocument.objects.filter(personal, number_normal__in={number for _m, _t, number in own})
        .values_list("member_id", "document_type_id", "number_normal")
        .order_by()
    ):
        holders.setdefault((type_code, number), set()).add(holder)
    by_record: dict[int, set[int]] = {}
    for record, type_code, number in own:
        by_record.setdefault(record, set()).update(holders.get((type_code, number), ()))
    return {pk: group.union(*(by_record.get(record, set()) for record in group)) for pk, group in groups.items()}


def people_locked(member_ids: set[int]) -> None:
    """Hold these people until the transaction ends (advisory locks, in id order), so that two grants to
    one person recorded at once, on two households, cannot both pass the check."""
    if not member_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, k) FROM (SELECT unnest(%s::int[]) AS k ORDER BY 1) AS ordered",
            [LOCK_NAMESPACE, sorted({pk % 2_147_483_647 for pk in member_ids})],
        )


def grants_already_given(
    *,
    case: Case,
    assistance_type: AssistanceType,
    member: Member | None,
    delivered_on: datetime.date,
    user: User,
    lock: bool = False,
) -> list[GrantGiven]:
    """The people this assistance pays who, or whose likely duplicates, already received assistance of a
    type given once per person (either agency, not rejected) within the new type's rule: ever when
    ``repeat_after_days`` is empty, else delivered within that many days before ``delivered_on``.

    Each blocked person once, with the earlier grant paid to their own record first, else the latest.
    ``lock`` holds every record concerned (``people_locked``) before reading the earlier grants.
    """
    paid = people_paid(case=case, assistance_type=assistance_type, member=member)
    if not paid:
        return []
    groups = person_groups([person.pk for person in paid])
    every = set().union(*groups.values())
    if lock:
        people_locked(every)
    earlier = Assistance.objects.filter(assistance_type__once_per_person=True).exclude(
        approval=Assistance.Approval.REJECTED
    )
    if assistance_type.repeat_after_days is not None:
        earlier = earlier.filter(
            delivered_on__gt=delivered_on - datetime.timedelta(days=assistance_type.repeat_after_days)
        )
    households = dict(Member.objects.filter(pk__in=every).values_list("pk", "household_id").order_by())
    earlier = list(
        earlier.filter(Q(member_id__in=every) | Q(member__isnull=True, case__household_id__in=set(households.values())))
        .select_related("assistance_type", "case__agency", "case__household")
        .order_by("-delivered_on", "-pk")
    )
    if not earlier:
        return []
    # A household's grant paid only the members its case found eligible.
    grant_cases = {item.case_id for item in earlier if item.member_id is None and item.assistance_type.is_grant}
    eligible = set()
    if grant_cases:
        eligible = set(
            MemberEntitlement.objects.filter(
                case_id__in=grant_cases, member_id__in=every, decision=MemberEntitlement.Decision.ELIGIBLE
            )
            .values_list("case_id", "member_id")
            .order_by()
        )
    paid_to: dict[int, list[Assistance]] = {}
    for item in earlier:
        if item.member_id is not None:
            paid_to.setdefault(item.member_id, []).append(item)
            continue
        for record, household_id in households.items():
            if household_id == item.case.household_id and (
                not item.assistance_type.is_grant or (item.case_id, record) in eligible
            ):
                paid_to.setdefault(record, []).append(item)
    blocked = []
    for person in paid:
        found = [(record != person.pk, item) for record in groups[person.pk] for item in paid_to.get(record, ())]
        if found:
            # Its own record first, then the latest delivered.
            through_duplicate, item = min(found, key=lambda pair: (pair[0], -pair[1].delivered_on.toordinal()))
            blocked.append((person, item, through_duplicate))
    if not blocked:
        return []
    visible = set(
        Case.objects.visible_to(user)
        .filter(pk__in={item.case_id for _person, item, _through in blocked})
        .values_list("pk", flat=True)
    )
    return [
        GrantGiven(member=person, earlier=item, through_duplicate=through, visible=item.case_id in visible)
        for person, item, through in blocked
    ]


def grant_refusals_record(
    *, given: list[GrantGiven], case: Case, assistance_type: AssistanceType, refused_by: User
) -> list[GrantRefusal]:
    """One ``GrantRefusal`` per person refused, for the joint report (written outside the refused transaction)."""
    return GrantRefusal.objects.bulk_create(
        [
            GrantRefusal(
                case=case,
                member=found.member,
                assistance_type=assistance_type,
                earlier=found.earlier,
                through_duplicate=found.through_duplicate,
                refused_by=refused_by,
            )
            for found in given
        ]
    )

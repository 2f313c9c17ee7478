"""One person, however many times registered: the records of a person, pairs of possible duplicates,
merging and un-merging them, and the officer's decision at registration.

A merge moves nothing (``returns.models.identity``): the later record points at the person's first
record (``Member.same_person_as``), and every record that pointed at the later one is re-pointed
with it. The merge event keeps what each re-pointed record pointed at before, so un-merging
restores exactly that, and is recorded too. Who may do each is ``returns.policy``'s answer.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.problems import Refused
from returns import policy
from returns.models import IdentityEvent, MatchPair, Member

# A pending pair at or above this score is a *likely* duplicate: enough to hold back a second grant.
LIKELY_DUPLICATE = Decimal("0.850")


def pair_key(one: int, other: int) -> tuple[int, int]:
    """A pair's two members, smaller id first (``match_pair_ordered``)."""
    return (one, other) if one < other else (other, one)


def person_records(member_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each member id: the ids of every record of the same person (merged records), itself included."""
    member_ids = set(member_ids)
    if not member_ids:
        return {}
    roots = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "same_person_as_id").order_by())
    root_of = {pk: roots.get(pk) or pk for pk in member_ids}
    records: dict[int, set[int]] = {root: {root} for root in root_of.values()}
    for pk, root in Member.objects.filter(same_person_as__in=records).values_list("pk", "same_person_as_id").order_by():
        records[root].add(pk)
    return {pk: records[root_of[pk]] for pk in member_ids}


def likely_duplicates(member_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each member id: the records of the same person and of its likely duplicates (pending pairs
    scored ``LIKELY_DUPLICATE`` or more, or decided the same person), itself included."""
    records = person_records(member_ids)
    every = set().union(*records.values()) if records else set()
    if not every:
        return {}
    pairs = (
        MatchPair.objects.filter(Q(first__in=every) | Q(second__in=every))
        .filter(Q(status=MatchPair.Status.SAME) | Q(status=MatchPair.Status.PENDING, score__gte=LIKELY_DUPLICATE))
        .values_list("first_id", "second_id")
        .order_by()
    )
    linked: dict[int, set[int]] = {}
    for first, second in pairs:
        linked.setdefault(first, set()).add(second)
        linked.setdefault(second, set()).add(first)
    others = set().union(*linked.values()) - every if linked else set()
    other_records = person_records(others)
    found = {}
    for pk, own in records.items():
        near = set(own)
        for record in own:
            for other in linked.get(record, ()):
                near |= other_records.get(other, {other})
        found[pk] = near
    return found


def _pair_locked(pair: MatchPair) -> MatchPair:
    return MatchPair.objects.select_for_update().get(pk=pair.pk)


def pair_merge(*, pair: MatchPair, merged_by: User, note: str = "") -> IdentityEvent:
    """ "Same person": the later record (and any record merged into it) points at the earlier record's person.

    Nothing is moved: every household, history and assistance row stays where it was.
    """
    policy.require_review_duplicates(merged_by)
    with transaction.atomic():
        locked = _pair_locked(pair)
        if locked.status != MatchPair.Status.PENDING:
            raise Refused.one("pair", "decided", _("This pair has been decided already."))
        members = {
            member.pk: member
            for member in Member.objects.select_for_update().filter(pk__in=[locked.first_id, locked.second_id])
        }
        first, second = members[locked.first_id], members[locked.second_id]
        kept_root, merged_root = first.person_id, second.person_id
        if kept_root == merged_root:
            raise Refused.one("pair", "already_same", _("These two records are already one person."))
        # The person registered first is kept: the pair's smaller id is the earlier record.
        if merged_root < kept_root:
            kept_root, merged_root = merged_root, kept_root
        moved = list(
            Member.objects.select_for_update()
            .filter(Q(pk=merged_root) | Q(same_person_as=merged_root))
            .values_list("pk", "same_person_as_id")
            .order_by("pk")
        )
        Member.objects.filter(pk__in=[pk for pk, _before in moved]).update(same_person_as=kept_root)
        locked.status = MatchPair.Status.SAME
        locked.decided_by = merged_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        return IdentityEvent.objects.create(
            kind=IdentityEvent.Kind.MERGED,
            member_id=merged_root,
            other_id=kept_root,
            pair=locked,
            actor=merged_by,
            note=note,
            details={"repointed": [[pk, before] for pk, before in moved]},
        )


def pair_unmerge(*, pair: MatchPair, unmerged_by: User, note: str = "") -> IdentityEvent:
    """Reverse the merge of this pair exactly: each re-pointed record points where it pointed before.

    The pair goes back to the queue; the reversal is recorded. Refused when a later merge of the same
    person depends on this one (un-merge that one first).
    """
    policy.require_review_duplicates(unmerged_by)
    with transaction.atomic():
        locked = _pair_locked(pair)
        if locked.status != MatchPair.Status.SAME:
            raise Refused.one("pair", "not_merged", _("This pair is not merged."))
        # The merge, or the link at registration, that made this pair one person.
        merge = (
            IdentityEvent.objects.filter(pair=locked, kind__in=[IdentityEvent.Kind.MERGED, IdentityEvent.Kind.LINKED])
            .order_by("-at", "-pk")
            .first()
        )
        repointed = merge.details["repointed"]
        kept_root = merge.other_id
        ids = [pk for pk, _before in repointed]
        current = dict(Member.objects.select_for_update().filter(pk__in=ids).values_list("pk", "same_person_as_id"))
        if any(current.get(pk) != kept_root for pk in ids):
            raise Refused.one(
                "pair",
                "merged_further",
                _("A later merge of this person depends on this one: reverse that one first."),
            )
        for pk, before in repointed:
            Member.objects.filter(pk=pk).update(same_person_as=before)
        locked.status = MatchPair.Status.PENDING
        locked.decided_by = None
        locked.decided_at = None
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        return IdentityEvent.objects.create(
            kind=IdentityEvent.Kind.UNMERGED,
            member_id=repointed[0][0],
            other_id=kept_root,
            pair=locked,
            actor=unmerged_by,
            note=note,
            details={"restored": repointed},
        )


def pair_different(*, pair: MatchPair, decided_by: User, note: str = "") -> IdentityEvent:
    """ "Different people": remembered, and the pair is never proposed again."""
    policy.require_review_duplicates(decided_by)
    with transaction.atomic():
        locked = _pair_locked(pair)
        if locked.status != MatchPair.Status.PENDING:
            raise Refused.one("pair", "decided", _("This pair has been decided already."))
        locked.status = MatchPair.Status.DIFFERENT
        locked.decided_by = decided_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        return IdentityEvent.objects.create(
            kind=IdentityEvent.Kind.DIFFERENT,
            member_id=locked.second_id,
            other_id=locked.first_id,
            pair=locked,
            actor=decided_by,
            note=note,
        )


def person_link(*, member: Member, existing: Member, linked_by: User, score: Decimal) -> IdentityEvent:
    """At registration: the officer says the person just registered is someone already registered.

    Recorded as a pair decided "same person" and the new record pointing at the person's first record.
    """
    policy.require_link_person(linked_by)
    if existing.pk == member.pk or existing.person_id == member.person_id:
        raise Refused.one("same_person_as", "same_record", _("Choose someone registered before."))
    root = existing.person_id
    first, second = pair_key(member.pk, existing.pk)
    with transaction.atomic():
        pair, _created = MatchPair.objects.update_or_create(
            first_id=first,
            second_id=second,
            defaults={
                "score": score,
                "source": MatchPair.Source.REGISTRATION,
                "status": MatchPair.Status.SAME,
                "decided_by": linked_by,
                "decided_at": timezone.now(),
            },
        )
        before = member.same_person_as_id
        Member.objects.filter(pk=member.pk).update(same_person_as=root)
        member.same_person_as_id = root
        return IdentityEvent.objects.create(
            kind=IdentityEvent.Kind.LINKED,
            member=member,
            other_id=root,
            pair=pair,
            actor=linked_by,
            details={"repointed": [[member.pk, before]]},
        )


def person_confirmed_new(*, member: Member, confirmed_by: User, candidates: list[tuple[int, Decimal]]) -> IdentityEvent:
    """At registration: the officer saw these candidates (member id, score) and says this is a new person."""
    [event] = people_confirmed_new(confirmed=[(member, candidates)], confirmed_by=confirmed_by)
    return event


def people_confirmed_new(
    *, confirmed: list[tuple[Member, list[tuple[int, Decimal]]]], confirmed_by: User
) -> list[IdentityEvent]:
    """``person_confirmed_new`` for many members (a registration's, an import's), in one insert."""
    policy.require_link_person(confirmed_by)
    return IdentityEvent.objects.bulk_create(
        IdentityEvent(
            kind=IdentityEvent.Kind.NEW_PERSON,
            member=member,
            actor=confirmed_by,
            details={"candidates": [[pk, str(score)] for pk, score in candidates]},
        )
        for member, candidates in confirmed
    )

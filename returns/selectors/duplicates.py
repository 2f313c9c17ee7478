"""Reads of the review queue of possible duplicates (``returns.models.identity``), each from the household gate.

A reviewer sees a pair only when they may see both people's households (``Household.objects.visible_to``);
an administrator, who sees every household, sees every pair. A pair with a withdrawn household is in no
list: the gate leaves withdrawn households out.

The queue is read in the order of its index (``match_pair_queue``: status, score descending, id), so a
page, and the pair before or after one, costs the same at millions of pairs. Decisions are read newest
first from the identity events (append-only: the primary key's order is the order they were recorded in).
"""

from collections import Counter

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.shortcuts import get_object_or_404

from returns.models import Household, IdentityEvent, MatchPair, MatchRun, Member, MemberDocument

PAIR_RELATED = (
    "first__household__routed_agency",
    "first__household__office",
    "second__household__routed_agency",
    "second__household__office",
)
# The decisions a reviewer looks back on ("a new person" at registration names no pair).
DECISIONS = (
    IdentityEvent.Kind.MERGED,
    IdentityEvent.Kind.UNMERGED,
    IdentityEvent.Kind.DIFFERENT,
    IdentityEvent.Kind.LINKED,
)
# The decisions an un-merge reverses (``returns.identity.pair_unmerge``).
MERGES = (IdentityEvent.Kind.MERGED, IdentityEvent.Kind.LINKED)


def _both_visible(rows: QuerySet, user, *, first: str, second: str) -> QuerySet:
    """The rows whose two people (member ids at ``first`` and ``second``) are of households ``user`` may see."""
    visible = Household.objects.visible_to(user)
    return rows.filter(
        Exists(visible.filter(members=OuterRef(first))),
        Exists(visible.filter(members=OuterRef(second))),
    )


def _pending(user) -> QuerySet:
    return _both_visible(
        MatchPair.objects.filter(status=MatchPair.Status.PENDING), user, first="first_id", second="second_id"
    )


def duplicate_queue(*, user) -> QuerySet:
    """The pairs waiting for a decision that ``user`` may see, best score first."""
    return _pending(user).select_related(*PAIR_RELATED).order_by("-score", "id")


def duplicate_queue_next(*, user, after: MatchPair | None = None) -> int | None:
    """The id of the pending pair after ``after`` in the queue's order (the first when ``after`` is None)."""
    pending = _pending(user)
    if after is not None:
        pending = pending.filter(Q(score__lt=after.score) | Q(score=after.score, pk__gt=after.pk))
    return pending.order_by("-score", "id").values_list("pk", flat=True).first()


def duplicate_queue_previous(*, user, before: MatchPair) -> int | None:
    """The id of the pending pair before ``before`` in the queue's order (the index read backwards)."""
    pending = _pending(user).filter(Q(score__gt=before.score) | Q(score=before.score, pk__lt=before.pk))
    return pending.order_by("score", "-id").values_list("pk", flat=True).first()


def duplicate_pair_get(*, user, pair_id: int) -> MatchPair:
    """One pair with both people, their households and documents (one query for both people), or 404
    when ``user`` may not see both."""
    pairs = _both_visible(MatchPair.objects.all(), user, first="first_id", second="second_id").select_related(
        *PAIR_RELATED,
        "first__household__destination_province",
        "second__household__destination_province",
        "decided_by",
    )
    pair = get_object_or_404(pairs, pk=pair_id)
    documents = Prefetch("documents", queryset=MemberDocument.objects.select_related("document_type"))
    prefetch_related_objects([pair.first, pair.second], documents)
    return pair


def household_compositions(*, households: list[Household]) -> dict[int, Counter]:
    """For each household: how many members it has in each relationship to the head (one query).

    Only relationships: the comparison needs the shape of a family, not the other members' names."""
    compositions: dict[int, Counter] = {household.pk: Counter() for household in households}
    rows = (
        Member.objects.filter(household__in=compositions)
        .values_list("household_id", "relationship")
        .order_by("household_id", "id")
    )
    for household_id, relationship in rows:
        compositions[household_id][relationship] += 1
    return compositions


def duplicate_decisions(*, user) -> QuerySet:
    """The decisions about pairs ``user`` may see (merges, un-merges, "different people", links at
    registration), newest first; ``undoable`` on the merge or link an un-merge would reverse now."""
    latest = IdentityEvent.objects.filter(pair=OuterRef("pair"), kind__in=DECISIONS).order_by("-pk").values("pk")[:1]
    events = _both_visible(
        IdentityEvent.objects.filter(kind__in=DECISIONS, pair__isnull=False),
        user,
        first="pair__first_id",
        second="pair__second_id",
    )
    return (
        events.annotate(latest_of_pair=Subquery(latest))
        .select_related("actor", "pair", *(f"pair__{related}" for related in PAIR_RELATED))
        .order_by("-pk")
    )


def latest_match_run() -> MatchRun | None:
    """The latest search of the registry for duplicates, with its progress (no personal data)."""
    return MatchRun.objects.order_by("-created_at", "-pk").first()

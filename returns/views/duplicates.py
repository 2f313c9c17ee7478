"""Reviewing possible duplicates: the queue, a pair side by side, the decisions, and a search of the registry.

Thin: pairs are read through ``returns.selectors.duplicates`` (a pair is shown only to a reviewer who
may see both households, 404 otherwise); "Same person", "Different people" and "Un-merge" are
``returns.identity``'s ``pair_merge``, ``pair_different`` and ``pair_unmerge``. A refusal is shown on
the pair's page and nothing changes. After a decision the reviewer is taken to the next pair waiting.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access_log import Kind, access_note
from agencies.paging import page_of
from agencies.problems import Refused
from returns import policy
from returns.duplicates import match_run_start
from returns.forms.cases import problems_show
from returns.forms.duplicates import PairDecisionForm
from returns.identity import pair_different, pair_merge, pair_unmerge
from returns.matching import pair_score
from returns.models import MatchPair, MatchRun, Member
from returns.names import name_fold, name_key
from returns.selectors.duplicates import (
    MERGES,
    duplicate_decisions,
    duplicate_pair_get,
    duplicate_queue,
    duplicate_queue_next,
    duplicate_queue_previous,
    household_compositions,
    latest_match_run,
)

PAIRS_PER_PAGE = 50
DECISIONS_PER_PAGE = 50
# Ages this close are shown as near, not as different: estimated ages are often a few years off.
AGES_NEAR = 3


class Difference:
    """How the two sides of a row compare; each is a CSS modifier of the row."""

    SAME = ""
    VARIANT = "variant"  # the same name spelt otherwise, or ages a few years apart
    DIFFERS = "differs"


@dataclass(frozen=True)
class ComparedRow:
    label: str
    first: str
    second: str
    difference: str = Difference.SAME
    local_script: bool = False  # names typed in Dari or Pashto: shown right to left


def _names_compared(first: str, second: str) -> str:
    if name_fold(first).casefold() == name_fold(second).casefold():
        return Difference.SAME
    if first and second and name_key(first) == name_key(second):
        return Difference.VARIANT
    return Difference.DIFFERS


def _plain_compared(first, second) -> str:
    return Difference.SAME if first == second else Difference.DIFFERS


def _age(person: Member, today: datetime.date) -> str:
    age = person.age_on(today)
    if person.date_of_birth is not None:
        return _("%(age)s (born %(date)s)") % {"age": age, "date": person.date_of_birth.isoformat()}
    return _("%(age)s (estimated)") % {"age": age}


def _ages_compared(first: Member, second: Member, today: datetime.date) -> str:
    first_age, second_age = first.age_on(today), second.age_on(today)
    if first_age == second_age:
        return Difference.SAME
    return Difference.VARIANT if abs(first_age - second_age) <= AGES_NEAR else Difference.DIFFERS


def _documents(person: Member) -> str:
    return (
        "; ".join(f"{document.document_type.shown_name} {document.number}" for document in person.documents.all())
        or "—"
    )


def _composition(counts: Counter) -> str:
    labels = dict(Member.Relationship.choices)
    return ", ".join(
        f"{labels[relationship]} × {count}" if count > 1 else str(labels[relationship])
        for relationship, count in sorted(counts.items(), key=lambda item: list(labels).index(item[0]))
    )


def pair_compared(pair: MatchPair, compositions: dict[int, Counter]) -> list[ComparedRow]:
    """The rows of the side-by-side comparison, each saying whether (and how) the two sides differ."""
    today = timezone.localdate()
    first, second = pair.first, pair.second
    first_home, second_home = first.household, second.household
    rows = []
    for label, field in (
        (_("Given name"), "given_name"),
        (_("Father's name"), "fathers_name"),
        (_("Family name"), "family_name"),
    ):
        rows.append(
            ComparedRow(
                label,
                getattr(first, field),
                getattr(second, field),
                _names_compared(getattr(first, field), getattr(second, field)),
            )
        )
        local = f"{field}_local"
        if getattr(first, local) or getattr(second, local):
            rows.append(
                ComparedRow(
                    _("%(name)s (Dari/Pashto)") % {"name": label},
                    getattr(first, local),
                    getattr(second, local),
                    _names_compared(getattr(first, local), getattr(second, local)),
                    local_script=True,
                )
            )
    first_numbers = {document.number_normal for document in first.documents.all()}
    second_numbers = {document.number_normal for document in second.documents.all()}
    first_counts, second_counts = compositions[first_home.pk], compositions[second_home.pk]
    rows += [
        ComparedRow(
            _("Sex"), first.get_sex_display(), second.get_sex_display(), _plain_compared(first.sex, second.sex)
        ),
        ComparedRow(_("Age"), _age(first, today), _age(second, today), _ages_compared(first, second, today)),
        ComparedRow(
            _("Documents"), _documents(first), _documents(second), _plain_compared(first_numbers, second_numbers)
        ),
        ComparedRow(
            _("Relationship to the head"),
            first.get_relationship_display(),
            second.get_relationship_display(),
            _plain_compared(first.relationship, second.relationship),
        ),
        ComparedRow(
            _("Household registration number"),
            first_home.registration_number,
            second_home.registration_number,
            _plain_compared(first_home.pk, second_home.pk),
        ),
        ComparedRow(
            _("Crossing point or office"),
            first_home.office.shown_name,
            second_home.office.shown_name,
            _plain_compared(first_home.office_id, second_home.office_id),
        ),
        ComparedRow(
            _("Arrival date"),
            first_home.arrival_date.isoformat(),
            second_home.arrival_date.isoformat(),
            _plain_compared(first_home.arrival_date, second_home.arrival_date),
        ),
        ComparedRow(
            _("Agency"),
            first_home.routed_agency.code,
            second_home.routed_agency.code,
            _plain_compared(first_home.routed_agency_id, second_home.routed_agency_id),
        ),
        ComparedRow(
            _("Province of destination"),
            first_home.destination_province.shown_name,
            second_home.destination_province.shown_name,
            _plain_compared(first_home.destination_province_id, second_home.destination_province_id),
        ),
        ComparedRow(
            _("Household size"),
            str(first_home.member_count),
            str(second_home.member_count),
            _plain_compared(first_home.member_count, second_home.member_count),
        ),
        ComparedRow(
            _("Household members"),
            _composition(first_counts),
            _composition(second_counts),
            _plain_compared(first_counts, second_counts),
        ),
    ]
    return rows


def _people_noted(request, pairs) -> None:
    access_note(
        request, kind=Kind.PERSON, ids=[person.public_id for pair in pairs for person in (pair.first, pair.second)]
    )


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_http_methods(["GET"])
def duplicate_queue_page(request):
    policy.require_review_duplicates(request.user)
    page = page_of(request, duplicate_queue(user=request.user), PAIRS_PER_PAGE)
    _people_noted(request, page.object_list)
    latest_run = latest_match_run()
    return render(
        request,
        "returns/duplicates/queue.html",
        {
            "page": page,
            "pairs": page.object_list,
            "query_without_page": _query_without_page(request),
            "latest_run": latest_run,
            "can_search": policy.may_search_duplicates(request.user),
            "search_running": latest_run is not None
            and latest_run.status in (MatchRun.Status.QUEUED, MatchRun.Status.RUNNING),
        },
    )


def _pair_page(request, pair: MatchPair, *, form: PairDecisionForm | None = None):
    compositions = household_compositions(households=[pair.first.household, pair.second.household])
    _people_noted(request, [pair])
    return render(
        request,
        "returns/duplicates/pair.html",
        {
            "pair": pair,
            "rows": pair_compared(pair, compositions),
            "rescored": pair_score(pair.first, pair.second, today=timezone.localdate()),
            "form": form or PairDecisionForm(),
            "previous_id": duplicate_queue_previous(user=request.user, before=pair),
            "next_id": duplicate_queue_next(user=request.user, after=pair),
            "is_pending": pair.status == MatchPair.Status.PENDING,
            "is_merged": pair.status == MatchPair.Status.SAME,
        },
    )


@require_http_methods(["GET"])
def duplicate_pair_page(request, pair_id: int):
    policy.require_review_duplicates(request.user)
    return _pair_page(request, duplicate_pair_get(user=request.user, pair_id=pair_id))


DECIDED = {
    PairDecisionForm.SAME: (pair_merge, "merged_by"),
    PairDecisionForm.DIFFERENT: (pair_different, "decided_by"),
    PairDecisionForm.UNMERGE: (pair_unmerge, "unmerged_by"),
}


def _decided_message(decision: str, pair: MatchPair) -> str:
    people = {"first": str(pair.first), "second": str(pair.second)}
    if decision == PairDecisionForm.SAME:
        return _("%(first)s and %(second)s are now one person.") % people
    if decision == PairDecisionForm.DIFFERENT:
        return _("%(first)s and %(second)s are different people: the pair will not be proposed again.") % people
    return _("The merge of %(first)s and %(second)s is reversed: the pair is back in the queue.") % people


@require_POST
def duplicate_decide(request, pair_id: int):
    policy.require_review_duplicates(request.user)
    pair = duplicate_pair_get(user=request.user, pair_id=pair_id)
    form = PairDecisionForm(request.POST)
    if not form.is_valid():
        return _pair_page(request, pair, form=form)
    decision = form.cleaned_data["decision"]
    decide, actor = DECIDED[decision]
    try:
        decide(pair=pair, note=form.cleaned_data["note"], **{actor: request.user})
    except Refused as refused:
        problems_show(form, refused.problems)
        pair.refresh_from_db(fields=["status", "decided_by", "decided_at"])
        return _pair_page(request, pair, form=form)
    _people_noted(request, [pair])
    messages.success(request, _decided_message(decision, pair))
    if decision == PairDecisionForm.UNMERGE:
        return redirect("returns:duplicate-decided")
    following = duplicate_queue_next(user=request.user, after=pair) or duplicate_queue_next(user=request.user)
    if following is None:
        messages.info(request, _("No pair is waiting for a decision."))
        return redirect("returns:duplicate-queue")
    return redirect("returns:duplicate-pair", pair_id=following)


@require_http_methods(["GET"])
def duplicate_decided_page(request):
    policy.require_review_duplicates(request.user)
    page = page_of(request, duplicate_decisions(user=request.user), DECISIONS_PER_PAGE)
    decisions = page.object_list
    for event in decisions:
        event.undoable = (
            event.kind in MERGES and event.pk == event.latest_of_pair and event.pair.status == MatchPair.Status.SAME
        )
    _people_noted(request, [event.pair for event in decisions])
    return render(
        request,
        "returns/duplicates/decided.html",
        {"page": page, "decisions": decisions, "query_without_page": _query_without_page(request)},
    )


@require_POST
def duplicate_search_start(request):
    """A manager starts the search of the whole registry for duplicates; its progress shows on the queue."""
    policy.require_search_duplicates(request.user)
    try:
        match_run_start(started_by=request.user)
    except Refused as refused:
        messages.error(
            request, " ".join(problem.message for problems in refused.problems.values() for problem in problems)
        )
        return redirect("returns:duplicate-queue")
    messages.success(
        request, _("The search of the registry for duplicates has started: the pairs it finds join the queue.")
    )
    return redirect("returns:duplicate-queue")

"""One person, however many times registered (returns.identity): merging moves nothing and un-merging
restores exactly what was; the order of un-merges; decided pairs stay decided; "different people" is
remembered."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone

from agencies.models import User
from agencies.problems import Refused
from returns.identity import likely_duplicates, pair_different, pair_merge, pair_unmerge, person_records
from returns.models import Assistance, AssistanceType, Case, Household, IdentityEvent, MatchPair, Member
from returns.selectors.duplicates import duplicate_queue
from returns.services.cases import assistance_record
from returns.services.households import household_register
from tests.factories import UserFactory, household, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(iom) -> User:
    return UserFactory(username="iom.reviewer.t", agency=iom, office=None, role=User.Role.CASE_WORKER)


def person(officer, given_name: str, *, paid: str | None = None, recorder: User | None = None) -> Member:
    """One person in a household of their own (routed to IOM: no refugee document), paid transport cash if ``paid``."""
    registered = household_register(
        registered_by=officer, registration=household(members=[member(given_name=given_name, fathers_name="Gul")])
    )
    registered_person = registered.members.get()
    if paid is not None:
        case = Case.objects.get(household=registered)
        assistance_record(
            case=case,
            recorded_by=recorder,
            assistance_type=AssistanceType.objects.get(agency__code="IOM", code="transport_cash"),
            delivered_on=timezone.localdate() - datetime.timedelta(days=1),
            office=registered.office,
            value=Decimal(paid),
            currency="USD",
            member=registered_person,
        )
    return registered_person


def pair_of(one: Member, other: Member, score: str = "0.900") -> MatchPair:
    first, second = sorted((one, other), key=lambda record: record.pk)
    return MatchPair.objects.create(first=first, second=second, score=Decimal(score), source=MatchPair.Source.BATCH)


def registry_rows() -> dict:
    """Every row a merge might touch: members (and whose person each is), households, assistance."""
    return {
        "members": list(
            Member.objects.order_by("pk").values_list("pk", "household_id", "same_person_as_id", "given_name")
        ),
        "households": list(Household.objects.order_by("pk").values_list("pk", "member_count", "withdrawn_at")),
        "assistance": list(
            Assistance.objects.order_by("pk").values_list("pk", "case_id", "member_id", "value", "currency", "approval")
        ),
    }


def assistance_by_person(members: list[Member]) -> dict[int, Decimal | None]:
    """For each record: the assistance paid to the person, across every record of the person."""
    records = person_records(member.pk for member in members)
    return {
        pk: Assistance.objects.filter(member_id__in=own).aggregate(total=Sum("value"))["total"]
        for pk, own in records.items()
    }


def identity_state() -> dict:
    return {
        "members": list(Member.objects.order_by("pk").values_list("pk", "same_person_as_id")),
        "pairs": list(MatchPair.objects.order_by("pk").values_list("pk", "status", "decided_by_id", "decided_at")),
        "events": IdentityEvent.objects.count(),
    }


@pytest.fixture
def recorder(iom) -> User:
    return UserFactory(username="iom.recorder.t", agency=iom, role=User.Role.CASE_WORKER)


def test_merge_then_un_merge_restores_every_row_and_every_assistance_total(iom_officer, recorder, reviewer):
    # Given A, B and D paid 20, 30 and 5 dollars, D already merged into B
    a = person(iom_officer, "Ahmad", paid="20.00", recorder=recorder)
    b = person(iom_officer, "Ahmed", paid="30.00", recorder=recorder)
    d = person(iom_officer, "Ahmet", paid="5.00", recorder=recorder)
    pair_merge(pair=pair_of(b, d), merged_by=reviewer)
    people = [a, b, d]
    rows_before = registry_rows()
    totals_before = assistance_by_person(people)
    assert totals_before == {a.pk: Decimal("20.00"), b.pk: Decimal("35.00"), d.pk: Decimal("35.00")}

    # When A and B are merged
    a_b = pair_of(a, b)
    merged = pair_merge(pair=a_b, merged_by=reviewer, note="Same tazkira photo.")

    # Then all three records are one person, A's, and nothing else moved
    assert dict(Member.objects.filter(pk__in=[a.pk, b.pk, d.pk]).values_list("pk", "same_person_as_id")) == {
        a.pk: None,
        b.pk: a.pk,
        d.pk: a.pk,
    }
    assert person_records([b.pk]) == {b.pk: {a.pk, b.pk, d.pk}}
    assert assistance_by_person(people) == {a.pk: Decimal("55.00"), b.pk: Decimal("55.00"), d.pk: Decimal("55.00")}
    after_merge = registry_rows()
    assert after_merge["households"] == rows_before["households"]
    assert after_merge["assistance"] == rows_before["assistance"]
    assert (merged.kind, merged.member_id, merged.other_id, merged.note) == (
        "merged",
        b.pk,
        a.pk,
        "Same tazkira photo.",
    )
    assert merged.details == {"repointed": [[b.pk, None], [d.pk, b.pk]]}

    # When the merge is reversed
    unmerged = pair_unmerge(pair=a_b, unmerged_by=reviewer, note="Brothers after all.")

    # Then every row and every total is as it was, and the pair waits for a decision again
    assert registry_rows() == rows_before
    assert assistance_by_person(people) == totals_before
    a_b.refresh_from_db()
    assert (a_b.status, a_b.decided_by, a_b.decided_at) == (MatchPair.Status.PENDING, None, None)
    assert (unmerged.kind, unmerged.actor, unmerged.note) == ("unmerged", reviewer, "Brothers after all.")
    assert list(IdentityEvent.objects.filter(pair=a_b).values_list("kind", flat=True)) == ["merged", "unmerged"]


def test_a_merge_a_later_merge_depends_on_is_reversed_only_after_it(iom_officer, reviewer):
    # Given C registered first, then A and B; A and B merged, then B's person (A) with C, the earliest
    c = person(iom_officer, "Karim")
    a = person(iom_officer, "Kareem")
    b = person(iom_officer, "Kerim")
    a_b, b_c = pair_of(a, b), pair_of(b, c)
    before_any = identity_state()["members"]
    pair_merge(pair=a_b, merged_by=reviewer)
    pair_merge(pair=b_c, merged_by=reviewer)
    assert person_records([a.pk]) == {a.pk: {a.pk, b.pk, c.pk}}
    before = identity_state()

    # When A and B are un-merged first, it is refused and nothing changes
    with pytest.raises(Refused) as refused:
        pair_unmerge(pair=a_b, unmerged_by=reviewer)
    assert refused.value.problems["pair"][0].code == "merged_further"
    assert identity_state() == before

    # In order, both are reversed, back to three people
    pair_unmerge(pair=b_c, unmerged_by=reviewer)
    assert person_records([a.pk, c.pk]) == {a.pk: {a.pk, b.pk}, c.pk: {c.pk}}
    pair_unmerge(pair=a_b, unmerged_by=reviewer)
    assert identity_state()["members"] == before_any


def test_a_decided_pair_cannot_be_decided_again_and_nothing_changes(iom_officer, reviewer):
    merged = pair_of(person(iom_officer, "Ahmad"), person(iom_officer, "Ahmed"))
    different = pair_of(person(iom_officer, "Karim"), person(iom_officer, "Kareem"))
    pair_merge(pair=merged, merged_by=reviewer)
    pair_different(pair=different, decided_by=reviewer)
    before = identity_state()

    refusals = []
    for decide, pair, actor in (
        (pair_merge, merged, "merged_by"),
        (pair_different, merged, "decided_by"),
        (pair_merge, different, "merged_by"),
        (pair_different, different, "decided_by"),
    ):
        with pytest.raises(Refused) as refused:
            decide(pair=pair, **{actor: reviewer})
        refusals.append(refused.value.problems["pair"][0].code)
    with pytest.raises(Refused) as not_merged:
        pair_unmerge(pair=different, unmerged_by=reviewer)

    assert refusals == ["decided", "decided", "decided", "decided"]
    assert not_merged.value.problems["pair"][0].code == "not_merged"
    assert identity_state() == before


def test_different_people_is_remembered_out_of_the_queue_and_of_likely_duplicates(iom_officer, reviewer):
    karim = person(iom_officer, "Karim")
    brother = person(iom_officer, "Kareem")
    pair = pair_of(karim, brother, "0.950")
    assert likely_duplicates([karim.pk]) == {karim.pk: {karim.pk, brother.pk}}

    decided = pair_different(pair=pair, decided_by=reviewer, note="Brothers: two tazkiras.")

    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (MatchPair.Status.DIFFERENT, reviewer)
    assert (decided.kind, decided.member_id, decided.other_id, decided.note) == (
        "different",
        pair.second_id,
        pair.first_id,
        "Brothers: two tazkiras.",
    )
    assert list(duplicate_queue(user=reviewer)) == []
    assert likely_duplicates([karim.pk]) == {karim.pk: {karim.pk}}
    assert Member.objects.filter(same_person_as__isnull=False).count() == 0


def test_only_reviewers_decide_and_a_refusal_changes_nothing(iom_officer):
    pair = pair_of(person(iom_officer, "Ahmad"), person(iom_officer, "Ahmed"))
    before = identity_state()

    with pytest.raises(PermissionDenied, match="Only case workers and managers review possible duplicates"):
        pair_merge(pair=pair, merged_by=iom_officer)

    assert identity_state() == before

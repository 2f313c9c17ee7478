"""The batch search for duplicates (returns.duplicates): a run over the registry, or over the people
registered since a time, fills the review queue with likely duplicate pairs, with its progress; a pair
found or decided is never proposed again."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from agencies.problems import Refused
from config.celery import app
from returns import duplicates, tasks
from returns.duplicates import match_run_continue, match_run_execute, match_run_start
from returns.identity import pair_different
from returns.models import MatchPair, MatchRun, Member, MemberDocument
from returns.services.households import household_register
from tests.factories import household, member, por_card, vrf

pytestmark = pytest.mark.django_db


def registered(officer, *people) -> list[Member]:
    """One household of ``people`` (the first its head); its members, in order."""
    found = household_register(registered_by=officer, registration=household(members=list(people)))
    return list(found.members.order_by("pk"))


def queue() -> set[tuple[int, int, Decimal]]:
    return set(MatchPair.objects.values_list("first_id", "second_id", "score"))


def run_now(manager, **since) -> MatchRun:
    run = MatchRun.objects.create(started_by=manager, **since)
    return match_run_execute(run.pk)


@pytest.fixture
def registry(unhcr_officer, iom_officer):
    """Mohammad son of Abdul Rahman registered twice, by both agencies, spelt otherwise and 2 years
    apart; Karim son of Nabi whose card number Rahim son of Gul also holds (an old import); two brothers
    sharing their father's name; two women of one name 30 years apart; a family of two."""
    [mohammad] = registered(unhcr_officer, member(given_name="Mohammad", fathers_name="Abdul Rahman", age=30))
    [muhammad] = registered(iom_officer, member(given_name="Muhammad", fathers_name="Abdurrahman", age=32))
    [karim] = registered(
        unhcr_officer, member(given_name="Karim", fathers_name="Nabi", age=40, documents=[por_card(number="PK-3131")])
    )
    [rahim] = registered(unhcr_officer, member(given_name="Rahim", fathers_name="Gul", age=41))
    MemberDocument.objects.create(member=rahim, document_type_id="por_card", issuing_country_id="PK", number="pk 3131")
    [brother] = registered(unhcr_officer, member(given_name="Naveed", fathers_name="Gul", age=28))
    [older] = registered(iom_officer, member(given_name="Zarmina", fathers_name="Gul", sex="female", age=30))
    [younger] = registered(iom_officer, member(given_name="Zarmina", fathers_name="Gul", sex="female", age=60))
    family = registered(
        unhcr_officer,
        member(given_name="Jawid", fathers_name="Nabi", age=35, documents=[vrf(number="VRF-7")]),
        member(given_name="Jawid", fathers_name="Nabi", relationship="son", age=33, documents=[vrf(number="VRF-7")]),
    )
    return {
        "mohammad": mohammad,
        "muhammad": muhammad,
        "karim": karim,
        "rahim": rahim,
        "brother": brother,
        "zarmina": (older, younger),
        "family": family,
    }


def test_a_run_over_the_registry_queues_the_true_duplicates_with_their_scores(registry, unhcr_manager):
    run = run_now(unhcr_manager)

    # The same man spelt otherwise (0.92, as the officer sees him at registration), and the shared card
    # (nearly decisive); not the brothers, not the women 30 years apart, not the two of one household.
    assert queue() == {
        (registry["mohammad"].pk, registry["muhammad"].pk, Decimal("0.920")),
        (registry["karim"].pk, registry["rahim"].pk, Decimal("0.950")),
    }
    assert set(MatchPair.objects.values_list("status", "source", "run_id")) == {("pending", "batch", run.pk)}
    assert (run.status, run.people_total, run.people_done, run.pairs_found, run.error) == ("done", 9, 9, 2, "")
    assert run.started_at <= run.finished_at


def test_a_second_run_proposes_nothing_new(registry, unhcr_manager):
    first = run_now(unhcr_manager)
    before = set(MatchPair.objects.values_list("pk", "first_id", "second_id", "score", "run_id"))

    second = run_now(unhcr_manager)

    assert set(MatchPair.objects.values_list("pk", "first_id", "second_id", "score", "run_id")) == before
    assert (first.pairs_found, second.status, second.people_done, second.pairs_found) == (2, "done", 9, 0)


def test_a_pair_decided_different_people_is_never_proposed_again(registry, unhcr_manager):
    run_now(unhcr_manager)
    pair = MatchPair.objects.get(first=registry["karim"])
    pair_different(pair=pair, decided_by=unhcr_manager)

    again = run_now(unhcr_manager)

    assert again.pairs_found == 0
    assert MatchPair.objects.get(first=registry["karim"]).status == MatchPair.Status.DIFFERENT
    assert MatchPair.objects.count() == 2


def test_two_records_already_one_person_are_not_proposed(registry, unhcr_manager):
    Member.objects.filter(pk=registry["muhammad"].pk).update(same_person_as=registry["mohammad"].pk)

    run = run_now(unhcr_manager)

    assert queue() == {(registry["karim"].pk, registry["rahim"].pk, Decimal("0.950"))}
    assert run.pairs_found == 1


def test_a_run_since_a_time_proposes_only_pairs_touching_the_people_registered_since(
    registry, unhcr_officer, unhcr_manager
):
    # Given the registry above, then Mohammad registered a third time, with a man of a new name
    since = timezone.now()
    [third, _other] = registered(
        unhcr_officer,
        member(given_name="Mohammed", fathers_name="Abdul Rahman", age=31),
        member(given_name="Bashir", fathers_name="Ahmad", relationship="sibling", age=29),
    )

    # When the run looks at the people registered since then
    run = run_now(unhcr_manager, registered_since=since)

    # Then the new record is paired with both earlier ones; the older pairs wait for a whole run
    assert queue() == {
        (registry["mohammad"].pk, third.pk, Decimal("0.920")),
        (registry["muhammad"].pk, third.pk, Decimal("0.920")),
    }
    assert (run.status, run.people_total, run.people_done, run.pairs_found) == ("done", 2, 2, 2)


def test_names_typed_in_each_others_fields_and_a_missing_fathers_name_are_found(unhcr_officer, unhcr_manager):
    [naveed] = registered(unhcr_officer, member(given_name="Naveed", fathers_name="Karim", age=25))
    [swapped] = registered(unhcr_officer, member(given_name="Karim", fathers_name="Naveed", age=25))
    [gul] = registered(unhcr_officer, member(given_name="Gul Ahmad", fathers_name="Nasir", family_name="Safi", age=50))
    [fatherless] = registered(
        unhcr_officer, member(given_name="Golahmad", fathers_name="X", family_name="Safi", age=51)
    )
    # An old record with no father's name (registration now asks for one).
    Member.objects.filter(pk=fatherless.pk).update(fathers_name="", fathers_key="")

    run_now(unhcr_manager)

    assert set(MatchPair.objects.values_list("first_id", "second_id")) == {
        (naveed.pk, swapped.pk),
        (gul.pk, fatherless.pk),
    }


def test_a_field_officer_may_not_start_a_run_and_none_is_created(unhcr_officer):
    with pytest.raises(PermissionDenied):
        match_run_start(started_by=unhcr_officer)

    assert MatchRun.objects.count() == 0


def test_starting_a_run_queues_it_and_the_task_runs_it_once_committed(
    registry, unhcr_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = match_run_start(started_by=unhcr_manager)

        assert MatchRun.objects.get().status == MatchRun.Status.QUEUED

    run.refresh_from_db()
    assert len(callbacks) == 1
    assert (run.status, run.registered_since, run.people_total, run.pairs_found) == ("done", None, 9, 2)
    # A redelivered task leaves the finished run as it is.
    assert tasks.find_duplicates(run.pk) == {"run_id": run.pk, "status": "done", "people": 9, "pairs": 2}
    assert MatchPair.objects.count() == 2


def test_the_hourly_run_looks_at_the_people_registered_since_the_last_run_began(
    registry, unhcr_manager, django_capture_on_commit_callbacks
):
    # Nothing before a manager's first run
    assert match_run_continue() is None
    first = run_now(unhcr_manager)

    with django_capture_on_commit_callbacks(execute=True):
        hourly = match_run_continue()

    hourly.refresh_from_db()
    assert (hourly.started_by, hourly.registered_since) == (
        unhcr_manager,
        first.started_at - duplicates.CONTINUE_OVERLAP,
    )
    assert (hourly.status, hourly.people_total, hourly.pairs_found) == ("done", 9, 0)


def test_the_hourly_run_waits_while_a_run_is_queued(unhcr_manager):
    done = run_now(unhcr_manager)
    MatchRun.objects.create(started_by=unhcr_manager)

    assert match_run_continue() is None
    assert MatchRun.objects.exclude(pk=done.pk).count() == 1


def test_a_failed_run_says_why(registry, unhcr_manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("scoring broke")

    monkeypatch.setattr(duplicates, "record_pair_score", broken)

    run = run_now(unhcr_manager)

    assert (run.status, run.error, run.pairs_found) == ("failed", "RuntimeError: scoring broke", 0)
    assert run.finished_at is not None
    assert MatchPair.objects.count() == 0


def test_the_hourly_search_is_in_the_beat_schedule():
    entry = app.conf.beat_schedule["find-duplicates-since-last-run"]
    assert entry["task"] == "returns.tasks.find_duplicates_since_last_run"
    assert entry["schedule"].minute == {7}
    assert datetime.timedelta(minutes=10) == duplicates.CONTINUE_OVERLAP


def test_a_second_search_is_refused_while_one_waits(unhcr_manager):
    # Given a search waiting for its worker
    waiting = MatchRun.objects.create(started_by=unhcr_manager)

    # When a manager starts another, it is refused and no run is added
    with pytest.raises(Refused) as refused:
        match_run_start(started_by=unhcr_manager)

    assert refused.value.problems["run"][0].code == "already_running"
    assert list(MatchRun.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_a_search_whose_worker_was_lost_is_marked_failed_and_another_may_start(unhcr_manager):
    # Given a search that started seven hours ago and never finished (its worker died)
    lost = MatchRun.objects.create(
        started_by=unhcr_manager,
        status=MatchRun.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=7),
    )
    # When a manager starts a search
    started = match_run_start(started_by=unhcr_manager)

    # Then the lost one says it failed, and the new one waits for its worker
    lost.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", "Stopped: its worker or task was lost.")
    assert lost.finished_at is not None
    assert MatchRun.objects.get(pk=started.pk).status == "queued"

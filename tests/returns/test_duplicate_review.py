"""The review queue of possible duplicates (returns.views.duplicates): who sees which pairs, the pair side by
side with its differences and reasons, and "Same person", "Different people" and "Un-merge" from the page."""

from decimal import Decimal

import pytest

from agencies.models import User
from returns.identity import pair_merge
from returns.models import IdentityEvent, MatchPair, MatchRun, Member
from returns.reference import reference_data
from returns.services.households import household_register
from tests.access_log_support import LOG_ROW
from tests.factories import UserFactory, household, member, por_card
from tests.partner_infra.keys import administrator

pytestmark = pytest.mark.django_db

QUEUE = "/duplicates/"
DECIDED = "/duplicates/decided/"


@pytest.fixture
def reviewer(unhcr) -> User:
    return UserFactory(username="unhcr.reviewer.t", agency=unhcr, office=None, role=User.Role.CASE_WORKER)


def person(officer, **typed) -> Member:
    """One person registered alone in a household of their own (with a card: routed to UNHCR; without: IOM)."""
    typed.setdefault("documents", [por_card()])
    registered = household_register(registered_by=officer, registration=household(members=[member(**typed)]))
    return registered.members.get()


def pair_of(one: Member, other: Member, score: str) -> MatchPair:
    first, second = sorted((one, other), key=lambda record: record.pk)
    return MatchPair.objects.create(first=first, second=second, score=Decimal(score), source=MatchPair.Source.BATCH)


def pair_url(pair: MatchPair) -> str:
    return f"/duplicates/{pair.pk}/"


def decide(client, pair: MatchPair, decision: str, note: str = ""):
    return client.post(f"/duplicates/{pair.pk}/decision/", {"decision": decision, "note": note})


def identity_state() -> dict:
    """Everything a decision writes: every record's person, every pair's decision, every identity event."""
    return {
        "members": sorted(Member.objects.values_list("pk", "same_person_as_id")),
        "pairs": sorted(MatchPair.objects.values_list("pk", "status", "decided_by_id", "decided_at")),
        "events": IdentityEvent.objects.count(),
    }


# --- Who may review ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [User.Role.FIELD_OFFICER, User.Role.COORDINATOR])
def test_only_case_workers_managers_and_administrators_reach_the_queue(client, unhcr, unhcr_officer, role):
    ahmad = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    ahmed = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul")
    pair = pair_of(ahmad, ahmed, "0.910")
    client.force_login(UserFactory(username=f"not.reviewer.{role}", agency=unhcr, role=role))
    before = identity_state()

    assert client.get(QUEUE).status_code == 403
    assert client.get(pair_url(pair)).status_code == 403
    assert client.get(DECIDED).status_code == 403
    assert decide(client, pair, "same").status_code == 403

    assert identity_state() == before


def test_the_main_navigation_links_the_queue_for_reviewers_only(client, reviewer, unhcr_officer):
    client.force_login(reviewer)
    assert 'href="/duplicates/"' in client.get("/households/").content.decode()

    client.force_login(unhcr_officer)
    assert 'href="/duplicates/"' not in client.get("/households/").content.decode()


# --- The queue -----------------------------------------------------------------------------------


def test_the_queue_shows_the_pairs_waiting_best_score_first(client, reviewer, unhcr_officer):
    ahmad = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul", age=30)
    ahmed = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul", age=31)
    karim = person(unhcr_officer, given_name="Karim", fathers_name="Naveed", age=40)
    kareem = person(unhcr_officer, given_name="Kareem", fathers_name="Naveed", age=40)
    lower = pair_of(ahmad, ahmed, "0.870")
    higher = pair_of(karim, kareem, "0.950")
    decided = pair_of(ahmad, karim, "0.990")
    pair_merge(pair=decided, merged_by=reviewer)
    client.force_login(reviewer)

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert [pair.pk for pair in response.context["pairs"]] == [higher.pk, lower.pk]
    assert response.context["page"].paginator.count == 2
    page = response.content.decode()
    assert "2 pairs waiting for a decision" in page
    assert page.index("Karim Naveed") < page.index("Ahmad Gul")


def test_a_reviewer_sees_a_pair_only_when_they_may_see_both_households(client, reviewer, unhcr_officer, iom_officer):
    # Given one pair within UNHCR's households and one with a household routed to IOM
    ahmad = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    ahmed = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul")
    at_iom = person(iom_officer, given_name="Ahmad", fathers_name="Gul", documents=[])
    assert at_iom.household.routed_agency.code == "IOM"
    ours = pair_of(ahmad, ahmed, "0.900")
    across = pair_of(ahmad, at_iom, "0.950")

    # Then UNHCR's reviewer sees only their own pair, and the other is not found
    client.force_login(reviewer)
    assert [pair.pk for pair in client.get(QUEUE).context["pairs"]] == [ours.pk]
    assert client.get(pair_url(across)).status_code == 404
    before = identity_state()
    assert decide(client, across, "same").status_code == 404
    assert identity_state() == before

    # And an administrator, who sees every household, sees both
    client.force_login(administrator())
    assert [pair.pk for pair in client.get(QUEUE).context["pairs"]] == [across.pk, ours.pk]
    assert client.get(pair_url(across)).status_code == 200


# Session, user, the count (at most 10,001 rows), the page of pairs with both people and households,
# the latest search of the registry; then the access log's row.
QUEUE_QUERIES = 5 + LOG_ROW


def test_the_queue_runs_the_same_queries_for_1_and_20_pairs(client, reviewer, unhcr_officer, django_assert_num_queries):
    client.force_login(reviewer)
    people = [person(unhcr_officer, given_name=f"Ahmad{'a' * index}", fathers_name="Gul") for index in range(21)]
    pair_of(people[0], people[1], "0.900")
    reference_data()

    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(client.get(QUEUE).context["pairs"]) == 1

    for index in range(2, 21):
        pair_of(people[0], people[index], "0.800")
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(client.get(QUEUE).context["pairs"]) == 20


# --- A pair side by side -------------------------------------------------------------------------


def test_the_pair_page_shows_both_people_side_by_side_with_the_differences_and_why(client, reviewer, unhcr_officer):
    first = person(
        unhcr_officer,
        given_name="Mohammad",
        fathers_name="Abdul Rahman",
        given_name_local="محمد",
        age=30,
        documents=[por_card(number="PK-111222")],
    )
    second = person(
        unhcr_officer,
        given_name="Muhammad",
        fathers_name="Abdurrahman",
        given_name_local="محمد",
        age=32,
        documents=[por_card(number="PK-333444")],
    )
    pair = pair_of(first, second, "0.920")
    client.force_login(reviewer)

    response = client.get(pair_url(pair))

    assert response.status_code == 200
    rows = {row.label: (row.first, row.second, row.difference) for row in response.context["rows"]}
    assert rows["Given name"] == ("Mohammad", "Muhammad", "variant")
    assert rows["Father's name"] == ("Abdul Rahman", "Abdurrahman", "variant")
    assert rows["Given name (Dari/Pashto)"] == ("محمد", "محمد", "")
    assert rows["Sex"] == ("Male", "Male", "")
    assert rows["Age"] == ("30 (estimated)", "32 (estimated)", "variant")
    assert rows["Documents"] == (
        "PoR card (Proof of Registration) PK-111222",
        "PoR card (Proof of Registration) PK-333444",
        "differs",
    )
    assert rows["Household registration number"][2] == "differs"
    assert rows["Crossing point or office"] == ("Torkham border crossing", "Torkham border crossing", "")
    assert rows["Agency"] == ("UNHCR", "UNHCR", "")
    assert rows["Household members"] == ("Head of household", "Head of household", "")
    assert response.context["rescored"].reasons == [
        "same given name",
        "same father's name",
        "age 2 years apart",
        "another card number",
    ]
    page = response.content.decode()
    assert page.count('class="compare__row compare__row--differs"') == 2
    assert page.count('class="compare__row compare__row--variant"') == 3
    assert 'value="same"' in page and 'value="different"' in page and 'value="unmerge"' not in page


# Session, user, the pair with both people and households, their documents, the two households'
# members (relationships only), the previous and the next pair in the queue; then the access log's row.
PAIR_QUERIES = 7 + LOG_ROW


def test_the_pair_page_runs_the_same_queries_whatever_the_households(
    client, reviewer, unhcr_officer, django_assert_num_queries
):
    small = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    large = household_register(
        registered_by=unhcr_officer,
        registration=household(
            members=[
                member(given_name="Ahmed", fathers_name="Gul", documents=[por_card(), por_card()]),
                *(member(relationship="son", given_name=f"Son{'a' * index}", age=5) for index in range(6)),
            ]
        ),
    ).members.get(relationship="head")
    pair = pair_of(small, large, "0.900")
    client.force_login(reviewer)
    reference_data()

    with django_assert_num_queries(PAIR_QUERIES):
        response = client.get(pair_url(pair))

    rows = {row.label: (row.first, row.second, row.difference) for row in response.context["rows"]}
    assert rows["Household members"] == ("Head of household", "Head of household, Son × 6", "differs")
    assert rows["Household size"] == ("1", "7", "differs")


def test_the_pair_page_steps_to_the_previous_and_next_pair_of_the_queue(client, reviewer, unhcr_officer):
    people = [person(unhcr_officer, given_name=f"Ahmad{'a' * index}", fathers_name="Gul") for index in range(4)]
    best = pair_of(people[0], people[1], "0.990")
    middle = pair_of(people[0], people[2], "0.900")
    tied = pair_of(people[0], people[3], "0.900")
    client.force_login(reviewer)

    context = client.get(pair_url(middle)).context

    assert (context["previous_id"], context["next_id"]) == (best.pk, tied.pk)
    assert (client.get(pair_url(best)).context["previous_id"], client.get(pair_url(tied)).context["next_id"]) == (
        None,
        None,
    )


# --- Deciding --------------------------------------------------------------------------------------


def test_same_person_merges_the_pair_and_goes_to_the_next_pair_waiting(client, reviewer, unhcr_officer):
    ahmad = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    ahmed = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul")
    karim = person(unhcr_officer, given_name="Karim", fathers_name="Naveed")
    kareem = person(unhcr_officer, given_name="Kareem", fathers_name="Naveed")
    pair = pair_of(ahmad, ahmed, "0.950")
    waiting = pair_of(karim, kareem, "0.900")
    client.force_login(reviewer)

    response = decide(client, pair, "same", note="Same card photo.")

    assert response.status_code == 302
    assert response["Location"] == pair_url(waiting)
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (MatchPair.Status.SAME, reviewer)
    assert Member.objects.get(pk=ahmed.pk).same_person_as_id == ahmad.pk
    event = IdentityEvent.objects.get(pair=pair)
    assert (event.kind, event.actor, event.note) == (IdentityEvent.Kind.MERGED, reviewer, "Same card photo.")
    assert [str(message) for message in client.get(response["Location"]).context["messages"]] == [
        "Ahmad Gul and Ahmed Gul are now one person."
    ]


def test_different_people_is_remembered_and_the_last_decision_returns_to_the_queue(client, reviewer, unhcr_officer):
    karim = person(unhcr_officer, given_name="Karim", fathers_name="Gul", age=30)
    brother = person(unhcr_officer, given_name="Kareem", fathers_name="Gul", age=24)
    pair = pair_of(karim, brother, "0.860")
    client.force_login(reviewer)

    response = decide(client, pair, "different", note="Brothers.")

    assert response["Location"] == QUEUE
    pair.refresh_from_db()
    assert pair.status == MatchPair.Status.DIFFERENT
    assert Member.objects.filter(same_person_as__isnull=False).count() == 0
    assert IdentityEvent.objects.get(pair=pair).kind == IdentityEvent.Kind.DIFFERENT
    assert list(client.get(QUEUE).context["pairs"]) == []


def test_a_pair_decided_already_is_refused_with_its_reason_and_nothing_changes(client, reviewer, unhcr_officer):
    ahmad = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    ahmed = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul")
    pair = pair_of(ahmad, ahmed, "0.950")
    pair_merge(pair=pair, merged_by=reviewer)
    client.force_login(reviewer)
    before = identity_state()

    response = decide(client, pair, "different")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["This pair has been decided already."]
    assert identity_state() == before
    # The page now offers what may still be done: un-merge
    page = response.content.decode()
    assert 'value="unmerge"' in page and 'value="same"' not in page


def test_a_note_with_hidden_characters_is_refused_and_nothing_changes(client, reviewer, unhcr_officer):
    pair = pair_of(
        person(unhcr_officer, given_name="Ahmad", fathers_name="Gul"),
        person(unhcr_officer, given_name="Ahmed", fathers_name="Gul"),
        "0.950",
    )
    client.force_login(reviewer)
    before = identity_state()

    response = decide(client, pair, "same", note="Same\u202eperson")

    assert response.status_code == 200
    assert response.context["form"].errors["note"][0].startswith("This text contains characters")
    assert identity_state() == before


def test_an_unknown_decision_is_refused_and_nothing_changes(client, reviewer, unhcr_officer):
    pair = pair_of(
        person(unhcr_officer, given_name="Ahmad", fathers_name="Gul"),
        person(unhcr_officer, given_name="Ahmed", fathers_name="Gul"),
        "0.950",
    )
    client.force_login(reviewer)
    before = identity_state()

    response = decide(client, pair, "delete")

    assert response.status_code == 200
    assert "decision" in response.context["form"].errors
    assert identity_state() == before


# --- The decisions, and un-merging -------------------------------------------------------------------


def test_the_decisions_list_offers_un_merge_on_the_merges_in_force_only(client, reviewer, unhcr_officer):
    ahmad = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    ahmed = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul")
    karim = person(unhcr_officer, given_name="Karim", fathers_name="Naveed")
    kareem = person(unhcr_officer, given_name="Kareem", fathers_name="Naveed")
    merged = pair_of(ahmad, ahmed, "0.950")
    different = pair_of(karim, kareem, "0.900")
    client.force_login(reviewer)
    decide(client, merged, "same")
    decide(client, merged, "unmerge")
    decide(client, merged, "same")
    decide(client, different, "different")

    response = client.get(DECIDED)

    decisions = response.context["decisions"]
    assert [(event.pair_id, event.kind, event.undoable) for event in decisions] == [
        (different.pk, "different", False),
        (merged.pk, "merged", True),
        (merged.pk, "unmerged", False),
        (merged.pk, "merged", False),
    ]
    assert response.content.decode().count("data-unmerge=") == 1


# Session, user, the count, the page of decisions with both people, households and who decided; then the log.
DECIDED_QUERIES = 4 + LOG_ROW


def test_the_decisions_list_runs_the_same_queries_for_1_and_10_decisions(
    client, reviewer, unhcr_officer, django_assert_num_queries
):
    people = [person(unhcr_officer, given_name=f"Ahmad{'a' * index}", fathers_name="Gul") for index in range(11)]
    pair_merge(pair=pair_of(people[0], people[1], "0.900"), merged_by=reviewer)
    client.force_login(reviewer)
    reference_data()
    with django_assert_num_queries(DECIDED_QUERIES):
        assert len(client.get(DECIDED).context["decisions"]) == 1

    for index in range(2, 11):
        pair_merge(pair=pair_of(people[0], people[index], "0.900"), merged_by=reviewer)
    with django_assert_num_queries(DECIDED_QUERIES):
        assert len(client.get(DECIDED).context["decisions"]) == 10


def test_un_merge_restores_the_records_and_puts_the_pair_back_in_the_queue(client, reviewer, unhcr_officer):
    ahmad = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    ahmed = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul")
    pair = pair_of(ahmad, ahmed, "0.950")
    client.force_login(reviewer)
    decide(client, pair, "same")

    response = decide(client, pair, "unmerge", note="Different fathers after all.")

    assert response["Location"] == DECIDED
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by, pair.decided_at) == (MatchPair.Status.PENDING, None, None)
    assert Member.objects.get(pk=ahmed.pk).same_person_as_id is None
    assert IdentityEvent.objects.filter(pair=pair).latest("pk").note == "Different fathers after all."
    assert [queued.pk for queued in client.get(QUEUE).context["pairs"]] == [pair.pk]


def test_un_merge_of_a_merge_a_later_one_depends_on_is_refused_and_nothing_changes(client, reviewer, unhcr_officer):
    # Given C registered first, then A and B; A and B merged, then B's person (A) with C, the earliest record
    c = person(unhcr_officer, given_name="Ahmet", fathers_name="Gul")
    a = person(unhcr_officer, given_name="Ahmad", fathers_name="Gul")
    b = person(unhcr_officer, given_name="Ahmed", fathers_name="Gul")
    a_b = pair_of(a, b, "0.950")
    b_c = pair_of(b, c, "0.900")
    client.force_login(reviewer)
    decide(client, a_b, "same")
    decide(client, b_c, "same")
    assert dict(Member.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "same_person_as_id")) == {
        a.pk: c.pk,
        b.pk: c.pk,
        c.pk: None,
    }
    before = identity_state()

    # When the first merge is reversed before the second
    response = decide(client, a_b, "unmerge")

    # Then it is refused with the reason, and nothing changed
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A later merge of this person depends on this one: reverse that one first."
    ]
    assert identity_state() == before

    # And reversed in order, both are undone
    assert decide(client, b_c, "unmerge").status_code == 302
    assert decide(client, a_b, "unmerge").status_code == 302
    assert Member.objects.filter(pk__in=[a.pk, b.pk, c.pk], same_person_as__isnull=False).count() == 0


# --- Searching the registry ----------------------------------------------------------------------


def test_a_manager_starts_the_search_of_the_registry_from_the_queue(client, unhcr_manager):
    client.force_login(unhcr_manager)
    assert "data-duplicate-search" in client.get(QUEUE).content.decode()

    response = client.post("/duplicates/search/")

    assert response["Location"] == QUEUE
    run = MatchRun.objects.get()
    assert (run.started_by, run.registered_since, run.status) == (unhcr_manager, None, MatchRun.Status.QUEUED)
    page = client.get(QUEUE).content.decode()
    # While it waits or runs, its progress shows and no second search is offered
    assert "Latest search of the registry: Waiting to start, 0 of 0 people compared, 0 pairs found." in page
    assert "data-duplicate-search" not in page


def test_a_case_worker_reviews_but_does_not_start_a_search(client, reviewer):
    client.force_login(reviewer)
    assert "data-duplicate-search" not in client.get(QUEUE).content.decode()

    assert client.post("/duplicates/search/").status_code == 403
    assert MatchRun.objects.count() == 0

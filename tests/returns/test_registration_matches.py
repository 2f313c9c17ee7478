"""Likely matches at registration (the page): shown while the officer types, as far as the officer may see
them, and the officer's decision (the same person, or a new one) recorded with the registration."""

import re
import time
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone
from django.utils.formats import date_format

from returns.identity import pair_merge
from returns.models import Household, IdentityEvent, MatchPair, Member
from returns.reference import reference_data
from returns.registration import RegistrationInvalid, candidate_ref
from returns.services.households import household_register, household_withdraw
from tests.access_log_support import LOG_ROW
from tests.factories import household, member, por_card
from tests.returns.test_pages import REGISTER_URL, member_fields, registration_post

pytestmark = pytest.mark.django_db

MATCHES_URL = "/households/register/matches/"
REF = re.compile(r'name="members-0-same_person_as" value="([^"]+)"')


def registered(officer, **person) -> Household:
    return household_register(registered_by=officer, registration=household(members=[member(**person)]))


def unhcr_and_iom_namesakes(unhcr_officer, iom_officer) -> tuple[Household, Household]:
    """Mohammad son of Gul, 30, registered by UNHCR (a card holder) and by IOM (deported)."""
    by_unhcr = registered(
        unhcr_officer, given_name="Mohammad", fathers_name="Gul", family_name="Safi", age=30, documents=[por_card()]
    )
    by_iom = household_register(
        registered_by=iom_officer,
        registration=household(
            members=[member(given_name="Muhammad", fathers_name="Gul", family_name="Safi", age=31)],
            return_type="deportation",
        ),
    )
    assert (by_unhcr.routed_agency.code, by_iom.routed_agency.code) == ("UNHCR", "IOM")
    return by_unhcr, by_iom


def matches(client, **typed):
    return client.post(MATCHES_URL, {"row": "members-0", **typed})


def refs_in(response) -> list[str]:
    return REF.findall(response.content.decode())


def scores_of(refs: list[str]) -> list[str]:
    """The score each reference carries: the one shown, recorded with the decision."""
    return [signing.loads(ref, salt="returns.registration.candidate")["s"] for ref in refs]


def counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        IdentityEvent.objects.count(),
        MatchPair.objects.count(),
    )


# --- The matches shown while typing ----------------------------------------------------------


def test_the_officer_sees_their_agencys_match_in_full_and_the_other_agencys_by_agency_and_day_only(
    client, unhcr_officer, iom_officer
):
    # Given Mohammad son of Gul registered by UNHCR and by IOM
    by_unhcr, by_iom = unhcr_and_iom_namesakes(unhcr_officer, iom_officer)
    client.force_login(unhcr_officer)

    # When a UNHCR officer types Mohammed son of Gul, about 30
    response = matches(client, given_name="Mohammed", fathers_name="Gul", sex="male", estimated_age="30")

    # Then both are shown, UNHCR's with its household and names, IOM's by agency and day only
    assert response.status_code == 200
    content = response.content.decode()
    assert by_unhcr.registration_number in content
    assert "Mohammad Safi" in content
    iom_day = date_format(timezone.localtime(by_iom.created_at).date(), "j F Y")
    assert f"A possible match registered by IOM on {iom_day}" in content
    assert by_iom.registration_number not in content
    assert "Muhammad" not in content
    assert str(by_iom.public_id) not in content
    assert str(by_iom.members.get().public_id) not in content
    # ... each with the reasons, a radio carrying its signed reference, and "A new person" chosen
    assert "same given name, same father&#x27;s name, same age" in content
    assert len(refs_in(response)) == 2
    assert re.search(r'value="" checked data-new-person', content)
    assert content.count('name="members-0-candidates_seen"') == 2
    assert [signing.loads(ref, salt="returns.registration.candidate")["m"] for ref in refs_in(response)] == [
        by_unhcr.members.get().pk,
        by_iom.members.get().pk,
    ]


def test_a_choice_made_before_is_kept_when_the_matches_are_asked_again(client, unhcr_officer):
    first = registered(unhcr_officer, given_name="Naveed", fathers_name="Karim", age=25, documents=[por_card()])
    client.force_login(unhcr_officer)
    [ref] = refs_in(matches(client, given_name="Naveed", fathers_name="Karim"))

    response = matches(client, given_name="Naveed", fathers_name="Karim", estimated_age="26", same_person_as=ref)

    content = response.content.decode()
    assert re.search(r'name="members-0-same_person_as" value="[^"]+" checked', content)
    assert "checked data-new-person" not in content
    assert first.registration_number in content


def test_the_matches_fragment_runs_a_fixed_number_of_queries(client, unhcr_officer, django_assert_num_queries):
    for age in (30, 31, 32):
        registered(unhcr_officer, given_name="Karim", fathers_name="Nabi", age=age, documents=[por_card()])
    client.force_login(unhcr_officer)
    reference_data()

    # Session, user; the blocks (one UNION), the people with their documents, the candidates kept with
    # their households and whether the officer may see them; and the access log's row for the households shown.
    with django_assert_num_queries(5 + LOG_ROW):
        response = matches(client, given_name="Karim", fathers_name="Nabi", estimated_age="31")

    assert len(refs_in(response)) == 3


def test_nothing_typed_yet_shows_nothing_and_reads_no_person(client, unhcr_officer, django_assert_num_queries):
    client.force_login(unhcr_officer)

    with django_assert_num_queries(2):  # session, user
        response = matches(client, given_name="", sex="male")

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_a_half_typed_date_is_left_out_of_the_search_not_an_error(client, unhcr_officer):
    registered(unhcr_officer, given_name="Zahir", fathers_name="Omar", age=40, documents=[por_card()])
    client.force_login(unhcr_officer)

    response = matches(client, given_name="Zahir", fathers_name="Omar", date_of_birth="19")

    assert len(refs_in(response)) == 1


def test_an_unknown_row_is_a_bad_request(client, unhcr_officer):
    client.force_login(unhcr_officer)

    assert client.post(MATCHES_URL, {"row": 'members-0" onclick="x', "given_name": "Ahmad"}).status_code == 400


def test_a_coordinator_who_registers_nobody_is_refused_the_matches(client, coordinator):
    client.force_login(coordinator)

    assert matches(client, given_name="Ahmad", fathers_name="Gul").status_code == 403


def test_the_matches_are_not_read_with_a_get(client, unhcr_officer):
    client.force_login(unhcr_officer)

    assert client.get(MATCHES_URL, {"row": "members-0", "given_name": "Ahmad"}).status_code == 405


# --- The decision, posted with the registration ------------------------------------------------


def register_page(client, **member_extra):
    return client.post(
        REGISTER_URL,
        registration_post(
            members=[member_fields(given_name="Mohammed", fathers_name="Gul", estimated_age="30", **member_extra)]
        ),
    )


def test_linking_another_agencys_person_records_the_link_and_the_pair(client, unhcr_officer, iom_officer):
    # Given the matches a UNHCR officer was shown for Mohammed son of Gul
    _by_unhcr, by_iom = unhcr_and_iom_namesakes(unhcr_officer, iom_officer)
    client.force_login(unhcr_officer)
    shown = refs_in(matches(client, given_name="Mohammed", fathers_name="Gul", sex="male", estimated_age="30"))

    # When they say he is IOM's person and save
    response = register_page(client, same_person_as=shown[1], candidates_seen=shown)

    # Then the household is saved and the new record points at IOM's person, with the link recorded
    assert response.status_code == 302
    existing = by_iom.members.get()
    new = Member.objects.latest("pk")
    assert new.same_person_as_id == existing.pk
    event = IdentityEvent.objects.get()
    assert (event.kind, event.member_id, event.other_id, event.actor) == (
        IdentityEvent.Kind.LINKED,
        new.pk,
        existing.pk,
        unhcr_officer,
    )
    pair = MatchPair.objects.get()
    assert (pair.first_id, pair.second_id, pair.status, pair.source, pair.decided_by) == (
        existing.pk,
        new.pk,
        MatchPair.Status.SAME,
        MatchPair.Source.REGISTRATION,
        unhcr_officer,
    )
    assert pair.score == Decimal(scores_of(shown)[1])


def test_keeping_a_new_person_records_the_candidates_seen(client, unhcr_officer, iom_officer):
    by_unhcr, by_iom = unhcr_and_iom_namesakes(unhcr_officer, iom_officer)
    client.force_login(unhcr_officer)
    shown = refs_in(matches(client, given_name="Mohammed", fathers_name="Gul", sex="male", estimated_age="30"))

    response = register_page(client, same_person_as="", candidates_seen=shown)

    assert response.status_code == 302
    new = Member.objects.latest("pk")
    assert new.same_person_as_id is None
    event = IdentityEvent.objects.get()
    assert (event.kind, event.member_id, event.other_id, event.actor) == (
        IdentityEvent.Kind.NEW_PERSON,
        new.pk,
        None,
        unhcr_officer,
    )
    assert event.details == {
        "candidates": [[by_unhcr.members.get().pk, scores_of(shown)[0]], [by_iom.members.get().pk, scores_of(shown)[1]]]
    }
    assert MatchPair.objects.count() == 0


def test_a_registration_without_javascript_records_no_decision(client, unhcr_officer, iom_officer):
    unhcr_and_iom_namesakes(unhcr_officer, iom_officer)
    client.force_login(unhcr_officer)

    response = register_page(client)

    assert response.status_code == 302
    assert IdentityEvent.objects.count() == 0
    assert Member.objects.latest("pk").same_person_as_id is None


def refused_on_the_member(response, message: str) -> None:
    assert response.status_code == 200
    assert "Nothing was saved." in response.content.decode()
    assert response.context["member_formset"].forms[0].errors == {"same_person_as": [message]}


def test_an_expired_reference_refuses_the_registration_and_saves_nothing(client, unhcr_officer, monkeypatch):
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    five_hours_ago = int(time.time()) - 5 * 3600
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda signer: signing.b62_encode(five_hours_ago))
    old = candidate_ref(member_id=first.members.get().pk, score=0.95, user=unhcr_officer)
    monkeypatch.undo()
    client.force_login(unhcr_officer)
    before = counts()

    response = register_page(client, same_person_as=old, candidates_seen=[old])

    refused_on_the_member(
        response, "The possible matches for this person were shown more than 4 hours ago. Look at them again."
    )
    assert counts() == before


def test_a_reference_altered_or_issued_to_another_officer_refuses_the_registration(client, unhcr_officer, iom_officer):
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    someone_elses = candidate_ref(member_id=first.members.get().pk, score=0.95, user=iom_officer)
    altered = candidate_ref(member_id=first.members.get().pk, score=0.95, user=unhcr_officer).replace(":", "x", 1)
    client.force_login(unhcr_officer)
    before = counts()

    for ref in (someone_elses, altered, "not-a-reference"):
        response = register_page(client, same_person_as=ref, candidates_seen=[ref])

        refused_on_the_member(response, "The possible match chosen is not one shown. Look again.")
    assert counts() == before


def test_a_new_person_seen_with_an_unreadable_candidate_is_refused(client, unhcr_officer):
    client.force_login(unhcr_officer)
    before = counts()

    response = register_page(client, same_person_as="", candidates_seen=["tampered"])

    refused_on_the_member(response, "The possible match chosen is not one shown. Look again.")
    assert counts() == before


def test_a_person_withdrawn_since_they_were_shown_cannot_be_linked(client, unhcr_officer, unhcr_manager):
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    client.force_login(unhcr_officer)
    [ref] = refs_in(matches(client, given_name="Mohammad", fathers_name="Gul"))
    household_withdraw(household=first, withdrawn_by=unhcr_manager, reason="Registered twice at the gate.")
    before = counts()

    response = register_page(client, same_person_as=ref, candidates_seen=[ref])

    refused_on_the_member(
        response,
        "The person chosen is no longer in the registry (withdrawn). Choose a new person or another match.",
    )
    assert counts() == before


def test_two_members_cannot_both_be_the_same_registered_person(client, unhcr_officer):
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    ref = candidate_ref(member_id=first.members.get().pk, score=0.95, user=unhcr_officer)
    client.force_login(unhcr_officer)
    before = counts()

    response = client.post(
        REGISTER_URL,
        registration_post(
            members=[
                member_fields(given_name="Mohammad", fathers_name="Gul", estimated_age="30", same_person_as=ref),
                member_fields(
                    given_name="Mohammad",
                    fathers_name="Gul",
                    relationship="son",
                    estimated_age="10",
                    same_person_as=ref,
                ),
            ]
        ),
    )

    assert response.status_code == 200
    assert response.context["member_formset"].forms[1].errors == {
        "same_person_as": ["Another member above is already this person. Choose a new person, or the right match."]
    }
    assert counts() == before


def test_a_page_sent_back_with_a_problem_keeps_the_decision(client, unhcr_officer):
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    ref = candidate_ref(member_id=first.members.get().pk, score=0.95, user=unhcr_officer)
    client.force_login(unhcr_officer)

    response = client.post(
        REGISTER_URL,
        registration_post(
            members=[
                member_fields(given_name="Mohammad", fathers_name="Gul", same_person_as=ref, candidates_seen=[ref])
            ]
        ),
    )

    # No age: sent back; the decision rides along in hidden fields, for the next save
    content = response.content.decode()
    assert f'<input type="hidden" name="members-0-same_person_as" value="{ref}"' in content
    assert f'<input type="hidden" name="members-0-candidates_seen" value="{ref}"' in content


def test_two_members_linked_to_two_records_of_one_merged_person_are_refused(unhcr_officer, unhcr_manager):
    # Given Mohammad registered twice, the two records merged as one person
    first = registered(unhcr_officer, given_name="Mohammad", fathers_name="Gul", age=30, documents=[por_card()])
    second = registered(unhcr_officer, given_name="Muhammad", fathers_name="Gul", age=31, documents=[por_card()])
    one, other = first.members.get(), second.members.get()
    pair = MatchPair.objects.create(first=one, second=other, score=Decimal("0.920"), source=MatchPair.Source.BATCH)
    pair_merge(pair=pair, merged_by=unhcr_manager)
    before = counts()

    # When an officer links one member to the first record and another member to the second
    with pytest.raises(RegistrationInvalid) as refused:
        household_register(
            registered_by=unhcr_officer,
            registration=household(
                members=[
                    member(same_person_as=candidate_ref(member_id=one.pk, score=0.95, user=unhcr_officer)),
                    member(
                        relationship="son",
                        given_name="Karim",
                        age=10,
                        same_person_as=candidate_ref(member_id=other.pk, score=0.92, user=unhcr_officer),
                    ),
                ]
            ),
        )

    # Then the second link is refused: one person cannot be both; nothing is saved
    assert [(path, [problem.code for problem in problems]) for path, problems in refused.value.problems.items()] == [
        ("members.1.same_person_as", ["linked_twice"])
    ]
    assert counts() == before

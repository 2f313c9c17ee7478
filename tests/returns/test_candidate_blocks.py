"""How the duplicate candidates are found (returns.matching blocking): a name pair and an age window
read from one index, and the given and family names when the father's name is not known."""

import pytest

from returns.matching import AGE_WINDOW, PersonSought, person_candidates
from returns.services.households import household_register
from tests.factories import household, member

pytestmark = pytest.mark.django_db


def registered(officer, **person):
    return household_register(registered_by=officer, registration=household(members=[member(**person)]))


def test_namesakes_further_apart_in_age_than_the_window_are_not_read(unhcr_officer):
    # Given two men named Karim son of Gul, one 30 and one more than the window older
    near = registered(unhcr_officer, given_name="Karim", fathers_name="Gul", family_name="Ahmadi", age=30)
    registered(unhcr_officer, given_name="Karim", fathers_name="Gul", family_name="Ahmadi", age=31 + AGE_WINDOW + 1)

    # When a man of 31 is looked for
    candidates = person_candidates(
        PersonSought(given_name="Karim", fathers_name="Gul", family_name="Ahmadi", sex="male", estimated_age=31),
        user=unhcr_officer,
    )

    # Then only the one within the window is a candidate
    assert [candidate.member.household_id for candidate in candidates] == [near.pk]


def test_a_person_looked_for_without_a_fathers_name_is_found_by_given_and_family_name(unhcr_officer):
    first = registered(
        unhcr_officer, given_name="Zarmina", fathers_name="Nasir", family_name="Stanikzai", sex="female", age=24
    )

    candidates = person_candidates(
        PersonSought(given_name="Zarmina", family_name="Stanikzai", sex="female", estimated_age=23),
        user=unhcr_officer,
    )

    assert [candidate.member.household_id for candidate in candidates] == [first.pk]

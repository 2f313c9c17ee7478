"""Hostile text, generated: random Unicode with control, format and bidirectional characters, very long
strings, only whitespace, mixed scripts. Whatever is typed, the registration service, the page and the
API either refuse it with a problem on the field or store a name a person can read (no hidden
character, at least one letter, trimmed); never an error of their own. A Dari name keeps its
zero-width non-joiner as typed.
"""

import datetime
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from returns.models import Household, Member
from returns.reference import reference_data
from returns.registration import NAME_FIELDS, RegistrationInvalid, registration_problems
from returns.services.households import household_register
from returns.text import ZERO_WIDTH_NON_JOINER, has_letter, name_hidden_characters
from tests.api import conftest as api_fixtures
from tests.factories import household, member, por_card
from tests.returns.test_pages import REGISTER_URL, member_fields, registration_post

pytestmark = pytest.mark.django_db

client_for = api_fixtures.client_for
unhcr_client = api_fixtures.unhcr_client

API_URL = "/api/v1/households/"
HOSTILE = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that print nothing, reorder text, or break lines; and the ZWNJ that Dari needs.
INVISIBLE = (
    "\x00\t\n\r\x0b\x1b\x7f\u0085\u00a0\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\ufff9\U000e0001\ue000"
)
DARI_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیۀئءآ"
PASHTO_LETTERS = "ټډړږښګڼۍې"
LATIN = "AhmadGulRahimZarghona"
MARKS = "\u064b\u064e\u0650\u0652\u0301"

any_unicode = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
mixed = st.text(
    alphabet=st.sampled_from(INVISIBLE + DARI_LETTERS + PASHTO_LETTERS + LATIN + MARKS + " -.'0"), max_size=40
)
whitespace_only = st.text(alphabet=st.sampled_from(" \t\n\u00a0\u3000\u2003"), max_size=10)
very_long = st.text(alphabet=st.sampled_from(DARI_LETTERS + LATIN + INVISIBLE), min_size=95, max_size=400)
hostile_text = st.one_of(any_unicode, mixed, whitespace_only, very_long)

# A Dari or Pashto name as officers type it: words of letters, some joined by a ZWNJ.
dari_word = st.text(alphabet=st.sampled_from(DARI_LETTERS + PASHTO_LETTERS), min_size=1, max_size=8)
dari_name = st.lists(dari_word, min_size=1, max_size=3).flatmap(
    lambda words: st.lists(
        st.sampled_from([ZERO_WIDTH_NON_JOINER, " "]), min_size=len(words) - 1, max_size=len(words) - 1
    ).map(lambda joins: "".join(word + join for word, join in zip(words, [*joins, ""], strict=True)))
)

# Hostile text half the time, a name an officer would type the other half: both outcomes are exercised.
latin_name = st.text(alphabet=st.sampled_from(LATIN + " '-"), min_size=1, max_size=30).filter(has_letter)
name_or_hostile = st.one_of(hostile_text, dari_name, latin_name)


def readable(name: str) -> bool:
    """What every stored name is: trimmed, with a letter, without a character that hides or reorders."""
    return name == name.strip() and has_letter(name) and name_hidden_characters(name) == []


def names_of(stored: Member) -> dict[str, str]:
    return {name_field: getattr(stored, name_field) for name_field in NAME_FIELDS}


# ---------------------------------------------------------------------------------------------
# The rule: registration_problems
# ---------------------------------------------------------------------------------------------


@HOSTILE
@given(name_field=st.sampled_from(NAME_FIELDS), text=hostile_text)
@example(name_field="given_name", text="\u200b\u200b")
@example(name_field="fathers_name", text="Ahmad\u202edammahoM")
@example(name_field="family_name_local", text="  \u200c  ")
def test_a_name_is_refused_on_its_field_or_is_readable(name_field, text):
    registration = household()
    setattr(registration.members[0], name_field, text)

    problems = registration_problems(registration, reference=reference_data(), today=registration.arrival_date)

    # Only the field typed can be wrong; and it is refused exactly when it would not be readable.
    assert set(problems) <= {f"members.0.{name_field}"}
    stored = text.strip()
    required = name_field in {"given_name", "fathers_name"}
    expected_refusal = (
        (required and not stored)
        or (bool(stored) and not readable(stored))
        or len(stored) > 100
        or (name_field.endswith("_local") and any(character.isascii() and character.isalpha() for character in stored))
    )
    assert bool(problems) == expected_refusal, problems
    event("refused" if problems else "accepted")


# ---------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------


@HOSTILE
@given(given_name=name_or_hostile, fathers_name=name_or_hostile, family_name_local=st.one_of(hostile_text, dari_name))
def test_the_service_refuses_or_stores_readable_names(unhcr_officer, given_name, fathers_name, family_name_local):
    before = (Household.objects.count(), Member.objects.count())
    registration = household(
        members=[member(given_name=given_name, fathers_name=fathers_name, family_name_local=family_name_local)]
    )

    try:
        registered = household_register(registered_by=unhcr_officer, registration=registration)
    except RegistrationInvalid as refused:
        assert set(refused.problems) <= {
            "members.0.given_name",
            "members.0.fathers_name",
            "members.0.family_name_local",
        }
        assert (Household.objects.count(), Member.objects.count()) == before
        event("refused")
        return

    event("stored")
    stored = Member.objects.get(household=registered)
    assert (stored.given_name, stored.fathers_name, stored.family_name_local) == (
        given_name.strip(),
        fathers_name.strip(),
        family_name_local.strip(),
    )
    assert readable(stored.given_name) and readable(stored.fathers_name)
    assert stored.family_name_local == "" or readable(stored.family_name_local)


@HOSTILE
@given(local_name=dari_name)
@example(local_name="رحمت\u200cالله")
@example(local_name="عبدالرحمن")
def test_a_dari_name_with_zero_width_non_joiners_is_stored_as_typed(unhcr_officer, local_name):
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(members=[member(given_name="Rahmatullah", given_name_local=local_name)]),
    )

    stored = Member.objects.get(household=registered)
    assert stored.given_name_local == local_name
    assert stored.given_name_local.count(ZERO_WIDTH_NON_JOINER) == local_name.count(ZERO_WIDTH_NON_JOINER)


# ---------------------------------------------------------------------------------------------
# The API serializer, through the endpoint
# ---------------------------------------------------------------------------------------------


@HOSTILE
@given(
    names=st.fixed_dictionaries(
        {},
        optional={
            name_field: st.one_of(hostile_text, st.text(alphabet=st.characters(categories=["Cs"]), min_size=1))
            for name_field in NAME_FIELDS
        },
    )
)
def test_the_api_answers_400_or_201_with_readable_names(unhcr_client, names):
    body = {
        "arrival_date": "2025-11-01",
        "office": "TKM",
        "country_of_departure": "PK",
        "return_type": "voluntary_repatriation",
        "destination_province": "AF06",
        "members": [
            {
                "given_name": "Ahmad",
                "fathers_name": "Mohammad",
                "sex": "male",
                "relationship": "head",
                "estimated_age": 35,
            }
            | names
        ],
    }
    before = (Household.objects.count(), Member.objects.count())

    # Sent as a client would: JSON with \\u escapes, which may carry lone surrogates.
    response = unhcr_client.post(API_URL, data=json.dumps(body), content_type="application/json")

    assert response.status_code in {201, 400}, response.content[:500]
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"
        assert all(error["path"].startswith("members.0.") for error in response.json()["errors"])
        assert (Household.objects.count(), Member.objects.count()) == before
        event("400")
        return
    event("201")
    stored = Member.objects.get(public_id=response.json()["members"][0]["id"])
    for name_field, name in names_of(stored).items():
        assert name == "" or readable(name), (name_field, name)


# ---------------------------------------------------------------------------------------------
# The registration page's forms
# ---------------------------------------------------------------------------------------------


@HOSTILE
@given(given_name=name_or_hostile, fathers_name_local=st.one_of(hostile_text, dari_name))
def test_the_registration_page_shows_problems_or_stores_readable_names(
    client, unhcr_officer, given_name, fathers_name_local
):
    client.force_login(unhcr_officer)
    before = (Household.objects.count(), Member.objects.count())
    body = registration_post(
        members=[member_fields(given_name=given_name, fathers_name_local=fathers_name_local, estimated_age="35")]
    )

    response = client.post(REGISTER_URL, body)

    assert response.status_code in {200, 302}
    if response.status_code == 200:
        member_errors = response.context["member_formset"].forms[0].errors
        assert set(member_errors) <= {"given_name", "fathers_name_local"} and member_errors
        assert not response.context["household_form"].errors
        assert (Household.objects.count(), Member.objects.count()) == before
        event("shown again with problems")
        return
    event("registered")
    stored = Member.objects.order_by("-pk").first()
    assert Member.objects.count() == before[1] + 1
    assert readable(stored.given_name)
    assert stored.fathers_name_local == "" or readable(stored.fathers_name_local)


# ---------------------------------------------------------------------------------------------
# Dates: any day the calendar has is refused or accepted, never an error
# ---------------------------------------------------------------------------------------------


@HOSTILE
@given(
    arrival=st.dates(),
    birth=st.one_of(st.none(), st.dates()),
    age=st.one_of(st.none(), st.integers(min_value=-(2**31), max_value=2**31)),
    expiry=st.one_of(st.none(), st.dates()),
)
@example(arrival=datetime.date.min, birth=datetime.date.max, age=None, expiry=datetime.date.max)
@example(arrival=datetime.date.max, birth=datetime.date.min, age=None, expiry=datetime.date.min)
def test_any_dates_are_refused_on_their_field_or_accepted(arrival, birth, age, expiry):
    registration = household(
        arrival_date=arrival, members=[member(date_of_birth=birth, age=age, documents=[por_card()])]
    )
    registration.members[0].documents[0].expiry_date = expiry
    today = timezone.localdate()

    problems = registration_problems(registration, reference=reference_data(), today=today)

    assert set(problems) <= {
        "arrival_date",
        "members.0.date_of_birth",
        "members.0.estimated_age",
        "members.0.documents.0.expiry_date",
    }
    assert ("arrival_date" in problems) == (not datetime.date(2002, 3, 1) <= arrival <= today)
    if expiry is not None and not datetime.date(1950, 1, 1) <= expiry <= datetime.date(2100, 12, 31):
        assert "expiry_out_of_range" in [problem.code for problem in problems["members.0.documents.0.expiry_date"]]

"""A name's suggested spelling in the other script (``returns.transliteration``) and the registration
page's endpoint that asks for it as the officer types."""

import pytest
from django.urls import reverse

from agencies.models import User
from returns.models import Household
from returns.transliteration import latin_suggested, local_suggested
from tests.factories import UserFactory

URL = "/households/register/transliterate/"


@pytest.mark.parametrize(
    ("local", "latin"),
    [
        ("محمد کریم", "Mohammad Karim"),  # known names, as Afghan documents spell them
        ("Ahmad احمد", "Ahmad Ahmad"),  # a Latin word among Dari ones is kept as typed
        ("محمد  کریم", "Mohammad Karim"),
        ("احمد", "Ahmad"),
        ("نسرین", "Nasrin"),
        ("وحید", "Wahid"),
        ("گلالۍ", "Gulalai"),  # Pashto's ۍ
        ("ملالۍ", "Malalai"),
        ("عبدالله", "Abdullah"),
        ("رحمت\u200cالله", "Rahmatullah"),  # with a zero-width non-joiner
        ("رحمتالله", "Rahmatullah"),  # and without
        ("عبدالرحمان", "Abdul Rahman"),  # Abdul- and a known name
        ("عبدالرحمن", "Abdul Rahman"),
        ("نورالدین", "Nooruddin"),  # a known name and -uddin
        ("احمدزی", "Ahmadzai"),  # a known name and -zai
        ("كريم", "Karim"),  # Arabic kaf and yeh, folded to Dari's
        ("يوسف", "Yousuf"),
        ("جمیله", "Jamila"),  # unknown: letter by letter, a final ه after a consonant read as a
        ("شکریه", "Shakria"),  # unknown: the short vowels guessed (an a after the first consonant)
        ("اوغان", "Awghan"),
    ],
)
def test_a_name_in_dari_or_pashto_script_is_suggested_in_latin_letters(local, latin):
    # When a name typed in Dari or Pashto script is transliterated
    # Then
    assert latin_suggested(local) == latin


@pytest.mark.parametrize("text", ["Ahmad", "", "   ", "123"])
def test_a_name_without_arabic_letters_has_no_latin_suggestion(text):
    assert latin_suggested(text) == ""


@pytest.mark.parametrize(
    ("latin", "local"),
    [
        ("Mohammad Karim", "محمد کریم"),
        ("Abdul Rahman", "عبدالرحمان"),  # Abdul is written joined to the name after it
        ("mohammad", "محمد"),
        ("MOHAMMAD", "محمد"),
        ("Gul  Ahmad", "گل احمد"),
        ("Rahmatullah", "رحمت\u200cالله"),
        ("Gulalai", "گلالۍ"),
    ],
)
def test_a_latin_name_made_only_of_known_names_is_suggested_in_dari_script(latin, local):
    assert local_suggested(latin) == local


@pytest.mark.parametrize("latin", ["Ahmad Zzz", "Mohammed", "", "   ", "احمد"])
def test_a_latin_name_with_an_unknown_word_has_no_dari_suggestion(latin):
    # Short vowels and letters that sound alike cannot be told from a Latin spelling: no guess
    assert local_suggested(latin) == ""


# --- The endpoint -------------------------------------------------------------------------------------


def test_the_endpoint_is_the_registration_pages():
    assert reverse("returns:household-register-transliterate") == URL


@pytest.mark.parametrize(
    ("posted", "suggestion"),
    [
        ({"text": "احمد", "to": "latin"}, "Ahmad"),
        ({"text": "محمد کریم", "to": "latin"}, "Mohammad Karim"),
        ({"text": "Mohammad Karim", "to": "local"}, "محمد کریم"),
        ({"text": "Ahmad Zzz", "to": "local"}, ""),
        ({"text": "Ahmad", "to": "latin"}, ""),
        ({"text": "احمد"}, "Ahmad"),  # latin when not said
        ({}, ""),
    ],
)
def test_a_field_officer_is_suggested_the_other_spelling(client, unhcr_officer, posted, suggestion):
    # Given a field officer on the registration page
    client.force_login(unhcr_officer)

    # When a name is posted as they type it
    response = client.post(URL, posted)

    # Then the suggestion comes back as JSON
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"suggestion": suggestion}


def test_only_the_first_hundred_characters_are_transliterated(client, unhcr_officer):
    # Given a text of 30 names (120 characters)
    client.force_login(unhcr_officer)

    # When it is posted
    response = client.post(URL, {"text": "احمد " * 30, "to": "latin"})

    # Then the first 100 characters (20 names) are transliterated
    assert response.json() == {"suggestion": " ".join(["Ahmad"] * 20)}


def test_an_unknown_direction_is_a_bad_request(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.post(URL, {"text": "احمد", "to": "arabic"})

    assert response.status_code == 400
    assert response.content == b""


def test_a_get_is_not_allowed(client, unhcr_officer):
    # Names stay out of addresses and server logs: only a POST is answered
    client.force_login(unhcr_officer)

    response = client.get(URL, {"text": "احمد", "to": "latin"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_coordinator_who_cannot_register_is_refused(client, coordinator):
    # Given a coordinator, whose role cannot register households (returns.policy.require_register)
    client.force_login(coordinator)

    # When they ask for a suggestion
    response = client.post(URL, {"text": "احمد", "to": "latin"})

    # Then they are refused, with the reason, and nothing is suggested or saved
    assert response.status_code == 403
    assert "Your role cannot register households." in response.content.decode()
    assert "Ahmad" not in response.content.decode()
    assert Household.objects.count() == 0


@pytest.mark.parametrize("role", [User.Role.FIELD_OFFICER, User.Role.CASE_WORKER, User.Role.MANAGER])
def test_every_registering_role_is_answered(client, unhcr, torkham, role):
    # Given a member of staff whose role registers households
    staff = UserFactory(username=f"{role}.t", agency=unhcr, office=torkham, role=role)
    client.force_login(staff)

    # When they ask for a suggestion
    response = client.post(URL, {"text": "احمد", "to": "latin"})

    # Then
    assert (response.status_code, response.json()) == (200, {"suggestion": "Ahmad"})


def test_a_deactivated_field_officer_is_refused(client, unhcr_officer):
    # Given a field officer whose account was deactivated after they logged in
    client.force_login(unhcr_officer)
    User.objects.filter(pk=unhcr_officer.pk).update(is_active=False)

    # When they ask for a suggestion
    response = client.post(URL, {"text": "احمد", "to": "latin"})

    # Then their session no longer counts: they are sent to log in
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/households/register/transliterate/"


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.post(URL, {"text": "احمد", "to": "latin"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/households/register/transliterate/"

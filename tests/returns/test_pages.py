"""The web pages: registration, routing result, list, detail and re-routing, through Django's test client."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from agencies.models import User
from returns.models import Household, HouseholdEvent, Member, MemberDocument
from returns.reference import reference_data
from returns.services.households import household_register
from tests.access_log_support import LOG_ROW
from tests.factories import UserFactory, arrival_outside_winter_pause, household, member, por_card, vrf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Labels read outside a request (flag labels, messages) are English whatever an earlier test activated."""
    with translation.override("en"):
        yield


REGISTER_URL = "/households/register/"
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def document_fields(slot: int, document: dict) -> dict:
    return {f"document_{slot}_{name}": value for name, value in document.items()}


def member_fields(
    *,
    given_name="Ahmad",
    fathers_name="Mohammad",
    family_name="",
    sex="male",
    relationship="head",
    date_of_birth="",
    estimated_age="",
    documents=(),
    specific_needs=(),
    **names_local,
) -> dict:
    fields = {
        "given_name": given_name,
        "fathers_name": fathers_name,
        "family_name": family_name,
        "sex": sex,
        "relationship": relationship,
        "date_of_birth": date_of_birth,
        "estimated_age": estimated_age,
        "specific_needs": list(specific_needs),
        **names_local,
    }
    for slot, document in enumerate(documents):
        fields.update(document_fields(slot, document))
    return fields


def registration_post(*, members, **household_fields) -> dict:
    """The POST body of the registration page, as the browser sends it."""
    data = {
        "arrival_date": YESTERDAY.isoformat(),
        "office": "TKM",
        "country_of_departure": "PK",
        "return_type": "voluntary_repatriation",
        "destination_province": "AF06",
        "destination_district": "",
        "phone": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        **household_fields,
    }
    for index, fields in enumerate(members):
        for name, value in fields.items():
            data[f"members-{index}-{name}"] = value
    return data


POR_CARD = {"type": "por_card", "number": "PK-778899", "issuing_country": "PK", "expiry_date": ""}


def three_member_household(**household_fields) -> dict:
    return registration_post(
        members=[
            member_fields(
                given_name="Gul",
                fathers_name="Rahim",
                family_name="Safi",
                given_name_local="گل",
                fathers_name_local="رحیم",
                family_name_local="صافی",
                date_of_birth="1985-03-14",
                documents=[{**POR_CARD, "expiry_date": "2030-12-31"}],
            ),
            member_fields(
                given_name="Zarghona",
                fathers_name="Karim",
                sex="female",
                relationship="spouse",
                estimated_age="34",
                specific_needs=["WR"],
            ),
            member_fields(
                given_name="Wali",
                fathers_name="Gul",
                relationship="son",
                date_of_birth=(YESTERDAY - datetime.timedelta(days=3 * 365)).isoformat(),
                specific_needs=["SM", "SM-CI"],
            ),
        ],
        **household_fields,
    )


def counts() -> tuple[int, int]:
    return Household.objects.count(), Member.objects.count()


def register(user, registration=None) -> Household:
    return household_register(registered_by=user, registration=registration or household())


# --- Registration: happy path ---------------------------------------------------------------


def test_a_household_whose_head_holds_a_por_card_is_saved_and_routed_to_unhcr(client, unhcr_officer, unhcr):
    client.force_login(unhcr_officer)

    response = client.post(REGISTER_URL, three_member_household(phone="+93 70 123 4567", destination_district="AF0617"))

    saved = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/households/{saved.public_id}/routed/"
    assert saved.arrival_date == YESTERDAY
    assert saved.office.code == "TKM"
    assert saved.country_of_departure_id == "PK"
    assert saved.return_type_id == "voluntary_repatriation"
    assert saved.destination_province_id == "AF06"
    assert saved.destination_district_id == "AF0617"
    assert saved.phone == "+93 70 123 4567"
    assert saved.registered_by == unhcr_officer
    assert saved.routed_agency == unhcr
    # A PoR holder without a VRF, arrived under v3 (from 20 August 2025): UNHCR, as a refugee-card holder.
    assert saved.category == "refugee_card"
    assert saved.routing_rule.code == "por_holder_without_vrf"
    assert saved.routing_version == 3
    # The spouse holds no card of her own: the household stays together, flagged as mixed status.
    assert saved.flags == ["mixed_status", "unhcr_verification"]
    assert saved.member_count == 3
    assert list(
        saved.members.order_by("id").values_list(
            "given_name",
            "fathers_name",
            "family_name",
            "given_name_local",
            "fathers_name_local",
            "family_name_local",
            "sex",
            "relationship",
            "date_of_birth",
            "estimated_age",
        )
    ) == [
        ("Gul", "Rahim", "Safi", "گل", "رحیم", "صافی", "male", "head", datetime.date(1985, 3, 14), None),
        ("Zarghona", "Karim", "", "", "", "", "female", "spouse", None, 34),
        ("Wali", "Gul", "", "", "", "", "male", "son", YESTERDAY - datetime.timedelta(days=3 * 365), None),
    ]
    assert list(
        MemberDocument.objects.values_list(
            "member__given_name", "document_type_id", "number", "issuing_country_id", "expiry_date"
        )
    ) == [("Gul", "por_card", "PK-778899", "PK", datetime.date(2030, 12, 31))]
    assert sorted(Member.specific_needs.through.objects.values_list("member__given_name", "needcode__code")) == [
        ("Wali", "SM"),
        ("Wali", "SM-CI"),
        ("Zarghona", "WR"),
    ]
    assert list(HouseholdEvent.objects.values_list("kind", "actor", "to_agency")) == [
        ("registered", unhcr_officer.pk, unhcr.pk)
    ]


def test_the_routing_page_shows_the_number_agency_rule_and_reason(client, unhcr_officer):
    client.force_login(unhcr_officer)
    response = client.post(REGISTER_URL, three_member_household(), follow=True)

    saved = Household.objects.get()
    assert response.status_code == 200
    assert response.redirect_chain == [(f"/households/{saved.public_id}/routed/", 302)]
    assert saved.registration_number.startswith(f"TKM-{timezone.localdate().year}-")
    assert response.context["household"] == saved
    content = response.content.decode()
    assert saved.registration_number in content
    assert '<p class="routed__agency" data-routed-agency>UNHCR</p>' in content
    assert "<code>por_holder_without_vrf</code>" in content
    assert escape(saved.routing_reason) in content
    assert "From 20 August 2025 a PoR-card holder may return without a VRF" in saved.routing_reason
    assert f'href="{reverse("returns:household-register")}">Register another household</a>' in content
    assert f'href="/households/{saved.public_id}/">View household</a>' in content


def test_the_register_page_defaults_to_today_and_the_officers_office(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get(REGISTER_URL)

    assert response.status_code == 200
    household_form = response.context["household_form"]
    assert household_form["arrival_date"].value() == timezone.localdate()
    assert household_form["office"].value() == "TKM"
    assert response.context["member_formset"].total_form_count() == 1
    assert response.context["member_formset"].forms[0]["relationship"].value() == "head"
    content = response.content.decode()
    # Pakistan and Iran head the countries of departure.
    countries = household_form.fields["country_of_departure"].choices
    assert [code for code, _name in countries[1][1]][:2] == ["PK", "IR"]
    assert 'name="members-0-given_name_local"' in content
    assert 'dir="rtl"' in content
    # The empty member row the "Add member" button copies.
    assert 'name="members-__prefix__-given_name"' in content
    assert '<option value="por_card" data-issuer="PK" data-refugee-card="true">' in content
    assert 'value="SM-CI"' in content


# --- Registration: every problem shown beside its field, nothing saved ------------------------


def test_an_arrival_date_in_the_future_is_refused_beside_the_field(client, unhcr_officer):
    client.force_login(unhcr_officer)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(REGISTER_URL, three_member_household(arrival_date=tomorrow.isoformat()))

    message = f"The arrival date {tomorrow.isoformat()} is in the future. Enter the day the household crossed."
    assert response.status_code == 200
    assert response.context["household_form"].errors == {"arrival_date": [message]}
    assert escape(message) in response.content.decode()
    assert counts() == (0, 0)
    # Everything typed is still there.
    assert 'value="Zarghona"' in response.content.decode()
    assert 'value="گل"' in response.content.decode()


def test_a_birth_after_arrival_is_refused_beside_the_members_date_of_birth(client, unhcr_officer):
    client.force_login(unhcr_officer)
    data = three_member_household()
    data["members-2-date_of_birth"] = timezone.localdate().isoformat()

    response = client.post(REGISTER_URL, data)

    message = f"The date of birth {timezone.localdate().isoformat()} is after the arrival date {YESTERDAY.isoformat()}."
    member_forms = response.context["member_formset"].forms
    assert response.status_code == 200
    assert member_forms[2].errors == {"date_of_birth": [message]}
    assert member_forms[0].errors == {}
    assert escape(message) in response.content.decode()
    assert counts() == (0, 0)


def test_an_age_over_120_is_refused(client, unhcr_officer):
    client.force_login(unhcr_officer)
    data = three_member_household()
    data["members-1-estimated_age"] = "130"
    data["members-2-date_of_birth"] = "1890-01-01"

    response = client.post(REGISTER_URL, data)

    member_forms = response.context["member_formset"].forms
    assert member_forms[1].errors == {"estimated_age": ["Enter an age between 0 and 120 years."]}
    assert member_forms[2].errors == {
        "date_of_birth": ["This date of birth makes the person older than 120. Check the year."]
    }
    content = response.content.decode()
    assert "Enter an age between 0 and 120 years." in content
    assert "This date of birth makes the person older than 120. Check the year." in content
    assert counts() == (0, 0)


def test_a_household_without_a_head_is_refused_above_the_members(client, unhcr_officer):
    client.force_login(unhcr_officer)
    data = three_member_household()
    data["members-0-relationship"] = "parent"

    response = client.post(REGISTER_URL, data)

    assert response.status_code == 200
    assert response.context["member_formset"].non_form_errors() == ["Mark one member as the head of household."]
    assert '<div class="form-errors" role="alert" id="members-errors">' in response.content.decode()
    assert "Mark one member as the head of household." in response.content.decode()
    assert counts() == (0, 0)


def test_a_household_with_two_heads_is_refused_naming_the_rows(client, unhcr_officer):
    client.force_login(unhcr_officer)
    data = three_member_household()
    data["members-2-relationship"] = "head"

    response = client.post(REGISTER_URL, data)

    message = "Only one member can be the head of household; rows 1, 3 are all marked as head."
    assert response.context["member_formset"].non_form_errors() == [message]
    assert message in response.content.decode()
    assert counts() == (0, 0)


def test_an_unknown_province_code_is_refused_beside_the_province(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.post(REGISTER_URL, three_member_household(destination_province="AF99"))

    message = "Unknown province “AF99”. Choose one of the 34 provinces."
    assert response.status_code == 200
    assert response.context["household_form"].errors == {"destination_province": [message]}
    assert message in response.content.decode()
    assert counts() == (0, 0)


def test_missing_names_and_sex_are_reported_on_each_member_row(client, unhcr_officer):
    client.force_login(unhcr_officer)
    data = registration_post(
        members=[
            member_fields(estimated_age="40"),
            member_fields(given_name="", fathers_name="", sex="", relationship="son"),
        ]
    )
    data["members-1-estimated_age"] = "9"

    response = client.post(REGISTER_URL, data)

    assert response.context["member_formset"].forms[1].errors == {
        "given_name": ["Enter the given name."],
        "fathers_name": ["Enter the father's name."],
        "sex": ["Choose female or male."],
    }
    assert counts() == (0, 0)


def test_a_refugee_card_expired_before_arrival_needs_the_officers_confirmation(client, unhcr_officer, unhcr):
    client.force_login(unhcr_officer)
    data = three_member_household()
    data["members-0-document_0_expiry_date"] = "2020-06-30"

    refused = client.post(REGISTER_URL, data)

    message = (
        "This PoR card (Proof of Registration) expired on 2020-06-30 and no decision extended it to the arrival "
        f"on {YESTERDAY.isoformat()}. Check the date on the card; if it is right, confirm the card is expired: the "
        "household is routed as a card holder outside voluntary repatriation, flagged for UNHCR verification."
    )
    assert refused.status_code == 200
    assert refused.context["member_formset"].forms[0].errors == {"document_0_expiry_date": [message]}
    assert escape(message) in refused.content.decode()
    assert counts() == (0, 0)

    data["members-0-document_0_expired_confirmed"] = "on"
    confirmed = client.post(REGISTER_URL, data)

    saved = Household.objects.get()
    assert confirmed.status_code == 302
    # Under v3 a PoR holder without a VRF goes to UNHCR, whether the card is still valid or not.
    assert saved.routed_agency == unhcr
    assert saved.category == "refugee_card"
    assert saved.routing_rule.code == "por_holder_without_vrf"
    assert saved.flags == ["unhcr_verification"]
    assert saved.flag_labels() == ["UNHCR to verify a refugee card"]
    # The last decision on PoR cards (none extended after 30 June 2025) is what routing read.
    assert [decree["title"] for decree in saved.routing_facts["card_decrees"]] == [
        "PoR cards not extended after 30 June 2025"
    ]
    assert counts() == (1, 3)


def test_a_problem_on_the_second_document_slot_is_shown_on_that_slot(client, unhcr_officer):
    # Given a head whose first document slot is empty and whose second holds a PoR card without a number
    client.force_login(unhcr_officer)
    data = registration_post(members=[member_fields(estimated_age="40")])
    data.update({"members-0-document_1_type": "por_card", "members-0-document_1_issuing_country": "PK"})

    # When the officer saves
    response = client.post(REGISTER_URL, data)

    # Then the message sits beside the second slot's number
    assert response.context["member_formset"].forms[0].errors == {
        "document_1_number": ["Enter the number printed on the PoR card (Proof of Registration)."]
    }
    assert counts() == (0, 0)


# --- Who may register ---------------------------------------------------------------------------


def test_a_coordinator_sees_no_register_link_and_gets_403_on_the_register_page(client, coordinator):
    client.force_login(coordinator)

    list_page = client.get("/households/")
    register_page = client.get(REGISTER_URL)
    register_post = client.post(REGISTER_URL, three_member_household())

    assert list_page.status_code == 200
    assert REGISTER_URL not in list_page.content.decode()
    assert register_page.status_code == 403
    assert register_post.status_code == 403
    assert counts() == (0, 0)


def test_a_field_officer_sees_the_register_link(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get("/")

    assert response.status_code == 200
    assert f'<a href="{REGISTER_URL}">Register a household</a>' in response.content.decode()


# --- Visibility and anonymous access --------------------------------------------------------


def test_an_iom_officer_cannot_see_a_unhcr_household(client, unhcr_officer, iom_officer):
    unhcr_household = register(unhcr_officer, household(members=[member(documents=[por_card()])]))
    client.force_login(iom_officer)

    detail = client.get(f"/households/{unhcr_household.public_id}/")
    routed = client.get(f"/households/{unhcr_household.public_id}/routed/")
    listing = client.get("/households/", {"scope": "agency"})

    assert detail.status_code == 404
    assert routed.status_code == 404
    assert listing.status_code == 200
    assert list(listing.context["households"]) == []
    assert unhcr_household.registration_number not in listing.content.decode()


def test_the_unhcr_officer_finds_the_household_in_the_list(client, unhcr_officer):
    unhcr_household = register(unhcr_officer, household(members=[member(documents=[por_card()])]))
    client.force_login(unhcr_officer)

    response = client.get("/households/", {"q": "ahmad"})

    assert [row.registration_number for row in response.context["households"]] == [unhcr_household.registration_number]
    assert response.context["households"][0].head_name == "Ahmad Mohammad"
    assert f'href="/households/{unhcr_household.public_id}/"' in response.content.decode()


def test_the_list_is_paginated_keeping_the_filters(client, unhcr_officer, monkeypatch):
    # Given three households and two per page
    monkeypatch.setattr("returns.views.households.HOUSEHOLDS_PER_PAGE", 2)
    numbers = [register(unhcr_officer).registration_number for _index in range(3)]
    client.force_login(unhcr_officer)

    # When the officer opens the first and then the second page
    first = client.get("/households/", {"scope": "agency"})
    second = client.get("/households/", {"scope": "agency", "page": "2"})

    # Then the newest come first and the next-page link keeps the filter
    assert [row.registration_number for row in first.context["households"]] == [numbers[2], numbers[1]]
    assert [row.registration_number for row in second.context["households"]] == [numbers[0]]
    assert 'href="?scope=agency&amp;page=2"' in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()


def test_an_unknown_filter_value_is_explained_beside_the_filter(client, unhcr_officer):
    client.force_login(unhcr_officer)

    response = client.get("/households/", {"province": "AF99"})

    assert response.status_code == 200
    assert response.context["filter"].form.errors == {
        "province": ["Select a valid choice. That choice is not one of the available choices."]
    }


@pytest.mark.parametrize("path", ["/", "/households/", REGISTER_URL, "/households/{public_id}/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, unhcr_officer, path):
    registered = register(unhcr_officer)
    path = path.format(public_id=registered.public_id)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/readyz"])
def test_the_login_page_and_health_checks_are_open_to_anonymous_visitors(client, path):
    response = client.get(path)

    assert response.status_code == 200


def test_the_login_page_logs_an_officer_in(client, unhcr_officer):
    page = client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/", {"username": "unhcr.officer.t", "password": "correct-horse-battery", "next": "/households/"}
    )

    assert 'name="username"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/households/"


def test_pages_are_in_the_chosen_language_and_direction(client, unhcr_officer):
    client.force_login(unhcr_officer)

    english = client.get("/households/")
    client.post("/i18n/setlang/", {"language": "fa", "next": "/households/"})
    dari = client.get("/households/")

    assert '<html lang="en" dir="ltr">' in english.content.decode()
    assert '<html lang="fa" dir="rtl">' in dari.content.decode()


# --- Query counts: constant whatever the number of rows ----------------------------------------


def list_queries(client, django_assert_num_queries, expected: int, rows: int):
    reference_data()  # the snapshot of code lists is loaded once per process, not per page
    with django_assert_num_queries(expected):
        response = client.get("/households/", {"scope": "agency"})
    assert len(response.context["households"]) == rows


# Session, user, count, the four filter choice lists (agency, office, return type, province), the page.
LIST_QUERIES = 8 + LOG_ROW


def test_the_list_page_runs_the_same_queries_for_1_and_30_households(client, unhcr_officer, django_assert_num_queries):
    client.force_login(unhcr_officer)
    register(unhcr_officer, household(members=[member(documents=[por_card()])]))

    list_queries(client, django_assert_num_queries, LIST_QUERIES, rows=1)

    for _index in range(29):
        register(unhcr_officer, household(members=[member(documents=[por_card()]), member(relationship="spouse")]))
    list_queries(client, django_assert_num_queries, LIST_QUERIES, rows=30)


# Session, user, household, members, documents, specific needs, history; then the two the page's
# links add: the household's cases the user may see, and their referrals (see test_page_links.py).
DETAIL_QUERIES = 9 + LOG_ROW


def test_the_detail_page_runs_the_same_queries_for_1_and_8_members(client, unhcr_officer, django_assert_num_queries):
    client.force_login(unhcr_officer)
    small = register(unhcr_officer, household(members=[member(documents=[por_card()], specific_needs=["DS"])]))
    large = register(
        unhcr_officer,
        household(
            members=[
                member(documents=[por_card()], specific_needs=["DS"]),
                *(
                    member(
                        relationship="son",
                        given_name=f"Child {index}",
                        age=index,
                        documents=[por_card(number=f"PK-{index}")],
                        specific_needs=["CR"],
                    )
                    for index in range(7)
                ),
            ]
        ),
    )
    reference_data()

    with django_assert_num_queries(DETAIL_QUERIES):
        small_page = client.get(f"/households/{small.public_id}/")
    with django_assert_num_queries(DETAIL_QUERIES):
        large_page = client.get(f"/households/{large.public_id}/")

    assert small_page.content.decode().count("<tr data-member-row>") == 1
    assert large_page.content.decode().count("<tr data-member-row>") == 8


# --- Re-routing -----------------------------------------------------------------------------------


def reroute_url(registered: Household) -> str:
    return f"/households/{registered.public_id}/reroute/"


def test_a_manager_reroutes_a_household_with_a_justification(client, unhcr_officer, unhcr_manager, unhcr, iom):
    # With a VRF: no unhcr_verification flag, so no follow-up asks UNHCR to verify once IOM has the household.
    registered = register(
        unhcr_officer,
        household(members=[member(documents=[por_card(), vrf()])], arrival_date=arrival_outside_winter_pause()),
    )
    client.force_login(unhcr_manager)
    detail = client.get(registered.get_absolute_url())

    response = client.post(
        reroute_url(registered),
        {"agency": "IOM", "category": "undocumented", "justification": "The PoR card and VRF were found forged."},
        follow=True,
    )

    registered.refresh_from_db()
    assert f'action="{reroute_url(registered)}"' in detail.content.decode()
    assert registered.routed_agency == iom
    assert registered.category == "undocumented"
    assert registered.flags == ["rerouted"]
    assert list(registered.events.filter(kind="rerouted").values_list("actor", "from_agency", "to_agency", "note")) == [
        (unhcr_manager.pk, unhcr.pk, iom.pk, "The PoR card and VRF were found forged.")
    ]
    # The UNHCR manager no longer sees an IOM household: back to the list, with a message.
    assert response.redirect_chain == [("/households/", 302)]
    assert f"Household {registered.registration_number} re-routed to IOM." in response.content.decode()


def test_an_administrator_who_still_sees_the_household_goes_back_to_its_page(client, iom_officer, unhcr):
    registered = register(iom_officer)
    admin = UserFactory(username="admin.t", role=User.Role.ADMIN, agency=None, office=None, is_staff=True)
    client.force_login(admin)

    response = client.post(
        reroute_url(registered),
        {"agency": "UNHCR", "category": "registered_refugee", "justification": "VRF found after registration."},
    )

    registered.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/households/{registered.public_id}/"
    assert registered.routed_agency == unhcr


def test_rerouting_without_a_justification_changes_nothing(client, unhcr_officer, unhcr_manager, unhcr):
    registered = register(unhcr_officer, household(members=[member(documents=[por_card()])]))
    client.force_login(unhcr_manager)

    response = client.post(reroute_url(registered), {"agency": "IOM", "category": "undocumented", "justification": ""})

    registered.refresh_from_db()
    assert response.status_code == 200
    assert response.context["reroute_form"].errors == {
        "justification": ["Explain in a sentence why the household is re-routed."]
    }
    assert "Explain in a sentence why the household is re-routed." in response.content.decode()
    assert registered.routed_agency == unhcr
    assert registered.category == "refugee_card"
    assert registered.flags == ["unhcr_verification"]
    assert list(registered.events.values_list("kind", flat=True)) == ["registered"]


def test_a_field_officer_cannot_reroute(client, unhcr_officer, unhcr):
    registered = register(unhcr_officer, household(members=[member(documents=[por_card()])]))
    client.force_login(unhcr_officer)

    detail = client.get(registered.get_absolute_url())
    response = client.post(
        reroute_url(registered), {"agency": "IOM", "category": "undocumented", "justification": "No reason at all."}
    )

    registered.refresh_from_db()
    assert reroute_url(registered) not in detail.content.decode()
    assert response.status_code == 403
    assert registered.routed_agency == unhcr
    assert registered.events.count() == 1


def test_an_admin_sees_every_household_and_the_admin_link(client, unhcr_officer, iom_officer):
    register(unhcr_officer, household(members=[member(documents=[por_card()])]))
    register(iom_officer)
    admin = UserFactory(username="admin.t", role=User.Role.ADMIN, agency=None, office=None, is_staff=True)
    client.force_login(admin)

    response = client.get("/households/")

    assert len(response.context["households"]) == 2
    assert '<a href="/admin/">Administration</a>' in response.content.decode()

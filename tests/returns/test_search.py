"""The search box (``q``, ``returns.search``), through the households list page and the API: any part of
any name, every word on the same person, spelling variants and either script, registration, document
and phone numbers however they are typed; exact matches first; only households the user may see; never
an anonymised person by their old name; a partner's key only when its agreement shares every field
searched; a constant number of queries, answered through the trigram index.
"""

import datetime
import itertools

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import Agency
from returns import search
from returns.filters.households import NAME_SEARCH
from returns.models import Household, Member, MemberDocument
from returns.reference import reference_data
from returns.search import SearchText
from returns.services.households import household_register, household_update
from returns.services.retention import households_anonymise
from tests.factories import api_token_for, household, member, por_card
from tests.partner_infra.keys import ALL_SHAREABLE, agreement, issue, key_client
from tests.problems import problem_of
from tests.returns.test_pages import LIST_QUERIES

# A name search asks PostgreSQL how many people it expects (one EXPLAIN), then reads the households
# found as ids (returns.search: FEW_FOUND); reading which of them the list shows replaces its count.
FOUND_IDS = 2

pytestmark = pytest.mark.django_db

PAGE_URL = "/households/"
API_URL = "/api/v1/households/"
TODAY = timezone.localdate()

_card_numbers = itertools.count(1)


def person(given_name, fathers_name="Karim", *, relationship="head", sex="male", **fields):
    return member(given_name=given_name, fathers_name=fathers_name, relationship=relationship, sex=sex, **fields)


def unhcr_household(officer, head, *others, card=None, **fields) -> Household:
    """A family whose head holds a PoR card (a number of its own unless ``card``), arrived yesterday:
    routed to UNHCR."""
    head.documents = [por_card(number=card or f"PK-{next(_card_numbers):06d}")]
    registered = household_register(registered_by=officer, registration=household(members=[head, *others], **fields))
    assert registered.routed_agency.code == "UNHCR"
    return registered


def iom_household(officer, head, *others, **fields) -> Household:
    """A family without documents: routed to IOM."""
    registered = household_register(registered_by=officer, registration=household(members=[head, *others], **fields))
    assert registered.routed_agency.code == "IOM"
    return registered


def page_search(client, text: str, **params) -> list[str]:
    """The registration numbers the list page shows for ``text``, in their order."""
    response = client.get(PAGE_URL, {"q": text, **params})
    assert response.status_code == 200
    return [row.registration_number for row in response.context["households"]]


def api_client_for(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token_for(user)}"
    return client


def api_search(client, text: str, **params) -> list[str]:
    response = client.get(API_URL, {"q": text, **params})
    assert response.status_code == 200, response.content
    return [item["registration_number"] for item in response.json()["results"]]


@pytest.fixture
def manager_page(client, unhcr_manager):
    client.force_login(unhcr_manager)
    return client


# Every word on the same person ----------------------------------------------------------------------


def test_two_words_find_the_person_who_has_both_names(manager_page, unhcr_officer):
    # Given Naveed son of Gul; and a family where Naveed (son of Karim) and Gul (daughter of Rahim) are two people
    wanted = unhcr_household(unhcr_officer, person("Naveed", "Gul"))
    apart = unhcr_household(
        unhcr_officer,
        person("Naveed", "Karim"),
        person("Gul", "Rahim", relationship="spouse", sex="female"),
    )

    # When the manager searches both words, in either order, and one word alone
    both = page_search(manager_page, "Naveed Gul")
    reversed_order = page_search(manager_page, "Gul Naveed")
    one_word = page_search(manager_page, "naveed")

    # Then both words must be one person's
    assert both == [wanted.registration_number]
    assert reversed_order == [wanted.registration_number]
    # And one word finds both families, the newest first
    assert one_word == [apart.registration_number, wanted.registration_number]


def test_the_words_match_given_fathers_and_family_names_in_both_scripts(manager_page, unhcr_officer):
    # Given Wali son of Karim, of the Ahmadzai family written in Dari only
    wanted = unhcr_household(unhcr_officer, person("Wali", "Karim", family_name_local="احمدزی"))
    unhcr_household(unhcr_officer, person("Wali", "Rahim"))

    # Then the family name finds him in Dari, with his given name, and in Latin letters
    assert page_search(manager_page, "احمدزی") == [wanted.registration_number]
    assert page_search(manager_page, "Wali احمدزی") == [wanted.registration_number]
    assert page_search(manager_page, "Ahmadzai") == [wanted.registration_number]
    assert page_search(manager_page, "Wali Ahmadzai Karim") == [wanted.registration_number]


# Any part of a name ---------------------------------------------------------------------------------


def test_the_beginning_of_a_name_finds_it(manager_page, unhcr_officer):
    ahmad = unhcr_household(unhcr_officer, person("Ahmad"))
    unhcr_household(unhcr_officer, person("Bashir"))

    assert page_search(manager_page, "Ahm") == [ahmad.registration_number]
    assert page_search(manager_page, "AHM") == [ahmad.registration_number]
    assert page_search(manager_page, "hma") == [ahmad.registration_number]  # any part, not only the beginning


def test_part_of_a_dari_name_finds_it(manager_page, unhcr_officer):
    wanted = unhcr_household(unhcr_officer, person("Wali", family_name_local="احمدزی"))
    unhcr_household(unhcr_officer, person("Wali", family_name_local="کریمی"))

    assert page_search(manager_page, "احمد") == [wanted.registration_number]
    assert page_search(manager_page, "مدز") == [wanted.registration_number]


def test_a_name_that_nobody_has_finds_nothing(manager_page, unhcr_officer):
    unhcr_household(unhcr_officer, person("Ahmad"))

    assert page_search(manager_page, "Zarghona") == []
    assert page_search(manager_page, "Ahmad Zarghona") == []


def test_a_blank_search_lists_everything(manager_page, unhcr_officer):
    first = unhcr_household(unhcr_officer, person("Ahmad"))
    second = unhcr_household(unhcr_officer, person("Bashir"))

    assert page_search(manager_page, "   ") == [second.registration_number, first.registration_number]


# Spelling variants and the other script ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Mohammad", "mohammad", "Muhammad", "Mohammed", "محمد", "مُحَمَّد"])
def test_spellings_and_the_dari_script_find_mohammad(manager_page, unhcr_officer, typed):
    # Given Mohammad son of Karim, written in Latin letters only, and Rahim son of Karim
    mohammad = unhcr_household(unhcr_officer, person("Mohammad", "Karim"))
    unhcr_household(unhcr_officer, person("Rahim", "Karim"))

    # Then every spelling, and the Dari, finds him alone
    assert page_search(manager_page, typed) == [mohammad.registration_number]


def test_a_name_written_only_in_dari_is_found_in_latin_letters(manager_page, unhcr_officer):
    # Given a man whose given name is in Dari only (his Latin given name is spelt another way),
    # another whose names are all typed in Dari script, and someone else
    local = unhcr_household(unhcr_officer, person("Mamad", "Karim", given_name_local="محمد"))
    all_dari = unhcr_household(unhcr_officer, person("محمد", "کریم"))
    unhcr_household(unhcr_officer, person("Rahim", "Karim"))

    # When the manager types the name in Latin letters
    found = page_search(manager_page, "Mohammad")

    # Then both are found, newest first
    assert found == [all_dari.registration_number, local.registration_number]
    # And the two words in Latin letters find the one all in Dari
    assert page_search(manager_page, "Muhammad Karim") == [all_dari.registration_number, local.registration_number]
    assert page_search(manager_page, "Mamad") == [local.registration_number]


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        ("Abdul Rahman", "Abdurrahman"),
        ("Abdurrahman", "Abdul Rahman"),
        ("Gul Ahmad", "Golahmad"),
        ("Golahmad", "Gul Ahmad"),
        ("Zabihullah", "ذبیح الله"),
        ("Yusuf", "یوسف"),
        ("Qasim", "Kasim"),
    ],
)
def test_compound_names_and_variants_are_found(manager_page, unhcr_officer, registered, typed):
    # A compound name is one name whether it is written in one word or two (its key is the same).
    wanted = unhcr_household(unhcr_officer, person(registered, "Karim"))
    unhcr_household(unhcr_officer, person("Bashir", "Karim"))

    assert page_search(manager_page, typed) == [wanted.registration_number]


# Numbers ----------------------------------------------------------------------------------------------


def test_the_registration_number_finds_the_household_in_any_case(manager_page, unhcr_officer):
    wanted = unhcr_household(unhcr_officer, person("Ahmad"))
    unhcr_household(unhcr_officer, person("Bashir"))
    number = wanted.registration_number

    assert page_search(manager_page, number) == [number]
    assert page_search(manager_page, number.lower()) == [number]
    assert page_search(manager_page, f"  {number}  ") == [number]


@pytest.mark.parametrize(
    "typed", ["PK-2024-77891", "pk 2024 77891", "pk202477891", " Pk-2024/778-91 ", "PK-۲۰۲۴-۷۷۸۹۱"]
)
def test_a_document_number_finds_the_household_however_it_is_typed(manager_page, unhcr_officer, typed):
    wanted = unhcr_household(unhcr_officer, person("Ahmad"), card="PK-2024-77891")
    unhcr_household(unhcr_officer, person("Bashir"), card="PK-2024-77892")

    assert MemberDocument.objects.get(member__household=wanted).number_normal == "PK202477891"
    assert page_search(manager_page, typed) == [wanted.registration_number]


@pytest.mark.parametrize("typed", ["+93 70 012 3456", "0093700123456", "0700123456", "070 012 3456", "700123456"])
def test_a_phone_finds_the_household_however_it_is_typed(manager_page, unhcr_officer, typed):
    wanted = unhcr_household(unhcr_officer, person("Ahmad"), phone="0700 123 456")
    unhcr_household(unhcr_officer, person("Bashir"), phone="+93 79 999 8888")

    assert Household.objects.get(pk=wanted.pk).phone_digits == "700123456"
    assert page_search(manager_page, typed) == [wanted.registration_number]


def test_a_changed_phone_is_found_and_the_old_one_no_longer(manager_page, unhcr_officer, unhcr_manager):
    wanted = unhcr_household(unhcr_officer, person("Ahmad"), phone="0700123456")

    household_update(household=wanted, updated_by=unhcr_manager, changes={"phone": "+93 78 555 4444"})

    assert page_search(manager_page, "0785554444") == [wanted.registration_number]
    assert page_search(manager_page, "0700123456") == []


def test_part_of_a_document_number_finds_nothing(manager_page, unhcr_officer):
    unhcr_household(unhcr_officer, person("Ahmad"), card="PK-2024-77891")

    assert page_search(manager_page, "PK-2024") == []


# Ranking ------------------------------------------------------------------------------------------------


def test_the_exact_name_comes_before_a_longer_one_that_arrived_later(manager_page, unhcr_officer):
    # Given Ahmad, who arrived a week ago, and Ahmadullah, who arrived yesterday
    ahmad = unhcr_household(unhcr_officer, person("Ahmad"), arrival_date=TODAY - datetime.timedelta(days=7))
    ahmadullah = unhcr_household(unhcr_officer, person("Ahmadullah"), arrival_date=TODAY - datetime.timedelta(days=1))
    bashir = unhcr_household(unhcr_officer, person("Bashir"), arrival_date=TODAY - datetime.timedelta(days=2))

    # When the list is opened without a search, then searched for Ahmad
    unsearched = manager_page.get(PAGE_URL)
    searched = page_search(manager_page, "Ahmad")

    # Then the newest arrival leads the plain list, but the exact name leads the search
    assert [row.registration_number for row in unsearched.context["households"]] == [
        ahmadullah.registration_number,
        bashir.registration_number,
        ahmad.registration_number,
    ]
    assert searched == [ahmad.registration_number, ahmadullah.registration_number]


def test_a_spelling_variant_counts_as_an_exact_match(manager_page, unhcr_officer):
    # Given Mohammad (arrived a week ago) and Mohammadzai (yesterday)
    mohammad = unhcr_household(unhcr_officer, person("Mohammad"), arrival_date=TODAY - datetime.timedelta(days=7))
    longer = unhcr_household(unhcr_officer, person("Mohammadzai"), arrival_date=TODAY - datetime.timedelta(days=1))

    # Then Muhammad ranks Mohammad first; Mohammad finds both, Mohammad first
    assert page_search(manager_page, "Muhammad") == [mohammad.registration_number]
    assert page_search(manager_page, "mohammad") == [mohammad.registration_number, longer.registration_number]


# Visibility ---------------------------------------------------------------------------------------------


def test_an_iom_manager_does_not_find_a_unhcr_household_by_its_name(client, unhcr_officer, iom_officer, iom_manager):
    # Given Ahmad son of Karim, twice: one routed to UNHCR, one to IOM
    unhcr_ahmad = unhcr_household(unhcr_officer, person("Ahmad"))
    iom_ahmad = iom_household(iom_officer, person("Ahmad"))
    client.force_login(iom_manager)

    # When the IOM manager searches his name, and the UNHCR household's number and card
    by_name = page_search(client, "Ahmad Karim")
    by_number = page_search(client, unhcr_ahmad.registration_number)
    by_card = page_search(client, MemberDocument.objects.get(member__household=unhcr_ahmad).number)

    # Then only the IOM household is found
    assert by_name == [iom_ahmad.registration_number]
    assert by_number == by_card == []


def test_an_iom_officer_searching_the_whole_agency_through_the_api_does_not_find_a_unhcr_household(
    client, unhcr_officer, iom_officer
):
    unhcr_household(unhcr_officer, person("Ahmad"), phone="0700123456")
    iom_ahmad = iom_household(iom_officer, person("Ahmad"))
    api = api_client_for(client, iom_officer)

    assert api_search(api, "Ahmad", scope="agency") == [iom_ahmad.registration_number]
    assert api_search(api, "Ahmad") == [iom_ahmad.registration_number]
    assert api_search(api, "0700123456", scope="agency") == []


def test_the_api_finds_what_the_page_finds(client, unhcr_officer, unhcr_manager):
    wanted = unhcr_household(
        unhcr_officer, person("Naveed", "Gul", family_name_local="احمدزی"), card="PK-55 66", phone="0799111222"
    )
    unhcr_household(unhcr_officer, person("Naveed", "Karim"), person("Gul", "Rahim", relationship="son", age=10))
    api = api_client_for(client, unhcr_manager)

    for typed in ["Gul Naveed", "نوید گل", "Ahmadzai", "pk5566", "+93 799 111 222", wanted.registration_number.lower()]:
        assert api_search(api, typed) == [wanted.registration_number], typed


# Anonymised people ----------------------------------------------------------------------------------------


def test_an_anonymised_person_is_not_found_by_their_old_name_number_or_phone(manager_page, unhcr_officer):
    # Given Ahmad son of Karim, of the Ahmadzai family, with a card and a phone, anonymised
    gone = unhcr_household(
        unhcr_officer,
        person("Ahmad", "Karim", family_name="Ahmadzai", given_name_local="احمد"),
        card="PK-2024-77891",
        phone="0700123456",
    )
    kept = unhcr_household(unhcr_officer, person("Ahmad", "Karim"))
    assert page_search(manager_page, "Ahmad Ahmadzai") == [gone.registration_number]

    households_anonymise(household_ids=[gone.pk])

    # Then the search columns are emptied with the names
    assert list(
        Member.objects.filter(household=gone).values_list("given_key", "fathers_key", "family_key", "name_search")
    ) == [("", "", "", "")]
    assert list(MemberDocument.objects.filter(member__household=gone).values_list("number_normal", flat=True)) == [""]
    assert Household.objects.get(pk=gone.pk).phone_digits == ""
    # And no search finds the person; the other Ahmad still is
    assert page_search(manager_page, "Ahmadzai") == []
    assert page_search(manager_page, "احمد") == [kept.registration_number]
    assert page_search(manager_page, "Ahmad") == [kept.registration_number]
    assert page_search(manager_page, "PK-2024-77891") == []
    assert page_search(manager_page, "0700123456") == []


# Partners' keys -------------------------------------------------------------------------------------------


@pytest.fixture
def nrc(db) -> Agency:
    return Agency.objects.get(code="NRC")


@pytest.mark.parametrize("withheld", sorted(NAME_SEARCH))
def test_a_key_whose_agreement_withholds_a_searched_field_may_not_search(nrc, unhcr, unhcr_officer, withheld):
    # Given NRC's agreement on UNHCR's households, sharing every field but one that the search reads
    unhcr_household(unhcr_officer, person("Ahmad"))
    agreement(partner=nrc, sources=[unhcr], fields=[field for field in ALL_SHAREABLE if field != withheld])
    _key, secret = issue(partner=nrc, scopes=["households:read"])

    # When its key searches
    response = key_client(secret).get(API_URL, {"q": "Ahmad"})

    # Then the search is refused, whatever it would have found
    assert response.status_code == 400, response.content
    assert [(error["path"], error["code"]) for error in problem_of(response)["errors"]] == [("q", "filter_not_shared")]


def test_a_key_whose_agreement_shares_every_searched_field_searches(nrc, unhcr, unhcr_officer, iom_officer):
    # Given NRC's agreement sharing every field of UNHCR's households
    wanted = unhcr_household(unhcr_officer, person("Mohammad", family_name_local="احمدزی"), card="PK-77 01")
    unhcr_household(unhcr_officer, person("Bashir"))
    iom_household(iom_officer, person("Mohammad"))  # not covered by the agreement
    agreement(partner=nrc, sources=[unhcr])
    _key, secret = issue(partner=nrc, scopes=["households:read"])
    api = key_client(secret)

    # Then its key finds the UNHCR household by a spelling variant, the Dari family name and the card
    assert api_search(api, "Muhammad") == [wanted.registration_number]
    assert api_search(api, "احمدزی") == [wanted.registration_number]
    assert api_search(api, "pk7701") == [wanted.registration_number]


def test_every_searched_field_is_one_an_agreement_can_share():
    assert NAME_SEARCH.issubset(ALL_SHAREABLE)


# Queries and indexes ----------------------------------------------------------------------------------------


def test_the_search_runs_the_same_queries_for_1_and_20_matches(manager_page, unhcr_officer, django_assert_num_queries):
    # Given one Ahmad among others
    unhcr_household(unhcr_officer, person("Ahmad"))
    unhcr_household(unhcr_officer, person("Bashir"))
    reference_data()  # the snapshot of code lists is loaded once per process, not per page

    # Then the search adds no query to the list page's
    with django_assert_num_queries(LIST_QUERIES + FOUND_IDS):
        one = manager_page.get(PAGE_URL, {"q": "Ahmad"})
    assert len(one.context["households"]) == 1

    # And neither do twenty matches, each of a family of two
    for _index in range(19):
        unhcr_household(unhcr_officer, person("Ahmad"), person("Maryam", relationship="daughter", sex="female", age=4))
    with django_assert_num_queries(LIST_QUERIES + FOUND_IDS):
        twenty = manager_page.get(PAGE_URL, {"q": "Ahmad"})
    assert len(twenty.context["households"]) == 20


def test_a_name_is_searched_through_the_trigram_index(unhcr_officer):
    unhcr_household(unhcr_officer, person("Ahmad"))
    with connection.cursor() as cursor:
        # For this transaction only: the table is tiny, so the planner would rather read it all.
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = Member.objects.filter(name_search__contains="ahmad").order_by().explain()
    # The people the search box looks for (the households found are read from them by id)
    people = Member.objects.filter(SearchText.of("Ahmad Karim").person_match(whole=False))
    search_plan = people.order_by().values("household_id").explain()

    assert "member_name_search_trgm" in plan
    assert "member_name_search_trgm" in search_plan


def test_a_text_with_digits_is_a_number_and_its_words_are_not_tried_as_names(manager_page, unhcr_officer):
    # Given a card numbered POR-445566, and a man named Por
    carded = unhcr_household(unhcr_officer, person("Ahmad"), card="POR-445566")
    unhcr_household(unhcr_officer, person("Por"))

    # When the card's number is typed with a space for its dash
    found = page_search(manager_page, "por 445566")

    # Then only the card's household is found, not the man named Por
    assert found == [carded.registration_number]


def test_a_name_found_in_more_households_than_are_ranked_lists_them_newest_first_uncounted(
    manager_page, unhcr_officer, monkeypatch, django_assert_num_queries
):
    # Given more households with an Ahmad than the search ranks (three, here), arriving on three days
    monkeypatch.setattr(search, "FEW_FOUND", 2)
    newest = [
        unhcr_household(unhcr_officer, person(name), arrival_date=TODAY - datetime.timedelta(days=days))
        for name, days in (("Ahmadzai", 1), ("Ahmad", 2), ("Ahmad", 3))
    ]
    unhcr_household(unhcr_officer, person("Bashir"))
    reference_data()

    # When the list is searched for Ahmad: no query more than a ranked search
    with django_assert_num_queries(LIST_QUERIES + FOUND_IDS):
        response = manager_page.get(PAGE_URL, {"q": "Ahmad"})

    # Then every household with an Ahmad is listed, newest first (not ranked)
    assert [row.registration_number for row in response.context["households"]] == [
        household.registration_number for household in newest
    ]
    assert response.context["page"].paginator.count_estimated is True


def test_a_name_postgresql_expects_in_many_people_is_listed_without_reading_them_first(
    manager_page, unhcr_officer, monkeypatch, django_assert_num_queries
):
    # Given two households with an Ahmad, and a search told that any name expected at all is common
    monkeypatch.setattr(search, "MANY_EXPECTED", 0)
    older = unhcr_household(unhcr_officer, person("Ahmad"), arrival_date=TODAY - datetime.timedelta(days=2))
    newer = unhcr_household(unhcr_officer, person("Ahmadzai"), arrival_date=TODAY - datetime.timedelta(days=1))
    unhcr_household(unhcr_officer, person("Bashir"))
    reference_data()

    # When the list is searched for Ahmad: the EXPLAIN, and the list's estimate instead of its count
    with django_assert_num_queries(LIST_QUERIES + 1):
        response = manager_page.get(PAGE_URL, {"q": "Ahmad"})

    # Then both are listed newest first, not ranked (Ahmad, the whole name, is not put first)
    assert [row.registration_number for row in response.context["households"]] == [
        newer.registration_number,
        older.registration_number,
    ]
    assert response.context["page"].paginator.count_estimated is True


def test_the_ranked_list_counts_what_it_shows_within_the_other_filters(manager_page, unhcr_officer):
    # Given two Ahmads arrived at two crossings, and one who is not
    torkham = unhcr_household(unhcr_officer, person("Ahmad"), office="TKM")
    unhcr_household(unhcr_officer, person("Ahmad"), office="SBD")
    unhcr_household(unhcr_officer, person("Bashir"), office="TKM")

    # When the search is narrowed to one crossing
    response = manager_page.get(PAGE_URL, {"q": "Ahmad", "office": "TKM"})

    # Then only that crossing's Ahmad is listed, and counted exactly
    assert [row.registration_number for row in response.context["households"]] == [torkham.registration_number]
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.count_estimated, paginator.count_capped) == (1, False, False)
    assert "1 household" in response.content.decode()

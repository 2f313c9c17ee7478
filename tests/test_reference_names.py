"""Reference data in English, Dari and Pashto (``agencies.models.languages``): every row of the migrated
code lists is translated, pages show the reader's language, the admin lists what is missing, and the
API gives all three."""

import datetime
import re

import pytest
from django.utils import translation
from django.utils.html import escape

from agencies.models import Agency, Country, District, Office, Province, User
from agencies.models.languages import in_language, translations_missing
from returns.models import AssistanceType, DocumentType, Household, NeedCode, ReturnType, RoutingRule
from returns.services.households import household_register
from tests.factories import api_token_for, household, member, por_card

pytestmark = pytest.mark.django_db

NAMED_IN_THREE_LANGUAGES = [
    Province,
    District,
    Country,
    Agency,
    Office,
    ReturnType,
    DocumentType,
    NeedCode,
    AssistanceType,
]


# --- (a) The migrated data ---------------------------------------------------------------------
#
# The rows here are those the migrations loaded into the test database: tests/conftest.py's autouse
# ``_fresh_reference_data`` only drops the in-memory snapshot (returns.reference), and each test runs
# in a transaction rolled back after it, so nothing a test writes is seen here.


def test_every_code_list_has_rows_to_check():
    empty = [model.__name__ for model in [*NAMED_IN_THREE_LANGUAGES, RoutingRule] if not model.objects.exists()]

    assert empty == []


def test_every_reference_row_has_its_dari_and_pashto_name():
    missing = [
        (model.__name__, getattr(row, "code", row.pk), row.name, translations_missing(row))
        for model in NAMED_IN_THREE_LANGUAGES
        for row in model.objects.order_by("pk")
        if translations_missing(row)
    ]

    assert missing == []


def test_every_routing_rule_has_its_explanation_in_dari_and_pashto():
    missing = [
        (rule.rule_set.version, rule.code, translations_missing(rule, "explanation"))
        for rule in RoutingRule.objects.select_related("rule_set").order_by("pk")
        if translations_missing(rule, "explanation")
    ]

    assert missing == []


# --- (b) The name in the reader's language -----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "name", "label"),
    [("fa", "ننگرهار", "ننگرهار (AF06)"), ("ps", "ننګرهار", "ننګرهار (AF06)"), ("en", "Nangarhar", "Nangarhar (AF06)")],
)
def test_a_province_is_named_in_the_active_language(language, name, label):
    nangarhar = Province.objects.get(pcode="AF06")

    with translation.override(language):
        assert (in_language(nangarhar), nangarhar.shown_name, str(nangarhar)) == (name, name, label)


def test_a_regional_language_code_reads_its_language():
    nangarhar = Province.objects.get(pcode="AF06")

    with translation.override("ps-af"):
        assert nangarhar.shown_name == "ننګرهار"


def test_an_explicit_language_wins_over_the_active_one():
    wardak = Province.objects.get(pcode="AF04")

    with translation.override("en"):
        assert [in_language(wardak, language=language) for language in ["fa", "ps", "en"]] == [
            "وردک",
            "وردګ",
            "Wardak",
        ]


@pytest.mark.parametrize("language", ["fa", "ps"])
def test_a_blank_translation_falls_back_to_english(language):
    Province.objects.filter(pcode="AF06").update(**{f"name_{language}": ""})
    nangarhar = Province.objects.get(pcode="AF06")

    with translation.override(language):
        assert (nangarhar.shown_name, str(nangarhar)) == ("Nangarhar", "Nangarhar (AF06)")
    assert translations_missing(nangarhar) == [language]


def test_other_fields_are_read_in_the_language_too():
    rule = RoutingRule.objects.get(rule_set__version=2, code="undocumented")

    with translation.override("ps"):
        explanation = in_language(rule, "explanation")

    assert explanation == (
        "د کډوالۍ کارت، VRF یا نور اسناد نه لري: بې اسنادو راستنېدونکی دی؛ په پوله کې شمېرل کېږي او IOM یې ارزونه کوي."
    )


@pytest.mark.parametrize(
    ("model", "key", "expected"),
    [
        (Office, {"code": "TKM"}, ("گذرگاه مرزی تورخم", "د تورخم سرحدي دروازه", "Torkham border crossing")),
        (Country, {"code": "PK"}, ("پاکستان", "پاکستان", "Pakistan")),
        (ReturnType, {"code": "voluntary_repatriation"}, ("بازگشت داوطلبانه", "داوطلبانه راستنېدنه", None)),
    ],
)
def test_each_code_list_shows_its_names_in_three_languages(model, key, expected):
    row = model.objects.get(**key)

    shown = []
    for language in ["fa", "ps", "en"]:
        with translation.override(language):
            shown.append(row.shown_name)

    assert tuple(shown) == (*expected[:2], expected[2] or row.name)


# --- (c) The household page in Pashto and in English -------------------------------------------


def mixed_status_household(user: User) -> Household:
    """The head holds a valid PoR card, his wife no papers: two rules explain the routing."""
    return household_register(
        registered_by=user,
        registration=household(
            arrival_date=datetime.date(2025, 3, 21),
            members=[
                member(documents=[por_card(expiry_date=datetime.date(2030, 12, 31))]),
                member(relationship="spouse", given_name="Zarghona", fathers_name="Karim", sex="female", age=30),
            ],
        ),
    )


def routing_reason_shown(content: str) -> str:
    [reason] = re.findall(r'<p class="routed__reason">(.*?)</p>', content)
    return reason


def test_the_household_was_routed_by_two_rules_explained_in_english(unhcr_officer):
    arrived = mixed_status_household(unhcr_officer)

    assert (arrived.routing_version, arrived.routing_rule.code) == (2, "refugee_card_without_vrf")
    assert arrived.routing_reason == (
        "Some members are on the VRF or hold a valid refugee card and others are not (mixed status): the family "
        "stays together, and UNHCR decides each member's entitlement at verification. Holds a refugee card but "
        "returns without a VRF (spontaneously or deported): no VolRep grant and no encashment centre under this "
        "policy. IOM screens the family; UNHCR verifies the registration."
    )


def test_the_household_page_in_pashto_shows_the_pashto_names_and_reason(client, unhcr_officer):
    arrived = mixed_status_household(unhcr_officer)
    unhcr_officer.language = "ps"
    unhcr_officer.save()
    client.force_login(unhcr_officer)

    response = client.get(f"/households/{arrived.public_id}/", headers={"accept-language": "en"})

    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ps" dir="rtl">' in content
    assert "<dd>د تورخم سرحدي دروازه</dd>" in content  # the office
    assert "<dd>ننګرهار</dd>" in content  # the destination province
    assert "<dd>پاکستان</dd>" in content  # the country of departure
    assert "<dd>IOM – د مهاجرت نړیوال سازمان (IOM)</dd>" in content  # the agency routed to
    rules = RoutingRule.objects.filter(rule_set__version=2, code__in=["mixed_status", "refugee_card_without_vrf"])
    explanations = dict(rules.values_list("code", "explanation_ps"))
    assert routing_reason_shown(content) == (
        f"{explanations['mixed_status']} {explanations['refugee_card_without_vrf']}"
    )
    assert routing_reason_shown(content).startswith("ځینې غړي په VRF کې شامل دي")


def test_the_household_page_in_pashto_names_the_offices_province_in_pashto(client, unhcr_officer):
    arrived = mixed_status_household(unhcr_officer)
    unhcr_officer.language = "ps"
    unhcr_officer.save()
    client.force_login(unhcr_officer)

    content = client.get(f"/households/{arrived.public_id}/").content.decode()

    [place] = re.findall(r"<div data-office-place><dt>[^<]*</dt><dd>(.*?)</dd></div>", content)
    assert place == "Torkham, at the border with Pakistan (Khyber Pass)<br>ننګرهار ولایت"


def test_the_household_page_in_english_shows_the_stored_english_reason(client, unhcr_officer):
    arrived = mixed_status_household(unhcr_officer)
    client.force_login(unhcr_officer)

    response = client.get(f"/households/{arrived.public_id}/", headers={"accept-language": "en"})

    content = response.content.decode()
    assert "<dd>Torkham border crossing</dd>" in content
    assert "<dd>Nangarhar</dd>" in content
    assert routing_reason_shown(content) == escape(arrived.routing_reason)


def test_a_rule_without_a_pashto_explanation_is_explained_in_english(client, unhcr_officer):
    RoutingRule.objects.filter(rule_set__version=2, code="mixed_status").update(explanation_ps="")
    arrived = mixed_status_household(unhcr_officer)
    unhcr_officer.language = "ps"
    unhcr_officer.save()
    client.force_login(unhcr_officer)

    content = client.get(f"/households/{arrived.public_id}/").content.decode()

    pashto = RoutingRule.objects.get(rule_set__version=2, code="refugee_card_without_vrf").explanation_ps
    assert routing_reason_shown(content) == escape(
        "Some members are on the VRF or hold a valid refugee card and others are not (mixed status): the family "
        f"stays together, and UNHCR decides each member's entitlement at verification. {pashto}"
    )


# --- (d) The admin lists what is missing -------------------------------------------------------


def test_the_admin_lists_only_the_provinces_missing_a_pashto_name(admin_client, django_assert_num_queries):
    Province.objects.filter(pcode="AF10").update(name_ps="")

    # The session, the administrator, the filtered count, the total count, the page of provinces.
    with django_assert_num_queries(5):
        response = admin_client.get("/admin/agencies/province/", {"translation_missing": "ps"})

    content = response.content.decode()
    assert response.status_code == 200
    assert [province.pcode for province in response.context["cl"].result_list] == ["AF10"]
    assert '<th scope="col" class="column-translation_missing">' in content
    assert "<span>Missing translation</span>" in content
    assert '<td class="field-name_ps">-</td><td class="field-translation_missing">Pashto</td>' in content


def test_the_admin_lists_no_province_missing_a_dari_name(admin_client):
    Province.objects.filter(pcode="AF10").update(name_ps="")

    response = admin_client.get("/admin/agencies/province/", {"translation_missing": "fa"})

    assert list(response.context["cl"].result_list) == []


def test_the_admin_shows_every_province_translated_without_the_filter(admin_client):
    response = admin_client.get("/admin/agencies/province/")

    content = response.content.decode()
    assert response.context["cl"].result_count == 34
    assert content.count('<td class="field-translation_missing">—</td>') == 34
    assert 'href="?translation_missing=ps"' in content
    assert "Missing in Pashto" in content


# --- (e) The API gives the three names ---------------------------------------------------------


def test_the_provinces_api_gives_the_three_names_and_the_dari_one_as_local(
    client, unhcr_officer, django_assert_num_queries
):
    token = api_token_for(unhcr_officer)

    # The token (with its person), the provinces.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/reference/provinces/", headers={"authorization": f"Token {token}"})

    assert response.status_code == 200
    provinces = response.json()["results"]
    assert len(provinces) == 34
    assert provinces[3] == {
        "pcode": "AF04",
        "name": "Wardak",
        "name_fa": "وردک",
        "name_ps": "وردګ",
        "name_local": "وردک",
    }
    assert [province["pcode"] for province in provinces if province["name_local"] != province["name_fa"]] == []
    assert [province["pcode"] for province in provinces if not province["name_ps"]] == []

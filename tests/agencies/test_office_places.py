"""Where each office is: district, a place in words and coordinates, constrained in the database,
loaded for every office by the migration (with Kandahar's transit centre apart from Spin Boldak),
shown to staff and given over the API."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from agencies.models import District, Office
from returns.services.households import household_register
from tests.factories import api_token_for, household

pytestmark = pytest.mark.django_db


def coordinates_of(code: str) -> tuple:
    return tuple(Office.objects.filter(code=code).values_list("latitude", "longitude").get())


# ---------------------------------------------------------------------------------------------
# The database refuses impossible places
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "constraint"),
    [
        (Decimal("90.000001"), Decimal("66.4"), "office_latitude_range"),
        (Decimal("-91"), Decimal("66.4"), "office_latitude_range"),
        (Decimal("31.0"), Decimal("180.5"), "office_longitude_range"),
        (Decimal("31.0"), Decimal("-180.000001"), "office_longitude_range"),
        (Decimal("31.0"), None, "office_coordinates_both_or_neither"),
        (None, Decimal("66.4"), "office_coordinates_both_or_neither"),
    ],
)
def test_the_database_refuses_coordinates_out_of_range_or_half_given(latitude, longitude, constraint):
    before = coordinates_of("SBD")

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Office.objects.filter(code="SBD").update(latitude=latitude, longitude=longitude)

    assert coordinates_of("SBD") == before


def test_the_edges_of_the_world_are_accepted():
    Office.objects.filter(code="SBD").update(latitude=Decimal("-90"), longitude=Decimal("180"))

    assert coordinates_of("SBD") == (Decimal("-90.000000"), Decimal("180.000000"))


def test_a_district_of_another_province_is_refused_in_the_admins_form():
    office = Office.objects.get(code="SBD")  # Kandahar
    office.district = District.objects.get(pcode="AF0617")  # Achin, Nangarhar

    with pytest.raises(ValidationError) as excinfo:
        office.full_clean()

    assert excinfo.value.message_dict == {"district": ["This district is not in the office's province."]}


# ---------------------------------------------------------------------------------------------
# What the migration loaded
# ---------------------------------------------------------------------------------------------


def test_every_office_has_its_approximate_place_in_afghanistan():
    offices = list(Office.objects.order_by("code"))

    assert [office.code for office in offices] == [
        "DNG",
        "EHR",
        "EKB",
        "EKD",
        "ENG",
        "IBL",
        "IHR",
        "IKB",
        "IKD",
        "IKZ",
        "ING",
        "IQL",
        "KBA",
        "MLK",
        "SBD",
        "TIQ",
        "TKH",
        "TKM",
        "TMK",
        "TTK",
    ]
    for office in offices:
        assert Decimal(29) <= office.latitude <= Decimal(39), office.code
        assert Decimal(60) <= office.longitude <= Decimal(75), office.code
        assert office.place_description, office.code
        assert office.district_id is None or office.district_id.startswith(office.province_id), office.code
    assert coordinates_of("TKM") == (Decimal("34.117000"), Decimal("71.095000"))
    assert coordinates_of("IQL") == (Decimal("34.660000"), Decimal("61.070000"))
    assert coordinates_of("MLK") == (Decimal("31.000000"), Decimal("61.800000"))


def test_the_kandahar_transit_centre_is_an_iom_office_in_kandahar_city_apart_from_spin_boldak():
    transit = Office.objects.select_related("agency", "district").get(code="TKH")
    spin_boldak = Office.objects.get(code="SBD")

    assert (transit.name, transit.kind, transit.agency.code, transit.province_id, transit.district.name) == (
        "Kandahar transit centre",
        Office.Kind.TRANSIT_CENTRE,
        "IOM",
        "AF33",
        "Kandahar",
    )
    assert transit.is_active
    assert (spin_boldak.kind, spin_boldak.agency_id, spin_boldak.province_id) == (
        Office.Kind.BORDER_CROSSING,
        None,
        "AF33",
    )
    assert transit.pk != spin_boldak.pk
    assert (transit.latitude, transit.longitude) == (Decimal("31.610000"), Decimal("65.710000"))
    assert (spin_boldak.latitude, spin_boldak.longitude) == (Decimal("31.005000"), Decimal("66.400000"))
    assert transit.place_description.startswith("Kandahar city")
    assert "reception at the border" in spin_boldak.place_description


# ---------------------------------------------------------------------------------------------
# Shown to staff, given over the API
# ---------------------------------------------------------------------------------------------


def test_the_household_page_shows_where_its_office_is(client, unhcr_officer):
    registered = household_register(registered_by=unhcr_officer, registration=household())
    client.force_login(unhcr_officer)

    html = client.get(f"/households/{registered.public_id}/").content.decode()

    assert "Torkham, at the border with Pakistan (Khyber Pass)<br>Nangarhar province</dd>" in html
    coordinates = '<dt>Coordinates (latitude, longitude)</dt><dd><bdi dir="ltr">34.1170, 71.0950</bdi></dd>'
    assert f"<div data-office-coordinates>{coordinates}</div>" in html


def test_the_office_admin_lists_and_edits_the_place(admin_client):
    changelist = admin_client.get("/admin/agencies/office/", {"q": "Kandahar city"}).content.decode()
    change = admin_client.get(f"/admin/agencies/office/{Office.objects.get(code='TKH').pk}/change/").content.decode()

    assert "31.6100, 65.7100" in changelist
    assert "Kandahar transit centre" in changelist
    assert "Spin Boldak border crossing" not in changelist
    for name in ("district", "place_description", "latitude", "longitude"):
        assert f'name="{name}"' in change


def test_the_reference_api_gives_each_offices_place(unhcr_officer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(unhcr_officer)}")

    offices = {row["code"]: row for row in client.get("/api/v1/reference/offices/").json()["results"]}

    assert offices["TKH"] == {
        "code": "TKH",
        "name": "Kandahar transit centre",
        "name_fa": "مرکز ترانزیت کندهار",
        "name_ps": "د کندهار ترانزیټي مرکز",
        "kind": "transit_centre",
        "province": "AF33",
        "district": "AF3301",
        "place_description": "Kandahar city, where arrivals received at Spin Boldak are assisted",
        "latitude": 31.61,
        "longitude": 65.71,
        "agency": "IOM",
        "is_active": True,
    }
    assert (offices["SBD"]["latitude"], offices["SBD"]["longitude"], offices["SBD"]["district"]) == (31.005, 66.4, None)


def test_the_schema_describes_the_offices_coordinates(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    office = schema["components"]["schemas"]["Office"]["properties"]
    assert office["latitude"]["type"] == "number"
    assert office["latitude"]["nullable"] is True
    assert office["longitude"]["type"] == "number"
    assert {"district", "place_description"} <= office.keys()

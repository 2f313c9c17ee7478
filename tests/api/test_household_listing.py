"""The households list built from rows (returns.api.listing) answers exactly what HouseholdSerializer would.

Compared as JSON text, so that the keys' order counts too, over a demo caseload (documents,
specific needs of both schemes, missing districts and dates of birth, a household without a
routing rule), for staff and for partners' keys with every field or only some.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework import serializers
from rest_framework.request import ForcedAuthentication, Request
from rest_framework.test import APIRequestFactory

from agencies.models import Agency, User
from agencies.models.partners import Scope
from returns.api.listing import HouseholdListing
from returns.api.serializers.households import HouseholdSerializer
from returns.api.views.households import shared_loading
from returns.models import Household, Member, NeedCode
from returns.selectors.households import household_for_answer
from tests.api.payloads import household_json, member_json, por_card_json
from tests.partner_infra.keys import agreement, issue, key_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/households/"


@pytest.fixture
def registry(settings):
    settings.DEBUG = True  # seed_demo runs only with DEBUG on
    call_command("seed_demo", households=40, seed=7, stdout=StringIO())
    # The cases the demo may not draw: no routing rule, needs of both schemes out of order.
    Household.objects.filter(pk=Household.objects.order_by("id").values("id")[:1]).update(routing_rule=None)
    member = Member.objects.order_by("id").first()
    member.specific_needs.add(
        *NeedCode.objects.filter(scheme="unhcr_snc").order_by("-code")[:2],
        *NeedCode.objects.filter(scheme="iom_vulnerability").order_by("-code")[:2],
    )
    return Household.objects.all()


def _request(user, auth=None) -> Request:
    return Request(APIRequestFactory().get(URL), authenticators=[ForcedAuthentication(user, auth)])


def _both(request) -> tuple[str, str]:
    """(serializer's answer, listing's answer) for every household the request's user may see, as JSON."""
    queryset = Household.objects.visible_to(request.user).order_by("-created_at", "-id")
    context = {"request": request}
    expected = HouseholdSerializer(
        household_for_answer(queryset, **shared_loading(request)), many=True, context=context
    ).data
    listing = HouseholdListing.of(HouseholdSerializer(many=True, context=context))
    assert listing is not None
    return json.dumps(expected), json.dumps(listing.data(list(listing.rows(queryset))))


def _partner_request(fields):
    nrc = Agency.objects.get(code="NRC")
    agreement(partner=nrc, sources=list(Agency.objects.filter(code__in=["UNHCR", "IOM"])), fields=fields)
    key, _full = issue(partner=nrc, scopes=[Scope.HOUSEHOLDS_READ])
    return _request(key.user, key)


def test_staff_get_what_the_serializer_gives(registry):
    admin = User.objects.create(username="admin.listing", role=User.Role.ADMIN)
    manager = User.objects.filter(role=User.Role.MANAGER, agency__code="IOM").first()

    for user in (admin, manager):
        expected, actual = _both(_request(user))
        assert actual == expected
    assert json.loads(expected)  # not comparing two empty lists


@pytest.mark.parametrize(
    "fields",
    [
        None,  # every field
        ["household.members", "member.sex", "member.date_of_birth", "member.specific_needs"],
        ["household.routing", "household.phone", "household.members", "member.documents", "member.given_name"],
        ["household.arrival_date"],
        [],
    ],
)
def test_a_partner_gets_what_the_serializer_gives(registry, fields):
    expected, actual = _both(_partner_request(fields))

    assert actual == expected
    assert len(json.loads(actual)) == registry.count()


def test_the_list_endpoint_answers_the_same_through_the_api(registry):
    nrc = Agency.objects.get(code="NRC")
    agreement(partner=nrc, sources=list(Agency.objects.filter(code__in=["UNHCR", "IOM"])))
    key, full_key = issue(partner=nrc, scopes=[Scope.HOUSEHOLDS_READ])
    expected, _actual = _both(_request(key.user, key))

    answers, url = [], f"{URL}?page_size=7"
    while url:
        page = json.loads(key_client(full_key).get(url).content)
        answers.extend(page["results"])
        url = page["next"]

    assert json.dumps(answers) == expected


def test_a_field_it_does_not_know_falls_back_to_the_serializer(registry):
    class Extended(HouseholdSerializer):
        member_count = serializers.IntegerField()

    class Renamed(HouseholdSerializer):
        office = serializers.CharField(source="office.name")

    request = _request(User.objects.create(username="admin.listing", role=User.Role.ADMIN))

    for serializer_class in (Extended, Renamed):
        assert HouseholdListing.of(serializer_class(many=True, context={"request": request})) is None
    assert HouseholdListing.of(HouseholdSerializer(many=True, context={"request": request})) is not None


def test_a_registrations_answer_is_what_a_read_of_the_household_gives(unhcr_client, unhcr_officer):
    """POST answers from what it wrote (``HouseholdListing.item``): the serializer's answer for the household
    read back, specific needs in the codes' order whatever order was sent."""
    body = household_json(
        destination_district="AF0601",
        phone="+93 700 123 456",
        members=[
            member_json(documents=[por_card_json()], specific_needs=["SM-CI", "FU-TR", "DS-PM"]),
            member_json(
                relationship="daughter", given_name="Laila", sex="female", age=None, date_of_birth="2015-03-04"
            ),
        ],
    )
    response = unhcr_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    household = household_for_answer(Household.objects.filter(public_id=response.json()["id"])).get()
    expected = HouseholdSerializer(household).data

    answer = response.json()
    assert answer == json.loads(json.dumps(expected))
    # The keys in the serializer's order too (but the routing facts', which PostgreSQL's jsonb reorders).
    assert list(answer) == list(expected)
    assert list(answer["routing"]) == list(expected["routing"])
    assert [list(member) for member in answer["members"]] == [list(member) for member in expected["members"]]
    assert list(answer["members"][0]["documents"][0]) == list(expected["members"][0]["documents"][0])
    assert response.json()["members"][0]["specific_needs"] == ["DS-PM", "FU-TR", "SM-CI"]
    assert response.json()["members"][0]["documents"][0]["document_type"] == "por_card"

"""seed_demo: demo users and a synthetic caseload routed by the real rules, loaded with COPY."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from agencies.models import User
from returns.demo import DEMO_PASSWORD
from returns.models import Household, HouseholdEvent, Member, MemberDocument
from returns.reference import reference_data
from returns.registration import (
    DocumentRegistration,
    HouseholdRegistration,
    MemberRegistration,
    registration_problems,
)
from returns.routing import routing_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def registration_of(household: Household) -> HouseholdRegistration:
    """Rebuild the registration from what was stored, as the routing rules would have seen it."""
    return HouseholdRegistration(
        arrival_date=household.arrival_date,
        office=household.office.code,
        country_of_departure=household.country_of_departure_id,
        return_type=household.return_type_id,
        destination_province=household.destination_province_id,
        destination_district=household.destination_district_id or "",
        phone=household.phone,
        members=[
            MemberRegistration(
                given_name=member.given_name,
                fathers_name=member.fathers_name,
                sex=member.sex,
                relationship=member.relationship,
                family_name=member.family_name,
                given_name_local=member.given_name_local,
                fathers_name_local=member.fathers_name_local,
                family_name_local=member.family_name_local,
                date_of_birth=member.date_of_birth,
                estimated_age=member.estimated_age,
                documents=[
                    DocumentRegistration(
                        document_type=document.document_type_id,
                        issuing_country=document.issuing_country_id,
                        number=document.number,
                        expiry_date=document.expiry_date,
                        expired_confirmed=True,
                    )
                    for document in member.documents.all()
                ],
                specific_needs=[need.code for need in member.specific_needs.all()],
            )
            for member in household.members.all()
        ],
    )


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed(households=10)

    assert not User.objects.filter(username__in=["unhcr.officer", "admin"]).exists()
    assert Household.objects.count() == 0


def test_creates_the_demo_users_with_one_password(debug):
    output = seed(households=0)

    expected = {
        "unhcr.officer": ("UNHCR", "TKM", User.Role.FIELD_OFFICER, False),
        "unhcr.manager": ("UNHCR", None, User.Role.MANAGER, False),
        "iom.officer": ("IOM", "IQL", User.Role.FIELD_OFFICER, False),
        "iom.manager": ("IOM", None, User.Role.MANAGER, False),
        "coordinator": ("UNHCR", None, User.Role.COORDINATOR, False),
        "admin": (None, None, User.Role.ADMIN, True),
    }
    users = {user.username: user for user in User.objects.select_related("agency", "office")}
    for username, (agency, office, role, superuser) in expected.items():
        user = users[username]
        assert (user.agency.code if user.agency else None) == agency
        assert (user.office.code if user.office else None) == office
        assert user.role == role
        assert user.is_superuser is superuser
        assert user.check_password(DEMO_PASSWORD)
        assert username in output
    assert DEMO_PASSWORD in output


def test_users_are_updated_not_duplicated(debug):
    seed(households=0)
    User.objects.filter(username="iom.manager").update(role=User.Role.CASE_WORKER)

    seed(households=0)

    assert User.objects.filter(username="iom.manager").get().role == User.Role.MANAGER
    assert User.objects.count() == 6


def test_caseload_is_complete_and_routed_by_the_real_rules(debug):
    seed(households=200, seed=1)

    assert Household.objects.count() == 200
    assert HouseholdEvent.objects.filter(kind=HouseholdEvent.Kind.REGISTERED).count() == 200
    mismatched = Household.objects.annotate(rows=Count("members")).exclude(rows=F("member_count"))
    assert not mismatched.exists()
    assert Member.objects.count() == Household.objects.aggregate(total=Sum("member_count"))["total"]
    assert Member.objects.filter(relationship="head").count() == 200
    assert len(set(Household.objects.values_list("registration_number", flat=True))) == 200

    reference = reference_data()
    households = Household.objects.select_related("office", "routed_agency").prefetch_related(
        "members__documents", "members__specific_needs"
    )
    for household in households:
        registration = registration_of(household)
        assert registration_problems(registration, reference=reference, today=household.arrival_date) == {}
        decision = routing_decide(registration, reference=reference)
        assert (household.routed_agency.code, household.category) == (decision.agency.code, decision.category)
        assert household.routing_rule_id == decision.rule.pk
        assert household.routing_version == decision.version
        assert household.flags == decision.flags
        assert household.routing_reason == decision.reason


def test_caseload_has_realistic_proportions(debug):
    seed(households=200, seed=1)

    by_agency = dict(Household.objects.values_list("routed_agency__code").annotate(n=Count("id")))
    assert by_agency["IOM"] > by_agency["UNHCR"] > 0
    # Every UNHCR household holds a refugee card or a VRF.
    refugee_document = MemberDocument.objects.filter(
        member__household=OuterRef("pk"), document_type__routing_class__in=["refugee_card", "repatriation_form"]
    )
    assert not Household.objects.filter(routed_agency__code="UNHCR").exclude(Exists(refugee_document)).exists()
    # About 5.4 people per household; Iran's deportees mostly single men; refugees mostly from Pakistan.
    people = Household.objects.aggregate(total=Sum("member_count"))["total"]
    assert 4.5 <= people / 200 <= 6.5
    deported_from_iran = Household.objects.filter(country_of_departure="IR", return_type="deportation")
    assert deported_from_iran.filter(member_count=1).count() >= 0.8 * deported_from_iran.count()
    refugees = Household.objects.filter(category="registered_refugee")
    assert refugees.filter(country_of_departure="PK").count() > refugees.filter(country_of_departure="IR").count()
    people_from_iran = Household.objects.filter(country_of_departure="IR").aggregate(n=Sum("member_count"))["n"]
    assert people_from_iran > people / 3
    # Crossing points match the country of departure.
    assert not Household.objects.filter(
        Q(country_of_departure="PK") & ~Q(office__code__in=["TKM", "SBD"])
        | Q(country_of_departure="IR") & ~Q(office__code__in=["IQL", "MLK"])
    ).exists()
    assert Household.objects.filter(arrival_date__year__lt=2023).count() == 0
    assert Member.objects.exclude(given_name_local="").count() == Member.objects.count()


def test_same_seed_gives_the_same_caseload(debug):
    def snapshot():
        return list(
            Member.objects.order_by("id").values_list(
                "household__arrival_date", "given_name", "fathers_name", "sex", "estimated_age", "relationship"
            )
        )

    seed(households=30, seed=7)
    first = snapshot()

    seed(households=30, seed=7, clear=True)

    assert snapshot() == first


def test_if_empty_does_nothing_when_households_exist(debug):
    seed(households=20, seed=1)
    numbers = set(Household.objects.values_list("registration_number", flat=True))

    output = seed(households=20, seed=2, if_empty=True)

    assert "nothing to do" in output
    assert set(Household.objects.values_list("registration_number", flat=True)) == numbers


def test_clear_deletes_households_but_keeps_reference_data_and_users(debug):
    seed(households=20, seed=1)

    seed(households=5, seed=1, clear=True)

    assert Household.objects.count() == 5
    assert HouseholdEvent.objects.count() == 5
    assert User.objects.count() == 6
    assert reference_data().rules

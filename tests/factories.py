"""factory_boy factories and registration builders shared by the suite."""

import datetime
import itertools

import factory
from django.utils import timezone

from agencies.models import Agency, Office, StaffToken, User
from agencies.staff_tokens import staff_token_issue
from returns.models import Member, MemberEntitlement
from returns.registration import DocumentRegistration, HouseholdRegistration, MemberRegistration
from returns.routing import WINTER_PAUSE_MONTHS

DEMO_PASSWORD = "correct-horse-battery"


def api_token_for(user: User) -> str:
    """A staff API token for ``user`` (``Authorization: Token <key>``), as one already in use.

    A token's first use records ``last_used_at`` (one UPDATE, then at most once a minute); the
    query counts of the suite measure requests made with a token in use, so that write is done here.
    """
    token, key = staff_token_issue(user=user, name="tests")
    StaffToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = User.Role.FIELD_OFFICER
    agency = factory.LazyFunction(lambda: Agency.objects.get(code="IOM"))
    office = factory.LazyFunction(lambda: Office.objects.get(code="TKM"))
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def saved(user, create, extracted, **kwargs):
        if create:
            user.save()


def member(
    *,
    relationship="head",
    given_name="Ahmad",
    fathers_name="Mohammad",
    sex="male",
    age=None,
    date_of_birth=None,
    documents=(),
    specific_needs=(),
    **extra,
) -> MemberRegistration:
    if age is None and date_of_birth is None:
        age = 35
    return MemberRegistration(
        given_name=given_name,
        fathers_name=fathers_name,
        sex=sex,
        relationship=relationship,
        estimated_age=age,
        date_of_birth=date_of_birth,
        documents=list(documents),
        specific_needs=list(specific_needs),
        **extra,
    )


# A person's document number is theirs alone (a second person with it is refused at registration):
# each card a test makes without a number gets the next one.
# From 1,000,000: never a number a test writes itself (PK-123456...).
DOCUMENT_SERIALS = itertools.count(1_000_000)


def por_card(*, number=None, expiry_date=None, expired_confirmed=False) -> DocumentRegistration:
    return DocumentRegistration(
        document_type="por_card",
        issuing_country="PK",
        number=number or f"PK-{next(DOCUMENT_SERIALS)}",
        expiry_date=expiry_date,
        expired_confirmed=expired_confirmed,
    )


def amayesh_card(*, number=None, expiry_date=None, expired_confirmed=False) -> DocumentRegistration:
    return DocumentRegistration(
        document_type="amayesh_card",
        issuing_country="IR",
        number=number or f"IR-{next(DOCUMENT_SERIALS)}",
        expiry_date=expiry_date,
        expired_confirmed=expired_confirmed,
    )


def vrf(*, number="VRF-2026-001") -> DocumentRegistration:
    return DocumentRegistration(document_type="vrf", issuing_country="PK", number=number)


def acc(*, number=None) -> DocumentRegistration:
    return DocumentRegistration(
        document_type="acc", issuing_country="PK", number=number or f"ACC-{next(DOCUMENT_SERIALS)}"
    )


def arrival_outside_winter_pause() -> datetime.date:
    """Yesterday, or the last day before the VolRep winter pause while yesterday is in it (December to
    February): a VRF holder from Pakistan arriving in the pause is flagged ``winter_pause``, which a
    test of the other flags must not find, whatever day it runs."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    while day.month in WINTER_PAUSE_MONTHS:
        day = day.replace(day=1) - datetime.timedelta(days=1)
    return day


def household(
    *,
    members=None,
    arrival_date=None,
    office="TKM",
    country_of_departure="PK",
    return_type="voluntary_repatriation",
    destination_province="AF06",
    destination_district="",
    phone="",
) -> HouseholdRegistration:
    return HouseholdRegistration(
        arrival_date=arrival_date or timezone.localdate() - datetime.timedelta(days=1),
        office=office,
        country_of_departure=country_of_departure,
        return_type=return_type,
        destination_province=destination_province,
        destination_district=destination_district,
        phone=phone,
        members=list(members) if members is not None else [member()],
    )


def entitle(case, *, decided_by, decision=MemberEntitlement.Decision.ELIGIBLE) -> list[MemberEntitlement]:
    """Every member's entitlement as verification would have recorded it, for a case put past verification
    directly: the grant is paid per eligible member."""
    return MemberEntitlement.objects.bulk_create(
        [
            MemberEntitlement(case=case, member=household_member, decision=decision, decided_by=decided_by)
            for household_member in Member.objects.filter(household_id=case.household_id).order_by("pk")
        ]
    )

"""One grant per person: a second grant to someone, or to their likely duplicate, is refused with the
earlier grant, counted as a refusal, unless a manager of the agency overrides it with a written reason.

UNHCR's repatriation grant is paid once per person, ever; IOM's cash for protection once in 365 days
(migration 0021). Both count against each other.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from agencies.models import Agency, User
from agencies.problems import Refused
from returns.demo.loader import demo_grant_refusals
from returns.grants import grants_already_given
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRefusal,
    MatchPair,
    Member,
    MemberDocument,
)
from returns.names import document_number_normal
from returns.services.cases import assistance_decide, assistance_record
from returns.services.households import household_register
from tests.factories import UserFactory, api_token_for, entitle, household, member, por_card, vrf

pytestmark = pytest.mark.django_db

MAY_3 = datetime.date(2024, 5, 3)


def today() -> datetime.date:
    return timezone.localdate()


def staff(agency_code: str, role: str, name: str) -> User:
    return UserFactory(
        username=f"{agency_code}.{name}".lower(), agency=Agency.objects.get(code=agency_code), office=None, role=role
    )


@pytest.fixture
def worker(db) -> User:
    return staff("UNHCR", User.Role.CASE_WORKER, "worker")


@pytest.fixture
def manager(db) -> User:
    return staff("UNHCR", User.Role.MANAGER, "manager")


def catalogue(agency_code: str, code: str) -> AssistanceType:
    return AssistanceType.objects.get(agency__code=agency_code, code=code)


def unhcr_family(*people, vrf_number: str = "VRF-PK-000001") -> Case:
    """A VolRep household of these (given name, father's name, documents), every member found eligible."""
    registrar = User.objects.filter(username="unhcr.registrar").first() or staff(
        "UNHCR", User.Role.FIELD_OFFICER, "registrar"
    )
    registered = household_register(
        registered_by=registrar,
        registration=household(
            members=[
                member(
                    relationship="head" if index == 0 else "spouse",
                    sex="male" if index == 0 else "female",
                    given_name=given,
                    fathers_name=fathers,
                    documents=[vrf(number=vrf_number), *documents],
                )
                for index, (given, fathers, documents) in enumerate(people)
            ]
        ),
    )
    case = Case.objects.get(household=registered)
    entitle(case, decided_by=registrar)
    return case


def iom_household(*names) -> Case:
    registrar = User.objects.filter(username="iom.registrar").first() or staff(
        "IOM", User.Role.FIELD_OFFICER, "registrar"
    )
    registered = household_register(
        registered_by=registrar,
        registration=household(
            office="IQL",
            country_of_departure="IR",
            return_type="deportation",
            destination_province="AF30",
            members=[
                member(relationship="head" if index == 0 else "sibling", given_name=given, fathers_name=fathers)
                for index, (given, fathers) in enumerate(names)
            ],
        ),
    )
    return Case.objects.get(household=registered)


def grant(case: Case, by: User, *, delivered_on: datetime.date | None = None, **fields) -> Assistance:
    return assistance_record(
        case=case,
        recorded_by=by,
        assistance_type=catalogue("UNHCR", "cash_grant"),
        delivered_on=delivered_on or today(),
        office=case.office,
        **fields,
    )


def cash_for_protection(case: Case, by: User, *, delivered_on: datetime.date, **fields) -> Assistance:
    return assistance_record(
        case=case,
        recorded_by=by,
        assistance_type=catalogue("IOM", "cash_for_protection"),
        delivered_on=delivered_on,
        office=case.office,
        value=Decimal("100.00"),
        currency="USD",
        **fields,
    )


def person(case: Case, given_name: str) -> Member:
    return Member.objects.get(household_id=case.household_id, given_name=given_name)


def likely_pair(one: Member, other: Member, score: str = "0.900", status: str = MatchPair.Status.PENDING) -> None:
    first, second = sorted([one.pk, other.pk])
    decided = {} if status == MatchPair.Status.PENDING else {"decided_by": one.household.registered_by}
    MatchPair.objects.create(
        first_id=first,
        second_id=second,
        score=Decimal(score),
        source=MatchPair.Source.BATCH,
        status=status,
        decided_at=None if status == MatchPair.Status.PENDING else timezone.now(),
        **decided,
    )


def state() -> dict:
    """What recording may write."""
    return {
        "assistance": list(Assistance.objects.order_by("pk").values_list("pk", "case_id", "overridden_by")),
        "events": CaseEvent.objects.count(),
        "versions": list(Case.objects.order_by("pk").values_list("pk", "version")),
    }


def refusals() -> list[tuple]:
    return list(
        GrantRefusal.objects.order_by("pk").values_list(
            "case_id", "member__given_name", "assistance_type__code", "earlier_id", "through_duplicate", "refused_by"
        )
    )


def problems(error: Refused) -> dict[str, list[tuple[str, str]]]:
    return {path: [(problem.code, problem.message) for problem in found] for path, found in error.problems.items()}


# ---------------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------------


def test_a_second_grant_to_the_same_family_is_refused_with_the_earlier_grant(worker):
    case = unhcr_family(("Gul", "Rahim", []), ("Zarmina", "Karim", []))
    first = grant(case, worker, delivered_on=MAY_3)
    before = state()

    with pytest.raises(Refused) as refused:
        grant(case, worker)

    assert problems(refused.value) == {
        "assistance_type": [
            ("already_granted", "Gul already received the Repatriation cash grant (750.00 USD) on 3 May 2024."),
            ("already_granted", "Zarmina already received the Repatriation cash grant (750.00 USD) on 3 May 2024."),
        ]
    }
    assert state() == before
    assert refusals() == [
        (case.pk, "Gul", "cash_grant", first.pk, False, worker.pk),
        (case.pk, "Zarmina", "cash_grant", first.pk, False, worker.pk),
    ]


def test_the_person_registered_again_is_refused_through_the_likely_duplicate(worker):
    earlier_case = unhcr_family(("Zarmina", "Karim", []))
    earlier = grant(earlier_case, worker, delivered_on=MAY_3)
    case = unhcr_family(("Nasir", "Habib", []), ("Zarmeena", "Kareem", []), vrf_number="VRF-PK-000002")
    likely_pair(person(earlier_case, "Zarmina"), person(case, "Zarmeena"), score="0.850")
    before = state()

    with pytest.raises(Refused) as refused:
        grant(case, worker)

    assert problems(refused.value) == {
        "assistance_type": [
            (
                "already_granted",
                "Zarmeena already received the Repatriation cash grant (375.00 USD) on 3 May 2024. It was paid to "
                f"a likely duplicate registered in household {earlier_case.household.registration_number}.",
            )
        ]
    }
    assert state() == before
    assert refusals() == [(case.pk, "Zarmeena", "cash_grant", earlier.pk, True, worker.pk)]


def test_another_agencys_earlier_grant_is_told_by_its_agency_and_day_only(worker):
    iom_case = iom_household(("Zarmina", "Karim"), ("Farid", "Karim"))
    iom_worker = staff("IOM", User.Role.CASE_WORKER, "worker")
    paid_on = today() - datetime.timedelta(days=20)
    earlier = cash_for_protection(iom_case, iom_worker, delivered_on=paid_on)
    case = unhcr_family(("Zarmina", "Karim", []))
    likely_pair(person(iom_case, "Zarmina"), person(case, "Zarmina"))

    with pytest.raises(Refused) as refused:
        grant(case, worker)

    assert problems(refused.value) == {
        "assistance_type": [
            ("already_granted", f"Zarmina already received a cash grant from IOM on {date_format(paid_on, 'j F Y')}.")
        ]
    }
    assert refusals() == [(case.pk, "Zarmina", "cash_grant", earlier.pk, True, worker.pk)]


def test_the_same_personal_document_on_two_people_makes_them_one_but_a_shared_vrf_does_not(worker):
    earlier_case = unhcr_family(("Zarmina", "Karim", [por_card(number="PK-1234567")]))
    earlier = grant(earlier_case, worker, delivered_on=MAY_3)
    # A part of the family returning later, on the family's VRF: not the same people.
    family_part = unhcr_family(("Nasir", "Habib", []))
    # Someone else whose card, typed otherwise, is the same card (registered before the check existed).
    case = unhcr_family(("Laila", "Aziz", [por_card(number="PK-9999999")]), vrf_number="VRF-PK-000003")
    MemberDocument.objects.filter(member__household_id=case.household_id, document_type_id="por_card").update(
        number="pk 1234 567", number_normal=document_number_normal("pk 1234 567")
    )

    part_grant = grant(family_part, worker)
    with pytest.raises(Refused) as refused:
        grant(case, worker)

    assert part_grant.value == Decimal("375.00")
    assert [code for code, _message in problems(refused.value)["assistance_type"]] == ["already_granted"]
    assert refusals() == [(case.pk, "Laila", "cash_grant", earlier.pk, True, worker.pk)]


def test_merged_records_and_pairs_decided_the_same_are_one_person(worker, manager):
    merged_from = unhcr_family(("Zarmina", "Karim", []))
    earlier = grant(merged_from, worker, delivered_on=MAY_3)
    case = unhcr_family(("Zarmina", "Karim", []), vrf_number="VRF-PK-000002")
    Member.objects.filter(pk=person(case, "Zarmina").pk).update(same_person_as=person(merged_from, "Zarmina"))

    with pytest.raises(Refused):
        grant(case, worker)

    assert refusals() == [(case.pk, "Zarmina", "cash_grant", earlier.pk, True, worker.pk)]


@pytest.mark.parametrize(
    ("score", "status"),
    [
        ("0.849", MatchPair.Status.PENDING),
        ("0.990", MatchPair.Status.DIFFERENT),
    ],
    ids=["below_likely", "decided_different"],
)
def test_an_unlikely_pair_or_different_people_do_not_stop_a_grant(worker, score, status):
    earlier_case = unhcr_family(("Zarmina", "Karim", []))
    grant(earlier_case, worker, delivered_on=MAY_3)
    case = unhcr_family(("Zarmina", "Karim", []), vrf_number="VRF-PK-000002")
    likely_pair(person(earlier_case, "Zarmina"), person(case, "Zarmina"), score=score, status=status)

    paid = grant(case, worker)

    assert (paid.value, paid.overridden_by, GrantRefusal.objects.count()) == (Decimal("375.00"), None, 0)


def test_a_rejected_grant_does_not_count(worker, manager):
    case = unhcr_family(("Zarmina", "Karim", []))
    checker = staff("UNHCR", User.Role.CASE_WORKER, "checker")
    assistance_decide(assistance=grant(case, worker), decided_by=checker, approve=False, note="Wrong family.")

    again = grant(case, worker)

    assert (again.approval, GrantRefusal.objects.count()) == ("pending", 0)


def test_a_household_grant_paid_only_the_members_found_eligible(worker):
    earlier_case = unhcr_family(("Gul", "Rahim", []), ("Zarmina", "Karim", []))
    earlier_case.entitlements.filter(member=person(earlier_case, "Zarmina")).update(decision="not_on_vrf")
    grant(earlier_case, worker, delivered_on=MAY_3)
    gul = unhcr_family(("Gul", "Rahim", []), vrf_number="VRF-PK-000002")
    zarmina = unhcr_family(("Zarmina", "Karim", []), vrf_number="VRF-PK-000003")
    likely_pair(person(earlier_case, "Gul"), person(gul, "Gul"))
    likely_pair(person(earlier_case, "Zarmina"), person(zarmina, "Zarmina"))

    paid = grant(zarmina, worker)
    with pytest.raises(Refused) as refused:
        grant(gul, worker)

    assert paid.value == Decimal("375.00")
    assert [code for code, _message in problems(refused.value)["assistance_type"]] == ["already_granted"]


def test_cash_for_protection_may_be_given_again_after_a_year_only():
    iom_worker = staff("IOM", User.Role.CASE_WORKER, "worker")
    case = iom_household(("Nazir", "Habib"))
    year_ago = today() - datetime.timedelta(days=365)
    cash_for_protection(case, iom_worker, delivered_on=year_ago)

    again = cash_for_protection(case, iom_worker, delivered_on=today())
    with pytest.raises(Refused) as refused:
        cash_for_protection(case, iom_worker, delivered_on=today())

    assert again.delivered_on == today()
    assert problems(refused.value) == {
        "assistance_type": [
            (
                "already_granted",
                f"Nazir already received the Cash for protection (100.00 USD) on {date_format(today(), 'j F Y')}.",
            )
        ]
    }


def test_other_assistance_is_not_limited(worker):
    case = unhcr_family(("Zarmina", "Karim", []))
    grant(case, worker)
    screening = catalogue("UNHCR", "health_screening")

    for _time in range(2):
        assistance_record(
            case=case, recorded_by=worker, assistance_type=screening, delivered_on=today(), office=case.office
        )

    assert Assistance.objects.filter(case=case).count() == 3


def test_the_check_reads_a_fixed_number_of_queries(worker, django_assert_num_queries):
    small = unhcr_family(("Gul", "Rahim", [por_card()]), ("Zarmina", "Karim", [por_card()]))
    large = unhcr_family(*[(f"Person{index}", "Rahim", [por_card()]) for index in range(8)], vrf_number="VRF-PK-000002")
    for index, case in enumerate([small, large]):
        grant(case, worker, delivered_on=MAY_3)
        for record in Member.objects.filter(household_id=case.household_id):
            twin = unhcr_family((record.given_name, "Rahim", []), vrf_number=f"VRF-PK-1{index}{record.pk}")
            likely_pair(record, twin.household.members.get())
    cash_grant = catalogue("UNHCR", "cash_grant")

    counts = []
    for case in (small, large):
        # the eligible members, identities (records, pairs, their records: 2 + 1 + 2), documents (2), the
        # records' households, the earlier grants, who they paid, which cases the user sees
        with django_assert_num_queries(12):
            given = grants_already_given(
                case=case, assistance_type=cash_grant, member=None, delivered_on=today(), user=worker
            )
        counts.append(len(given))

    assert counts == [2, 8]


# ---------------------------------------------------------------------------------------------
# A manager's override
# ---------------------------------------------------------------------------------------------


def test_a_manager_lets_a_second_grant_through_with_a_written_reason(worker, manager):
    case = unhcr_family(("Zarmina", "Karim", []))
    earlier = grant(case, worker, delivered_on=MAY_3)

    second = grant(
        case, manager, override_justification="  The first grant was stolen at the border; police report 17.  "
    )

    second.refresh_from_db()
    assert (second.override_justification, second.overridden_by, second.value) == (
        "The first grant was stolen at the border; police report 17.",
        manager,
        Decimal("375.00"),
    )
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ASSISTANCE_RECORDED).latest("pk")
    assert event.details == {
        "assistance": str(second.public_id),
        "type": "cash_grant",
        "value": "375.00",
        "currency": "USD",
        "override_justification": "The first grant was stolen at the border; police report 17.",
        "earlier": [str(earlier.public_id)],
    }
    assert GrantRefusal.objects.count() == 0


def test_a_justification_is_kept_only_when_something_was_overridden(manager):
    case = unhcr_family(("Zarmina", "Karim", []))

    first = grant(case, manager, override_justification="Just in case.")

    assert (first.override_justification, first.overridden_by) == ("", None)


def test_a_blank_justification_overrides_nothing(manager, worker):
    case = unhcr_family(("Zarmina", "Karim", []))
    grant(case, worker, delivered_on=MAY_3)
    before = state()

    with pytest.raises(Refused) as refused:
        grant(case, manager, override_justification="   ")

    assert list(problems(refused.value)) == ["assistance_type"]
    assert state() == before
    assert GrantRefusal.objects.count() == 1


@pytest.mark.parametrize(("agency", "role"), [("UNHCR", User.Role.CASE_WORKER), ("IOM", User.Role.MANAGER)])
def test_only_a_manager_of_the_cases_agency_may_override(worker, agency, role):
    case = unhcr_family(("Zarmina", "Karim", []))
    grant(case, worker, delivered_on=MAY_3)
    someone = staff(agency, role, "someone")
    before = state()

    with pytest.raises(PermissionDenied):
        grant(case, someone, override_justification="Please.")

    assert state() == before
    assert GrantRefusal.objects.count() == 0


def test_a_justification_with_hidden_characters_is_refused(manager, worker):
    case = unhcr_family(("Zarmina", "Karim", []))
    grant(case, worker, delivered_on=MAY_3)
    before = state()

    with pytest.raises(Refused) as refused:
        grant(case, manager, override_justification="Stolen \u202eat the border")

    assert [code for code, _message in problems(refused.value)["override_justification"]] == ["hidden_characters"]
    assert state() == before


# ---------------------------------------------------------------------------------------------
# The case page and the API
# ---------------------------------------------------------------------------------------------


def page_post(client, user: User, case: Case, **extra):
    client.force_login(user)
    data = {
        "assistance_type": "cash_grant",
        "member": "",
        "quantity": "1",
        "value": "",
        "currency": "USD",
        "delivered_on": today().isoformat(),
        "office": case.office.code,
        "note": "",
        **extra,
    }
    return client.post(reverse("returns:case-assistance", kwargs={"public_id": case.public_id}), data)


def test_the_page_shows_the_reason_and_offers_a_manager_the_override(client, worker, manager):
    case = unhcr_family(("Zarmina", "Karim", []))
    grant(case, worker, delivered_on=MAY_3)

    refused_worker = page_post(client, worker, case)
    refused_manager = page_post(client, manager, case)
    overridden = page_post(client, manager, case, override_justification="Stolen at the border.")

    reason = "Zarmina already received the Repatriation cash grant (375.00 USD) on 3 May 2024."
    assert refused_worker.status_code == refused_manager.status_code == 200
    assert reason in refused_worker.content.decode()
    assert 'name="override_justification"' not in refused_worker.content.decode()
    assert reason in refused_manager.content.decode()
    assert 'name="override_justification"' in refused_manager.content.decode()
    assert overridden.status_code == 302
    shown = client.get(case.get_absolute_url()).content.decode()
    assert "Given again on a manager's override: Stolen at the border." in shown
    assert Assistance.objects.filter(case=case, overridden_by=manager).count() == 1
    assert GrantRefusal.objects.count() == 2


def api_post(user: User, case: Case, **body):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client.post(
        f"/api/v1/cases/{case.public_id}/assistance/",
        {"assistance_type": "cash_grant", "office": case.office.code, **body},
        format="json",
    )


def test_the_api_refuses_with_the_code_and_a_manager_overrides(worker, manager):
    case = unhcr_family(("Zarmina", "Karim", []))
    grant(case, worker, delivered_on=MAY_3)

    refused = api_post(worker, case)
    forbidden = api_post(worker, case, override_justification="Please.")
    overridden = api_post(manager, case, override_justification="Stolen at the border.")

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "path": "assistance_type",
            "code": "already_granted",
            "message": "Zarmina already received the Repatriation cash grant (375.00 USD) on 3 May 2024.",
        }
    ]
    assert forbidden.status_code == 403
    assert overridden.status_code == 201
    assert Assistance.objects.get(public_id=overridden.json()["id"]).override_justification == "Stolen at the border."
    assert GrantRefusal.objects.count() == 1


def test_the_demo_refuses_a_second_grant_to_a_few_people_paid(worker):
    case = unhcr_family(("Gul", "Rahim", []), ("Zarmina", "Karim", []))
    paid = grant(case, worker, delivered_on=MAY_3)
    assistance_decide(assistance=paid, decided_by=staff("UNHCR", User.Role.CASE_WORKER, "checker"), approve=True)

    written = demo_grant_refusals(refused_by=worker)

    assert written == 1
    assert refusals() == [(case.pk, "Gul", "cash_grant", paid.pk, False, worker.pk)]

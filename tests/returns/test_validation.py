"""Validation a field officer understands: dates in sane windows, names a person can read, limits per
person, money above zero, assistance at the agency's own offices. Each refusal names the field, says
how to fix it, and saves nothing; the registration page and the API say the same as the service.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agencies import calendars
from agencies.models import Agency, Office, User
from agencies.problems import Refused
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    Family,
    Household,
    HouseholdEvent,
    Member,
    Referral,
)
from returns.reference import reference_data
from returns.registration import RegistrationInvalid, registration_problems
from returns.services.cases import assistance_decide, assistance_record, referral_answer, referral_make
from returns.services.households import household_family_link, household_register, household_reroute
from tests.api import conftest as api_fixtures
from tests.api.payloads import household_json, member_json
from tests.factories import UserFactory, acc, household, member, por_card
from tests.problems import problem_of
from tests.returns.test_pages import REGISTER_URL, member_fields, registration_post

pytestmark = pytest.mark.django_db

# The API's own authenticated clients, as tests/api uses them.
client_for = api_fixtures.client_for
unhcr_client = api_fixtures.unhcr_client

API_URL = "/api/v1/households/"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: shows "Ahmad<RLO>dammahoM" as "AhmadMohammad" reversed
ZWSP = "\u200b"
ZWNJ = "\u200c"
ZWJ = "\u200d"
RAHMATULLAH = f"رحمت{ZWNJ}الله"


def today() -> datetime.date:
    return timezone.localdate()


def problems_of(registration) -> dict[str, list[tuple[str, str]]]:
    found = registration_problems(registration, reference=reference_data(), today=today())
    return {path: [(problem.code, problem.message) for problem in problems] for path, problems in found.items()}


def codes_of(registration) -> dict[str, list[str]]:
    return {path: [code for code, _message in found] for path, found in problems_of(registration).items()}


def saved() -> tuple[int, int]:
    return Household.objects.count(), Member.objects.count()


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def test_an_arrival_before_2002_is_refused_with_the_window():
    assert problems_of(household(arrival_date=datetime.date(2001, 12, 31))) == {
        "arrival_date": [
            (
                "arrival_too_early",
                "The arrival date 2001-12-31 is before 2002-01-01, when the registry's history starts. "
                "Check the year of the arrival date.",
            )
        ]
    }


def test_an_arrival_in_year_1_is_refused_by_the_api_and_nothing_is_saved(unhcr_client):
    response = unhcr_client.post(API_URL, household_json(arrival_date="0001-01-01"), format="json")

    message = (
        "The arrival date 0001-01-01 is before 2002-01-01, when the registry's history starts. "
        "Check the year of the arrival date."
    )
    assert response.status_code == 400
    assert problem_of(response)["errors"] == [{"path": "arrival_date", "code": "arrival_too_early", "message": message}]
    assert saved() == (0, 0)


def test_an_arrival_on_the_first_day_of_2002_is_in_the_window_but_before_any_policy():
    # The first routing policy covers arrivals from 1 March 2002.
    assert codes_of(household(arrival_date=datetime.date(2002, 1, 1))) == {"arrival_date": ["no_policy_on_date"]}


def test_an_arrival_today_in_kabul_is_accepted():
    assert problems_of(household(arrival_date=today())) == {}


def test_a_date_of_birth_in_the_future_is_refused():
    tomorrow = today() + datetime.timedelta(days=1)
    registration = household(members=[member(date_of_birth=tomorrow)])

    assert problems_of(registration) == {
        "members.0.date_of_birth": [
            (
                "birth_in_future",
                f"The date of birth {tomorrow.isoformat()} is in the future. Check the day, month and year.",
            )
        ]
    }


def test_a_date_of_birth_before_1900_is_refused():
    # Arriving in 2010 at 110: not over the age limit, but before any plausible birth year.
    registration = household(
        arrival_date=datetime.date(2010, 6, 1), members=[member(date_of_birth=datetime.date(1899, 12, 31))]
    )

    assert problems_of(registration) == {
        "members.0.date_of_birth": [
            ("birth_too_early", "The date of birth 1899-12-31 is before 1900-01-01. Check the year.")
        ]
    }


@pytest.mark.parametrize("expiry", [datetime.date(1949, 12, 31), datetime.date(2101, 1, 1)])
def test_a_document_expiry_outside_1950_to_2100_is_refused(expiry):
    registration = household(members=[member(documents=[acc()])])
    registration.members[0].documents[0].expiry_date = expiry

    assert problems_of(registration) == {
        "members.0.documents.0.expiry_date": [
            (
                "expiry_out_of_range",
                f"The expiry date {expiry.isoformat()} is not between 1950 and 2100. "
                "Check the year printed on the document.",
            )
        ]
    }


@pytest.mark.parametrize("expiry", [datetime.date(1950, 1, 1), datetime.date(2100, 12, 31)])
def test_a_document_expiry_at_the_ends_of_the_window_is_accepted(expiry):
    registration = household(members=[member(documents=[acc()])])
    registration.members[0].documents[0].expiry_date = expiry

    assert problems_of(registration) == {}


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

HIDDEN_MESSAGE = (
    "This name contains characters that do not print (%s), such as direction marks or zero-width spaces, "
    "often pasted from another program. Type the name again."
)
NO_LETTER_MESSAGE = "A name has at least one letter. Type the name as the person says it."


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(ZWSP * 3, ("hidden_characters", HIDDEN_MESSAGE % "U+200B"), id="only-zero-width-spaces"),
        pytest.param(f"Ahmad{RLO}dammahoM", ("hidden_characters", HIDDEN_MESSAGE % "U+202E"), id="rtl-override"),
        pytest.param(
            "\u2066Ah\u200emad\u2069\u200e",
            ("hidden_characters", HIDDEN_MESSAGE % "U+2066, U+200E, U+2069"),
            id="isolates-and-marks-each-once",
        ),
        pytest.param("\ufeffAhmad", ("hidden_characters", HIDDEN_MESSAGE % "U+FEFF"), id="byte-order-mark"),
        pytest.param(f"Ah{ZWJ}mad", ("hidden_characters", HIDDEN_MESSAGE % "U+200D"), id="zero-width-joiner"),
        pytest.param("Ah\u00admad", ("hidden_characters", HIDDEN_MESSAGE % "U+00AD"), id="soft-hyphen"),
        pytest.param("Ah\x00mad", ("hidden_characters", HIDDEN_MESSAGE % "U+0000"), id="nul"),
        pytest.param("Ah\nmad", ("hidden_characters", HIDDEN_MESSAGE % "U+000A"), id="line-break"),
        pytest.param("1234", ("no_letter", NO_LETTER_MESSAGE), id="digits"),
        pytest.param("- . -", ("no_letter", NO_LETTER_MESSAGE), id="punctuation"),
        pytest.param("\u064e\u0650", ("no_letter", NO_LETTER_MESSAGE), id="only-vowel-marks"),
    ],
)
def test_a_name_without_a_letter_or_with_hidden_characters_is_refused(name, expected):
    assert problems_of(household(members=[member(given_name=name)])) == {"members.0.given_name": [expected]}


@pytest.mark.parametrize(
    "name_field", ["fathers_name", "family_name", "given_name_local", "fathers_name_local", "family_name_local"]
)
def test_every_name_of_a_member_is_checked(name_field):
    registration = household()
    setattr(registration.members[0], name_field, f"رحیم{RLO}")

    assert problems_of(registration) == {f"members.0.{name_field}": [("hidden_characters", HIDDEN_MESSAGE % "U+202E")]}


def test_a_name_longer_than_its_column_is_refused_before_the_database():
    registration = household(members=[member(family_name="a" * 101)])

    assert problems_of(registration) == {
        "members.0.family_name": [("too_long", "A name has at most 100 characters; this one has 101.")]
    }


def test_a_dari_name_keeps_its_zero_width_non_joiner_and_names_are_trimmed(unhcr_officer):
    registered = household_register(
        registered_by=unhcr_officer,
        registration=household(
            members=[member(given_name="  Rahmatullah \t", given_name_local=f" {RAHMATULLAH} ", fathers_name="Gul")]
        ),
    )

    stored = Member.objects.get(household=registered)
    assert (stored.given_name, stored.given_name_local, stored.fathers_name) == ("Rahmatullah", RAHMATULLAH, "Gul")
    assert len(stored.given_name_local) == 9


def test_a_name_with_an_override_is_refused_by_the_registration_page_and_nothing_is_saved(client, unhcr_officer):
    client.force_login(unhcr_officer)

    body = registration_post(members=[member_fields(given_name=f"Ahmad{RLO}", estimated_age="35")])

    response = client.post(REGISTER_URL, body)

    assert response.status_code == 200
    assert response.context["member_formset"].forms[0].errors == {"given_name": [HIDDEN_MESSAGE % "U+202E"]}
    assert saved() == (0, 0)


def test_a_name_of_zero_width_spaces_is_refused_by_the_api_and_nothing_is_saved(unhcr_client):
    body = household_json(members=[member_json(fathers_name=ZWSP * 2)])

    response = unhcr_client.post(API_URL, body, format="json")

    assert response.status_code == 400
    assert problem_of(response)["errors"] == [
        {"path": "members.0.fathers_name", "code": "hidden_characters", "message": HIDDEN_MESSAGE % "U+200B"}
    ]
    assert saved() == (0, 0)


def test_a_document_number_with_a_zero_width_space_is_refused():
    registration = household(members=[member(documents=[por_card(number=f"PK-12{ZWSP}3456")])])

    assert problems_of(registration) == {
        "members.0.documents.0.number": [
            (
                "hidden_characters",
                "This number contains characters that do not print (U+200B). "
                "Type the number as it is printed on the document.",
            )
        ]
    }


# ---------------------------------------------------------------------------------------------
# Limits per person
# ---------------------------------------------------------------------------------------------


def test_ten_documents_on_one_person_are_accepted_and_eleven_refused():
    ten = household(members=[member(documents=[acc(number=f"ACC-{index}") for index in range(10)])])
    eleven = household(members=[member(documents=[acc(number=f"ACC-{index}") for index in range(11)])])

    assert problems_of(ten) == {}
    assert problems_of(eleven) == {
        "members.0.documents": [
            (
                "too_many_documents",
                "A person has at most 10 documents; 11 were given. Record the ones the person carries.",
            )
        ]
    }


def test_ten_thousand_documents_are_one_problem_and_nothing_is_saved(unhcr_client):
    documents = [{"document_type": "acc", "number": str(index), "issuing_country": "PK"} for index in range(10_000)]

    response = unhcr_client.post(API_URL, household_json(members=[member_json(documents=documents)]), format="json")

    assert response.status_code == 400
    assert problem_of(response)["errors"] == [
        {
            "path": "members.0.documents",
            "code": "too_many_documents",
            "message": "A person has at most 10 documents; 10000 were given. Record the ones the person carries.",
        }
    ]
    assert saved() == (0, 0)


def test_more_than_20_specific_needs_are_refused():
    registration = household(members=[member(specific_needs=[f"X{index}" for index in range(21)])])

    assert problems_of(registration) == {
        "members.0.specific_needs": [
            (
                "too_many_needs",
                "A person has at most 20 specific needs; 21 were given. Keep the ones that apply.",
            )
        ]
    }


def test_more_than_60_members_are_one_problem():
    members = [member()] + [member(relationship="son", age=5) for _index in range(64)]

    assert codes_of(household(members=members)) == {"members": ["too_many_members"]}


def test_a_refused_registration_raises_with_every_problem_and_saves_nothing(unhcr_officer):
    registration = household(
        arrival_date=datetime.date(1999, 1, 1), members=[member(given_name=ZWSP, fathers_name="42")]
    )

    with pytest.raises(RegistrationInvalid) as refused:
        household_register(registered_by=unhcr_officer, registration=registration)

    assert {path: [problem.code for problem in found] for path, found in refused.value.problems.items()} == {
        "arrival_date": ["arrival_too_early"],
        "members.0.given_name": ["hidden_characters"],
        "members.0.fathers_name": ["no_letter"],
    }
    assert saved() == (0, 0)


# ---------------------------------------------------------------------------------------------
# Assistance: money above zero, at the agency's own offices
# ---------------------------------------------------------------------------------------------


def staff(agency_code: str, role: str, name: str) -> User:
    return UserFactory(
        username=f"{agency_code}.{name}".lower(), agency=Agency.objects.get(code=agency_code), office=None, role=role
    )


def iom_case() -> Case:
    registered = household_register(
        registered_by=staff("IOM", User.Role.FIELD_OFFICER, "registrar"),
        registration=household(
            office="IQL", country_of_departure="IR", return_type="deportation", destination_province="AF30"
        ),
    )
    return Case.objects.get(household=registered)


def assistance_state(case: Case) -> dict:
    fresh = Case.objects.get(pk=case.pk)
    return {
        "version": fresh.version,
        "events": list(CaseEvent.objects.filter(case=fresh).values_list("kind", flat=True)),
        "assistance": list(Assistance.objects.order_by("pk").values_list("pk", "value", "office__code", "note")),
    }


def record(case: Case, *, code: str, office_code: str, **fields) -> Assistance:
    return assistance_record(
        case=case,
        recorded_by=fields.pop("recorded_by", None) or staff("IOM", User.Role.CASE_WORKER, "worker"),
        assistance_type=AssistanceType.objects.get(agency=case.agency, code=code),
        delivered_on=today(),
        office=Office.objects.get(code=office_code),
        **fields,
    )


def refused_problems(error: Refused) -> dict[str, list[tuple[str, str]]]:
    return {path: [(problem.code, problem.message) for problem in found] for path, found in error.problems.items()}


def test_cash_of_zero_is_refused_and_nothing_is_saved():
    case = iom_case()
    before = assistance_state(case)

    with pytest.raises(Refused) as refused:
        record(case, code="transport_cash", office_code="TIQ", value=Decimal("0.00"), currency="USD")

    assert refused_problems(refused.value) == {
        "value": [("not_positive", "Enter an amount above zero, or leave it empty for in-kind assistance.")]
    }
    assert assistance_state(case) == before


def test_in_kind_assistance_without_a_value_is_still_recorded():
    case = iom_case()

    recorded = record(case, code="meals", office_code="TIQ", quantity=Decimal(4))

    assert (recorded.value, recorded.currency, recorded.office.code) == (None, "", "TIQ")


def test_the_database_refuses_a_value_of_zero_even_bypassing_the_service():
    case = iom_case()
    recorded = record(case, code="transport_cash", office_code="TIQ", value=Decimal(30), currency="USD")

    # (a recorded row never changes, so the zero comes as a new row written past the service)
    copied = {
        field.attname: getattr(recorded, field.attname)
        for field in Assistance._meta.concrete_fields
        if field.attname not in ("id", "public_id")
    }

    with pytest.raises(IntegrityError, match="assistance_value_positive"), transaction.atomic():
        Assistance.objects.create(**{**copied, "value": Decimal(0)})

    assert list(Assistance.objects.filter(case=case).values_list("pk", "value")) == [(recorded.pk, Decimal("30.00"))]


def test_iom_assistance_at_a_unhcr_office_is_refused_and_nothing_is_saved():
    case = iom_case()
    before = assistance_state(case)

    with pytest.raises(Refused) as refused:
        record(case, code="meals", office_code="EHR", quantity=Decimal(2))

    assert refused_problems(refused.value) == {
        "office": [
            (
                "other_agency_office",
                "Herat encashment centre is run by UNHCR. Choose an office of IOM or the crossing point.",
            )
        ]
    }
    assert assistance_state(case) == before


@pytest.mark.parametrize("office_code", ["TIQ", "IQL"], ids=["own-transit-centre", "shared-crossing-point"])
def test_iom_assistance_at_its_own_office_or_a_shared_crossing_is_recorded(office_code):
    case = iom_case()

    recorded = record(case, code="meals", office_code=office_code, quantity=Decimal(2))

    assert Assistance.objects.filter(pk=recorded.pk).values_list("office__code", flat=True).get() == office_code


# ---------------------------------------------------------------------------------------------
# Free text: no bidirectional overrides
# ---------------------------------------------------------------------------------------------

NOTE_MESSAGE = (
    "This text contains characters that change how it is displayed (%s), often pasted from another program. "
    "Type it again."
)


def test_an_assistance_note_with_an_override_is_refused_and_nothing_is_saved():
    case = iom_case()
    before = assistance_state(case)

    with pytest.raises(Refused) as refused:
        record(case, code="meals", office_code="TIQ", note=f"Given {RLO}2 kits\u2066")

    assert refused_problems(refused.value) == {"note": [("hidden_characters", NOTE_MESSAGE % "U+202E, U+2066")]}
    assert assistance_state(case) == before


def test_a_note_mixing_dari_and_a_case_number_keeps_its_direction_marks_and_lines():
    case = iom_case()
    note = "کمک داده شد\u200f IOM-TKM-2026-000123\u200e\nدو کیت"

    recorded = record(case, code="meals", office_code="TIQ", note=note)

    assert Assistance.objects.get(pk=recorded.pk).note == note


def test_a_rejection_note_with_an_override_is_refused():
    case = iom_case()
    cash = record(case, code="transport_cash", office_code="TIQ", value=Decimal(30), currency="USD")
    before = assistance_state(case)

    with pytest.raises(Refused) as refused:
        assistance_decide(
            assistance=cash,
            decided_by=staff("IOM", User.Role.CASE_WORKER, "checker"),
            approve=False,
            note=f"Wrong {RLO}amount",
        )

    assert refused_problems(refused.value) == {"note": [("hidden_characters", NOTE_MESSAGE % "U+202E")]}
    assert assistance_state(case) == before
    assert Assistance.objects.get(pk=cash.pk).approval == Assistance.Approval.PENDING


def test_a_referral_reason_with_an_override_is_refused_and_nothing_is_saved():
    case = iom_case()
    before = (assistance_state(case), Referral.objects.count())

    with pytest.raises(Refused) as refused:
        referral_make(
            case=case,
            made_by=staff("IOM", User.Role.CASE_WORKER, "worker"),
            to_agency=Agency.objects.get(code="UNHCR"),
            service=Referral.Service.ASSISTANCE,
            reason=f"Needs {RLO}legal aid",
            due_date=today() + datetime.timedelta(days=3),
        )

    assert refused_problems(refused.value) == {"reason": [("hidden_characters", NOTE_MESSAGE % "U+202E")]}
    assert (assistance_state(case), Referral.objects.count()) == before


def test_a_referral_answer_with_an_override_is_refused_and_nothing_is_saved():
    case = iom_case()
    referral = referral_make(
        case=case,
        made_by=staff("IOM", User.Role.CASE_WORKER, "worker"),
        to_agency=Agency.objects.get(code="UNHCR"),
        service=Referral.Service.ASSISTANCE,
        reason="Needs legal aid",
        due_date=today() + datetime.timedelta(days=3),
    )

    with pytest.raises(Refused) as refused:
        referral_answer(
            referral=referral,
            answered_by=staff("UNHCR", User.Role.CASE_WORKER, "answerer"),
            status=Referral.Status.DECLINED,
            response=f"No {RLO}capacity",
        )

    assert refused_problems(refused.value) == {"response": [("hidden_characters", NOTE_MESSAGE % "U+202E")]}
    assert Referral.objects.values_list("status", "response").get(pk=referral.pk) == (Referral.Status.PENDING, "")


def test_a_reroute_justification_with_an_override_is_refused_and_nothing_changes(iom_officer, iom_manager, unhcr):
    registered = household_register(registered_by=iom_officer, registration=household())
    before = (registered.routed_agency_id, HouseholdEvent.objects.filter(household=registered).count())

    with pytest.raises(RegistrationInvalid) as refused:
        household_reroute(
            household=registered,
            rerouted_by=iom_manager,
            agency=unhcr,
            category="registered_refugee",
            justification=f"The head showed a {RLO}valid PoR card.",
        )

    assert refused_problems(refused.value) == {"justification": [("hidden_characters", NOTE_MESSAGE % "U+202E")]}
    fresh = Household.objects.get(pk=registered.pk)
    assert (fresh.routed_agency_id, HouseholdEvent.objects.filter(household=fresh).count()) == before


def test_a_family_link_note_with_an_override_is_refused_and_nothing_is_linked(iom_officer, iom_manager):
    first = household_register(registered_by=iom_officer, registration=household())
    second = household_register(registered_by=iom_officer, registration=household())

    with pytest.raises(RegistrationInvalid) as refused:
        household_family_link(
            household=first,
            registration_number=second.registration_number,
            linked_by=iom_manager,
            note=f"Same father, {RLO}same village",
        )

    assert refused_problems(refused.value) == {"note": [("hidden_characters", NOTE_MESSAGE % "U+202E")]}
    assert (Family.objects.count(), HouseholdEvent.objects.filter(kind="family_linked").count()) == (0, 0)


def test_the_api_refuses_cash_of_zero_at_another_agencys_office_and_saves_nothing(client_for):
    case = iom_case()
    before = assistance_state(case)
    worker = staff("IOM", User.Role.CASE_WORKER, "worker")

    response = client_for(worker).post(
        f"/api/v1/cases/{case.public_id}/assistance/",
        {"assistance_type": "transport_cash", "value": "0.00", "currency": "USD", "office": "EHR"},
        format="json",
    )

    assert response.status_code == 400
    assert problem_of(response)["errors"] == [
        {
            "path": "value",
            "code": "not_positive",
            "message": "Enter an amount above zero, or leave it empty for in-kind assistance.",
        },
        {
            "path": "office",
            "code": "other_agency_office",
            "message": "Herat encashment centre is run by UNHCR. Choose an office of IOM or the crossing point.",
        },
    ]
    assert assistance_state(case) == before


def test_the_assistance_form_offers_only_the_agencys_own_offices_and_the_shared_crossings(client):
    case = iom_case()
    client.force_login(staff("IOM", User.Role.CASE_WORKER, "worker"))

    response = client.get(case.get_absolute_url())

    offered = [code for code, _label in response.context["assistance_form"].fields["office"].choices if code]
    own_or_shared = Office.objects.filter(is_active=True).filter(Q(agency__code="IOM") | Q(agency__isnull=True))
    expected = sorted(own_or_shared, key=lambda office: office.name)
    assert offered == [office.code for office in expected]
    assert "EHR" not in offered and {"TIQ", "IQL"} <= set(offered)


def test_a_dari_readers_refusal_names_the_date_in_the_solar_hijri_calendar(client, unhcr_officer):
    # Given a Dari-speaking officer (Solar Hijri by her language)
    unhcr_officer.language = "fa"
    unhcr_officer.save(update_fields=["language"])
    client.force_login(unhcr_officer)
    future = timezone.localdate() + datetime.timedelta(days=3)
    before = Household.objects.count()

    # When she saves a household arriving in three days, typed in her calendar
    shown = calendars.date_numeric(future, calendars.SOLAR_HIJRI)
    response = client.post(
        REGISTER_URL, registration_post(members=[member_fields(estimated_age="40")], arrival_date=shown)
    )

    # Then nothing is saved, and the refusal names the day as she typed it
    assert response.status_code == 200
    assert Household.objects.count() == before
    assert response.context["household_form"].errors["arrival_date"] == [
        f"تاریخ ورود \u2066{shown}\u2069 در آینده است. روزی را که خانوار از مرز گذشت وارد کنید."
    ]

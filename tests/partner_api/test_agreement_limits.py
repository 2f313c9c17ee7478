"""A partner's key filters, searches and writes only on what its agreement lets it read; referrals
are minimised like every other record; an agreement no longer in force gives nothing at all.

NRC's agreement (conftest ``SHARED_FIELDS``) shares of UNHCR's households their registration
number, arrival date, province of destination, category and members (given name, sex, age and
relationship); of cases their number, stage, due date and history. Not the office, the return
type, the country, the district, the phone, the father's or family name, whether a case is
overdue or assigned, nor any referral's reason.
"""

import datetime

import django_filters
import pytest
from django.urls import resolve
from django.utils import timezone

from agencies.api.access import STAFF_ONLY, allowed_filters
from agencies.models import DataSharingAgreement
from returns.filters.households import HouseholdApiFilter
from returns.models import Case, Household, Referral
from returns.services.cases import assistance_decide, case_assign, referral_make
from tests.api.payloads import household_json
from tests.partner_api.conftest import SHARED_FIELDS, register_iom, register_unhcr
from tests.partner_infra.keys import ALL_SHAREABLE
from tests.partner_matrix.test_permission_matrix import MATRIX, _send, api_operations
from tests.partner_matrix.world import KEYS, build_world
from tests.problems import problem_of

HOUSEHOLD_FILTERS_OPEN = "agency, arrival_from, arrival_to, category, province, updated_since"
CASE_FILTERS_OPEN = "arrival_from, arrival_to, q, stage, updated_since"


def _refused(response, *names: str, allowed: str) -> None:
    """A 400 naming each refused filter, with the filters this key may use."""
    assert response.status_code == 400, response.content
    body = problem_of(response)
    message = (
        f"Your data-sharing agreement does not share what this filter looks at. Filters you may use here: {allowed}."
    )
    assert body["errors"] == [{"path": name, "code": "filter_not_shared", "message": message} for name in names]


# Filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "matching", "not_matching"),
    [
        ("office", "TKM", "IQL"),
        ("return_type", "voluntary_repatriation", "deportation"),
        ("country_of_departure", "PK", "IR"),
        ("district", "AF0101", "AF0617"),
        ("q", "Ahmad", "Nobody"),  # searches fathers' and family names too: not all shared
        ("scope", "office", "agency"),  # a field officer's own office: staff only
    ],
)
def test_a_household_filter_on_a_field_not_shared_is_refused_whatever_its_value(
    partner, unhcr_household, name, matching, not_matching
):
    assert (unhcr_household.office.code, unhcr_household.return_type_id) == ("TKM", "voluntary_repatriation")

    hit = partner.get("/api/v1/households/", {name: matching})
    miss = partner.get("/api/v1/households/", {name: not_matching})
    nonsense = partner.get("/api/v1/households/", {name: "%%not-a-code%%"})

    _refused(hit, name, allowed=HOUSEHOLD_FILTERS_OPEN)
    # The answer does not depend on the value: nothing is learnt by comparing them.
    assert hit.json() == miss.json() == nonsense.json()


@pytest.mark.parametrize(
    ("name", "matching", "not_matching"),
    [
        ("office", "TKM", "IQL"),
        ("assigned_to", "unhcr.manager.t", "nobody.at.all"),  # would tell which usernames exist
        ("unassigned", "true", "false"),
        ("overdue", "false", "true"),
        ("open", "true", "false"),
    ],
)
def test_a_case_filter_on_a_field_not_shared_is_refused_whatever_its_value(
    partner, unhcr_manager, unhcr_household, name, matching, not_matching
):
    hit = partner.get("/api/v1/cases/", {name: matching})
    miss = partner.get("/api/v1/cases/", {name: not_matching})

    _refused(hit, name, allowed=CASE_FILTERS_OPEN)
    assert hit.json() == miss.json()


def test_every_hidden_filter_of_a_request_is_named(partner, unhcr_household):
    response = partner.get("/api/v1/households/", {"office": "TKM", "province": "AF06", "q": "Ahmad"})

    _refused(response, "office", "q", allowed=HOUSEHOLD_FILTERS_OPEN)


def test_a_filter_on_a_shared_field_filters(partner, unhcr_officer, unhcr_household):
    other = register_unhcr(unhcr_officer, given_name="Bashir", destination_province="AF01")

    in_kabul = partner.get("/api/v1/households/", {"province": "AF01"})
    by_number = partner.get("/api/v1/cases/", {"q": unhcr_household.registration_number})

    assert [item["id"] for item in in_kabul.json()["results"]] == [str(other.public_id)]
    assert [item["household"]["id"] for item in by_number.json()["results"]] == [str(unhcr_household.public_id)]


def test_a_filter_opens_when_the_agreement_shares_its_field(partner, agreement, unhcr_household):
    agreement.fields = [*agreement.fields, "household.office"]
    agreement.save()

    at_torkham = partner.get("/api/v1/households/", {"office": "TKM"})
    at_islam_qala = partner.get("/api/v1/households/", {"office": "IQL"})

    assert [item["id"] for item in at_torkham.json()["results"]] == [str(unhcr_household.public_id)]
    assert at_islam_qala.json()["results"] == []


def test_staff_keep_every_filter(staff_client, unhcr_manager, unhcr_household):
    client = staff_client(unhcr_manager)
    case = Case.objects.get(household=unhcr_household)

    households = client.get("/api/v1/households/", {"office": "TKM", "q": "Ahmad", "return_type": "deportation"})
    cases = client.get("/api/v1/cases/", {"office": "TKM", "unassigned": "true", "overdue": "false"})

    assert households.status_code == 200
    assert households.json()["results"] == []
    assert [item["id"] for item in cases.json()["results"]] == [str(case.public_id)]


def test_a_key_without_a_shared_field_may_still_use_the_filters_every_key_has(key_client, agreement, unhcr_household):
    agreement.fields = []
    agreement.save()
    client = key_client(["households:read", "referrals:write"])

    households = client.get("/api/v1/households/", {"agency": "UNHCR", "updated_since": "2000-01-01T00:00:00Z"})
    referrals = client.get("/api/v1/referrals/", {"status": "pending", "direction": "received"})
    refused = client.get("/api/v1/households/", {"province": "AF06"})

    assert [item["id"] for item in households.json()["results"]] == [str(unhcr_household.public_id)]
    assert referrals.status_code == 200
    _refused(refused, "province", allowed="agency, updated_since")


def _key_filtersets() -> dict[str, type]:
    """The filter sets of every list a partner's key may call, by route."""
    found = {}
    for method, route in api_operations():
        row = MATRIX[(method, route)]
        if method != "GET" or row.scope is None or row.target is not None:
            continue
        view_class = resolve(route).func.view_class
        if getattr(view_class, "filterset_class", None) is not None:
            found[route] = view_class.filterset_class
    return found


def test_every_filter_a_key_can_send_says_what_it_reveals():
    filtersets = _key_filtersets()

    assert "/api/v1/households/" in filtersets
    assert "/api/v1/cases/" in filtersets
    missing = {
        route: sorted(set(filterset.base_filters) - set(getattr(filterset, "partner_reveals", {})))
        for route, filterset in filtersets.items()
    }
    assert {route: names for route, names in missing.items() if names} == {}, (
        "add the new filters to the filter set's partner_reveals (agencies.api.access)"
    )


def test_a_filter_without_a_mapping_is_for_staff_only():
    class WithNewFilter(HouseholdApiFilter):
        phone = django_filters.CharFilter()

    # Even an agreement that shares the phone does not open a filter nobody has mapped.
    shared = frozenset(SHARED_FIELDS) | {"household.phone"}

    assert WithNewFilter.partner_reveals.get("phone", STAFF_ONLY) is STAFF_ONLY
    assert "phone" not in allowed_filters(WithNewFilter, shared)
    assert "province" in allowed_filters(WithNewFilter, shared)


# Writes --------------------------------------------------------------------------------------


def test_a_key_cannot_change_a_field_it_cannot_read(partner, unhcr_household):
    before = Household.objects.values().get(pk=unhcr_household.pk)

    phone = partner.patch(f"/api/v1/households/{unhcr_household.public_id}/", {"phone": "0700000000"}, format="json")
    # A new province would clear the district, which the key cannot read.
    province = partner.patch(
        f"/api/v1/households/{unhcr_household.public_id}/", {"destination_province": "AF01"}, format="json"
    )

    message = "Your data-sharing agreement does not share this field, so your key cannot write it."
    assert (phone.status_code, province.status_code) == (400, 400)
    assert problem_of(phone)["errors"] == [{"path": "phone", "code": "field_not_shared", "message": message}]
    assert problem_of(province)["errors"] == [
        {"path": "destination_province", "code": "field_not_shared", "message": message}
    ]
    assert Household.objects.values().get(pk=unhcr_household.pk) == before


def test_a_key_cannot_probe_an_unreadable_field_of_a_household_it_cannot_see(partner, iom_household):
    # Refused before the household is looked up: the same answer for one it sees or not.
    response = partner.patch(f"/api/v1/households/{iom_household.public_id}/", {"phone": "0700000000"}, format="json")

    assert response.status_code == 400
    assert problem_of(response)["errors"][0]["code"] == "field_not_shared"


def test_a_key_registers_only_fields_it_can_read(partner, warm_reference):
    count = Household.objects.count()
    body = household_json()
    body["members"][0]["fathers_name"] = "Karim"

    response = partner.post("/api/v1/households/", body, format="json")

    assert response.status_code == 400
    paths = [problem["path"] for problem in problem_of(response)["errors"]]
    assert set(paths) >= {"office", "country_of_departure", "return_type", "members.0.fathers_name"}
    assert {problem["code"] for problem in problem_of(response)["errors"]} == {"field_not_shared"}
    assert Household.objects.count() == count


# Referrals -----------------------------------------------------------------------------------

REFERRAL_ALWAYS = {
    "id",
    "from_agency",
    "to_agency",
    "service",
    "status",
    "due_date",
    "overdue_since",
    "response",
    "responded_at",
    "created_at",
}


def _refer(case, *, to, by, reason="Lost civil documents; father detained in Peshawar"):
    return referral_make(
        case=case,
        made_by=by,
        to_agency=to,
        service=Referral.Service.LEGAL_AID,
        reason=reason,
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )


def test_a_referral_from_a_covered_agency_carries_what_the_agreement_shares(partner, nrc, unhcr_officer):
    household = register_unhcr(unhcr_officer)
    case = Case.objects.get(household=household)
    referral = _refer(case, to=nrc, by=unhcr_officer)

    [listed] = partner.get("/api/v1/referrals/").json()["results"]

    assert set(listed) == REFERRAL_ALWAYS | {"case", "case_number", "household", "member"}
    assert (listed["id"], listed["case"], listed["case_number"]) == (
        str(referral.public_id),
        str(case.public_id),
        case.case_number,
    )
    assert listed["household"] == {"id": str(household.public_id), "registration_number": household.registration_number}
    assert "unhcr.officer.t" not in str(listed)


def test_a_referral_reason_is_given_only_when_the_agreement_shares_it(partner, agreement, nrc, unhcr_officer):
    _refer(Case.objects.get(household=register_unhcr(unhcr_officer)), to=nrc, by=unhcr_officer)
    agreement.fields = [*agreement.fields, "referral.reason"]
    agreement.save()

    [listed] = partner.get("/api/v1/referrals/").json()["results"]

    assert listed["reason"] == "Lost civil documents; father detained in Peshawar"


def test_a_referral_minimised_to_the_fields_shared(partner, agreement, nrc, unhcr_officer):
    household = register_unhcr(unhcr_officer)
    _refer(Case.objects.get(household=household), to=nrc, by=unhcr_officer)
    agreement.fields = ["household.arrival_date"]
    agreement.save()

    [listed] = partner.get("/api/v1/referrals/").json()["results"]

    assert set(listed) == REFERRAL_ALWAYS | {"case", "household"}
    assert listed["household"] == {"id": str(household.public_id)}


def test_a_referral_from_an_agency_the_agreement_does_not_cover_says_nothing_of_the_person(
    partner, agreement, nrc, iom_officer
):
    agreement.fields = [*agreement.fields, "referral.reason", "household.routing"]
    agreement.save()
    referral = _refer(Case.objects.get(household=register_iom(iom_officer)), to=nrc, by=iom_officer)

    [listed] = partner.get("/api/v1/referrals/").json()["results"]
    answered = partner.post(
        f"/api/v1/referrals/{referral.public_id}/answer/", {"status": "declined", "response": "No"}, format="json"
    )

    assert set(listed) == REFERRAL_ALWAYS
    assert (listed["from_agency"], listed["service"], listed["status"]) == ("IOM", "legal_aid", "pending")
    assert set(answered.json()) == REFERRAL_ALWAYS
    assert (answered.json()["status"], answered.json()["response"]) == ("declined", "No")


def test_a_referral_reason_stays_out_of_the_case_history_unless_shared(partner, agreement, nrc, unhcr_officer):
    case = Case.objects.get(household=register_unhcr(unhcr_officer))
    _refer(case, to=nrc, by=unhcr_officer)

    hidden = partner.get(f"/api/v1/cases/{case.public_id}/events/").json()
    agreement.fields = [*agreement.fields, "referral.reason"]
    agreement.save()
    shared = partner.get(f"/api/v1/cases/{case.public_id}/events/").json()

    assert [event["kind"] for event in hidden] == ["opened", "referral_made"]
    assert "note" not in hidden[1]
    assert "actor" not in hidden[1]
    assert shared[1]["note"] == "Lost civil documents; father detained in Peshawar"


def test_staff_receive_the_whole_referral(staff_client, nrc, unhcr_officer):
    household = register_unhcr(unhcr_officer)
    _refer(Case.objects.get(household=household), to=nrc, by=unhcr_officer)

    [listed] = staff_client(unhcr_officer).get("/api/v1/referrals/").json()["results"]

    assert set(listed) == REFERRAL_ALWAYS | {
        "case",
        "case_number",
        "household",
        "member",
        "reason",
        "flag",
        "responded_by",
        "created_by",
    }
    assert (listed["created_by"], listed["reason"]) == (
        "unhcr.officer.t",
        "Lost civil documents; father detained in Peshawar",
    )


# An agreement no longer in force -------------------------------------------------------------


def _yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


ENDED = {
    "expired": {"valid_until": "yesterday"},
    "deactivated": {"is_active": False},
    "not yet begun": {"valid_from": "tomorrow"},
}


@pytest.mark.parametrize("how", list(ENDED))
def test_a_key_whose_agreement_is_not_in_force_receives_nothing(
    partner, agreement, nrc, unhcr_officer, unhcr_household, warm_reference, how
):
    referral = _refer(Case.objects.get(household=unhcr_household), to=nrc, by=unhcr_officer)
    case = Case.objects.get(household=unhcr_household)
    days = {"yesterday": -1, "tomorrow": 1}
    for field, value in ENDED[how].items():
        setattr(
            agreement, field, timezone.localdate() + datetime.timedelta(days=days[value]) if value in days else value
        )
    agreement.save()
    households = Household.objects.count()

    answers = {
        "households": partner.get("/api/v1/households/"),
        "household": partner.get(f"/api/v1/households/{unhcr_household.public_id}/"),
        "deleted": partner.get("/api/v1/households/deleted/"),
        "cases": partner.get("/api/v1/cases/"),
        "case": partner.get(f"/api/v1/cases/{case.public_id}/"),
        "events": partner.get(f"/api/v1/cases/{case.public_id}/events/"),
        "referrals": partner.get("/api/v1/referrals/"),
        "answer": partner.post(
            f"/api/v1/referrals/{referral.public_id}/answer/", {"status": "accepted"}, format="json"
        ),
        "register": partner.post("/api/v1/households/", household_json(), format="json"),
        "change": partner.patch(f"/api/v1/households/{unhcr_household.public_id}/", {"phone": "07"}, format="json"),
    }

    message = (
        "Your organisation has no data-sharing agreement in force: this key receives no records. "
        "Ask the agencies to renew the agreement."
    )
    assert {
        name: (answer.status_code, problem_of(answer)["code"]) for name, answer in answers.items()
    } == dict.fromkeys(answers, (403, "no_agreement"))
    assert {problem_of(answer)["detail"] for answer in answers.values()} == {message}
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING
    assert Household.objects.count() == households
    # Reference data and aggregates are no one's personal data: they stay open.
    assert partner.get("/api/v1/reference/offices/").status_code == 200


# Usernames -----------------------------------------------------------------------------------


def test_no_answer_to_a_key_holds_a_username(db, django_user_model):
    """Every GET a key may send, over a world with every kind of record, a case assigned and its
    cash approved, under an agreement that shares every field it can: no staff username anywhere."""
    world = build_world()
    DataSharingAgreement.objects.filter(is_active=True).update(fields=ALL_SHAREABLE)
    manager = django_user_model.objects.get(username="matrix.unhcr.manager")
    case_assign(case_ids=[world.cases["UNHCR"].pk], assignee=manager, assigned_by=manager)
    assistance_decide(assistance=world.assistance["UNHCR"], decided_by=manager, approve=True, note="")
    staff_names = set(django_user_model.objects.exclude(role="partner").values_list("username", flat=True))
    [everything] = [principal for principal in KEYS if principal.name == "key[all scopes]"]

    read = {}
    for (method, route), row in MATRIX.items():
        if method != "GET":
            continue
        for target in row.targets():
            response = _send(world, everything, method, route, row, target)
            if response.status_code == 200:
                body = b"".join(response.streaming_content) if response.streaming else response.content
                read[(route, target)] = body.decode()

    assert len(read) >= 20
    assert any(route == "/api/v1/cases/{id}/events/" for route, _target in read)
    assert {place: sorted(name for name in staff_names if f'"{name}"' in text) for place, text in read.items()} == {
        place: [] for place in read
    }


def test_the_referral_gate_gives_a_key_nothing_once_its_agreement_has_ended(
    partner, agreement, nrc, unhcr_officer, unhcr_household
):
    referral = _refer(Case.objects.get(household=unhcr_household), to=nrc, by=unhcr_officer)
    key_user = type(partner.key.user).objects.get(pk=partner.key.user.pk)
    assert list(Referral.objects.visible_to(key_user)) == [referral]

    agreement.valid_until = _yesterday()
    agreement.save()
    key_user = type(partner.key.user).objects.get(pk=partner.key.user.pk)  # the agreement is read per request

    assert list(Referral.objects.visible_to(key_user)) == []

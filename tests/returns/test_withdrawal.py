"""Withdrawing a household registered in error, and merging a duplicate: nothing is deleted.

Given households with members, cases, history and (some) assistance; when a manager withdraws one
(the API's DELETE) or merges a duplicate into another; then every row stays, the withdrawal says who,
when and why, the household leaves every gate (pages, API, partners, counts of people), partners'
mirrors learn of it from tombstones, and the report still counts the money paid to it.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, User
from reports.content import report_figures
from returns import policy
from returns.models import (
    Assistance,
    Case,
    CaseEvent,
    DeletedRecord,
    Household,
    HouseholdEvent,
    Member,
    MemberEntitlement,
    Referral,
)
from returns.registration import RegistrationInvalid
from returns.services.cases import assistance_decide, referral_make
from returns.services.households import household_merge, household_register, household_withdraw
from returns.supplements import supplement_owed
from tests.factories import UserFactory, api_token_for, household, member, por_card
from tests.partner_infra.keys import agreement, issue, key_client
from tests.problems import problem_of
from tests.returns.cases.test_assistance import record_grant, staff, unhcr_case
from tests.returns.cases.test_supplement import days_ago, volrep_part

pytestmark = pytest.mark.django_db

REASON = "Registered twice at the gate by mistake."
SHORT_REASON = "Registered twice by mistake."  # enough for a withdrawal, too short for an assisted household
ASSISTED_REASON = "Registered twice; the grant was paid once, to the household that stays."
URL = "/api/v1/households/"


def api_client(user: User) -> APIClient:
    token = api_token_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def register(officer: User, given_name: str = "Ahmad") -> Household:
    """A PoR-card family: routed to UNHCR, with a case there."""
    return household_register(
        registered_by=officer,
        registration=household(
            members=[
                member(given_name=given_name, documents=[por_card()]),
                member(relationship="daughter", given_name="Maryam", sex="female", age=4),
            ]
        ),
    )


def stored(household_row: Household) -> dict:
    """Everything a withdrawal may write about a household, read afresh."""
    cases = Case.objects.filter(household=household_row).order_by("pk")
    return {
        "household": Household.objects.values().get(pk=household_row.pk),
        "members": list(Member.objects.filter(household=household_row).order_by("pk").values()),
        "events": list(HouseholdEvent.objects.filter(household=household_row).order_by("pk").values()),
        "cases": list(cases.values()),
        "case_events": list(CaseEvent.objects.filter(case__in=cases).order_by("pk").values()),
        "assistance": list(Assistance.objects.filter(case__in=cases).order_by("pk").values()),
        "tombstones": DeletedRecord.objects.count(),
    }


@pytest.fixture
def assisted(db) -> Case:
    """A VolRep family of four whose grant (USD 1,500) was recorded and approved."""
    case = unhcr_case(size=4)
    grant = record_grant(case, staff("UNHCR", User.Role.CASE_WORKER, "recorder"))
    assistance_decide(assistance=grant, decided_by=staff("UNHCR", User.Role.CASE_WORKER, "checker"), approve=True)
    return case


# ---------------------------------------------------------------------------------------------
# Withdrawing keeps everything
# ---------------------------------------------------------------------------------------------


def test_a_withdrawal_keeps_every_row_and_records_who_when_and_why(unhcr_officer, unhcr_manager):
    registered = register(unhcr_officer)
    case = Case.objects.get(household=registered)
    before = stored(registered)

    household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason=f"  {REASON}  ")

    after = stored(registered)
    withdrawn = Household.objects.get(pk=registered.pk)
    assert withdrawn.withdrawn_by == unhcr_manager
    assert withdrawn.withdrawal_reason == REASON
    assert timezone.now() - withdrawn.withdrawn_at < datetime.timedelta(seconds=10)
    assert withdrawn.merged_into is None
    assert after["members"] == before["members"]
    assert after["events"][:-1] == before["events"]
    assert [(event["kind"], event["actor_id"], event["note"]) for event in after["events"][-1:]] == [
        ("withdrawn", unhcr_manager.pk, f"Withdrawn: {REASON}")
    ]
    # Its case is closed, never deleted: no nightly check or caseload counts it.
    closed = Case.objects.get(pk=case.pk)
    assert (closed.outcome, closed.stage, closed.stage_due_date) == ("withdrawn", "closed", None)
    assert closed.closed_at is not None
    assert after["case_events"][: len(before["case_events"])] == before["case_events"]
    assert [(event["kind"], event["note"]) for event in after["case_events"][len(before["case_events"]) :]] == [
        ("closed", REASON)
    ]
    # Partners' mirrors learn of it from the tombstones, as before.
    assert list(
        DeletedRecord.objects.order_by("pk").values_list("resource", "public_id", "reason", "merged_into", "note")
    ) == [
        ("household", registered.public_id, "deleted", None, REASON),
        ("case", case.public_id, "deleted", None, REASON),
    ]


def test_a_withdrawn_household_leaves_every_gate(unhcr_officer, unhcr_manager, coordinator, iom_officer):
    registered, other = register(unhcr_officer, "Ahmad"), register(unhcr_officer, "Karim")
    case = Case.objects.get(household=registered)
    referral = referral_make(
        case=case,
        made_by=unhcr_officer,
        to_agency=Agency.objects.get(code="NRC"),
        service="shelter",
        reason="Needs shelter.",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    admin = UserFactory(username="admin.withdrawal", agency=None, office=None, role=User.Role.ADMIN)
    nrc_key_user = UserFactory(
        username="nrc.key.t", agency=Agency.objects.get(code="NRC"), office=None, role=User.Role.PARTNER
    )

    household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason=REASON)

    for user in (unhcr_officer, unhcr_manager, admin):
        assert list(Household.objects.visible_to(user)) == [other]
        assert list(Case.objects.visible_to(user)) == [Case.objects.get(household=other)]
        assert not Referral.objects.visible_to(user).filter(pk=referral.pk).exists()
    assert not Referral.objects.visible_to(nrc_key_user).exists()
    assert list(Household.objects.countable_by(coordinator)) == [other]
    assert list(Household.objects.countable_by(coordinator, including_withdrawn=True).order_by("pk")) == [
        registered,
        other,
    ]
    # Nor can anything more be done to it: it is not there.
    with pytest.raises(Household.DoesNotExist):
        household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason=REASON)


def test_a_withdrawn_household_is_not_found_in_pages_or_the_api(client, unhcr_officer, unhcr_manager):
    registered, other = register(unhcr_officer, "Ahmad"), register(unhcr_officer, "Karim")
    case = Case.objects.get(household=registered)
    household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason=REASON)
    client.force_login(unhcr_manager)
    api = api_client(unhcr_manager)

    page = client.get(registered.get_absolute_url())
    case_page = client.get(reverse("returns:case-detail", kwargs={"public_id": case.public_id}))
    listed = api.get(URL)
    read = api.get(f"{URL}{registered.public_id}/")
    case_read = api.get(f"/api/v1/cases/{case.public_id}/")

    assert (page.status_code, case_page.status_code, read.status_code, case_read.status_code) == (404, 404, 404, 404)
    assert [item["id"] for item in listed.json()["results"]] == [str(other.public_id)]


def test_a_partner_learns_of_the_withdrawal_from_the_tombstones_only(unhcr_officer, unhcr_manager):
    nrc = Agency.objects.get(code="NRC")
    agreement(partner=nrc, sources=[Agency.objects.get(code="UNHCR")])
    _key, full_key = issue(partner=nrc, scopes=["households:read", "cases:read"])
    partner = key_client(full_key)
    since = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    registered = register(unhcr_officer)

    household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason=REASON)

    assert partner.get(URL).json()["results"] == []
    assert partner.get(URL, {"updated_since": since}).json()["results"] == []
    assert partner.get(f"{URL}{registered.public_id}/").status_code == 404
    tombstones = partner.get(f"{URL}deleted/", {"since": since}).json()["results"]
    assert [(item["id"], item["reason"], item["merged_into"]) for item in tombstones] == [
        (str(registered.public_id), "deleted", None)
    ]
    assert partner.get("/api/v1/cases/").json()["results"] == []


# ---------------------------------------------------------------------------------------------
# Who may withdraw, and what they must say
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [User.Role.FIELD_OFFICER, User.Role.CASE_WORKER, User.Role.COORDINATOR])
def test_only_a_manager_or_an_administrator_withdraws(unhcr_officer, role):
    registered = register(unhcr_officer)
    actor = staff("UNHCR", role, f"withdrawer-{role}")
    before = stored(registered)

    with pytest.raises(PermissionDenied):
        household_withdraw(household=registered, withdrawn_by=actor, reason=REASON)

    assert stored(registered) == before
    assert not policy.may_remove_household(actor)


def test_a_withdrawal_needs_a_reason(unhcr_officer, unhcr_manager):
    registered = register(unhcr_officer)
    before = stored(registered)

    with pytest.raises(RegistrationInvalid) as refused:
        household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason=" mistake ")

    assert {path: [problem.code for problem in found] for path, found in refused.value.problems.items()} == {
        "note": ["justification_required"]
    }
    assert stored(registered) == before


def test_an_assisted_household_needs_a_managers_confirmed_and_reasoned_decision(assisted, unhcr_manager):
    registered = assisted.household
    before = stored(registered)

    with pytest.raises(RegistrationInvalid) as unconfirmed:
        household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason=ASSISTED_REASON)
    with pytest.raises(RegistrationInvalid) as too_short:
        household_withdraw(
            household=registered, withdrawn_by=unhcr_manager, reason=SHORT_REASON, assistance_confirmed=True
        )

    def codes(error):
        return {path: [problem.code for problem in found] for path, found in error.problems.items()}

    assert codes(unconfirmed.value) == {"assistance_confirmed": ["assistance_not_confirmed"]}
    assert unconfirmed.value.problems["assistance_confirmed"][0].message == (
        "1 assistance record was made for this household. It is kept and still counts in the report's "
        "totals: confirm that you withdraw the household anyway."
    )
    assert codes(too_short.value) == {"note": ["assistance_justification_required"]}
    assert stored(registered) == before


def test_an_administrator_cannot_withdraw_an_assisted_household_alone(assisted):
    admin = UserFactory(username="admin.assisted", agency=None, office=None, role=User.Role.ADMIN)
    before = stored(assisted.household)

    with pytest.raises(PermissionDenied, match="only a manager of an agency"):
        household_withdraw(
            household=assisted.household, withdrawn_by=admin, reason=ASSISTED_REASON, assistance_confirmed=True
        )

    assert stored(assisted.household) == before
    assert policy.may_remove_household(admin)
    assert not policy.may_remove_household(admin, with_assistance=True)


def test_a_managers_decision_withdraws_an_assisted_household_and_keeps_its_assistance(assisted, unhcr_manager):
    registered = assisted.household
    assistance_before = list(Assistance.objects.filter(case=assisted).values())

    household_withdraw(
        household=registered, withdrawn_by=unhcr_manager, reason=ASSISTED_REASON, assistance_confirmed=True
    )

    assert list(Assistance.objects.filter(case=assisted).values()) == assistance_before
    assert MemberEntitlement.objects.filter(case=assisted).count() == 4
    event = HouseholdEvent.objects.filter(household=registered).latest("pk")
    assert (event.kind, event.actor, event.note) == (
        "withdrawn",
        unhcr_manager,
        f"Withdrawn: {ASSISTED_REASON} A manager's decision: 1 assistance record kept (USD 1500.00).",
    )
    assert Case.objects.get(pk=assisted.pk).outcome == "withdrawn"


# ---------------------------------------------------------------------------------------------
# The API's DELETE withdraws
# ---------------------------------------------------------------------------------------------


def test_the_api_delete_withdraws_and_answers_204(unhcr_officer, unhcr_manager):
    registered = register(unhcr_officer)

    response = api_client(unhcr_manager).delete(f"{URL}{registered.public_id}/", {"note": REASON}, format="json")

    assert response.status_code == 204
    withdrawn = Household.objects.get(pk=registered.pk)
    assert (withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (unhcr_manager, REASON)


def test_the_api_refuses_an_unconfirmed_withdrawal_of_an_assisted_household(assisted, unhcr_manager):
    url = f"{URL}{assisted.household.public_id}/"
    before = stored(assisted.household)

    refused = api_client(unhcr_manager).delete(url, {"note": ASSISTED_REASON}, format="json")

    assert refused.status_code == 400
    assert [(error["path"], error["code"]) for error in problem_of(refused)["errors"]] == [
        ("assistance_confirmed", "assistance_not_confirmed")
    ]
    assert stored(assisted.household) == before

    confirmed = api_client(unhcr_manager).delete(
        url, {"note": ASSISTED_REASON, "assistance_confirmed": True}, format="json"
    )

    assert confirmed.status_code == 204
    assert Household.objects.get(pk=assisted.household.pk).withdrawn_by == unhcr_manager


# ---------------------------------------------------------------------------------------------
# Merging keeps both histories
# ---------------------------------------------------------------------------------------------


def test_a_merge_withdraws_the_duplicate_into_the_household_that_stays(unhcr_officer, unhcr_manager):
    duplicate, survivor = register(unhcr_officer, "Ahmad"), register(unhcr_officer, "Karim")
    duplicate_case, survivor_case = Case.objects.get(household=duplicate), Case.objects.get(household=survivor)
    duplicate_before, survivor_before = stored(duplicate), stored(survivor)

    kept = household_merge(duplicate=duplicate, survivor=survivor, merged_by=unhcr_manager, note=REASON)

    assert kept == survivor
    merged = Household.objects.get(pk=duplicate.pk)
    assert (merged.merged_into, merged.withdrawn_by, merged.withdrawal_reason) == (survivor, unhcr_manager, REASON)
    duplicate_after, survivor_after = stored(duplicate), stored(survivor)
    assert duplicate_after["members"] == duplicate_before["members"]
    assert duplicate_after["events"][:-1] == duplicate_before["events"]
    assert [(event["kind"], event["note"]) for event in duplicate_after["events"][-1:]] == [
        ("merged_into", f"Merged into {survivor.registration_number}: {REASON}")
    ]
    assert survivor_after["events"][:-1] == survivor_before["events"]
    assert [(event["kind"], event["note"]) for event in survivor_after["events"][-1:]] == [
        ("merged", f"{duplicate.registration_number} merged into this household: {REASON}")
    ]
    assert Case.objects.get(pk=duplicate_case.pk).outcome == "withdrawn"
    assert Case.objects.get(pk=survivor_case.pk).is_open
    assert list(DeletedRecord.objects.order_by("pk").values_list("resource", "public_id", "reason", "merged_into")) == [
        ("household", duplicate.public_id, "merged", survivor.public_id),
        ("case", duplicate_case.public_id, "merged", survivor_case.public_id),
    ]
    assert list(Household.objects.visible_to(unhcr_manager)) == [survivor]


def test_merging_an_assisted_duplicate_needs_the_same_decision(assisted, unhcr_officer, unhcr_manager):
    survivor = register(unhcr_officer)
    before = stored(assisted.household)

    with pytest.raises(RegistrationInvalid):
        household_merge(duplicate=assisted.household, survivor=survivor, merged_by=unhcr_manager, note=SHORT_REASON)

    assert stored(assisted.household) == before
    household_merge(
        duplicate=assisted.household,
        survivor=survivor,
        merged_by=unhcr_manager,
        note=ASSISTED_REASON,
        assistance_confirmed=True,
    )
    assert Household.objects.get(pk=assisted.household.pk).merged_into == survivor
    assert Assistance.objects.filter(case=assisted).count() == 1


# ---------------------------------------------------------------------------------------------
# Deletes fail loudly
# ---------------------------------------------------------------------------------------------


def test_deleting_a_household_or_a_case_through_the_orm_fails_loudly(assisted):
    before = stored(assisted.household)

    with pytest.raises(ProtectedError):
        Household.objects.get(pk=assisted.household.pk).delete()
    with pytest.raises(ProtectedError):
        Case.objects.get(pk=assisted.pk).delete()

    assert stored(assisted.household) == before


# ---------------------------------------------------------------------------------------------
# The report: people no longer counted, money paid still counted
# ---------------------------------------------------------------------------------------------


def _report(user: User, day: datetime.date) -> dict:
    figures = report_figures(
        user=user,
        period_start=datetime.date(day.year, 1, 1),
        period_end=datetime.date(day.year, 12, 31),
        reference_date="arrival",
        cut_off=timezone.now(),
    )
    tables = {table["code"]: table for table in figures["tables"]}
    grants = next(row["cells"] for row in tables["volrep_assistance"]["rows"] if row["key"] == ["grants"])
    cash_grant = next(
        row["cells"] for row in tables["assistance_by_type"]["rows"] if row["key"] == ["UNHCR", "UNHCR:cash_grant"]
    )
    refugees = next(row["cells"] for row in tables["headline"]["rows"] if row["key"] == ["registered_refugee"])
    return {
        "grants": grants,
        "cash_grant": cash_grant,
        "assistance_total": tables["assistance_by_type"]["total"]["cells"],
        "refugees_from_pakistan": refugees[0],
    }


def test_a_withdrawn_households_assistance_still_counts_in_the_reports_totals(assisted, unhcr_manager, coordinator):
    arrival = assisted.household.arrival_date
    counted = _report(coordinator, arrival)

    household_withdraw(
        household=assisted.household, withdrawn_by=unhcr_manager, reason=ASSISTED_REASON, assistance_confirmed=True
    )
    withdrawn = _report(coordinator, arrival)

    assert counted == {
        "grants": [1, 1, "1500.00", "1500.00"],  # the grant's people are its quantity
        "cash_grant": [4, "1500.00"],  # reaching the household: its four members
        "assistance_total": [4, "1500.00"],
        "refugees_from_pakistan": 4,
    }
    # The people are no longer counted anywhere; the money paid stays in every total.
    assert withdrawn == {
        "grants": [0, 0, "1500.00", None],
        "cash_grant": [0, "1500.00"],
        "assistance_total": [0, "1500.00"],
        "refugees_from_pakistan": 0,
    }


def test_a_report_cut_off_before_the_withdrawal_still_counts_the_people(assisted, unhcr_manager, coordinator):
    arrival = assisted.household.arrival_date
    cut_off = timezone.now()
    household_withdraw(
        household=assisted.household, withdrawn_by=unhcr_manager, reason=ASSISTED_REASON, assistance_confirmed=True
    )

    figures = report_figures(
        user=coordinator,
        period_start=datetime.date(arrival.year, 1, 1),
        period_end=datetime.date(arrival.year, 12, 31),
        reference_date="arrival",
        cut_off=cut_off,
    )

    volrep = next(table for table in figures["tables"] if table["code"] == "volrep_assistance")
    assert next(row["cells"] for row in volrep["rows"] if row["key"] == ["grants"]) == [1, 1, "1500.00", "1500.00"]


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def withdraw_url(registered: Household) -> str:
    return reverse("returns:household-withdraw", kwargs={"public_id": registered.public_id})


def test_a_manager_is_offered_the_withdrawal_on_the_household_page_and_an_officer_is_not(
    client, unhcr_officer, unhcr_manager
):
    registered = register(unhcr_officer)

    client.force_login(unhcr_officer)
    officer_page = client.get(registered.get_absolute_url())
    client.force_login(unhcr_manager)
    manager_page = client.get(registered.get_absolute_url())

    assert f'action="{withdraw_url(registered)}"' not in officer_page.content.decode()
    assert f'action="{withdraw_url(registered)}"' in manager_page.content.decode()
    assert 'name="assistance_confirmed"' not in manager_page.content.decode()  # nothing was paid


def test_the_page_asks_a_manager_to_confirm_an_assisted_household_and_shows_an_administrator_nothing(
    client, assisted, unhcr_manager
):
    admin = UserFactory(username="admin.page", agency=None, office=None, role=User.Role.ADMIN)
    url = assisted.household.get_absolute_url()

    client.force_login(unhcr_manager)
    manager_page = client.get(url).content.decode()
    client.force_login(admin)
    admin_page = client.get(url).content.decode()

    assert 'name="assistance_confirmed"' in manager_page
    assert f'action="{withdraw_url(assisted.household)}"' not in admin_page


def test_withdrawing_on_the_page_returns_to_the_list(client, unhcr_officer, unhcr_manager):
    registered = register(unhcr_officer)
    client.force_login(unhcr_manager)

    response = client.post(withdraw_url(registered), {"note": REASON})

    assert response.status_code == 302
    assert response["Location"] == reverse("returns:household-list")
    withdrawn = Household.objects.get(pk=registered.pk)
    assert (withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (unhcr_manager, REASON)
    assert client.get(registered.get_absolute_url()).status_code == 404


def test_the_page_shows_what_is_missing_and_changes_nothing(client, assisted, unhcr_manager):
    before = stored(assisted.household)
    client.force_login(unhcr_manager)

    response = client.post(withdraw_url(assisted.household), {"note": ASSISTED_REASON})

    assert response.status_code == 200
    assert response.context["withdraw_form"].errors == {
        "assistance_confirmed": [
            "1 assistance record was made for this household. It is kept and still counts in the report's "
            "totals: confirm that you withdraw the household anyway."
        ]
    }
    assert stored(assisted.household) == before


def test_an_officer_posting_the_withdrawal_is_refused_and_nothing_changes(client, unhcr_officer):
    registered = register(unhcr_officer)
    before = stored(registered)
    client.force_login(unhcr_officer)

    response = client.post(withdraw_url(registered), {"note": REASON})

    assert response.status_code == 403
    assert stored(registered) == before


# ---------------------------------------------------------------------------------------------
# A family returning in parts
# ---------------------------------------------------------------------------------------------


def test_a_withdrawn_part_is_no_part_of_the_family_for_the_supplement(unhcr_officer, unhcr_manager):
    first = volrep_part(unhcr_officer, size=3, arrival=days_ago(120))
    second = volrep_part(unhcr_officer, size=2, arrival=days_ago(100))
    assert (supplement_owed(case=second).part, supplement_owed(case=second).parts) == (2, 2)

    household_withdraw(household=first.household, withdrawn_by=unhcr_manager, reason=REASON)

    owed = supplement_owed(case=second)
    assert (owed.amount, owed.part, owed.parts, owed.already_paid) == (Decimal("700.00"), 1, 1, Decimal(0))

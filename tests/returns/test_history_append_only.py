"""Household and case history are append-only, recorded assistance is never removed and is frozen once
decided, a household is never deleted and a withdrawal never undone: PostgreSQL refuses it, whether
the app saves, updates in bulk or someone writes plain SQL (the triggers of returns 0017)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agencies.models import User
from returns.demo import registry_clear
from returns.models import Assistance, Case, CaseEvent, Household, HouseholdEvent
from returns.services.cases import assistance_decide
from returns.services.households import household_register, household_withdraw
from tests.factories import household, member, por_card
from tests.returns.cases.test_assistance import record_grant, staff, unhcr_case

pytestmark = pytest.mark.django_db


def refused(statement: str, params: list) -> str:
    """Run plain SQL in a savepoint; answer PostgreSQL's refusal."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(excinfo.value)


def row(model, pk: int) -> dict:
    return model.objects.values().get(pk=pk)


@pytest.fixture
def registered(unhcr_officer) -> Household:
    return household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )


# ---------------------------------------------------------------------------------------------
# Household and case events
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE returns_householdevent SET note = 'rewritten' WHERE id = %s",
        "UPDATE returns_householdevent SET created_at = now() - interval '1 year' WHERE id = %s",
        "DELETE FROM returns_householdevent WHERE id = %s",
    ],
)
def test_a_household_event_cannot_be_changed_or_deleted_in_sql(registered, statement):
    event = HouseholdEvent.objects.get(household=registered)
    before = row(HouseholdEvent, event.pk)

    message = refused(statement, [event.pk])

    assert f"returns_householdevent row {event.pk} is history: it is never changed or removed" in message
    assert row(HouseholdEvent, event.pk) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE returns_caseevent SET to_stage = 'closed', note = 'rewritten' WHERE id = %s",
        "DELETE FROM returns_caseevent WHERE id = %s",
    ],
)
def test_a_case_event_cannot_be_changed_or_deleted_in_sql(registered, statement):
    event = CaseEvent.objects.filter(case__household=registered).order_by("pk").first()
    before = row(CaseEvent, event.pk)

    message = refused(statement, [event.pk])

    assert f"returns_caseevent row {event.pk} is history: it is never changed or removed" in message
    assert row(CaseEvent, event.pk) == before


def test_saving_or_bulk_updating_an_event_through_the_orm_is_refused_too(registered):
    event = HouseholdEvent.objects.get(household=registered)
    before = row(HouseholdEvent, event.pk)
    event.note = "rewritten"

    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.filter(case__household=registered).update(note="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.filter(case__household=registered)._raw_delete(connection.alias)

    assert row(HouseholdEvent, event.pk) == before
    assert set(CaseEvent.objects.filter(case__household=registered).values_list("note", flat=True)) == {""}


# ---------------------------------------------------------------------------------------------
# Assistance
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def recorder(db) -> User:
    return staff("UNHCR", User.Role.CASE_WORKER, "recorder")


@pytest.fixture
def checker(db) -> User:
    return staff("UNHCR", User.Role.CASE_WORKER, "checker")


def test_recorded_assistance_cannot_be_deleted_in_sql(recorder):
    grant = record_grant(unhcr_case(), recorder)
    before = row(Assistance, grant.pk)

    message = refused("DELETE FROM returns_assistance WHERE id = %s", [grant.pk])

    assert f"assistance {grant.pk} was recorded: it is never removed" in message
    assert row(Assistance, grant.pk) == before


def test_pending_assistance_changes_only_its_approval(recorder, checker):
    grant = record_grant(unhcr_case(), recorder)
    before = row(Assistance, grant.pk)

    message = refused("UPDATE returns_assistance SET value = value * 10 WHERE id = %s", [grant.pk])

    assert f"assistance {grant.pk} was recorded: only its approval can change" in message
    assert row(Assistance, grant.pk) == before
    # What the maker-checker service writes is allowed.
    assistance_decide(assistance=grant, decided_by=checker, approve=True)
    assert row(Assistance, grant.pk)["approval"] == "approved"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE returns_assistance SET value = 1 WHERE id = %s",
        "UPDATE returns_assistance SET approval = 'pending', approved_by_id = NULL, approved_at = NULL WHERE id = %s",
        "UPDATE returns_assistance SET approval = 'rejected' WHERE id = %s",
    ],
)
def test_decided_assistance_never_changes(recorder, checker, statement):
    grant = record_grant(unhcr_case(), recorder)
    assistance_decide(assistance=grant, decided_by=checker, approve=True)
    before = row(Assistance, grant.pk)

    message = refused(statement, [grant.pk])

    assert f"assistance {grant.pk} is approved: it can no longer change" in message
    assert row(Assistance, grant.pk) == before


# ---------------------------------------------------------------------------------------------
# Households
# ---------------------------------------------------------------------------------------------


def test_a_household_cannot_be_deleted_in_sql(registered):
    before = row(Household, registered.pk)

    message = refused("DELETE FROM returns_household WHERE id = %s", [registered.pk])

    assert f"household {registered.pk} is never deleted: withdraw it" in message
    assert row(Household, registered.pk) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE returns_household SET withdrawn_at = NULL, withdrawn_by_id = NULL, withdrawal_reason = '' "
        "WHERE id = %s",
        "UPDATE returns_household SET withdrawal_reason = 'Another reason, written later.' WHERE id = %s",
    ],
)
def test_a_withdrawal_cannot_be_undone_or_rewritten_in_sql(registered, unhcr_manager, statement):
    household_withdraw(household=registered, withdrawn_by=unhcr_manager, reason="Registered twice by mistake.")
    before = row(Household, registered.pk)

    message = refused(statement, [registered.pk])

    assert f"household {registered.pk} is withdrawn: its withdrawal is history" in message
    assert row(Household, registered.pk) == before


def test_a_household_still_changes_where_it_may(registered):
    Household.objects.filter(pk=registered.pk).update(phone="0700123456", updated_at=timezone.now())

    assert Household.objects.get(pk=registered.pk).phone == "0700123456"


def test_the_development_reset_still_empties_the_registry(registered):
    """``seed_demo --clear`` truncates: row triggers do not see TRUNCATE (the table owner's privilege)."""
    assert Case.objects.exists()

    registry_clear()

    assert (Household.objects.count(), HouseholdEvent.objects.count(), CaseEvent.objects.count()) == (0, 0, 0)

"""Retention: households past the retention period are anonymised, every figure stays; one person's
data is exported or erased on request; the history triggers let only that through."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from agencies.models import AccessLogEntry
from reports.content import report_figures
from reports.models import Report
from reports.services import report_checksum, report_sign_off
from returns import policy
from returns.models import Assistance, Case, CaseEvent, Household, HouseholdEvent, Member, MemberDocument
from returns.services.households import household_register, household_update, household_withdraw
from returns.services.retention import (
    ANONYMISED,
    RetentionRun,
    households_anonymise,
    households_anonymise_due,
)
from returns.tasks import anonymise_past_retention
from tests.factories import household, member, por_card
from tests.reports.content.world import CUT_OFF, history_backdated, world_build
from tests.reports.test_services import computed
from tests.returns.cases.test_assistance import record_grant, staff, unhcr_case

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LONG_AGO = NOW - datetime.timedelta(days=400)
LATELY = NOW - datetime.timedelta(days=10)
ARRIVAL = datetime.date(2020, 3, 15)


def registered(officer, *, phone="0700123456", number="PK-111111") -> Household:
    """A head born on 1 July 1980 (39 on arrival) with a PoR card, and a daughter of 4."""
    return household_register(
        registered_by=officer,
        registration=household(
            arrival_date=ARRIVAL,
            phone=phone,
            members=[
                member(
                    given_name="Gul",
                    fathers_name="Rahim",
                    family_name="Ahmadzai",
                    given_name_local="گل",
                    date_of_birth=datetime.date(1980, 7, 1),
                    documents=[por_card(number=number)],
                ),
                member(relationship="daughter", given_name="Zarmina", sex="female", age=4),
            ],
        ),
    )


def closed(household: Household, *, at: datetime.datetime) -> Household:
    Case.objects.filter(household=household).update(closed_at=at, outcome=Case.Outcome.COUNTED_NOT_ASSISTED)
    return household


def withdrawn_at(household: Household, *, by, at: datetime.datetime) -> Household:
    household_withdraw(household=household, withdrawn_by=by, reason="Registered twice by mistake at Torkham.")
    with history_backdated():
        Household.objects.filter(pk=household.pk).update(withdrawn_at=at)
    return household


def everything_of(household: Household) -> dict:
    """Every row the anonymisation may touch, as stored."""
    return {
        "household": Household.objects.values().get(pk=household.pk),
        "members": list(Member.objects.filter(household=household).order_by("pk").values()),
        "documents": list(MemberDocument.objects.filter(member__household=household).order_by("pk").values()),
        "events": list(HouseholdEvent.objects.filter(household=household).order_by("pk").values()),
        "case_events": list(CaseEvent.objects.filter(case__household=household).order_by("pk").values()),
    }


@pytest.fixture
def caseload(unhcr_officer, unhcr_manager):
    """One household of each kind: closed long ago (its phone corrected once), closed lately, still
    open, withdrawn long ago."""
    old = registered(unhcr_officer)
    household_update(household=old, updated_by=unhcr_officer, changes={"phone": "0799888777"})
    households = {
        "closed_long_ago": closed(old, at=LONG_AGO),
        "closed_lately": closed(registered(unhcr_officer, number="PK-222222"), at=LATELY),
        "open": registered(unhcr_officer, number="PK-333333"),
        "withdrawn_long_ago": withdrawn_at(
            registered(unhcr_officer, number="PK-444444"), by=unhcr_manager, at=LONG_AGO
        ),
    }
    return households


# ---------------------------------------------------------------------------------------------
# The nightly job
# ---------------------------------------------------------------------------------------------


@override_settings(RETENTION_CLOSED_CASE_DAYS=365)
def test_the_job_anonymises_exactly_the_households_past_the_retention_period(caseload):
    kept = {key: everything_of(caseload[key]) for key in ("closed_lately", "open")}

    run = households_anonymise_due()

    assert run == RetentionRun(households=2, members=4)
    for key in ("closed_lately", "open"):
        assert everything_of(caseload[key]) == kept[key]
        assert Household.objects.get(pk=caseload[key].pk).anonymised_at is None
    for key in ("closed_long_ago", "withdrawn_long_ago"):
        anonymised = Household.objects.get(pk=caseload[key].pk)
        assert anonymised.anonymised_at is not None
        assert anonymised.phone == ""
        people = Member.objects.filter(household=anonymised).order_by("pk")
        assert [
            (
                person.given_name,
                person.fathers_name,
                person.family_name,
                person.given_name_local,
                person.date_of_birth,
                person.estimated_age,
                person.sex,
                person.relationship,
            )
            for person in people
        ] == [
            (ANONYMISED, ANONYMISED, "", "", None, 39, "male", "head"),
            (ANONYMISED, ANONYMISED, "", "", None, 4, "female", "daughter"),
        ]
        assert list(MemberDocument.objects.filter(member__household=anonymised).values_list("number", flat=True)) == [
            ""
        ]


@override_settings(RETENTION_CLOSED_CASE_DAYS=365)
def test_history_keeps_what_changed_but_not_the_old_phone(caseload):
    households_anonymise_due()

    notes = list(
        HouseholdEvent.objects.filter(household=caseload["closed_long_ago"]).order_by("pk").values_list("kind", "note")
    )
    assert notes[1] == ("updated", f"phone: {ANONYMISED}")
    assert notes[0][0] == "registered"
    assert notes[0][1] == Household.objects.get(pk=caseload["closed_long_ago"].pk).routing_reason
    withdrawn = Household.objects.get(pk=caseload["withdrawn_long_ago"].pk)
    assert withdrawn.withdrawal_reason == ANONYMISED
    assert (withdrawn.withdrawn_at, withdrawn.is_withdrawn) == (LONG_AGO, True)
    assert list(
        HouseholdEvent.objects.filter(household=withdrawn, kind="withdrawn").values_list("note", flat=True)
    ) == [ANONYMISED]


@override_settings(RETENTION_CLOSED_CASE_DAYS=365)
def test_a_second_run_changes_nothing(caseload):
    households_anonymise_due()
    after_first = {key: everything_of(household) for key, household in caseload.items()}

    second = anonymise_past_retention.delay().get()

    assert second == {"households": 0, "members": 0}
    assert {key: everything_of(household) for key, household in caseload.items()} == after_first


@override_settings(RETENTION_CLOSED_CASE_DAYS=365)
def test_the_nightly_task_reports_and_logs_its_counts(caseload, caplog):
    caplog.set_level("INFO", logger="returns.services.retention")

    assert anonymise_past_retention.delay().get() == {"households": 2, "members": 4}
    assert [
        record.getMessage().split(", closed before")[0]
        for record in caplog.records
        if record.name == "returns.services.retention"
    ] == ["Retention: 2 households (4 people) anonymised"]


@override_settings(RETENTION_CLOSED_CASE_DAYS=365)
def test_the_job_names_what_it_anonymised_in_the_access_log(caseload):
    households_anonymise_due()

    assert list(AccessLogEntry.objects.values_list("channel", "action", "endpoint", "kind", "user")) == [
        ("command", "change", "anonymise_past_retention", "household", None)
    ]
    assert sorted(AccessLogEntry.objects.get().record_ids) == sorted(
        [caseload["closed_long_ago"].public_id, caseload["withdrawn_long_ago"].public_id]
    )


# ---------------------------------------------------------------------------------------------
# The figures stay
# ---------------------------------------------------------------------------------------------


def test_every_figure_of_the_report_is_the_same_after_anonymising_everyone(coordinator, unhcr_manager, iom_manager):
    world_build()
    report = computed(coordinator)
    report_sign_off(report=report, signed_by=unhcr_manager)
    report_sign_off(report=report, signed_by=iom_manager)
    stored = Report.objects.values("checksum", "figures").get(pk=report.pk)
    figures = {
        reference_date: report_figures(
            user=coordinator,
            period_start=datetime.date(2017, 1, 1),
            period_end=datetime.date(2017, 12, 31),
            reference_date=reference_date,
            cut_off=CUT_OFF,
        )
        for reference_date in ("arrival", "grant_paid")
    }
    assert Member.objects.filter(date_of_birth__isnull=False).exists()

    households_anonymise(household_ids=list(Household.objects.values_list("pk", flat=True)))

    assert not Member.objects.filter(date_of_birth__isnull=False).exists()
    assert not Member.objects.exclude(given_name=ANONYMISED).exists()
    for reference_date, before in figures.items():
        assert (
            report_figures(
                user=coordinator,
                period_start=datetime.date(2017, 1, 1),
                period_end=datetime.date(2017, 12, 31),
                reference_date=reference_date,
                cut_off=CUT_OFF,
            )
            == before
        )
    assert Report.objects.values("checksum", "figures").get(pk=report.pk) == stored
    assert report_checksum(stored["figures"]) == stored["checksum"]


def test_assistance_keeps_its_value_and_loses_its_note():
    case = unhcr_case(2)
    grant = record_grant(case, staff("UNHCR", "case_worker", "recorder"), note="Paid to Gul, phone 0700123456.")
    before = Assistance.objects.values().get(pk=grant.pk)

    households_anonymise(household_ids=[case.household_id])

    assert Assistance.objects.values().get(pk=grant.pk) == {**before, "note": ANONYMISED}


# ---------------------------------------------------------------------------------------------
# The triggers still refuse everything else
# ---------------------------------------------------------------------------------------------


def refused(statement: str, params: list, *, anonymising: bool = False) -> str:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        if anonymising:
            cursor.execute("SET LOCAL returns.anonymising = 'on'")
        cursor.execute(statement, params)
    return str(excinfo.value)


@pytest.mark.parametrize("anonymising", [False, True])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE returns_householdevent SET created_at = now() - interval '1 year' WHERE id = %s",
        "UPDATE returns_householdevent SET note = 'x', kind = 'updated' WHERE id = %s",
        "DELETE FROM returns_householdevent WHERE id = %s",
    ],
)
def test_history_refuses_every_change_but_the_retention_path(unhcr_officer, statement, anonymising):
    event = HouseholdEvent.objects.get(household=registered(unhcr_officer))
    before = HouseholdEvent.objects.values().get(pk=event.pk)

    message = refused(statement, [event.pk], anonymising=anonymising)

    assert f"returns_householdevent row {event.pk} is history" in message
    assert HouseholdEvent.objects.values().get(pk=event.pk) == before


def test_a_note_is_refused_outside_the_retention_path_and_the_setting_ends_with_its_transaction(unhcr_officer):
    event = HouseholdEvent.objects.get(household=registered(unhcr_officer))
    before = HouseholdEvent.objects.values().get(pk=event.pk)

    assert "is history" in refused("UPDATE returns_householdevent SET note = 'x' WHERE id = %s", [event.pk])
    households_anonymise(household_ids=[event.household_id])
    assert "is history" in refused("UPDATE returns_householdevent SET note = 'y' WHERE id = %s", [event.pk])
    assert HouseholdEvent.objects.values().get(pk=event.pk) == before  # a routing explanation is kept


def test_assistance_money_and_a_withdrawal_stay_frozen_even_while_anonymising(unhcr_manager):
    case = unhcr_case(2)
    grant = record_grant(case, staff("UNHCR", "case_worker", "recorder"))
    household_withdraw(
        household=case.household,
        withdrawn_by=unhcr_manager,
        reason="Registered twice: the family crossed once, at Torkham.",
        assistance_confirmed=True,
    )
    grant_before = Assistance.objects.values().get(pk=grant.pk)
    household_before = Household.objects.values().get(pk=case.household_id)

    assert "only its approval can change" in refused(
        "UPDATE returns_assistance SET value = 1 WHERE id = %s", [grant.pk], anonymising=True
    )
    assert "never removed" in refused("DELETE FROM returns_assistance WHERE id = %s", [grant.pk], anonymising=True)
    assert "its withdrawal is history" in refused(
        "UPDATE returns_household SET withdrawn_at = now() WHERE id = %s", [case.household_id], anonymising=True
    )
    assert "its withdrawal is history" in refused(
        "UPDATE returns_household SET withdrawal_reason = 'x' WHERE id = %s", [case.household_id]
    )
    assert "never deleted" in refused(
        "DELETE FROM returns_household WHERE id = %s", [case.household_id], anonymising=True
    )
    assert Assistance.objects.values().get(pk=grant.pk) == grant_before
    assert Household.objects.values().get(pk=case.household_id) == household_before


# ---------------------------------------------------------------------------------------------
# One person's data on request
# ---------------------------------------------------------------------------------------------


def test_export_person_writes_everything_held_about_the_person(unhcr_officer):
    head = Member.objects.get(household=registered(unhcr_officer), relationship="head")
    output = io.StringIO()

    call_command("export_person", str(head.public_id), stdout=output)

    record = json.loads(output.getvalue())
    assert sorted(record) == [
        "assistance",
        "case_events",
        "cases",
        "documents",
        "entitlements",
        "household",
        "household_events",
        "member",
        "monitoring_interviews",
        "referrals",
        "specific_needs",
        "verifications",
    ]
    assert (record["member"]["given_name"], record["member"]["family_name"], record["member"]["date_of_birth"]) == (
        "Gul",
        "Ahmadzai",
        "1980-07-01",
    )
    assert record["household"]["phone"] == "0700123456"
    assert [document["number"] for document in record["documents"]] == ["PK-111111"]
    assert [case["agency_id"] for case in record["cases"]] == [head.household.routed_agency_id]
    assert [event["kind"] for event in record["household_events"]] == ["registered"]
    assert [event["kind"] for event in record["case_events"]] == ["opened", "referral_made"]
    assert [referral["service"] for referral in record["referrals"]] == ["verification"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not-a-uuid", "'not-a-uuid' is not a person's id: give the member's public id (a UUID)."),
        (
            "6f1c2b0e-0000-4000-8000-000000000000",
            "No person with the id 6f1c2b0e-0000-4000-8000-000000000000: give a member's public id "
            "(the member's id in the API).",
        ),
    ],
)
def test_an_unknown_person_is_refused_clearly(value, message, unhcr_officer):
    events = HouseholdEvent.objects.count()
    with pytest.raises(CommandError) as export_refusal:
        call_command("export_person", value, stdout=io.StringIO())
    with pytest.raises(CommandError) as erase_refusal:
        call_command("erase_person", value, reason="The person asked in writing.", by=unhcr_officer.username)

    assert str(export_refusal.value) == str(erase_refusal.value) == message
    assert HouseholdEvent.objects.count() == events


def test_erase_person_anonymises_that_person_and_records_who_and_why(unhcr_officer, iom_manager):
    household_ = registered(unhcr_officer)
    head, daughter = Member.objects.filter(household=household_).order_by("pk")
    daughter_before = Member.objects.values().get(pk=daughter.pk)

    call_command(
        "erase_person",
        str(head.public_id),
        reason="The person asked in writing on 1 May.",
        by=iom_manager.username,
        stdout=io.StringIO(),
    )

    erased = Member.objects.get(pk=head.pk)
    assert (
        erased.given_name,
        erased.fathers_name,
        erased.family_name,
        erased.given_name_local,
        erased.date_of_birth,
        erased.estimated_age,
    ) == (ANONYMISED, ANONYMISED, "", "", None, 39)
    assert erased.anonymised_at is not None
    assert list(MemberDocument.objects.filter(member=head).values_list("number", flat=True)) == [""]
    assert Household.objects.get(pk=household_.pk).phone == ""
    assert Member.objects.values().get(pk=daughter.pk) == daughter_before
    event = HouseholdEvent.objects.filter(household=household_).latest("pk")
    assert (event.kind, event.actor, event.note) == (
        "erased",
        iom_manager,
        "Personal data of member 1 erased on request: The person asked in writing on 1 May.",
    )


def test_a_person_is_erased_once(unhcr_officer, iom_manager):
    head = Member.objects.get(household=registered(unhcr_officer), relationship="head")
    call_command("erase_person", str(head.public_id), reason="The person asked in writing.", by=iom_manager.username)
    events = HouseholdEvent.objects.count()

    with pytest.raises(CommandError) as refusal:
        call_command(
            "erase_person", str(head.public_id), reason="The person asked in writing.", by=iom_manager.username
        )

    assert "already erased" in str(refusal.value)
    assert HouseholdEvent.objects.count() == events


def test_erasing_needs_a_reason_and_a_known_user(unhcr_officer, iom_manager):
    head = Member.objects.get(household=registered(unhcr_officer), relationship="head")
    before = Member.objects.values().get(pk=head.pk)

    with pytest.raises(CommandError) as short:
        call_command("erase_person", str(head.public_id), reason="asked", by=iom_manager.username)
    with pytest.raises(CommandError) as nobody:
        call_command("erase_person", str(head.public_id), reason="The person asked in writing.", by="nobody.here")

    assert str(short.value) == "Explain in a sentence why."
    assert str(nobody.value) == "No active user 'nobody.here': give your own username with --by."
    assert Member.objects.values().get(pk=head.pk) == before


def test_only_a_manager_of_the_households_agency_or_an_administrator_erases(
    unhcr_officer, unhcr_manager, iom_manager, admin_user
):
    # (the household is routed to IOM: a PoR card holder arriving in 2020)
    head = Member.objects.get(household=registered(unhcr_officer), relationship="head")
    before = Member.objects.values().get(pk=head.pk)
    refusal = "Only a manager of the agency that assists the household, or an administrator, erases a person's data."

    for refused in (unhcr_officer, unhcr_manager):
        with pytest.raises(CommandError) as raised:
            call_command(
                "erase_person", str(head.public_id), reason="The person asked in writing.", by=refused.username
            )
        assert str(raised.value) == refusal
    assert Member.objects.values().get(pk=head.pk) == before
    assert policy.may_erase_person(iom_manager, head.household) is True
    assert policy.may_erase_person(admin_user, head.household) is True

    call_command("erase_person", str(head.public_id), reason="The person asked in writing.", by=admin_user.username)

    assert Member.objects.get(pk=head.pk).anonymised_at is not None

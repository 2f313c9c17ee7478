"""Return monitoring as a sample: the reproducible draw, recording an interview, who sees and records
what, and the pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from agencies.problems import Refused
from config.celery import app
from returns.models import Case, MonitoringInterview
from returns.selectors.monitoring import monitoring_interviews
from returns.services.households import household_merge, household_withdraw
from returns.services.monitoring import monitoring_interview_record, monitoring_sample_draw
from returns.tasks import draw_monitoring_sample
from tests.access_log_support import LOG_ROW
from tests.factories import UserFactory
from tests.returns.monitoring_support import (
    completed_answers,
    drawn_ids,
    households_arrived,
    in_sample,
    interview_for,
    plan_of,
    plan_set,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unhcr_worker(unhcr, torkham) -> User:
    return UserFactory(username="unhcr.worker.m", agency=unhcr, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def iom_worker(iom, torkham) -> User:
    return UserFactory(username="iom.worker.m", agency=iom, office=torkham, role=User.Role.CASE_WORKER)


@pytest.fixture
def admin_user() -> User:
    return UserFactory(username="admin.m", agency=None, office=None, role=User.Role.ADMIN, is_superuser=True)


@pytest.fixture
def pending(unhcr, unhcr_officer) -> MonitoringInterview:
    """A UNHCR household that arrived 40 days ago, drawn today."""
    (arrived,) = households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40, with_case=True)
    return interview_for(arrived)


def today() -> datetime.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# The plans the migration seeds
# ---------------------------------------------------------------------------------------------


def test_the_migration_seeds_an_active_unhcr_plan_and_an_inactive_iom_plan(db):
    unhcr, iom = plan_of("UNHCR"), plan_of("IOM")
    assert (unhcr.is_active, unhcr.sample_rate, unhcr.window_from_days, unhcr.window_until_days) == (
        True,
        Decimal("0.0500"),
        30,
        180,
    )
    assert (iom.is_active, iom.window_from_days, iom.window_until_days) == (False, 30, 180)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"sample_rate": Decimal("0")}, "monitoring_plan_rate_fraction"),
        ({"sample_rate": Decimal("1.5")}, "monitoring_plan_rate_fraction"),
        ({"window_from_days": 180, "window_until_days": 30}, "monitoring_plan_window_order"),
        ({"seed": ""}, "monitoring_plan_has_seed"),
    ],
)
def test_the_database_refuses_an_impossible_plan(db, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        plan_set("UNHCR", **fields)


# ---------------------------------------------------------------------------------------------
# The draw
# ---------------------------------------------------------------------------------------------


def test_the_same_seed_draws_exactly_the_same_households_and_another_seed_others(unhcr, unhcr_officer):
    # Given 200 UNHCR households 60 days after arrival and a plan drawing half of them
    households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=60, count=200)
    plan_set("UNHCR", sample_rate=Decimal("0.5"), seed="seed-a")

    # When the sample is drawn, undrawn (a test may delete), and drawn again with the same seed
    monitoring_sample_draw(today=today())
    first = drawn_ids()
    MonitoringInterview.objects.all().delete()
    monitoring_sample_draw(today=today())
    again = drawn_ids()
    # and once more with another seed
    MonitoringInterview.objects.all().delete()
    plan_set("UNHCR", seed="seed-b")
    monitoring_sample_draw(today=today())
    other = drawn_ids()

    # Then the same seed drew exactly the same households; the other seed drew a different set
    assert first == again
    assert first
    assert other != first


def test_a_rate_of_one_half_draws_exactly_the_households_the_hash_puts_under_it(unhcr, unhcr_officer):
    # Given 200 UNHCR households in the window
    households = households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=45, count=200)
    plan_set("UNHCR", sample_rate=Decimal("0.5"), seed="reproducible")

    # When the sample is drawn
    drawn = monitoring_sample_draw(today=today())

    # Then it holds exactly the households the hash, recomputed in Python, puts under 0.5
    expected = {
        household.pk
        for household in households
        if in_sample(seed="reproducible", public_id=household.public_id, rate="0.5")
    }
    assert drawn == {"UNHCR": len(expected)}
    assert drawn_ids() == expected
    assert 70 < len(expected) < 130  # and it is about half


def test_the_window_runs_from_day_30_to_day_180_after_arrival_both_included(unhcr, unhcr_officer):
    # Given households 29, 30, 180 and 181 days after arrival, and a plan drawing everyone
    plan_set("UNHCR", sample_rate=Decimal("1"))
    by_day = {
        days: households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=days)[0]
        for days in (29, 30, 180, 181)
    }

    # When the sample is drawn
    assert monitoring_sample_draw(today=today()) == {"UNHCR": 2}

    # Then the households of days 30 and 180 are drawn, not those of days 29 and 181
    assert drawn_ids() == {by_day[30].pk, by_day[180].pk}
    interview = MonitoringInterview.objects.get(household=by_day[30])
    assert (interview.status, interview.drawn_on, interview.due_by, interview.agency_id, interview.consent) == (
        "pending",
        today(),
        by_day[30].arrival_date + datetime.timedelta(days=180),
        unhcr.pk,
        False,
    )


def test_a_drawn_household_is_linked_to_its_agencys_case(unhcr, unhcr_officer):
    plan_set("UNHCR", sample_rate=Decimal("1"))
    (arrived,) = households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=31, with_case=True)

    monitoring_sample_draw(today=today())

    assert MonitoringInterview.objects.get(household=arrived).case == Case.objects.get(household=arrived)


def test_drawing_twice_draws_nothing_new(unhcr, unhcr_officer):
    # Given a draw already made
    plan_set("UNHCR", sample_rate=Decimal("1"))
    households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=50, count=5)
    assert monitoring_sample_draw(today=today()) == {"UNHCR": 5}
    before = list(MonitoringInterview.objects.order_by("pk").values_list("pk", "public_id", "household_id"))

    # When it runs again, the same day and the next
    again = monitoring_sample_draw(today=today())
    next_day = monitoring_sample_draw(today=today() + datetime.timedelta(days=1))

    # Then nobody is drawn a second time
    assert (again, next_day) == ({"UNHCR": 0}, {"UNHCR": 0})
    assert list(MonitoringInterview.objects.order_by("pk").values_list("pk", "public_id", "household_id")) == before


def test_the_inactive_iom_plan_draws_nobody_and_an_active_one_draws_only_iom_households(iom, unhcr, iom_officer):
    # Given IOM households in the window and IOM's plan inactive (as seeded)
    iom_households = households_arrived(agency=iom, registered_by=iom_officer, days_ago=40, count=10)
    plan_set("UNHCR", sample_rate=Decimal("1"))

    # Then the draw has nothing for IOM
    assert monitoring_sample_draw(today=today()) == {"UNHCR": 0}
    assert drawn_ids("IOM") == set()

    # When IOM activates its plan, its own households are drawn, by its own plan
    plan_set("IOM", is_active=True, sample_rate=Decimal("1"))
    assert monitoring_sample_draw(today=today()) == {"IOM": 10, "UNHCR": 0}
    assert drawn_ids("IOM") == {household.pk for household in iom_households}
    assert set(MonitoringInterview.objects.values_list("agency__code", flat=True)) == {"IOM"}


def test_the_daily_task_draws_today(unhcr, unhcr_officer):
    plan_set("UNHCR", sample_rate=Decimal("1"))
    households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=30, count=3)

    assert draw_monitoring_sample.delay().get() == {"UNHCR": 3}
    assert draw_monitoring_sample.delay().get() == {"UNHCR": 0}


def test_the_draw_is_in_the_daily_beat_schedule():
    assert app.conf.beat_schedule["draw-monitoring-sample"]["task"] == "returns.tasks.draw_monitoring_sample"


def test_the_draw_takes_one_query_per_plan_whatever_the_number_of_households(
    unhcr, unhcr_officer, django_assert_num_queries
):
    households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40, count=300)
    plan_set("UNHCR", sample_rate=Decimal("1"))

    # The plans, then one INSERT … SELECT for the one active plan (inside a savepoint)
    with django_assert_num_queries(4):
        assert monitoring_sample_draw(today=today()) == {"UNHCR": 300}


# ---------------------------------------------------------------------------------------------
# Recording an interview
# ---------------------------------------------------------------------------------------------


def _snapshot(interview: MonitoringInterview) -> dict:
    values = MonitoringInterview.objects.filter(pk=interview.pk).values().get()
    values.pop("updated_at")
    return values


def test_a_completed_interview_keeps_its_answers(pending, unhcr_worker):
    recorded = monitoring_interview_record(interview=pending, recorded_by=unhcr_worker, data=completed_answers())

    recorded.refresh_from_db()
    assert (
        recorded.status,
        recorded.consent,
        recorded.method,
        recorded.interviewed_by,
        recorded.current_province_id,
        recorded.current_district_id,
        recorded.shelter,
        recorded.work,
        recorded.documents,
        recorded.intends_to_stay,
        recorded.needs,
        recorded.attempts,
    ) == (
        "completed",
        True,
        "phone",
        unhcr_worker,
        "AF06",
        "AF0617",
        "rented",
        "daily_labour",
        ["tazkira"],
        "yes",
        ["health", "livelihood"],
        1,
    )


def test_answers_without_consent_are_refused_and_nothing_changes(pending, unhcr_worker):
    before = _snapshot(pending)

    with pytest.raises(Refused) as refused:
        monitoring_interview_record(interview=pending, recorded_by=unhcr_worker, data=completed_answers(consent=False))

    assert [problem.code for problem in refused.value.problems["consent"]] == [
        "consent_required",
        "answers_without_consent",
    ]
    assert _snapshot(pending) == before


def test_a_declined_interview_with_answers_is_refused_and_nothing_changes(pending, unhcr_worker):
    before = _snapshot(pending)

    with pytest.raises(Refused) as refused:
        monitoring_interview_record(
            interview=pending,
            recorded_by=unhcr_worker,
            data=completed_answers(status="refused_consent", consent=False),
        )

    assert [problem.code for problem in refused.value.problems["consent"]] == ["answers_without_consent"]
    assert _snapshot(pending) == before


def test_a_declined_interview_keeps_no_answer(pending, unhcr_worker):
    recorded = monitoring_interview_record(
        interview=pending,
        recorded_by=unhcr_worker,
        data={"status": "refused_consent", "method": "phone", "interviewed_on": today(), "note": "Said no."},
    )

    recorded.refresh_from_db()
    assert (recorded.status, recorded.consent, recorded.shelter, recorded.needs, recorded.note) == (
        "refused_consent",
        False,
        "",
        [],
        "Said no.",
    )


def test_the_database_keeps_no_answer_without_consent(pending):
    pending.shelter = "rented"
    with pytest.raises(IntegrityError, match="monitoring_answers_need_consent"), transaction.atomic():
        pending.save()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"interviewed_on": None}, "interviewed_on", "required"),
        ({"method": "carrier_pigeon"}, "method", "invalid_choice"),
        ({"status": "pending"}, "status", "invalid_choice"),
        ({"shelter": ""}, "shelter", "required"),
        ({"shelter": "palace"}, "shelter", "invalid_choice"),
        ({"needs": []}, "needs", "required"),
        ({"needs": ["none", "food"]}, "needs", "none_and_needs"),
        ({"documents": ["library_card"]}, "documents", "invalid_choice"),
        ({"current_province": "AF99"}, "current_province", "unknown"),
        ({"current_district": "AF3001"}, "current_district", "not_in_province"),
        ({"status": "not_reached"}, "consent", "consent_contradiction"),
    ],
)
def test_an_impossible_record_is_refused_beside_its_field(pending, unhcr_worker, changes, field, code):
    before = _snapshot(pending)

    with pytest.raises(Refused) as refused:
        monitoring_interview_record(interview=pending, recorded_by=unhcr_worker, data=completed_answers(**changes))

    assert code in [problem.code for problem in refused.value.problems[field]]
    assert _snapshot(pending) == before


def test_the_interview_date_is_not_in_the_future_nor_before_the_window(pending, unhcr_worker):
    arrival = pending.household.arrival_date
    for interviewed_on, code in (
        (today() + datetime.timedelta(days=1), "future_date"),
        (arrival + datetime.timedelta(days=29), "before_window"),
    ):
        with pytest.raises(Refused) as refused:
            monitoring_interview_record(
                interview=pending, recorded_by=unhcr_worker, data=completed_answers(interviewed_on=interviewed_on)
            )
        assert [problem.code for problem in refused.value.problems["interviewed_on"]] == [code]

    # The first day of the window is fine
    recorded = monitoring_interview_record(
        interview=pending,
        recorded_by=unhcr_worker,
        data=completed_answers(interviewed_on=arrival + datetime.timedelta(days=30)),
    )
    assert recorded.status == "completed"


def test_a_recorded_interview_is_not_edited_afterwards(pending, unhcr_worker):
    monitoring_interview_record(interview=pending, recorded_by=unhcr_worker, data=completed_answers())
    before = _snapshot(pending)

    with pytest.raises(Refused) as refused:
        monitoring_interview_record(
            interview=pending, recorded_by=unhcr_worker, data=completed_answers(shelter="own_house")
        )

    assert [problem.code for problem in refused.value.problems["status"]] == ["already_recorded"]
    assert _snapshot(pending) == before


def test_a_family_not_reached_is_tried_again(pending, unhcr_worker):
    monitoring_interview_record(
        interview=pending,
        recorded_by=unhcr_worker,
        data={"status": "not_reached", "method": "phone", "interviewed_on": today(), "note": "Phone off."},
    )
    recorded = monitoring_interview_record(interview=pending, recorded_by=unhcr_worker, data=completed_answers())

    assert (recorded.status, recorded.attempts) == ("completed", 2)


def test_only_case_workers_and_managers_of_the_interviews_agency_record(pending, unhcr_officer, iom_worker, admin_user):
    before = _snapshot(pending)
    # A field officer of the agency: the role
    with pytest.raises(PermissionDenied):
        monitoring_interview_record(interview=pending, recorded_by=unhcr_officer, data=completed_answers())
    # An administrator sees it but does not record
    with pytest.raises(PermissionDenied):
        monitoring_interview_record(interview=pending, recorded_by=admin_user, data=completed_answers())
    # Another agency's case worker does not even see it
    with pytest.raises(MonitoringInterview.DoesNotExist):
        monitoring_interview_record(interview=pending, recorded_by=iom_worker, data=completed_answers())
    assert _snapshot(pending) == before


# ---------------------------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------------------------


def test_staff_see_their_own_agencys_interviews_and_administrators_all(
    pending, iom, iom_officer, unhcr_worker, iom_worker, admin_user, coordinator
):
    (iom_household,) = households_arrived(agency=iom, registered_by=iom_officer, days_ago=40)
    iom_interview = interview_for(iom_household)

    def seen(user):
        return set(monitoring_interviews(user=user).values_list("pk", flat=True))

    assert seen(unhcr_worker) == {pending.pk}
    assert seen(iom_worker) == {iom_interview.pk}
    assert seen(admin_user) == {pending.pk, iom_interview.pk}
    assert seen(coordinator) == set()


# ---------------------------------------------------------------------------------------------
# Households drawn keep their interviews
# ---------------------------------------------------------------------------------------------


def test_a_withdrawn_household_keeps_its_interview_out_of_every_queue(pending, unhcr_manager, admin_user):
    household_withdraw(household=pending.household, withdrawn_by=unhcr_manager, reason="Registered by mistake.")

    assert MonitoringInterview.objects.filter(pk=pending.pk, household=pending.household).exists()
    assert set(monitoring_interviews(user=unhcr_manager).values_list("pk", flat=True)) == set()
    assert set(monitoring_interviews(user=admin_user).values_list("pk", flat=True)) == set()


def test_merging_a_drawn_household_moves_its_interview_to_the_household_that_stays(
    pending, unhcr, unhcr_officer, unhcr_manager
):
    (survivor,) = households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40)

    drawn_with = pending.case

    household_merge(duplicate=pending.household, survivor=survivor, merged_by=unhcr_manager, note="The same family.")

    pending.refresh_from_db()
    assert pending.household == survivor
    assert pending.case == drawn_with  # the household that stays has no UNHCR case: the case it was drawn with


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_the_queue_lists_waiting_interviews_first_by_due_date(client, unhcr, unhcr_officer, unhcr_worker):
    late, early, done = (
        interview_for(households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=days)[0])
        for days in (40, 170, 100)
    )
    monitoring_interview_record(interview=done, recorded_by=unhcr_worker, data=completed_answers())
    client.force_login(unhcr_worker)

    response = client.get(reverse("returns:monitoring-queue"))

    assert response.status_code == 200
    listed = [str(interview.public_id) for interview in response.context["page"].object_list]
    assert listed == [str(early.public_id), str(late.public_id), str(done.public_id)]
    assert response.context["counts"]["pending"] == 2
    assert b'href="/monitoring/"' in response.content  # the navigation link


def test_the_queue_filters_by_status_and_overdue(client, unhcr, unhcr_officer, unhcr_worker):
    on_time = interview_for(households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40)[0])
    overdue = interview_for(households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40)[0])
    MonitoringInterview.objects.filter(pk=overdue.pk).update(due_by=today() - datetime.timedelta(days=1))
    client.force_login(unhcr_worker)

    def listed(params):
        response = client.get(reverse("returns:monitoring-queue"), params)
        return {interview.pk for interview in response.context["page"].object_list}

    assert listed({"overdue": "true"}) == {overdue.pk}
    assert listed({"overdue": "false"}) == {on_time.pk}
    assert listed({"status": "completed"}) == set()
    assert listed({"office": "TKM", "province": "AF06"}) == {on_time.pk, overdue.pk}


def test_the_queue_page_takes_the_same_queries_for_one_or_thirty_interviews(
    client, unhcr, unhcr_officer, unhcr_worker, django_assert_num_queries
):
    client.force_login(unhcr_worker)
    interview_for(households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40)[0])
    client.get(reverse("returns:monitoring-queue"))  # warm the reference data and the session
    with django_assert_num_queries(7 + LOG_ROW) as one:
        client.get(reverse("returns:monitoring-queue"))
    for household in households_arrived(agency=unhcr, registered_by=unhcr_officer, days_ago=40, count=29):
        interview_for(household)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("returns:monitoring-queue"))


def test_iom_staff_cannot_open_a_unhcr_interview_nor_see_it_in_their_queue(client, pending, iom_worker):
    client.force_login(iom_worker)

    assert client.get(pending.get_absolute_url()).status_code == 404
    assert client.post(pending.get_absolute_url(), {"status": "completed"}).status_code == 404
    response = client.get(reverse("returns:monitoring-queue"))
    assert list(response.context["page"].object_list) == []


def test_the_questionnaire_records_the_interview(client, pending, unhcr_worker):
    client.force_login(unhcr_worker)
    assert b"data-questionnaire" in client.get(pending.get_absolute_url()).content

    response = client.post(
        pending.get_absolute_url(),
        {
            "status": "completed",
            "method": "encashment_centre",
            "interviewed_on": today().isoformat(),
            "consent": "on",
            "current_province": "AF01",
            "shelter": "with_relatives",
            "work": "none",
            "documents": ["tazkira", "birth_certificate"],
            "intends_to_stay": "undecided",
            "needs": ["shelter"],
        },
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.current_province_id, pending.documents, pending.needs) == (
        "completed",
        "AF01",
        ["birth_certificate", "tazkira"],
        ["shelter"],
    )
    # Recorded: the page shows the answers, no form
    page = client.get(pending.get_absolute_url())
    assert b"data-answers" in page.content
    assert b"data-questionnaire" not in page.content


def test_the_questionnaire_without_consent_shows_why_and_saves_nothing(client, pending, unhcr_worker):
    client.force_login(unhcr_worker)
    before = _snapshot(pending)

    response = client.post(
        pending.get_absolute_url(),
        {
            "status": "completed",
            "method": "phone",
            "interviewed_on": today().isoformat(),
            "current_province": "AF06",
            "shelter": "rented",
            "work": "regular",
            "intends_to_stay": "yes",
            "needs": ["none"],
        },
    )

    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    assert _snapshot(pending) == before


def test_a_field_officer_sees_the_interview_but_no_questionnaire(client, pending, unhcr_officer):
    client.force_login(unhcr_officer)

    page = client.get(pending.get_absolute_url())

    assert page.status_code == 200
    assert b"data-questionnaire" not in page.content
    assert client.post(pending.get_absolute_url(), completed_answers(interviewed_on="")).status_code == 403


def test_a_coordinator_has_no_monitoring_page(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("returns:monitoring-queue")).status_code == 403

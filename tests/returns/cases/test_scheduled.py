"""The daily checks: marking overdue cases once, and one email per assignee. (Return monitoring is a
sample drawn apart from the cases: ``tests/returns/test_monitoring.py``.)"""

import datetime
import itertools
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import Agency, User
from config.celery import app as celery_app
from reports import tasks as reports_tasks
from returns import tasks
from returns.models import Case, CaseEvent
from returns.scheduled import (
    NotificationSummary,
    cases_mark_overdue,
    overdue_notify,
)
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card

TODAY = datetime.date(2026, 3, 10)
DOCUMENT_NUMBERS = (f"PK-{serial:06d}" for serial in itertools.count(1))


@pytest.fixture
def registrar(unhcr_officer) -> User:
    return unhcr_officer


def a_case(registrar: User, *, agency: str = "UNHCR", **fields) -> Case:
    """A registered household's case (UNHCR: a PoR card holder; IOM: undocumented), then ``fields`` set."""
    documents = [por_card(number=next(DOCUMENT_NUMBERS))] if agency == "UNHCR" else []
    registered = household_register(
        registered_by=registrar, registration=household(members=[member(documents=documents)])
    )
    case = Case.objects.get(household=registered)
    assert case.agency.code == agency
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def closed(**fields) -> dict:
    return {"stage": "closed", "closed_at": timezone.now(), "outcome": Case.Outcome.ASSISTED, **fields}


def days(number: int) -> datetime.timedelta:
    return datetime.timedelta(days=number)


def case_state(*cases: Case) -> list[tuple]:
    return list(
        Case.objects.filter(pk__in=[case.pk for case in cases])
        .order_by("pk")
        .values_list("pk", "overdue_since", "version")
    )


def events_of(kind: str) -> list[tuple]:
    return list(CaseEvent.objects.filter(kind=kind).order_by("case_id").values_list("case_id", "actor", "details"))


def worker(username: str, **fields) -> User:
    return UserFactory(username=username, agency=Agency.objects.get(code="UNHCR"), role=User.Role.CASE_WORKER, **fields)


# ---------------------------------------------------------------------------------------------
# Marking overdue cases
# ---------------------------------------------------------------------------------------------


def test_open_cases_past_their_stage_due_date_are_marked_overdue(registrar):
    late = a_case(registrar, stage_due_date=TODAY - days(2))
    just_late = a_case(registrar, agency="IOM", stage_due_date=TODAY - days(1))
    due_today = a_case(registrar, stage_due_date=TODAY)
    due_later = a_case(registrar, stage_due_date=TODAY + days(3))
    closed_late = a_case(registrar, **closed(stage_due_date=TODAY - days(5)))
    no_due_date = a_case(registrar, stage_due_date=None)

    marked = cases_mark_overdue(today=TODAY)

    assert marked == [late.pk, just_late.pk]
    assert case_state(late, just_late, due_today, due_later, closed_late, no_due_date) == [
        (late.pk, TODAY, 2),
        (just_late.pk, TODAY, 2),
        (due_today.pk, None, 1),
        (due_later.pk, None, 1),
        (closed_late.pk, None, 1),
        (no_due_date.pk, None, 1),
    ]
    assert events_of(CaseEvent.Kind.OVERDUE) == [
        (late.pk, None, {"stage": "verification", "stage_due_date": "2026-03-08"}),
        (just_late.pk, None, {"stage": "screening", "stage_due_date": "2026-03-09"}),
    ]


def test_marking_overdue_twice_marks_nothing_the_second_time(registrar):
    late = a_case(registrar, stage_due_date=TODAY - days(2))
    cases_mark_overdue(today=TODAY)
    before = case_state(late)

    again = cases_mark_overdue(today=TODAY)
    next_day = cases_mark_overdue(today=TODAY + days(1))

    assert (again, next_day) == ([], [])
    assert case_state(late) == before == [(late.pk, TODAY, 2)]
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.OVERDUE).count() == 1


def test_a_case_already_marked_overdue_is_left_alone(registrar):
    marked_earlier = a_case(registrar, stage_due_date=TODAY - days(9), overdue_since=TODAY - days(8))

    assert cases_mark_overdue(today=TODAY) == []
    assert case_state(marked_earlier) == [(marked_earlier.pk, TODAY - days(8), 1)]
    assert events_of(CaseEvent.Kind.OVERDUE) == []


def test_marking_takes_the_same_queries_for_one_case_or_many(registrar, django_assert_num_queries):
    a_case(registrar, stage_due_date=TODAY - days(1))
    for _ in range(4):
        a_case(registrar, stage_due_date=TODAY + days(1))

    with django_assert_num_queries(5):  # savepoint, lock, update, insert events, release
        assert len(cases_mark_overdue(today=TODAY)) == 1
    with django_assert_num_queries(5):
        assert len(cases_mark_overdue(today=TODAY + days(2))) == 4
    with django_assert_num_queries(3):  # savepoint, lock, release: nothing to write
        assert cases_mark_overdue(today=TODAY + days(2)) == []


# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Emails: one per assignee
# ---------------------------------------------------------------------------------------------


def test_each_assignee_gets_one_email_listing_their_overdue_cases(registrar):
    farid = worker("farid.t", first_name="Farid", email="farid@example.org")
    laila = worker("laila.t", first_name="Laila", email="laila@example.org")
    no_email = worker("no.email.t", email="")
    gone = worker("gone.t", email="gone@example.org", is_active=False)
    farids = [
        a_case(registrar, stage_due_date=TODAY - days(1), assigned_to=farid),
        a_case(registrar, stage_due_date=TODAY - days(4), assigned_to=farid),
    ]
    lailas = [a_case(registrar, stage="encashment", stage_due_date=TODAY - days(2), assigned_to=laila)]
    skipped = [
        a_case(registrar, stage_due_date=TODAY - days(1)),
        a_case(registrar, stage_due_date=TODAY - days(1), assigned_to=gone),
        a_case(registrar, stage_due_date=TODAY - days(1), assigned_to=no_email),
    ]
    marked = cases_mark_overdue(today=TODAY)

    summary = overdue_notify(case_ids=marked)

    assert summary == NotificationSummary(emails_sent=2, cases_listed=3, skipped_unassigned=2, skipped_no_email=1)
    assert sorted((message.to, message.subject) for message in mail.outbox) == [
        (["farid@example.org"], "2 cases are overdue"),
        (["laila@example.org"], "1 case is overdue"),
    ]
    by_recipient = {message.to[0]: message.body for message in mail.outbox}
    most_overdue_first = sorted(farids, key=lambda case: case.stage_due_date)
    assert by_recipient["farid@example.org"].splitlines() == [
        "Hello Farid,",
        "",
        "These cases assigned to you are past the date their current stage was due:",
        "",
        *[
            f"{case.case_number} · Document and iris verification · due {case.stage_due_date.isoformat()}"
            f" · {case.get_absolute_url()}"
            for case in most_overdue_first
        ],
    ]
    assert f"{lailas[0].case_number} · Encashment (cash grant) · due 2026-03-08" in by_recipient["laila@example.org"]
    assert not any(case.case_number in message.body for case in skipped for message in mail.outbox)


def test_each_assignee_is_written_to_in_their_language_and_calendar(registrar):
    # Given a Dari-speaking case worker (Solar Hijri by her language), a Pashto-speaking one who chose
    # the Gregorian calendar and Persian digits, and one who chose nothing (the site's English)
    mariam = worker("mariam.t", first_name="Mariam", email="mariam@example.org", language="fa")
    wali = worker(
        "wali.t", first_name="Wali", email="wali@example.org", language="ps", calendar="gregorian", digits="persian"
    )
    john = worker("john.t", first_name="John", email="john@example.org")
    for assignee in (mariam, wali, john):
        a_case(registrar, stage_due_date=TODAY - days(2), assigned_to=assignee)

    # When the overdue cases are emailed
    overdue_notify(case_ids=cases_mark_overdue(today=TODAY))

    # Then each email is in its reader's language, the due date in their calendar and digits
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert by_recipient["mariam@example.org"].subject == "1 قضیه معوق است"
    assert by_recipient["mariam@example.org"].body.startswith("سلام Mariam،\n")
    assert "1404/12/17" in by_recipient["mariam@example.org"].body
    assert by_recipient["wali@example.org"].subject == "1 قضیه ځنډېدلې ده"
    assert by_recipient["wali@example.org"].body.startswith("سلام Wali،\n")
    assert "۲۰۲۶-۰۳-۰۸" in by_recipient["wali@example.org"].body
    assert by_recipient["john@example.org"].subject == "1 case is overdue"
    assert "due 2026-03-08" in by_recipient["john@example.org"].body


def test_a_case_moved_on_since_it_was_marked_is_not_emailed(registrar):
    farid = worker("farid.t", email="farid@example.org")
    moved_on = a_case(registrar, stage_due_date=TODAY - days(1), assigned_to=farid)
    still_late = a_case(registrar, stage_due_date=TODAY - days(1), assigned_to=farid)
    marked = cases_mark_overdue(today=TODAY)
    Case.objects.filter(pk=moved_on.pk).update(stage="encashment", overdue_since=None)

    summary = overdue_notify(case_ids=marked)

    assert summary == NotificationSummary(emails_sent=1, cases_listed=1)
    (message,) = mail.outbox
    assert still_late.case_number in message.body
    assert moved_on.case_number not in message.body


def test_nothing_to_notify_sends_nothing(db):
    assert overdue_notify(case_ids=[]) == NotificationSummary()
    assert mail.outbox == []


# ---------------------------------------------------------------------------------------------
# The tasks and their schedule
# ---------------------------------------------------------------------------------------------


def test_the_overdue_check_marks_then_emails_once_committed(registrar, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    farid = worker("farid.t", email="farid@example.org")
    late = a_case(registrar, stage_due_date=today - days(1), assigned_to=farid)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = tasks.check_overdue_cases.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.check_overdue_cases.delay().get()

    assert first == {"marked": [late.pk], "notify_task_id": first["notify_task_id"]}
    assert first["notify_task_id"]
    assert len(callbacks) == 1
    assert second == {"marked": [], "notify_task_id": None}
    assert case_state(late) == [(late.pk, today, 2)]
    assert [(message.to, message.subject) for message in mail.outbox] == [(["farid@example.org"], "1 case is overdue")]


def test_nothing_is_emailed_when_the_marking_rolls_back(registrar, django_capture_on_commit_callbacks):
    farid = worker("farid.t", email="farid@example.org")
    a_case(registrar, stage_due_date=timezone.localdate() - days(1), assigned_to=farid)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.check_overdue_cases.delay().get()

    # The notification waits for the commit (here, the test's transaction never commits).
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_daily_jobs_run_at_two_in_the_morning_in_kabul():
    kabul = zoneinfo.ZoneInfo("Asia/Kabul")
    noon_utc = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)

    next_runs = {}
    for name, entry in celery_app.conf.beat_schedule.items():
        last_run, until_next, _now = entry["schedule"].remaining_delta(noon_utc)
        next_runs[name] = (celery_app.tasks[entry["task"]], (last_run + until_next).astimezone(kabul))

    assert next_runs == {
        "check-overdue-cases": (tasks.check_overdue_cases, datetime.datetime(2026, 3, 11, 2, 0, tzinfo=kabul)),
        "draw-monitoring-sample": (
            tasks.draw_monitoring_sample,
            datetime.datetime(2026, 3, 11, 2, 15, tzinfo=kabul),
        ),
        "check-overdue-referrals": (
            tasks.check_overdue_referrals,
            datetime.datetime(2026, 3, 11, 2, 20, tzinfo=kabul),
        ),
        "anonymise-past-retention": (
            tasks.anonymise_past_retention,
            datetime.datetime(2026, 3, 11, 3, 0, tzinfo=kabul),
        ),
        "expire-kept-files": (tasks.expire_kept_files, datetime.datetime(2026, 3, 11, 3, 10, tzinfo=kabul)),
        # Every ten minutes: 12:10 UTC is 16:40 in Kabul.
        "resend-waiting-reports": (
            reports_tasks.resend_waiting_reports,
            datetime.datetime(2026, 3, 10, 16, 40, tzinfo=kabul),
        ),
        "resend-waiting-imports": (tasks.resend_waiting_imports, datetime.datetime(2026, 3, 10, 16, 40, tzinfo=kabul)),
        # Hourly, at seven past (UTC): 12:07 UTC is 16:37 in Kabul.
        "find-duplicates-since-last-run": (
            tasks.find_duplicates_since_last_run,
            datetime.datetime(2026, 3, 10, 16, 37, tzinfo=kabul),
        ),
    }


def test_the_tasks_are_acknowledged_after_they_run():
    assert all(
        task.acks_late
        for task in (
            tasks.check_overdue_cases,
            tasks.notify_overdue_cases,
            tasks.draw_monitoring_sample,
            tasks.check_overdue_referrals,
            tasks.notify_overdue_referrals,
            tasks.anonymise_past_retention,
            tasks.find_duplicates,
            tasks.find_duplicates_since_last_run,
        )
    )

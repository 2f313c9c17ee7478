"""The demo's joint reports: last year's final (signed off by both demo managers), this year's a draft."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reports.models import Report
from returns.demo import demo_users_ensure


@pytest.fixture
def debug(settings, db):
    settings.DEBUG = True
    demo_users_ensure()


def test_last_years_report_is_final_and_this_years_a_draft(debug):
    today = timezone.localdate()

    call_command("seed_demo_reports", stdout=io.StringIO())

    reports = Report.objects.order_by("period_start")
    assert [(r.period_start, r.period_end, r.status, r.version) for r in reports] == [
        (datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31), Report.Status.FINAL, 1),
        (datetime.date(today.year, 1, 1), today, Report.Status.DRAFT, 1),
    ]
    final = reports[0]
    assert sorted(final.sign_offs.values_list("agency__code", "signed_by__username", "checksum")) == [
        ("IOM", "iom.manager", final.checksum),
        ("UNHCR", "unhcr.manager", final.checksum),
    ]
    assert {r.requested_by.username for r in reports} == {"coordinator"}


def test_if_empty_adds_nothing_once_a_report_exists(debug):
    call_command("seed_demo_reports", stdout=io.StringIO())
    before = list(Report.objects.values_list("pk", "status", "checksum"))

    out = io.StringIO()
    call_command("seed_demo_reports", "--if-empty", stdout=out)

    assert list(Report.objects.values_list("pk", "status", "checksum")) == before
    assert "nothing to do" in out.getvalue()


def test_refuses_to_run_with_debug_off(settings, db):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo_reports", stdout=io.StringIO())

    assert not Report.objects.exists()

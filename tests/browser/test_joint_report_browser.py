"""The joint report in a real browser: a coordinator generates the 2017 report and watches it
computed, a UNHCR and an IOM manager sign it off, and the coordinator downloads the public XLSX."""

import datetime
import os
import tempfile
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.models import Report
from reports.services import report_compute
from tests.browser.test_register_browser import log_in
from tests.reports.test_services import register_2017

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", tempfile.gettempdir()))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_out(page) -> None:
    # Logging out first empties what the device keeps offline (app.js): wait until it has.
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/")


def test_a_coordinator_generates_the_2017_report_both_managers_sign_it_off_and_the_public_xlsx_downloads(
    page, live_server, coordinator, unhcr_officer, unhcr_manager, iom_manager
):
    # Given three families who returned in 2017
    register_2017(unhcr_officer, families=3)

    # When the coordinator opens the home page and generates the 2017 report
    log_in(page, live_server, "coordinator.t")
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Joint annual report on returns")
    page.fill("input[name=year]", "2017")
    page.check("input[name=reference_date][value=arrival]")
    page.click("button[type=submit]:has-text('Generate the report')")

    # Then they land on the report, whose progress bar has reached the end: a draft awaiting sign-off
    page.wait_for_url(f"{live_server.url}/reports/*/")  # the report is in the database once its page comes
    report = Report.objects.get()
    page.wait_for_url(f"{live_server.url}/reports/{report.public_id}/")
    progress = page.locator("progress#report-progress")
    expect(progress).to_have_attribute("value", "100")
    expect(page.locator("[data-progress-step]")).to_have_text("Done")
    expect(page.locator("[data-report-status]")).to_have_text("Draft, awaiting sign-off")
    assert page.locator("h1").inner_text().startswith("Joint UNHCR-IOM report on returns, 2017")
    expect(page.get_by_text("Sign off for")).to_have_count(0)  # a coordinator does not sign off
    report.refresh_from_db()
    expect(page.locator("code.report-checksum")).to_have_text(report.checksum)
    page.screenshot(path=SCREENSHOTS / "joint-report-draft.png", full_page=True)
    log_out(page)

    # When UNHCR's manager signs it off, with a note
    log_in(page, live_server, "unhcr.manager.t")
    page.goto(f"{live_server.url}/reports/{report.public_id}/")
    page.fill("textarea[name=note]", "Checked against the registry.")
    with page.expect_navigation():
        page.click("button:has-text('Sign off for UNHCR')")
    expect(page.get_by_text("Signed off for UNHCR: the other agency's manager signs next.")).to_be_visible()
    assert page.locator("li[data-agency=IOM]").inner_text().endswith("Awaiting sign-off")
    log_out(page)

    # And IOM's manager signs it off
    log_in(page, live_server, "iom.manager.t")
    page.goto(f"{live_server.url}/reports/{report.public_id}/")
    with page.expect_navigation():
        page.click("button:has-text('Sign off for IOM')")

    # Then the report is final
    expect(page.get_by_text("Signed off for IOM: the report is final.")).to_be_visible()
    expect(page.locator("[data-report-status]")).to_have_text("Final")
    report.refresh_from_db()
    assert report.status == Report.Status.FINAL
    log_out(page)

    # When the coordinator downloads the public XLSX from the home page's list
    log_in(page, live_server, "coordinator.t")
    page.goto(f"{live_server.url}/")
    row = page.locator(f"tr[data-report='{report.public_id}']")
    expect(row.locator(".report-status")).to_have_text("Final")
    expect(row.locator("a[data-edition=internal]")).to_have_count(0)  # the public edition only
    page.screenshot(path=SCREENSHOTS / "joint-report-home.png", full_page=True)
    with page.expect_download() as downloading:
        row.locator("a[data-edition=public]:has-text('XLSX')").click()
    download = downloading.value

    # Then it is the public edition of version 1, in English, and opens as a workbook
    assert download.suggested_filename == "joint-report-2017-v1-public-en.xlsx"
    saved = SCREENSHOTS / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    assert len(workbook.sheetnames) >= 2
    assert page.console_errors == []


def test_the_progress_bar_follows_a_computation_and_the_page_reloads_when_it_is_done(
    page, live_server, coordinator, unhcr_officer
):
    # Given a 2017 report waiting for a worker (queued as the request leaves it, before the task runs)
    register_2017(unhcr_officer, families=2)
    report = Report.objects.create(
        title="Joint UNHCR-IOM report on returns, 2017",
        period_start=datetime.date(2017, 1, 1),
        period_end=datetime.date(2017, 12, 31),
        cut_off=timezone.now(),
        version=1,
        requested_by=coordinator,
    )
    log_in(page, live_server, "coordinator.t")
    page.goto(f"{live_server.url}/reports/{report.public_id}/")
    expect(page.locator("progress#report-progress")).to_have_attribute("value", "0")
    expect(page.locator("[data-report-status]")).to_have_text("Queued")

    # When the worker computes it
    report_compute(report_id=report.pk, progress_every=0)

    # Then the page, polling, reloads itself and shows the draft with its bar full
    page.locator("[data-report-status=draft]").wait_for(timeout=10_000)
    expect(page.locator("progress#report-progress")).to_have_attribute("value", "100")
    expect(page.locator("[data-report-status]")).to_have_text("Draft, awaiting sign-off")
    assert page.console_errors == []

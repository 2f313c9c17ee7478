"""A border team's day: an IOM officer at Torkham enters the arrivals counted, in a real browser."""

import os
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from returns.models import BorderCount
from tests.browser.test_register_browser import log_in

# Screenshots for a human to look at: /tmp/counts-entry.png, /tmp/counts-grid.png, /tmp/counts-grid-rtl.png.
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", tempfile.gettempdir()))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# 250 arrivals from Pakistan: 180 deported, 70 spontaneous; 200 in families, 50 alone.
COUNTS = {
    "total": 250,
    "deported": 180,
    "spontaneous": 70,
    "in_families": 200,
    "individuals": 50,
    "female_0_4": 20,
    "female_5_11": 25,
    "female_12_17": 15,
    "female_18_59": 50,
    "female_60_plus": 5,
    "male_0_4": 20,
    "male_5_11": 25,
    "male_12_17": 20,
    "male_18_59": 65,
    "male_60_plus": 5,
}


def test_an_iom_officer_enters_a_days_counts_fixes_a_breakdown_and_sees_them_in_the_grid(
    page, live_server, iom_officer
):
    today = timezone.localdate()
    # Given an IOM field officer at Torkham, on the counts entry page
    log_in(page, live_server, "iom.officer.t")
    page.click("nav >> text=Enter counts")
    page.wait_for_url(f"{live_server.url}/counts/record/")
    assert page.input_value("select[name=crossing]") == "TKM"
    assert page.input_value("input[name=day]") == today.isoformat()

    # When they type the day's counts, with the deported miscounted by ten
    page.select_option("select[name=country]", "PK")
    for name, value in {**COUNTS, "deported": 170}.items():
        page.fill(f"input[name={name}]", str(value))
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Save the counts')")

    # Then the page says which breakdown does not add up, beside it, and nothing is saved
    group = page.locator("fieldset[data-breakdown=return_type]")
    expect(
        group.get_by_text("Deported and spontaneous add up to 240, not to the 250 arrivals: correct them or the total.")
    ).to_be_visible()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    assert not BorderCount.objects.exists()
    assert page.input_value("input[name=male_18_59]") == "65"  # what was typed is kept
    page.screenshot(path=SCREENSHOTS / "counts-entry.png", full_page=True)

    # When they fix it and save
    page.fill("input[name=deported]", "180")
    page.click("button[type=submit]:has-text('Save the counts')")

    # Then they land on Torkham's grid for the month, with the day's figures and the month's totals
    page.wait_for_url(f"{live_server.url}/counts/?crossing=TKM&month={today:%Y-%m}")
    expect(
        page.get_by_text(f"Counts for Torkham border crossing on {today.isoformat()} saved (version 1).")
    ).to_be_visible()
    row = page.locator(f"tr[data-day='{today.isoformat()}'] td")
    assert row.all_inner_texts() == [str(value) for value in COUNTS.values()]
    expect(page.locator("tr[data-totals] td[data-measure=total]")).to_have_text("250")
    page.screenshot(path=SCREENSHOTS / "counts-grid.png", full_page=True)
    # Correcting the day starts from the current figures and shows what it replaces
    page.locator(f"tr[data-day='{today.isoformat()}'] a:has-text('correct')").click()
    page.wait_for_url(f"{live_server.url}/counts/record/?*")
    expect(page.get_by_text("This day already has counts (version 1)")).to_be_visible()
    assert page.input_value("input[name=total]") == "250"
    page.screenshot(path=SCREENSHOTS / "counts-correction.png", full_page=True)
    page.go_back()
    # In Dari the grid reads right to left
    with page.expect_navigation():
        page.select_option("#language-select", "fa")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    page.screenshot(path=SCREENSHOTS / "counts-grid-rtl.png", full_page=True)
    count = BorderCount.objects.get()
    assert (count.crossing.code, count.country_id, count.version, count.total, count.deported) == (
        "TKM",
        "PK",
        1,
        250,
        180,
    )
    assert page.console_errors == []

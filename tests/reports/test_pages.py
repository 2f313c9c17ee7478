"""The joint report's pages: the coordinator's home, a report with its sign-off, comparison, downloads."""

import datetime
import io
import json
import zipfile

import openpyxl
import pytest
from django.utils import timezone

from agencies.models import Agency, Country, User
from reports.models import Report, ReportSignOff
from reports.services import report_sign_off
from returns.reference import reference_data
from returns.services.counts import border_count_record
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card
from tests.reports.test_services import computed, register_2017, requested
from tests.returns.test_border_counts import figures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def nrc_officer(db) -> User:
    return UserFactory(username="nrc.officer.p", agency=Agency.objects.get(code="NRC"), office=None)


def page(response) -> str:
    return response.content.decode()


def download_url(report: Report, edition: str, file_format: str) -> str:
    return f"/reports/{report.public_id}/download/{edition}.{file_format}"


# --- the home page --------------------------------------------------------------------------------


# Session, user; the reports (1) and their sign-offs (1); registered by status (1), counted at the border (1).
HOME_QUERIES = 6


def test_the_coordinators_home_shows_the_joint_report_the_years_totals_and_the_reports(
    client, coordinator, unhcr_officer, iom_officer, torkham, django_assert_num_queries
):
    # Given this year's arrivals: two PoR-card families (2 people each) and 100 people counted at Torkham
    today = timezone.localdate()
    for index in range(2):
        household_register(
            registered_by=unhcr_officer,
            registration=household(
                arrival_date=today,
                members=[
                    member(documents=[por_card(number=f"PK-H{index}")]),
                    member(relationship="spouse", sex="female"),
                ],
            ),
        )
    border_count_record(
        recorded_by=iom_officer, crossing=torkham, day=today, country=Country.objects.get(code="PK"), counts=figures()
    )
    draft = computed(coordinator)
    client.force_login(coordinator)
    reference_data()  # loaded once per process, not per page

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")

    assert response.status_code == 200
    assert response.templates[0].name == "reports/home.html"
    html = page(response)
    assert "Joint annual report" in html
    totals = response.context["totals"]
    assert totals["counted_at_border"] == 100
    assert totals["registered_total"] == 4
    assert {row["status"]: row["people"] for row in totals["registered"]} == {
        "registered_refugee": 0,
        "refugee_card": 4,
        "acc_holder": 0,
        "passport_visa": 0,
        "undocumented": 0,
    }
    assert f'href="/reports/{draft.public_id}/"' in html
    assert "Joint UNHCR-IOM report on returns, 2017" in html
    # A coordinator downloads the public edition only
    assert download_url(draft, "public", "xlsx") in html
    assert download_url(draft, "internal", "xlsx") not in html
    assert 'action="/reports/generate/"' in html
    assert '<a href="/reports/">Reports</a>' in html


def test_the_home_page_query_count_does_not_grow_with_the_reports(
    client, coordinator, unhcr_manager, django_assert_num_queries
):
    for _ in range(3):
        report_sign_off(report=computed(coordinator), signed_by=unhcr_manager)
    client.force_login(coordinator)
    reference_data()

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")

    assert len(response.context["reports"]) == 3


@pytest.mark.parametrize("user", ["unhcr_officer", "iom_manager", "nrc_officer"])
def test_everyone_elses_home_is_still_the_households_list(db, client, request, user):
    client.force_login(request.getfixturevalue(user))

    response = client.get("/")

    assert response.status_code == 200
    assert response.templates[0].name == "returns/household_list.html"
    assert "Joint annual report" not in page(response)


def test_the_reports_link_is_for_those_who_read_reports(client, unhcr_officer, nrc_officer):
    client.force_login(unhcr_officer)
    assert '<a href="/reports/">Reports</a>' in page(client.get("/households/"))
    client.force_login(nrc_officer)
    assert '<a href="/reports/">Reports</a>' not in page(client.get("/households/"))
    assert client.get("/reports/").context["page"].paginator.count == 0


# --- generating -----------------------------------------------------------------------------------


def test_a_coordinator_generates_the_2017_report_and_lands_on_it(
    client, coordinator, unhcr_officer, django_capture_on_commit_callbacks
):
    register_2017(unhcr_officer, families=2)
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/generate/", {"year": "2017", "reference_date": "arrival"})

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.public_id}/"
    assert (report.version, report.status, report.period_start, report.period_end) == (
        1,
        Report.Status.DRAFT,
        datetime.date(2017, 1, 1),
        datetime.date(2017, 12, 31),
    )
    detail = client.get(response["Location"])
    html = page(detail)
    assert "Joint UNHCR-IOM report on returns, 2017, version 1, requested: it is computed in the background." in html
    assert f"{report.cut_off.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC" in html
    assert '<progress id="report-progress" max="100" value="100"' in html
    assert report.checksum in html
    assert "Sign off for" not in html  # a coordinator does not sign off
    assert detail.context["edition"] == "public"


def test_a_period_of_more_than_a_year_is_refused_beside_the_end_date_and_nothing_is_generated(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        "/reports/generate/",
        {"period_start": "2016-01-01", "period_end": "2017-06-30", "reference_date": "arrival"},
    )

    assert response.status_code == 400
    assert response.context["request_form"].errors == {
        "period_end": ["A report covers at most a year (366 days): choose an end date within a year of the start."]
    }
    assert "Nothing was generated: correct what is marked below." in page(response)
    assert not Report.objects.exists()


def test_a_year_and_dates_together_or_neither_are_refused(client, coordinator):
    client.force_login(coordinator)

    both = client.post(
        "/reports/generate/", {"year": "2017", "period_start": "2017-01-01", "reference_date": "arrival"}
    )
    neither = client.post("/reports/generate/", {"reference_date": "arrival"})

    assert both.context["request_form"].errors == {
        "__all__": ["Give a year, or the first and last days of the period, not both."]
    }
    assert neither.context["request_form"].errors == {
        "period_start": ["Enter the first day of the period, or give a year."],
        "period_end": ["Enter the last day of the period, or give a year."],
    }
    assert not Report.objects.exists()


def test_a_cut_off_is_read_as_utc(client, coordinator, django_capture_on_commit_callbacks):
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/reports/generate/", {"year": "2017", "reference_date": "arrival", "cut_off": "2018-02-01T00:00"})

    assert Report.objects.get().cut_off == datetime.datetime(2018, 2, 1, tzinfo=datetime.UTC)


@pytest.mark.parametrize("user", ["unhcr_officer", "unhcr_manager"])
def test_staff_cannot_generate(db, client, request, user):
    client.force_login(request.getfixturevalue(user))

    response = client.post("/reports/generate/", {"year": "2017", "reference_date": "arrival"})

    assert response.status_code == 403
    assert not Report.objects.exists()


# --- a report, its progress and its sign-off ------------------------------------------------------


def test_a_queued_report_shows_its_progress_and_polls_for_it(client, coordinator):
    report = requested(coordinator)
    client.force_login(coordinator)

    html = page(client.get(f"/reports/{report.public_id}/"))
    progress = client.get(f"/reports/{report.public_id}/progress.json").json()

    assert '<progress id="report-progress" max="100" value="0"' in html
    assert f'data-progress-url="/reports/{report.public_id}/progress.json"' in html
    assert "reports/report-progress.js" in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert progress == {"status": "queued", "status_display": "Queued", "progress": 0, "step": "", "done": False}


def test_managers_of_unhcr_and_iom_sign_the_report_off_on_its_page(client, coordinator, unhcr_manager, iom_manager):
    report = computed(coordinator)
    url = f"/reports/{report.public_id}/"

    client.force_login(unhcr_manager)
    html = page(client.get(url))
    assert "Sign off for UNHCR" in html
    assert client.get(url).context["edition"] == "internal"
    signed = client.post(f"{url}sign-off/", {"note": "Checked."}, follow=True)
    assert "Signed off for UNHCR: the other agency&#x27;s manager signs next." in page(signed)
    assert "Sign off for UNHCR" not in page(signed)

    client.force_login(iom_manager)
    signed = client.post(f"{url}sign-off/", {"note": ""}, follow=True)
    assert "Signed off for IOM: the report is final." in page(signed)
    report.refresh_from_db()
    assert report.status == Report.Status.FINAL
    assert "Final since" in page(signed)
    assert list(report.sign_offs.values_list("agency__code", "note")) == [("UNHCR", "Checked."), ("IOM", "")]


def test_a_second_sign_off_for_the_same_agency_is_refused_on_the_page(client, coordinator, unhcr, unhcr_manager):
    report = computed(coordinator)
    report_sign_off(report=report, signed_by=unhcr_manager)
    other = UserFactory(username="unhcr.manager.p2", agency=unhcr, office=None, role=User.Role.MANAGER)
    client.force_login(other)

    response = client.post(f"/reports/{report.public_id}/sign-off/", {"note": ""})

    assert response.status_code == 400
    assert "UNHCR has already signed off this version" in page(response)
    assert ReportSignOff.objects.count() == 1


def test_a_coordinator_cannot_sign_off(client, coordinator):
    report = computed(coordinator)
    client.force_login(coordinator)

    response = client.post(f"/reports/{report.public_id}/sign-off/", {"note": ""})

    assert response.status_code == 403
    assert not ReportSignOff.objects.exists()
    assert Report.objects.get().status == Report.Status.DRAFT


def test_a_report_of_another_kind_of_user_is_not_found(client, coordinator, nrc_officer):
    report = computed(coordinator)
    client.force_login(nrc_officer)

    assert client.get(f"/reports/{report.public_id}/").status_code == 404
    assert client.get(f"/reports/{report.public_id}/progress.json").status_code == 404
    assert client.get(download_url(report, "public", "pdf")).status_code == 404


# --- comparing ------------------------------------------------------------------------------------


def test_two_versions_compared_highlight_the_changed_figures(client, coordinator, unhcr_officer):
    register_2017(unhcr_officer, families=3)
    older = computed(coordinator)
    register_2017(unhcr_officer, families=2, arrival=datetime.date(2017, 8, 1))
    newer = computed(coordinator)
    client.force_login(coordinator)

    chosen = client.get(f"/reports/{newer.public_id}/compare/", {"other": str(older.public_id)})
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/reports/{newer.public_id}/compare/{older.public_id}/"
    response = client.get(chosen["Location"])

    assert response.status_code == 200
    assert (response.context["older"], response.context["newer"]) == (older, newer)
    changed = response.context["changed_cells"]
    assert changed > 0
    assert page(response).count('data-changed="true"') == changed
    detail = page(client.get(f"/reports/{newer.public_id}/"))
    assert f'<option value="{older.public_id}">version 1</option>' in detail


# --- downloads ------------------------------------------------------------------------------------


def test_a_coordinator_downloads_the_public_xlsx_named_after_period_version_edition_and_language(
    client, coordinator, unhcr_officer
):
    register_2017(unhcr_officer, families=2)
    report = computed(coordinator)
    client.force_login(coordinator)

    response = client.get(download_url(report, "public", "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="joint-report-2017-v1-public-en.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) >= 2


def test_the_other_formats_and_a_language_asked_for(client, coordinator, unhcr_manager):
    report = computed(coordinator)
    client.force_login(unhcr_manager)

    pdf = client.get(download_url(report, "internal", "pdf"), {"lang": "fa"})
    csv_zip = client.get(download_url(report, "internal", "zip"))
    as_json = client.get(download_url(report, "public", "json"), {"lang": "ps"})

    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == 'attachment; filename="joint-report-2017-v1-internal-fa.pdf"'
    assert csv_zip["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(csv_zip.content)).namelist()
    assert as_json["Content-Type"] == "application/json"
    assert as_json["Content-Disposition"] == 'attachment; filename="joint-report-2017-v1-public-ps.json"'
    assert json.loads(as_json.content)["edition"] == "public"
    assert json.loads(client.get(download_url(report, "internal", "json")).content)["edition"] == "internal"


def test_the_internal_edition_is_forbidden_to_a_coordinator(client, coordinator):
    report = computed(coordinator)
    client.force_login(coordinator)

    assert client.get(download_url(report, "internal", "xlsx")).status_code == 403
    assert client.get(download_url(report, "public", "docx")).status_code == 404


def test_a_report_not_computed_yet_has_no_download(client, coordinator):
    report = requested(coordinator)
    client.force_login(coordinator)

    assert client.get(download_url(report, "public", "pdf")).status_code == 404

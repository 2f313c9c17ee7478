"""The caseload as files (CSV, XLSX): its cases as the manager filtered them, and the assistance
recorded for them; for managers only, never a formula, every case sent in the access log as an export."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessLogEntry, Office, User
from returns.models import AssistanceType, Case, Member
from returns.services.cases import assistance_record
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card

pytestmark = pytest.mark.django_db
CASES_CSV = reverse("returns:caseload-export-csv")
CASES_XLSX = reverse("returns:caseload-export-xlsx")
ASSISTANCE_CSV = reverse("returns:caseload-assistance-export-csv")
ASSISTANCE_XLSX = reverse("returns:caseload-assistance-export-xlsx")
EVERY_EXPORT = [CASES_CSV, CASES_XLSX, ASSISTANCE_CSV, ASSISTANCE_XLSX]
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CASE_HEADER = [
    "Case id",
    "Case number",
    "Registration number",
    "Workflow",
    "Stage",
    "Status",
    "Outcome",
    "Office",
    "Head of household",
    "Head of household (Dari or Pashto)",
    "Members",
    "Arrival date",
    "Assigned to",
    "Stage due",
    "Overdue",
    "Vulnerable",
    "Opened on",
    "Closed on",
]
ASSISTANCE_HEADER = [
    "Case id",
    "Case number",
    "Registration number",
    "Assistance",
    "Member",
    "Quantity",
    "Unit",
    "Value",
    "Currency",
    "Delivered on",
    "Office",
    "Approval",
    "Recorded by",
    "Approved or rejected by",
]


def today() -> datetime.date:
    return timezone.localdate()


def days(count: int) -> datetime.date:
    return today() + datetime.timedelta(days=count)


def register(officer: User, *heads, arrival_date=None, **registration) -> Case:
    registered = household_register(
        registered_by=officer, registration=household(members=list(heads), arrival_date=arrival_date, **registration)
    )
    return Case.objects.get(household=registered)


@pytest.fixture
def worker(unhcr, torkham) -> User:
    return UserFactory(
        username="worker.export",
        first_name="Farida",
        last_name="Noori",
        agency=unhcr,
        office=torkham,
        role=User.Role.CASE_WORKER,
    )


@pytest.fixture
def caseload(unhcr_officer, iom_officer, worker):
    """Three UNHCR cases (two open, one closed) and an IOM case; assistance on the first and the third."""
    naveed = register(
        unhcr_officer,
        member(given_name="Naveed", fathers_name="Rahim", given_name_local="نوید", documents=[por_card()]),
        member(relationship="son", given_name="Wali", fathers_name="Naveed", age=9),
        arrival_date=days(-3),
    )
    formula = register(
        unhcr_officer,
        member(given_name='=HYPERLINK("http://x")', fathers_name="Rahim", documents=[por_card()]),
        arrival_date=days(-2),
    )
    closed = register(
        unhcr_officer, member(given_name="Karim", fathers_name="Aziz", documents=[por_card()]), arrival_date=days(-9)
    )
    iom = register(
        iom_officer,
        member(given_name="Nazir", fathers_name="Habib"),
        country_of_departure="IR",
        return_type="deportation",
        destination_province="AF30",
    )
    # Due dates put the formula's case first (and overdue), Naveed's second; the closed one has none.
    Case.objects.filter(pk=naveed.pk).update(stage_due_date=days(1), assigned_to=worker, is_vulnerable=True)
    Case.objects.filter(pk=formula.pk).update(stage_due_date=days(-2))
    wali = Member.objects.get(household_id=naveed.household_id, given_name="Wali")
    grant = assistance_record(
        case=naveed,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="cash_grant"),
        delivered_on=days(-2),
        office=naveed.office,
        value=Decimal("20.00"),
        currency="USD",
    )
    screening = assistance_record(
        case=naveed,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="health_screening"),
        delivered_on=days(-1),
        office=naveed.office,
        quantity=Decimal(4),
        member=wali,
    )
    closed_screening = assistance_record(
        case=closed,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="health_screening"),
        delivered_on=days(-8),
        office=closed.office,
    )
    Case.objects.filter(pk=closed.pk).update(
        stage="closed", stage_due_date=None, closed_at=timezone.now(), outcome=Case.Outcome.ASSISTED
    )
    return {
        "naveed": Case.objects.get(pk=naveed.pk),
        "formula": Case.objects.get(pk=formula.pk),
        "closed": Case.objects.get(pk=closed.pk),
        "iom": iom,
        "grant": grant,
        "screening": screening,
        "closed_screening": closed_screening,
    }


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_sheet(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def exports_logged() -> list[tuple]:
    return [
        (entry.kind, sorted(map(str, entry.record_ids)), entry.user.username, entry.endpoint)
        for entry in AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).order_by("id")
    ]


def ids(*cases: Case) -> list[str]:
    return sorted(str(case.public_id) for case in cases)


def test_a_manager_exports_the_open_cases_of_the_caseload_as_csv_and_each_case_is_logged(
    client, unhcr_manager, caseload, torkham
):
    naveed, formula = caseload["naveed"], caseload["formula"]
    client.force_login(unhcr_manager)

    response = client.get(CASES_CSV)

    assert response["Content-Disposition"] == f'attachment; filename="cases-{today().isoformat()}.csv"'
    assert response["Cache-Control"] == "no-store"
    header, *rows = csv_rows(response)
    assert header == CASE_HEADER
    # In the caseload's order (due date first), open cases only when no filter is given.
    assert rows == [
        [
            str(formula.public_id),
            formula.case_number,
            formula.household.registration_number,
            "UNHCR voluntary repatriation",
            "Document and iris verification",
            "Open",
            "",
            torkham.name,
            '\'=HYPERLINK("http://x") Rahim',
            "",
            "1",
            days(-2).isoformat(),
            "",
            days(-2).isoformat(),
            "Yes",
            "No",
            today().isoformat(),
            "",
        ],
        [
            str(naveed.public_id),
            naveed.case_number,
            naveed.household.registration_number,
            "UNHCR voluntary repatriation",
            "Document and iris verification",
            "Open",
            "",
            torkham.name,
            "Naveed Rahim",
            "نوید",
            "2",
            days(-3).isoformat(),
            "Farida Noori",
            days(1).isoformat(),
            "No",
            "Yes",
            today().isoformat(),
            "",
        ],
    ]
    assert exports_logged() == [
        ("case", ids(naveed, formula), "unhcr.manager.t", "returns:caseload-export-csv"),
    ]


def test_the_caseload_filters_choose_the_cases(client, unhcr_manager, caseload, worker):
    naveed, formula, closed = caseload["naveed"], caseload["formula"], caseload["closed"]
    client.force_login(unhcr_manager)

    def exported(**params) -> list[str]:
        return [row[1] for row in csv_rows(client.get(CASES_CSV, params))[1:]]

    assert exported(open="false") == [closed.case_number]
    assert exported(open="unknown") == [formula.case_number, naveed.case_number, closed.case_number]
    assert exported(assigned_to=worker.username) == [naveed.case_number]
    assert exported(overdue="true") == [formula.case_number]
    assert exported(q=closed.household.registration_number) == [closed.case_number]
    # A filter that is not the page's (a date) keeps the caseload's default: open cases.
    assert exported(arrival_from=days(-9).isoformat(), arrival_to=days(-3).isoformat()) == [naveed.case_number]
    # The page's paging is not a filter.
    assert exported(page="2", overdue_page="3") == [formula.case_number, naveed.case_number]


def test_another_agencys_cases_and_assistance_are_not_in_the_files(client, unhcr_manager, iom_manager, caseload):
    iom = caseload["iom"]
    client.force_login(unhcr_manager)

    every_case = csv_rows(client.get(CASES_CSV, {"open": "unknown"}))[1:]
    searched = csv_rows(client.get(CASES_CSV, {"q": iom.case_number}))

    assert str(iom.public_id) not in {row[0] for row in every_case}
    assert len(every_case) == 3
    assert searched == [CASE_HEADER]
    client.force_login(iom_manager)
    assert [row[0] for row in csv_rows(client.get(CASES_CSV))[1:]] == [str(iom.public_id)]
    assert csv_rows(client.get(ASSISTANCE_CSV)) == [ASSISTANCE_HEADER]


def test_the_assistance_recorded_for_the_filtered_cases_one_row_a_delivery(client, unhcr_manager, caseload, torkham):
    naveed, closed = caseload["naveed"], caseload["closed"]
    client.force_login(unhcr_manager)

    response = client.get(ASSISTANCE_CSV)
    header, *rows = csv_rows(response)
    every_case = csv_rows(client.get(ASSISTANCE_CSV, {"open": "unknown"}))

    assert response["Content-Disposition"] == f'attachment; filename="case-assistance-{today().isoformat()}.csv"'
    assert header == ASSISTANCE_HEADER
    common = [str(naveed.public_id), naveed.case_number, naveed.household.registration_number]
    # The open cases' (the caseload's default), each case's by delivery date.
    assert rows == [
        [
            *common,
            "Repatriation cash grant",
            "",
            "1.00",
            "household",
            "20.00",
            "USD",
            days(-2).isoformat(),
            torkham.name,
            "Waiting for approval",
            "Farida Noori",
            "",
        ],
        [
            *common,
            "Health screening and vaccination",
            "Wali Naveed",
            "4.00",
            "person",
            "",
            "",
            days(-1).isoformat(),
            torkham.name,
            "No approval needed",
            "Farida Noori",
            "",
        ],
    ]
    assert [row[1] for row in every_case[1:]] == [naveed.case_number, naveed.case_number, closed.case_number]
    assert exports_logged() == [
        ("case", ids(naveed), "unhcr.manager.t", "returns:caseload-assistance-export-csv"),
        ("case", ids(naveed, closed), "unhcr.manager.t", "returns:caseload-assistance-export-csv"),
    ]


def test_xlsx_holds_the_same_rows_with_dates_and_numbers_typed(client, unhcr_manager, caseload):
    naveed = caseload["naveed"]
    client.force_login(unhcr_manager)

    cases = xlsx_sheet(client.get(CASES_XLSX))
    assistance = xlsx_sheet(client.get(ASSISTANCE_XLSX))

    assert cases.freeze_panes == "A2"
    assert [cell.value for cell in cases[1]] == CASE_HEADER
    rows = {row[0]: row for row in cases.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 2
    row = rows[str(naveed.public_id)]
    assert (row[8], row[10], row[11].date(), row[13].date(), row[16].date(), row[17]) == (
        "Naveed Rahim",
        2,
        days(-3),
        days(1),
        today(),
        None,
    )
    assert [cell.value for cell in assistance[1]] == ASSISTANCE_HEADER
    grant, screening = assistance.iter_rows(min_row=2, values_only=True)
    assert (grant[5], grant[7], grant[8], grant[9].date()) == (1, 20, "USD", days(-2))
    assert (screening[4], screening[5], screening[7]) == ("Wali Naveed", 4, None)
    assert [entry[0:2] for entry in exports_logged()] == [
        ("case", ids(naveed, caseload["formula"])),
        ("case", ids(naveed)),
    ]


def test_a_name_typed_as_a_formula_is_written_as_text(client, unhcr_manager, caseload):
    formula = caseload["formula"]
    client.force_login(unhcr_manager)

    rows = csv_rows(client.get(CASES_CSV, {"q": formula.case_number}))
    sheet = xlsx_sheet(client.get(CASES_XLSX, {"q": formula.case_number}))

    assert rows[1][8] == '\'=HYPERLINK("http://x") Rahim'
    [row] = sheet.iter_rows(min_row=2, values_only=True)
    assert row[8] == '\'=HYPERLINK("http://x") Rahim'
    assert all(cell.data_type != "f" for sheet_row in sheet.iter_rows() for cell in sheet_row)


@pytest.mark.parametrize("url", EVERY_EXPORT)
def test_a_case_worker_or_a_field_officer_may_not_export_and_nothing_is_logged(
    client, worker, unhcr_officer, caseload, url
):
    for refused in (worker, unhcr_officer):
        client.force_login(refused)

        response = client.get(url)

        assert response.status_code == 403
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (CASES_CSV, "More than 1 cases match: narrow the filters and export again."),
        (ASSISTANCE_XLSX, "More than 1 assistance records match: narrow the filters and export again."),
    ],
)
def test_too_many_rows_is_refused_with_a_message_back_on_the_filtered_caseload(
    client, unhcr_manager, caseload, monkeypatch, url, message
):
    client.force_login(unhcr_manager)
    monkeypatch.setattr("returns.views.case_exports.EXPORT_MAX_ROWS", 1)

    response = client.get(url, {"stage": "verification", "page": "2"}, follow=True)

    assert response.redirect_chain == [(reverse("returns:caseload") + "?stage=verification#cases", 302)]
    assert message in response.content.decode()
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


def test_one_case_under_the_limit_is_sent(client, unhcr_manager, caseload, monkeypatch):
    client.force_login(unhcr_manager)
    monkeypatch.setattr("returns.views.case_exports.EXPORT_MAX_ROWS", 1)

    rows = csv_rows(client.get(CASES_CSV, {"q": caseload["naveed"].case_number}))

    assert [row[1] for row in rows[1:]] == [caseload["naveed"].case_number]


def test_the_caseload_offers_the_files_with_its_filters(client, unhcr_manager, caseload):
    client.force_login(unhcr_manager)

    page = client.get(reverse("returns:caseload"), {"stage": "verification", "page": "1"}).content.decode()

    for url in EVERY_EXPORT:
        assert f'href="{url}?stage=verification"' in page


@pytest.mark.parametrize("url", [CASES_CSV, ASSISTANCE_CSV])
def test_the_files_are_read_in_a_fixed_number_of_queries(
    client, unhcr_manager, unhcr_officer, worker, caseload, django_assert_num_queries, url
):
    client.force_login(unhcr_manager)
    b"".join(client.get(url).streaming_content)  # sessions and reference data warmed

    # The session and its user, the cap, the rows, the access log row: whatever the number of cases.
    with django_assert_num_queries(5):
        first = b"".join(client.get(url).streaming_content)
    for index in range(3):
        more = register(unhcr_officer, member(given_name=f"Extra{index}", documents=[por_card()]))
        assistance_record(
            case=more,
            recorded_by=worker,
            assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="health_screening"),
            delivered_on=today(),
            office=Office.objects.get(code="TKM"),
        )
    with django_assert_num_queries(5):
        second = b"".join(client.get(url).streaming_content)
    assert second.count(b"\n") == first.count(b"\n") + 3

"""Households exported from KoboToolbox with a repeat group: the submissions' sheet and the members'
sheet read as one file, each problem given in the sheet and row the officer will find it in."""

import io

import openpyxl
import pytest

from agencies.models import Agency, Office, User
from returns.models import Household, ImportBatch, Member
from returns.services.imports import import_rejected_rows, import_run, import_start, import_upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAIN = [
    "start",
    "end",
    "household_info/arrival_date",
    "household_info/office",
    "household_info/country_of_departure",
    "household_info/return_type",
    "household_info/destination_province",
    "household_info/phone",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]
REPEAT = [
    "members/given_name",
    "members/fathers_name",
    "members/sex",
    "members/relationship",
    "members/estimated_age",
    "members/specific_needs",
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
]


def submission(index: int, **cells) -> list:
    values = {
        "start": "2025-11-01T08:00:00.000+04:30",
        "end": "2025-11-01T08:10:00.000+04:30",
        "household_info/arrival_date": "2025-11-01",
        "household_info/office": "TKM",
        "household_info/country_of_departure": "PK",
        "household_info/return_type": "voluntary_repatriation",
        "household_info/destination_province": "AF06",
        "household_info/phone": "0700123456",
        "_id": 1000 + index,
        "_uuid": f"uuid-{index}",
        "_submission_time": "2025-11-01T04:00:00",
        "_index": index,
        **cells,
    }
    return [values[column] for column in MAIN]


def person(index: int, parent: int, given: str, **cells) -> list:
    values = {
        "members/given_name": given,
        "members/fathers_name": "Gul",
        "members/sex": "male",
        "members/relationship": "head",
        "members/estimated_age": 35,
        "members/specific_needs": "",
        "_index": index,
        "_parent_table_name": "returnees",
        "_parent_index": parent,
        "_submission__id": 1000 + parent,
        **cells,
    }
    return [values[column] for column in REPEAT]


def kobo_workbook(submissions: list[list], people: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    main = workbook.active
    main.title = "returnees"
    main.append(MAIN)
    for values in submissions:
        main.append(values)
    repeat = workbook.create_sheet("members")
    repeat.append(REPEAT)
    for values in people:
        repeat.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def officer():
    return UserFactory(
        username="officer.kobo",
        agency=Agency.objects.get(code="UNHCR"),
        office=Office.objects.get(code="TKM"),
        role=User.Role.FIELD_OFFICER,
    )


def test_a_kobo_export_with_a_repeat_group_imports_each_submission_as_a_household(
    officer, django_capture_on_commit_callbacks
):
    content = kobo_workbook(
        [submission(1), submission(2, **{"household_info/office": "tkm"})],
        [
            person(1, 1, "Naveed"),
            person(2, 1, "Wali", **{"members/relationship": "son", "members/estimated_age": 9}),
            person(3, 2, "Zarmina", **{"members/sex": "female", "members/specific_needs": "WR DS"}),
        ],
    )

    batch = import_upload(uploaded_by=officer, file_name="kobo.xlsx", content=content, mode="all_or_nothing")

    # Kobo's own columns (start, end, _id, _uuid...) are not reported as extra columns.
    assert (batch.status, batch.rows_total, batch.households_total, batch.households_valid, batch.problems) == (
        ImportBatch.Status.VALIDATED,
        3,
        2,
        2,
        [],
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_start(batch=batch, started_by=officer)
    batch.refresh_from_db()
    assert (batch.status, batch.households_done) == (ImportBatch.Status.DONE, 2)
    households = list(Household.objects.order_by("id"))
    assert [[member.given_name for member in household.members.order_by("id")] for household in households] == [
        ["Naveed", "Wali"],
        ["Zarmina"],
    ]
    assert [household.phone for household in households] == ["0700123456", "0700123456"]
    zarmina = Member.objects.get(given_name="Zarmina")
    assert list(zarmina.specific_needs.values_list("code", flat=True).order_by("code")) == ["DS", "WR"]


def test_problems_are_given_in_the_sheet_and_row_where_they_are(officer):
    content = kobo_workbook(
        [
            submission(1, **{"household_info/arrival_date": "31/02/2025"}),
            submission(2),
            submission(3),  # no member: left out, and said
        ],
        [
            person(1, 1, "Naveed"),
            person(2, 2, "Zarmina", **{"members/sex": "unknown"}),
        ],
    )

    batch = import_upload(uploaded_by=officer, file_name="kobo.xlsx", content=content, mode="all_or_nothing")

    assert batch.status == ImportBatch.Status.INVALID
    assert [(problem["sheet"], problem["row"], problem["column"]) for problem in batch.problems] == [
        ("returnees", 2, "arrival_date"),
        ("members", 3, "sex"),
        ("returnees", 4, "_index"),
    ]
    assert batch.problems[2]["message"] == "This submission has no row in the sheet “members”: it was left out."
    assert Household.objects.count() == 0


def test_a_submission_without_members_stops_an_all_or_nothing_import_but_not_valid_rows(officer):
    content = kobo_workbook([submission(1), submission(2)], [person(1, 1, "Naveed")])

    strict = import_upload(uploaded_by=officer, file_name="kobo.xlsx", content=content, mode="all_or_nothing")
    lenient = import_upload(uploaded_by=officer, file_name="kobo.xlsx", content=content, mode="valid_rows")

    assert (strict.status, lenient.status) == (ImportBatch.Status.INVALID, ImportBatch.Status.VALIDATED)
    lenient.status = ImportBatch.Status.QUEUED
    lenient.save(update_fields=["status"])
    import_run(lenient.pk)
    assert list(Member.objects.values_list("given_name", flat=True)) == ["Naveed"]


def test_the_rows_left_out_come_back_in_the_templates_layout(officer):
    content = kobo_workbook(
        [submission(1), submission(2)],
        [person(1, 1, "Naveed"), person(2, 2, "Zarmina", **{"members/sex": "unknown"})],
    )
    batch = import_upload(uploaded_by=officer, file_name="kobo.xlsx", content=content, mode="valid_rows")

    header, rows = import_rejected_rows(batch)

    assert header[0] == "household" and header[-1] == "problems"
    assert len(rows) == 1
    cells = dict(zip(header, rows[0], strict=True))
    assert (cells["household"], cells["given_name"], cells["office"], cells["sex"]) == (
        "2",
        "Zarmina",
        "TKM",
        "unknown",
    )
    assert cells["problems"].startswith("sex: ")

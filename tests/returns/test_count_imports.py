"""Importing daily border counts: one row per crossing, day and country, each checked as the counts page
checks one and recorded by ``border_count_record`` as the next version of its day, once."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Country, Office, User
from returns import policy
from returns.models import BorderCount, ImportBatch
from returns.models.counts import MEASURES
from returns.services.counts import border_count_record
from returns.services.imports import import_rejected_rows, import_run, import_start, import_upload
from tests.factories import UserFactory
from tests.returns.test_border_counts import MONDAY, NOTE, figures

pytestmark = pytest.mark.django_db

COUNTS = ImportBatch.Kind.BORDER_COUNTS
HEADER = [
    "crossing",
    "day",
    "country_of_departure",
    "total",
    "deported",
    "spontaneous",
    "in_families",
    "individuals",
    "female_0_4",
    "female_5_11",
    "female_12_17",
    "female_18_59",
    "female_60_plus",
    "male_0_4",
    "male_5_11",
    "male_12_17",
    "male_18_59",
    "male_60_plus",
    "note",
]


NOBODY = dict.fromkeys(MEASURES, 0)


def row(*, crossing="TKM", day=MONDAY, country="PK", note="", **changes) -> dict[str, str]:
    day_text = day.isoformat() if isinstance(day, datetime.date) else day
    cells = {name: str(value) for name, value in figures(**changes).items()}
    return {"crossing": crossing, "day": day_text, "country_of_departure": country, "note": note, **cells}


def csv_of(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    for cells in rows:
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def uploaded(user, content: bytes, *, mode: str = "all_or_nothing") -> ImportBatch:
    return import_upload(uploaded_by=user, file_name="counts.csv", content=content, mode=mode, kind=COUNTS)


def imported(user, content: bytes, *, mode: str = "all_or_nothing") -> ImportBatch:
    """Upload, confirm and run the job, as the officer and the worker would."""
    batch = uploaded(user, content, mode=mode)
    import_start(batch=batch, started_by=user)
    return import_run(batch.pk)


def stored() -> list[tuple]:
    return sorted(BorderCount.objects.values_list("crossing__code", "day", "country_id", "version", "total", "note"))


@pytest.fixture
def pakistan(db) -> Country:
    return Country.objects.get(code="PK")


# ---------------------------------------------------------------------------------------------
# A clean file
# ---------------------------------------------------------------------------------------------


def test_a_clean_file_records_each_row_as_version_one_by_the_uploader(iom_officer, torkham, islam_qala):
    content = csv_of(
        row(),
        row(country="IR", **NOBODY),
        # Codes in either case.
        row(
            crossing="iql",
            day=MONDAY + datetime.timedelta(days=1),
            country="pk",
            total=101,
            spontaneous=41,
            individuals=31,
            male_60_plus=4,
        ),
    )

    batch = uploaded(iom_officer, content)
    assert (batch.kind, batch.status, batch.rows_total, batch.households_total, batch.households_valid) == (
        COUNTS,
        ImportBatch.Status.VALIDATED,
        3,
        3,
        3,
    )
    assert batch.problems == []
    assert stored() == []
    import_start(batch=batch, started_by=iom_officer)
    done = import_run(batch.pk)

    assert (done.status, done.households_done, bytes(done.content)) == (ImportBatch.Status.DONE, 3, b"")
    counts = list(BorderCount.objects.order_by("import_position"))
    assert [
        (
            count.crossing_id,
            count.day,
            count.country_id,
            count.version,
            count.note,
            count.import_batch_id,
            count.import_position,
            count.recorded_by_id,
        )
        for count in counts
    ] == [
        (torkham.pk, MONDAY, "PK", 1, "", batch.pk, 0, iom_officer.pk),
        (torkham.pk, MONDAY, "IR", 1, "", batch.pk, 1, iom_officer.pk),
        (islam_qala.pk, MONDAY + datetime.timedelta(days=1), "PK", 1, "", batch.pk, 2, iom_officer.pk),
    ]
    assert [{name: getattr(count, name) for name in MEASURES} for count in counts] == [
        figures(),
        NOBODY,
        figures(total=101, spontaneous=41, individuals=31, male_60_plus=4),
    ]
    assert all(count.recorded_at.utcoffset() == datetime.timedelta(0) for count in counts)


def _run_queries(user, content: bytes) -> list[str]:
    batch = uploaded(user, content)
    import_start(batch=batch, started_by=user)
    with CaptureQueriesContext(connection) as queries:
        assert import_run(batch.pk).status == ImportBatch.Status.DONE
    return [query["sql"] for query in queries.captured_queries]


def test_an_import_records_its_counts_in_one_insert_whatever_their_number(iom_officer, torkham, islam_qala):
    few = _run_queries(iom_officer, csv_of(row(), row(country="IR")))
    BorderCount.objects.all().delete()  # the test's own rows, for the second file
    days = [MONDAY - datetime.timedelta(days=back) for back in range(20)]
    many = _run_queries(
        iom_officer,
        csv_of(*(row(crossing=crossing, day=day) for crossing in ("TKM", "IQL") for day in days)),
    )

    assert len(many) == len(few)
    inserts = [sql for sql in many if sql.startswith('INSERT INTO "returns_bordercount"')]
    assert len(inserts) == 1
    assert BorderCount.objects.count() == 40
    assert sorted(BorderCount.objects.values_list("import_position", flat=True)) == list(range(40))


def test_an_imported_count_is_what_the_counts_page_would_record(iom_officer, torkham, pakistan):
    sunday = MONDAY - datetime.timedelta(days=1)
    typed = border_count_record(
        recorded_by=iom_officer, crossing=torkham, day=sunday, country=pakistan, counts=figures()
    )

    batch = imported(iom_officer, csv_of(row()))

    count = BorderCount.objects.get(day=MONDAY)
    fields = ["crossing_id", "country_id", "version", "note", "recorded_by_id", *MEASURES]
    assert {name: getattr(count, name) for name in fields} == {name: getattr(typed, name) for name in fields}
    assert (count.import_batch_id, count.import_position, typed.import_batch_id, typed.import_position) == (
        batch.pk,
        0,
        None,
        None,
    )


def test_numbers_written_with_thousands_separators_are_read(iom_officer):
    content = csv_of(
        row(
            total="1,200",
            deported="1,000",
            spontaneous="200",
            in_families="1 100",
            individuals="100",
            male_18_59="1,095",
            female_0_4="5",
            female_5_11="0",
            female_12_17="0",
            female_18_59="100",
            female_60_plus="0",
            male_0_4="0",
            male_5_11="0",
            male_12_17="0",
            male_60_plus="0",
        )
    )

    done = imported(iom_officer, content)

    assert (done.status, done.problems) == (ImportBatch.Status.DONE, [])
    count = BorderCount.objects.get()
    assert (count.total, count.deported, count.in_families, count.male_18_59) == (1200, 1000, 1100, 1095)


# ---------------------------------------------------------------------------------------------
# Problems: each at its row and column, in the counts page's words; nothing saved
# ---------------------------------------------------------------------------------------------


def test_a_breakdown_that_does_not_add_up_is_said_at_its_first_column(client, iom_officer):
    content = csv_of(row(deported=61, in_families=69, male_18_59=34))

    batch = uploaded(iom_officer, content)

    assert batch.problems == [
        {
            "row": 2,
            "column": "deported",
            "message": "Deported and spontaneous add up to 101, not to the 100 arrivals: correct them or the total.",
        },
        {
            "row": 2,
            "column": "in_families",
            "message": "In families and individuals add up to 99, not to the 100 arrivals: correct them or the total.",
        },
        {
            "row": 2,
            "column": "female_0_4",
            "message": "The counts by sex and age add up to 99, not to the 100 arrivals: correct them or the total.",
        },
    ]
    assert (batch.status, batch.households_valid) == (ImportBatch.Status.INVALID, 0)
    # The entry page says the same of the same figures.
    client.force_login(iom_officer)
    page = client.post(
        reverse("returns:border-count-record"),
        {"crossing": "TKM", "day": MONDAY.isoformat(), "country": "PK", "note": "", **figures(deported=61)},
    ).content.decode()
    assert batch.problems[0]["message"] in page
    assert stored() == []


def test_unknown_and_wrong_codes_a_future_day_and_unreadable_numbers_are_said(iom_officer):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    airport = Office.objects.get(code="KBA")
    assert airport.kind != Office.Kind.BORDER_CROSSING
    content = csv_of(
        row(crossing="XYZ"),  # row 2
        row(crossing="KBA"),
        row(country="XX"),
        row(day=tomorrow),  # row 5
        row(day="31/02/2026"),
        row(total="many", deported="=1+1"),  # row 7: unreadable, so the breakdowns are not added up
        row(female_0_4="-1", female_5_11="12"),
        row(day=MONDAY - datetime.timedelta(days=1)),  # row 9: right
    )

    batch = uploaded(iom_officer, content)

    assert batch.problems == [
        {"row": 2, "column": "crossing", "message": "Unknown office code: write the crossing's code, e.g. TKM."},
        {
            "row": 3,
            "column": "crossing",
            "message": "Kabul airport is not a border crossing point: choose the crossing where the arrivals were "
            "counted.",
        },
        {
            "row": 4,
            "column": "country_of_departure",
            "message": "Unknown country code: write the two letters, e.g. PK or IR.",
        },
        {
            "row": 5,
            "column": "day",
            "message": "This day has not come yet: enter counts for today or an earlier day.",
        },
        {
            "row": 6,
            "column": "day",
            "message": "Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar).",
        },
        {"row": 7, "column": "total", "message": "Write a whole number (0 if nobody)."},
        {
            "row": 7,
            "column": "deported",
            "message": "This cell starts like a spreadsheet formula (=, +, -, @): write the value without it.",
        },
        {"row": 7, "column": "deported", "message": "Write a whole number (0 if nobody)."},
        {"row": 8, "column": "female_0_4", "message": "A count cannot be negative."},
    ]
    assert (batch.status, batch.households_total, batch.households_valid) == (ImportBatch.Status.INVALID, 8, 1)
    assert stored() == []


def test_the_same_crossing_day_and_country_twice_in_the_file_is_said_on_the_second(iom_officer):
    content = csv_of(
        row(),
        row(country="IR"),  # another country: its own count
        row(crossing="tkm", country="pk", total=90, deported=50, in_families=60, male_18_59=25),  # row 4
    )

    batch = uploaded(iom_officer, content, mode="valid_rows")

    assert batch.problems == [
        {"row": 4, "column": "day", "message": "This crossing, day and country are also on row 2: keep one row."}
    ]
    assert (batch.status, batch.households_valid) == (ImportBatch.Status.VALIDATED, 2)
    import_start(batch=batch, started_by=iom_officer)
    import_run(batch.pk)
    assert stored() == [("TKM", MONDAY, "IR", 1, 100, ""), ("TKM", MONDAY, "PK", 1, 100, "")]


def test_a_day_already_counted_needs_a_note_then_is_its_next_version(iom_officer, unhcr_officer, torkham, pakistan):
    border_count_record(recorded_by=unhcr_officer, crossing=torkham, day=MONDAY, country=pakistan, counts=figures())

    without_note = uploaded(iom_officer, csv_of(row(total=101, spontaneous=41, individuals=31, male_60_plus=4)))

    assert without_note.problems == [
        {
            "row": 2,
            "column": "note",
            "message": "This day is already counted (version 1): write in the note why these figures replace it.",
        }
    ]
    assert without_note.status == ImportBatch.Status.INVALID
    assert stored() == [("TKM", MONDAY, "PK", 1, 100, "")]

    done = imported(
        iom_officer, csv_of(row(total=101, spontaneous=41, individuals=31, male_60_plus=4, note=f"  {NOTE} "))
    )

    assert (done.status, done.households_done) == (ImportBatch.Status.DONE, 1)
    assert stored() == [("TKM", MONDAY, "PK", 1, 100, ""), ("TKM", MONDAY, "PK", 2, 101, NOTE)]
    second = BorderCount.objects.get(version=2)
    assert (second.recorded_by_id, second.import_batch_id, second.import_position) == (iom_officer.pk, done.pk, 0)
    assert list(BorderCount.objects.current().values_list("version", flat=True)) == [2]


def test_a_day_counted_between_the_check_and_the_job_undoes_an_all_or_nothing_import(
    iom_officer, unhcr_officer, torkham, pakistan
):
    batch = uploaded(iom_officer, csv_of(row(country="IR"), row()))
    import_start(batch=batch, started_by=iom_officer)
    border_count_record(recorded_by=unhcr_officer, crossing=torkham, day=MONDAY, country=pakistan, counts=figures())

    failed = import_run(batch.pk)

    assert (failed.status, failed.households_done, failed.error) == (
        ImportBatch.Status.FAILED,
        0,
        "Row 3 was refused when it was registered (These counts replace version 1: say why you are correcting "
        "them.): nothing was imported.",
    )
    assert stored() == [("TKM", MONDAY, "PK", 1, 100, "")]


def test_a_day_counted_between_the_check_and_the_job_is_left_out_of_a_valid_rows_import(
    iom_officer, unhcr_officer, torkham, pakistan
):
    batch = uploaded(iom_officer, csv_of(row(country="IR"), row(**NOBODY)), mode="valid_rows")
    import_start(batch=batch, started_by=iom_officer)
    border_count_record(recorded_by=unhcr_officer, crossing=torkham, day=MONDAY, country=pakistan, counts=figures())

    done = import_run(batch.pk)

    assert (done.status, done.households_valid, done.households_done) == (ImportBatch.Status.DONE, 1, 1)
    assert done.problems == [
        {"row": 3, "column": "note", "message": "These counts replace version 1: say why you are correcting them."}
    ]
    assert stored() == [("TKM", MONDAY, "IR", 1, 100, ""), ("TKM", MONDAY, "PK", 1, 100, "")]
    header, rows = import_rejected_rows(done)
    assert header == [*HEADER, "problems"]
    assert rows == [
        (
            "TKM",
            MONDAY.isoformat(),
            "PK",
            *["0"] * len(MEASURES),
            "",
            "note: These counts replace version 1: say why you are correcting them.",
        )
    ]


# ---------------------------------------------------------------------------------------------
# Who may import counts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "agency_code", "kinds"),
    [
        ("coordinator", "UNHCR", []),
        ("field_officer", "NRC", ["households"]),  # a partner NGO registers, but does not count at the border
    ],
)
def test_a_user_who_may_not_record_counts_may_not_import_them(role, agency_code, kinds):
    user = UserFactory(
        username=f"counts.import.{role}", role=role, agency=Agency.objects.get(code=agency_code), office=None
    )
    assert (policy.may_record_border_counts(user), policy.import_kinds(user)) == (False, kinds)

    with pytest.raises(PermissionDenied) as denied:
        uploaded(user, csv_of(row()))

    assert str(denied.value) == "Your role cannot import this kind of file."
    assert (ImportBatch.objects.count(), BorderCount.objects.count()) == (0, 0)


@pytest.mark.parametrize("agency_code", ["UNHCR", "IOM"])
@pytest.mark.parametrize("role", [User.Role.FIELD_OFFICER, User.Role.CASE_WORKER, User.Role.MANAGER])
def test_unhcr_and_iom_staff_who_count_may_import_counts(role, agency_code):
    user = UserFactory(username=f"counts.{role}.{agency_code}", role=role, agency=Agency.objects.get(code=agency_code))

    done = imported(user, csv_of(row()))

    assert (done.status, done.households_done) == (ImportBatch.Status.DONE, 1)
    assert stored() == [("TKM", MONDAY, "PK", 1, 100, "")]
    assert BorderCount.objects.get().recorded_by_id == user.pk


# ---------------------------------------------------------------------------------------------
# The job: each count once
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["valid_rows", "all_or_nothing"])
def test_a_job_run_twice_records_each_count_once(iom_officer, mode):
    batch = uploaded(iom_officer, csv_of(row(), row(country="IR")), mode=mode)
    import_start(batch=batch, started_by=iom_officer)

    first = import_run(batch.pk)
    second = import_run(batch.pk)

    assert (first.status, first.households_done, second.status, second.households_done) == (
        ImportBatch.Status.DONE,
        2,
        ImportBatch.Status.DONE,
        2,
    )
    assert stored() == [("TKM", MONDAY, "IR", 1, 100, ""), ("TKM", MONDAY, "PK", 1, 100, "")]


def test_a_job_interrupted_half_way_continues_after_the_count_it_recorded(iom_officer, torkham, pakistan):
    batch = uploaded(iom_officer, csv_of(row(), row(country="IR")), mode="valid_rows")
    import_start(batch=batch, started_by=iom_officer)
    # What a worker that died after committing the first row leaves: that count, the import still importing.
    border_count_record(
        recorded_by=iom_officer,
        crossing=torkham,
        day=MONDAY,
        country=pakistan,
        counts=figures(),
        import_batch=batch,
        import_position=0,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.IMPORTING, started_at=timezone.now(), households_done=1
    )

    # Delivered again, then once more
    again = import_run(batch.pk)
    twice = import_run(batch.pk)

    # Then the second row is recorded once, the first not again (no version 2, no refusal for want of a note).
    assert (again.status, again.households_done, again.problems, twice.households_done) == (
        ImportBatch.Status.DONE,
        2,
        [],
        2,
    )
    assert stored() == [("TKM", MONDAY, "IR", 1, 100, ""), ("TKM", MONDAY, "PK", 1, 100, "")]
    assert sorted(BorderCount.objects.values_list("import_position", flat=True)) == [0, 1]


# ---------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------


def test_the_pages_upload_counts_and_offer_the_template(client, iom_officer):
    client.force_login(iom_officer)
    upload = io.BytesIO(csv_of(row(deported=61)))
    upload.name = "counts.csv"

    response = client.post(
        reverse("returns:import-list"), {"kind": "border_counts", "mode": "valid_rows", "file": upload}
    )
    template = client.get(reverse("returns:import-template-csv"), {"kind": "border_counts"})

    batch = ImportBatch.objects.get()
    assert (response.status_code, batch.kind, batch.status) == (302, COUNTS, ImportBatch.Status.INVALID)
    page = client.get(response["Location"]).content.decode()
    assert (
        '<td class="numeric">2</td><td><code>deported</code></td><td>Deported and spontaneous add up to 101, not '
        "to the 100 arrivals: correct them or the total.</td>"
    ) in page
    assert b"".join(template.streaming_content).decode("utf-8-sig").splitlines() == [
        ",".join(HEADER),
        "TKM,2025-11-01,PK,120,30,90,100,20,10,12,8,20,2,9,11,10,35,3,",
    ]
    assert stored() == []

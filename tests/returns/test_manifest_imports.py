"""Importing the VRF manifests the repatriation centres send: one row per person the VRF lists, every
problem by row and column before anything is saved, then one manifest per VRF saved by the job, once."""

import csv
import datetime
import io

import jdatetime
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.problems import Refused
from returns import policy
from returns.models import ImportBatch, ManifestMember, VrfManifest
from returns.services.imports import import_rejected_rows, import_run, import_start, import_upload
from returns.services.manifest_imports import COLUMNS

pytestmark = pytest.mark.django_db

MANIFESTS = ImportBatch.Kind.MANIFESTS
HEADER = [
    "vrf_number",
    "repatriation_centre",
    "country_of_asylum",
    "departure_date",
    "given_name",
    "fathers_name",
    "family_name",
    "sex",
    "age",
    "card_number",
]
AZAKHEL = "Azakhel (Peshawar)"
# A fixed day in the past: a departure may be any day before the next 60.
DEPARTED = "2026-10-20"


def row(**cells) -> dict:
    base = {
        "vrf_number": "VRF-PK-2026-000101",
        "repatriation_centre": AZAKHEL,
        "country_of_asylum": "PK",
        "departure_date": DEPARTED,
        "given_name": "Gul",
        "fathers_name": "Rahim",
        "family_name": "",
        "sex": "male",
        "age": "40",
        "card_number": "",
    }
    return {**base, **cells}


def continued(**cells) -> dict:
    """A later row of a VRF, which leaves the manifest's columns to its first row."""
    return row(**{"repatriation_centre": "", "country_of_asylum": "", "departure_date": "", **cells})


def csv_of(*rows: dict, header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for cells in rows:
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def xlsx_of(*rows: list) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    for cells in rows:
        workbook.active.append(cells)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def two_vrfs_csv() -> bytes:
    """Two VRFs: the first of three people (its third row leaves the manifest's columns empty), the
    second of two (the country written in lower case, one age left empty)."""
    return csv_of(
        row(family_name="Ahmadzai", card_number="PK-5550001"),
        row(given_name="Zarghona", fathers_name="Karim", sex="female", age="35"),
        continued(given_name="Wali", fathers_name="Gul", age="3"),
        row(
            vrf_number="VRF-PK-2026-000102",
            repatriation_centre="Khurasan (Peshawar)",
            country_of_asylum="pk",
            departure_date="2026-10-22",
            given_name="Bibi",
            fathers_name="Nazar",
            sex="Female",
            age="60",
        ),
        continued(vrf_number="VRF-PK-2026-000102", given_name="Nazar", fathers_name="Habib", age=""),
    )


def two_vrfs_xlsx() -> bytes:
    """The same two VRFs as a workbook: dates and ages as the spreadsheet's own dates and numbers."""
    first, second = datetime.date(2026, 10, 20), datetime.date(2026, 10, 22)
    return xlsx_of(
        ["VRF-PK-2026-000101", AZAKHEL, "PK", first, "Gul", "Rahim", "Ahmadzai", "male", 40, "PK-5550001"],
        ["VRF-PK-2026-000101", AZAKHEL, "PK", first, "Zarghona", "Karim", None, "female", 35, None],
        ["VRF-PK-2026-000101", None, None, None, "Wali", "Gul", None, "male", 3, None],
        ["VRF-PK-2026-000102", "Khurasan (Peshawar)", "pk", second, "Bibi", "Nazar", None, "Female", 60, None],
        ["VRF-PK-2026-000102", None, None, None, "Nazar", "Habib", None, "male", None, None],
    )


def manifests_saved() -> list[tuple]:
    return list(
        VrfManifest.objects.order_by("vrf_number").values_list(
            "vrf_number", "vrf_number_normal", "repatriation_centre", "country_id", "departure_date", "position"
        )
    )


def people_saved() -> list[tuple]:
    return list(
        ManifestMember.objects.order_by("manifest__vrf_number", "id").values_list(
            "manifest__vrf_number", "given_name", "fathers_name", "family_name", "sex", "age", "card_number"
        )
    )


TWO_VRFS_MANIFESTS = [
    ("VRF-PK-2026-000101", "VRFPK2026000101", AZAKHEL, "PK", datetime.date(2026, 10, 20), 0),
    ("VRF-PK-2026-000102", "VRFPK2026000102", "Khurasan (Peshawar)", "PK", datetime.date(2026, 10, 22), 1),
]
TWO_VRFS_PEOPLE = [
    ("VRF-PK-2026-000101", "Gul", "Rahim", "Ahmadzai", "male", 40, "PK-5550001"),
    ("VRF-PK-2026-000101", "Zarghona", "Karim", "", "female", 35, ""),
    ("VRF-PK-2026-000101", "Wali", "Gul", "", "male", 3, ""),
    ("VRF-PK-2026-000102", "Bibi", "Nazar", "", "female", 60, ""),
    ("VRF-PK-2026-000102", "Nazar", "Habib", "", "male", None, ""),
]


def loaded(officer, content: bytes, *, file_name: str = "manifest.csv", mode: str = "all_or_nothing") -> ImportBatch:
    """Upload, start and run an import of manifests, as the officer's confirmation and the job would."""
    batch = import_upload(uploaded_by=officer, file_name=file_name, content=content, mode=mode, kind=MANIFESTS)
    import_start(batch=batch, started_by=officer)
    return import_run(batch.pk)


def first_row_says(row_number: int, value: str) -> str:
    return (
        f"The first row of this VRF (row {row_number}) says “{value}”: write the same on every row of a VRF, "
        "or leave it empty."
    )


# ---------------------------------------------------------------------------------------------
# A clean file
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("file_name", "content"), [("manifest.csv", two_vrfs_csv), ("manifest.xlsx", two_vrfs_xlsx)])
def test_a_clean_manifest_is_checked_then_saved_by_the_job(
    unhcr_officer, django_capture_on_commit_callbacks, file_name, content
):
    batch = import_upload(
        uploaded_by=unhcr_officer, file_name=file_name, content=content(), mode="all_or_nothing", kind=MANIFESTS
    )

    assert (batch.kind, batch.status, batch.rows_total, batch.households_total, batch.households_valid) == (
        MANIFESTS,
        ImportBatch.Status.VALIDATED,
        5,
        2,
        2,
    )
    assert batch.problems == []
    assert (VrfManifest.objects.count(), ManifestMember.objects.count()) == (0, 0)

    # When the officer confirms, the job is queued once the confirmation commits; the worker runs it.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_start(batch=batch, started_by=unhcr_officer)
    assert len(callbacks) == 1
    done = import_run(batch.pk)

    assert (done.status, done.households_done, bytes(done.content)) == (ImportBatch.Status.DONE, 2, b"")
    assert manifests_saved() == TWO_VRFS_MANIFESTS
    assert people_saved() == TWO_VRFS_PEOPLE
    assert set(VrfManifest.objects.values_list("batch_id", flat=True)) == {batch.pk}


def test_the_job_queued_on_commit_saves_the_manifests(unhcr_officer, django_capture_on_commit_callbacks):
    batch = import_upload(
        uploaded_by=unhcr_officer,
        file_name="manifest.csv",
        content=two_vrfs_csv(),
        mode="all_or_nothing",
        kind=MANIFESTS,
    )

    with django_capture_on_commit_callbacks(execute=True):
        import_start(batch=batch, started_by=unhcr_officer)

    batch.refresh_from_db()
    assert (batch.status, batch.households_done) == (ImportBatch.Status.DONE, 2)
    assert manifests_saved() == TWO_VRFS_MANIFESTS


# ---------------------------------------------------------------------------------------------
# Problems: each at its row and column, nothing saved
# ---------------------------------------------------------------------------------------------


def test_every_problem_is_given_by_row_and_column_and_nothing_is_saved(unhcr_officer):
    loaded(unhcr_officer, csv_of(row(vrf_number="VRF-PK-2026-000900")))
    assert VrfManifest.objects.count() == 1
    today = timezone.localdate()
    content = csv_of(
        row(vrf_number="VRF-A"),  # row 2: the first row of VRF-A
        row(
            vrf_number="VRF-A",
            repatriation_centre="Chamkani (Peshawar)",
            country_of_asylum="IR",
            departure_date="2026-10-21",
            given_name="Zarghona",
            sex="female",
        ),
        continued(vrf_number="VRF-A", given_name="Wali", sex="x"),
        continued(vrf_number="VRF-A", given_name="Omar", age="abc"),
        row(vrf_number="VRF-B", age="130"),  # row 6
        row(vrf_number="VRF-C", country_of_asylum="XX"),
        row(vrf_number="VRF-D", departure_date=(today + datetime.timedelta(days=61)).isoformat()),
        row(vrf_number="VRF-E", departure_date=(today + datetime.timedelta(days=60)).isoformat()),  # just in time
        row(vrf_number="vrf-pk-2026-000900"),  # row 10: already loaded, written in lower case
        row(vrf_number="VRF-1"),
        row(vrf_number="vrf 1"),  # row 12
    )

    batch = import_upload(
        uploaded_by=unhcr_officer, file_name="bad.csv", content=content, mode="all_or_nothing", kind=MANIFESTS
    )

    assert batch.problems == [
        {"row": 3, "column": "repatriation_centre", "message": first_row_says(2, AZAKHEL)},
        {"row": 3, "column": "country_of_asylum", "message": first_row_says(2, "PK")},
        {"row": 3, "column": "departure_date", "message": first_row_says(2, DEPARTED)},
        {"row": 4, "column": "sex", "message": "Write female or male."},
        {"row": 5, "column": "age", "message": "Write the age as a whole number of years, e.g. 35."},
        {"row": 6, "column": "age", "message": "An age is between 0 and 120 years."},
        {
            "row": 7,
            "column": "country_of_asylum",
            "message": "Unknown country code: write the two letters, PK for Pakistan or IR for Iran.",
        },
        {"row": 8, "column": "departure_date", "message": "This departure is more than 60 days ahead: check the date."},
        {
            "row": 10,
            "column": "vrf_number",
            "message": f"This VRF is already on a manifest, imported on {today.isoformat()}: leave it out of "
            "this file.",
        },
        {"row": 12, "column": "vrf_number", "message": "This VRF number is also on row 11, written another way."},
    ]
    # VRF-A, -B, -C, -D, -E, the one loaded, VRF-1 and "vrf 1": VRF-E and VRF-1 are right.
    assert (batch.status, batch.rows_total, batch.households_total, batch.households_valid) == (
        ImportBatch.Status.INVALID,
        11,
        8,
        2,
    )
    with pytest.raises(Refused) as refused:
        import_start(batch=batch, started_by=unhcr_officer)
    assert [(found.code, found.message) for found in refused.value.problems["status"]] == [
        ("not_ready", "This import is not waiting to start.")
    ]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID
    assert [number for number, *_rest in manifests_saved()] == ["VRF-PK-2026-000900"]
    assert ManifestMember.objects.count() == 1


def test_a_file_without_the_manifest_columns_is_refused_whole(unhcr_officer):
    content = csv_of(row(), header=["vrf_number", "given_name", "sex"])

    with pytest.raises(Refused) as refused:
        import_upload(
            uploaded_by=unhcr_officer, file_name="x.csv", content=content, mode="all_or_nothing", kind=MANIFESTS
        )

    [found] = refused.value.problems["file"]
    assert (found.code, found.message) == (
        "missing_columns",
        "These columns are missing from the first row: repatriation_centre, country_of_asylum, departure_date. "
        "Add them, as in the template.",
    )
    assert (ImportBatch.objects.count(), VrfManifest.objects.count()) == (0, 0)


def test_valid_rows_mode_saves_the_good_vrfs_and_gives_back_the_bad_rows(unhcr_officer):
    content = csv_of(
        row(vrf_number="VRF-GOOD-1"),
        row(vrf_number="VRF-GOOD-1", given_name="Zarghona", fathers_name="Karim", sex="female", age="35"),
        row(vrf_number="VRF-BAD", given_name="Omar"),  # row 4: right, but its VRF has a wrong row
        continued(vrf_number="VRF-BAD", given_name="Wali", sex="x"),
        row(vrf_number="VRF-GOOD-2", given_name="Bibi", fathers_name="Nazar", sex="female", age="60"),
        row(vrf_number="VRF-BAD-2", country_of_asylum="XX", age="abc"),  # row 7
    )

    done = loaded(unhcr_officer, content, mode="valid_rows")

    assert (done.status, done.households_total, done.households_valid, done.households_done) == (
        ImportBatch.Status.DONE,
        4,
        2,
        2,
    )
    assert [number for number, *_rest in manifests_saved()] == ["VRF-GOOD-1", "VRF-GOOD-2"]
    assert people_saved() == [
        ("VRF-GOOD-1", "Gul", "Rahim", "", "male", 40, ""),
        ("VRF-GOOD-1", "Zarghona", "Karim", "", "female", 35, ""),
        ("VRF-GOOD-2", "Bibi", "Nazar", "", "female", 60, ""),
    ]
    # The file is kept while some of its rows were left out: the officer downloads them to correct.
    assert import_rejected_rows(done) == (
        [*HEADER, "problems"],
        [
            ("VRF-BAD", AZAKHEL, "PK", DEPARTED, "Omar", "Rahim", "", "male", "40", "", ""),
            ("VRF-BAD", "", "", "", "Wali", "Rahim", "", "x", "40", "", "sex: Write female or male."),
            (
                "VRF-BAD-2",
                AZAKHEL,
                "XX",
                DEPARTED,
                "Gul",
                "Rahim",
                "",
                "male",
                "abc",
                "",
                "country_of_asylum: Unknown country code: write the two letters, PK for Pakistan or IR for Iran. | "
                "age: Write the age as a whole number of years, e.g. 35.",
            ),
        ],
    )


# ---------------------------------------------------------------------------------------------
# The job: each manifest once
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["valid_rows", "all_or_nothing"])
def test_a_job_run_twice_saves_each_manifest_once(unhcr_officer, mode):
    batch = import_upload(
        uploaded_by=unhcr_officer, file_name="manifest.csv", content=two_vrfs_csv(), mode=mode, kind=MANIFESTS
    )
    import_start(batch=batch, started_by=unhcr_officer)

    first = import_run(batch.pk)
    second = import_run(batch.pk)

    assert (first.status, first.households_done, second.status, second.households_done) == (
        ImportBatch.Status.DONE,
        2,
        ImportBatch.Status.DONE,
        2,
    )
    assert manifests_saved() == TWO_VRFS_MANIFESTS
    assert people_saved() == TWO_VRFS_PEOPLE


def interrupted_after_the_first_vrf(batch: ImportBatch) -> None:
    """What a worker that died after committing the file's first VRF leaves: that manifest and its people
    saved at position 0, the import still importing."""
    first = VrfManifest.objects.create(
        vrf_number="VRF-PK-2026-000101",
        vrf_number_normal="VRFPK2026000101",
        repatriation_centre=AZAKHEL,
        country_id="PK",
        departure_date=datetime.date(2026, 10, 20),
        batch=batch,
        position=0,
    )
    ManifestMember.objects.bulk_create(
        ManifestMember(
            manifest=first,
            given_name=given,
            fathers_name=fathers,
            family_name=family,
            sex=sex,
            age=age,
            card_number=card,
        )
        for _number, given, fathers, family, sex, age, card in TWO_VRFS_PEOPLE[:3]
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.IMPORTING, started_at=timezone.now(), households_done=1
    )


def test_a_job_interrupted_half_way_continues_after_the_manifest_it_saved(unhcr_officer):
    batch = import_upload(
        uploaded_by=unhcr_officer, file_name="manifest.csv", content=two_vrfs_csv(), mode="valid_rows", kind=MANIFESTS
    )
    import_start(batch=batch, started_by=unhcr_officer)
    interrupted_after_the_first_vrf(batch)

    # When the task is delivered again, then once more
    again = import_run(batch.pk)
    twice = import_run(batch.pk)

    # Then the second VRF is saved once, the first not again (and not refused as already loaded).
    assert (again.status, again.households_done, again.problems, twice.households_done) == (
        ImportBatch.Status.DONE,
        2,
        [],
        2,
    )
    assert manifests_saved() == TWO_VRFS_MANIFESTS
    assert people_saved() == TWO_VRFS_PEOPLE


def test_a_vrf_loaded_by_another_import_meanwhile_is_left_out_and_said(unhcr_officer):
    batch = import_upload(
        uploaded_by=unhcr_officer, file_name="manifest.csv", content=two_vrfs_csv(), mode="valid_rows", kind=MANIFESTS
    )
    import_start(batch=batch, started_by=unhcr_officer)
    # Between the check and the job, another file loads the second VRF.
    loaded(unhcr_officer, csv_of(row(vrf_number="VRF-PK-2026-000102", given_name="Bibi", sex="female")))

    done = import_run(batch.pk)

    today = timezone.localdate().isoformat()
    assert (done.status, done.households_valid, done.households_done) == (ImportBatch.Status.DONE, 1, 1)
    assert done.problems == [
        {
            "row": 5,
            "column": "vrf_number",
            "message": f"This VRF is already on a manifest, imported on {today}: leave it out of this file.",
        }
    ]
    assert list(VrfManifest.objects.filter(batch=batch).values_list("vrf_number", flat=True)) == ["VRF-PK-2026-000101"]
    assert ManifestMember.objects.filter(manifest__batch=batch).count() == 3


def vrfs_csv(count: int) -> bytes:
    """``count`` VRFs of two people each (a mother and her son)."""
    return csv_of(
        *[
            cells
            for index in range(count)
            for cells in (
                row(vrf_number=f"VRF-PK-2026-{index + 500:06d}", given_name="Zarghona", sex="female", age="35"),
                continued(vrf_number=f"VRF-PK-2026-{index + 500:06d}", given_name="Wali", age="3"),
            )
        ]
    )


def test_a_jobs_queries_do_not_grow_with_its_manifests(unhcr_officer):
    # Two VRFs, then twenty: each job saves its manifests in one insert and their people in one
    def run_queries(content: bytes) -> list[str]:
        batch = import_upload(
            uploaded_by=unhcr_officer, file_name="m.csv", content=content, mode="all_or_nothing", kind=MANIFESTS
        )
        import_start(batch=batch, started_by=unhcr_officer)
        with CaptureQueriesContext(connection) as run:
            done = import_run(batch.pk)
        assert (done.status, done.households_done) == (ImportBatch.Status.DONE, done.households_total)
        return [query["sql"] for query in run.captured_queries]

    few = run_queries(two_vrfs_csv())
    many = run_queries(vrfs_csv(20))

    assert len(many) == len(few)
    assert sum(query.startswith('INSERT INTO "returns_vrfmanifest"') for query in many) == 1
    assert sum(query.startswith('INSERT INTO "returns_manifestmember"') for query in many) == 1
    assert VrfManifest.objects.count() == 22
    assert list(
        ManifestMember.objects.filter(manifest__vrf_number="VRF-PK-2026-000519")
        .order_by("id")
        .values_list("given_name", "fathers_name", "sex", "age", "manifest__position")
    ) == [("Zarghona", "Rahim", "female", 35, 19), ("Wali", "Rahim", "male", 3, 19)]


# ---------------------------------------------------------------------------------------------
# Who may import manifests
# ---------------------------------------------------------------------------------------------


def test_an_iom_field_officer_may_not_import_manifests(iom_officer):
    assert policy.may_import_manifests(iom_officer) is False
    assert policy.import_kinds(iom_officer) == [ImportBatch.Kind.HOUSEHOLDS, ImportBatch.Kind.BORDER_COUNTS]

    with pytest.raises(PermissionDenied) as denied:
        import_upload(
            uploaded_by=iom_officer, file_name="manifest.csv", content=two_vrfs_csv(), mode="valid_rows", kind=MANIFESTS
        )

    assert str(denied.value) == "Your role cannot import this kind of file."
    assert (ImportBatch.objects.count(), VrfManifest.objects.count(), ManifestMember.objects.count()) == (0, 0, 0)


def test_a_unhcr_field_officer_may_import_manifests(unhcr_officer):
    assert policy.may_import_manifests(unhcr_officer) is True
    assert policy.import_kinds(unhcr_officer) == [
        ImportBatch.Kind.HOUSEHOLDS,
        ImportBatch.Kind.MANIFESTS,
        ImportBatch.Kind.BORDER_COUNTS,
    ]

    done = loaded(unhcr_officer, two_vrfs_csv())

    assert (done.status, done.uploaded_by_id, done.agency_id) == (
        ImportBatch.Status.DONE,
        unhcr_officer.pk,
        unhcr_officer.agency_id,
    )
    assert manifests_saved() == TWO_VRFS_MANIFESTS


# ---------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------


def upload_of(content: bytes, name: str = "manifest.csv") -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def downloaded(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_pages_upload_a_manifest_and_show_its_problems(client, unhcr_officer):
    client.force_login(unhcr_officer)
    content = csv_of(row(vrf_number="VRF-A"), continued(vrf_number="VRF-A", given_name="Wali", sex="x"))

    response = client.post(
        reverse("returns:import-list"),
        {"kind": "vrf_manifests", "mode": "valid_rows", "file": upload_of(content)},
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:import-detail", kwargs={"public_id": batch.public_id})
    assert (batch.kind, batch.status, batch.uploaded_by_id) == (
        MANIFESTS,
        ImportBatch.Status.INVALID,
        unhcr_officer.pk,
    )
    page = client.get(response["Location"]).content.decode()
    assert '<dd data-kind="vrf_manifests">VRF manifests from the repatriation centres</dd>' in page
    assert '<td class="numeric">3</td><td><code>sex</code></td><td>Write female or male.</td>' in page
    assert "Import 0 VRF manifests" not in page
    problems = client.get(reverse("returns:import-problems", kwargs={"public_id": batch.public_id}))
    assert downloaded(problems).splitlines() == ["Row,Column,Problem", "3,sex,Write female or male."]
    rejected = client.get(reverse("returns:import-rejected-csv", kwargs={"public_id": batch.public_id}))
    assert downloaded(rejected).splitlines() == [
        ",".join([*HEADER, "problems"]),
        f"VRF-A,{AZAKHEL},PK,{DEPARTED},Gul,Rahim,,male,40,,",
        "VRF-A,,,,Wali,Rahim,,x,40,,sex: Write female or male.",
    ]
    assert VrfManifest.objects.count() == 0


def test_the_pages_import_a_clean_manifest(client, unhcr_officer, django_capture_on_commit_callbacks):
    client.force_login(unhcr_officer)
    response = client.post(
        reverse("returns:import-list"),
        {"kind": "vrf_manifests", "mode": "all_or_nothing", "file": upload_of(two_vrfs_xlsx(), "manifest.xlsx")},
    )
    batch = ImportBatch.objects.get()
    assert "Import 2 VRF manifests" in client.get(response["Location"]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("returns:import-start", kwargs={"public_id": batch.public_id}))

    assert started.status_code == 302
    assert "2 VRF manifests imported." in client.get(started["Location"]).content.decode()
    assert manifests_saved() == TWO_VRFS_MANIFESTS


def test_the_manifest_template_has_the_exact_columns(client, unhcr_officer):
    client.force_login(unhcr_officer)

    as_csv = client.get(reverse("returns:import-template-csv"), {"kind": "vrf_manifests"})
    as_xlsx = client.get(reverse("returns:import-template-xlsx"), {"kind": "vrf_manifests"})

    assert COLUMNS == HEADER
    assert downloaded(as_csv).splitlines() == [
        ",".join(HEADER),
        "VRF-PK-2025-000123,Azakhel (Peshawar),PK,2025-10-30,Naveed,Gul,,male,35,PK-1234567",
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content))).active
    assert [cell.value for cell in sheet[1]] == HEADER


def test_an_iom_officer_is_offered_no_manifest_import_on_the_pages(client, iom_officer):
    client.force_login(iom_officer)

    page = client.get(reverse("returns:import-list"))
    template = client.get(reverse("returns:import-template-csv"), {"kind": "vrf_manifests"})
    posted = client.post(
        reverse("returns:import-list"),
        {"kind": "vrf_manifests", "mode": "all_or_nothing", "file": upload_of(two_vrfs_csv())},
    )

    assert [kind for kind, _label in page.context["form"].fields["kind"].choices] == ["households", "border_counts"]
    assert template.status_code == 403
    assert posted.status_code == 200
    assert posted.context["form"].errors["kind"] == [
        "Select a valid choice. vrf_manifests is not one of the available choices."
    ]
    assert (ImportBatch.objects.count(), VrfManifest.objects.count()) == (0, 0)


def test_a_vrf_without_its_centre_or_country_is_refused_and_a_date_written_another_way_is_the_same(unhcr_officer):
    content = csv_of(
        row(vrf_number="VRF-A", repatriation_centre="", country_of_asylum=""),
        row(vrf_number="VRF-B"),
        # The same departure, in the Solar Hijri calendar (DEPARTED is written in the Gregorian).
        continued(vrf_number="VRF-B", given_name="Wali", departure_date=_solar_hijri(DEPARTED)),
    )

    batch = import_upload(
        uploaded_by=unhcr_officer, file_name="manifest.csv", content=content, mode="valid_rows", kind=MANIFESTS
    )

    assert [(problem["row"], problem["column"], problem["message"]) for problem in batch.problems] == [
        (2, "repatriation_centre", "Enter the repatriation centre that issued the VRF."),
        (2, "country_of_asylum", "Enter the country of asylum: PK for Pakistan, IR for Iran."),
    ]
    assert (batch.households_total, batch.households_valid) == (2, 1)
    assert VrfManifest.objects.count() == 0


def _solar_hijri(gregorian: str) -> str:
    day = jdatetime.date.fromgregorian(date=datetime.date.fromisoformat(gregorian))
    return f"{day.year}/{day.month:02d}/{day.day:02d}"

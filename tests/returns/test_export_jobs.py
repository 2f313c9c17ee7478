"""Large exports run as jobs: above the inline limit the list's export queues a job, the page follows
its progress, and its requester downloads the same file the inline export would have sent; every
record written is in the access log under the requester's name."""

# The fixtures of the inline exports' tests are imported, then named as the tests' arguments.
# ruff: noqa: F811

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from agencies.models import AccessLogEntry, User
from returns.models import ExportJob
from returns.services.export_jobs import export_job_run
from tests.factories import UserFactory
from tests.returns.test_case_exports import ASSISTANCE_XLSX, CASES_CSV, caseload, worker  # noqa: F401 - fixtures
from tests.returns.test_household_export import CSV_URL, csv_rows, registry  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
PEOPLE_CSV_URL = reverse("returns:people-export-csv")


def file_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_long_list_is_written_by_a_job_and_downloaded_as_the_inline_file(
    client, registry, monkeypatch, django_capture_on_commit_callbacks
):
    manager, households = registry
    client.force_login(manager)
    inline = csv_rows(client.get(CSV_URL, {"q": "Rahim"}))
    before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    monkeypatch.setattr("returns.views.households.EXPORT_INLINE_ROWS", 1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(CSV_URL, {"q": "Rahim", "page": "2"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:export-detail", args=[job.public_id])
    # The filters are kept, the page number is not; the job ran (eagerly here, on the heavy queue in production).
    assert (job.kind, job.format, job.query, job.requested_by, job.status) == (
        ExportJob.Kind.HOUSEHOLDS,
        "csv",
        "q=Rahim",
        manager,
        ExportJob.Status.DONE,
    )
    assert (job.rows_total, job.rows_done, job.percent_done) == (2, 2, 100)
    page = client.get(response["Location"])
    assert 'data-export-status="done"' in page.content.decode()
    download = client.get(reverse("returns:export-download", args=[job.public_id]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="households-')
    assert file_rows(download.content) == inline
    # Every household written is in the access log, under the manager's name, as the job's export.
    [entry] = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT, id__gt=before)
    assert (entry.user, entry.channel, entry.kind, sorted(entry.record_ids)) == (
        manager,
        AccessLogEntry.Channel.COMMAND,
        "household",
        sorted(household.public_id for household in households),
    )
    assert entry.endpoint == f"export job {job.public_id}"


def test_the_people_file_of_a_job_has_the_import_templates_layout(
    client, registry, monkeypatch, django_capture_on_commit_callbacks
):
    manager, _households = registry
    client.force_login(manager)
    inline = b"".join(client.get(PEOPLE_CSV_URL, {"q": "Rahim"}).streaming_content)
    monkeypatch.setattr("returns.views.households.EXPORT_INLINE_ROWS", 1)

    with django_capture_on_commit_callbacks(execute=True):
        client.get(PEOPLE_CSV_URL, {"q": "Rahim"})

    job = ExportJob.objects.get()
    assert job.kind == ExportJob.Kind.PEOPLE
    assert bytes(job.content) == inline
    assert file_rows(bytes(job.content))[0][0] == "household"


def test_a_job_is_its_requesters_alone(client, registry, monkeypatch, django_capture_on_commit_callbacks):
    manager, _households = registry
    client.force_login(manager)
    monkeypatch.setattr("returns.views.households.EXPORT_INLINE_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(CSV_URL)
    job = ExportJob.objects.get()
    colleague = UserFactory(username="manager.other", agency=manager.agency, role=User.Role.MANAGER)

    client.force_login(colleague)

    assert client.get(reverse("returns:export-detail", args=[job.public_id])).status_code == 404
    assert client.get(reverse("returns:export-download", args=[job.public_id])).status_code == 404


def test_a_queued_job_shows_its_progress_and_offers_no_download(client, registry, monkeypatch):
    manager, _households = registry
    client.force_login(manager)
    monkeypatch.setattr("returns.views.households.EXPORT_INLINE_ROWS", 1)

    client.get(CSV_URL)  # the task waits for the commit the test never makes

    job = ExportJob.objects.get()
    page = client.get(reverse("returns:export-detail", args=[job.public_id])).content.decode()
    assert 'data-export-status="queued"' in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "data-export-download" not in page
    assert client.get(reverse("returns:export-download", args=[job.public_id])).status_code == 404
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


def test_a_job_delivered_twice_writes_once(client, registry, monkeypatch, django_capture_on_commit_callbacks):
    manager, _households = registry
    client.force_login(manager)
    monkeypatch.setattr("returns.views.households.EXPORT_INLINE_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(CSV_URL)
    job = ExportJob.objects.get()
    logged = AccessLogEntry.objects.count()

    again = export_job_run(job.pk)

    assert (again.status, bytes(again.content)) == (ExportJob.Status.DONE, bytes(job.content))
    assert AccessLogEntry.objects.count() == logged


def test_a_requester_who_may_no_longer_export_gets_a_failed_job_and_no_file(client, registry, monkeypatch):
    manager, _households = registry
    client.force_login(manager)
    monkeypatch.setattr("returns.views.households.EXPORT_INLINE_ROWS", 1)
    client.get(CSV_URL)
    job = ExportJob.objects.get()
    User.objects.filter(pk=manager.pk).update(role=User.Role.FIELD_OFFICER)

    failed = export_job_run(job.pk)

    assert (failed.status, bytes(failed.content), failed.rows_done) == (ExportJob.Status.FAILED, b"", 0)
    assert failed.error == "Only managers and administrators export lists of households."
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


def test_a_field_officer_asks_for_no_job(client, registry, monkeypatch):
    officer = User.objects.get(username="officer.export")
    client.force_login(officer)
    monkeypatch.setattr("returns.views.households.EXPORT_INLINE_ROWS", 1)

    assert client.get(CSV_URL).status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("url", [CASES_CSV, ASSISTANCE_XLSX])
def test_the_caseloads_long_files_are_jobs_too(
    client, unhcr_manager, caseload, monkeypatch, django_capture_on_commit_callbacks, url
):
    client.force_login(unhcr_manager)
    inline = client.get(url, {"open": "all"})
    inline_body = b"".join(inline.streaming_content) if inline.streaming else inline.content
    monkeypatch.setattr("returns.views.case_exports.EXPORT_INLINE_ROWS", 1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"open": "all"})

    job = ExportJob.objects.get()
    assert response["Location"] == reverse("returns:export-detail", args=[job.public_id])
    assert job.status == ExportJob.Status.DONE
    if url == CASES_CSV:
        assert bytes(job.content) == inline_body
    else:  # an XLSX file: the same rows, whatever the bytes of the zip
        assert xlsx_values(bytes(job.content)) == xlsx_values(inline_body)


def xlsx_values(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))

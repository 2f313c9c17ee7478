"""Kept files go after their time: an export job's file 7 days after it was written, an ended import's
file 30 days after it ended; the records of both stay, and a page says the file is no longer kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, User
from returns import tasks
from returns.models import ExportJob, ImportBatch
from returns.services.retention import EXPORT_FILE_DAYS, IMPORT_FILE_DAYS, files_expire
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def manager() -> User:
    return UserFactory(username="manager.expiry", agency=Agency.objects.get(code="UNHCR"), role=User.Role.MANAGER)


def export_job(manager: User, *, days_ago: float, status=ExportJob.Status.DONE) -> ExportJob:
    return ExportJob.objects.create(
        kind=ExportJob.Kind.HOUSEHOLDS,
        format="csv",
        status=status,
        requested_by=manager,
        finished_at=NOW - datetime.timedelta(days=days_ago),
        rows_total=1,
        rows_done=1,
        file_name="households.csv",
        content=b"Household id\n",
    )


def import_batch(manager: User, *, status: str, days_ago: float) -> ImportBatch:
    batch = ImportBatch.objects.create(
        status=status,
        file_name="arrivals.csv",
        content=b"household\n",
        uploaded_by=manager,
        finished_at=NOW - datetime.timedelta(days=days_ago) if status != ImportBatch.Status.INVALID else None,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=NOW - datetime.timedelta(days=days_ago))
    return batch


def kept(*records) -> list[bool]:
    return [bool(bytes(type(record).objects.get(pk=record.pk).content)) for record in records]


def test_files_past_their_time_are_emptied_and_the_others_kept(manager):
    old_export = export_job(manager, days_ago=EXPORT_FILE_DAYS + 0.1)
    new_export = export_job(manager, days_ago=EXPORT_FILE_DAYS - 0.1)
    old_done = import_batch(manager, status=ImportBatch.Status.DONE, days_ago=IMPORT_FILE_DAYS + 1)
    old_invalid = import_batch(manager, status=ImportBatch.Status.INVALID, days_ago=IMPORT_FILE_DAYS + 1)
    new_failed = import_batch(manager, status=ImportBatch.Status.FAILED, days_ago=IMPORT_FILE_DAYS - 1)
    # Checked and waiting for the officer to confirm: its file is what the job will read.
    old_waiting = import_batch(manager, status=ImportBatch.Status.VALIDATED, days_ago=IMPORT_FILE_DAYS + 1)

    expired = files_expire(now=NOW)
    again = files_expire(now=NOW)

    assert (expired.exports, expired.imports) == (1, 2)
    assert (again.exports, again.imports) == (0, 0)
    assert kept(old_export, new_export) == [False, True]
    assert kept(old_done, old_invalid, new_failed, old_waiting) == [False, False, True, True]
    # The records stay.
    assert ExportJob.objects.count() == 2
    assert ImportBatch.objects.count() == 4


def test_the_page_of_an_expired_export_says_so_and_offers_no_download(client, manager):
    job = export_job(manager, days_ago=EXPORT_FILE_DAYS + 1)
    files_expire(now=timezone.now())
    client.force_login(manager)

    page = client.get(reverse("returns:export-detail", args=[job.public_id])).content.decode()

    assert "data-export-expired" in page
    assert "The file is kept for 7 days after it is written" in page
    assert "data-export-download" not in page
    assert client.get(reverse("returns:export-download", args=[job.public_id])).status_code == 404


def test_the_nightly_task_expires_the_files(manager):
    export_job(manager, days_ago=EXPORT_FILE_DAYS + 1)

    assert tasks.expire_kept_files.apply().get() == {"exports": 1, "imports": 0}

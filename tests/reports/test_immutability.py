"""A final report never changes and no report or sign-off is ever removed: PostgreSQL refuses it,
whether the app saves, updates in bulk or writes raw SQL (migration 0001's triggers)."""

import pytest
from django.db import IntegrityError, connection, transaction

from reports.models import Report, ReportSignOff
from reports.services import report_sign_off
from tests.reports.test_services import computed


@pytest.fixture
def final_report(coordinator, unhcr_manager, iom_manager) -> Report:
    report = computed(coordinator)
    report_sign_off(report=report, signed_by=unhcr_manager, note="UNHCR checked.")
    report_sign_off(report=report, signed_by=iom_manager)
    report.refresh_from_db()
    assert report.status == Report.Status.FINAL
    return report


def stored(report: Report) -> dict:
    return Report.objects.values().get(pk=report.pk)


def refused(action) -> str:
    """Run ``action`` in a savepoint; answer PostgreSQL's refusal."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        action()
    return str(excinfo.value)


def test_a_final_report_cannot_be_changed_by_saving_it(final_report):
    before = stored(final_report)
    final_report.title = "Something else"
    final_report.figures = {"tables": []}

    message = refused(final_report.save)

    assert f"report {final_report.pk} is final: it can no longer change" in message
    assert stored(final_report) == before


def test_a_final_report_cannot_be_changed_by_a_bulk_update(final_report):
    before = stored(final_report)

    message = refused(lambda: Report.objects.filter(pk=final_report.pk).update(status=Report.Status.DRAFT))

    assert "is final: it can no longer change" in message
    assert stored(final_report) == before


def test_a_final_report_cannot_be_changed_or_deleted_by_sql(final_report):
    before = stored(final_report)

    def sql(statement: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(statement, [final_report.pk])

        return run

    assert "is final" in refused(sql("UPDATE reports_report SET checksum = 'x' WHERE id = %s"))
    assert "is final" in refused(sql("UPDATE reports_report SET figures = '{}'::jsonb WHERE id = %s"))
    assert "cannot be deleted" in refused(sql("DELETE FROM reports_report WHERE id = %s"))
    assert stored(final_report) == before


def test_a_drafts_figures_cannot_be_changed_and_no_report_is_deleted(coordinator):
    draft = computed(coordinator)
    before = stored(draft)

    message = refused(lambda: Report.objects.filter(pk=draft.pk).update(figures={"format": 1, "tables": []}))
    assert "its figures never change (generate a new version)" in message
    assert "cannot be deleted" in refused(lambda: Report.objects.filter(pk=draft.pk).delete())
    assert stored(draft) == before


def test_a_sign_off_cannot_be_changed_or_deleted(final_report):
    sign_off = final_report.sign_offs.get(agency__code="UNHCR")
    before = list(ReportSignOff.objects.values().order_by("pk"))

    def sql(statement: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(statement, [sign_off.pk])

        return run

    assert "never changed or removed" in refused(lambda: ReportSignOff.objects.filter(pk=sign_off.pk).delete())
    assert "never changed or removed" in refused(sql("DELETE FROM reports_reportsignoff WHERE id = %s"))
    assert "never changed or removed" in refused(sql("UPDATE reports_reportsignoff SET note = 'x' WHERE id = %s"))
    assert list(ReportSignOff.objects.values().order_by("pk")) == before

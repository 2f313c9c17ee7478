"""The households list as a file (CSV, XLSX): what the page lists, with its filters, for managers;
never a formula; every household sent in the access log as an export."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from agencies.models import AccessLogEntry, Agency, User
from returns import exports
from returns.demo import registry_clear
from returns.models import Household, ImportBatch, Member
from returns.services.households import household_register
from returns.services.imports import import_start, import_upload
from tests.factories import UserFactory, household, member, por_card

pytestmark = pytest.mark.django_db
CSV_URL = reverse("returns:household-export-csv")
XLSX_URL = reverse("returns:household-export-xlsx")


@pytest.fixture
def registry():
    unhcr = Agency.objects.get(code="UNHCR")
    officer = UserFactory(username="officer.export", agency=unhcr, role=User.Role.FIELD_OFFICER)
    registered = [
        household_register(
            registered_by=officer,
            registration=household(
                members=[
                    member(
                        given_name=given,
                        fathers_name="Rahim",
                        given_name_local=local,
                        documents=[por_card(number=f"PK-EXP-{index}")],
                    ),
                    member(relationship="son", given_name="Wali", age=9),
                ]
            ),
        )
        for index, (given, local) in enumerate([("Naveed", "نوید"), ('=HYPERLINK("http://x")', "")])
    ]
    manager = UserFactory(username="manager.export", agency=unhcr, role=User.Role.MANAGER)
    return manager, registered


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_a_manager_exports_the_filtered_list_as_csv_and_each_household_is_logged(client, registry):
    manager, (naveed, _formula) = registry
    client.force_login(manager)

    response = client.get(CSV_URL, {"q": "Naveed"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="households-')
    header, *rows = csv_rows(response)
    assert header[:3] == ["Household id", "Registration number", "Arrival date"]
    assert rows == [
        [
            str(naveed.public_id),
            naveed.registration_number,
            naveed.arrival_date.isoformat(),
            naveed.office.code,
            "UNHCR",
            naveed.category,
            naveed.return_type_id,
            naveed.country_of_departure_id,
            naveed.destination_province_id,
            naveed.destination_district_id or "",
            "2",
            "Naveed Rahim",
            "نوید",
            naveed.phone,
        ]
    ]
    [entry] = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT)
    assert (entry.kind, entry.record_ids, entry.user_id) == (
        AccessLogEntry.Kind.HOUSEHOLD,
        [naveed.public_id],
        manager.pk,
    )


def test_a_name_typed_as_a_formula_is_written_as_text(client, registry):
    manager, (_naveed, formula) = registry
    client.force_login(manager)

    rows = csv_rows(client.get(CSV_URL, {"q": "Rahim"}))
    xlsx = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(XLSX_URL, {"q": "Rahim"}).streaming_content)))

    heads = {row[1]: row[11] for row in rows[1:]}
    assert heads[formula.registration_number] == '\'=HYPERLINK("http://x") Rahim'
    sheet = xlsx.active
    cells = {row[1]: row[11] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[formula.registration_number] == '\'=HYPERLINK("http://x") Rahim'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_holds_the_same_rows_with_dates_and_numbers_typed(client, registry):
    manager, (naveed, _formula) = registry
    client.force_login(manager)

    response = client.get(XLSX_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == exports_content_type()
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    row = rows[str(naveed.public_id)]
    assert (row[2].date(), row[10]) == (naveed.arrival_date, 2)
    assert sheet.freeze_panes == "A2"
    assert len(rows) == 2


def exports_content_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_field_officer_may_not_export_and_nothing_is_logged(client, registry):
    client.force_login(User.objects.get(username="officer.export"))

    response = client.get(CSV_URL)

    assert response.status_code == 403
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


def test_too_many_households_is_refused_with_a_message_and_nothing_sent(client, registry, monkeypatch):
    manager, _households = registry
    client.force_login(manager)
    monkeypatch.setattr("returns.views.households.EXPORT_MAX_ROWS", 1)

    response = client.get(CSV_URL, {"q": "Rahim"}, follow=True)

    assert response.redirect_chain == [(reverse("returns:household-list") + "?q=Rahim", 302)]
    assert "More than 1 households match" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


def test_the_list_offers_the_export_with_its_filters_to_managers_only(client, registry):
    manager, _households = registry
    client.force_login(manager)
    page = client.get(reverse("returns:household-list"), {"q": "Rahim"}).content.decode()
    assert f'href="{CSV_URL}?q=Rahim"' in page
    assert f'href="{XLSX_URL}?q=Rahim"' in page

    client.force_login(User.objects.get(username="officer.export"))
    assert CSV_URL not in client.get(reverse("returns:household-list")).content.decode()


def test_the_export_reads_the_households_in_a_fixed_number_of_queries(client, registry, django_assert_num_queries):
    manager, _households = registry
    client.force_login(manager)
    client.get(CSV_URL)  # sessions and reference data warmed

    # The session and its user, the cap, the rows, the access log row.
    with django_assert_num_queries(5):
        b"".join(client.get(CSV_URL).streaming_content)
    assert (exports.EXPORT_INLINE_ROWS, exports.EXPORT_MAX_ROWS) == (10_000, 500_000)


def test_a_round_trip_export_then_import_into_an_empty_registry_gives_the_same_registry(
    client, registry, django_capture_on_commit_callbacks
):
    # Given the registry's households, exported one row per person as the import template
    manager, _households = registry
    client.force_login(manager)
    # (A name typed as a formula goes out as text, "'=...", and an import refuses it: not in this registry.)
    Member.objects.filter(given_name__startswith="=").update(given_name="Hyder")
    before = registry_content()
    exported = b"".join(client.get(reverse("returns:people-export-csv")).streaming_content)

    # When the registry is emptied and the file imported by an officer
    registry_clear()
    assert Household.objects.count() == 0
    officer = User.objects.get(username="officer.export")
    batch = import_upload(uploaded_by=officer, file_name="people.csv", content=exported, mode="all_or_nothing")
    assert (batch.status, batch.problems) == (ImportBatch.Status.VALIDATED, [])
    with django_capture_on_commit_callbacks(execute=True):
        import_start(batch=batch, started_by=officer)

    # Then the registry holds the same households and people, routed the same way
    assert registry_content() == before


def registry_content() -> list:
    households = Household.objects.order_by("arrival_date", "registration_number")
    return sorted(
        (
            household.arrival_date,
            household.office.code,
            household.country_of_departure_id,
            household.return_type_id,
            household.destination_province_id,
            household.destination_district_id,
            household.phone,
            household.routed_agency.code,
            household.category,
            tuple(
                sorted(
                    (
                        person.given_name,
                        person.fathers_name,
                        person.family_name,
                        person.given_name_local,
                        person.sex,
                        person.relationship,
                        person.date_of_birth,
                        person.estimated_age,
                        tuple(
                            person.documents.values_list(
                                "document_type_id", "number", "issuing_country_id", "expiry_date"
                            )
                        ),
                        tuple(sorted(person.specific_needs.values_list("code", flat=True))),
                    )
                    for person in household.members.all()
                )
            ),
        )
        for household in households
    )

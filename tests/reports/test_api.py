"""The joint report over the API: staff and partners' keys read through the gate, partners final
reports and the public edition only; coordinators generate."""

import pytest

from reports.models import Report
from reports.services import report_sign_off
from tests.partner_api.conftest import ALL_SCOPES, admin_user, agreement, key_client, make_key, nrc, staff_client
from tests.reports.test_services import computed, register_2017, requested

# The partner API's fixtures (NRC, its agreement, its keys, staff tokens), used here as they are there.
PARTNER_FIXTURES = (admin_user, agreement, key_client, make_key, nrc, staff_client)

URL = "/api/v1/reports/"


@pytest.fixture
def final_report(coordinator, unhcr_manager, iom_manager) -> Report:
    report = computed(coordinator)
    report_sign_off(report=report, signed_by=unhcr_manager)
    report_sign_off(report=report, signed_by=iom_manager)
    return report


def test_the_schema_describes_the_report_endpoints_and_keeps_the_statistics(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert sorted(paths[URL]) == ["get", "post"]
    assert sorted(paths[URL]["get"]["responses"]) == ["200", "400", "401", "403", "429"]
    assert sorted(paths[URL]["post"]["responses"]) == ["202", "400", "401", "403", "413", "415", "422", "429"]
    assert sorted(paths["/api/v1/reports/{id}/"]["get"]["responses"]) == ["200", "401", "403", "404", "429"]
    figures = paths["/api/v1/reports/{id}/figures/"]["get"]
    assert sorted(figures["responses"]) == ["200", "400", "401", "403", "404", "409", "429"]
    assert "/api/v1/statistics/returns/" in paths


# The key (1; its use is recorded at most once a minute, so warmed first); the reports (1) and their sign-offs (1).
PARTNER_LIST_QUERIES = 3


def test_a_partner_reads_final_reports_only(
    key_client, agreement, coordinator, final_report, django_assert_num_queries
):
    draft = computed(coordinator)
    requested(coordinator)
    partner = key_client(["reports:read"])
    partner.get("/api/v1/statistics/returns/", {"year": 2017})  # the key's first use is recorded

    with django_assert_num_queries(PARTNER_LIST_QUERIES):
        response = partner.get(URL)

    assert response.status_code == 200
    listed = response.json()["results"]
    assert [item["id"] for item in listed] == [str(final_report.public_id)]
    item = listed[0]
    assert (item["status"], item["version"], item["checksum"], item["edition"]) == (
        "final",
        1,
        final_report.checksum,
        "public",
    )
    assert [sign_off["agency"] for sign_off in item["sign_offs"]] == ["UNHCR", "IOM"]
    assert item["title"] == "Joint UNHCR-IOM report on returns, 2017"
    assert item["links"]["figures"] == f"http://testserver{URL}{final_report.public_id}/figures/"
    assert partner.get(f"{URL}{draft.public_id}/").status_code == 404


def test_a_partner_has_the_public_edition_of_the_figures_only(key_client, agreement, final_report, unhcr_officer):
    partner = key_client(["reports:read"])

    public = partner.get(f"{URL}{final_report.public_id}/figures/")
    internal = partner.get(f"{URL}{final_report.public_id}/figures/", {"edition": "internal"})

    assert public.status_code == 200
    assert public.json()["edition"] == "public"
    assert public.json()["format"] == 1
    assert internal.status_code == 403
    assert internal.json()["detail"] == "This caller may have the public edition of the joint report only."


def test_a_key_without_reports_read_reads_no_report(key_client, agreement, final_report):
    partner = key_client(["households:read"])

    assert partner.get(URL).status_code == 403
    assert partner.get(f"{URL}{final_report.public_id}/figures/").status_code == 403


def test_staff_read_drafts_and_the_internal_edition(staff_client, coordinator, unhcr_manager):
    register_2017_report = computed(coordinator)
    client = staff_client(unhcr_manager)

    listed = client.get(URL).json()["results"]
    figures = client.get(f"{URL}{register_2017_report.public_id}/figures/")

    assert [item["status"] for item in listed] == ["draft"]
    assert figures.json()["edition"] == "internal"
    assert figures.json() == register_2017_report.figures


def test_a_coordinator_has_the_public_edition_and_a_report_not_computed_has_no_figures(staff_client, coordinator):
    draft = computed(coordinator)
    queued = requested(coordinator)
    client = staff_client(coordinator)

    assert client.get(f"{URL}{draft.public_id}/figures/").json()["edition"] == "public"
    assert client.get(f"{URL}{draft.public_id}/figures/", {"edition": "internal"}).status_code == 403
    not_computed = client.get(f"{URL}{queued.public_id}/figures/")
    assert (not_computed.status_code, not_computed.json()["code"]) == (409, "not_computed")


def test_a_coordinator_generates_a_report_over_the_api(
    staff_client, coordinator, unhcr_officer, django_capture_on_commit_callbacks
):
    register_2017(unhcr_officer, families=2)
    client = staff_client(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"year": 2017, "reference_date": "arrival"}, format="json")

    assert response.status_code == 202
    report = Report.objects.get()
    assert response.json()["id"] == str(report.public_id)
    assert response.json()["status"] == "queued"  # answered before the commit runs the computation
    assert response["Location"] == f"{URL}{report.public_id}/"
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    detail = client.get(f"{URL}{report.public_id}/").json()
    assert (detail["status"], detail["progress"], detail["checksum"]) == ("draft", 100, report.checksum)


def test_a_refused_request_answers_400_beside_the_field_and_saves_nothing(staff_client, coordinator):
    client = staff_client(coordinator)

    response = client.post(URL, {"period_start": "2016-01-01", "period_end": "2017-06-30"}, format="json")

    assert response.status_code == 400
    assert [(error["path"], error["code"]) for error in response.json()["errors"]] == [
        ("period_end", "period_too_long")
    ]
    assert not Report.objects.exists()


def test_staff_and_partners_cannot_generate(staff_client, key_client, agreement, unhcr_manager):
    assert staff_client(unhcr_manager).post(URL, {"year": 2017}, format="json").status_code == 403
    assert key_client(ALL_SCOPES).post(URL, {"year": 2017}, format="json").status_code == 403
    assert not Report.objects.exists()

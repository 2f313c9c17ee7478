import uuid

from django.utils import timezone

from returns.models import Case, CaseEvent
from tests.problems import problem_of
from tests.returns.cases.api.conftest import register_iom_case, register_unhcr_case

URL = "/api/v1/cases/assign/"


def _assign(client, cases, assignee):
    return client.post(URL, {"cases": [str(case.public_id) for case in cases], "assignee": assignee}, format="json")


def test_a_manager_assigns_cases_to_a_case_worker(client_for, unhcr_manager, unhcr_worker, unhcr_officer):
    cases = [register_unhcr_case(unhcr_officer, given_name=name) for name in ("A", "B")]

    response = _assign(client_for(unhcr_manager), cases, "unhcr.worker.t")

    assert (response.status_code, response.json()) == (200, {"changed": 2})
    assert list(Case.objects.order_by("pk").values_list("assigned_to__username", "version")) == [
        ("unhcr.worker.t", 2),
        ("unhcr.worker.t", 2),
    ]
    assert CaseEvent.objects.filter(kind="assigned").count() == 2
    # And the case worker finds them with the filter
    listed = client_for(unhcr_worker).get("/api/v1/cases/", {"assigned_to": "unhcr.worker.t"}).json()["results"]
    assert len(listed) == 2


def test_assigning_again_changes_only_what_moved_and_null_unassigns(
    client_for, unhcr_manager, unhcr_worker, unhcr_case
):
    client = client_for(unhcr_manager)
    _assign(client, [unhcr_case], "unhcr.worker.t")

    again = _assign(client, [unhcr_case], "unhcr.worker.t")
    unassigned = _assign(client, [unhcr_case], None)

    assert (again.json(), unassigned.json()) == ({"changed": 0}, {"changed": 1})
    unhcr_case.refresh_from_db()
    assert (unhcr_case.assigned_to, unhcr_case.version) == (None, 3)


def test_only_a_manager_assigns(client_for, unhcr_worker, unhcr_case):
    response = _assign(client_for(unhcr_worker), [unhcr_case], "unhcr.worker.t")

    assert response.status_code == 403
    assert problem_of(response) == {"code": "permission_denied", "detail": "Only a manager assigns cases."}
    unhcr_case.refresh_from_db()
    assert (unhcr_case.assigned_to, unhcr_case.version) == (None, 1)


def test_a_case_of_another_agency_refuses_the_lot(client_for, unhcr_manager, unhcr_worker, unhcr_case, unhcr_officer):
    iom_case = register_iom_case(unhcr_officer)

    response = _assign(client_for(unhcr_manager), [unhcr_case, iom_case], "unhcr.worker.t")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "cases",
            "code": "unknown_case",
            "message": "Some of the chosen cases are closed or not your agency's.",
        }
    ]
    assert list(Case.objects.values_list("assigned_to", flat=True)) == [None, None]


def test_an_unknown_or_closed_case_refuses_the_lot(client_for, unhcr_manager, unhcr_worker, unhcr_case, unhcr_officer):
    closed = register_unhcr_case(unhcr_officer, given_name="Z")
    Case.objects.filter(pk=closed.pk).update(stage="closed", closed_at=timezone.now(), outcome="assisted")
    client = client_for(unhcr_manager)

    unknown = client.post(
        URL, {"cases": [str(unhcr_case.public_id), str(uuid.UUID(int=7))], "assignee": "unhcr.worker.t"}, format="json"
    )
    with_closed = _assign(client, [unhcr_case, closed], "unhcr.worker.t")

    assert [response.json()["errors"][0]["code"] for response in (unknown, with_closed)] == ["unknown_case"] * 2
    unhcr_case.refresh_from_db()
    assert unhcr_case.assigned_to is None


def test_an_assignee_of_another_agency_is_refused(client_for, unhcr_manager, iom_worker, unhcr_case):
    response = _assign(client_for(unhcr_manager), [unhcr_case], "iom.worker.t")

    assert response.json()["errors"] == [
        {
            "path": "assignee",
            "code": "invalid_assignee",
            "message": "Assign cases to an active colleague of your agency.",
        }
    ]


def test_the_body_is_checked(client_for, unhcr_manager):
    response = client_for(unhcr_manager).post(URL, {"cases": ["not-a-uuid"], "assignee": "nobody"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "cases.0", "code": "invalid", "message": "Must be a valid UUID."},
        {"path": "assignee", "code": "does_not_exist", "message": "Object with username=nobody does not exist."},
    ]

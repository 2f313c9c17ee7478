import datetime
import uuid

import pytest
from django.utils import timezone

from returns.models import Case
from tests.access_log_support import LOG_ROW
from tests.factories import member, vrf
from tests.problems import problem_of
from tests.returns.cases.api.conftest import register_unhcr_case

URL = "/api/v1/cases/"


def _ids(response) -> list[str]:
    return [item["id"] for item in response.json()["results"]]


# Visibility --------------------------------------------------------------------------------


def test_an_iom_officer_cannot_read_a_unhcr_case(client_for, iom_officer, unhcr_case):
    # When an IOM officer asks for a case of UNHCR, or its history
    client = client_for(iom_officer)
    detail = client.get(f"{URL}{unhcr_case.public_id}/")
    events = client.get(f"{URL}{unhcr_case.public_id}/events/")

    # Then it does not exist for them
    assert (detail.status_code, events.status_code) == (404, 404)
    assert problem_of(detail) == {"code": "not_found", "detail": "Not found."}


def test_each_agency_lists_only_its_own_cases(client_for, unhcr_worker, iom_officer, unhcr_case, iom_case):
    # When a UNHCR case worker and an IOM officer list cases
    unhcr_listed = client_for(unhcr_worker).get(URL)
    iom_listed = client_for(iom_officer).get(URL)

    # Then each sees only their agency's case
    assert _ids(unhcr_listed) == [str(unhcr_case.public_id)]
    assert _ids(iom_listed) == [str(iom_case.public_id)]


def test_a_coordinator_sees_no_cases(client_for, coordinator, unhcr_case, iom_case):
    client = client_for(coordinator)

    listed = client.get(URL)
    detail = client.get(f"{URL}{unhcr_case.public_id}/")

    assert listed.json() == {"next": None, "previous": None, "results": []}
    assert detail.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", URL),
        ("get", f"{URL}{uuid.UUID(int=1)}/"),
        ("get", f"{URL}{uuid.UUID(int=1)}/events/"),
        ("post", f"{URL}{uuid.UUID(int=1)}/transitions/"),
        ("post", f"{URL}assign/"),
        ("get", f"{URL}{uuid.UUID(int=1)}/assistance/"),
        ("post", f"/api/v1/assistance/{uuid.UUID(int=1)}/decision/"),
        ("get", "/api/v1/referrals/"),
        ("post", f"{URL}{uuid.UUID(int=1)}/referrals/"),
        ("post", f"/api/v1/referrals/{uuid.UUID(int=1)}/answer/"),
    ],
)
def test_anonymous_requests_get_401(db, anonymous_client, method, path):
    response = getattr(anonymous_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert problem_of(response) == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }


# Reading -----------------------------------------------------------------------------------


def test_a_case_reads_with_the_transitions_its_reader_may_fire(client_for, unhcr_worker, unhcr_case):
    # Given Ahmad (35, PoR card) and his son Omid (3, on his card): only Ahmad is old enough for iris
    # verification; either may be refused the grant
    ahmad = unhcr_case.household.members.get(relationship="head")
    omid = unhcr_case.household.members.get(relationship="son")
    iris = f"iris_{ahmad.public_id}"

    def refusal(person, name):
        return {
            "name": f"refuse_{person.public_id}",
            "type": "string",
            "label": f"Refuse {name} the grant, because",
            "required": False,
            "choices": None,
            "help_text": "Leave empty to pay this member.",
        }

    iris_choices = [
        {"value": "clear", "label": "Verified, not assisted before"},
        {"value": "previously_assisted", "label": "Assisted before (recycler)"},
        {"value": "failed", "label": "Could not be verified"},
    ]

    # When a UNHCR case worker reads the case
    response = client_for(unhcr_worker).get(f"{URL}{unhcr_case.public_id}/")

    # Then it says where the case stands and what the case worker can do, with each form's inputs
    assert response.status_code == 200
    body = response.json()
    unhcr_case.refresh_from_db()
    assert body == {
        "id": str(unhcr_case.public_id),
        "case_number": f"VR-{unhcr_case.household.registration_number}",
        "household": {
            "id": str(unhcr_case.household.public_id),
            "registration_number": unhcr_case.household.registration_number,
        },
        "agency": "UNHCR",
        "office": "TKM",
        "workflow": "unhcr_voluntary_repatriation",
        "stage": "verification",
        "stage_label": "Document and iris verification",
        "due_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        "overdue": False,
        "assigned_to": None,
        "is_vulnerable": False,
        "opened_at": body["opened_at"],
        "closed_at": None,
        "outcome": None,
        "version": 1,
        "updated_at": body["updated_at"],
        "entitlements": [],  # decided at verification
        "allowed_transitions": [
            {
                "code": "verify",
                "label": "Verified: go to encashment",
                "target": "encashment",
                "target_label": "Encashment (cash grant)",
                "inputs": [
                    {
                        "name": "documents_checked",
                        "type": "boolean",
                        "label": "The refugee card or VRF was checked and is genuine",
                        "required": True,
                        "choices": None,
                        "help_text": "",
                    },
                    {
                        "name": iris,
                        "type": "choice",
                        "label": "Iris verification: Ahmad Mohammad",
                        "required": True,
                        "choices": iris_choices,
                        "help_text": "",
                    },
                    refusal(ahmad, "Ahmad Mohammad"),
                    refusal(omid, "Omid Mohammad"),
                    {
                        "name": "note",
                        "type": "string",
                        "label": "Note",
                        "required": False,
                        "choices": None,
                        "help_text": "",
                    },
                ],
            },
            {
                "code": "refuse_grant",
                "label": "Refuse the grant and refer to IOM",
                "target": "closed",
                "target_label": "Closed",
                "inputs": [
                    {
                        "name": "documents_checked",
                        "type": "boolean",
                        "label": "The refugee card or VRF was checked and is genuine",
                        "required": False,
                        "choices": None,
                        "help_text": "",
                    },
                    {
                        "name": iris,
                        "type": "choice",
                        "label": "Iris verification: Ahmad Mohammad",
                        "required": True,
                        "choices": iris_choices,
                        "help_text": "",
                    },
                    refusal(ahmad, "Ahmad Mohammad"),
                    refusal(omid, "Omid Mohammad"),
                    {
                        "name": "note",
                        "type": "string",
                        "label": "Why the grant is refused",
                        "required": True,
                        "choices": None,
                        "help_text": "",
                    },
                ],
            },
        ],
    }


def test_a_field_officer_may_fire_no_verification_transition(client_for, unhcr_officer, unhcr_case):
    # Verification is for case workers and managers
    response = client_for(unhcr_officer).get(f"{URL}{unhcr_case.public_id}/")

    assert response.json()["allowed_transitions"] == []


def test_an_iom_screening_offers_vulnerability_codes_per_member(client_for, iom_worker, iom_case):
    # Given an IOM case, which opens at screening
    karim = iom_case.household.members.get()

    # When the case worker reads it
    [screen, not_eligible] = client_for(iom_worker).get(f"{URL}{iom_case.public_id}/").json()["allowed_transitions"]

    # Then Karim's vulnerabilities are a multiple choice among IOM's codes; not eligible closes the case
    assert (screen["code"], screen["target"]) == ("screen_eligible", "assistance")
    assert (not_eligible["code"], not_eligible["target"]) == ("screen_not_eligible", "closed")
    vulnerabilities, note = screen["inputs"]
    assert (vulnerabilities["name"], vulnerabilities["type"], vulnerabilities["required"]) == (
        f"vulnerabilities_{karim.public_id}",
        "multiple_choice",
        False,
    )
    assert len(vulnerabilities["choices"]) > 0
    assert (note["name"], note["type"]) == ("note", "string")


def test_a_closed_case_offers_no_transitions(client_for, unhcr_worker, unhcr_case):
    Case.objects.filter(pk=unhcr_case.pk).update(stage="closed", closed_at=timezone.now(), outcome="assisted")

    body = client_for(unhcr_worker).get(f"{URL}{unhcr_case.public_id}/").json()

    assert (body["stage"], body["outcome"], body["allowed_transitions"]) == ("closed", "assisted", [])


def test_the_history_comes_oldest_first(client_for, unhcr_worker, unhcr_manager, unhcr_case):
    # Given a case opened, then assigned
    client_for(unhcr_manager).post(
        f"{URL}assign/", {"cases": [str(unhcr_case.public_id)], "assignee": "unhcr.worker.t"}, format="json"
    )

    # When its history is read
    response = client_for(unhcr_worker).get(f"{URL}{unhcr_case.public_id}/events/")

    # Then both events come, in order, with who did them
    assert response.status_code == 200
    assert [
        (event["kind"], event["kind_label"], event["actor"], event["to_stage"], event["note"])
        for event in response.json()
    ] == [
        ("opened", "Opened", "unhcr.officer.t", "verification", ""),
        ("assigned", "Assigned", "unhcr.manager.t", "", "unhcr.worker.t"),
    ]


def test_an_id_that_is_not_a_uuid_is_not_found(client_for, unhcr_worker):
    assert client_for(unhcr_worker).get(f"{URL}12345/").status_code == 404


# Filters and pages -------------------------------------------------------------------------


@pytest.fixture
def three_cases(unhcr_officer, unhcr_worker):
    """An overdue case assigned to the worker, a closed one, and a fresh one (newest)."""
    overdue, closed, fresh = (register_unhcr_case(unhcr_officer, given_name=name) for name in ("A", "B", "C"))
    Case.objects.filter(pk=overdue.pk).update(
        stage_due_date=timezone.localdate() - datetime.timedelta(days=2), assigned_to=unhcr_worker
    )
    Case.objects.filter(pk=closed.pk).update(stage="closed", closed_at=timezone.now(), outcome="assisted")
    return overdue, closed, fresh


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["fresh", "closed", "overdue"]),
        ({"stage": "verification"}, ["fresh", "overdue"]),
        ({"stage": "closed"}, ["closed"]),
        ({"open": "true"}, ["fresh", "overdue"]),
        ({"open": "false"}, ["closed"]),
        ({"overdue": "true"}, ["overdue"]),
        ({"overdue": "false"}, ["fresh", "closed"]),
        ({"assigned_to": "unhcr.worker.t"}, ["overdue"]),
        ({"unassigned": "true"}, ["fresh", "closed"]),
        ({"office": "TKM"}, ["fresh", "closed", "overdue"]),
        ({"office": "IQL"}, []),
    ],
)
def test_the_list_is_filtered(client_for, unhcr_worker, three_cases, params, expected):
    names = dict(zip(("overdue", "closed", "fresh"), (str(case.public_id) for case in three_cases), strict=True))

    response = client_for(unhcr_worker).get(URL, params)

    assert response.status_code == 200
    assert _ids(response) == [names[name] for name in expected]


def test_the_overdue_flag_is_shown(client_for, unhcr_worker, three_cases):
    response = client_for(unhcr_worker).get(URL)

    assert [(item["overdue"], item["assigned_to"]) for item in response.json()["results"]] == [
        (False, None),
        (False, None),
        (True, "unhcr.worker.t"),
    ]


def test_updated_since_lists_what_changed_since(client_for, unhcr_worker, three_cases):
    overdue, _closed, _fresh = three_cases
    since = timezone.now()
    Case.objects.filter(pk=overdue.pk).update(updated_at=since + datetime.timedelta(seconds=1))

    response = client_for(unhcr_worker).get(URL, {"updated_since": since.isoformat()})

    assert _ids(response) == [str(overdue.public_id)]


def test_an_invalid_filter_is_a_400(client_for, unhcr_worker):
    response = client_for(unhcr_worker).get(URL, {"stage": "nowhere"})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "stage",
            "code": "invalid_choice",
            "message": "Select a valid choice. nowhere is not one of the available choices.",
        }
    ]


def test_pages_follow_each_other_newest_first(client_for, unhcr_worker, three_cases):
    client = client_for(unhcr_worker)

    first = client.get(URL, {"page_size": 2})
    second = client.get(first.json()["next"])

    assert _ids(first) + _ids(second) == [str(case.public_id) for case in reversed(three_cases)]
    assert second.json()["next"] is None


def test_a_page_size_over_100_is_refused_not_capped(client_for, unhcr_worker, unhcr_officer):
    for _ in range(101):
        register_unhcr_case(unhcr_officer)

    refused = client_for(unhcr_worker).get(URL, {"page_size": 500})
    largest = client_for(unhcr_worker).get(URL, {"page_size": 100})

    assert refused.status_code == 400
    assert [(error["path"], error["code"]) for error in refused.json()["errors"]] == [
        ("page_size", "invalid_page_size")
    ]
    assert len(largest.json()["results"]) == 100
    assert largest.json()["next"] is not None


# Query counts ------------------------------------------------------------------------------


@pytest.mark.usefixtures("warm_reference")
def test_listing_takes_the_same_queries_for_1_or_50_cases(
    client_for, unhcr_worker, unhcr_officer, django_assert_num_queries
):
    # Given 50 cases, half of them assigned
    cases = [register_unhcr_case(unhcr_officer, given_name=f"N{i}") for i in range(50)]
    Case.objects.filter(pk__in=[case.pk for case in cases[::2]]).update(assigned_to=unhcr_worker)
    client = client_for(unhcr_worker)

    # Then a page of 1 and a page of 50 both take: token, sync watermark, cases (with household, agency,
    # office, assignee)
    with django_assert_num_queries(3 + LOG_ROW):
        small = client.get(URL, {"page_size": 1})
    with django_assert_num_queries(3 + LOG_ROW):
        large = client.get(URL, {"page_size": 50})
    assert (len(small.json()["results"]), len(large.json()["results"])) == (1, 50)


@pytest.mark.usefixtures("warm_reference")
def test_reading_takes_the_same_queries_for_1_or_8_members(
    client_for, unhcr_worker, unhcr_officer, django_assert_num_queries
):
    single = register_unhcr_case(unhcr_officer)
    large = register_unhcr_case(
        unhcr_officer,
        members=[member(documents=[vrf()])]
        + [member(relationship="son", given_name=f"S{i}", age=6 + i, documents=[vrf()]) for i in range(7)],
    )
    client = client_for(unhcr_worker)

    # Both take: token, case, members, their documents (who the VRF covers), entitlements
    with django_assert_num_queries(5 + LOG_ROW):
        one = client.get(f"{URL}{single.public_id}/")
    with django_assert_num_queries(5 + LOG_ROW):
        eight = client.get(f"{URL}{large.public_id}/")
    # documents checked, an iris result and a refusal for each member, a note
    assert [len(body.json()["allowed_transitions"][0]["inputs"]) for body in (one, eight)] == [4, 18]


def test_the_history_takes_the_same_queries_for_1_or_many_events(
    client_for, unhcr_worker, unhcr_manager, unhcr_case, unhcr_checker, django_assert_num_queries
):
    client = client_for(unhcr_worker)
    with django_assert_num_queries(3 + LOG_ROW):  # token, case, events with their actors
        client.get(f"{URL}{unhcr_case.public_id}/events/")
    manager = client_for(unhcr_manager)
    for assignee in ("unhcr.worker.t", "unhcr.checker.t", None, "unhcr.worker.t"):
        manager.post(f"{URL}assign/", {"cases": [str(unhcr_case.public_id)], "assignee": assignee}, format="json")

    with django_assert_num_queries(3 + LOG_ROW):
        response = client.get(f"{URL}{unhcr_case.public_id}/events/")
    assert len(response.json()) == 5

"""Importing households from a spreadsheet: every problem by row and column before anything is saved,
then the households registered by the job through the one registration service, resumably."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Office, User
from agencies.problems import Refused
from returns.models import CaseEvent, Household, ImportBatch, ImportedHousehold, Member, MemberDocument, Referral
from returns.services import household_imports, imports
from returns.services import households as households_service
from returns.services.households import household_register, households_register
from returns.services.imports import COLUMNS, import_run, import_start, import_upload
from tests.factories import UserFactory, household, member, por_card

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def row(**cells) -> dict:
    base = {
        "household": "1",
        "arrival_date": "2025-11-01",
        "office": "TKM",
        "country_of_departure": "PK",
        "return_type": "voluntary_repatriation",
        "destination_province": "AF06",
        "sex": "male",
        "relationship": "head",
        "estimated_age": "35",
        "given_name": "Naveed",
        "fathers_name": "Gul",
    }
    return {**base, **cells}


def csv_of(*rows: dict, header: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for cells in rows:
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def officer():
    return UserFactory(
        username="officer.import",
        agency=Agency.objects.get(code="UNHCR"),
        office=Office.objects.get(code="TKM"),
        role=User.Role.FIELD_OFFICER,
    )


def two_families() -> bytes:
    return csv_of(
        row(
            household="A",
            document_type="por_card",
            document_number="PK-IMP-1",
            document_country="PK",
            document_expiry="2030-12-31",
        ),
        row(household="A", given_name="Wali", relationship="son", estimated_age="9"),
        row(
            household="B",
            given_name="Zarmina",
            fathers_name="Aziz",
            sex="female",
            arrival_date="1404/08/10",
            office="tkm",
            given_name_local="زرمینه",
            document_type="por_card",
            document_number="PK-IMP-2",
            document_country="pk",
            document_expiry="2031-01-31",
        ),
    )


def test_a_clean_file_is_checked_then_imported_through_the_registration_service(
    officer, django_capture_on_commit_callbacks
):
    batch = import_upload(uploaded_by=officer, file_name="arrivals.csv", content=two_families(), mode="all_or_nothing")

    assert (batch.status, batch.rows_total, batch.households_total, batch.households_valid, batch.problems) == (
        ImportBatch.Status.VALIDATED,
        3,
        2,
        2,
        [],
    )
    assert Household.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        import_start(batch=batch, started_by=officer)

    batch.refresh_from_db()
    assert (batch.status, batch.households_done, bytes(batch.content)) == (ImportBatch.Status.DONE, 2, b"")
    households = list(Household.objects.order_by("id"))
    assert [household.members.count() for household in households] == [2, 1]
    assert [household.routed_agency.code for household in households] == ["UNHCR", "UNHCR"]
    zarmina = Member.objects.get(given_name="Zarmina")
    # The Solar Hijri arrival date (1404/08/10) is 1 November 2025; codes in either case.
    assert (str(zarmina.household.arrival_date), zarmina.given_name_local) == ("2025-11-01", "زرمینه")
    assert list(ImportedHousehold.objects.order_by("position").values_list("position", "household_id")) == [
        (0, households[0].pk),
        (1, households[1].pk),
    ]


def test_every_problem_is_given_by_row_and_column_and_nothing_is_saved(officer):
    content = csv_of(
        row(household="A", arrival_date="31/02/2025"),
        row(household="A", given_name="", relationship="son", estimated_age="nine"),
        row(household="B", given_name='=HYPERLINK("x")', sex="unknown"),
        row(
            household="C",
            document_type="por_card",
            document_number="PK-DUP",
            document_country="PK",
            document_expiry="2030-12-31",
        ),
        row(
            household="D",
            document_type="por_card",
            document_number="PK-DUP",
            document_country="PK",
            document_expiry="2030-12-31",
        ),
    )

    batch = import_upload(uploaded_by=officer, file_name="bad.csv", content=content, mode="all_or_nothing")

    assert batch.status == ImportBatch.Status.INVALID
    places = [(problem["row"], problem["column"]) for problem in batch.problems]
    assert places == [
        (2, "arrival_date"),
        (3, "given_name"),
        (3, "estimated_age"),
        (4, "given_name"),
        (4, "sex"),
        (6, "document_number"),
    ], batch.problems
    assert batch.problems[-1]["message"] == "This document number is also on row 5."
    assert (batch.households_total, batch.households_valid) == (4, 1)
    assert Household.objects.count() == 0


def test_valid_rows_mode_imports_the_good_households_only(officer, django_capture_on_commit_callbacks):
    content = csv_of(row(household="A"), row(household="B", sex="unknown"), row(household="C", given_name="Omar"))

    batch = import_upload(uploaded_by=officer, file_name="mixed.csv", content=content, mode="valid_rows")
    assert (batch.status, batch.households_valid) == (ImportBatch.Status.VALIDATED, 2)
    with django_capture_on_commit_callbacks(execute=True):
        import_start(batch=batch, started_by=officer)

    assert sorted(Member.objects.values_list("given_name", flat=True)) == ["Naveed", "Omar"]


def test_all_or_nothing_cannot_start_with_problems(officer):
    batch = import_upload(
        uploaded_by=officer, file_name="x.csv", content=csv_of(row(household="A", sex="?")), mode="all_or_nothing"
    )

    with pytest.raises(Refused):
        import_start(batch=batch, started_by=officer)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID


class WorkerKilled(Exception):
    pass


def test_a_job_killed_half_way_continues_after_what_it_registered(officer, monkeypatch):
    batch = import_upload(uploaded_by=officer, file_name="arrivals.csv", content=two_families(), mode="valid_rows")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
    # The worker dies while registering the second household (after the first was committed: one
    # household a transaction).
    monkeypatch.setattr(imports, "CHUNK", 1)
    calls = []

    def dying(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise WorkerKilled
        return households_register(**kwargs)

    monkeypatch.setattr(household_imports, "households_register", dying)
    with pytest.raises(WorkerKilled):
        import_run(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.households_done, Household.objects.count()) == (ImportBatch.Status.IMPORTING, 1, 1)

    # When the task runs again (the broker redelivers it), then once more (delivered twice)
    monkeypatch.setattr(household_imports, "households_register", households_register)
    again = import_run(batch.pk)
    twice = import_run(batch.pk)

    # Then the second household is registered once, the first not again.
    assert (again.status, again.households_done, twice.households_done) == (ImportBatch.Status.DONE, 2, 2)
    assert sorted(Member.objects.filter(relationship="head").values_list("given_name", flat=True)) == [
        "Naveed",
        "Zarmina",
    ]
    assert Household.objects.count() == 2


def five_families(prefix: str) -> bytes:
    """Five households of two, each head with a card of their own."""
    return csv_of(
        *[
            cells
            for index in range(5)
            for cells in (
                row(
                    household=f"{prefix}{index}",
                    given_name=f"Head{prefix}{index}",
                    document_type="por_card",
                    document_number=f"PK-{prefix}-{index}",
                    document_country="PK",
                    document_expiry="2030-12-31",
                ),
                row(household=f"{prefix}{index}", given_name="Wali", relationship="son", estimated_age="9"),
            )
        ]
    )


def test_the_upload_finds_cards_already_registered_in_every_part_of_the_file_it_asks_the_registry_about(
    officer, monkeypatch
):
    # The registry asked two households at a time, each part while the next is checked (``CopyStream.query``)
    monkeypatch.setattr(household_imports, "REGISTRY_CHUNK", 2)
    registered = [
        household_register(
            registered_by=officer, registration=household(members=[member(documents=[por_card(number=number)])])
        )
        for number in ("PK-R-1", "PK-R-3")
    ]

    batch = import_upload(uploaded_by=officer, file_name="r.csv", content=five_families("R"), mode="all_or_nothing")

    assert batch.status == ImportBatch.Status.INVALID
    assert [(found["row"], found["column"], found["message"]) for found in batch.problems] == [
        (
            row_number,
            "document_number",
            f"This number is already registered for a person of household {earlier.registration_number}.",
        )
        for row_number, earlier in zip((4, 8), registered, strict=True)
    ]
    assert (batch.households_total, batch.households_valid, batch.valid_records) == (5, 3, [0, 2, 4])
    assert Household.objects.count() == 2
    assert MemberDocument.objects.count() == 2


def test_an_all_or_nothing_import_in_many_chunks_registers_every_household_in_the_files_order(officer, monkeypatch):
    # Chunks of two, in one transaction: each chunk's rows written with COPY on a thread of their own
    monkeypatch.setattr(imports, "CHUNK", 2)
    monkeypatch.setattr(households_service, "COPY_FROM", 1)
    batch = import_upload(uploaded_by=officer, file_name="a.csv", content=five_families("A"), mode="all_or_nothing")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)

    done = import_run(batch.pk)

    assert (done.status, done.households_done, Household.objects.count(), Member.objects.count()) == (
        ImportBatch.Status.DONE,
        5,
        5,
        10,
    )
    imported = list(ImportedHousehold.objects.filter(batch=batch).order_by("position"))
    assert [(item.position, item.household.members.get(relationship="head").given_name) for item in imported] == [
        (0, "HeadA0"),
        (1, "HeadA1"),
        (2, "HeadA2"),
        (3, "HeadA3"),
        (4, "HeadA4"),
    ]
    for item in imported:
        household = item.household
        assert [case.stage for case in household.cases.all()] == ["verification"]
        assert [event.kind for event in household.events.all()] == ["registered"]
        head = household.members.get(relationship="head")
        assert [(d.document_type_id, d.number) for d in head.documents.all()] == [("por_card", f"PK-A-{item.position}")]


def test_an_all_or_nothing_import_refused_in_its_last_chunk_registers_nothing(officer, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 2)
    monkeypatch.setattr(households_service, "COPY_FROM", 1)
    batch = import_upload(uploaded_by=officer, file_name="b.csv", content=five_families("B"), mode="all_or_nothing")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
    # The last household's card is registered at the border while the import waits in the queue
    meanwhile = household_register(
        registered_by=officer, registration=household(members=[member(documents=[por_card(number="PK-B-4")])])
    )

    failed = import_run(batch.pk)

    assert failed.status == ImportBatch.Status.FAILED
    assert failed.households_done == 0
    assert failed.error == (
        "Row 10 was refused when it was registered (This number is already registered for a person of household "
        f"{meanwhile.registration_number}.): nothing was imported."
    )
    assert list(Household.objects.all()) == [meanwhile]
    assert ImportedHousehold.objects.count() == 0


def test_a_valid_rows_import_refused_in_a_chunk_undoes_that_chunk_and_saves_the_others_one_by_one(officer, monkeypatch):
    # Chunks of two, each COPYed in a transaction of its own while the registry is asked (``CopyStream``)
    monkeypatch.setattr(imports, "CHUNK", 2)
    monkeypatch.setattr(households_service, "COPY_FROM", 1)
    batch = import_upload(uploaded_by=officer, file_name="c.csv", content=five_families("C"), mode="valid_rows")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
    # The second household's card is registered at the border while the import waits in the queue
    meanwhile = household_register(
        registered_by=officer, registration=household(members=[member(documents=[por_card(number="PK-C-1")])])
    )

    done = import_run(batch.pk)

    assert (done.status, done.households_done, done.households_valid) == (ImportBatch.Status.DONE, 4, 4)
    assert [(found["row"], found["column"], found["message"]) for found in done.problems] == [
        (
            4,
            "document_number",
            f"This number is already registered for a person of household {meanwhile.registration_number}.",
        )
    ]
    imported = ImportedHousehold.objects.filter(batch=batch).order_by("position")
    assert [item.position for item in imported] == [0, 2, 3, 4]
    assert Household.objects.count() == 5  # the four and the one registered meanwhile, nothing of the refused
    assert Member.objects.count() == 9
    assert MemberDocument.objects.filter(number="PK-C-1").count() == 1


def test_a_file_that_cannot_be_read_is_refused_with_the_reason(officer):
    with pytest.raises(Refused) as refused:
        import_upload(
            uploaded_by=officer, file_name="x.csv", content=b"given_name,sex\nNaveed,male\n", mode="all_or_nothing"
        )

    [problem] = refused.value.problems["file"]
    assert problem.code == "missing_columns"
    assert ImportBatch.objects.count() == 0


def test_the_pages_upload_check_and_offer_the_import(client, officer, django_capture_on_commit_callbacks):
    client.force_login(officer)
    upload = io.BytesIO(two_families())
    upload.name = "arrivals.csv"

    response = client.post(reverse("returns:import-list"), {"file": upload, "mode": "all_or_nothing"})

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:import-detail", kwargs={"public_id": batch.public_id})
    page = client.get(response["Location"]).content.decode()
    assert "Import 2 households" in page
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("returns:import-start", kwargs={"public_id": batch.public_id}))
    assert started.status_code == 302
    assert Household.objects.count() == 2


def test_the_problems_file_and_the_template(client, officer):
    client.force_login(officer)
    batch = import_upload(
        uploaded_by=officer, file_name="x.csv", content=csv_of(row(household="A", sex="?")), mode="all_or_nothing"
    )

    problems = b"".join(
        client.get(reverse("returns:import-problems", kwargs={"public_id": batch.public_id})).streaming_content
    )
    template = b"".join(client.get(reverse("returns:import-template-csv")).streaming_content)

    assert problems.decode("utf-8-sig").splitlines() == ["Row,Column,Problem", "2,sex,Choose female or male."]
    assert template.decode("utf-8-sig").splitlines()[0] == HEADER


def test_partners_and_other_officers_cannot_reach_an_import(client, officer):
    batch = import_upload(uploaded_by=officer, file_name="arrivals.csv", content=two_families(), mode="all_or_nothing")
    other = UserFactory(username="officer2.import", agency=Agency.objects.get(code="IOM"), role=User.Role.FIELD_OFFICER)
    client.force_login(other)

    assert client.get(reverse("returns:import-detail", kwargs={"public_id": batch.public_id})).status_code == 404
    assert client.post(reverse("returns:import-start", kwargs={"public_id": batch.public_id})).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


def test_a_person_may_carry_two_documents_and_each_is_checked_in_its_own_columns(
    officer, django_capture_on_commit_callbacks
):
    two = {
        "document_type": "por_card",
        "document_number": "PK-TWO-1",
        "document_country": "PK",
        "document_expiry": "2030-12-31",
        "document_2_type": "tazkira",
        "document_2_number": "TZ-TWO-1",
        "document_2_country": "AF",
    }
    clean = import_upload(uploaded_by=officer, file_name="two.csv", content=csv_of(row(**two)), mode="all_or_nothing")
    refused = import_upload(
        uploaded_by=officer,
        file_name="again.csv",
        content=csv_of(
            row(household="A", **two),
            # The second document repeats the first household's tazkira, in its own columns.
            row(
                household="B",
                given_name="Wali",
                document_2_type="tazkira",
                document_2_number="TZ-TWO-1",
                document_2_country="AF",
            ),
        ),
        mode="all_or_nothing",
    )

    assert (clean.status, clean.problems) == (ImportBatch.Status.VALIDATED, [])
    assert [(problem["row"], problem["column"]) for problem in refused.problems] == [(3, "document_2_number")]
    with django_capture_on_commit_callbacks(execute=True):
        import_start(batch=clean, started_by=officer)
    head = Member.objects.get(given_name="Naveed")
    assert list(head.documents.order_by("id").values_list("document_type_id", "number")) == [
        ("por_card", "PK-TWO-1"),
        ("tazkira", "TZ-TWO-1"),
    ]


def deported_families(count: int, *, deported: bool = True) -> bytes:
    """``count`` pairs of households of two with PoR cards: in each, one deported (flagged for protection
    follow-up: a referral to NRC; voluntary too when not ``deported``), then one that returned voluntarily
    (no flag that makes work)."""
    prefix = "D" if deported else "C"
    return csv_of(
        *[
            cells
            for index in range(count)
            for flagged in (True, False)
            for reference in [f"{prefix if flagged else 'V'}{index}"]
            for cells in (
                row(
                    household=reference,
                    given_name=f"Head{reference}",
                    return_type="deportation" if flagged and deported else "voluntary_repatriation",
                    document_type="por_card",
                    document_number=f"PK-{reference}",
                    document_country="PK",
                    document_expiry="2030-12-31",
                ),
                row(household=reference, given_name="Wali", relationship="son", estimated_age="9"),
            )
        ]
    )


def test_an_import_refers_its_flagged_households_as_one_registration_does_without_a_query_each(
    officer, monkeypatch, django_assert_num_queries
):
    # Chunks of four households written with COPY (the stream), six flagged for a follow-up among twelve
    monkeypatch.setattr(imports, "CHUNK", 4)
    monkeypatch.setattr(households_service, "COPY_FROM", 1)
    batch = import_upload(uploaded_by=officer, file_name="d.csv", content=deported_families(6), mode="all_or_nothing")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
    # The queries of a run do not grow with its flagged households (compared with the same file without flags)
    with CaptureQueriesContext(connection) as flagged_run:
        done = import_run(batch.pk)
    content = deported_families(6, deported=False).replace(b"PK-V", b"PK-W").replace(b",V", b",W")
    calm = import_upload(uploaded_by=officer, file_name="c.csv", content=content, mode="all_or_nothing")
    ImportBatch.objects.filter(pk=calm.pk).update(status=ImportBatch.Status.QUEUED)
    with CaptureQueriesContext(connection) as calm_run:
        calm_done = import_run(calm.pk)

    assert calm_done.status == ImportBatch.Status.DONE
    assert (done.status, done.households_done) == (ImportBatch.Status.DONE, 12)
    # Three chunks: each COPYs its referrals and their events (one statement each), whatever their number
    copied = [query["sql"].split(" (")[0] for query in flagged_run.captured_queries if query["sql"].startswith("COPY")]
    assert copied.count('COPY "returns_referral"') == 3
    assert len(flagged_run.captured_queries) == len(calm_run.captured_queries) + 2 * 3
    assert not [
        query for query in flagged_run.captured_queries if query["sql"].startswith('INSERT INTO "returns_referral"')
    ]
    today = timezone.localdate()
    imported = [item.household for item in ImportedHousehold.objects.filter(batch=batch).order_by("position")]
    for saved in imported:
        head = saved.members.get(relationship="head")
        case = saved.cases.get()
        referrals = list(Referral.objects.filter(case=case).order_by("pk"))
        if head.given_name.startswith("HeadD"):
            assert saved.flags == ["mixed_status", "protection_follow_up", "unhcr_verification"]
            assert [
                (r.from_agency.code, r.to_agency.code, r.service, r.status, r.due_date, r.created_by_id, r.member_id)
                for r in referrals
            ] == [("UNHCR", "NRC", "legal_aid", "pending", today + datetime.timedelta(days=3), officer.pk, None)]
            referral = referrals[0]
            assert referral.reason == (
                f"Flag: Protection follow-up: refugee-card holder deported. Routing: {saved.routing_reason}"
            )
            assert list(case.events.order_by("id").values_list("kind", "actor", "note", "details")) == [
                ("opened", officer.pk, "", {}),
                (
                    "referral_made",
                    officer.pk,
                    referral.reason,
                    {
                        "referral": str(referral.public_id),
                        "to": "NRC",
                        "service": "legal_aid",
                        "flag": "protection_follow_up",
                    },
                ),
            ]
        else:
            # No follow-up for these flags on a UNHCR case (UNHCR verifies at its own verification stage)
            assert (saved.flags, referrals) == (["mixed_status", "unhcr_verification"], [])
            assert list(case.events.values_list("kind", flat=True)) == ["opened"]
    assert Referral.objects.count() == 6
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.REFERRAL_MADE).count() == 6

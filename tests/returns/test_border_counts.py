"""Border arrival counts: versions never overwritten, impossible numbers refused, the grid and the
reconciliation counted in SQL."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, Country, Office
from agencies.problems import Refused
from returns import policy
from returns.models import BorderCount
from returns.models.counts import MEASURES
from returns.selectors.counts import border_count_grid, border_count_reconciliation
from returns.services.counts import CountEntry, border_count_record, border_counts_record
from returns.services.households import household_register
from tests.factories import UserFactory, api_token_for, household, member

# A Monday, and the month it is in: fixed days in the past.
MONDAY = datetime.date(2026, 10, 5)
NOTE = "Recounted from the gate's tally sheet."


def figures(**changes) -> dict[str, int]:
    """100 arrivals: 60 deported, 40 spontaneous; 70 in families, 30 alone; 40 female, 60 male."""
    counts = {
        "total": 100,
        "deported": 60,
        "spontaneous": 40,
        "in_families": 70,
        "individuals": 30,
        "female_0_4": 5,
        "female_5_11": 6,
        "female_12_17": 7,
        "female_18_59": 20,
        "female_60_plus": 2,
        "male_0_4": 5,
        "male_5_11": 8,
        "male_12_17": 9,
        "male_18_59": 35,
        "male_60_plus": 3,
    }
    return {**counts, **changes}


@pytest.fixture
def pakistan(db) -> Country:
    return Country.objects.get(code="PK")


@pytest.fixture
def iran(db) -> Country:
    return Country.objects.get(code="IR")


def record(user, crossing, *, day=MONDAY, country, note="", **changes) -> BorderCount:
    return border_count_record(
        recorded_by=user, crossing=crossing, day=day, country=country, counts=figures(**changes), note=note
    )


def stored() -> list[tuple]:
    return sorted(BorderCount.objects.values_list("crossing_id", "day", "country_id", "version", "total", "note"))


def refusal(excinfo) -> dict[str, list[tuple[str, str]]]:
    return {
        path: [(problem.code, problem.message) for problem in problems]
        for path, problems in excinfo.value.problems.items()
    }


# ---------------------------------------------------------------------------------------------
# Recording and correcting
# ---------------------------------------------------------------------------------------------


def test_an_iom_officer_records_a_days_counts_as_version_one(iom_officer, torkham, pakistan):
    count = record(iom_officer, torkham, country=pakistan)

    count.refresh_from_db()
    assert (count.crossing_id, count.day, count.country_id, count.version) == (torkham.pk, MONDAY, "PK", 1)
    assert {name: getattr(count, name) for name in MEASURES} == figures()
    assert count.recorded_by == iom_officer
    assert count.note == ""
    assert count.recorded_at.utcoffset() == datetime.timedelta(0)


def test_a_correction_is_a_new_version_and_keeps_the_previous_one(iom_officer, unhcr_officer, torkham, pakistan):
    first = record(iom_officer, torkham, country=pakistan)

    second = record(
        unhcr_officer, torkham, country=pakistan, note=NOTE, total=101, spontaneous=41, individuals=31, male_60_plus=4
    )

    assert stored() == [
        (torkham.pk, MONDAY, "PK", 1, 100, ""),
        (torkham.pk, MONDAY, "PK", 2, 101, NOTE),
    ]
    first.refresh_from_db()
    assert (first.total, first.recorded_by_id) == (100, iom_officer.pk)
    assert (second.version, second.recorded_by_id) == (2, unhcr_officer.pk)
    assert list(BorderCount.objects.current().values_list("pk", flat=True)) == [second.pk]


def test_each_country_of_departure_has_its_own_versions(iom_officer, torkham, pakistan, iran):
    record(iom_officer, torkham, country=pakistan)
    record(iom_officer, torkham, country=iran, **dict.fromkeys(MEASURES, 0))

    assert [row[2:4] for row in stored()] == [("IR", 1), ("PK", 1)]


# ---------------------------------------------------------------------------------------------
# Refusals: the exact message, and nothing saved
# ---------------------------------------------------------------------------------------------


def test_a_negative_count_is_refused_beside_its_field(iom_officer, torkham, pakistan):
    with pytest.raises(Refused) as excinfo:
        record(iom_officer, torkham, country=pakistan, female_0_4=-1, female_5_11=12)

    assert refusal(excinfo) == {"female_0_4": [("negative", "A count cannot be negative.")]}
    assert stored() == []


def test_a_breakdown_that_does_not_add_up_to_the_total_is_refused(iom_officer, torkham, pakistan):
    with pytest.raises(Refused) as excinfo:
        record(iom_officer, torkham, country=pakistan, deported=61, in_families=69, male_18_59=34)

    assert refusal(excinfo) == {
        "return_type": [
            (
                "breakdown_not_total",
                "Deported and spontaneous add up to 101, not to the 100 arrivals: correct them or the total.",
            )
        ],
        "travelling": [
            (
                "breakdown_not_total",
                "In families and individuals add up to 99, not to the 100 arrivals: correct them or the total.",
            )
        ],
        "sex_age": [
            (
                "breakdown_not_total",
                "The counts by sex and age add up to 99, not to the 100 arrivals: correct them or the total.",
            )
        ],
    }
    assert stored() == []


def test_a_day_that_has_not_come_yet_is_refused(iom_officer, torkham, pakistan):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(Refused) as excinfo:
        record(iom_officer, torkham, country=pakistan, day=tomorrow)

    assert refusal(excinfo) == {
        "day": [("future_day", "This day has not come yet: enter counts for today or an earlier day.")]
    }
    assert stored() == []


def test_today_may_be_counted(iom_officer, torkham, pakistan):
    assert record(iom_officer, torkham, country=pakistan, day=timezone.localdate()).version == 1


def test_an_office_that_is_not_a_crossing_point_is_refused(iom_officer, pakistan):
    kabul = Office.objects.exclude(kind=Office.Kind.BORDER_CROSSING).order_by("code").first()

    with pytest.raises(Refused) as excinfo:
        record(iom_officer, kabul, country=pakistan)

    assert refusal(excinfo) == {
        "crossing": [
            (
                "not_a_crossing",
                f"{kabul.name} is not a border crossing point: choose the crossing where the arrivals were counted.",
            )
        ]
    }
    assert stored() == []


def test_a_correction_without_a_note_is_refused_and_the_first_version_stays(iom_officer, torkham, pakistan):
    record(iom_officer, torkham, country=pakistan)
    before = stored()

    with pytest.raises(Refused) as excinfo:
        record(iom_officer, torkham, country=pakistan, note="   ", total=100)

    assert refusal(excinfo) == {
        "note": [
            (
                "correction_without_note",
                "These counts replace version 1: say why you are correcting them.",
            )
        ]
    }
    assert stored() == before


def test_many_counts_at_once_the_same_day_twice_are_its_first_two_versions(iom_officer, torkham, pakistan, iran):
    entries = [
        CountEntry(torkham, MONDAY, pakistan, figures(), import_position=0),
        CountEntry(torkham, MONDAY, iran, figures(total=100), import_position=1),
        CountEntry(torkham, MONDAY, pakistan, figures(), note=f"  {NOTE} ", import_position=2),
    ]

    recorded = border_counts_record(recorded_by=iom_officer, entries=entries)

    assert [(count.country_id, count.version, count.note, count.import_position) for count in recorded] == [
        ("PK", 1, "", 0),
        ("IR", 1, "", 1),
        ("PK", 2, NOTE, 2),
    ]
    assert stored() == [
        (torkham.pk, MONDAY, "IR", 1, 100, ""),
        (torkham.pk, MONDAY, "PK", 1, 100, ""),
        (torkham.pk, MONDAY, "PK", 2, 100, NOTE),
    ]


@pytest.mark.parametrize(
    ("third", "path", "code"),
    [
        ({"note": ""}, "note", "correction_without_note"),  # the same day again, without a note
        ({"counts": figures(total=-1)}, "total", "negative"),
    ],
)
def test_one_refused_count_among_many_is_named_and_none_is_recorded(
    iom_officer, torkham, pakistan, iran, third, path, code
):
    record(iom_officer, torkham, country=iran)
    before = stored()
    entries = [
        CountEntry(torkham, MONDAY + datetime.timedelta(days=1), pakistan, figures()),
        CountEntry(torkham, MONDAY, pakistan, figures()),
        CountEntry(**{"crossing": torkham, "day": MONDAY, "country": pakistan, "counts": figures(), **third}),
    ]

    with pytest.raises(Refused) as excinfo:
        border_counts_record(recorded_by=iom_officer, entries=entries)

    assert excinfo.value.position == 2
    assert [found[0] for found in refusal(excinfo)[path]] == [code]
    assert stored() == before


@pytest.mark.parametrize(
    ("role", "agency_code", "allowed"),
    [
        ("field_officer", "IOM", True),
        ("case_worker", "UNHCR", True),
        ("manager", "IOM", True),
        ("coordinator", "UNHCR", False),
        ("field_officer", "NRC", False),  # a partner NGO's staff do not count at the border
        ("partner", "NRC", False),
        ("admin", None, True),
    ],
)
def test_who_may_record_counts(db, torkham, pakistan, role, agency_code, allowed):
    user = UserFactory(
        username=f"counts.{role}.{agency_code}",
        role=role,
        agency=None if agency_code is None else Agency.objects.get(code=agency_code),
        office=None,
    )
    assert policy.may_record_border_counts(user) is allowed
    if allowed:
        assert record(user, torkham, country=pakistan).version == 1
        return
    with pytest.raises(PermissionDenied) as excinfo:
        record(user, torkham, country=pakistan)
    assert str(excinfo.value) == "Your role cannot record border counts."
    assert stored() == []


def test_the_database_refuses_a_breakdown_that_does_not_add_up(iom_officer, torkham, pakistan):
    with pytest.raises(IntegrityError, match="border_count_sex_age_sums_to_total"), transaction.atomic():
        BorderCount.objects.create(
            crossing=torkham, day=MONDAY, country=pakistan, version=1, recorded_by=iom_officer, **figures(male_0_4=6)
        )


def test_the_database_refuses_a_second_row_for_the_same_version(iom_officer, torkham, pakistan):
    record(iom_officer, torkham, country=pakistan)

    with pytest.raises(IntegrityError, match="border_count_one_row_per_version"), transaction.atomic():
        BorderCount.objects.create(
            crossing=torkham, day=MONDAY, country=pakistan, version=1, recorded_by=iom_officer, **figures()
        )


def test_the_database_refuses_a_correction_without_a_note(iom_officer, torkham, pakistan):
    record(iom_officer, torkham, country=pakistan)

    with pytest.raises(IntegrityError, match="border_count_correction_has_note"), transaction.atomic():
        BorderCount.objects.create(
            crossing=torkham, day=MONDAY, country=pakistan, version=2, recorded_by=iom_officer, **figures()
        )


# ---------------------------------------------------------------------------------------------
# The daily grid
# ---------------------------------------------------------------------------------------------


def test_the_grid_adds_up_current_versions_by_day(iom_officer, torkham, islam_qala, pakistan, iran):
    record(iom_officer, torkham, country=pakistan)
    record(iom_officer, torkham, country=pakistan, note=NOTE, total=90, deported=50, in_families=60, male_18_59=25)
    record(iom_officer, torkham, country=iran, total=10, deported=10, spontaneous=0, **_ten_men_alone())
    record(iom_officer, torkham, country=pakistan, day=MONDAY + datetime.timedelta(days=2))
    record(iom_officer, islam_qala, country=iran)  # another crossing: not in Torkham's grid

    grid = border_count_grid(
        user=iom_officer, crossing=torkham, first_day=datetime.date(2026, 10, 1), last_day=datetime.date(2026, 10, 31)
    )

    assert len(grid.days) == 31
    by_day = {row["day"]: row for row in grid.days if row["counted"]}
    assert sorted(by_day) == [MONDAY, MONDAY + datetime.timedelta(days=2)]
    monday = by_day[MONDAY]
    assert [monday[name] for name in ("total", "deported", "spontaneous", "in_families", "individuals")] == [
        100,
        60,
        40,
        60,
        40,
    ]
    assert (monday["male_18_59"], monday["female_18_59"]) == (35, 20)
    assert grid.totals["total"] == 200
    assert grid.totals["deported"] == 120
    assert grid.totals["male_18_59"] == 35 + 35
    assert grid.days[0] == {
        "day": datetime.date(2026, 10, 1),
        "iso_day": "2026-10-01",
        "counted": False,
        **dict.fromkeys(MEASURES, 0),
    }


def _ten_men_alone() -> dict[str, int]:
    return {
        "in_families": 0,
        "individuals": 10,
        **{name: 0 for name in MEASURES if name.startswith(("female_", "male_"))},
        "male_18_59": 10,
    }


def test_the_grid_page_shows_the_corrected_figures(client, iom_officer, torkham, pakistan):
    record(iom_officer, torkham, country=pakistan)
    record(iom_officer, torkham, country=pakistan, note=NOTE, total=101, spontaneous=41, individuals=31, male_0_4=6)
    client.force_login(iom_officer)

    response = client.get(reverse("returns:border-count-grid"), {"crossing": "TKM", "month": "2026-10"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<tr data-day="{MONDAY.isoformat()}">' in html
    assert '<td class="numeric" data-measure="total">101</td>' in html
    assert '<td class="numeric" data-measure="total">100</td>' not in html


def test_the_grid_page_takes_the_same_queries_for_one_day_or_twenty(
    client, iom_officer, torkham, pakistan, iran, django_assert_num_queries
):
    client.force_login(iom_officer)
    url = reverse("returns:border-count-grid")
    params = {"crossing": "TKM", "month": "2026-10"}
    record(iom_officer, torkham, country=pakistan)
    client.get(url, params)  # the reference snapshot, loaded once per process

    # session, user, the grid by day (the month's totals are their sum)
    with django_assert_num_queries(3):
        assert client.get(url, params).status_code == 200
    for offset in range(1, 20):
        record(iom_officer, torkham, country=iran, day=MONDAY + datetime.timedelta(days=offset))
    with django_assert_num_queries(3):
        assert client.get(url, params).status_code == 200


def test_the_grid_page_shows_a_whole_year_in_the_same_queries(
    client, iom_officer, torkham, pakistan, iran, django_assert_num_queries
):
    # 2026: counts in January, October (corrected) and December, from two countries
    record(iom_officer, torkham, country=pakistan, day=datetime.date(2026, 1, 1))
    record(iom_officer, torkham, country=pakistan)
    record(iom_officer, torkham, country=pakistan, note=NOTE, total=90, deported=50, in_families=60, male_18_59=25)
    record(iom_officer, torkham, country=iran, total=10, deported=10, spontaneous=0, **_ten_men_alone())
    record(iom_officer, torkham, country=iran, day=datetime.date(2025, 12, 31))  # the year before: not shown
    client.force_login(iom_officer)
    url, params = reverse("returns:border-count-grid"), {"crossing": "TKM", "month": "2026-10", "period": "year"}
    client.get(url, params)  # the reference snapshot, loaded once per process

    # session, user, the grid by day (the year's totals are their sum): as for a month
    with django_assert_num_queries(3):
        response = client.get(url, params)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<tr data-day=") == 2
    assert html.count('<tr class="border-grid__empty" data-day=') == 363  # 365 days in 2026
    assert 'data-day="2026-01-01"' in html and 'data-day="2026-12-31"' in html
    assert 'data-day="2025-12-31"' not in html
    assert [row["total"] for row in response.context["grid"].days if row["counted"]] == [100, 100]
    assert '<th scope="row">Year</th><td class="numeric" data-measure="total">200</td>' in re.sub(r">\s+<", "><", html)
    assert "Torkham border crossing, 2026</h2>" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("field_officer", 200), ("partner", 403)],
)
def test_who_may_read_the_grid(client, db, role, status):
    user = UserFactory(username=f"grid.{role}", role=role, agency=Agency.objects.get(code="NRC"))
    client.force_login(user)

    assert client.get(reverse("returns:border-count-grid")).status_code == status
    assert client.get(reverse("returns:border-count-reconciliation")).status_code == status


def test_anonymous_visitors_do_not_see_counts(client, db):
    response = client.get(reverse("returns:border-count-grid"))
    assert response.status_code == 302


# ---------------------------------------------------------------------------------------------
# The entry page
# ---------------------------------------------------------------------------------------------


def page_data(**changes) -> dict[str, str]:
    return {"crossing": "TKM", "day": MONDAY.isoformat(), "country": "PK", "note": "", **figures(**changes)}


def test_the_entry_page_shows_a_breakdown_error_beside_its_group_and_saves_nothing(client, iom_officer):
    client.force_login(iom_officer)

    response = client.post(reverse("returns:border-count-record"), page_data(deported=61))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<fieldset class="count-group count-group--invalid" data-breakdown="return_type">' in html
    assert "Deported and spontaneous add up to 101, not to the 100 arrivals: correct them or the total." in html
    assert "Nothing was saved." in html
    assert stored() == []


def test_the_entry_page_saves_and_shows_the_history_for_a_correction(client, iom_officer, torkham):
    client.force_login(iom_officer)
    url = reverse("returns:border-count-record")

    response = client.post(url, page_data())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('returns:border-count-grid')}?crossing=TKM&month=2026-10"

    page = client.get(url, {"crossing": "TKM", "day": MONDAY.isoformat(), "country": "PK"}).content.decode()
    assert "This day already has counts (version 1)" in page
    assert 'name="total" value="100"' in page

    refused = client.post(url, page_data(total=100)).content.decode()
    assert "These counts replace version 1: say why you are correcting them." in refused

    assert client.post(url, {**page_data(), "note": NOTE}).status_code == 302
    assert [row[3:] for row in stored()] == [(1, 100, ""), (2, 100, NOTE)]


def test_the_nav_links_follow_the_policy(client, iom_officer, coordinator):
    client.force_login(iom_officer)
    html = client.get(reverse("returns:household-list")).content.decode()
    assert f'href="{reverse("returns:border-count-record")}"' in html
    assert f'href="{reverse("returns:border-count-grid")}"' in html

    client.force_login(coordinator)
    html = client.get(reverse("returns:household-list")).content.decode()
    assert f'href="{reverse("returns:border-count-record")}"' not in html
    assert f'href="{reverse("returns:border-count-grid")}"' in html
    assert client.get(reverse("returns:border-count-record")).status_code == 403


# ---------------------------------------------------------------------------------------------
# Counted against registered
# ---------------------------------------------------------------------------------------------


def test_the_reconciliation_sets_counted_arrivals_against_registered_people(
    iom_officer, unhcr_officer, coordinator, torkham, islam_qala, pakistan, iran
):
    # Week 41 (5-11 October) at Torkham: 100 counted on Monday, 100 on Tuesday corrected to 90
    record(iom_officer, torkham, country=pakistan)
    record(iom_officer, torkham, country=pakistan, day=MONDAY + datetime.timedelta(days=1))
    record(
        iom_officer,
        torkham,
        country=pakistan,
        day=MONDAY + datetime.timedelta(days=1),
        note=NOTE,
        total=90,
        deported=50,
        in_families=60,
        male_18_59=25,
    )
    # ... a household of three and one of one registered there that week, one of two the week after
    household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=MONDAY,
            members=[
                member(),
                member(relationship="spouse", given_name="Zarghuna", sex="female", age=30),
                member(relationship="son", given_name="Wali", age=8),
            ],
        ),
    )
    household_register(
        registered_by=unhcr_officer,
        registration=household(arrival_date=MONDAY + datetime.timedelta(days=6), members=[member(given_name="Gul")]),
    )
    household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=MONDAY + datetime.timedelta(days=7),
            members=[member(given_name="Nasir"), member(relationship="spouse", given_name="Mina", sex="female")],
        ),
    )
    # Islam Qala counted in week 41, nobody registered
    record(iom_officer, islam_qala, country=iran)

    rows = border_count_reconciliation(
        user=coordinator, first_day=MONDAY, last_day=MONDAY + datetime.timedelta(days=13)
    )

    assert [(row.crossing.code, row.iso_week, row.counted, row.registered, row.unregistered) for row in rows] == [
        ("IQL", "2026-W41", 100, 0, 100),
        ("TKM", "2026-W41", 190, 4, 186),
        ("TKM", "2026-W42", 0, 2, -2),
    ]


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------

API = "/api/v1/border-counts/"


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def api_body(**changes) -> dict:
    return {"crossing": "TKM", "day": MONDAY.isoformat(), "country": "PK", **figures(**changes)}


def test_the_api_records_a_count_and_a_correction(iom_officer):
    client = api_client(iom_officer)

    first = client.post(API, api_body(), format="json")
    second = client.post(
        API, {**api_body(total=101, deported=61, in_families=71, male_0_4=6), "note": NOTE}, format="json"
    )

    assert first.status_code == 201
    assert {key: first.json()[key] for key in ("crossing", "day", "country", "version", "total", "note")} == {
        "crossing": "TKM",
        "day": "2026-10-05",
        "country": "PK",
        "version": 1,
        "total": 100,
        "note": "",
    }
    assert (second.status_code, second.json()["version"], second.json()["total"]) == (201, 2, 101)
    assert [row[3:] for row in stored()] == [(1, 100, ""), (2, 101, NOTE)]


def test_the_api_refuses_impossible_counts_with_the_pages_messages(iom_officer):
    response = api_client(iom_officer).post(API, api_body(individuals=-30, in_families=130), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "individuals", "code": "negative", "message": "A count cannot be negative."}
    ]
    assert stored() == []


def test_the_api_lists_current_figures_unless_history_is_asked_for(iom_officer, coordinator, torkham, pakistan):
    record(iom_officer, torkham, country=pakistan)
    record(iom_officer, torkham, country=pakistan, note=NOTE, total=101, spontaneous=41, individuals=31, male_0_4=6)
    client = api_client(coordinator)

    current = client.get(API, {"crossing": "TKM"}).json()["results"]
    history = client.get(API, {"crossing": "TKM", "history": "true"}).json()["results"]

    assert [(row["version"], row["total"]) for row in current] == [(2, 101)]
    assert [(row["version"], row["total"], row["note"]) for row in history] == [(2, 101, NOTE), (1, 100, "")]


def test_the_reconciliation_page_shows_this_weeks_figures_in_a_fixed_number_of_queries(
    client, iom_officer, unhcr_officer, coordinator, torkham, pakistan, django_assert_num_queries
):
    today = timezone.localdate()
    record(iom_officer, torkham, country=pakistan, day=today)
    household_register(registered_by=unhcr_officer, registration=household(arrival_date=today))
    client.force_login(coordinator)
    client.get(reverse("returns:household-list"))  # the reference snapshot, loaded once per process

    # session, user, counted by crossing and week, registered by office and week, the crossings' names
    with django_assert_num_queries(5):
        response = client.get(reverse("returns:border-count-reconciliation"))

    year, week, _weekday = today.isocalendar()
    assert response.status_code == 200
    assert [(row.crossing.code, row.iso_week, row.counted, row.registered) for row in response.context["rows"]] == [
        ("TKM", f"{year}-W{week:02d}", 100, 1)
    ]
    html = response.content.decode()
    assert '<td class="numeric">100</td>' in html
    assert '<td class="numeric">99</td>' in html


def test_the_entry_page_asks_for_a_number_in_every_box(client, iom_officer):
    client.force_login(iom_officer)

    response = client.post(reverse("returns:border-count-record"), {**page_data(), "total": "", "male_0_4": "five"})

    form = response.context["count_form"]
    assert form.errors == {"total": ["Enter a number (0 if nobody)."], "male_0_4": ["Enter a whole number."]}
    assert stored() == []


# ---------------------------------------------------------------------------------------------
# The reconciliation's weeks
# ---------------------------------------------------------------------------------------------


def weeks_of_counts(iom_officer, unhcr_officer, torkham, pakistan):
    """Torkham: 100 counted in each of weeks 40, 41 and 42 of 2026; a household of two registered in week 41."""
    for weeks in (-1, 0, 1):
        record(iom_officer, torkham, country=pakistan, day=MONDAY + datetime.timedelta(weeks=weeks, days=2))
    household_register(
        registered_by=unhcr_officer,
        registration=household(
            arrival_date=MONDAY + datetime.timedelta(days=6),
            members=[member(), member(relationship="spouse", given_name="Zarghuna", sex="female", age=30)],
        ),
    )


def test_the_reconciliation_page_shows_the_weeks_asked_for(
    client, iom_officer, unhcr_officer, coordinator, torkham, pakistan, django_assert_num_queries
):
    weeks_of_counts(iom_officer, unhcr_officer, torkham, pakistan)
    client.force_login(coordinator)
    client.get(reverse("returns:household-list"))  # the reference snapshot, loaded once per process

    # session, user, counted by crossing and week, registered by office and week, the crossings' names
    with django_assert_num_queries(5):
        response = client.get(
            reverse("returns:border-count-reconciliation"), {"week_from": "2026-W41", "week_to": "2026-w42"}
        )

    assert response.status_code == 200
    assert (response.context["first_day"], response.context["last_day"]) == (
        MONDAY,
        MONDAY + datetime.timedelta(days=13),
    )
    assert [
        (row.crossing.code, row.iso_week, row.counted, row.registered, row.unregistered)
        for row in response.context["rows"]
    ] == [
        ("TKM", "2026-W41", 100, 2, 98),
        ("TKM", "2026-W42", 100, 0, 100),
    ]
    html = response.content.decode()
    assert 'name="week_from" value="2026-W41"' in html
    assert '<td class="numeric">98</td>' in html


def test_without_a_first_week_the_page_shows_twelve_weeks_up_to_the_last(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("returns:border-count-reconciliation"), {"week_to": "2026-W41"})

    # Weeks 30 to 41: Monday 20 July to Sunday 11 October
    assert (response.context["first_day"], response.context["last_day"]) == (
        datetime.date(2026, 7, 20),
        datetime.date(2026, 10, 11),
    )


def test_by_default_the_page_shows_the_last_twelve_weeks(client, iom_officer, coordinator, torkham, pakistan):
    this_monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    record(iom_officer, torkham, country=pakistan, day=this_monday - datetime.timedelta(weeks=11))
    record(iom_officer, torkham, country=pakistan, day=this_monday - datetime.timedelta(weeks=12), total=50, **_half())
    client.force_login(coordinator)

    response = client.get(reverse("returns:border-count-reconciliation"))

    assert (response.context["first_day"], response.context["last_day"]) == (
        this_monday - datetime.timedelta(weeks=11),
        this_monday + datetime.timedelta(days=6),
    )
    assert [(row.week, row.counted) for row in response.context["rows"]] == [
        (this_monday - datetime.timedelta(weeks=11), 100)
    ]


def _half() -> dict[str, int]:
    """The breakdowns of 50 arrivals (with ``total=50``)."""
    return {
        "deported": 30,
        "spontaneous": 20,
        "in_families": 35,
        "individuals": 15,
        "female_0_4": 2,
        "female_5_11": 3,
        "female_12_17": 3,
        "female_18_59": 10,
        "female_60_plus": 1,
        "male_0_4": 3,
        "male_5_11": 4,
        "male_12_17": 4,
        "male_18_59": 18,
        "male_60_plus": 2,
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"week_from": "2026-41"}, "week_from", "Enter a week as its year and week number, e.g. 2026-W41."),
        ({"week_to": "2025-W53"}, "week_to", "Enter a week as its year and week number, e.g. 2026-W41."),
        (
            {"week_from": "2026-W42", "week_to": "2026-W41"},
            "week_to",
            "The last week (2026-W41) comes before the first (2026-W42): swap them.",
        ),
        (
            {"week_from": "2024-W41", "week_to": "2026-W41"},
            "week_from",
            "That is 105 weeks: choose at most 104 at once.",
        ),
    ],
)
def test_the_page_says_what_is_wrong_with_the_weeks_and_shows_no_figures(client, coordinator, params, field, message):
    client.force_login(coordinator)

    response = client.get(reverse("returns:border-count-reconciliation"), params)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert response.context["rows"] is None
    html = response.content.decode()
    assert f'<p class="field__error" role="alert">{message}</p>' in html
    assert "data-reconciliation>" not in html


def test_the_api_gives_the_reconciliation_of_the_weeks_asked_for(
    iom_officer, unhcr_officer, coordinator, torkham, pakistan, django_assert_num_queries
):
    weeks_of_counts(iom_officer, unhcr_officer, torkham, pakistan)
    client = api_client(coordinator)

    # token, counted by crossing and week, registered by office and week, the crossings' names
    with django_assert_num_queries(4):
        response = client.get(f"{API}reconciliation/", {"week_from": "2026-W40", "week_to": "2026-W41"})

    assert response.status_code == 200
    assert response.json() == {
        "week_from": "2026-W40",
        "week_to": "2026-W41",
        "first_day": "2026-09-28",
        "last_day": "2026-10-11",
        "results": [
            {
                "crossing": "TKM",
                "week": "2026-W40",
                "week_start": "2026-09-28",
                "counted": 100,
                "registered": 0,
                "unregistered": 100,
            },
            {
                "crossing": "TKM",
                "week": "2026-W41",
                "week_start": "2026-10-05",
                "counted": 100,
                "registered": 2,
                "unregistered": 98,
            },
        ],
    }


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"week_from": "last week"},
            {
                "path": "week_from",
                "code": "invalid_week",
                "message": "Enter a week as its year and week number, e.g. 2026-W41.",
            },
        ),
        (
            {"week_from": "2026-W42", "week_to": "2026-W41"},
            {
                "path": "week_to",
                "code": "range_backwards",
                "message": "The last week (2026-W41) comes before the first (2026-W42): swap them.",
            },
        ),
        (
            {"week_from": "2024-W41", "week_to": "2026-W41"},
            {
                "path": "week_from",
                "code": "range_too_long",
                "message": "That is 105 weeks: choose at most 104 at once.",
            },
        ),
    ],
)
def test_the_api_refuses_weeks_that_are_not_a_range_with_a_400(coordinator, params, error):
    response = api_client(coordinator).get(f"{API}reconciliation/", params)

    assert response.status_code == 400
    assert response.json()["errors"] == [error]

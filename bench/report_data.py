"""The joint report's benchmark data: a registry of ``people`` (3,000,000 by default) of which a
third arrived in the report year, with their cases, plus referrals, return-monitoring interviews
and the daily border counts of every crossing.

The registry, the cases (VolRep grants, already-assisted members, supplements, IOM screening,
assistance and vulnerability codes) and the border counts come from the demo loader
(``returns.demo.demo_caseload_load``, COPY in one transaction), so the benchmark counts what the
workflows create. Only the arrival dates differ: the demo spreads them by its month weights (2025
would hold 46% of everyone), the report's benchmark needs one person in three in the report year,
so the loader draws its households from ``ReportYearCaseload`` instead. The demo draws no
referrals and no completed interviews; they are added afterwards with one ``INSERT ... SELECT``
each, in PostgreSQL, so that they cost seconds, not minutes.
"""

import datetime
import time
from unittest import mock

REPORT_YEAR = 2025
YEAR_SHARE = 1 / 3  # of the people who arrived in the report year
OTHER_YEARS = (2023, 2024, 2026)  # the rest, up to today
PEOPLE_PER_HOUSEHOLD = 5.35  # what the demo caseload averages


def _month_days(year: int, month: int, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    first = datetime.date(year, month, 1)
    if first > today:
        return None
    last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return first, min(last, today)


def report_year_caseload(*, year: int, share: float):
    """The demo's caseload with arrival dates split: ``share`` in ``year``, the rest in the other years.

    Months keep the demo's weights (``population.month_weight``) within each part, so 2025's
    peaks (April to July) and Pakistan's winter pause stay where the demo puts them.
    """
    from returns.demo.households import DemoCaseload
    from returns.demo.population import month_weight

    class ReportYearCaseload(DemoCaseload):
        def arrival_dates(self, count: int) -> list[datetime.date]:
            rng = self.rng
            inside, outside = [], []
            for candidate in [year, *OTHER_YEARS]:
                for month in range(1, 13):
                    days = _month_days(candidate, month, self.today)
                    if days is not None:
                        (inside if candidate == year else outside).append((days, month_weight(candidate, month)))
            if not inside or not outside:
                raise ValueError(f"today ({self.today}) must fall after {year} for the report's benchmark")
            dates = []
            for _ in range(count):
                months = inside if rng.random() < share else outside
                (first, last) = rng.choices([days for days, _w in months], weights=[w for _d, w in months])[0]
                dates.append(first + datetime.timedelta(days=rng.randrange((last - first).days + 1)))
            dates.sort()
            return dates

    return ReportYearCaseload


def report_data_load(*, people: int, today: datetime.date, seed: int = 1, progress=None) -> dict:
    """Load the benchmark's registry, cases, border counts, referrals and interviews; their figures.

    The database must be migrated and hold no households (``bench.report`` re-creates it).
    """
    from returns.demo import demo_caseload_load, demo_users_ensure
    from returns.reference import reference_data, reference_invalidate

    households = max(1, round(people / PEOPLE_PER_HOUSEHOLD))
    users = demo_users_ensure()
    reference_invalidate()
    started = time.perf_counter()
    caseload = report_year_caseload(year=REPORT_YEAR, share=YEAR_SHARE)
    # The demo loader builds its own DemoCaseload: it gets the report's arrival dates, nothing else changes.
    with mock.patch("returns.demo.loader.DemoCaseload", caseload):
        loaded = demo_caseload_load(
            households=households,
            reference=reference_data(),
            users=users,
            seed=seed,
            today=today,
            progress=progress,
        )
    demo_seconds = time.perf_counter() - started
    extra_started = time.perf_counter()
    referrals = referrals_insert(seed=seed)
    interviews = interviews_insert(today=today, seed=seed)
    extra_seconds = time.perf_counter() - extra_started
    return {
        "households": loaded.households,
        "people": loaded.members,
        "cases": loaded.cases,
        "assistance": loaded.assistance,
        "vulnerabilities": loaded.vulnerabilities,
        "referrals": referrals,
        "interviews": interviews,
        "border_counts": _count("returns_bordercount"),
        "year_people": _year_people(REPORT_YEAR),
        "demo_seconds": demo_seconds,
        "extra_seconds": extra_seconds,
    }


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own table names
        return cursor.fetchone()[0]


def _year_people(year: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(member_count), 0) FROM returns_household WHERE arrival_date BETWEEN %s AND %s",
            [datetime.date(year, 1, 1), datetime.date(year, 12, 31)],
        )
        return cursor.fetchone()[0]


# A stable pseudo-random number in [0, 1) from a row id and a salt, computed in PostgreSQL.
_HASH = "(('x' || substr(md5({salt} || ':' || {column}::text), 1, 8))::bit(32)::bigint / 4294967296.0)"


def _hash(column: str, salt: str) -> str:
    return _HASH.format(column=column, salt=f"'{salt}'")


def referrals_insert(*, seed: int) -> int:
    """Referrals as the agencies make them, about 6% of cases: UNHCR's not-eligible families to IOM,
    IOM's refugee-card holders to UNHCR for verification, and both agencies' referrals to partners
    (legal aid to NRC, protection to DRC, health and protection to Women for Afghan Women). Outcomes:
    a fifth pending, the rest accepted, declined or completed; an answer that would fall after today
    is left pending."""
    from django.db import connection

    pick = _hash("c.id", f"referral-{seed}")
    kind = _hash("c.id", f"referral-kind-{seed}")
    outcome = _hash("c.id", f"referral-outcome-{seed}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, id FROM agencies_agency")
        agency = dict(cursor.fetchall())
        cursor.execute(
            "SELECT username, id FROM agencies_user WHERE username IN ('unhcr.caseworker', 'iom.caseworker')"
        )
        users = dict(cursor.fetchall())
        cursor.execute(
            f"""
            WITH picked AS (
                SELECT c.id AS case_id, c.agency_id, c.opened_at, c.outcome,
                       {kind} AS kind, {outcome} AS outcome_draw
                FROM returns_case c
                WHERE {pick} < 0.06
            ), routed AS (
                SELECT p.*,
                       CASE
                           WHEN p.agency_id = %(unhcr)s AND p.outcome = 'not_eligible' THEN %(iom)s
                           WHEN p.agency_id = %(iom)s AND p.kind < 0.25 THEN %(unhcr)s
                           WHEN p.kind < 0.45 THEN %(nrc)s
                           WHEN p.kind < 0.75 THEN %(drc)s
                           ELSE %(waw)s
                       END AS to_agency_id
                FROM picked p
            ), described AS (
                SELECT r.*,
                       CASE
                           WHEN r.to_agency_id = %(iom)s THEN 'assistance'
                           WHEN r.to_agency_id = %(unhcr)s THEN 'verification'
                           WHEN r.to_agency_id = %(nrc)s THEN 'legal_aid'
                           WHEN r.to_agency_id = %(drc)s THEN 'protection'
                           WHEN r.kind < 0.9 THEN 'protection'
                           ELSE 'health'
                       END AS service,
                       r.opened_at + interval '1 hour' AS created_at,
                       r.opened_at + interval '1 hour' + (1 + floor(r.outcome_draw * 13)) * interval '1 day'
                           AS answered_at
                FROM routed r
            )
            INSERT INTO returns_referral (
                public_id, case_id, member_id, from_agency_id, to_agency_id, service, reason, status, due_date,
                overdue_since, follow_up_id, response, responded_by_id, responded_at, created_by_id, created_at,
                updated_at
            )
            SELECT gen_random_uuid(), d.case_id, NULL, d.agency_id, d.to_agency_id, d.service,
                   'Referred during the case (benchmark data).',
                   CASE
                       WHEN d.outcome_draw < 0.2 OR d.answered_at > now() THEN 'pending'
                       WHEN d.outcome_draw < 0.5 THEN 'accepted'
                       WHEN d.outcome_draw < 0.6 THEN 'declined'
                       ELSE 'completed'
                   END,
                   (d.created_at + interval '7 days')::date, NULL, NULL, '',
                   CASE WHEN d.outcome_draw < 0.2 OR d.answered_at > now() OR d.to_agency_id NOT IN (%(unhcr)s, %(iom)s)
                        THEN NULL
                        WHEN d.to_agency_id = %(unhcr)s THEN %(unhcr_user)s ELSE %(iom_user)s END,
                   CASE WHEN d.outcome_draw < 0.2 OR d.answered_at > now() THEN NULL ELSE d.answered_at END,
                   CASE WHEN d.agency_id = %(unhcr)s THEN %(unhcr_user)s ELSE %(iom_user)s END,
                   d.created_at, d.created_at
            FROM described d
            WHERE d.to_agency_id <> d.agency_id
            """,  # noqa: S608 - our own SQL fragments; the values are parameters
            {
                "unhcr": agency["UNHCR"],
                "iom": agency["IOM"],
                "nrc": agency["NRC"],
                "drc": agency["DRC"],
                "waw": agency["WAW"],
                "unhcr_user": users["unhcr.caseworker"],
                "iom_user": users["iom.caseworker"],
            },
        )
        inserted = cursor.rowcount
        cursor.execute("ANALYZE returns_referral")
    return inserted


# UNHCR's plan samples 5% of its households; a small load draws more, so that its monitoring table
# is never empty by chance (the draw hashes household ids, which differ from run to run).
INTERVIEW_SAMPLE = 0.05
INTERVIEWS_AT_LEAST = 40


def interviews_insert(*, today: datetime.date, seed: int) -> int:
    """Return-monitoring interviews done: UNHCR's plan samples 5% of its households 30 days after
    arrival (enough of a small load for about 40); seven in ten are interviewed (where they live,
    shelter, work, intention to stay, needs), the others not reached or declining. Households already
    drawn (today's queue) are left as they are."""
    from django.db import connection

    draw = _hash("h.id", f"interview-{seed}")
    answer = _hash("h.id", f"interview-answer-{seed}")
    other = _hash("h.id", f"interview-other-{seed}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.agency_id FROM returns_monitoringplan p"
            " JOIN agencies_agency a ON a.id = p.agency_id WHERE a.code = 'UNHCR'"
        )
        plan_id, agency_id = cursor.fetchone()
        cursor.execute("SELECT id FROM agencies_user WHERE username = 'unhcr.caseworker'")
        (interviewer,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM returns_household h"
            " JOIN returns_case c ON c.household_id = h.id AND c.agency_id = h.routed_agency_id"
            " WHERE h.routed_agency_id = %(agency)s AND h.arrival_date + 60 < %(today)s",
            {"agency": agency_id, "today": today},
        )
        (eligible,) = cursor.fetchone()
        rate = min(1.0, max(INTERVIEW_SAMPLE, INTERVIEWS_AT_LEAST / eligible)) if eligible else INTERVIEW_SAMPLE
        cursor.execute(
            f"""
            WITH drawn AS (
                SELECT h.id AS household_id, c.id AS case_id, h.destination_province_id, h.arrival_date,
                       {answer} AS a, {other} AS o,
                       h.arrival_date + 30 AS drawn_on
                FROM returns_household h
                JOIN returns_case c ON c.household_id = h.id AND c.agency_id = h.routed_agency_id
                WHERE h.routed_agency_id = %(agency)s AND {draw} < %(rate)s AND h.arrival_date + 60 < %(today)s
            ), answered AS (
                SELECT d.*,
                       CASE WHEN d.a < 0.7 THEN 'completed' WHEN d.a < 0.9 THEN 'not_reached'
                            ELSE 'refused_consent' END AS status
                FROM drawn d
            )
            INSERT INTO returns_monitoringinterview (
                public_id, household_id, case_id, agency_id, plan_id, drawn_on, due_by, status, attempts, method,
                interviewed_on, interviewed_by_id, consent, current_province_id, current_district_id, shelter, work,
                documents, intends_to_stay, needs, note, created_at, updated_at
            )
            SELECT gen_random_uuid(), x.household_id, x.case_id, %(agency)s, %(plan)s, x.drawn_on, x.drawn_on + 14,
                   x.status, 1 + floor(x.o * 3)::int,
                   (ARRAY['encashment_centre', 'phone', 'household_visit'])[1 + floor(x.o * 3)::int],
                   x.drawn_on + floor(x.a * 14)::int, %(interviewer)s, x.status = 'completed',
                   CASE WHEN x.status = 'completed' THEN
                        CASE WHEN x.o < 0.85 THEN x.destination_province_id ELSE 'AF01' END END,
                   NULL,
                   CASE WHEN x.status <> 'completed' THEN ''
                        ELSE (ARRAY['own_house', 'rented', 'rented', 'with_relatives', 'with_relatives',
                                    'tent_makeshift', 'informal_settlement', 'no_shelter'])[1 + floor(x.o * 8)::int]
                   END,
                   CASE WHEN x.status <> 'completed' THEN ''
                        ELSE (ARRAY['regular', 'daily_labour', 'daily_labour', 'agriculture', 'none',
                                    'none'])[1 + floor(x.a * 6 / 0.7)::int]
                   END,
                   CASE WHEN x.status <> 'completed' THEN '{{}}'::varchar(24)[]
                        ELSE ARRAY['tazkira']::varchar(24)[] END,
                   CASE WHEN x.status <> 'completed' THEN ''
                        ELSE (ARRAY['yes', 'yes', 'yes', 'undecided', 'no'])[1 + floor(x.o * 5)::int]
                   END,
                   CASE WHEN x.status <> 'completed' THEN '{{}}'::varchar(16)[]
                        ELSE ARRAY[(ARRAY['food', 'shelter', 'livelihood', 'health', 'none'])
                                   [1 + floor(x.a * 5 / 0.7)::int]]::varchar(16)[]
                   END,
                   '', (x.drawn_on + floor(x.a * 14)::int)::timestamptz,
                   (x.drawn_on + floor(x.a * 14)::int)::timestamptz
            FROM answered x
            ON CONFLICT (household_id, plan_id) DO NOTHING
            """,  # noqa: S608 - our own SQL fragments; the values are parameters
            {"agency": agency_id, "plan": plan_id, "today": today, "interviewer": interviewer, "rate": rate},
        )
        inserted = cursor.rowcount
        cursor.execute("ANALYZE returns_monitoringinterview")
    return inserted

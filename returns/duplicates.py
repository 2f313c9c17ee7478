# ruff: noqa: S608 - the statements are built from constants of this module; values go as parameters
"""The batch search for duplicates: the whole registry, or the people registered since a time (one
import, one day, the last hour), into the review queue (``MatchPair`` rows found by a ``MatchRun``).

Blocking is set-based, in PostgreSQL (a million people in about two minutes), never one candidate
query per person: the people (withdrawn households and anonymised people left out) are read once into a
temporary table, and three passes of a *sorted neighbourhood* compare each person with the next
``NEIGHBOURS`` people of their block in order of age (a window over the block, unnested):

- the same given and father's name keys and the same sex (``returns.names.name_key``);
- the same two keys the other way round (names typed in each other's fields): across orientations only;
- the same given name key and sex when one of the two has no father's name;

plus the holders of the same personal document number (a card, a tazkira, a passport: not the VRF,
which the parts of a family share; a number held by more than ``DOCUMENT_HOLDERS_MAX`` people is a
placeholder, not an identity). Pairs further apart in age than ``AGE_APART_MAX`` years, two members
of one household, two records already merged as one person and pairs already in the queue (pending
or decided: "different people" is never proposed again) are left out in SQL. The pairs left are
scored in Python in chunks with the scoring an officer sees at registration
(``returns.matching.pair_score``) and those scoring ``matching.DUPLICATE_THRESHOLD`` or more are
added to the queue with one bulk insert per chunk, which the run's progress follows.

A run "since a time" reads only the blocks and document numbers of the people registered since then,
against the whole registry, and keeps only pairs with at least one of them.
"""

import datetime
import logging
import time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values

from agencies.models import User
from agencies.problems import Refused
from agencies.queueing import task_send_on_commit
from returns import policy, tasks
from returns.matching import DUPLICATE_THRESHOLD, record_pair_score, records_read
from returns.models import DocumentType, MatchPair, MatchRun

logger = logging.getLogger(__name__)

# How many people further in age order each person is compared with, in each pass.
NEIGHBOURS = 4
# Estimated ages are often a few years off; beyond this the scoring all but rules a pair out.
AGE_APART_MAX = 6
# More holders than this of one number: a placeholder ("0", "none"), not one person's document.
DOCUMENT_HOLDERS_MAX = 20
# The hourly run looks this far before the last run's start: a registration saved just before it
# began may have been committed just after.
CONTINUE_OVERLAP = datetime.timedelta(minutes=10)
# PostgreSQL's memory for each sort of the blocking passes (the session's default is a few megabytes).
SORT_MEMORY = "128MB"
# Pairs scored and inserted at a time; the run's progress is written after each chunk.
CHUNK = 5000
# The advisory lock that makes starting a search one at a time.
START_LOCK = 7_110_011
# A run still waiting after this long lost its task (a broker restarted); one running this long lost
# its worker (a million people take ten minutes): either is marked failed, so searches go on.
QUEUED_STALE = datetime.timedelta(hours=1)
RUNNING_STALE = datetime.timedelta(hours=6)


def match_run_start(*, started_by: User, registered_since: datetime.datetime | None = None) -> MatchRun:
    """Start a search for duplicates (the whole registry, or the people registered since a time):
    the run is queued and its task enqueued once the run is committed."""
    policy.require_search_duplicates(started_by)
    with transaction.atomic():
        # One search at a time (a second click, or the hourly run meeting a manager's): two would
        # compare the same people twice over.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [START_LOCK])
        _stale_runs_failed()
        if MatchRun.objects.filter(status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING]).exists():
            raise Refused.one("run", "already_running", _("A search for duplicates is already waiting or running."))
        run = MatchRun.objects.create(started_by=started_by, registered_since=registered_since)
        task_send_on_commit(tasks.find_duplicates, run.pk)
    return run


def _stale_runs_failed() -> int:
    """Mark failed the runs whose task or worker was lost (``QUEUED_STALE``, ``RUNNING_STALE``)."""
    now = timezone.now()
    lost = MatchRun.objects.filter(
        Q(status=MatchRun.Status.QUEUED, created_at__lt=now - QUEUED_STALE)
        | Q(status=MatchRun.Status.RUNNING, started_at__lt=now - RUNNING_STALE)
    )
    failed = lost.update(status=MatchRun.Status.FAILED, finished_at=now, error="Stopped: its worker or task was lost.")
    if failed:
        logger.warning("Marked %d lost duplicate searches as failed", failed)
    return failed


def match_run_continue() -> MatchRun | None:
    """The hourly search: the people registered since the last completed run began (less
    ``CONTINUE_OVERLAP``, for registrations committed while it started; a pair found twice is queued
    once), in the name of whoever started that run. Nothing while a run waits or runs, before a
    manager's first run, or when its starter may no longer search (a manager starts a new one)."""
    _stale_runs_failed()
    latest = MatchRun.objects.order_by("-created_at", "-pk").first()
    if latest is None or latest.status in (MatchRun.Status.QUEUED, MatchRun.Status.RUNNING):
        return None
    last_done = MatchRun.objects.filter(status=MatchRun.Status.DONE).order_by("-started_at", "-pk").first()
    if last_done is None or not policy.may_search_duplicates(last_done.started_by):
        logger.info("Hourly duplicate search skipped: no completed run by someone who may still search")
        return None
    return match_run_start(started_by=last_done.started_by, registered_since=last_done.started_at - CONTINUE_OVERLAP)


def match_run_execute(run_id: int) -> MatchRun:
    """Do the run's work (see the module's docstring), writing its progress; a run that fails says why."""
    # Taken once: a redelivered task finds the run running, done or failed, and leaves it.
    taken = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.QUEUED).update(
        status=MatchRun.Status.RUNNING, started_at=timezone.now()
    )
    run = MatchRun.objects.get(pk=run_id)
    if not taken:
        return run
    try:
        _run(run)
    except Exception as error:
        logger.exception("Duplicate search %s failed", run.pk)
        MatchRun.objects.filter(pk=run.pk).update(
            status=MatchRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"
        )
        run.refresh_from_db()
        return run
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS dup_people, dup_candidates")
    # Exact once done: every person compared, every pair this run added (a pair another run added
    # meanwhile is that run's).
    MatchRun.objects.filter(pk=run.pk).update(
        status=MatchRun.Status.DONE,
        finished_at=timezone.now(),
        people_done=F("people_total"),
        pairs_found=MatchPair.objects.filter(run=run.pk).count(),
    )
    run.refresh_from_db()
    return run


def _run(run: MatchRun) -> None:
    today = timezone.localdate()
    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS dup_people, dup_candidates")
        people_total = _people_read(cursor, since=run.registered_since, year=today.year)
    MatchRun.objects.filter(pk=run.pk).update(people_total=people_total)
    run.people_total = people_total
    with transaction.atomic(), connection.cursor() as cursor:
        # The passes sort the registry a few times: in memory rather than on disk, for this run only.
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        candidates = _candidates_find(cursor, since=run.registered_since)
        cursor.execute("CREATE INDEX ON dup_candidates (n)")
    logger.info(
        "Duplicate search %s: %s people, %s candidate pairs in %.1f s",
        run.pk,
        people_total,
        candidates,
        time.monotonic() - began,
    )
    done = 0
    while done < candidates:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT first, second FROM dup_candidates WHERE n > %s AND n <= %s ORDER BY n", [done, done + CHUNK]
            )
            pairs = cursor.fetchall()
        found = _pairs_score(pairs, run=run, today=today)
        done += len(pairs)
        # Progress in people: the share of the candidate pairs scored (exact once the run is done).
        MatchRun.objects.filter(pk=run.pk).update(
            people_done=people_total * done // candidates, pairs_found=F("pairs_found") + found
        )
        run.pairs_found += found


def _people_read(cursor, *, since: datetime.datetime | None, year: int) -> int:
    """The people the passes compare, into ``dup_people``: everyone, or the blocks of the people
    registered since ``since``. Returns how many people the run is about."""
    touched = ""
    if since is not None:
        # The blocks new people fall in, whichever way round their names were typed.
        touched = """
            AND (m.given_key, m.fathers_key) IN (
                SELECT n.given_key, n.fathers_key FROM new_people n
                UNION SELECT n.fathers_key, n.given_key FROM new_people n
                UNION SELECT n.given_key, '' FROM new_people n
                UNION SELECT n.given_key, o.fathers_key FROM new_people n
                    JOIN returns_member o ON o.given_key = n.given_key WHERE n.fathers_key = ''
            )"""
    cursor.execute(
        f"""
        CREATE TEMP TABLE dup_people AS
        WITH new_people AS (
            SELECT m.given_key, m.fathers_key FROM returns_member m
            JOIN returns_household h ON h.id = m.household_id
            WHERE h.created_at >= %(since)s AND h.withdrawn_at IS NULL AND m.anonymised_at IS NULL
        )
        SELECT m.id, m.household_id AS household, m.given_key, m.fathers_key, m.sex,
               coalesce(%(year)s - extract(year FROM m.date_of_birth)::int, m.estimated_age) AS age,
               coalesce(m.same_person_as_id, m.id) AS person,
               (%(since)s::timestamptz IS NULL OR h.created_at >= %(since)s) AS recent
        FROM returns_member m JOIN returns_household h ON h.id = m.household_id
        WHERE h.withdrawn_at IS NULL AND m.anonymised_at IS NULL AND m.given_key <> '' {touched}
        """,
        {"since": since, "year": year},
    )
    cursor.execute("ANALYZE dup_people")
    if since is None:
        cursor.execute("SELECT count(*) FROM dup_people")
    else:
        cursor.execute(
            """SELECT count(*) FROM returns_member m JOIN returns_household h ON h.id = m.household_id
            WHERE h.created_at >= %s AND h.withdrawn_at IS NULL AND m.anonymised_at IS NULL""",
            [since],
        )
    return cursor.fetchone()[0]


def _neighbours(*, rows: str, block: str, across: str) -> str:
    """One sorted-neighbourhood pass: each person of ``rows`` with the next ``NEIGHBOURS`` of their
    ``block`` in age order, the pair kept when ``across`` (a condition on ``p``, the person, and ``n``,
    the neighbour) holds."""
    return f"""
        SELECT p.id AS one, n.id AS other, p.block FROM (
            SELECT id, household, age, person, recent, given_key, fathers_key, concat_ws(' ', {block}) AS block,
                   array_agg(id) OVER w AS n_id, array_agg(household) OVER w AS n_household,
                   array_agg(age) OVER w AS n_age, array_agg(person) OVER w AS n_person,
                   array_agg(recent) OVER w AS n_recent, array_agg(given_key) OVER w AS n_given_key,
                   array_agg(fathers_key) OVER w AS n_fathers_key
            FROM dup_people WHERE {rows}
            WINDOW w AS (PARTITION BY {block} ORDER BY age, id ROWS BETWEEN 1 FOLLOWING AND {NEIGHBOURS} FOLLOWING)
        ) p
        CROSS JOIN LATERAL unnest(
            p.n_id, p.n_household, p.n_age, p.n_person, p.n_recent, p.n_given_key, p.n_fathers_key
        ) AS n(id, household, age, person, recent, given_key, fathers_key)
        WHERE n.household <> p.household AND n.person <> p.person AND abs(n.age - p.age) <= {AGE_APART_MAX}
          AND (p.recent OR n.recent) AND {across}"""


def _candidates_find(cursor, *, since: datetime.datetime | None) -> int:
    """Every candidate pair of the run, new to the queue, into ``dup_candidates``; how many. They are
    numbered block by block, so that a chunk of pairs loads few people (a block's, about once)."""
    straight = _neighbours(rows="TRUE", block="given_key, fathers_key, sex", across="TRUE")
    crossed = _neighbours(
        rows="fathers_key <> '' AND given_key <> fathers_key",
        block="least(given_key, fathers_key), greatest(given_key, fathers_key), sex",
        across="(p.given_key < p.fathers_key) <> (n.given_key < n.fathers_key)",
    )
    # Only the blocks holding someone without a father's name.
    fatherless = _neighbours(
        rows="(given_key, sex) IN (SELECT given_key, sex FROM dup_people WHERE fathers_key = '')",
        block="given_key, sex",
        across="(p.fathers_key = '') <> (n.fathers_key = '')",
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE dup_candidates AS
        WITH personal AS (
            SELECT d.member_id, d.document_type_id, d.number_normal
            FROM returns_memberdocument d JOIN returns_documenttype t ON t.code = d.document_type_id
            WHERE t.routing_class <> %(vrf)s AND d.number_normal <> ''
              AND (%(since)s::timestamptz IS NULL OR d.number_normal IN (
                SELECT d2.number_normal FROM returns_memberdocument d2
                JOIN returns_member m2 ON m2.id = d2.member_id JOIN returns_household h2 ON h2.id = m2.household_id
                WHERE h2.created_at >= %(since)s AND d2.number_normal <> ''))
        ),
        shared AS (
            SELECT document_type_id, number_normal FROM personal
            GROUP BY document_type_id, number_normal HAVING count(*) BETWEEN 2 AND {DOCUMENT_HOLDERS_MAX}
        ),
        holders AS (
            SELECT s.document_type_id, s.number_normal, p.member_id, m.household_id AS household,
                   coalesce(m.same_person_as_id, m.id) AS person,
                   (%(since)s::timestamptz IS NULL OR h.created_at >= %(since)s) AS recent
            FROM shared s JOIN personal p USING (document_type_id, number_normal)
            JOIN returns_member m ON m.id = p.member_id JOIN returns_household h ON h.id = m.household_id
            WHERE h.withdrawn_at IS NULL AND m.anonymised_at IS NULL
        ),
        same_document AS (
            SELECT a.member_id AS one, b.member_id AS other, '' AS block FROM holders a
            JOIN holders b ON b.document_type_id = a.document_type_id AND b.number_normal = a.number_normal
                AND b.member_id > a.member_id
            WHERE a.household <> b.household AND a.person <> b.person AND (a.recent OR b.recent)
        ),
        pairs AS (
            SELECT least(one, other) AS first, greatest(one, other) AS second, min(block) AS block FROM (
                {straight} UNION ALL {crossed} UNION ALL {fatherless}
                UNION ALL SELECT one, other, block FROM same_document
            ) found
            GROUP BY 1, 2
        )
        SELECT row_number() OVER (ORDER BY block, first, second) AS n, first, second FROM pairs
        WHERE NOT EXISTS (
            SELECT 1 FROM returns_matchpair q WHERE q.first_id = pairs.first AND q.second_id = pairs.second
        )
        """,
        {"since": since, "vrf": DocumentType.RoutingClass.REPATRIATION_FORM},
    )
    return cursor.rowcount


def _pairs_score(pairs: list[tuple[int, int]], *, run: MatchRun, today: datetime.date) -> int:
    """Score one chunk of candidate pairs and queue those scoring ``DUPLICATE_THRESHOLD`` or more."""
    people = records_read({pk for pair in pairs for pk in pair})
    found = []
    for first, second in pairs:
        (one, numbers), (other, _numbers) = people[first], people[second]
        score = record_pair_score(one, numbers, other, today=today).score
        if score >= DUPLICATE_THRESHOLD:
            found.append((first, second, score))
    # Written as rows (no model built for each of millions of pairs); a pair another run (or a link
    # at registration) queued meanwhile stays as it is.
    found_at = timezone.now()
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"INSERT INTO {MatchPair._meta.db_table} (first_id, second_id, score, source, run_id, found_at, status) "
            "VALUES %s ON CONFLICT (first_id, second_id) DO NOTHING",
            [
                (first, second, Decimal(str(score)), MatchPair.Source.BATCH, run.pk, found_at, MatchPair.Status.PENDING)
                for first, second, score in found
            ],
            page_size=CHUNK,
        )
    return len(found)

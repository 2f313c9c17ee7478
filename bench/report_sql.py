"""The joint report's tables as an analyst would write them by hand: one straightforward SQL query
per table of docs/joint-report.md, with the same definitions, so that ``report_figures`` has a
yardstick measured in the same run (the issue's target: ours / hand-written <= 1.0).

Straightforward means what a competent analyst writes on a first pass: joins from households to
members, GROUP BY, the period and the cut-off in the WHERE clause, the latest border-count version
by ``DISTINCT ON``; no materialised helpers, no tricks. Parameters (``%(name)s``): ``start``,
``end``, ``prev_start``, ``prev_end`` (dates), ``cut_off`` (a moment), ``first_year``,
``end_year``. The reference date is arrival.

The definitions are the doc's, with the details ``reports.content`` fixes (docs/joint-report.md,
"What reports.content fixes"): people are counted by joining the members (the figures read
``member_count``, which the registry keeps equal); undocumented is counted minus the documented
registered at border crossings; VolRep tables are of registered refugees; assistance reaches the
member named or every member of the household, each once per type; referrals and interviews are
those of the households that returned in the period, as known at the cut-off. ``bench.report``
cross-checks a few totals against ``report_figures`` on every run.
"""

# ruff: noqa: S608 - the queries are put together from this file's own constant fragments; values are parameters

GROUP = "CASE WHEN h.country_of_departure_id IN ('PK', 'IR') THEN h.country_of_departure_id ELSE 'other' END"
DOCUMENTED = "('registered_refugee', 'refugee_card', 'acc_holder', 'passport_visa')"
AGE = "coalesce(date_part('year', age(h.arrival_date, m.date_of_birth))::int, m.estimated_age)"
AGE_BAND = (
    f"CASE WHEN {AGE} < 5 THEN '0-4' WHEN {AGE} < 12 THEN '5-11' WHEN {AGE} < 18 THEN '12-17' "
    f"WHEN {AGE} < 60 THEN '18-59' ELSE '60+' END"
)
# Approved by the cut-off: types that need no approval count once recorded.
APPROVED = (
    "a.recorded_at <= %(cut_off)s AND (a.approval = 'not_required' "
    "OR (a.approval = 'approved' AND a.approved_at <= %(cut_off)s))"
)


def _current_counts(start: str = "%(start)s", end: str = "%(end)s") -> str:
    """The latest version of each count recorded by the cut-off, days in the period."""
    return f"""
        SELECT DISTINCT ON (b.crossing_id, b.day, b.country_id) b.*
        FROM returns_bordercount b
        WHERE b.day BETWEEN {start} AND {end} AND b.recorded_at <= %(cut_off)s
        ORDER BY b.crossing_id, b.day, b.country_id, b.version DESC
    """


HEADLINE = f"""
WITH counted AS ({_current_counts()}),
registered AS (
    SELECT h.category, {GROUP} AS country_group, o.kind = 'border_crossing' AS at_border, count(*) AS people
    FROM returns_household h
    JOIN returns_member m ON m.household_id = h.id
    JOIN agencies_office o ON o.id = h.office_id
    WHERE h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
    GROUP BY 1, 2, 3
),
counted_by_group AS (
    SELECT CASE WHEN country_id IN ('PK', 'IR') THEN country_id ELSE 'other' END AS country_group,
           sum(total) AS people
    FROM counted GROUP BY 1
)
SELECT category AS status, country_group, sum(people) AS people
FROM registered WHERE category IN {DOCUMENTED}
GROUP BY 1, 2
UNION ALL
SELECT 'undocumented', c.country_group,
       c.people - coalesce((SELECT sum(r.people) FROM registered r
                            WHERE r.at_border AND r.category IN {DOCUMENTED}
                              AND r.country_group = c.country_group), 0)
FROM counted_by_group c
ORDER BY 1, 2
"""

HEADLINE_CHANGE = f"""
WITH counted AS ({_current_counts("%(prev_start)s", "%(end)s")}),
registered AS (
    SELECT CASE WHEN h.arrival_date >= %(start)s THEN 'this' ELSE 'previous' END AS period,
           h.category, o.kind = 'border_crossing' AS at_border, count(*) AS people
    FROM returns_household h
    JOIN returns_member m ON m.household_id = h.id
    JOIN agencies_office o ON o.id = h.office_id
    WHERE (h.arrival_date BETWEEN %(start)s AND %(end)s OR h.arrival_date BETWEEN %(prev_start)s AND %(prev_end)s)
      AND h.created_at <= %(cut_off)s
    GROUP BY 1, 2, 3
),
counted_by_period AS (
    SELECT CASE WHEN day >= %(start)s THEN 'this' ELSE 'previous' END AS period, sum(total) AS people
    FROM counted WHERE day BETWEEN %(start)s AND %(end)s OR day BETWEEN %(prev_start)s AND %(prev_end)s
    GROUP BY 1
),
by_status AS (
    SELECT category AS status, period, sum(people) AS people
    FROM registered WHERE category IN {DOCUMENTED} GROUP BY 1, 2
    UNION ALL
    SELECT 'undocumented', c.period,
           c.people - coalesce((SELECT sum(r.people) FROM registered r
                                WHERE r.at_border AND r.category IN {DOCUMENTED} AND r.period = c.period), 0)
    FROM counted_by_period c
),
pivot AS (
    SELECT coalesce(status, 'all') AS status,
           sum(people) FILTER (WHERE period = 'this') AS this_period,
           sum(people) FILTER (WHERE period = 'previous') AS previous_period
    FROM by_status GROUP BY ROLLUP (status)
)
SELECT status, this_period, previous_period, this_period - previous_period AS change,
       round(100.0 * (this_period - previous_period) / nullif(previous_period, 0), 1) AS change_percent
FROM pivot ORDER BY status
"""

CUMULATIVE = """
WITH registry AS (
    SELECT extract(year FROM h.arrival_date)::int AS year, count(*) AS people
    FROM returns_household h
    JOIN returns_member m ON m.household_id = h.id
    WHERE h.category = 'registered_refugee' AND h.arrival_date <= %(end)s AND h.created_at <= %(cut_off)s
    GROUP BY 1
)
SELECT y.year, p.registered_refugee_returns AS published, r.people AS registry,
       sum(coalesce(r.people, p.registered_refugee_returns, 0)) OVER (ORDER BY y.year) AS cumulative
FROM generate_series(%(first_year)s, %(end_year)s) AS y(year)
LEFT JOIN reports_publishedreturnfigure p ON p.year = y.year
LEFT JOIN registry r ON r.year = y.year
ORDER BY y.year
"""

BY_MONTH = f"""
WITH counted AS ({_current_counts()}),
registered AS (
    SELECT to_char(h.arrival_date, 'YYYY-MM') AS month, h.category, {GROUP} AS country_group,
           o.kind = 'border_crossing' AS at_border, count(*) AS people
    FROM returns_household h
    JOIN returns_member m ON m.household_id = h.id
    JOIN agencies_office o ON o.id = h.office_id
    WHERE h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
    GROUP BY 1, 2, 3, 4
),
counted_by_month AS (
    SELECT to_char(day, 'YYYY-MM') AS month,
           CASE WHEN country_id IN ('PK', 'IR') THEN country_id ELSE 'other' END AS country_group,
           sum(total) AS people
    FROM counted GROUP BY 1, 2
),
documented_at_border AS (
    SELECT month, country_group, sum(people) AS people
    FROM registered WHERE at_border AND category IN {DOCUMENTED} GROUP BY 1, 2
)
SELECT month, category AS status, country_group, sum(people) AS people
FROM registered WHERE category IN {DOCUMENTED} GROUP BY 1, 2, 3
UNION ALL
SELECT c.month, 'undocumented', c.country_group, c.people - coalesce(d.people, 0)
FROM counted_by_month c
LEFT JOIN documented_at_border d ON d.month = c.month AND d.country_group = c.country_group
ORDER BY 1, 2, 3
"""

BY_CROSSING = f"""
SELECT o.code AS crossing, sum(c.deported) AS deported, sum(c.spontaneous) AS spontaneous,
       sum(c.in_families) AS in_families, sum(c.individuals) AS individuals, sum(c.total) AS total
FROM ({_current_counts()}) c
JOIN agencies_office o ON o.id = c.crossing_id
GROUP BY o.code
ORDER BY o.code
"""

BY_PROVINCE = """
SELECT p.pcode AS province, h.category AS status, count(m.id) AS people
FROM agencies_province p
LEFT JOIN returns_household h
       ON h.destination_province_id = p.pcode
      AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
LEFT JOIN returns_member m ON m.household_id = h.id
GROUP BY p.pcode, h.category
ORDER BY p.pcode, h.category
"""

SEX_AGE = f"""
WITH counted AS ({_current_counts()}),
registered AS (
    SELECT h.category, m.sex, {AGE_BAND} AS age_band, o.kind = 'border_crossing' AS at_border, count(*) AS people
    FROM returns_household h
    JOIN returns_member m ON m.household_id = h.id
    JOIN agencies_office o ON o.id = h.office_id
    WHERE h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
    GROUP BY 1, 2, 3, 4
),
counted_by_band AS (
    SELECT v.sex, v.age_band, sum(v.people) AS people
    FROM counted c
    CROSS JOIN LATERAL (VALUES
        ('female', '0-4', c.female_0_4), ('female', '5-11', c.female_5_11), ('female', '12-17', c.female_12_17),
        ('female', '18-59', c.female_18_59), ('female', '60+', c.female_60_plus),
        ('male', '0-4', c.male_0_4), ('male', '5-11', c.male_5_11), ('male', '12-17', c.male_12_17),
        ('male', '18-59', c.male_18_59), ('male', '60+', c.male_60_plus)
    ) AS v(sex, age_band, people)
    GROUP BY 1, 2
),
documented_at_border AS (
    SELECT sex, age_band, sum(people) AS people
    FROM registered WHERE at_border AND category IN {DOCUMENTED} GROUP BY 1, 2
)
SELECT age_band, category AS status, sex, sum(people) AS people
FROM registered WHERE category IN {DOCUMENTED} GROUP BY 1, 2, 3
UNION ALL
SELECT c.age_band, 'undocumented', c.sex, c.people - coalesce(d.people, 0)
FROM counted_by_band c
LEFT JOIN documented_at_border d ON d.sex = c.sex AND d.age_band = c.age_band
ORDER BY 1, 2, 3
"""

VOLREP_CENTRES = f"""
SELECT h.country_of_departure_id AS country_of_asylum, o.code AS centre, sum(a.quantity) AS people
FROM returns_assistance a
JOIN returns_assistancetype t ON t.id = a.assistance_type_id
JOIN returns_case c ON c.id = a.case_id
JOIN returns_household h ON h.id = c.household_id
JOIN agencies_office o ON o.id = a.office_id
WHERE t.is_grant AND {APPROVED} AND h.category = 'registered_refugee'
  AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
GROUP BY 1, 2
ORDER BY 1, 2
"""

VOLREP_ASSISTANCE = f"""
WITH grants AS (
    SELECT 'grants' AS item, sum(a.quantity) AS people, count(DISTINCT c.household_id) AS households,
           sum(a.value) FILTER (WHERE a.currency = 'USD') AS value
    FROM returns_assistance a
    JOIN returns_assistancetype t ON t.id = a.assistance_type_id
    JOIN returns_case c ON c.id = a.case_id
    JOIN returns_household h ON h.id = c.household_id
    WHERE t.is_grant AND {APPROVED} AND h.category = 'registered_refugee'
      AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
),
already_assisted AS (
    SELECT 'already_assisted' AS item, count(DISTINCT e.member_id) AS people,
           count(DISTINCT c.household_id) AS households, NULL::numeric AS value
    FROM returns_memberentitlement e
    JOIN returns_case c ON c.id = e.case_id
    JOIN returns_household h ON h.id = c.household_id
    WHERE e.decision = 'already_assisted' AND e.decided_at <= %(cut_off)s AND h.category = 'registered_refugee'
      AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
),
no_shows AS (
    SELECT 'no_shows' AS item, count(m.id) AS people, count(DISTINCT h.id) AS households, NULL::numeric AS value
    FROM returns_household h
    JOIN returns_case c ON c.household_id = h.id
    JOIN agencies_agency ag ON ag.id = c.agency_id AND ag.code = 'UNHCR'
    JOIN returns_member m ON m.household_id = h.id
    WHERE h.category = 'registered_refugee'
      AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
      AND NOT EXISTS (
          SELECT 1 FROM returns_assistance a JOIN returns_assistancetype t ON t.id = a.assistance_type_id
          WHERE a.case_id = c.id AND t.is_grant AND a.recorded_at <= %(cut_off)s
      )
      AND NOT (c.outcome IN ('not_eligible', 'rerouted') AND c.closed_at <= %(cut_off)s)
),
supplements AS (
    SELECT 'supplements' AS item, sum(paid.people) AS people, count(*) AS households, sum(paid.value) AS value
    FROM (
        SELECT c.household_id, max(h.member_count) AS people, sum(a.value) FILTER (WHERE a.currency = 'USD') AS value
        FROM returns_assistance a
        JOIN returns_assistancetype t ON t.id = a.assistance_type_id
        JOIN returns_case c ON c.id = a.case_id
        JOIN returns_household h ON h.id = c.household_id
        WHERE t.is_supplement AND {APPROVED} AND h.category = 'registered_refugee'
          AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
        GROUP BY c.household_id
    ) AS paid
)
SELECT item, people, households, value, round(value / nullif(people, 0), 2) AS average_per_person
FROM (SELECT * FROM grants UNION ALL SELECT * FROM already_assisted
      UNION ALL SELECT * FROM no_shows UNION ALL SELECT * FROM supplements) AS items
"""

# MATERIALIZED: inlined, the planner (expecting one row) re-ran the IOM aggregate once per crossing,
# which would make the yardstick slower than any analyst would leave it.
IOM_CROSSING = f"""
WITH counted AS (
    SELECT c.crossing_id, sum(c.total) AS people FROM ({_current_counts()}) c GROUP BY 1
),
iom AS MATERIALIZED (
    SELECT h.office_id,
           sum(h.member_count) FILTER (WHERE EXISTS (
               SELECT 1 FROM returns_caseevent e
               WHERE e.case_id = c.id AND e.from_stage = 'screening' AND e.created_at <= %(cut_off)s
           )) AS screened,
           sum(h.member_count) FILTER (WHERE EXISTS (
               SELECT 1 FROM returns_assistance a WHERE a.case_id = c.id AND {APPROVED}
           )) AS assisted
    FROM returns_case c
    JOIN agencies_agency ag ON ag.id = c.agency_id AND ag.code = 'IOM'
    JOIN returns_household h ON h.id = c.household_id
    WHERE h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
      AND c.opened_at <= %(cut_off)s
    GROUP BY 1
)
SELECT o.code AS crossing, coalesce(k.people, 0) AS counted, coalesce(i.screened, 0) AS screened,
       coalesce(i.assisted, 0) AS assisted,
       round(100.0 * coalesce(i.assisted, 0) / nullif(k.people, 0), 1) AS assisted_percent
FROM agencies_office o
LEFT JOIN counted k ON k.crossing_id = o.id
LEFT JOIN iom i ON i.office_id = o.id
WHERE o.kind = 'border_crossing'
ORDER BY o.code
"""

IOM_VULNERABILITY = f"""
SELECT n.code AS need_code, n.is_sensitive AS sensitive, count(DISTINCT m.id) AS people
FROM returns_case c
JOIN agencies_agency ag ON ag.id = c.agency_id AND ag.code = 'IOM'
JOIN returns_household h ON h.id = c.household_id
JOIN returns_member m ON m.household_id = h.id
JOIN returns_member_specific_needs s ON s.member_id = m.id
JOIN returns_needcode n ON n.id = s.needcode_id AND n.scheme = 'iom_vulnerability'
WHERE h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
  AND EXISTS (SELECT 1 FROM returns_assistance a WHERE a.case_id = c.id AND {APPROVED})
GROUP BY 1, 2
ORDER BY 1
"""

ASSISTANCE_BY_TYPE = f"""
WITH per_household AS (
    -- A household's assistance reaches its registered members, a member's that member; nobody twice.
    SELECT ag.code AS agency, t.code AS assistance_type, c.household_id,
           CASE WHEN bool_or(a.member_id IS NULL) THEN max(h.member_count) ELSE count(DISTINCT a.member_id) END
               AS people,
           sum(a.value) FILTER (WHERE a.currency = 'USD') AS value
    FROM returns_assistance a
    JOIN returns_assistancetype t ON t.id = a.assistance_type_id
    JOIN agencies_agency ag ON ag.id = t.agency_id
    JOIN returns_case c ON c.id = a.case_id
    JOIN returns_household h ON h.id = c.household_id
    WHERE {APPROVED} AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
    GROUP BY ag.code, t.code, c.household_id
)
SELECT agency, assistance_type, sum(people) AS people, sum(value) AS value
FROM per_household GROUP BY 1, 2 ORDER BY 1, 2
"""

REFERRALS = """
SELECT CASE WHEN ta.receives_routed_households THEN 'between_agencies' ELSE 'to_partners' END AS direction,
       r.service,
       CASE WHEN r.responded_at IS NULL OR r.responded_at > %(cut_off)s THEN 'pending' ELSE r.status END AS outcome,
       count(*) AS referrals
FROM returns_referral r
JOIN agencies_agency ta ON ta.id = r.to_agency_id
JOIN returns_case c ON c.id = r.case_id
JOIN returns_household h ON h.id = c.household_id
WHERE r.created_at <= %(cut_off)s
  AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

MONITORING = """
SELECT q.question, q.answer, count(*) AS interviews
FROM returns_monitoringinterview i
JOIN returns_household h ON h.id = i.household_id
CROSS JOIN LATERAL (VALUES
    ('current_province', i.current_province_id), ('shelter', i.shelter), ('work', i.work),
    ('intends_to_stay', i.intends_to_stay)
) AS q(question, answer)
WHERE i.status = 'completed' AND i.interviewed_on <= %(cut_off)s::date
  AND h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
GROUP BY 1, 2
ORDER BY 1, 2
"""

RECONCILIATION = f"""
WITH counted AS (
    SELECT c.crossing_id, to_char(c.day, 'YYYY-MM') AS month, sum(c.total) AS people
    FROM ({_current_counts()}) c GROUP BY 1, 2
),
registered AS (
    SELECT h.office_id AS crossing_id, to_char(h.arrival_date, 'YYYY-MM') AS month, count(*) AS people
    FROM returns_household h
    JOIN returns_member m ON m.household_id = h.id
    JOIN agencies_office o ON o.id = h.office_id AND o.kind = 'border_crossing'
    WHERE h.arrival_date BETWEEN %(start)s AND %(end)s AND h.created_at <= %(cut_off)s
    GROUP BY 1, 2
)
SELECT o.code AS crossing, coalesce(k.month, r.month) AS month, coalesce(k.people, 0) AS counted,
       coalesce(r.people, 0) AS registered, coalesce(k.people, 0) - coalesce(r.people, 0) AS difference
FROM counted k
FULL OUTER JOIN registered r ON r.crossing_id = k.crossing_id AND r.month = k.month
JOIN agencies_office o ON o.id = coalesce(k.crossing_id, r.crossing_id)
ORDER BY 1, 2
"""

# One query per table of docs/joint-report.md, in the doc's order.
HAND_QUERIES: dict[str, str] = {
    "headline": HEADLINE,
    "headline_change": HEADLINE_CHANGE,
    "cumulative": CUMULATIVE,
    "by_month": BY_MONTH,
    "by_crossing": BY_CROSSING,
    "by_province": BY_PROVINCE,
    "sex_age": SEX_AGE,
    "volrep_centres": VOLREP_CENTRES,
    "volrep_assistance": VOLREP_ASSISTANCE,
    "iom_crossing": IOM_CROSSING,
    "iom_vulnerability": IOM_VULNERABILITY,
    "assistance_by_type": ASSISTANCE_BY_TYPE,
    "referrals": REFERRALS,
    "monitoring": MONITORING,
    "reconciliation": RECONCILIATION,
}

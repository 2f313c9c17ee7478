"""Every write to return monitoring: drawing the sample, recording an interview.

The draw is reproducible: a household is in an agency's sample exactly when a hash of the plan's
seed and the household's public id falls under the plan's rate, so the same seed draws the same
households on any day and any machine, and a household is drawn once per plan (the first day it
is inside the window). It is computed in SQL, one ``INSERT … SELECT`` per plan, whatever the
number of households.

Recording checks what the interviewer typed (consent first: no answer is kept without it) and who
may record is ``returns.policy``'s answer. A recorded interview is not changed afterwards; a family
not reached can be tried again.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.problems import Problem, Refused
from returns import policy
from returns.models import Case, Household, MonitoringInterview, MonitoringPlan
from returns.reference import reference_data

# What a recorded interview may answer: (field, whether a completed interview must answer it).
ANSWERS = (
    ("current_province", True),
    ("current_district", False),
    ("shelter", True),
    ("work", True),
    ("documents", False),
    ("intends_to_stay", True),
    ("needs", True),
)
CHOICES = {
    "shelter": MonitoringInterview.Shelter,
    "work": MonitoringInterview.Work,
    "intends_to_stay": MonitoringInterview.Intention,
    "documents": MonitoringInterview.Document,
    "needs": MonitoringInterview.Need,
}
RECORDED_STATUSES = (
    MonitoringInterview.Status.COMPLETED,
    MonitoringInterview.Status.NOT_REACHED,
    MonitoringInterview.Status.REFUSED_CONSENT,
)

# The sample hash, in SQL: the first 32 bits of md5(seed || public id) as a fraction of 2**32.
# ``tests/returns/test_monitoring.py`` recomputes it in Python to check the draw.
SAMPLE_FRACTION_SQL = "('x' || substr(md5(%(seed)s || h.public_id::text), 1, 8))::bit(32)::bigint / 4294967296.0"


# ---------------------------------------------------------------------------------------------
# Drawing the sample
# ---------------------------------------------------------------------------------------------


def monitoring_sample_draw(*, today: datetime.date) -> dict[str, int]:
    """Draw, for every active plan, the households of its agency that arrived between the window's
    end and start (inclusive: from ``window_from_days`` to ``window_until_days`` days ago), are not
    drawn yet, and whose sample hash falls under the rate. Returns how many were drawn, by agency code.

    Idempotent: a second run the same day draws nothing; a concurrent one neither (the unique
    household and plan, ``ON CONFLICT DO NOTHING``).
    """
    drawn: dict[str, int] = {}
    interviews = MonitoringInterview._meta.db_table
    with transaction.atomic():
        for plan in MonitoringPlan.objects.filter(is_active=True).select_related("agency").order_by("pk"):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {interviews} (
                        public_id, household_id, case_id, agency_id, plan_id, drawn_on, due_by, status,
                        attempts, method, consent, shelter, work, documents, intends_to_stay, needs, note,
                        created_at, updated_at
                    )
                    SELECT gen_random_uuid(), h.id, c.id, h.routed_agency_id, %(plan)s, %(today)s,
                           h.arrival_date + %(until)s, %(pending)s, 0, '', false, '', '', '{{}}', '', '{{}}', '',
                           now(), now()
                    FROM {Household._meta.db_table} h
                    LEFT JOIN {Case._meta.db_table} c ON c.household_id = h.id AND c.agency_id = h.routed_agency_id
                    WHERE h.routed_agency_id = %(agency)s AND h.withdrawn_at IS NULL
                      AND h.arrival_date BETWEEN %(earliest)s AND %(latest)s
                      AND {SAMPLE_FRACTION_SQL} < %(rate)s
                      AND NOT EXISTS (
                          SELECT 1 FROM {interviews} i WHERE i.household_id = h.id AND i.plan_id = %(plan)s
                      )
                    ON CONFLICT (household_id, plan_id) DO NOTHING
                    """,  # noqa: S608 - table names from the models, values as parameters
                    {
                        "plan": plan.pk,
                        "agency": plan.agency_id,
                        "today": today,
                        "until": plan.window_until_days,
                        "earliest": today - datetime.timedelta(days=plan.window_until_days),
                        "latest": today - datetime.timedelta(days=plan.window_from_days),
                        "seed": plan.seed,
                        "rate": Decimal(plan.sample_rate),
                        "pending": MonitoringInterview.Status.PENDING.value,
                    },
                )
                drawn[plan.agency.code] = cursor.rowcount
    return drawn


# ---------------------------------------------------------------------------------------------
# Recording an interview
# ---------------------------------------------------------------------------------------------


def _given(value) -> bool:
    return value not in (None, "", [], ())


def monitoring_interview_problems(
    *, interview: MonitoringInterview, data: Mapping, today: datetime.date
) -> dict[str, list[Problem]]:
    """What is wrong with an interview's record, keyed by field; empty when it can be saved."""
    problems: dict[str, list[Problem]] = {}

    def add(path: str, code: str, message: str) -> None:
        problems.setdefault(path, []).append(Problem(code, message))

    status = data.get("status") or ""
    if status not in RECORDED_STATUSES:
        add("status", "invalid_choice", _("Say how it went: interviewed, not reached, or declined."))
    if data.get("method") not in MonitoringInterview.Method.values:
        add("method", "invalid_choice", _("Say how the family was interviewed or tried: centre, phone or visit."))
    interviewed_on = data.get("interviewed_on")
    earliest = interview.household.arrival_date + datetime.timedelta(days=interview.plan.window_from_days)
    if not isinstance(interviewed_on, datetime.date):
        add("interviewed_on", "required", _("Enter the date of the interview or of the attempt."))
    elif interviewed_on > today:
        add("interviewed_on", "future_date", _("This date has not come yet: enter the day it happened."))
    elif interviewed_on < earliest:
        add(
            "interviewed_on",
            "before_window",
            _("Return monitoring starts %(days)s days after arrival: from %(date)s for this family.")
            % {"days": interview.plan.window_from_days, "date": earliest.isoformat()},
        )

    consent = data.get("consent") is True
    answered = [name for name, _required in ANSWERS if _given(data.get(name))]
    if status == MonitoringInterview.Status.COMPLETED and not consent:
        add(
            "consent",
            "consent_required",
            _("Answers are kept only with the family's consent: ask for it, or record that they declined."),
        )
    elif consent and status != MonitoringInterview.Status.COMPLETED and status in RECORDED_STATUSES:
        add("consent", "consent_contradiction", _("With consent given, record the interview as completed."))
    if answered and not (consent and status == MonitoringInterview.Status.COMPLETED):
        add(
            "consent",
            "answers_without_consent",
            _("No answer is kept without consent and a completed interview: clear the answers (%(fields)s).")
            % {"fields": ", ".join(answered)},
        )
    if problems.get("consent") or status != MonitoringInterview.Status.COMPLETED:
        return problems

    for name, required in ANSWERS:
        if required and not _given(data.get(name)):
            add(name, "required", _("Answer this question."))
    reference = reference_data()
    province, district = data.get("current_province") or "", data.get("current_district") or ""
    if province and province not in reference.provinces:
        add("current_province", "unknown", _("Choose a province from the list."))
    if district:
        known = reference.districts.get(district)
        if known is None:
            add("current_district", "unknown", _("Choose a district from the list."))
        elif known.province_id != province:
            add("current_district", "not_in_province", _("This district is not in the province chosen."))
    for name in ("shelter", "work", "intends_to_stay"):
        value = data.get(name)
        if _given(value) and value not in CHOICES[name].values:
            add(name, "invalid_choice", _("Choose one of the answers offered."))
    for name in ("documents", "needs"):
        values = list(data.get(name) or [])
        if any(value not in CHOICES[name].values for value in values) or len(set(values)) != len(values):
            add(name, "invalid_choice", _("Choose among the answers offered, each once."))
    needs = list(data.get("needs") or [])
    if MonitoringInterview.Need.NONE in needs and len(needs) > 1:
        add("needs", "none_and_needs", _("“None” cannot go with other needs."))
    return problems


def monitoring_interview_record(
    *, interview: MonitoringInterview, recorded_by: User, data: Mapping
) -> MonitoringInterview:
    """Record how a monitoring interview went and, with consent, its answers.

    ``data``: ``status`` (completed, not_reached or refused_consent), ``method``, ``interviewed_on``
    (a date), ``consent`` (bool), the answers (``current_province`` and ``current_district`` as
    P-codes, ``shelter``, ``work``, ``intends_to_stay`` as codes, ``documents`` and ``needs`` as
    lists of codes) and ``note``. Refuses with ``Refused`` (problems keyed by field; nothing saved) or
    ``PermissionDenied``; an interview already recorded is refused (``already_recorded``), since
    answers are not edited afterwards.
    """
    policy.require_record_monitoring(recorded_by)
    with transaction.atomic():
        locked = (
            MonitoringInterview.objects.visible_to(recorded_by)
            .select_related("household", "plan")
            .select_for_update(of=("self",))
            .get(pk=interview.pk)
        )
        policy.require_record_monitoring(recorded_by, locked)
        problems = monitoring_interview_problems(interview=locked, data=data, today=timezone.localdate())
        if problems:
            raise Refused(problems)
        completed = data["status"] == MonitoringInterview.Status.COMPLETED
        locked.status = data["status"]
        locked.method = data["method"]
        locked.interviewed_on = data["interviewed_on"]
        locked.interviewed_by = recorded_by
        locked.consent = completed
        locked.current_province_id = (data.get("current_province") or None) if completed else None
        locked.current_district_id = (data.get("current_district") or None) if completed else None
        for name in ("shelter", "work", "intends_to_stay"):
            setattr(locked, name, (data.get(name) or "") if completed else "")
        locked.documents = sorted(data.get("documents") or []) if completed else []
        locked.needs = sorted(data.get("needs") or []) if completed else []
        locked.note = (data.get("note") or "").strip()
        locked.attempts += 1
        locked.save()
    return locked

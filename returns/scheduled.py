"""Scheduled work on cases: marking what fell due overnight, and telling the assigned staff.

``returns.tasks`` runs these once a day. Marking is idempotent: a case is marked once (its
``overdue_since`` is set), so a second run, or a retried task, marks nothing. Marking writes with
one lock query, one UPDATE and one bulk insert of events, whatever the number of cases. A
transition clears ``overdue_since`` (``case_transition``), so a case is marked again only when its
next stage falls overdue.

Notifying sends one email per assignee, listing their cases. A case nobody can be told about (no
assignee, an inactive one, or one without an email address) is skipped and counted.
"""

import datetime
import itertools
import logging
from dataclasses import dataclass

from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from agencies import calendars
from agencies.models import User
from returns.models import Case, CaseEvent, Referral
from returns.models.cases import CaseQuerySet
from returns.workflows import workflow_named

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationSummary:
    emails_sent: int = 0
    cases_listed: int = 0
    skipped_unassigned: int = 0  # no assignee, or an inactive one
    skipped_no_email: int = 0


# ---------------------------------------------------------------------------------------------
# Marking
# ---------------------------------------------------------------------------------------------


def cases_mark_overdue(*, today: datetime.date) -> list[int]:
    """Mark open cases whose current stage was due before ``today``; return the ids just marked."""
    return _cases_mark(
        cases=Case.objects.overdue(today).filter(overdue_since__isnull=True),
        mark={"overdue_since": today},
        kind=CaseEvent.Kind.OVERDUE,
        due_field="stage_due_date",
    )


def _cases_mark(*, cases: CaseQuerySet, mark: dict, kind: str, due_field: str) -> list[int]:
    with transaction.atomic():
        # Locked in primary-key order, like every other lock on cases. A case a transition changes
        # meanwhile is re-checked by PostgreSQL once the lock is granted, and skipped if it no
        # longer qualifies.
        due = list(cases.locked().values_list("pk", "stage", due_field))
        if not due:
            return []
        case_ids = [case_id for case_id, _stage, _due_on in due]
        Case.objects.filter(pk__in=case_ids).update(**mark, version=F("version") + 1, updated_at=timezone.now())
        CaseEvent.objects.bulk_create(
            CaseEvent(case_id=case_id, kind=kind, details={"stage": stage, due_field: due_on.isoformat()})
            for case_id, stage, due_on in due
        )
    return case_ids


# ---------------------------------------------------------------------------------------------
# Notifying
# ---------------------------------------------------------------------------------------------


def overdue_notify(*, case_ids: list[int]) -> NotificationSummary:
    """Email each assignee the cases among ``case_ids`` that are still open and overdue."""
    return _assignees_notify(
        cases=Case.objects.open().filter(pk__in=case_ids, overdue_since__isnull=False),
        due_field="stage_due_date",
        subject=ngettext_lazy("%(count)d case is overdue", "%(count)d cases are overdue", "count"),
        introduction=gettext_lazy("These cases assigned to you are past the date their current stage was due:"),
    )


def _assignees_notify(
    *, cases: CaseQuerySet, due_field: str, subject: Promise, introduction: Promise
) -> NotificationSummary:
    """One email per assignee listing their cases, each in the assignee's language and calendar."""
    cases = cases.select_related("assigned_to").order_by("assigned_to_id", due_field, "case_number")
    messages, listed, unassigned, no_email = [], 0, 0, 0
    for _assignee_id, group in itertools.groupby(cases, key=lambda case: case.assigned_to_id):
        assigned = list(group)
        assignee = assigned[0].assigned_to
        if assignee is None or not assignee.is_active:
            unassigned += len(assigned)
            continue
        if not assignee.email:
            no_email += len(assigned)
            continue
        with calendars.written_for(assignee):
            lines = [
                _("%(case_number)s · %(stage)s · due %(due)s · %(link)s")
                % {
                    "case_number": case.case_number,
                    "stage": workflow_named(case.workflow).stage(case.stage).label,
                    "due": calendars.date_numeric(getattr(case, due_field)),
                    "link": case.get_absolute_url(),
                }
                for case in assigned
            ]
            greeting = _("Hello %(name)s,") % {"name": assignee.get_short_name() or assignee.get_username()}
            body = "\n".join([greeting, "", str(introduction), "", *lines, ""])
            subject_written = str(subject % {"count": len(assigned)})
        messages.append(EmailMessage(subject=subject_written, body=body, to=[assignee.email]))
        listed += len(assigned)
    sent = mailers.default.send_messages(messages) if messages else 0
    summary = NotificationSummary(
        emails_sent=sent or 0, cases_listed=listed, skipped_unassigned=unassigned, skipped_no_email=no_email
    )
    if unassigned or no_email:
        logger.warning("Cases nobody was told about: %s", summary)
    return summary


# ---------------------------------------------------------------------------------------------
# Referrals not answered in time (flag follow-ups among them)
#
# Separate from the case checks above: a referral waits on the receiving agency, not on the
# referring case's assignee, so it is marked on the referral and told to the receiving agency's
# managers.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralNotificationSummary:
    emails_sent: int = 0
    referrals_listed: int = 0
    skipped_no_manager: int = 0  # the receiving agency has no active manager with an email address (a partner)


def referrals_mark_overdue(*, today: datetime.date) -> list[int]:
    """Mark referrals still pending after their due date; return the ids just marked.

    Idempotent like the case checks: a referral is marked once (``overdue_since``), so a rerun
    marks nothing. One lock query (referral rows only, in primary-key order), one UPDATE, one
    bulk insert of ``referral_overdue`` events on the referring cases, whatever the number. The
    referring case's row is not changed (nor its version): the referral is late, not the case.
    """
    with transaction.atomic():
        due = list(
            Referral.objects.overdue(today)
            .filter(overdue_since__isnull=True, case__household__withdrawn_at__isnull=True)  # withdrawn: nobody acts
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "case_id", "to_agency__code", "due_date", "public_id")
        )
        if not due:
            return []
        referral_ids = [referral_id for referral_id, *_rest in due]
        Referral.objects.filter(pk__in=referral_ids).update(overdue_since=today, updated_at=timezone.now())
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=case_id,
                kind=CaseEvent.Kind.REFERRAL_OVERDUE,
                details={"referral": str(public_id), "to": to_agency, "due_date": due_on.isoformat()},
            )
            for _referral_id, case_id, to_agency, due_on, public_id in due
        )
    return referral_ids


def referrals_overdue_notify(*, referral_ids: list[int]) -> ReferralNotificationSummary:
    """Email the receiving agencies' managers the referrals among ``referral_ids`` still pending and overdue.

    One email per manager, listing their agency's referrals; two queries (the referrals, the
    managers) whatever the number.
    """
    referrals = list(
        Referral.objects.filter(pk__in=referral_ids, status=Referral.Status.PENDING, overdue_since__isnull=False)
        .select_related("case__household", "from_agency", "to_agency")
        .order_by("to_agency_id", "due_date", "id")
    )
    if not referrals:
        return ReferralNotificationSummary()
    managers: dict[int, list[User]] = {}
    for manager in User.objects.filter(
        agency_id__in={referral.to_agency_id for referral in referrals},
        role=User.Role.MANAGER,
        is_active=True,
    ).exclude(email=""):
        managers.setdefault(manager.agency_id, []).append(manager)
    inbox = reverse("returns:referrals")
    messages, listed, skipped = [], 0, 0
    for agency_id, group in itertools.groupby(referrals, key=lambda referral: referral.to_agency_id):
        overdue = list(group)
        if not managers.get(agency_id):
            skipped += len(overdue)
            continue
        for manager in managers[agency_id]:
            with calendars.written_for(manager):  # each manager's language and calendar
                lines = [
                    _("%(registration_number)s · from %(agency)s · %(service)s · due %(due)s")
                    % {
                        "registration_number": referral.case.household.registration_number,
                        "agency": referral.from_agency.code,
                        "service": referral.get_service_display(),
                        "due": calendars.date_numeric(referral.due_date),
                    }
                    for referral in overdue
                ]
                subject = ngettext(
                    "%(count)d referral to your agency is overdue",
                    "%(count)d referrals to your agency are overdue",
                    len(overdue),
                ) % {"count": len(overdue)}
                greeting = _("Hello %(name)s,") % {"name": manager.get_short_name() or manager.get_username()}
                introduction = _("These referrals to your agency were not answered by their due date:")
                closing = _("Answer them at %(inbox)s") % {"inbox": inbox}
                body = "\n".join([greeting, "", introduction, "", *lines, "", closing, ""])
            messages.append(EmailMessage(subject=subject, body=body, to=[manager.email]))
        listed += len(overdue)
    sent = mailers.default.send_messages(messages) if messages else 0
    summary = ReferralNotificationSummary(emails_sent=sent or 0, referrals_listed=listed, skipped_no_manager=skipped)
    if skipped:
        logger.warning("Overdue referrals nobody was told about: %s", summary)
    return summary

"""Flags create work: a household's flags become referrals from its case, as ``FlagFollowUp`` rows say.

Routing rules set flags on a household (``Household.flags``: a deported refugee-card holder is
flagged for protection follow-up, an expired card for UNHCR verification). A flag alone asks
nobody to act, so the registry service calls ``follow_ups_open`` once the household's case is
open, at registration and on re-routing. Which flag, on whose case, goes to which agency for which
service and with how many days to answer is data (``returns.models.FlagFollowUp``, edited in the
admin, read from the reference snapshot), never code here.

The referrals are ordinary referrals: the receiving agency answers them from its inbox or the API
(``returns.services.cases.referral_answer``), the nightly check marks them overdue
(``returns.scheduled.referrals_mark_overdue``), and the visibility gate lets the receiving agency
see the household while a referral to it is open (``HouseholdQuerySet.visible_to``).

Why not ``referral_make``: that is a person's action on a case, refused to roles that do not hold
cases (an administrator or a partner's key may register a household, but not refer a case), and
it locks and writes one referral at a time. A follow-up is a consequence of the registration the
user was already allowed to make, so it is written with the registration, in bulk: a registration's
referrals and their events go with its other rows (``follow_ups_open_registered``: no query of their
own, however many of an import's households are flagged); a re-route's in two queries.
"""

import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.bulk import CopyStream, InsertBatch, unsaved
from agencies.models import User
from returns.models import Case, CaseEvent, FlagFollowUp, Household, Referral
from returns.reference import reference_data


def follow_ups_due(*, household: Household, case: Case) -> list[FlagFollowUp]:
    """The active follow-ups for the household's flags on this case's agency, in the order of the flags."""
    rules = reference_data().flag_follow_ups
    return [rules[(flag, case.agency_id)] for flag in dict.fromkeys(household.flags) if (flag, case.agency_id) in rules]


def follow_ups_open(*, household: Household, case: Case | None, made_by: User, reason: str = "") -> list[Referral]:
    """Refer the household's flags to whoever must act on them, from ``case`` (just opened for it, on a
    re-route; a registration's are ``follow_ups_open_registered``).

    Call inside the transaction that opened the case. One referral per flag with an active
    follow-up for the case's agency, made by ``made_by`` (who re-routed the household), due
    ``answer_days`` from today, its reason naming the flag and ``reason`` (the routing reason by
    default); a follow-up already open for the household under the same rule is not made twice.
    Returns the referrals made.
    """
    if case is None or not household.flags:
        return []
    wanted = follow_ups_due(household=household, case=case)
    if not wanted:
        return []
    already = set(_open_follow_ups(household).filter(follow_up__in=wanted).values_list("follow_up_id", flat=True))
    wanted = [rule for rule in wanted if rule.pk not in already]
    if not wanted:
        return []
    referrals, events = _follow_ups_made([(household, case, wanted)], made_by=made_by, reason=reason)
    Referral.objects.bulk_create(referrals)
    CaseEvent.objects.bulk_create(events)
    return referrals


def follow_ups_open_registered(
    *,
    households: list[Household],
    cases: list[Case | None],
    made_by: User,
    batch: InsertBatch | CopyStream,
) -> list[Referral]:
    """Refer the flags of households just registered, each from the case just opened for it
    (``cases_open_registered``; None where its agency runs no workflow): one referral per flag with an
    active follow-up for the case's agency, made by ``made_by``, its reason naming the flag and the
    routing reason, and its ``referral_made`` event, all added to the registration's ``batch`` after
    the cases (no query of their own). Nothing is open for them yet, so nothing is looked for. Returns
    the referrals made."""
    due = [
        (household, case, wanted)
        for household, case in zip(households, cases, strict=True)
        if case is not None and household.flags and (wanted := follow_ups_due(household=household, case=case))
    ]
    if not due:
        return []
    referrals, events = _follow_ups_made(due, made_by=made_by, reason="")
    batch.add(referrals)
    batch.add(events)
    return referrals


def _follow_ups_made(
    due: list[tuple[Household, Case, list[FlagFollowUp]]], *, made_by: User, reason: str
) -> tuple[list[Referral], list[CaseEvent]]:
    """The referrals (unsaved) of each household's due follow-ups from its case, and their events."""
    today = timezone.localdate()
    flag_labels = dict(Household.Flag.choices)
    referrals, events = [], []
    for household, case, wanted in due:
        why = (reason or household.routing_reason).strip()
        for rule in wanted:
            referral = unsaved(
                Referral,
                case=case,
                from_agency_id=case.agency_id,
                to_agency_id=rule.to_agency_id,
                service=rule.service,
                reason=_("Flag: %(flag)s. Routing: %(reason)s")
                % {"flag": flag_labels.get(rule.flag, rule.flag), "reason": why},
                due_date=today + datetime.timedelta(days=rule.answer_days),
                created_by=made_by,
                follow_up=rule,
            )
            referrals.append(referral)
            events.append(
                unsaved(
                    CaseEvent,
                    case=case,
                    kind=CaseEvent.Kind.REFERRAL_MADE,
                    actor=made_by,
                    note=referral.reason,
                    details={
                        "referral": str(referral.public_id),
                        "to": rule.to_agency.code,
                        "service": rule.service,
                        "flag": rule.flag,
                    },
                )
            )
    return referrals, events


def _open_follow_ups(household: Household) -> QuerySet:
    return Referral.objects.open().filter(case__household=household, follow_up__isnull=False)

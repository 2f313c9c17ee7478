"""Reads of return monitoring. Every one starts from ``MonitoringInterview.objects.visible_to(user)``."""

import datetime

from django.db import models
from django.db.models import Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404

from returns.filters.monitoring import MonitoringInterviewFilter
from returns.models import MonitoringInterview
from returns.selectors.cases import with_head_name

INTERVIEW_RELATED = (
    "household",
    "household__office",
    "household__destination_province",
    "agency",
    "plan",
    "interviewed_by",
    "current_province",
    "current_district",
)


def monitoring_interviews(*, user):
    """The interviews this user may see, with what a list shows (head of household's name included)."""
    return with_head_name(MonitoringInterview.objects.visible_to(user).select_related(*INTERVIEW_RELATED))


def monitoring_filter(*, user, params) -> MonitoringInterviewFilter:
    return MonitoringInterviewFilter(params, queryset=monitoring_interviews(user=user))


def monitoring_queue_order(interviews):
    """The queue's order: still waiting first (never tried, then not reached), then by due date."""
    waiting_first = models.Case(
        When(status=MonitoringInterview.Status.PENDING, then=Value(0)),
        When(status=MonitoringInterview.Status.NOT_REACHED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return interviews.order_by(waiting_first, "due_by", "id")


def monitoring_interview_get(*, user, public_id) -> MonitoringInterview:
    """One interview with its household; 404 when the user may not see it."""
    return get_object_or_404(monitoring_interviews(user=user), public_id=public_id)


def monitoring_status_counts(*, interviews, today: datetime.date) -> dict:
    """How many interviews per status, and how many waiting are overdue: one query."""
    return interviews.order_by().aggregate(
        overdue=Count("id", filter=Q(status__in=MonitoringInterview.WAITING, due_by__lt=today)),
        **{status: Count("id", filter=Q(status=status)) for status in MonitoringInterview.Status.values},
    )

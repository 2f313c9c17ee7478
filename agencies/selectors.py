"""Reads of the agencies app that pages share: the access log's search."""

from django.db.models import Q

from agencies.filters import AccessLogFilter
from agencies.models import AccessLogEntry, Agency, User


def access_log_search(*, user, params) -> AccessLogFilter:
    """The access log as ``user`` may see it (``AccessLogEntry.objects.visible_to``), filtered by
    ``params``; newest first. The organisation filter offers only organisations they may ask about."""
    entries = AccessLogEntry.objects.visible_to(user).select_related("agency").order_by("-id")
    filterset = AccessLogFilter(params, queryset=entries)
    agencies = Agency.objects.order_by("code")
    if not (user.is_superuser or user.role == User.Role.ADMIN):
        agencies = agencies.filter(Q(pk=user.agency_id) | Q(agreements__source_agencies=user.agency_id)).distinct()
    filterset.filters["agency"].queryset = agencies
    return filterset

"""Filters of the cases API that the pages do not share (cases use ``agencies.filters.CaseFilter``)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.models import Referral


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Referral.Status.choices, label=_("Status"))
    direction = django_filters.ChoiceFilter(
        choices=[("made", _("Made by my agency")), ("received", _("Addressed to my agency"))],
        method="filter_direction",
        label=_("Direction"),
    )

    class Meta:
        model = Referral
        fields = ["status", "direction"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_direction(self, queryset, name, value):
        agency_id = getattr(self.user, "agency_id", None)
        if value == "made":
            return queryset.filter(from_agency_id=agency_id)
        return queryset.filter(to_agency_id=agency_id)

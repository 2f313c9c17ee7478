"""Border count filters, for the API's list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.api.access import NOTHING
from returns.models import BorderCount


class BorderCountFilter(django_filters.FilterSet):
    crossing = django_filters.CharFilter(
        field_name="crossing__code", label=_("Crossing point (office code, e.g. TKM)"), max_length=3
    )
    country = django_filters.CharFilter(
        field_name="country_id", label=_("Country of departure (ISO code, e.g. PK)"), max_length=2
    )
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From this day"))
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("Until this day"))
    history = django_filters.BooleanFilter(
        method="filter_history", label=_("Every version (true), or only the current figures (default)")
    )

    class Meta:
        model = BorderCount
        fields = ["crossing", "country", "day_from", "day_to", "history"]

    # Counts are not personal data: every filter is open to a key with ``reports:read``.
    partner_reveals = dict.fromkeys(["crossing", "country", "day_from", "day_to", "history"], NOTHING)

    def filter_history(self, queryset, name, value):
        return queryset  # applied in ``qs``: the default (no value) lists current figures only

    @property
    def qs(self):
        queryset = super().qs
        # Without ``history=true`` only the current version of each count is listed.
        if not self.form.cleaned_data.get("history"):
            queryset = queryset.current()
        return queryset

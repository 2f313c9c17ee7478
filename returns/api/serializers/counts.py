"""Shapes of the border counts API. The input serializer only parses JSON (types, codes to rows);
what makes counts possible is ``returns.services.counts``, the function the page calls too."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.api.fields import CalendarDateField
from agencies.api.serializers import UnknownFieldsRefusedMixin
from agencies.models import Country, Office
from returns.models import BorderCount
from returns.models.counts import MEASURES
from returns.selectors.counts import ISO_WEEK_MESSAGE, iso_week_monday

TOTAL_HELP = _("Everyone who crossed from that country that day.")
BREAKDOWN_HELP = _("Each breakdown (deported + spontaneous, in families + individuals, sex × age) adds up to total.")


class BorderCountSerializer(serializers.ModelSerializer):
    """One version of the arrivals counted at a crossing point on a day, from one country."""

    crossing = serializers.CharField(source="crossing.code", help_text=_("The crossing point's office code."))
    country = serializers.CharField(source="country_id", help_text=_("Country of departure, ISO 3166 alpha-2."))

    class Meta:
        model = BorderCount
        fields = ["crossing", "day", "country", "version", *MEASURES, "note", "recorded_at"]
        read_only_fields = fields


class BorderCountRecordSerializer(UnknownFieldsRefusedMixin, serializers.Serializer):
    """A day's counts to record: the first version, or a correction (with a note)."""

    crossing = serializers.SlugRelatedField(
        slug_field="code", queryset=Office.objects.all(), help_text=_("The crossing point's office code, e.g. TKM.")
    )
    day = CalendarDateField(help_text=_("The day counted: today or earlier."))
    country = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), help_text=_("Country of departure, e.g. PK.")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required for a correction.")
    )

    def get_fields(self):
        # Every number, required; whether it is possible (not negative, breakdowns adding up to the
        # total) is the service's to say, with the page's messages.
        fields = super().get_fields()
        for name in MEASURES:
            fields[name] = serializers.IntegerField(help_text=TOTAL_HELP if name == "total" else BREAKDOWN_HELP)
        return fields


class IsoWeekField(serializers.CharField):
    """An ISO week, ``2026-W41``, validated to its Monday (the page's field says the same)."""

    def to_internal_value(self, data):
        monday = iso_week_monday(super().to_internal_value(data))
        if monday is None:
            raise serializers.ValidationError(str(ISO_WEEK_MESSAGE), code="invalid_week")
        return monday


class BorderCountReconciliationQuerySerializer(serializers.Serializer):
    """The weeks asked for; each optional (the last weeks up to this one by default)."""

    week_from = IsoWeekField(
        required=False, help_text=_("First ISO week, e.g. 2026-W30; default: 11 weeks before `week_to`.")
    )
    week_to = IsoWeekField(required=False, help_text=_("Last ISO week, e.g. 2026-W41; default: this week."))


class WeekReconciliationSerializer(serializers.Serializer):
    """Counted arrivals against registered people at one crossing point in one ISO week."""

    crossing = serializers.CharField(source="crossing.code", help_text=_("The crossing point's office code."))
    week = serializers.CharField(source="iso_week", help_text=_("ISO week, e.g. 2026-W41."))
    week_start = CalendarDateField(source="week", help_text=_("Its Monday."))
    counted = serializers.IntegerField(help_text=_("Arrivals counted at the border (current versions of the counts)."))
    registered = serializers.IntegerField(
        help_text=_("People in the households registered at the crossing, by arrival date.")
    )
    unregistered = serializers.IntegerField(help_text=_("Counted minus registered."))


class BorderCountReconciliationSerializer(serializers.Serializer):
    week_from = serializers.CharField(help_text=_("First ISO week shown."))
    week_to = serializers.CharField(help_text=_("Last ISO week shown."))
    first_day = CalendarDateField(help_text=_("The Monday of the first week."))
    last_day = CalendarDateField(help_text=_("The Sunday of the last week."))
    results = WeekReconciliationSerializer(many=True, help_text=_("By crossing point name, then week."))

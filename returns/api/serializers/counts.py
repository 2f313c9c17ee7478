"""Shapes of the border counts API. The input serializer only parses JSON (types, codes to rows);
what makes counts possible is ``returns.services.counts``, the function the page calls too."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.models import Country, Office
from returns.models import BorderCount
from returns.models.counts import MEASURES

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


class BorderCountRecordSerializer(serializers.Serializer):
    """A day's counts to record: the first version, or a correction (with a note)."""

    crossing = serializers.SlugRelatedField(
        slug_field="code", queryset=Office.objects.all(), help_text=_("The crossing point's office code, e.g. TKM.")
    )
    day = serializers.DateField(help_text=_("The day counted: today or earlier."))
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

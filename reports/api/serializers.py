"""Shapes of the statistics API: counts only, a suppressed one null."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StatisticsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("Year of arrival, e.g. 2026."))


class TotalSerializer(serializers.Serializer):
    households = serializers.IntegerField(allow_null=True, help_text=_("null: suppressed (fewer than five)."))
    people = serializers.IntegerField(allow_null=True)


class BreakdownCellSerializer(TotalSerializer):
    key = serializers.CharField(
        help_text=_("The code counted: a category, ISO country, return type, office, YYYY-MM or P-code.")
    )


class SexAgeCellSerializer(serializers.Serializer):
    sex = serializers.CharField()
    age_group = serializers.ChoiceField(choices=["0-4", "5-11", "12-17", "18-59", "60+"])
    people = serializers.IntegerField(allow_null=True, help_text=_("null: suppressed."))


class SuppressedCellSerializer(serializers.Serializer):
    breakdown = serializers.CharField(help_text=_("total, by_category, ... by_sex_and_age."))
    key = serializers.CharField(help_text=_("The cell's key; for sex and age: <sex>/<age group>."))
    reason = serializers.ChoiceField(
        choices=["primary", "secondary"],
        help_text=_("primary: fewer than five; secondary: hidden so that a primary one cannot be subtracted out."),
    )


class ReturnStatisticsSerializer(serializers.Serializer):
    """Households and people who arrived in a year, by breakdown. Cells below the threshold are null."""

    year = serializers.IntegerField()
    threshold = serializers.IntegerField(help_text=_("Counts below it are suppressed."))
    total = TotalSerializer()
    by_category = BreakdownCellSerializer(many=True)
    by_country_of_departure = BreakdownCellSerializer(many=True)
    by_return_type = BreakdownCellSerializer(many=True)
    by_crossing_point = BreakdownCellSerializer(many=True)
    by_month = BreakdownCellSerializer(many=True)
    by_destination_province = BreakdownCellSerializer(many=True)
    by_sex_and_age = SexAgeCellSerializer(many=True, help_text=_("People by sex and age group at arrival."))
    suppressed = SuppressedCellSerializer(many=True)

"""Admin of the border arrival counts: shown, never changed here.

A count changes only by a new version through ``returns.services.counts.border_count_record`` (the
entry page or the API), so every version stays as it was recorded.
"""

from django.contrib import admin

from agencies.admin import ReadOnlyAdminMixin
from returns.models import BorderCount
from returns.models.counts import MEASURES


@admin.register(BorderCount)
class BorderCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "crossing", "country", "version", "total", "recorded_by", "recorded_at"]
    list_filter = ["crossing", "country"]
    list_select_related = ["crossing", "country", "recorded_by"]
    search_fields = ["crossing__code", "crossing__name", "country__code", "note"]
    date_hierarchy = "day"
    fields = ["crossing", "day", "country", "version", *MEASURES, "note", "recorded_by", "recorded_at"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).readable_by(request.user)

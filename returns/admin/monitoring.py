"""Admin of return monitoring: plans are edited here (rate, seed, window); interviews are only shown.

An interview changes only through ``returns.services.monitoring.monitoring_interview_record`` (the
interview page or the API), and is never deleted.
"""

from django.contrib import admin

from agencies.access_log import Kind
from agencies.admin import AccessLoggedAdminMixin, ReadOnlyAdminMixin
from returns.models import MonitoringInterview, MonitoringPlan


@admin.register(MonitoringPlan)
class MonitoringPlanAdmin(admin.ModelAdmin):
    list_display = ["agency", "is_active", "sample_rate", "window_from_days", "window_until_days", "seed"]
    list_select_related = ["agency"]
    fields = ["agency", "is_active", "sample_rate", "seed", "window_from_days", "window_until_days", "notes"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its interviews point at it; deactivate it instead


@admin.register(MonitoringInterview)
class MonitoringInterviewAdmin(AccessLoggedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    access_kind = Kind.INTERVIEW
    list_display = ["household", "agency", "status", "drawn_on", "due_by", "interviewed_on", "method"]
    list_filter = ["agency", "status", "method", "shelter", "work", "intends_to_stay"]
    list_select_related = ["household", "agency"]
    search_fields = ["household__registration_number"]
    date_hierarchy = "drawn_on"
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

from django.contrib import admin

from reports.models import DisclosureThreshold, PublishedReturnFigure, Report, ReportSignOff


@admin.register(PublishedReturnFigure)
class PublishedReturnFigureAdmin(admin.ModelAdmin):
    list_display = ("year", "registered_refugee_returns", "is_approximate", "source")
    list_editable = ("registered_refugee_returns", "is_approximate")


@admin.register(DisclosureThreshold)
class DisclosureThresholdAdmin(admin.ModelAdmin):
    list_display = ("table", "threshold", "sensitive_threshold", "note")


class ReportSignOffInline(admin.TabularInline):
    model = ReportSignOff
    extra = 0
    can_delete = False
    readonly_fields = ("agency", "signed_by", "signed_at", "checksum", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Snapshots are read here, never edited: the report pages generate and sign them off."""

    list_display = ("title", "version", "status", "period_start", "period_end", "cut_off", "requested_by")
    list_filter = ("status",)
    inlines = [ReportSignOffInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

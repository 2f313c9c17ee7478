"""Admin for the cases, read-only, and the assistance catalogue with its grant rates.

Cases and everything recorded on them change only through ``returns.services.cases`` (transitions,
assistance, referrals), so they are shown here, never changed. Every list starts from the same
gate as the pages and the API (``Case.objects.visible_to``). The assistance catalogue and its
grant rates are data the agency edits here.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.access_log import Kind
from agencies.admin import AccessLoggedAdminMixin, ReadOnlyAdminMixin
from agencies.admin_languages import TranslatedNamesAdminMixin
from agencies.models import ALL_AGENCIES, Agency, agency_scope
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRate,
    MemberEntitlement,
    MemberVerification,
    Referral,
    SupplementRule,
)
from returns.workflows import all_workflows, workflow_named


class GrantRateInline(admin.TabularInline):
    model = GrantRate
    extra = 0
    fields = ["valid_from", "valid_until", "amount_per_person", "unit", "currency", "is_approximate", "source"]
    ordering = ["valid_from"]  # the timeline, oldest first


@admin.register(SupplementRule)
class SupplementRuleAdmin(admin.ModelAdmin):
    """The return supplement by arrival period: a timeline, newest first."""

    list_display = [
        "valid_from",
        "valid_until",
        "family_amount",
        "single_amount",
        "part_amount",
        "parts_paid",
        "due_after_days",
        "currency",
        "is_approximate",
    ]
    ordering = ["-valid_from"]


@admin.register(AssistanceType)
class AssistanceTypeAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "agency", "is_cash", "is_grant", "is_supplement", "unit", "order", "is_active"]
    list_filter = ["agency", "is_cash", "is_grant", "is_supplement", "is_active"]
    list_select_related = ["agency"]
    search_fields = ["code", "name"]
    inlines = [GrantRateInline]

    # Staff of an agency see and edit their own agency's catalogue; administrators every agency's.
    def get_queryset(self, request):
        return _of_agency_scope(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = _of_agency_scope(Agency.objects.all(), request, field="pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _of_agency_scope(queryset, request, *, field: str = "agency_id"):
    scope = agency_scope(request.user)
    if scope == ALL_AGENCIES:
        return queryset
    return queryset.none() if scope is None else queryset.filter(**{f"{field}__in": scope})


# ---------------------------------------------------------------------------------------------
# Cases: read-only, behind the visibility gate
# ---------------------------------------------------------------------------------------------


def _visible_cases(request):
    return Case.objects.visible_to(request.user)


class _OnVisibleCasesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rows that hang off a case: shown only for the cases the user may see."""

    show_full_result_count = False

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.sees_everything:
            return rows
        return rows.filter(case__in=_visible_cases(request).values("pk"))


class StageFilter(admin.SimpleListFilter):
    title = _("stage")
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return [
            (f"{workflow.code}:{stage.code}", f"{workflow.agency_code} · {stage.label}")
            for workflow in all_workflows().values()
            for stage in workflow.stages
        ]

    def queryset(self, request, queryset):
        if not self.value() or ":" not in self.value():
            return queryset
        workflow, stage = self.value().split(":", 1)
        return queryset.filter(workflow=workflow, stage=stage)


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = Case.objects.overdue(timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "transition", "from_stage", "to_stage", "note", "details"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Case)
class CaseAdmin(AccessLoggedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    access_kind = Kind.CASE
    list_display = [
        "case_number",
        "agency",
        "stage_label",
        "office",
        "assigned_to",
        "stage_due_date",
        "overdue_since",
        "opened_at",
        "closed_at",
    ]
    list_filter = ["agency", StageFilter, OverdueFilter, "outcome", "is_vulnerable"]
    list_select_related = ["agency", "office", "assigned_to"]
    search_fields = ["case_number", "household__registration_number"]
    search_help_text = _("A case number (VR-TKM-2026-000123) or a registration number.")
    show_full_result_count = False  # a count of every case on every search is expensive
    fields = [
        "case_number",
        "public_id",
        "household",
        "agency",
        "office",
        "workflow",
        "stage",
        "assigned_to",
        "stage_due_date",
        "overdue_since",
        "is_vulnerable",
        "opened_at",
        "closed_at",
        "outcome",
        "opened_by_referral",
        "version",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [CaseEventInline]

    def get_queryset(self, request):
        # The same gate as every page and API view. (No select_related here: the change list then
        # applies list_select_related.)
        return _visible_cases(request)

    @admin.display(description=_("stage"), ordering="stage")
    def stage_label(self, case: Case) -> str:
        return workflow_named(case.workflow).stage(case.stage).label


@admin.register(CaseEvent)
class CaseEventAdmin(AccessLoggedAdminMixin, _OnVisibleCasesAdmin):
    """Append-only history: nothing here is added, changed or deleted."""

    access_kind, access_record = Kind.CASE, "case.public_id"

    list_display = ["case", "kind", "actor", "transition", "from_stage", "to_stage", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]
    search_fields = ["case__case_number"]
    fields = ["case", "kind", "actor", "created_at", "transition", "from_stage", "to_stage", "note", "details"]


@admin.register(Assistance)
class AssistanceAdmin(AccessLoggedAdminMixin, _OnVisibleCasesAdmin):
    access_kind = Kind.ASSISTANCE
    list_display = [
        "case",
        "assistance_type",
        "quantity",
        "value",
        "currency",
        "delivered_on",
        "approval",
        "recorded_by",
        "approved_by",
    ]
    list_filter = ["approval", "assistance_type__agency", "assistance_type"]
    list_select_related = ["case", "assistance_type", "recorded_by", "approved_by"]
    search_fields = ["case__case_number"]


@admin.register(Referral)
class ReferralAdmin(AccessLoggedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    access_kind = Kind.REFERRAL
    list_display = ["case", "from_agency", "to_agency", "service", "status", "due_date", "created_at"]
    list_filter = ["status", "service", "from_agency", "to_agency"]
    list_select_related = ["case", "from_agency", "to_agency"]
    search_fields = ["case__case_number"]
    show_full_result_count = False

    def get_queryset(self, request):
        return Referral.objects.visible_to(request.user)


@admin.register(MemberVerification)
class MemberVerificationAdmin(AccessLoggedAdminMixin, _OnVisibleCasesAdmin):
    access_kind, access_record = Kind.CASE, "case.public_id"
    list_display = ["case", "member", "result", "recorded_by", "recorded_at"]
    list_filter = ["result"]
    list_select_related = ["case", "member", "recorded_by"]
    search_fields = ["case__case_number"]


@admin.register(MemberEntitlement)
class MemberEntitlementAdmin(AccessLoggedAdminMixin, _OnVisibleCasesAdmin):
    access_kind, access_record = Kind.CASE, "case.public_id"
    list_display = ["case", "member", "decision", "reason", "decided_by", "decided_at"]
    list_filter = ["decision"]
    list_select_related = ["case", "member", "decided_by"]
    search_fields = ["case__case_number"]


# ---------------------------------------------------------------------------------------------
# Partners: data-sharing agreements and API keys (issued and revoked only through agencies.api_keys)
# ---------------------------------------------------------------------------------------------

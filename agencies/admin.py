"""Admin for places, agencies, offices and the people who log in; the cases, read-only; partners'
data-sharing agreements and API keys.

Cases and everything recorded on them change only through ``agencies.services`` (transitions,
assistance, referrals), so they are shown here, never changed. Every list starts from the same
gate as the pages and the API (``Case.objects.visible_to``). The assistance catalogue and its
grant rates are data the agency edits here. An API key is issued here and shown once (in a
message), then only its prefix; revoking it is the one change its page allows.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.api_keys import api_key_issue, api_key_revoke, user_can_manage_api_keys
from agencies.models import (
    SHAREABLE_FIELDS,
    Agency,
    ApiKey,
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    Country,
    DataSharingAgreement,
    District,
    GrantRate,
    MemberVerification,
    Office,
    Province,
    Referral,
    Scope,
    User,
)
from agencies.models.organisation import ALL_AGENCIES, agency_scope
from agencies.workflows import all_workflows, workflow_named
from returns.admin import ReadOnlyAdminMixin


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["pcode", "name", "name_local"]
    search_fields = ["pcode", "name", "name_local"]
    ordering = ["pcode"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["pcode", "name", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["pcode", "name", "province__name"]
    autocomplete_fields = ["province"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_common_departure"]
    list_filter = ["is_common_departure"]
    search_fields = ["code", "name"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "receives_routed_households"]
    list_filter = ["kind", "receives_routed_households"]
    search_fields = ["code", "name"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province", "agency", "is_active"]
    list_filter = ["kind", "is_active", "agency", "province"]
    list_select_related = ["province", "agency"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["province", "agency"]


class _UserAgencyFormMixin:
    """Say in words what the ``user_agency_unless_admin`` constraint means, beside the field."""

    def clean(self):
        cleaned_data = super().clean()
        role = cleaned_data.get("role")
        if role and role != User.Role.ADMIN and not cleaned_data.get("agency"):
            self.add_error("agency", _("Choose the agency this person works for; only administrators have none."))
        return cleaned_data


class UserCreationAdminForm(_UserAgencyFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username"]


class UserChangeAdminForm(_UserAgencyFormMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ["username", "email", "first_name", "last_name", "agency", "office", "role", "is_active", "is_staff"]
    list_filter = ["role", "agency", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["agency", "office"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["agency", "office"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password", "public_id"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Work"), {"fields": ["agency", "office", "role"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (_("Work"), {"fields": ["agency", "office", "role"]}),
    ]


# ---------------------------------------------------------------------------------------------
# The assistance catalogue: data, edited here
# ---------------------------------------------------------------------------------------------


class GrantRateInline(admin.TabularInline):
    model = GrantRate
    extra = 0
    fields = ["valid_from", "valid_until", "amount_per_person", "currency"]


@admin.register(AssistanceType)
class AssistanceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "agency", "is_cash", "is_grant", "unit", "order", "is_active"]
    list_filter = ["agency", "is_cash", "is_grant", "is_active"]
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
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "case_number",
        "agency",
        "stage_label",
        "office",
        "assigned_to",
        "stage_due_date",
        "overdue_since",
        "followup_due_date",
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
        "followup_due_date",
        "followup_notified_on",
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
class CaseEventAdmin(_OnVisibleCasesAdmin):
    """Append-only history: nothing here is added, changed or deleted."""

    list_display = ["case", "kind", "actor", "transition", "from_stage", "to_stage", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]
    search_fields = ["case__case_number"]
    fields = ["case", "kind", "actor", "created_at", "transition", "from_stage", "to_stage", "note", "details"]


@admin.register(Assistance)
class AssistanceAdmin(_OnVisibleCasesAdmin):
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
class ReferralAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "from_agency", "to_agency", "service", "status", "due_date", "created_at"]
    list_filter = ["status", "service", "from_agency", "to_agency"]
    list_select_related = ["case", "from_agency", "to_agency"]
    search_fields = ["case__case_number"]
    show_full_result_count = False

    def get_queryset(self, request):
        return Referral.objects.visible_to(request.user)


@admin.register(MemberVerification)
class MemberVerificationAdmin(_OnVisibleCasesAdmin):
    list_display = ["case", "member", "result", "recorded_by", "recorded_at"]
    list_filter = ["result"]
    list_select_related = ["case", "member", "recorded_by"]
    search_fields = ["case__case_number"]


# ---------------------------------------------------------------------------------------------
# Partners: data-sharing agreements and API keys (issued and revoked only through agencies.api_keys)
# ---------------------------------------------------------------------------------------------


def _shareable_field_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The agreement's field choices grouped by resource, each labelled by its field name."""
    return [
        (resource.capitalize(), [(f"{resource}.{name}", name) for name in names])
        for resource, names in SHAREABLE_FIELDS.items()
    ]


class DataSharingAgreementForm(forms.ModelForm):
    class Meta:
        model = DataSharingAgreement
        fields = [
            "partner",
            "title",
            "reference",
            "source_agencies",
            "fields",
            "valid_from",
            "valid_until",
            "is_active",
        ]
        widgets = {"source_agencies": forms.CheckboxSelectMultiple}

    def clean(self):
        cleaned_data = super().clean()
        valid_from, valid_until = cleaned_data.get("valid_from"), cleaned_data.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", _("An agreement cannot end before it starts."))
        return cleaned_data


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(admin.ModelAdmin):
    form = DataSharingAgreementForm
    list_display = ["partner", "title", "reference", "valid_from", "valid_until", "is_active", "whose_data"]
    list_filter = ["is_active", "partner"]
    list_select_related = ["partner"]
    search_fields = ["title", "reference", "partner__code", "partner__name"]
    fieldsets = [
        (None, {"fields": ["partner", "title", "reference"]}),
        (_("What is shared"), {"fields": ["source_agencies", "fields"]}),
        (_("Validity"), {"fields": ["valid_from", "valid_until", "is_active"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("source_agencies")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "fields":
            # Checkboxes grouped by resource rather than a comma-separated list.
            return forms.MultipleChoiceField(
                label=db_field.verbose_name,
                choices=_shareable_field_groups,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("whose data"))
    def whose_data(self, agreement: DataSharingAgreement) -> str:
        return ", ".join(agency.code for agency in agreement.source_agencies.all())


class ApiKeyIssueForm(forms.ModelForm):
    """What an administrator chooses for a new key; the key itself is made by ``api_key_issue``."""

    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    expires_at = forms.SplitDateTimeField(
        label=_("expires"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_("Empty: the key does not expire (it can still be revoked)."),
    )
    requests_per_minute = forms.IntegerField(label=_("requests per minute"), min_value=1, initial=600)

    class Meta:
        model = ApiKey
        fields = ["partner", "name", "scopes", "expires_at", "requests_per_minute"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return expires_at


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued here (shown once) and revoked with the "Revoke" action; nothing else changes."""

    add_form = ApiKeyIssueForm
    list_display = ["key_prefix", "partner", "name", "scope_list", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["partner", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["partner"]
    search_fields = ["prefix", "name", "partner__code"]
    actions = ["revoke"]
    fields = [
        "key_prefix",
        "partner",
        "name",
        "user",
        "scope_list",
        "requests_per_minute",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = fields

    def has_module_permission(self, request):
        return user_can_manage_api_keys(request.user)

    def has_view_permission(self, request, obj=None):
        return user_can_manage_api_keys(request.user)

    def has_add_permission(self, request):
        return user_can_manage_api_keys(request.user)

    def has_change_permission(self, request, obj=None):
        return False  # read-only: the only change is revocation

    def has_delete_permission(self, request, obj=None):
        return False  # a key is revoked, never deleted: its technical user signs history rows

    def has_revoke_permission(self, request):
        return user_can_manage_api_keys(request.user)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            return self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": list(ApiKeyIssueForm.Meta.fields)})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:  # never reached: the change page is read-only
            raise PermissionDenied
        key, full_key = api_key_issue(
            partner=form.cleaned_data["partner"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data["expires_at"],
            requests_per_minute=form.cleaned_data["requests_per_minute"],
            issued_by=request.user,
        )
        # The admin goes on with ``obj`` (history, redirect): make it the saved key.
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(key, field.attname))
        obj._state.adding = False
        self.message_user(
            request,
            format_html(
                _("The new API key is {key} — copy it now: it will not be shown again."),
                key=full_key,
            ),
            messages.WARNING,
        )

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the list: the key was shown in the message, and is not shown anywhere else.
        return HttpResponseRedirect(reverse("admin:agencies_apikey_changelist"))

    @admin.action(description=_("Revoke the selected API keys"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            api_key_revoke(key=key, revoked_by=request.user)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d API key revoked.", "%(count)d API keys revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )

    @admin.display(description=_("prefix"), ordering="prefix")
    def key_prefix(self, key: ApiKey) -> str:
        return f"rk_{key.prefix}_…"

    @admin.display(description=_("scopes"))
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes)

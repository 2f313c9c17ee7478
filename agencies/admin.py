"""Admin for places, agencies, offices and the people who log in; partners' data-sharing agreements
and API keys.

An API key is issued here and shown once (in a message), then only its prefix; revoking it is the
one change its page allows. ``ReadOnlyAdminMixin`` is for records that change only through a
service (the registry, cases): the admin shows them, never changes them.
"""

from operator import attrgetter

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

from agencies.access_log import access_note
from agencies.admin_languages import TranslatedNamesAdminMixin
from agencies.api_keys import api_key_issue, api_key_revoke, user_can_manage_api_keys
from agencies.models import (
    SHAREABLE_FIELDS,
    Agency,
    ApiKey,
    Country,
    DataSharingAgreement,
    District,
    Office,
    Province,
    Scope,
    StaffToken,
    User,
)
from agencies.staff_tokens import staff_token_revoke


class AccessLoggedAdminMixin:
    """An admin of personal records: its list and change pages note what they show in the access
    log: records of ``access_kind``, found at ``access_record`` of each row (a dotted path through
    relations the list already selects, so it costs no query)."""

    access_kind: str
    access_record = "public_id"

    def _access_ids(self, rows) -> list:
        record_of = attrgetter(self.access_record)
        return [record_of(row) for row in rows]

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is not None:
            access_note(request, kind=self.access_kind, ids=self._access_ids([found]))
        return found

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            access_note(request, kind=self.access_kind, ids=self._access_ids(changelist.result_list))
        return response


class ReadOnlyAdminMixin:
    """Shown, never changed here: for records that change only through their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Province)
class ProvinceAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["pcode", "name"]
    search_fields = ["pcode", "name"]
    ordering = ["pcode"]


@admin.register(District)
class DistrictAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["pcode", "name", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["pcode", "name", "province__name"]
    autocomplete_fields = ["province"]


@admin.register(Country)
class CountryAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_common_departure"]
    list_filter = ["is_common_departure"]
    search_fields = ["code", "name"]


@admin.register(Agency)
class AgencyAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "receives_routed_households"]
    list_filter = ["kind", "receives_routed_households"]
    search_fields = ["code", "name"]


@admin.register(Office)
class OfficeAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "province",
        "district",
        "place_description",
        "place_coordinates",
        "agency",
        "is_active",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["kind", "is_active", "agency", "province"]
    list_select_related = ["province", "district", "agency"]
    search_fields = ["code", "name", "place_description"]
    autocomplete_fields = ["province", "district", "agency"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "agency", "is_active"]}),
        (
            _("Place"),
            {
                "fields": ["province", "district", "place_description", ("latitude", "longitude")],
                "description": _(
                    "Coordinates in decimal degrees (WGS 84); those loaded with the system are approximate, "
                    "to the town: correct them when the exact position is known."
                ),
            },
        ),
    ]

    @admin.display(description=_("coordinates (latitude, longitude)"))
    def place_coordinates(self, office: Office) -> str:
        return office.coordinates or "—"


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


@admin.register(StaffToken)
class StaffTokenAdmin(admin.ModelAdmin):
    """Staff API tokens: listed (never their secret, which is not stored) and revoked; issued with
    ``manage.py issue_token``."""

    list_display = ["user", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    actions = ["revoke"]
    fields = ["user", "name", "created_at", "last_used_at", "expires_at", "revoked_at", "revoked_by"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return user_can_manage_api_keys(request.user)

    def has_view_permission(self, request, obj=None):
        return user_can_manage_api_keys(request.user)

    def has_add_permission(self, request):
        return False  # issued with manage.py issue_token, shown once

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: it says who could use the API when

    def has_revoke_permission(self, request):
        return user_can_manage_api_keys(request.user)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            staff_token_revoke(token=token, revoked_by=request.user)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )

"""Admin for places, agencies, offices and the people who log in."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Country, District, Office, Province, User


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

"""Admin for the code lists, the routing rule sets and a read-only view of the registry.

The registry changes only through ``returns.services`` (registration, re-routing), so households
and their history are read-only here. Routing rule sets are versioned and dated: published and
withdrawn versions are read-only because registered households cite them; a change is a new draft
version (``rule_set_copy``), edited here and published for the day it takes effect
(``rule_set_publish``). The list reads as the policy's timeline. Card validity decrees and the
grant rates are timelines too (``returns.admin.cases`` for the rates).
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.access_log import Kind
from agencies.admin import AccessLoggedAdminMixin, ReadOnlyAdminMixin
from agencies.admin_languages import TranslatedNamesAdminMixin
from agencies.models import Agency
from returns.conditions import FACTS
from returns.models import (
    CardValidityDecree,
    DeletedRecord,
    DocumentType,
    FlagFollowUp,
    Household,
    HouseholdEvent,
    Member,
    MemberDocument,
    NeedCode,
    ReturnType,
    RoutingRule,
    RoutingRuleSet,
)
from returns.rule_sets import rule_set_copy, rule_set_next_version, rule_set_publish, rule_set_withdraw

# ---------------------------------------------------------------------------------------------
# Code lists
# ---------------------------------------------------------------------------------------------


@admin.register(ReturnType)
class ReturnTypeAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_forced", "order"]
    list_filter = ["is_forced"]
    search_fields = ["code", "name"]


@admin.register(DocumentType)
class DocumentTypeAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "routing_class", "issuing_country", "has_expiry", "order"]
    list_filter = ["routing_class", "has_expiry"]
    list_select_related = ["issuing_country"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["issuing_country"]


@admin.register(NeedCode)
class NeedCodeAdmin(TranslatedNamesAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "scheme", "parent", "is_active"]
    list_filter = ["scheme", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(FlagFollowUp)
class FlagFollowUpAdmin(admin.ModelAdmin):
    """Which work a routing flag creates: edit who follows it up, for which service, how fast.

    Deactivate a row to stop new referrals (a row that made referrals cannot be deleted). Takes
    effect for the registrations after the save (the reference snapshot is refreshed on save, and
    within a minute in other processes); referrals already made are not changed.
    """

    list_display = ["flag", "case_agency", "to_agency", "service", "answer_days", "is_active"]
    list_filter = ["is_active", "flag", "case_agency", "to_agency"]
    list_select_related = ["case_agency", "to_agency"]
    list_editable = ["is_active"]


# ---------------------------------------------------------------------------------------------
# Routing rule sets
# ---------------------------------------------------------------------------------------------


BOTH_LOCATIONS = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


def _is_draft(rule_set: RoutingRuleSet | None) -> bool:
    return rule_set is None or rule_set.status == RoutingRuleSet.Status.DRAFT


class RoutingRuleForm(forms.ModelForm):
    def validate_constraints(self):
        # RoutingRule.clean() has already said what is wrong in words; the database check
        # constraints would only repeat it as "Constraint ... is violated".
        if self.non_field_errors():
            return
        super().validate_constraints()


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    form = RoutingRuleForm
    extra = 0
    ordering = ["order"]
    fields = [
        "order",
        "code",
        "conditions",
        "decides",
        "agency",
        "category",
        "flags",
        "explanation",
        "explanation_fa",
        "explanation_ps",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = Agency.objects.filter(receives_routed_households=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # The rules of an active or retired version are history: households cite them.
    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(RoutingRuleSet)
class RoutingRuleSetAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "status", "effective_from", "in_force_until", "rule_count", "activated_at"]
    list_filter = ["status"]
    search_fields = ["title", "notes"]
    ordering = ["-effective_from", "-version"]
    fields = ["version", "status", "title", "effective_from", "notes", "created_at", "activated_at", "available_facts"]
    readonly_fields = ["version", "status", "created_at", "activated_at", "available_facts"]
    inlines = [RoutingRuleInline]
    actions = ["copy_as_new_draft", "publish", "withdraw"]

    def changelist_view(self, request, extra_context=None):
        # The end of each published version is the start of the next one.
        starts = sorted(
            RoutingRuleSet.objects.filter(status=RoutingRuleSet.Status.PUBLISHED).values_list(
                "effective_from", flat=True
            )
        )
        self._next_start = dict(zip(starts, [*starts[1:], None], strict=True))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("in force until"))
    def in_force_until(self, rule_set: RoutingRuleSet):
        if rule_set.status != RoutingRuleSet.Status.PUBLISHED:
            return "—"
        following = getattr(self, "_next_start", {}).get(rule_set.effective_from)
        return (following - datetime.timedelta(days=1)).isoformat() if following else _("until further notice")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rule_count=Count("rules"))

    @admin.display(description=_("rules"), ordering="rule_count")
    def rule_count(self, rule_set: RoutingRuleSet) -> int:
        return rule_set.rule_count

    @admin.display(description=_("facts a condition can test"))
    def available_facts(self, rule_set: RoutingRuleSet | None = None):
        rows = format_html_join(
            "",
            "<li><code>{}</code>: {} {}</li>",
            (
                (
                    fact,
                    description,
                    _("Values: %(values)s.") % {"values": ", ".join(map(str, values))}
                    if values
                    else _("Values: codes."),
                )
                for fact, (description, values) in FACTS.items()
            ),
        )
        example = '{"refugee_document_coverage": ["all", "some"], "is_forced_return": [true]}'
        return format_html(
            "<ul>{}</ul><p>{} <code>{}</code></p>", rows, _("Example of conditions (all must hold):"), example
        )

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # Bulk delete would bypass the per-version protection below.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.version = rule_set_next_version()
            obj.status = RoutingRuleSet.Status.DRAFT
        super().save_model(request, obj, form, change)

    # Offered on the list and on a rule set's own page (read-only for active and retired versions).
    @admin.action(description=_("Copy as a new draft version"), permissions=["add"], location=BOTH_LOCATIONS)
    def copy_as_new_draft(self, request, queryset):
        for rule_set in queryset.order_by("version"):
            try:
                draft = rule_set_copy(rule_set=rule_set, copied_by=request.user)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(_messages(error)), messages.ERROR)
                return
            self.message_user(
                request,
                _("Copied v%(source)s as draft v%(draft)s. Edit its rules, set its first day, then publish it.")
                % {"source": rule_set.version, "draft": draft.version},
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish for its date"), permissions=["change"], location=BOTH_LOCATIONS)
    def publish(self, request, queryset):
        rule_sets = list(queryset[:2])
        if len(rule_sets) != 1:
            self.message_user(request, _("Select exactly one draft to publish."), messages.ERROR)
            return
        (rule_set,) = rule_sets
        if rule_set.effective_from is None:
            self.message_user(
                request,
                _("Set the day v%(version)s takes effect, then publish it.") % {"version": rule_set.version},
                messages.ERROR,
            )
            return
        try:
            rule_set_publish(rule_set=rule_set, published_by=request.user, effective_from=rule_set.effective_from)
        except (PermissionDenied, ValidationError) as error:
            problems = _messages(error)
            self.message_user(
                request,
                ngettext(
                    "v%(version)s was not published: %(problems)s",
                    "v%(version)s was not published (%(count)d problems): %(problems)s",
                    len(problems),
                )
                % {"version": rule_set.version, "count": len(problems), "problems": " ".join(problems)},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            _("v%(version)s is published: households arriving from %(date)s are routed by it.")
            % {"version": rule_set.version, "date": rule_set.effective_from.isoformat()},
            messages.SUCCESS,
        )

    @admin.action(description=_("Withdraw before it takes effect"), permissions=["change"], location=BOTH_LOCATIONS)
    def withdraw(self, request, queryset):
        for rule_set in queryset.order_by("version"):
            try:
                rule_set_withdraw(rule_set=rule_set, withdrawn_by=request.user)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(_messages(error)), messages.ERROR)
                return
            self.message_user(request, _("v%(version)s was withdrawn.") % {"version": rule_set.version})


@admin.register(CardValidityDecree)
class CardValidityDecreeAdmin(admin.ModelAdmin):
    """The decisions that kept refugee cards valid past their printed expiry, as a timeline per card type."""

    list_display = ["document_type", "effective_from", "valid_until", "title", "decided_on", "date_is_approximate"]
    list_filter = ["document_type", "date_is_approximate"]
    ordering = ["document_type", "-effective_from"]
    search_fields = ["title", "source"]

    def has_delete_permission(self, request, obj=None):
        # Households cite the decree that routed them (``Household.routing_facts``).
        return False


def _messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error) or str(_("Permission denied."))]


# ---------------------------------------------------------------------------------------------
# The registry: read-only
# ---------------------------------------------------------------------------------------------


class MemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Member
    extra = 0
    fields = [
        "given_name",
        "fathers_name",
        "family_name",
        "given_name_local",
        "fathers_name_local",
        "sex",
        "date_of_birth",
        "estimated_age",
        "relationship",
        "documents_list",
        "specific_needs_list",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .order_by("id")
            .prefetch_related(
                Prefetch("documents", queryset=MemberDocument.objects.select_related("document_type").order_by("id")),
                "specific_needs",
            )
        )

    @admin.display(description=_("documents"))
    def documents_list(self, member: Member):
        return format_html_join(
            ", ",
            "{} {}{}",
            (
                (
                    document.document_type.name,
                    document.number,
                    f" ({_('expires')} {document.expiry_date.isoformat()})" if document.expiry_date else "",
                )
                for document in member.documents.all()
            ),
        )

    @admin.display(description=_("specific needs"))
    def specific_needs_list(self, member: Member) -> str:
        return ", ".join(need.code for need in member.specific_needs.all())


class HouseholdEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = HouseholdEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "from_agency", "to_agency", "note"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "from_agency", "to_agency")


@admin.register(Household)
class HouseholdAdmin(AccessLoggedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    access_kind = Kind.HOUSEHOLD
    list_display = [
        "registration_number",
        "arrival_date",
        "office",
        "country_of_departure",
        "return_type",
        "destination_province",
        "routed_agency",
        "category",
        "flags",
        "member_count",
        "routing_version",
    ]
    list_filter = ["routed_agency", "category", "office", "return_type"]
    list_select_related = ["office", "country_of_departure", "return_type", "destination_province", "routed_agency"]
    search_fields = ["registration_number"]
    search_help_text = _("A registration number (TKM-2026-000123) or part of a member's name.")
    show_full_result_count = False  # a count of millions of rows on every search is expensive
    inlines = [MemberInline, HouseholdEventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "registration_number",
                    "public_id",
                    "arrival_date",
                    "office",
                    "country_of_departure",
                    "return_type",
                    "destination_province",
                    "destination_district",
                    "phone",
                    "member_count",
                    "registered_by",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (
            _("Routing"),
            {"fields": ["routed_agency", "category", "flags", "routing_rule", "routing_version", "routing_reason"]},
        ),
    ]

    def get_queryset(self, request):
        # The same gate as every page and API view: staff see only what their role allows.
        # (No select_related here: the change list then applies list_select_related.)
        return Household.objects.visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        return queryset.search(search_term), False


@admin.register(HouseholdEvent)
class HouseholdEventAdmin(AccessLoggedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only history: nothing here is added, changed or deleted."""

    access_kind, access_record = Kind.HOUSEHOLD, "household.public_id"

    list_display = ["household", "kind", "actor", "from_agency", "to_agency", "created_at"]
    list_filter = ["kind", "to_agency"]
    list_select_related = ["household", "actor", "from_agency", "to_agency"]
    search_fields = ["household__registration_number"]
    fields = ["household", "kind", "actor", "created_at", "from_agency", "to_agency", "note"]
    show_full_result_count = False

    def get_queryset(self, request):
        events = super().get_queryset(request)
        if request.user.sees_everything:
            return events
        return events.filter(household__in=Household.objects.visible_to(request.user).values("pk"))


@admin.register(DeletedRecord)
class DeletedRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tombstones of deleted and merged records: who removed what, when and why."""

    list_display = ["resource", "public_id", "agency", "reason", "merged_into", "deleted_by", "deleted_at"]
    list_filter = ["resource", "reason", "agency"]
    list_select_related = ["agency", "deleted_by"]
    search_fields = ["=public_id", "=merged_into"]
    fields = ["resource", "public_id", "agency", "reason", "merged_into", "deleted_by", "deleted_at", "note"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

"""The admin's view of reference data in three languages: the Dari and Pashto names beside the
English one, and the rows still missing one, shown as missing and filterable."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models.languages import TRANSLATED_LANGUAGES, translations_missing

LANGUAGE_NAMES = {"fa": _("Dari"), "ps": _("Pashto")}


class TranslationMissingFilter(admin.SimpleListFilter):
    title = _("translation")
    parameter_name = "translation_missing"

    def lookups(self, request, model_admin):
        return [
            (language, _("Missing in %(language)s") % {"language": LANGUAGE_NAMES[language]})
            for language in TRANSLATED_LANGUAGES
        ]

    def queryset(self, request, queryset):
        language = self.value()
        if language in TRANSLATED_LANGUAGES:
            return queryset.filter(Q(**{f"{self.model_admin_field}_{language}": ""}))
        return queryset

    model_admin_field = "name"


class TranslatedNamesAdminMixin:
    """Adds the Dari and Pashto names and a "missing" column to a code list's admin."""

    translated_field = "name"

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        at = columns.index(self.translated_field) + 1 if self.translated_field in columns else len(columns)
        extra = [f"{self.translated_field}_{language}" for language in TRANSLATED_LANGUAGES] + ["translation_missing"]
        return columns[:at] + [column for column in extra if column not in columns] + columns[at:]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), TranslationMissingFilter]

    def get_search_fields(self, request):
        fields = list(super().get_search_fields(request))
        return fields + [f"{self.translated_field}_{language}" for language in TRANSLATED_LANGUAGES]

    @admin.display(description=_("missing translation"))
    def translation_missing(self, row):
        missing = translations_missing(row, self.translated_field)
        return ", ".join(str(LANGUAGE_NAMES[language]) for language in missing) or "—"

"""Reference data in the three languages of the operation: English, Dari and Pashto.

A code list's row keeps its English name in ``name`` (the name everyone shares: exports, the API,
the logs) and its Dari and Pashto names beside it; pages, the PDF and the report show the one of
the reader's language, and the English one where a translation is missing (the admin lists those
rows, so that they are seen and filled).
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The languages that have their own column, beside the English one.
TRANSLATED_LANGUAGES = ("fa", "ps")


def in_language(row, field: str = "name", language: str | None = None) -> str:
    """``row.<field>`` in ``language`` (the active one when not given), or in English if not translated."""
    language = (language or get_language() or "en").split("-")[0]
    if language in TRANSLATED_LANGUAGES:
        translated = getattr(row, f"{field}_{language}", "")
        if translated:
            return translated
    return getattr(row, field)


def translations_missing(row, field: str = "name") -> list[str]:
    """The languages whose ``field`` is still empty on this row."""
    return [language for language in TRANSLATED_LANGUAGES if not getattr(row, f"{field}_{language}", "")]


class NamedInThreeLanguages(models.Model):
    """A row whose name is shown in the reader's language."""

    name_fa = models.CharField(_("name in Dari"), max_length=200, blank=True)
    name_ps = models.CharField(_("name in Pashto"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def shown_name(self) -> str:
        return in_language(self)

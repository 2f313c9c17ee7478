"""The upload form of an import: the file and how to treat its problems."""

from django import forms
from django.utils.translation import gettext_lazy as _

from returns.models import ImportBatch
from returns.services.imports import MAX_BYTES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (UTF-8 or UTF-16, as Excel saves it) or XLSX, one row per person, as the template."),
    )
    mode = forms.ChoiceField(
        label=_("If some households have problems"),
        choices=ImportBatch.Mode.choices,
        initial=ImportBatch.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(megabytes)d MB: split it into smaller files."),
                params={"megabytes": MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload

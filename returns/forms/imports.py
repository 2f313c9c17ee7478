"""The upload form of an import: what the file holds, the file, and how to treat its problems."""

from django import forms
from django.utils.translation import gettext_lazy as _

from returns.models import ImportBatch
from returns.services.imports import MAX_BYTES


class ImportUploadForm(forms.Form):
    # Left out (an older page, a script): the first kind the user may import, households for registering staff.
    kind = forms.ChoiceField(label=_("What the file holds"), widget=forms.RadioSelect, required=False)
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (UTF-8 or UTF-16, as Excel saves it) or XLSX, laid out as the template."),
    )
    mode = forms.ChoiceField(
        label=_("If some records have problems"),
        choices=ImportBatch.Mode.choices,
        initial=ImportBatch.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ImportBatch.Kind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        self.fields["kind"].initial = kinds[0]
        self.kinds = kinds

    def clean_kind(self):
        return self.cleaned_data["kind"] or self.kinds[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(megabytes)d MB: split it into smaller files."),
                params={"megabytes": MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload

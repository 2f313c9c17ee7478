"""The reviewer's decision on a pair of possible duplicates. It only parses; ``returns.identity`` decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from returns.text import note_characters_problem

NOTE_MAX_LENGTH = 2000


class PairDecisionForm(forms.Form):
    SAME, DIFFERENT, UNMERGE = "same", "different", "unmerge"

    # The button pressed (name="decision"): "Same person", "Different people" or "Un-merge".
    decision = forms.ChoiceField(
        choices=[(SAME, _("Same person")), (DIFFERENT, _("Different people")), (UNMERGE, _("Un-merge"))]
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why you decided so, for whoever reads the decision later."),
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"]
        if problem := note_characters_problem(note):
            raise forms.ValidationError(problem.message, code=problem.code)
        return note

"""Forms of the account pages: a code from the authenticator app, or a recovery code."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("After scanning, type the 6-digit code the app shows, to prove it works."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}
        ),
    )

"""Forms of the account pages: a code from the authenticator app, or a recovery code; the person's preferences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import User


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


class PreferencesForm(forms.ModelForm):
    """How the person reads the app: language, calendar and digits (blank: follow the language)."""

    class Meta:
        model = User
        fields = ["language", "calendar", "digits"]
        labels = {"language": _("Language"), "calendar": _("Calendar for dates"), "digits": _("Digits")}
        help_texts = {
            "language": _("Blank: the language your browser asks for."),
            "calendar": _("Blank: Solar Hijri in Dari and Pashto, Gregorian in English."),
            "digits": _("Blank: Latin digits."),
        }

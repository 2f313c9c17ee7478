"""``QuickSelect`` writes the same select as Django's ``Select`` (without its template per option)."""

import re

from django import forms
from django.test.html import parse_html

from agencies.fields import QuickSelect

CHOICES = [
    ("", "Choose…"),
    ("Most common", [("PK", "Pakistan"), ("IR", "Iran")]),
    ("Others", [("XX", 'A <b>"bold"</b> & odd name'), ("TJ", "Tajikistan")]),
]


def tags(html: str) -> str:
    """The HTML without the whitespace Django's templates put between tags."""
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_the_quick_select_writes_what_djangos_select_writes_groups_choice_attributes_and_escaping():
    # Given the same choices, attributes and chosen value for both widgets
    attrs = {"id": "id_country", "data-document-issuer": "", "required": True, "disabled": False}

    # When both are rendered
    quick = QuickSelect(attrs=attrs, choices=CHOICES).render("country", "XX")
    django = forms.Select(attrs=attrs, choices=CHOICES).render("country", "XX")

    # Then the HTML is the same, tag for tag (attributes in their sorted order), with the odd name escaped
    # and the choice selected
    assert parse_html(quick) == parse_html(django)
    assert tags(quick) == (
        '<select name="country" data-document-issuer="" id="id_country" required>'
        '<option value="">Choose…</option>'
        '<optgroup label="Most common"><option value="PK">Pakistan</option><option value="IR">Iran</option></optgroup>'
        '<optgroup label="Others">'
        '<option value="XX" selected>A &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; odd name</option>'
        '<option value="TJ">Tajikistan</option></optgroup>'
        "</select>"
    )


def test_without_a_value_the_blank_choice_is_selected_as_djangos_select_does():
    quick = QuickSelect(choices=CHOICES).render("country", None)

    assert parse_html(quick) == parse_html(forms.Select(choices=CHOICES).render("country", None))
    assert re.findall(r'<option value="([^"]*)" selected>', quick) == [""]

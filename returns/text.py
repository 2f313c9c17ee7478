"""Which characters a name or a note may carry.

A name is read aloud, typed again at the next office and compared by the duplicate check, so it
must look like what it is: characters that print nothing, or that reorder what is around them,
make two names that look the same differ (or one look like another), and can hide a forged
record from a search. We therefore refuse, in names and document numbers, every control (Cc),
format (Cf), surrogate (Cs), private-use (Co), unassigned (Cn) and line/paragraph separator
(Zl, Zp) character, with one exception:

- U+200C ZERO WIDTH NON-JOINER is kept. Dari and Pashto need it inside words (the
  "half-space" of names such as رحمت‌الله); a standard Persian
  keyboard types it.
- U+200D ZERO WIDTH JOINER is refused: no Dari or Pashto spelling needs it (letters join by
  default), keyboards used here do not offer it, and it is the usual way to make an invisible
  difference between two names.

Free text (notes, reasons, justifications) is written by staff and shown to other staff; there
only the characters that can disguise what the text says are refused: the bidirectional
embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, the "Trojan Source" trick)
and control characters other than line breaks and tabs. The directional marks (U+200E, U+200F,
U+061C) stay allowed in notes, where a sentence mixing Dari and a Latin case number needs them.

This module lives in ``returns`` because only the registry and cases need it today.
"""

import unicodedata

from django.utils.translation import gettext as _

from agencies.problems import Problem

ZERO_WIDTH_NON_JOINER = "\u200c"
# Categories refused in names: controls, formats, surrogates, private use, unassigned, separators.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NOTE_LINE_CHARACTERS = frozenset("\n\r\t")


def codepoint(character: str) -> str:
    """How a person reading a message can find the character: ``U+202E``."""
    return f"U+{ord(character):04X}"


def name_hidden_characters(text: str) -> list[str]:
    """The characters a name may not carry, each once, in the order they appear."""
    if text.isprintable():
        # Python's printable characters are those of no category "C" or "Z" (but the space): none hidden.
        return []
    return list(
        dict.fromkeys(
            character
            for character in text
            if character != ZERO_WIDTH_NON_JOINER and unicodedata.category(character) in HIDDEN_CATEGORIES
        )
    )


def has_letter(text: str) -> bool:
    """At least one letter of any script (Unicode category L*): not only digits, marks or punctuation."""
    return any(map(str.isalpha, text))  # str.isalpha: exactly the categories L*


def note_hidden_characters(text: str) -> list[str]:
    """The characters free text may not carry: bidirectional overrides and stray controls."""
    return list(
        dict.fromkeys(
            character
            for character in text
            if character in BIDI_OVERRIDES
            or (unicodedata.category(character) in {"Cc", "Cs"} and character not in NOTE_LINE_CHARACTERS)
        )
    )


def note_characters_problem(text: str) -> Problem | None:
    """The refusal of free text carrying characters that disguise it, or None when it is fine."""
    hidden = note_hidden_characters(text)
    if not hidden:
        return None
    return Problem(
        "hidden_characters",
        _(
            "This text contains characters that change how it is displayed (%(characters)s), often pasted from "
            "another program. Type it again."
        )
        % {"characters": ", ".join(codepoint(character) for character in hidden)},
    )

"""Names and document numbers, made comparable: the same person written by two officers, in two
scripts, with the spelling each one knows, gives the same keys.

Three forms of a name:

- ``name_fold``: the text as typed, with what does not change a name taken out: Unicode
  compatibility forms (NFKC), case, Arabic and Persian letter variants (ي/ی, ك/ک, ة/ه, hamza
  forms, alif forms), diacritics (harakat, the dagger alif), the tatweel, the zero-width
  non-joiner and joiner, direction marks, and Persian and Arabic-Indic digits (as ASCII digits).
  What the officer wrote stays readable.
- ``name_latin``: the folded text in Latin letters (anyascii), lower case, letters and spaces only.
  A Dari or Pashto name comes out as its consonants (Arabic script leaves short vowels unwritten).
- ``name_key``: a skeleton both scripts reach: Latin digraphs to one letter (kh, gh, sh, ch, zh,
  th, dh, ph), q as k, the vowels and the letters that are vowels as often as consonants (w/v, y,
  ayn) dropped, a final h dropped, doubled letters made one, the spaces of compound names taken out
  (Gul Ahmad and Golahmad), and the article's l before a sun letter assimilated as it is spoken
  (Abdul Rahman and Abdurrahman). Mohammad, Muhammad, Mohammed and محمد are all ``mhmd``.

The key is for finding candidates, not for deciding: Mahmood is ``mhmd`` too. What decides is a
score over several fields (``returns.matching``).
"""

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

from agencies.calendars import DIGITS  # Persian and Arabic-Indic digits as ASCII

# Letter variants that Dari, Pashto and Arabic keyboards give for the same letter.
LETTER_VARIANTS = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh → Farsi yeh
        "ى": "ی",  # alef maksura
        "ئ": "ی",  # yeh with hamza
        "ې": "ی",  # Pashto yeh
        "ۍ": "ی",  # Pashto feminine yeh
        "ك": "ک",  # Arabic kaf → keheh
        "ګ": "گ",  # Pashto gaf → Farsi gaf
        "ة": "ه",  # teh marbuta
        "ۀ": "ه",  # heh with yeh
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ء": "",  # a lone hamza
    }
)
# Harakat, the dagger alif and the Quranic marks; the tatweel; ZWNJ, ZWJ and direction marks.
IGNORED = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d\u200e\u200f\u061c]")
NOT_LETTER = re.compile(r"[^a-z ]+")
SPACES = re.compile(r"\s+")

# Latin spellings of one sound, made one letter (upper case: not reachable from the input).
DIGRAPHS = [("kh", "K"), ("gh", "G"), ("sh", "S"), ("ch", "C"), ("zh", "Z"), ("th", "t"), ("dh", "z"), ("ph", "f")]
SOUND_ALIKE = str.maketrans({"q": "k", "x": "K", "j": "j", "c": "k"})
DROPPED = re.compile(r"[aeiouwvy`']")
DOUBLED = re.compile(r"(.)\1+")
# "Abd al-" before a sun letter: the l is not heard (Abdurrahman, Abdussalam, Abdunnasir).
ASSIMILATED_ARTICLE = re.compile(r"bdl(?=[tTdzZsSrnl])")


# The forms of a name are pure and names repeat (a few thousand given names across millions of
# people): each is worked out once per process (the batch search scores millions of pairs).
NAMES_CACHED = 65536


@lru_cache(maxsize=NAMES_CACHED)
def name_fold(text: str) -> str:
    """The name with its spelling noise taken out, in its own script (see the module's docstring)."""
    folded = unicodedata.normalize("NFKC", text or "").translate(LETTER_VARIANTS).translate(DIGITS)
    # Again once the ignored marks are out: a mark they separated may now compose with its letter.
    folded = unicodedata.normalize("NFKC", IGNORED.sub("", folded)).translate(LETTER_VARIANTS)
    return SPACES.sub(" ", folded).strip().casefold()


# Where anyascii's Latin for a Dari or Pashto letter is not how Afghan names are spelt in Latin
# letters: ث, ص are s (Soraya, Sabir); ذ, ض, ظ, ځ are z (Zabihullah, Marzia, Nazar); څ is s.
LOCAL_LATIN = {"ث": "s", "ذ": "z", "ض": "z", "ظ": "z", "ځ": "z", "څ": "s"}
# Two Latin letters that read as one sound (kh, sh, th...) when ه or ح follows them, though written
# as two letters in Dari (زهرا is Zahra, not Zhra; تهمینه is Tahmina): a vowel goes between.
BEFORE_H = frozenset("kgsczdtp")


def _local_latin(folded: str) -> str:
    """Latin letters for folded text, letter by letter (anyascii, but see ``LOCAL_LATIN``)."""
    latin: list[str] = []
    for character in folded:
        letters = LOCAL_LATIN.get(character) or anyascii(character)
        if "\u0600" <= character <= "\u06ff" and letters.startswith("h") and "".join(latin)[-1:] in BEFORE_H:
            letters = "a" + letters
        latin.append(letters)
    return "".join(latin)


@lru_cache(maxsize=NAMES_CACHED)
def name_latin(text: str) -> str:
    """The folded name in Latin letters: lower case, letters and single spaces only."""
    return SPACES.sub(" ", NOT_LETTER.sub(" ", _local_latin(name_fold(text)).lower())).strip()


@lru_cache(maxsize=NAMES_CACHED)
def name_key(text: str) -> str:
    """The skeleton both scripts and the usual spellings reach (see the module's docstring)."""
    latin = name_latin(text).replace(" ", "")
    for digraph, letter in DIGRAPHS:
        latin = latin.replace(digraph, letter)
    skeleton = DROPPED.sub("", latin.translate(SOUND_ALIKE))
    skeleton = DOUBLED.sub(r"\1", ASSIMILATED_ARTICLE.sub("bd", skeleton))
    if len(skeleton) > 1 and skeleton.endswith("h"):
        skeleton = skeleton[:-1]
    return DOUBLED.sub(r"\1", skeleton).lower()


# The vowels of Latin spellings, made one per sound: Mohammad, Muhammad and Mohammed read alike, and
# stay apart from Mahmood, as Hassan does from Hussain (they share a key: ``name_key``).
# A short e is kept: it stands for an a as often as for an i (Ahmed and Mehmood, Fatemeh and Ebrahim),
# so the comparison tries both. A final h after a vowel is not heard (Fatimah, Masoumeh), nor a w
# between a and u (Dawood, Daud).
SOUND_VOWELS = [("ee", "i"), ("ea", "i"), ("ie", "i"), ("oo", "u"), ("ou", "u"), ("aa", "a"), ("o", "u")]
SOUND_ENDINGS = [(re.compile(r"(?<=[aeiu])h$"), ""), (re.compile(r"awu"), "au")]
SOUND_ALIKE_VOWELS = str.maketrans({"v": "w", "q": "k", "y": "i"})


@lru_cache(maxsize=NAMES_CACHED)
def name_sound(text: str) -> str:
    """The Latin form of a name with its vowels kept but spelt one way (``SOUND_VOWELS``; a short e
    left for the comparison to read as a or i), digraphs as one letter, doubled letters single, no
    spaces: what tells two names with one key apart (Hassan ``hasan``, Hussein ``husain``)."""
    sound, previous = name_latin(text).replace(" ", ""), None
    # Until nothing changes: one rule may make what another rule reads (ieu, then iu).
    while sound != previous:
        previous = sound
        for digraph, letter in DIGRAPHS:
            sound = sound.replace(digraph, letter)
        for spelling, vowel in SOUND_VOWELS:
            sound = sound.replace(spelling, vowel)
        sound = DOUBLED.sub(r"\1", sound.translate(SOUND_ALIKE_VOWELS))
        for ending, replacement in SOUND_ENDINGS:
            sound = ending.sub(replacement, sound)
    return sound


def is_local_script(text: str) -> bool:
    """Whether the name is written in Arabic script (Dari, Pashto): its Latin form has no short vowels."""
    return any("\u0600" <= character <= "\u06ff" for character in text or "")


def name_words(text: str) -> list[str]:
    """The words of a name, folded: what a search box's words are matched against."""
    return [word for word in name_fold(text).split(" ") if word]


DOCUMENT_SEPARATORS = re.compile(r"[\s\-_./\\]+")


def document_number_normal(number: str) -> str:
    """A card, VRF or tazkira number as it is compared: digits as ASCII, letters in upper case, no
    spaces, dashes, dots or slashes (``PK-1234 567`` and ``pk1234567`` are one number)."""
    number = number or ""
    if number.isascii():  # most numbers: nothing to fold, no digits to make ASCII (``_number_folded``)
        return DOCUMENT_SEPARATORS.sub("", number).upper()
    return _number_folded(number)


def _number_folded(number: str) -> str:
    folded = unicodedata.normalize("NFKC", number).translate(DIGITS)
    return unicodedata.normalize("NFKC", DOCUMENT_SEPARATORS.sub("", folded)).translate(DIGITS).upper()


def phone_digits(phone: str) -> str:
    """A phone number's digits, from the national part on: +93 70 012 3456, 0093700123456 and
    0700123456 are one number."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or "").translate(DIGITS))
    for prefix in ("0093", "93"):
        if digits.startswith(prefix) and len(digits) > 9:
            return digits[len(prefix) :].lstrip("0")
    return digits.lstrip("0")


@lru_cache(maxsize=NAMES_CACHED)
def _forms(text: str) -> tuple[str, ...]:
    """What the search text holds of one name: its folded form, its Latin form when it is in another
    script, and the key of the whole name and of each of its words (`` bdrhmn bdl rhmn ``)."""
    folded = name_fold(text)
    if not folded:
        return ()
    forms = [folded]
    latin = name_latin(text)
    if latin and latin != folded:
        forms.append(latin)
    words = folded.split(" ")
    keys = {name_key(text), *(name_key(word) for word in words if len(words) > 1)}
    return (*forms, *sorted(key for key in keys if key))


def name_index(*, given: tuple[str, str], fathers: tuple[str, str], family: tuple[str, str]) -> tuple:
    """(given key, father's key, family key, search text) of a person, each name given as (Latin
    letters, Dari/Pashto). A key is the Latin form's, or the local form's when no Latin one was typed."""
    keys = [name_key(latin) or name_key(local) for latin, local in (given, fathers, family)]
    forms = [form for pair in (given, fathers, family) for text in pair for form in _forms(text)]
    # Spaces around each form: a key is matched as a whole word (`` mhmd ``), a fold as any part.
    return (*keys, f" {' | '.join(forms)} " if forms else "")

"""A Latin spelling suggested for a name typed in Dari or Pashto script, and the other way round.

The officer types a name in one script; the form suggests it in the other, and the officer corrects
the suggestion before saving (both are stored, and both are searched: ``returns.names``).

- Dari or Pashto to Latin always gives something: the words of ``KNOWN_NAMES`` as Afghan documents
  spell them (Mohammad, Gul, Zahra), the parts of compound names (-ullah, -uddin, Abdul-), and any
  other word letter by letter. Arabic script leaves short vowels unwritten, so a letter-by-letter
  spelling guesses them (an a after the first consonant and before the last one: Ahmad, Karim);
  it is a suggestion, marked so on the form.
- Latin to Dari or Pashto is only as good as a list: a suggestion is made only when every word is
  a known name, since the short vowels and the letters that sound alike (s: س ص ث, z: ز ذ ض ظ)
  cannot be told from a Latin spelling.
"""

from functools import lru_cache

from returns.names import name_fold

# Common Afghan given names and name parts, as documents spell them in Latin letters and in Dari.
# (Latin, Dari script); the first Latin spelling of a name is the one suggested.
KNOWN_NAMES = [
    ("Mohammad", "محمد"),
    ("Ahmad", "احمد"),
    ("Mahmood", "محمود"),
    ("Ali", "علی"),
    ("Hassan", "حسن"),
    ("Hussain", "حسین"),
    ("Gul", "گل"),
    ("Khan", "خان"),
    ("Jan", "جان"),
    ("Shah", "شاه"),
    ("Mir", "میر"),
    ("Noor", "نور"),
    ("Abdul", "عبدال"),
    ("Abdullah", "عبدالله"),
    ("Ullah", "الله"),
    ("Uddin", "الدین"),
    ("Rahman", "رحمان"),
    ("Rahim", "رحیم"),
    ("Karim", "کریم"),
    ("Aziz", "عزیز"),
    ("Hamid", "حمید"),
    ("Rashid", "رشید"),
    ("Sharif", "شریف"),
    ("Yousuf", "یوسف"),
    ("Ibrahim", "ابراهیم"),
    ("Ismail", "اسماعیل"),
    ("Omar", "عمر"),
    ("Zahir", "ظاهر"),
    ("Nasir", "ناصر"),
    ("Qadir", "قادر"),
    ("Wali", "ولی"),
    ("Haji", "حاجی"),
    ("Sayed", "سید"),
    ("Habib", "حبیب"),
    ("Jamal", "جمال"),
    ("Khalid", "خالد"),
    ("Farid", "فرید"),
    ("Bashir", "بشیر"),
    ("Nazir", "نذیر"),
    ("Zaman", "زمان"),
    ("Akbar", "اکبر"),
    ("Anwar", "انور"),
    ("Jawad", "جواد"),
    ("Sadiq", "صادق"),
    ("Samiullah", "سمیع‌الله"),
    ("Hekmatullah", "حکمت‌الله"),
    ("Rahmatullah", "رحمت‌الله"),
    ("Najibullah", "نجیب‌الله"),
    ("Ahmadullah", "احمدالله"),
    ("Fatima", "فاطمه"),
    ("Zahra", "زهرا"),
    ("Maryam", "مریم"),
    ("Aisha", "عایشه"),
    ("Khadija", "خدیجه"),
    ("Zainab", "زینب"),
    ("Masooma", "معصومه"),
    ("Soraya", "ثریا"),
    ("Nasrin", "نسرین"),
    ("Parwana", "پروانه"),
    ("Shabana", "شبانه"),
    ("Gulalai", "گلالۍ"),
    ("Malalai", "ملالۍ"),
    ("Roya", "رویا"),
    ("Freshta", "فرشته"),
    ("Marzia", "مرضیه"),
    ("Laila", "لیلا"),
    ("Sima", "سیما"),
    ("Nadia", "نادیه"),
    ("Shirin", "شیرین"),
    ("Bibi", "بی‌بی"),
    ("Begum", "بیگم"),
    ("Sultan", "سلطان"),
    ("Hakim", "حکیم"),
    ("Latif", "لطیف"),
    ("Wahid", "وحید"),
    ("Samad", "صمد"),
    ("Sabir", "صابر"),
    ("Daud", "داود"),
    ("Ghulam", "غلام"),
    ("Haidar", "حیدر"),
    ("Zabihullah", "ذبیح‌الله"),
    ("Mohammadi", "محمدی"),
    ("Ahmadi", "احمدی"),
    ("Hashimi", "هاشمی"),
    ("Popal", "پوپل"),
    ("Durrani", "درانی"),
    ("Sherzad", "شیرزاد"),
]

# The parts that make compound names: Rahmatullah is Rahmat + ullah, Abdul Rahman is Abdul + Rahman.
SUFFIXES = [("الله", "ullah"), ("الدین", "uddin"), ("زاده", "zada"), ("زی", "zai")]
PREFIXES = [("عبدال", "Abdul"), ("عبد", "Abdul")]

# Letters that Afghan documents write with more than one Latin letter, or not as anyascii would.
LETTERS = {
    "ا": "a", "آ": "a", "أ": "a", "إ": "e", "ب": "b", "پ": "p", "ت": "t", "ټ": "t", "ث": "s", "ج": "j",
    "چ": "ch", "ح": "h", "خ": "kh", "څ": "s", "ځ": "z", "د": "d", "ډ": "d", "ذ": "z", "ر": "r", "ړ": "r",
    "ز": "z", "ژ": "zh", "ږ": "zh", "س": "s", "ش": "sh", "ښ": "kh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ک": "k", "ګ": "g", "گ": "g", "ل": "l", "م": "m", "ن": "n",
    "ڼ": "n", "و": "w", "ه": "h", "ی": "y", "ې": "e", "ۍ": "ai", "ئ": "y", "ء": "",
}  # fmt: skip
VOWEL_LETTERS = frozenset("اآویېۍ")

_latin_of = {name_fold(local): latin for latin, local in reversed(KNOWN_NAMES)}
_local_of = {}
for _latin, _local in KNOWN_NAMES:
    _local_of.setdefault(_latin.casefold(), _local)


def _letters(word: str) -> str:
    """A word in Latin letters, letter by letter, the unwritten short vowels guessed."""
    sounds: list[str] = []
    last = len(word) - 1
    for index, letter in enumerate(word):
        previous_is_consonant = index > 0 and word[index - 1] not in VOWEL_LETTERS
        if letter == "و":
            sound = "w" if index == 0 or not previous_is_consonant else "o"
        elif letter == "ی":
            sound = "y" if index == 0 else "i"
        elif letter == "ه" and index == last and index > 0:
            sound = "a" if previous_is_consonant or word[index - 1] == "ی" else "h"
        else:
            sound = LETTERS.get(letter, letter)
        # An unwritten a: after a first consonant followed by another, and before a last consonant
        # that follows a consonant (Karim, Ahmad, Nasrin).
        if (index == 1 and letter not in VOWEL_LETTERS and word[0] not in VOWEL_LETTERS and sounds) or (
            index == last
            and index > 1
            and letter not in VOWEL_LETTERS
            and letter != "ه"
            and previous_is_consonant
            and word[index - 1] not in "هع"
        ):
            sounds.append("a")
        sounds.append(sound)
    return "".join(sounds)


def _word_latin(word: str) -> str:
    if not any("\u0600" <= character <= "\u06ff" for character in word):
        return word.capitalize()  # already Latin (or digits): kept, capitalised like the rest
    if word in _latin_of:
        return _latin_of[word]
    for prefix, latin in PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            return f"{latin} {_word_latin(word[len(prefix) :]).capitalize()}"
    for suffix, latin in SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return _word_latin(word[: -len(suffix)]).capitalize() + latin
    return _letters(word).capitalize()


@lru_cache(maxsize=4096)
def latin_suggested(text: str) -> str:
    """A Latin spelling for a name in Dari or Pashto script ("" for a name with no Arabic letters)."""
    words = name_fold(text).replace("\u200c", "").split()
    if not any("\u0600" <= character <= "\u06ff" for character in "".join(words)):
        return ""
    return " ".join(_word_latin(word) for word in words)


@lru_cache(maxsize=4096)
def local_suggested(text: str) -> str:
    """The Dari script of a Latin name, when every word of it is a known name; otherwise ""."""
    words = text.split()
    if not words or not all(word.casefold() in _local_of for word in words):
        return ""
    spelt = ""
    for word in words:
        local = _local_of[word.casefold()]
        # Abdul is written joined to the name after it: عبدالرحمان, not عبدال رحمان.
        spelt += local if spelt.endswith("عبدال") or not spelt else f" {local}"
    return spelt

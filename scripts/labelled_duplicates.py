"""A labelled set of people registered twice and of people who only look alike, and how well the
duplicate search (``returns.matching``) tells them apart: precision and recall (issue 11).

The set is drawn from a seed, so it is the same on every run. Each pair is a *probe* (a person as an
officer types them, a ``PersonSought``) and a person of the registry, labelled the same person or not:

- true duplicates, each with the differences real registrations show: another transliteration
  (Mohammad/Muhammad, Abdul Rahman/Abdurrahman, Gul Ahmad/Golahmad), a one-letter typo, the given
  and father's names typed in each other's fields, the age off by 1 to 3 years, the father's name
  missing on one record, a second return through another crossing with a new VRF, the names typed
  in Dari script only, a card number on one record only;
- hard non-duplicates: brothers (same father's and family name, another given name, a few years
  apart, some with given names that share a key such as Hassan and Hussain), cousins named after
  their grandfather (same given and family name, another father's name), and namesakes with a very
  common given and father's name but another family name, another card number, an age far apart
  or the other sex.

Beside a third of the true duplicates a brother or a namesake of the person is registered too: the
probe must find its own person and not them. Namesakes nobody meant are drawn again, so every
lookalike of the set is one it means.

    python scripts/labelled_duplicates.py --pairs 2000 --seed 11 --evaluate   # load into DATABASE_URL
                                                                            # (rolled back), print figures
    python scripts/labelled_duplicates.py --pairs 300 --write set.json     # the set itself, to read

``--evaluate`` needs a migrated database (its reference data); nothing it loads is kept.
"""

import argparse
import dataclasses
import datetime
import json
import os
import random
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # run as a script: Django before the models
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from agencies.models import Agency, Office, User  # noqa: E402
from returns import matching  # noqa: E402
from returns.demo.names import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES  # noqa: E402
from returns.matching import DUPLICATE_THRESHOLD, PersonSought  # noqa: E402
from returns.models import Category, Household, Member, MemberDocument  # noqa: E402
from returns.names import document_number_normal, name_key  # noqa: E402

# More names than the demo's, so that people drawn at random are seldom namesakes by chance.
MORE_MALE_NAMES = [
    ("Abdul Qadir", "عبدالقادر"),
    ("Abdul Ghani", "عبدالغنی"),
    ("Abdul Wahab", "عبدالوهاب"),
    ("Abdul Hadi", "عبدالهادی"),
    ("Abdul Samad", "عبدالصمد"),
    ("Abdul Jalil", "عبدالجلیل"),
    ("Abdul Latif", "عبداللطیف"),
    ("Abdul Salam", "عبدالسلام"),
    ("Nasrullah", "نصرالله"),
    ("Amanullah", "امان‌الله"),
    ("Rahmatullah", "رحمت‌الله"),
    ("Hayatullah", "حیات‌الله"),
    ("Ehsanullah", "احسان‌الله"),
    ("Asadullah", "اسدالله"),
    ("Khan Mohammad", "خان‌محمد"),
    ("Dost Mohammad", "دوست‌محمد"),
    ("Taj Mohammad", "تاج‌محمد"),
    ("Sher Ali", "شیرعلی"),
    ("Gul Agha", "گل‌آغا"),
    ("Nazar", "نظر"),
    ("Sabir", "صابر"),
    ("Zahir", "ظاهر"),
    ("Tahir", "طاهر"),
    ("Baqir", "باقر"),
    ("Jamshid", "جمشید"),
    ("Fawad", "فواد"),
    ("Haroon", "هارون"),
    ("Idrees", "ادریس"),
    ("Younus", "یونس"),
    ("Daud", "داود"),
    ("Sulaiman", "سلیمان"),
    ("Shakir", "شاکر"),
    ("Bilal", "بلال"),
    ("Hekmat", "حکمت"),
    ("Nabi", "نبی"),
    ("Anwar", "انور"),
    ("Jalal", "جلال"),
    ("Kamal", "کمال"),
    ("Zaman", "زمان"),
    ("Parwiz", "پرویز"),
]
MORE_FEMALE_NAMES = [
    ("Gulnaz", "گلناز"),
    ("Shirin", "شیرین"),
    ("Mina", "مینا"),
    ("Nazifa", "نظیفه"),
    ("Rahima", "رحیمه"),
    ("Sharifa", "شریفه"),
    ("Halima", "حلیمه"),
    ("Razia", "راضیه"),
    ("Malalai", "ملالی"),
    ("Palwasha", "پلوشه"),
    ("Habiba", "حبیبه"),
    ("Nafisa", "نفیسه"),
    ("Sultana", "سلطانه"),
    ("Samira", "سمیره"),
    ("Hakima", "حکیمه"),
]
MORE_FAMILY_NAMES = [
    ("Popalzai", "پوپلزی"),
    ("Barakzai", "بارکزی"),
    ("Mohmand", "مومند"),
    ("Shinwari", "شینواری"),
    ("Wardak", "وردک"),
    ("Hotak", "هوتک"),
    ("Jalali", "جلالی"),
    ("Sadat", "سادات"),
    ("Niazi", "نیازی"),
    ("Durrani", "درانی"),
    ("Nazari", "نظری"),
    ("Mansoori", "منصوری"),
]
MALE = MALE_NAMES + MORE_MALE_NAMES
FEMALE = FEMALE_NAMES + MORE_FEMALE_NAMES
FAMILY = FAMILY_NAMES + MORE_FAMILY_NAMES

# How officers at the crossings spell these names otherwise (seen on VRFs, cards and tazkiras).
SPELLINGS = {
    "Mohammad": ["Muhammad", "Mohammed", "Mohamad", "Muhammed", "Mohamed"],
    "Ahmad": ["Ahmed", "Ahmat"],
    "Mahmood": ["Mahmud", "Mehmood", "Mahmoud"],
    "Abdullah": ["Abdulla", "Abdollah", "Abd Allah"],
    "Abdul Rahman": ["Abdurrahman", "Abdulrahman", "Abdul Rehman", "Abdur Rahman"],
    "Hassan": ["Hasan"],
    "Hussain": ["Hussein", "Husain", "Hossain", "Hosain"],
    "Omar": ["Umar"],
    "Khalid": ["Khaled"],
    "Naveed": ["Navid", "Nawid"],
    "Farid": ["Fareed"],
    "Jawad": ["Javad"],
    "Rahim": ["Raheem"],
    "Karim": ["Kareem"],
    "Hamid": ["Hameed"],
    "Rashid": ["Rasheed"],
    "Nasir": ["Naser", "Nasser"],
    "Bashir": ["Basheer"],
    "Nazir": ["Nazeer"],
    "Qasim": ["Kasim", "Qaseem"],
    "Yousuf": ["Yusuf", "Yousef", "Yosuf"],
    "Ibrahim": ["Ebrahim"],
    "Ismail": ["Esmail", "Ismael"],
    "Mustafa": ["Mostafa"],
    "Wahid": ["Waheed"],
    "Zabihullah": ["Zabiullah", "Zabihulla"],
    "Habibullah": ["Habib Ullah", "Habibulla"],
    "Najibullah": ["Najeebullah", "Najib Ullah"],
    "Samiullah": ["Sami Ullah", "Samiulla"],
    "Ahmad Shah": ["Ahmadshah", "Ahmed Shah"],
    "Gul Ahmad": ["Golahmad", "Gulahmad", "Gul Ahmed"],
    "Sayed": ["Sayyed", "Sayyid", "Said"],
    "Shafiq": ["Shafeeq"],
    "Rafiq": ["Rafeeq"],
    "Javid": ["Jawid", "Javed"],
    "Faizullah": ["Faiz Ullah", "Faizulla"],
    "Noorullah": ["Nurullah", "Noor Ullah"],
    "Ghulam": ["Gholam", "Golam"],
    "Sharif": ["Shareef"],
    "Aziz": ["Azeez"],
    "Mirwais": ["Mir Wais", "Mirways"],
    "Abdul Qadir": ["Abdulqadir", "Abdul Kadir", "Abdul Qader"],
    "Abdul Ghani": ["Abdulghani", "Abdul Ghani"],
    "Abdul Samad": ["Abdussamad", "Abdulsamad"],
    "Abdul Salam": ["Abdussalam", "Abdulsalam"],
    "Nasrullah": ["Nasrulla", "Nasr Ullah"],
    "Amanullah": ["Aman Ullah", "Amanulla"],
    "Khan Mohammad": ["Khan Muhammad", "Khanmohammad"],
    "Dost Mohammad": ["Dost Muhammad", "Dostmohammad"],
    "Taj Mohammad": ["Taj Muhammad", "Tajmohammad"],
    "Haroon": ["Harun", "Haroun"],
    "Idrees": ["Idris", "Edris"],
    "Younus": ["Yunus", "Younis"],
    "Daud": ["Dawood", "Dawud"],
    "Sulaiman": ["Suleman", "Soleiman"],
    "Parwiz": ["Parviz", "Perwiz"],
    "Zahra": ["Zehra"],
    "Fatima": ["Fatema", "Fatimah"],
    "Maryam": ["Mariam", "Maryum"],
    "Khadija": ["Khadijah", "Khadije"],
    "Aisha": ["Ayesha", "Aysha"],
    "Zainab": ["Zeinab", "Zaynab"],
    "Masooma": ["Masuma", "Masoumeh"],
    "Fereshta": ["Freshta", "Fereshteh"],
    "Nargis": ["Narges"],
    "Parwana": ["Parvana"],
    "Shukria": ["Shukriya"],
    "Soraya": ["Suraya"],
    "Laila": ["Leila", "Layla"],
    "Mahbooba": ["Mahbuba"],
    "Nasima": ["Naseema"],
    "Gulalai": ["Gulalay"],
    "Hamida": ["Hameeda"],
    "Latifa": ["Lateefa"],
    "Marzia": ["Marziya", "Marziyeh"],
    "Nilofar": ["Nilufar", "Nilofer"],
    "Sakina": ["Sakeena"],
    "Tahmina": ["Tahmeena"],
    "Wahida": ["Waheeda"],
    "Zarghona": ["Zarghuna"],
    "Hadia": ["Hadiya"],
    "Bibi Gul": ["Bibigul"],
    "Shirin": ["Shireen"],
    "Nazifa": ["Nazeefa"],
    "Halima": ["Haleema"],
    "Ahmadi": ["Ahmady"],
    "Rahimi": ["Raheemi"],
    "Noori": ["Nuri"],
    "Sultani": ["Soltani"],
    "Rasuli": ["Rasooli"],
    "Haidari": ["Heidari", "Haideri"],
    "Qaderi": ["Qadiri", "Kaderi"],
    "Hashimi": ["Hashemi"],
    "Mohammadi": ["Muhammadi"],
    "Stanikzai": ["Stanekzai"],
    "Popalzai": ["Popalzay"],
    "Durrani": ["Durani"],
    "Mansoori": ["Mansuri"],
}
# Brothers' given names that share a key (a spelling variant of each other to the blocking keys).
KEY_SHARING_BROTHERS = [
    ("Hassan", "حسن", "Hussain", "حسین"),
    ("Mohammad", "محمد", "Mahmood", "محمود"),
    ("Jawad", "جواد", "Javid", "جاوید"),
    ("Ahmad", "احمد", "Hamid", "حمید"),
]
OFFICES = ("TKM", "SBD", "IQL", "MLK")  # the crossings from Pakistan and Iran
KEYBOARD_NEAR = dict(zip("abcdefghijklmnopqrstuvwxyz", "sqvsrgfjukjlknpolteyiocuhx", strict=True))

DUPLICATE_KINDS = [
    ("transliteration", 20),
    ("typo", 10),
    ("swapped names", 8),
    ("age off", 12),
    ("father's name missing", 6),
    ("another crossing", 10),
    ("other script", 12),
    ("document on one record", 10),
    ("several differences", 12),
]
DIFFERENT_KINDS = [
    ("brothers", 14),
    ("brothers with key-sharing names", 8),
    ("cousins", 8),
    ("namesake, another family name", 8),
    ("namesake, another card", 8),
    ("namesake, age far apart", 6),
    ("namesake, other sex", 4),
]
# Of the pairs drawn, this share are true duplicates; beside this share of them a lookalike is registered.
DUPLICATE_SHARE = 0.55
LOOKALIKE_REGISTERED = 0.33
# The lookalikes registered beside a true duplicate (those that leave the person as they are).
REGISTERED_KINDS = ("brothers", "cousins", "namesake, age far apart", "namesake, other sex")


@dataclass
class Person:
    """A person as typed: Latin and Dari names, sex, age, documents, the crossing they came through."""

    given_name: str
    fathers_name: str
    family_name: str
    given_name_local: str
    fathers_name_local: str
    family_name_local: str
    sex: str
    age: int
    documents: list[tuple[str, str, str]] = field(default_factory=list)  # (type, issuing country, number)
    office: str = "TKM"
    with_birth_date: bool = False

    def sought(self) -> PersonSought:
        return PersonSought(
            given_name=self.given_name,
            fathers_name=self.fathers_name,
            family_name=self.family_name,
            given_name_local=self.given_name_local,
            fathers_name_local=self.fathers_name_local,
            family_name_local=self.family_name_local,
            sex=self.sex,
            estimated_age=self.age,
            document_numbers=tuple(number for _type, _country, number in self.documents),
        )


@dataclass
class Pair:
    probe: int  # index into LabelledSet.probes
    registered: int  # index into LabelledSet.registry
    same: bool
    kind: str


@dataclass
class LabelledSet:
    registry: list[Person] = field(default_factory=list)
    probes: list[Person] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)


class _Drawer:
    """Draws the set's people from one seeded random generator."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
        self.name_pairs: set[tuple[str, str]] = set()  # (given key, father's key) already drawn

    def number(self, kind: str) -> tuple[str, str, str]:
        rng = self.rng
        if kind == "por_card":
            return ("por_card", "PK", f"PK-{rng.randrange(10**9):09d}")
        if kind == "amayesh_card":
            return ("amayesh_card", "IR", f"IR-{rng.randrange(10**9):09d}")
        if kind == "tazkira":
            year, serial = rng.randrange(1400, 1405), rng.randrange(10**9)
            return ("tazkira", "AF", f"{year}-{serial // 10**5:04d}-{serial % 10**5:05d}")
        return ("vrf", "PK", f"VRF-{rng.randrange(2023, 2027)}-{rng.randrange(10**6):06d}")

    def documents(self) -> list[tuple[str, str, str]]:
        rng = self.rng
        held = []
        if rng.random() < 0.5:
            held.append(self.number(rng.choice(["por_card", "amayesh_card", "tazkira"])))
        if rng.random() < 0.3:
            held.append(self.number("vrf"))
        return held

    def taken(self, given: str, fathers: str) -> bool:
        """Whether someone drawn before has these given and father's names (in either field)."""
        keys = (name_key(given), name_key(fathers))
        return keys in self.name_pairs or keys[::-1] in self.name_pairs or keys[0] == keys[1]

    def names(self, sex: str) -> tuple[tuple[str, str], tuple[str, str]]:
        """A given and a father's name no one drawn before has together."""
        while True:
            given = self.rng.choice(MALE if sex == "male" else FEMALE)
            fathers = self.rng.choice(MALE)
            if not self.taken(given[0], fathers[0]):
                self.name_pairs.add((name_key(given[0]), name_key(fathers[0])))
                return given, fathers

    def untaken(self, names: list[tuple[str, str]], *, given: str = "", fathers: str = "") -> tuple[str, str]:
        """One of ``names`` as the given (or father's) name of a new person, with ``fathers`` (or
        ``given``), that no one drawn before has."""
        free = [name for name in names if not self.taken(given or name[0], fathers or name[0])]
        # Every name taken (a father's name left out, which many share): any other name than theirs.
        return self.rng.choice(free or [name for name in names if name[0] not in (given, fathers)])

    def person(self, *, sex: str | None = None) -> Person:
        rng = self.rng
        sex = sex or rng.choice(["male", "male", "female"])
        given, fathers = self.names(sex)
        family = rng.choice(FAMILY) if rng.random() < 0.5 else ("", "")
        local = rng.random() < 0.5
        return Person(
            given_name=given[0],
            fathers_name=fathers[0],
            family_name=family[0],
            given_name_local=given[1] if local else "",
            fathers_name_local=fathers[1] if local else "",
            family_name_local=family[1] if local else "",
            sex=sex,
            age=rng.randint(16, 70),
            documents=self.documents(),
            office=rng.choice(OFFICES),
            with_birth_date=rng.random() < 0.2,
        )

    # Differences of a true duplicate ---------------------------------------------------------------

    def respelt(self, name: str) -> str:
        if name in SPELLINGS:
            return self.rng.choice(SPELLINGS[name])
        # Not in the table: the commonest swaps of Latin spellings (ee/i, oo/u, w/v, a/e before a last consonant).
        for one, other in (("ee", "i"), ("oo", "u"), ("w", "v"), ("i", "ee"), ("u", "oo")):
            if one in name.lower()[1:]:
                return name[0] + name[1:].replace(one, other, 1)
        return name

    def typo(self, name: str) -> str:
        """One letter wrong: replaced by a neighbour on the keyboard, left out, doubled or swapped."""
        rng = self.rng
        letters = [index for index, letter in enumerate(name) if letter.isalpha() and index > 0]
        if not letters:
            return name
        at = rng.choice(letters)
        how = rng.choice(["near", "left out", "doubled", "swapped"])
        letter = name[at].lower()
        if how == "near":
            return name[:at] + KEYBOARD_NEAR.get(letter, letter) + name[at + 1 :]
        if how == "left out":
            return name[:at] + name[at + 1 :]
        if how == "doubled":
            return name[:at] + letter + name[at:]
        if at + 1 < len(name) and name[at + 1].isalpha():
            return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
        return name[:at] + name[at + 1 :]

    def age_off(self, age: int) -> int:
        return max(1, age + self.rng.choice([-3, -2, -1, 1, 2, 3]))

    def jitter(self, age: int) -> int:
        """An estimated age is often a year off."""
        return max(1, age + self.rng.choice([-1, 0, 0, 0, 1]))

    def duplicate(self, person: Person, kind: str) -> tuple[Person, Person]:
        """(the person as registered, the same person as typed again) with the differences of ``kind``."""
        rng = self.rng
        registered = person
        again = dataclasses.replace(person, age=self.jitter(person.age), documents=list(person.documents))
        # Typed again by another officer: often without the Dari names, sometimes with them.
        if rng.random() < 0.5:
            again.given_name_local = again.fathers_name_local = again.family_name_local = ""
        kinds = [kind]
        if kind == "several differences":
            kinds = rng.sample(["transliteration", "age off", "another crossing", "other script", "typo"], 2)
        for one in kinds:
            self._differ(registered, again, one)
        return registered, again

    def _differ(self, registered: Person, again: Person, kind: str) -> None:
        rng = self.rng
        if kind == "transliteration":
            again.given_name = self.respelt(again.given_name)
            if rng.random() < 0.5:
                again.fathers_name = self.respelt(again.fathers_name)
            if again.family_name and rng.random() < 0.5:
                again.family_name = self.respelt(again.family_name)
        elif kind == "typo":
            which = rng.choice(["given_name", "fathers_name", "family_name" if again.family_name else "given_name"])
            setattr(again, which, self.typo(getattr(again, which)))
        elif kind == "swapped names":
            again.given_name, again.fathers_name = again.fathers_name, again.given_name
            again.given_name_local, again.fathers_name_local = again.fathers_name_local, again.given_name_local
        elif kind == "age off":
            again.age = self.age_off(registered.age)
        elif kind == "father's name missing":
            left_out = again if rng.random() < 0.5 else registered
            left_out.fathers_name = left_out.fathers_name_local = ""
        elif kind == "another crossing":
            # A second return: another crossing, a new VRF, the card (if any) kept.
            registered.office = "TKM" if registered.office != "TKM" else "SBD"
            again.documents = [document for document in again.documents if document[0] != "vrf"]
            again.documents.append(self.number("vrf"))
        elif kind == "other script":
            local = dict(MALE + FEMALE + FAMILY)
            again.given_name_local = local.get(registered.given_name, "")
            again.fathers_name_local = local.get(registered.fathers_name, "")
            again.family_name_local = local.get(registered.family_name, "")
            again.given_name = again.fathers_name = again.family_name = ""
        elif kind == "document on one record":
            if not registered.documents and not again.documents:
                registered.documents = [self.number("tazkira")]
            if rng.random() < 0.5:
                again.documents = []
            else:
                again.documents = again.documents or list(registered.documents)
                registered.documents = []

    # Lookalikes: different people -------------------------------------------------------------------

    def lookalike(self, person: Person, kind: str) -> Person:
        """Another person who looks like ``person`` in the way ``kind`` says."""
        rng = self.rng
        other = dataclasses.replace(person, documents=self.documents(), office=rng.choice(["TKM", "IQL"]))
        if kind in ("brothers", "brothers with key-sharing names"):
            names = MALE if person.sex == "male" else FEMALE
            other.given_name, other.given_name_local = self.untaken(names, fathers=person.fathers_name)
            if kind == "brothers with key-sharing names":
                free = [
                    names
                    for names in KEY_SHARING_BROTHERS
                    if not self.taken(names[0], person.fathers_name) and not self.taken(names[2], person.fathers_name)
                ]
                one, one_local, two, two_local = rng.choice(free or KEY_SHARING_BROTHERS)
                person.given_name, person.given_name_local = one, person.given_name_local and one_local
                self.name_pairs.add((name_key(one), name_key(person.fathers_name)))
                other.given_name, other.given_name_local = two, two_local
                person.sex = other.sex = "male"
            other.age = max(1, person.age + rng.choice([-1, 1]) * rng.randint(2, 9))
        elif kind == "cousins":
            # Named after their grandfather, like their cousin: sons of two brothers.
            other.fathers_name, other.fathers_name_local = self.untaken(MALE, given=person.given_name)
            other.age = max(1, person.age + rng.randint(-6, 6))
        elif kind == "namesake, another family name":
            if not person.family_name:
                person.family_name, person.family_name_local = rng.choice(FAMILY)
            other.family_name, other.family_name_local = rng.choice(
                [name for name in FAMILY if name_key(name[0]) != name_key(person.family_name)]
            )
            other.age = max(1, person.age + rng.randint(-5, 5))
        elif kind == "namesake, another card":
            card = rng.choice(["por_card", "amayesh_card", "tazkira"])
            person.documents = [self.number(card)]
            other.documents = [self.number(card)]
            other.age = self.jitter(person.age)
        elif kind == "namesake, age far apart":
            other.age = person.age + rng.choice([-1, 1]) * rng.randint(12, 30)
            if other.age < 1:
                other.age = person.age + rng.randint(12, 30)
        elif kind == "namesake, other sex":
            other.sex = "female" if person.sex == "male" else "male"
            other.age = self.jitter(person.age)
        self.name_pairs.add((name_key(other.given_name), name_key(other.fathers_name)))
        return other


def _weighted(rng: random.Random, kinds: list[tuple[str, int]]) -> str:
    return rng.choices([kind for kind, _weight in kinds], weights=[weight for _kind, weight in kinds])[0]


def labelled_set(*, pairs: int, seed: int) -> LabelledSet:
    """At least ``pairs`` labelled pairs, the same for the same seed (see the module's docstring)."""
    drawer = _Drawer(seed)
    rng = drawer.rng
    labelled = LabelledSet()
    while len(labelled.pairs) < pairs:
        person = drawer.person()
        if rng.random() < DUPLICATE_SHARE:
            kind = _weighted(rng, DUPLICATE_KINDS)
            registered, again = drawer.duplicate(person, kind)
            labelled.registry.append(registered)
            labelled.probes.append(again)
            labelled.pairs.append(Pair(len(labelled.probes) - 1, len(labelled.registry) - 1, True, kind))
            if rng.random() < LOOKALIKE_REGISTERED:
                lookalike_kind = _weighted(rng, [kind for kind in DIFFERENT_KINDS if kind[0] in REGISTERED_KINDS])
                lookalike = drawer.lookalike(dataclasses.replace(registered), lookalike_kind)
                labelled.registry.append(lookalike)
                labelled.pairs.append(
                    Pair(len(labelled.probes) - 1, len(labelled.registry) - 1, False, f"{lookalike_kind} (registered)")
                )
        else:
            kind = _weighted(rng, DIFFERENT_KINDS)
            lookalike = drawer.lookalike(person, kind)
            labelled.registry.append(person)
            labelled.probes.append(lookalike)
            labelled.pairs.append(Pair(len(labelled.probes) - 1, len(labelled.registry) - 1, False, kind))
    return labelled


# The registry and the evaluation (a database) -------------------------------------------------------


def labelled_set_load(labelled: LabelledSet, *, registered_by: User) -> list[int]:
    """Register the set's registry as households of one person each (bulk, as the demo loader does);
    the member ids, in the registry's order."""
    today = timezone.localdate()
    agencies = list(Agency.objects.filter(code__in=["UNHCR", "IOM"]).order_by("code"))
    offices = dict(Office.objects.filter(code__in=OFFICES).values_list("code", "pk"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM returns_household")
        (first,) = cursor.fetchone()
    households = Household.objects.bulk_create(
        [
            Household(
                registration_number=f"{person.office}-{today.year}-{900000000 + first + index:06d}",
                arrival_date=today - datetime.timedelta(days=1 + index % 300),
                office_id=offices[person.office],
                country_of_departure_id="IR" if person.office in ("IQL", "MLK") else "PK",
                return_type_id="voluntary_repatriation",
                destination_province_id="AF06",
                registered_by=registered_by,
                routed_agency=agencies[index % 2],
                category=Category.UNDOCUMENTED,
                routing_reason="labelled set",
                member_count=1,
            )
            for index, person in enumerate(labelled.registry)
        ]
    )
    members = Member.objects.bulk_create(
        [
            Member(
                household=household,
                given_name=person.given_name,
                fathers_name=person.fathers_name,
                family_name=person.family_name,
                given_name_local=person.given_name_local,
                fathers_name_local=person.fathers_name_local,
                family_name_local=person.family_name_local,
                sex=person.sex,
                estimated_age=None if person.with_birth_date else person.age,
                date_of_birth=datetime.date(today.year - person.age, 1, 1) if person.with_birth_date else None,
                relationship=Member.Relationship.HEAD,
            ).names_indexed()
            for household, person in zip(households, labelled.registry, strict=True)
        ]
    )
    MemberDocument.objects.bulk_create(
        [
            MemberDocument(
                member=member,
                document_type_id=document_type,
                issuing_country_id=country,
                number=number,
                number_normal=document_number_normal(number),
            )
            for member, person in zip(members, labelled.registry, strict=True)
            for document_type, country, number in person.documents
        ]
    )
    return [member.pk for member in members]


@dataclass
class Quality:
    """The confusion counts over the labelled pairs, and what went wrong where."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    # Predicted duplicates of a probe that no pair labels (a namesake nobody meant): false positives too.
    unlabelled_positives: int = 0
    blocking_misses: int = 0
    misses: Counter = field(default_factory=Counter)  # true duplicates not found, by kind
    false_alarms: Counter = field(default_factory=Counter)  # lookalikes called duplicates, by kind
    blocking_misses_by_kind: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def pairs(self) -> int:
        return self.true_positives + self.false_negatives + self.true_negatives + self.false_positives

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives + self.unlabelled_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    def lines(self) -> list[str]:
        lines = [
            f"labelled pairs {self.pairs:,} ({self.true_positives + self.false_negatives:,} the same person), "
            f"threshold {DUPLICATE_THRESHOLD}",
            f"precision {self.precision:.4f}  recall {self.recall:.4f}  "
            f"(TP {self.true_positives}, FP {self.false_positives} + {self.unlabelled_positives} unlabelled, "
            f"FN {self.false_negatives} of which {self.blocking_misses} never blocked, TN {self.true_negatives})",
        ]
        if self.misses:
            lines.append("missed: " + ", ".join(f"{kind} {count}" for kind, count in sorted(self.misses.items())))
        if self.blocking_misses_by_kind:
            lines.append(
                "never blocked: "
                + ", ".join(f"{kind} {count}" for kind, count in sorted(self.blocking_misses_by_kind.items()))
            )
        if self.false_alarms:
            lines.append(
                "called the same: " + ", ".join(f"{kind} {count}" for kind, count in sorted(self.false_alarms.items()))
            )
        return lines


@contextmanager
def _every_candidate():
    """Every person the blocks return, whatever their score: to tell a blocking miss from a low score."""
    threshold = matching.CANDIDATE_THRESHOLD
    matching.CANDIDATE_THRESHOLD = 0.0
    try:
        yield
    finally:
        matching.CANDIDATE_THRESHOLD = threshold


def labelled_set_evaluate(labelled: LabelledSet, *, member_ids: list[int], user: User) -> Quality:
    """Look every probe up (``person_candidates``) and score the answers against the labels."""
    quality = Quality()
    pairs_of: dict[int, list[Pair]] = {}
    for pair in labelled.pairs:
        pairs_of.setdefault(pair.probe, []).append(pair)
    started = time.perf_counter()
    with _every_candidate():
        for index, probe in enumerate(labelled.probes):
            candidates = matching.person_candidates(probe.sought(), user=user, limit=3 * matching.BLOCK_LIMIT)
            blocked = {candidate.member.pk for candidate in candidates}
            predicted = {candidate.member.pk for candidate in candidates if candidate.score >= DUPLICATE_THRESHOLD}
            labelled_ids = set()
            for pair in pairs_of.get(index, []):
                member_id = member_ids[pair.registered]
                labelled_ids.add(member_id)
                found = member_id in predicted
                if pair.same and found:
                    quality.true_positives += 1
                elif pair.same:
                    quality.false_negatives += 1
                    quality.misses[pair.kind] += 1
                    if member_id not in blocked:
                        quality.blocking_misses += 1
                        quality.blocking_misses_by_kind[pair.kind] += 1
                elif found:
                    quality.false_positives += 1
                    quality.false_alarms[pair.kind] += 1
                else:
                    quality.true_negatives += 1
            quality.unlabelled_positives += len(predicted - labelled_ids)
    quality.seconds = time.perf_counter() - started
    return quality


def evaluation_user() -> User:
    """An administrator: every candidate is visible (what is shown does not change the scores)."""
    user, _created = User.objects.get_or_create(
        username="labelled.duplicates", defaults={"role": User.Role.ADMIN, "is_active": True}
    )
    return user


def labelled_set_run(*, pairs: int, seed: int) -> Quality:
    """Load the set, evaluate it, and roll every row back."""
    with transaction.atomic():
        labelled = labelled_set(pairs=pairs, seed=seed)
        user = evaluation_user()
        member_ids = labelled_set_load(labelled, registered_by=user)
        quality = labelled_set_evaluate(labelled, member_ids=member_ids, user=user)
        transaction.set_rollback(True)
    return quality


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--evaluate", action="store_true", help="load into DATABASE_URL (rolled back), print figures")
    parser.add_argument("--write", type=Path, help="write the set as JSON to this file")
    arguments = parser.parse_args()
    if arguments.write:
        labelled = labelled_set(pairs=arguments.pairs, seed=arguments.seed)
        arguments.write.write_text(json.dumps(dataclasses.asdict(labelled), ensure_ascii=False, indent=1))
        print(f"{len(labelled.pairs)} pairs written to {arguments.write}")
    if arguments.evaluate:
        quality = labelled_set_run(pairs=arguments.pairs, seed=arguments.seed)
        for line in quality.lines():
            print(line)
        print(f"looked up in {quality.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Dari (fa) and Pashto (ps) translations: key strings, placeholders, compiled catalogues.

Nothing here needs GNU gettext: the .po files are read by a small parser and the committed .mo
files by Python's own gettext module, so a machine without msgfmt still checks them.
"""

import ast
import gettext as python_gettext
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["fa", "ps"]
PLURAL_FORMS = {"fa": "nplurals=2; plural=(n > 1);", "ps": "nplurals=2; plural=(n != 1);"}

# %(name)s, %(count)d, %s, %%: what Python's % operator reads in a python-format string.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcoa%]")
BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def mo_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.mo"


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list: one per plural form), flags."""
    entries: list[dict] = []
    entry: dict = {}
    field: tuple | None = None

    def finish():
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {}

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            field = None
        elif line.startswith("#~"):
            continue  # obsolete entries are not compiled
        elif line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry.setdefault("flags", set()).update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if "msgid" in entry:
                finish()
        else:
            keyword, _space, rest = line.partition(" ")
            if line.startswith('"'):
                value = ast.literal_eval(line)
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] += value
                else:
                    entry[field[0]] += value
                continue
            if keyword == "msgctxt" and "msgid" in entry:
                finish()
            value = ast.literal_eval(rest)
            plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural:
                index = int(plural.group(1))
                strings = entry.setdefault("msgstr", [])
                strings.extend([""] * (index + 1 - len(strings)))
                strings[index] = value
                field = ("msgstr", index)
            elif keyword == "msgstr":
                entry["msgstr"] = [value]
                field = ("msgstr", 0)
            else:
                entry[keyword] = value
                field = (keyword,)
    finish()
    for item in entries:
        item.setdefault("flags", set())
    return entries


def translated(entries: list[dict]) -> list[dict]:
    return [
        entry for entry in entries if entry["msgid"] and "fuzzy" not in entry["flags"] and any(entry.get("msgstr", []))
    ]


def placeholders(text: str, flags: set) -> Counter:
    found: list[str] = []
    if "python-format" in flags:
        found += [match for match in PERCENT_PLACEHOLDER.findall(text) if match != "%%"]
    if "python-brace-format" in flags:
        found += BRACE_PLACEHOLDER.findall(text)
    found += HTML_TAG.findall(text)
    return Counter(found)


# --- What a field officer sees ------------------------------------------------------------------

KEY_STRINGS = {
    "fa": {
        "Register a household": "ثبت خانوار",
        "Households": "خانوارها",
        "My cases": "قضایای من",
        "Save and route": "ذخیره و سپردن به اداره مسئول",
        "Head of household": "سرپرست خانوار",
        "Log in": "ورود",
    },
    "ps": {
        "Register a household": "د کورنۍ ثبت",
        "Households": "کورنۍ",
        "My cases": "زما قضیې",
        "Save and route": "خوندي کول او مسؤلې ادارې ته سپارل",
        "Head of household": "د کورنۍ مشر",
        "Log in": "ننوتل",
    },
}

ARRIVAL_IN_FUTURE = "The arrival date %(arrival)s is in the future. Enter the day the household crossed."
# Dates sit in bidi isolates (U+2066 ... U+2069): right-to-left text would show 2030-01-15 as 15-01-2030.
ARRIVAL_IN_FUTURE_FILLED = {
    "fa": "تاریخ ورود \u20662030-01-15\u2069 در آینده است. روزی را که خانوار از مرز گذشت وارد کنید.",
    "ps": "د رارسېدو نېټه \u20662030-01-15\u2069 په راتلونکي کې ده. هغه ورځ ولیکئ چې کورنۍ له پولې تېره شوه.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_key_ui_strings_are_translated(language):
    with translation.override(language):
        for english, expected in KEY_STRINGS[language].items():
            assert gettext(english) == expected, english


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_arrival_in_the_future_message_keeps_its_placeholder(language):
    with translation.override(language):
        message = gettext(ARRIVAL_IN_FUTURE) % {"arrival": "2030-01-15"}

    assert message == ARRIVAL_IN_FUTURE_FILLED[language]


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fa", 1, "1 خانوار"),
        ("fa", 3, "3 خانوار"),
        ("ps", 1, "1 قضیه"),
        ("ps", 3, "3 قضیې"),
    ],
)
def test_plurals_follow_the_language_rules(language, count, expected):
    singular, plural = ("%(counter)s household", "%(counter)s households")
    if language == "ps":
        singular, plural = ("%(counter)s case", "%(counter)s cases")
    with translation.override(language):
        assert ngettext(singular, plural, count) % {"counter": count} == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_english_stays_english(language):
    with translation.override("en"):
        assert gettext("Register a household") == "Register a household"


# --- The catalogues ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_po_header_declares_the_language_and_its_plural_forms(language):
    header = next(entry for entry in parse_po(po_path(language)) if entry["msgid"] == "")
    text = header["msgstr"][0]

    assert f"Language: {language}\n" in text
    assert f"Plural-Forms: {PLURAL_FORMS[language]}\n" in text
    assert "charset=UTF-8" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_the_placeholders_and_markup_of_its_source(language):
    problems = []
    for entry in translated(parse_po(po_path(language))):
        flags = entry["flags"]
        sources = [entry["msgid"]] if "msgid_plural" not in entry else [entry["msgid"], entry["msgid_plural"]]
        for index, text in enumerate(entry["msgstr"]):
            source = sources[min(index, len(sources) - 1)]
            if placeholders(text, flags) != placeholders(source, flags):
                problems.append((entry["msgid"], index, text))
            if "python-format" in flags:
                try:
                    text % dict.fromkeys(re.findall(r"%\(([^)]*)\)", text), 1)
                except (TypeError, ValueError, KeyError) as error:
                    problems.append((entry["msgid"], index, f"{text!r}: {error}"))
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_file_loads_and_matches_the_po_file(language):
    with mo_path(language).open("rb") as handle:
        catalogue = python_gettext.GNUTranslations(handle)

    assert catalogue.info()["plural-forms"] == PLURAL_FORMS[language]
    stale = []
    for entry in translated(parse_po(po_path(language))):
        key = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            compiled = [catalogue._catalog.get((key, index)) for index in range(len(entry["msgstr"]))]
        else:
            compiled = [catalogue._catalog.get(key)]
        if compiled != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == [], "run `make messages` (compilemessages) after editing a .po file"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
    entries = [entry for entry in parse_po(po_path(language)) if entry["msgid"]]

    missing = [entry["msgid"] for entry in entries if entry not in translated(entries)]
    assert missing == []


# --- A page, end to end ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "direction"),
    [("en", "Log in", "ltr"), ("fa", "ورود", "rtl"), ("ps", "ننوتل", "rtl")],
)
def test_the_login_page_is_served_in_the_chosen_language(client, language, title, direction):
    response = client.get("/accounts/login/", headers={"accept-language": language})

    content = response.content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in content
    assert f"<h1>{title}</h1>" in content

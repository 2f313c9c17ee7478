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


# --- Django's own messages, in Afghan Dari and Pashto (django_locale/) --------------------------

DJANGO_LOCALE = Path(settings.BASE_DIR) / "django_locale"
DJANGO_DOMAINS = ["django", "djangojs"]
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


def django_po_path(language: str, domain: str) -> Path:
    return DJANGO_LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def django_mo_path(language: str, domain: str) -> Path:
    return DJANGO_LOCALE / language / "LC_MESSAGES" / f"{domain}.mo"


def sources_of(entry: dict) -> list[str]:
    return [entry["msgid"]] if "msgid_plural" not in entry else [entry["msgid"], entry["msgid_plural"]]


def test_djangos_catalogues_come_after_ours_and_before_djangos_own():
    assert [Path(path) for path in settings.LOCALE_PATHS] == [LOCALE, DJANGO_LOCALE]


@pytest.mark.parametrize("domain", DJANGO_DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_djangos_po_header_declares_the_language_and_its_plural_forms(language, domain):
    header = next(entry for entry in parse_po(django_po_path(language, domain)) if entry["msgid"] == "")
    text = header["msgstr"][0]

    assert f"Language: {language}\n" in text
    assert f"Plural-Forms: {PLURAL_FORMS[language]}\n" in text
    assert "charset=UTF-8" in text


@pytest.mark.parametrize("domain", DJANGO_DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_django_message_is_translated(language, domain):
    entries = [entry for entry in parse_po(django_po_path(language, domain)) if entry["msgid"]]

    untranslated = [entry["msgid"] for entry in entries if not entry.get("msgstr") or not all(entry["msgstr"])]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert len(entries) > 80  # the whole catalogue was read
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_django_message_keeps_the_placeholders_and_markup_of_its_source(language):
    problems = []
    for entry in [entry for entry in parse_po(django_po_path(language, "django")) if entry["msgid"]]:
        # Django REST framework's {name} placeholders carry no python-brace-format flag: read them always.
        flags = entry["flags"] | {"python-brace-format"}
        sources = sources_of(entry)
        for index, text in enumerate(entry.get("msgstr", [])):
            source = sources[min(index, len(sources) - 1)]
            if placeholders(text, flags) != placeholders(source, flags):
                problems.append((entry["msgid"], index, text))
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_admin_script_message_keeps_the_placeholders_of_its_source(language):
    """The admin's JavaScript fills its messages with interpolate(): the order of %s and %(name)s may change."""

    def found(text: str) -> set:
        return set(PERCENT_PLACEHOLDER.findall(text)) | set(BRACE_PLACEHOLDER.findall(text))

    problems = []
    for entry in [entry for entry in parse_po(django_po_path(language, "djangojs")) if entry["msgid"]]:
        sources = sources_of(entry)
        for index, text in enumerate(entry.get("msgstr", [])):
            if found(text) != found(sources[min(index, len(sources) - 1)]):
                problems.append((entry["msgid"], index, text))
    assert problems == []


@pytest.mark.parametrize("domain", DJANGO_DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_djangos_committed_mo_file_loads_and_matches_the_po_file(language, domain):
    with django_mo_path(language, domain).open("rb") as handle:
        catalogue = python_gettext.GNUTranslations(handle)

    assert catalogue.info()["plural-forms"] == PLURAL_FORMS[language]
    stale = []
    entries = translated(parse_po(django_po_path(language, domain)))
    for entry in entries:
        key = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            compiled = [catalogue._catalog.get((key, index)) for index in range(len(entry["msgstr"]))]
        else:
            compiled = [catalogue._catalog.get(key)]
        if compiled != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == [], "run `make messages` (compilemessages) after editing a .po file"
    # Nothing compiled that the .po no longer has (the header is the one entry keyed "").
    singular_keys = {key if isinstance(key, str) else key[0] for key in catalogue._catalog} - {""}
    po_keys = {
        entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}" for entry in entries
    }
    assert singular_keys == po_keys


def test_a_required_field_is_required_in_pashto():
    with translation.override("ps"):
        message = gettext("This field is required.")

    assert message == "دا خانه اړینه ده."
    assert ARABIC_SCRIPT.search(message) and not LATIN_LETTER.search(message)


def test_a_required_field_is_required_in_afghan_dari_not_iranian_persian():
    with translation.override("fa"):
        message = gettext("This field is required.")

    assert message != "این فیلد لازم است."  # Django's own Persian catalogue
    assert message == "این فیلد الزامی است."


DJANGO_MESSAGES = {
    "fa": {
        "That page number is not an integer": "آن شماره صفحه عدد صحیح نیست",
        "That page contains no results": "آن صفحه هیچ نتیجه\u200cای ندارد",
        "This password is too common.": "این رمز عبور بسیار معمول است.",
    },
    "ps": {
        "That page number is not an integer": "د پاڼې دا شمېره بشپړ عدد نه دی",
        "That page contains no results": "په دې پاڼه کې هېڅ پایله نشته",
        "This password is too common.": "دا پټنوم ډېر عام دی.",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_djangos_pagination_and_password_messages_are_translated(language):
    with translation.override(language):
        shown = {english: gettext(english) for english in DJANGO_MESSAGES[language]}

    assert shown == DJANGO_MESSAGES[language]


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fa", 1, "این رمز عبور بسیار کوتاه است. باید حداقل 1 حرف داشته باشد."),
        ("fa", 8, "این رمز عبور بسیار کوتاه است. باید حداقل 8 حرف داشته باشد."),
        ("ps", 1, "دا پټنوم ډېر لنډ دی. باید لږ تر لږه 1 توری ولري."),
        ("ps", 8, "دا پټنوم ډېر لنډ دی. باید لږ تر لږه 8 توري ولري."),
    ],
)
def test_the_password_length_message_follows_the_plural_rules(language, count, expected):
    with translation.override(language):
        message = ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            count,
        )

    assert message % count == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page_posted_empty_says_so_in_arabic_script(client, language):
    response = client.post("/accounts/login/", {"username": "", "password": ""}, headers={"accept-language": language})

    errors = re.findall(r'<p class="field__error" role="alert">(.*?)</p>', response.content.decode())
    assert response.status_code == 200
    with translation.override(language):
        required = gettext("This field is required.")
    assert errors == [required, required]
    assert all(ARABIC_SCRIPT.search(error) and not LATIN_LETTER.search(error) for error in errors)
    assert response.context["form"].errors == {"username": [required], "password": [required]}

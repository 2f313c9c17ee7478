"""Dari and Pashto in a real browser: Solar Hijri dates typed into the registration form, a language
switch that keeps what was typed, the served Vazirmatn font for every letter, and every page laid out
right to left without running off the screen, on a desktop and on a phone.
"""

import datetime
from pprint import pformat

import jdatetime
import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from agencies import calendars
from agencies.models import User
from returns.models import Case, Household, Member
from returns.templatetags.returns_pages import routing_reason
from tests.factories import DEMO_PASSWORD
from tests.partner_matrix.world import build_world
from tests.test_every_url import ADMIN, CW, MANAGER, PAGE_READER, PAGES, _fill, _pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

KEPT_KEY = "returns:typed-before-language-change"  # static/js/app.js


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")  # the login form's, in whichever language the page is
    page.wait_for_url(f"{live_server.url}/")


def speaks(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def solar_hijri_typed(day: datetime.date) -> str:
    shown = jdatetime.date.fromgregorian(date=day)
    return f"{shown.year:04d}/{shown.month:02d}/{shown.day:02d}"


def member_row(page, index: int):
    return page.locator("[data-member-list] > [data-member]").nth(index)


def add_member(page):
    page.click("button[data-add-member]")
    return member_row(page, page.locator("[data-member-list] > [data-member]").count() - 1)


def fill_names(row, latin: tuple[str, str, str], local: tuple[str, str, str]) -> None:
    for field, value in zip(("given_name", "fathers_name", "family_name"), latin, strict=True):
        row.locator(f"input[name$='-{field}']").fill(value)
    for field, value in zip(("given_name_local", "fathers_name_local", "family_name_local"), local, strict=True):
        row.locator(f"input[name$='-{field}']").fill(value)


def html_language(page) -> tuple[str, str]:
    return page.evaluate("[document.documentElement.lang, document.documentElement.dir]")


# ---------------------------------------------------------------------------------------------
# 1. A household registered in Dari, with Solar Hijri dates
# ---------------------------------------------------------------------------------------------


def test_a_dari_speaking_officer_registers_a_household_with_solar_hijri_dates(page, live_server, unhcr_officer):
    # Given a UNHCR field officer at Torkham who reads the app in Dari
    speaks(unhcr_officer, "fa")
    arrival = timezone.localdate() - datetime.timedelta(days=3)
    born = datetime.date(1985, 9, 6)  # 15 Sunbula 1364
    card_expires = jdatetime.date(1409, 10, 10).togregorian()
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}/households/register/")
    assert html_language(page) == ["fa", "rtl"]
    expect(page.locator("main h1")).to_have_text("ثبت خانوار")

    # The arrival date starts as today in the Solar Hijri calendar, which is named beside the box
    arrival_box = page.locator(".date-field", has=page.locator("input[name=arrival_date]"))
    assert arrival_box.get_attribute("data-calendar") == "solar_hijri"
    assert page.input_value("input[name=arrival_date]") == solar_hijri_typed(timezone.localdate())
    with translation.override("fa"):
        solar_hijri_hint = f"{calendars.calendar_name(calendars.SOLAR_HIJRI)} · {calendars.numeric_pattern()}"
        today_in_both = (
            f"{calendars.date_long(timezone.localdate())} = "
            f"{calendars.date_long(timezone.localdate(), calendars.GREGORIAN)}"
        )
    expect(arrival_box.locator(".date-field__calendar")).to_have_text(solar_hijri_hint)
    expect(arrival_box.locator(".date-field__other")).to_have_text(today_in_both)

    # When they type the arrival date, the head's date of birth (in Persian digits, as a Dari keyboard
    # types them) and the PoR card's expiry in the Solar Hijri calendar, and save
    page.fill("input[name=arrival_date]", solar_hijri_typed(arrival))
    page.select_option("select[name=country_of_departure]", "PK")
    page.select_option("select[name=return_type]", "voluntary_repatriation")
    page.select_option("select[name=destination_province]", "AF06")
    page.select_option("select[name=destination_district]", "AF0617")
    head = member_row(page, 0)
    fill_names(head, ("Gul", "Rahim", "Safi"), ("گل", "رحیم", "صافی"))
    head.locator("input[value=male]").check()
    head.locator("input[name$='-date_of_birth']").fill("۱۳۶۴/۰۶/۱۵")
    head.locator("select[name$='-document_0_type']").select_option("por_card")
    head.locator("input[name$='-document_0_number']").fill("PK-445566")
    head.locator("input[name$='-document_0_expiry_date']").fill("1409/10/10")
    spouse = add_member(page)
    fill_names(spouse, ("Zarghona", "Karim", "Safi"), ("زرغونه", "کریم", "صافی"))
    spouse.locator("input[value=female]").check()
    spouse.locator("select[name$='-relationship']").select_option("spouse")
    spouse.locator("input[name$='-date_of_birth']").fill("1368/11/02")
    page.click("form[data-register-form] button[type=submit]")

    # Then the household is saved with the Gregorian days those dates are
    page.wait_for_url("**/routed/")
    saved = Household.objects.get()
    assert saved.arrival_date == arrival
    assert list(
        Member.objects.filter(household=saved)
        .order_by("id")
        .values_list("given_name", "given_name_local", "relationship", "date_of_birth")
    ) == [
        ("Gul", "گل", "head", born),
        ("Zarghona", "زرغونه", "spouse", datetime.date(1990, 1, 22)),
    ]
    assert list(saved.members.get(given_name="Gul").documents.values_list("number", "expiry_date")) == [
        ("PK-445566", card_expires)
    ]
    # ... and the routing page reads in Dari, right to left
    assert html_language(page) == ["fa", "rtl"]
    expect(page.locator("[data-routed-agency]")).to_have_text("UNHCR")
    expect(page.locator(".routed__number")).to_have_text(saved.registration_number)
    with translation.override("fa"):
        reason_in_dari = routing_reason(saved)
    assert page.locator("[data-routed-reason]").inner_text() == reason_in_dari
    assert page.console_errors == []


# ---------------------------------------------------------------------------------------------
# 2. Switching language in the middle of the form keeps what was typed
# ---------------------------------------------------------------------------------------------

# Every field of the registration form with its value (and, for boxes to tick, whether ticked), as the
# officer sees it: hidden fields are the page's own.
FORM_STATE = """
() => Array.from(document.querySelector("form[data-register-form]").elements)
  .filter((element) => element.name && !["hidden", "submit", "button"].includes(element.type))
  .map((element) => [element.name, element.value, element.type === "checkbox" || element.type === "radio"
    ? element.checked : null])
"""


def test_switching_to_pashto_in_the_middle_of_a_registration_keeps_everything_typed(page, live_server, unhcr_officer):
    # Given a Dari-speaking officer half-way through a two-member registration
    speaks(unhcr_officer, "fa")
    arrival = solar_hijri_typed(timezone.localdate() - datetime.timedelta(days=5))
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}/households/register/")
    assert html_language(page) == ["fa", "rtl"]
    page.fill("input[name=arrival_date]", arrival)
    page.select_option("select[name=country_of_departure]", "IR")
    page.select_option("select[name=return_type]", "deportation")
    page.select_option("select[name=destination_province]", "AF06")
    page.select_option("select[name=destination_district]", "AF0617")
    page.fill("input[name=phone]", "+93 70 555 1212")
    head = member_row(page, 0)
    fill_names(head, ("Nazir", "Habib", "Ahmadi"), ("نذیر", "حبیب", "احمدی"))
    head.locator("input[value=male]").check()
    head.locator("input[name$='-date_of_birth']").fill("1370/02/20")
    head.locator("select[name$='-document_0_type']").select_option("por_card")
    head.locator("input[name$='-document_0_number']").fill("PK-101010")
    brother = add_member(page)
    fill_names(brother, ("Farid", "Habib", "Ahmadi"), ("فرید", "حبیب", "احمدی"))
    brother.locator("input[value=male]").check()
    brother.locator("select[name$='-relationship']").select_option("sibling")
    brother.locator("input[name$='-estimated_age']").fill("19")
    brother.locator("summary").click()
    brother.locator("input[value='SM-CI']").check()
    typed = page.evaluate(FORM_STATE)
    assert ["members-1-given_name_local", "فرید", None] in typed
    assert ["members-1-specific_needs", "SM-CI", True] in typed

    # When they choose Pashto in the header
    with page.expect_navigation():
        page.select_option("#language-select", "ps")
    page.wait_for_function("document.documentElement.lang === 'ps'")
    page.wait_for_load_state("load")

    # Then the page is in Pashto, both members are back with everything typed, and the choice is theirs
    assert html_language(page) == ["ps", "rtl"]
    expect(page.locator("main h1")).to_have_text("د کورنۍ ثبت")
    expect(page.locator("[data-member-list] > [data-member]")).to_have_count(2)
    assert page.input_value("input[name=members-TOTAL_FORMS]") == "2"
    assert page.evaluate(FORM_STATE) == typed
    assert page.input_value("input[name=arrival_date]") == arrival
    assert page.input_value("input[name=members-1-given_name]") == "Farid"
    assert page.input_value("input[name=members-1-given_name_local]") == "فرید"
    assert page.input_value("select[name=members-1-relationship]") == "sibling"
    assert page.input_value("input[name=members-1-estimated_age]") == "19"
    expect(page.locator("input[name=members-1-specific_needs][value='SM-CI']")).to_be_checked()
    assert page.input_value("select[name=destination_district]") == "AF0617"
    assert page.input_value("select[name=members-0-document_0_issuing_country]") == "PK"
    # ... and nothing of the household waits in the tab once it is back on the page
    assert page.evaluate(f"sessionStorage.getItem('{KEPT_KEY}')") is None
    unhcr_officer.refresh_from_db()
    assert unhcr_officer.language == "ps"
    assert Household.objects.count() == 0
    assert page.console_errors == []


# ---------------------------------------------------------------------------------------------
# 3. Every Dari and Pashto letter in the served Vazirmatn
# ---------------------------------------------------------------------------------------------

PASHTO_AND_DARI_LETTERS = "ا ب پ ت ټ ث ج چ ح خ څ ځ د ډ ذ ر ړ ز ژ ږ س ش ښ ص ض ط ظ ع غ ف ق ک ګ گ ل م ن ڼ و ه ی ې ۍ ئ"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


def platform_fonts(cdp, selector: str) -> list[dict]:
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def glyphs_by_font(fonts: list[dict]) -> dict[tuple[str, bool], int]:
    by_font: dict[tuple[str, bool], int] = {}
    for font in fonts:
        key = (font["familyName"], font["isCustomFont"])
        by_font[key] = by_font.get(key, 0) + font["glyphCount"]
    return by_font


def test_every_pashto_and_dari_letter_is_drawn_in_the_served_vazirmatn(page, live_server, unhcr_officer):
    # Given a Pashto page on a machine whose only fonts are DejaVu (no Arabic-script font of its own)
    speaks(unhcr_officer, "ps")
    fonts_served = []
    page.on("response", lambda response: "/static/fonts/" in response.url and fonts_served.append(response))
    log_in(page, live_server, "unhcr.officer.t")
    page.goto(f"{live_server.url}/households/register/")
    assert html_language(page) == ["ps", "rtl"]
    expect(page.locator("main h1")).to_have_text("د کورنۍ ثبت")

    # When every letter and digit is on it: once as words (no space between) and once letter by letter
    page.evaluate(
        """([letters, digits]) => {
            const main = document.querySelector("main");
            for (const [id, text] of [["letters-joined", letters.replaceAll(" ", "") + digits],
                                      ["letters-spaced", letters + " " + digits]]) {
                const span = document.createElement("span");
                span.id = id;
                span.textContent = text;
                span.style.whiteSpace = "nowrap";  // a space where a line breaks is not drawn
                main.append(span);
            }
        }""",
        [PASHTO_AND_DARI_LETTERS, PERSIAN_DIGITS],
    )
    page.evaluate("document.fonts.ready.then(() => true)")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")

    # Then Vazirmatn, downloaded from the app, draws every one of them
    letter_count = len(PASHTO_AND_DARI_LETTERS.replace(" ", "")) + len(PERSIAN_DIGITS)
    assert letter_count == 54
    joined = platform_fonts(cdp, "#letters-joined")
    assert [(font["familyName"], font["isCustomFont"]) for font in joined] == [("Vazirmatn", True)]
    assert joined[0]["glyphCount"] == letter_count
    # The space is not in the font's unicode-range (static/css/app.css): only spaces may use another font.
    spaced = glyphs_by_font(platform_fonts(cdp, "#letters-spaced"))
    spaces = PASHTO_AND_DARI_LETTERS.count(" ") + 1
    assert spaced.pop(("Vazirmatn", True)) == letter_count
    assert sum(spaced.values()) == spaces
    assert all(not custom for _family, custom in spaced)

    # ... and the page's own heading, in bold
    heading = platform_fonts(cdp, "main h1")
    assert [
        (font["postScriptName"], font["isCustomFont"]) for font in heading if font["familyName"] == "Vazirmatn"
    ] == [("Vazirmatn-Bold", True)]
    heading_glyphs = glyphs_by_font(heading)
    assert heading_glyphs.pop(("Vazirmatn", True)) == len("د کورنۍ ثبت".replace(" ", ""))
    assert sum(heading_glyphs.values()) == "د کورنۍ ثبت".count(" ")
    # (fetched again on each page the live server serves without caching headers)
    assert sorted({(response.url.rsplit("/", 1)[-1], response.status) for response in fonts_served}) == [
        ("vazirmatn-arabic-bold.woff2", 200),
        ("vazirmatn-arabic-regular.woff2", 200),
    ]
    assert page.console_errors == []


# ---------------------------------------------------------------------------------------------
# 4. Every page right to left, and nothing wider than the screen
# ---------------------------------------------------------------------------------------------

# A text that runs out of its box: scrollWidth beyond clientWidth while nothing clips or scrolls it,
# outside any scrolling container (.table-wrap). Form controls scroll their own text.
OVERFLOWING = """
() => {
  const scrolls = (element) => {
    for (let box = element.parentElement; box; box = box.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(box).overflowX)) return true;
    }
    return false;
  };
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (["INPUT", "SELECT", "TEXTAREA", "OPTION", "svg"].includes(element.tagName) || element.closest("svg")) continue;
    if (!element.checkVisibility({ visibilityProperty: true })) continue;
    if (getComputedStyle(element).overflowX !== "visible") continue;
    if (element.scrollWidth > element.clientWidth + 1 && !scrolls(element)) {
      const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + Array.from(element.classList, (c) => "." + c).join("");
      found.push(`${name} (${element.scrollWidth} > ${element.clientWidth}): ${element.innerText.slice(0, 60)}`);
    }
  }
  const page = document.documentElement;
  return { pageWider: page.scrollWidth > window.innerWidth + 1 ? `${page.scrollWidth} > ${window.innerWidth}` : null,
           found };
}
"""

VIEWPORTS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})

# The HTML pages of tests/test_every_url.py a member of staff reaches; the walk must not lose any.
HTML_PAGES = {
    "agencies:access-log",
    "agencies:account",
    "agencies:two-factor-setup",
    "home",
    "reports:compare",
    "reports:detail",
    "reports:list",
    "returns:border-count-grid",
    "returns:border-count-reconciliation",
    "returns:border-count-record",
    "returns:case-detail",
    "returns:caseload",
    "returns:duplicate-decided",
    "returns:duplicate-pair",
    "returns:duplicate-queue",
    "returns:export-detail",
    "returns:household-detail",
    "returns:household-list",
    "returns:household-register",
    "returns:household-routed",
    "returns:import-detail",
    "returns:import-list",
    "returns:monitoring-interview",
    "returns:monitoring-queue",
    "returns:my-cases",
    "returns:referrals",
}
# Files, JSON, redirects and a fragment another page shows (the recent registrations): no page to lay out.
NOT_HTML = ("-csv", "-xlsx", "download", "export", "progress", "-problems", "register-recent")


def pages_to_walk(world) -> list[tuple[str, str, str]]:
    """(URL name, path, reader) for each GET page of tests/test_every_url.py that renders HTML, read by
    whoever that walk reads it as; "/" once (it is "home" and "returns:home"), and again as a
    coordinator, for whom it is the joint report."""
    walk, paths = [], set()
    for route in _pages():
        page = PAGES[route.name]
        if "GET" not in page.methods or page.ok != 200 or route.name.endswith(NOT_HTML):
            continue
        path = _fill(route, world)
        if path in paths:
            continue
        paths.add(path)
        walk.append((route.name, path, PAGE_READER.get(route.name, MANAGER if MANAGER in page.reached_by else ADMIN)))
    walk.append(("home (joint report)", "/", "coordinator"))
    return walk


@pytest.mark.parametrize("language", ["fa", "ps"])
def test_every_page_reads_right_to_left_and_fits_the_screen(browser, live_server, language):
    # Given the world of tests/test_every_url.py (a case assigned, so that "my cases" lists one), read in
    # Dari or Pashto by the members of staff that walk uses
    world = build_world()
    Case.objects.filter(pk=world.cases["UNHCR"].pk).update(assigned_to=User.objects.get(username=f"matrix.{CW}"))
    walk = pages_to_walk(world)
    assert {name for name, _path, _reader in walk} >= HTML_PAGES
    readers = {}
    problems, console_errors = {}, []
    try:
        for name, path, reader in walk:
            if reader not in readers:
                speaks(User.objects.get(username=f"matrix.{reader}"), language)
                context = browser.new_context(viewport=VIEWPORTS[0], locale="en-GB")
                context.set_default_timeout(10_000)
                readers[reader] = context.new_page()
                readers[reader].on(
                    "console",
                    lambda message: message.type == "error" and console_errors.append(message.text),
                )
                log_in(readers[reader], live_server, f"matrix.{reader}")
            page = readers[reader]
            page.set_viewport_size(VIEWPORTS[0])
            response = page.goto(f"{live_server.url}{path}")
            # When each page is shown on a desktop and on a phone
            assert response.status == 200, (name, path, response.status)
            assert response.headers["content-type"].startswith("text/html"), (name, path)
            page.evaluate("document.fonts.ready.then(() => true)")
            # Then it is in the language, right to left, and nothing runs past the screen or its box
            if html_language(page) != [language, "rtl"]:
                problems[f"{name} {path}"] = html_language(page)
            for viewport in VIEWPORTS:
                page.set_viewport_size(viewport)
                laid_out = page.evaluate(OVERFLOWING)
                if laid_out["pageWider"] or laid_out["found"]:
                    problems[f"{name} {path} at {viewport['width']}px"] = laid_out
    finally:
        for page in readers.values():
            page.context.close()
    assert problems == {}, pformat(problems)
    assert console_errors == []

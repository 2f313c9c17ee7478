"""The charts are SVG the tests can read: one bar per figure, one tile per province, and a
suppressed figure drawn as a gap (a dash), never as a zero bar."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from reports.outputs.charts import PROVINCE_TILES, svg_safe, table_chart
from reports.outputs.labels import report_labels
from tests.reports.outputs.sample import sample_figures, sample_public_figures

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def chart_svgs(figures, code, *, language="en") -> list[ET.Element]:
    table = next(table for table in figures["tables"] if table["code"] == code)
    with translation.override(language):
        html = table_chart(table, labels=report_labels(figures), language=language)
    svgs = re.findall(r"<svg xmlns=.*?</svg>", html, flags=re.S)
    return [ET.fromstring(svg) for svg in svgs]  # noqa: S314 - the SVG the code under test wrote


def bars(svg: ET.Element) -> list[ET.Element]:
    return [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def texts(svg: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in svg.iter(f"{SVG}text")]


def test_every_chart_is_an_accessible_image_with_a_title_and_a_description():
    figures = sample_figures()
    for code in ("by_month", "by_province", "sex_age", "assistance_by_type"):
        for svg in chart_svgs(figures, code):
            assert svg.get("role") == "img"
            assert svg.find(f"{SVG}title").text
            assert svg.find(f"{SVG}desc").text


def test_the_monthly_chart_stacks_a_bar_for_every_figure_that_is_not_zero():
    figures = sample_figures()
    (svg,) = chart_svgs(figures, "by_month")

    table = figures["tables"][3]
    expected = {
        (row["key"][0], column["key"], value)
        for row in table["rows"]
        for column, value in zip(table["columns"], row["cells"], strict=True)
        if value
    }
    drawn = {(bar.get("data-row"), bar.get("data-column"), int(bar.get("data-value"))) for bar in bars(svg)}
    assert drawn == expected
    assert ("2017-03", "registered_refugee/PK", 426) in drawn
    assert texts(svg)[-12:] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def test_a_suppressed_month_figure_is_a_gap_not_a_zero_bar():
    (svg,) = chart_svgs(sample_public_figures(), "by_month")

    march_other_passports = [
        bar for bar in bars(svg) if (bar.get("data-row"), bar.get("data-column")) == ("2017-03", "passport_visa/other")
    ]
    gaps = [text for text in svg.iter(f"{SVG}text") if text.get("class") == "suppressed"]
    assert march_other_passports == []
    assert [(gap.get("data-row"), gap.get("data-column"), gap.text) for gap in gaps] == [
        ("2017-03", "passport_visa/other", "–")
    ]
    assert "0" not in {bar.get("data-value") for bar in bars(svg)}


def test_months_run_right_to_left_in_dari():
    (english,) = chart_svgs(sample_figures(), "by_month")
    (dari,) = chart_svgs(sample_figures(), "by_month", language="fa")

    def january_and_december_x(svg):
        first = next(bar for bar in bars(svg) if bar.get("data-row") == "2017-01")
        last = next(bar for bar in bars(svg) if bar.get("data-row") == "2017-12")
        return float(first.get("x")), float(last.get("x"))

    january, december = january_and_december_x(english)
    assert january < december
    january, december = january_and_december_x(dari)
    assert january > december
    assert dari.get("direction") == "rtl"


def test_no_arabic_script_word_is_drawn_inside_an_svg():
    """WeasyPrint draws SVG text one letter at a time: Dari words go in the HTML around the chart."""
    figures = sample_figures()
    for language in ("fa", "ps"):
        for code in ("by_month", "by_province", "sex_age", "assistance_by_type"):
            for svg in chart_svgs(figures, code, language=language):
                assert all(svg_safe(text) for text in texts(svg)), (language, code)


def test_the_tile_map_has_all_34_provinces_shaded_by_people():
    (svg,) = chart_svgs(sample_figures(), "by_province")

    tiles = {group.get("data-row"): group for group in svg.iter(f"{SVG}g") if "tile" in group.get("class", "")}
    assert set(tiles) == set(PROVINCE_TILES) == {f"AF{number:02d}" for number in range(1, 35)}
    assert tiles["AF06"].get("data-value") == "4470"
    assert tiles["AF02"].get("data-value") == "0"
    assert "Nangarhar" in texts(tiles["AF06"])
    fills = {pcode: tiles[pcode].find(f"{SVG}rect").get("fill") for pcode in ("AF06", "AF30", "AF02")}
    assert fills == {"AF06": "#08519c", "AF30": "#6baed6", "AF02": "#f2f2f2"}  # the most, 45% of it, none
    top = [(bar.get("data-row"), bar.get("data-value")) for bar in bars(svg)]
    assert top == [("AF06", "4470"), ("AF01", "3750"), ("AF30", "2010"), ("AF33", "1170"), ("AF18", "630")]


def test_a_province_whose_total_is_suppressed_is_a_dashed_tile_without_a_value():
    figures = sample_public_figures()
    province = figures["tables"][5]
    nimroz = next(row for row in province["rows"] if row["key"] == ["AF34"])
    nimroz["total"] = None
    (svg,) = chart_svgs(figures, "by_province")

    tile = next(group for group in svg.iter(f"{SVG}g") if group.get("data-row") == "AF34")
    assert tile.get("class") == "tile suppressed"
    assert tile.get("data-value") is None
    assert "–" in texts(tile)
    assert tile.find(f"{SVG}rect").get("stroke-dasharray") == "3 2"


def test_the_pyramid_puts_women_on_the_left_in_english_and_on_the_right_in_dari():
    def sides(language):
        (svg,) = chart_svgs(sample_figures(), "sex_age", language=language)
        centre = float(svg.get("width")) / 2
        women = [float(bar.get("x")) for bar in bars(svg) if bar.get("data-column").endswith("/female")]
        men = [float(bar.get("x")) for bar in bars(svg) if bar.get("data-column").endswith("/male")]
        assert len(women) == len(men) == 25
        return max(women) < centre, min(men) >= centre

    assert sides("en") == (True, True)
    assert sides("fa") == (False, False)


def test_assistance_bars_show_people_and_value_and_a_suppressed_value_as_a_gap():
    people, value = chart_svgs(sample_public_figures(), "assistance_by_type")

    assert [(bar.get("data-row"), bar.get("data-value")) for bar in bars(people)] == [
        ("UNHCR:cash_grant", "5430"),
        ("IOM:cash_for_protection", "8200"),
        ("IOM:nfi_kit", "12100"),
        ("IOM:transport_cash", "17250"),
    ]
    assert [(bar.get("data-row"), bar.get("data-value")) for bar in bars(value)] == [
        ("UNHCR:cash_grant", "2036250.00"),
        ("IOM:nfi_kit", "363000.00"),
        ("IOM:transport_cash", "172500.00"),
    ]
    gap = next(text for text in value.iter(f"{SVG}text") if text.get("class") == "suppressed")
    assert (gap.get("data-row"), gap.text) == ("IOM:cash_for_protection", "–")
    assert "USD 2,036,250.00" in texts(value)


def test_a_negative_month_figure_is_not_drawn_below_zero():
    """Undocumented returns are counted minus registered: a month with a count missing comes out negative."""
    figures = sample_figures()
    by_month = figures["tables"][3]
    undocumented_pk = 12
    by_month["rows"][0]["cells"][undocumented_pk] = -40
    (svg,) = chart_svgs(figures, "by_month")

    january = [bar for bar in bars(svg) if bar.get("data-row") == "2017-01"]
    assert "undocumented/PK" not in {bar.get("data-column") for bar in january}
    assert all(float(bar.get("height")) >= 0 for bar in bars(svg))


def test_the_counting_codes_chart_name_for_the_province_map_draws_the_tiles():
    figures = sample_figures()
    figures["tables"][5]["chart"] = "province_map"
    figures["tables"][5]["extra"]["top"] = [{"province": "AF06", "people": 4470, "share": "35.9"}]
    (svg,) = chart_svgs(figures, "by_province")

    assert [(bar.get("data-row"), bar.get("data-value")) for bar in bars(svg)] == [("AF06", "4470")]

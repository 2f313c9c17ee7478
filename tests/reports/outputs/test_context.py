"""The report body's context and template: highlights, labelled and formatted tables, footnotes
for suppressed cells, charts, and the sources and definitions."""

import pytest
from django.template.loader import render_to_string

from agencies.models import Province
from reports.outputs import report_context
from tests.reports.outputs.sample import sample_figures, sample_public_figures

pytestmark = pytest.mark.django_db


def layout(context, code):
    return next(table for table in context["tables"] if table.code == code)


def test_the_highlights_are_sentences_with_the_numbers_written_for_the_language():
    english = report_context(sample_figures(), language="en")
    dari = report_context(sample_figures(), language="fa")

    assert english["highlights"] == [
        "248,600 people returned to Afghanistan in 2017.",
        "The same days a year earlier saw 633,600 returns: a change of -60.8%.",
        "5,442 registered refugees returned through voluntary repatriation (VolRep).",
        "240,350 undocumented returnees were counted at the border.",
        "Children (under 18) were 52.1% of those returning.",
        "The five provinces receiving most returnees received 68.0% of them.",
    ]
    assert "۲۴۸٬۶۰۰" in dari["highlights"][0]
    assert english["direction"] == "ltr"
    assert dari["direction"] == "rtl"
    assert english["title"] == "Returns to Afghanistan: joint UNHCR–IOM report, 2017"


def test_a_suppressed_highlight_is_left_out_rather_than_shown_empty():
    figures = sample_public_figures()
    figures["highlights"]["undocumented"] = None

    context = report_context(figures, language="en")

    assert len(context["highlights"]) == 5
    assert not any("undocumented" in sentence for sentence in context["highlights"])


def test_a_table_has_its_title_source_definition_headers_labels_and_formatted_cells():
    context = report_context(sample_figures(), language="en")
    headline = layout(context, "headline")

    assert (headline.number, headline.title, headline.source) == (
        1,
        "Returns by status and country of departure",
        "UNHCR (registrations); DoRR/IOM (border counts)",
    )
    assert [header["label"] for header in headline.header_rows[0]] == [
        "Status",
        "Pakistan",
        "Iran",
        "Other countries",
        "Total",
    ]
    first = headline.rows[0]
    assert first["labels"][0]["text"] == "Registered refugee returning through VolRep (VRF)"
    assert [cell.text for cell in first["cells"]] == ["5,120", "310", "12"]
    assert first["total"].text == "5,442"
    assert headline.total["total"].text == "248,600"


def test_two_level_headers_span_their_columns():
    by_month = layout(report_context(sample_figures(), language="en"), "by_month")

    top, second = by_month.header_rows
    assert [(header["label"], header["colspan"]) for header in top[1:3]] == [
        ("Registered refugee returning through VolRep (VRF)", 3),
        ("Refugee-card holder returning outside VolRep", 3),
    ]
    assert [header["label"] for header in second[:3]] == ["Pakistan", "Iran", "Other countries"]
    assert by_month.rows[2]["labels"][0]["text"] == "March 2017"


def test_measures_are_written_as_money_percentages_numbers_and_words():
    context = report_context(sample_figures(), language="en")

    grants = layout(context, "volrep_assistance").rows[0]
    assert [cell.text for cell in grants["cells"]] == ["5,430", "1,012", "USD 2,036,250.00", "USD 375.00"]
    change = layout(context, "headline_change").rows[-1]
    assert change["labels"][0]["text"] == "All returns"
    assert [cell.text for cell in change["cells"]] == ["248,600", "633,600", "-385,000", "-60.8%"]
    reconciliation = layout(context, "reconciliation")
    assert [label["text"] for label in reconciliation.rows[1]["labels"]] == ["", "February 2017"]
    assert reconciliation.rows[1]["cells"][3].text == "Registrations without a count (a count missing or late)"


def test_a_suppressed_cell_is_a_dash_marked_with_its_footnote():
    context = report_context(sample_public_figures(), language="en")
    province = layout(context, "by_province")

    nimroz = next(row for row in province.rows if row["key"] == ["AF34"])
    assert [(cell.text, cell.note) for cell in nimroz["cells"]] == [
        ("12", ""),
        ("4", ""),
        ("–", "*"),
        ("–", "*"),
        ("30", ""),
    ]
    khost = next(row for row in province.rows if row["key"] == ["AF26"])
    assert (khost["cells"][2].text, khost["cells"][2].note) == ("–", "†")
    assert province.footnotes == [
        {"mark": "*", "text": "Fewer than 5, suppressed."},
        {
            "mark": "†",
            "text": "Suppressed so that another suppressed value cannot be worked out from the totals.",
        },
    ]
    vulnerability = layout(context, "iom_vulnerability")
    assert vulnerability.footnotes[0]["text"] == "Fewer than 5, suppressed. Fewer than 10 for a sensitive code."


def test_a_missing_figure_that_was_not_suppressed_is_blank_without_a_footnote():
    cumulative = layout(report_context(sample_public_figures(), language="en"), "cumulative")

    year_2002 = cumulative.rows[0]
    assert [(cell.text, cell.note) for cell in year_2002["cells"]] == [("1,958,958", ""), ("", ""), ("1,958,958", "")]
    assert cumulative.footnotes == [
        {"mark": "", "text": "Published figures, 2002: UNHCR Global Report 2002"},
        {"mark": "", "text": "Published figures, 2016: UNHCR VolRep update, December 2016"},
        {"mark": "", "text": "Approximate: 2002."},
    ]


def test_the_sources_and_definitions_say_the_period_reference_date_cut_off_and_edition():
    sources = report_context(sample_public_figures(), language="en")["sources"]

    # Named in both calendars, the reader's first.
    assert sources["period"] == "1 January 2017 – 31 December 2017 (12 Jadi 1395 – 10 Jadi 1396)"
    assert sources["previous_period"] == "1 January 2016 – 31 December 2016 (11 Jadi 1394 – 11 Jadi 1395)"
    assert sources["reference_date"] == "Arrival: everyone counts in the period they arrived."
    assert sources["cut_off"] == "1 February 2018, 00:00 UTC"
    assert sources["edition"].startswith("Public edition: small numbers suppressed")
    assert len(sources["tables"]) == 15
    assert sources["tables"][14]["definition"] == "Counted minus registered at each crossing and month."


def test_the_body_renders_right_to_left_in_dari_with_the_charts_inline():
    Province.objects.filter(pcode="AF06").update(name_fa="ننگرهار")
    context = report_context(sample_public_figures(), language="fa")

    html = render_to_string("reports/outputs/report_body.html", context)

    assert '<article class="report report--public" lang="fa" dir="rtl">' in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 5
    assert html.count('<section class="report-table"') == 15
    assert "ننگرهار" in html
    assert '<td class="num suppressed">–<sup class="mark">*</sup></td>' in html
    assert set(context["charts"]) == {"by_month", "by_province", "sex_age", "assistance_by_type"}


def test_a_table_of_row_groups_without_a_total_shows_its_groups_and_no_total_row():
    figures = sample_figures()
    monitoring = next(table for table in figures["tables"] if table["code"] == "monitoring")
    del monitoring["total"]

    context = report_context(figures, language="en")
    html = render_to_string("reports/outputs/report_body.html", context)

    table = layout(context, "monitoring")
    assert table.total is None
    assert [row["css"] for row in table.rows] == ["", "", "group-end", "", "", "group-end"]
    assert [label["text"] for label in table.rows[1]["labels"]] == ["", "Rented"]
    assert [label["text"] for label in table.rows[3]["labels"]] == ["Intends to stay", "Intends to stay"]
    assert html.count("<tfoot>") == 14


def test_a_report_of_nothing_renders_without_dividing_by_zero():
    figures = sample_figures()
    for table in figures["tables"]:
        for row in table["rows"]:
            row["cells"] = [0 if isinstance(value, int) else value for value in row["cells"]]
            row["total"] = 0
        table["extra"] = {}

    context = report_context(figures, language="en")

    assert len(context["charts"]) == 4
    assert 'data-value="0"' in context["charts"]["by_province"]


def test_the_public_edition_states_its_rounding_and_its_whole_percentages():
    context = report_context(sample_public_figures(), language="en")

    assert context["highlights"][1] == "The same days a year earlier saw 633,600 returns: a change of -61%."
    assert context["highlights_note"].startswith("Headline numbers are rounded: below 1,000 to the nearest 10")
    assert context["sources"]["rounding"] == context["highlights_note"]
    assert report_context(sample_figures(), language="en")["highlights_note"] == ""

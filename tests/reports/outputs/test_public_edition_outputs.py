"""The outputs of a public edition made by ``reports.disclosure.public_edition`` (not by hand): every
suppressed entry is a dash in every output, and no published count is below the threshold."""

import csv
import io
import zipfile

import openpyxl
import pytest

from reports.disclosure import public_edition
from reports.outputs import report_context, report_csv_zip, report_xlsx
from tests.reports.outputs.sample import sample_figures

pytestmark = pytest.mark.django_db
THRESHOLDS = {"*": {"threshold": 5, "sensitive_threshold": 10}}


def test_every_entry_the_public_edition_hides_is_a_dash_in_the_page_the_workbook_and_the_csv():
    figures = public_edition(sample_figures(), thresholds=THRESHOLDS)
    hidden = {
        (table["code"], row, column)
        for table in figures["tables"]
        for row, column, _reason in table.get("suppressed", ())
    }
    assert ("by_province", 33, 3) in hidden  # Nimroz's 2 passport or visa holders

    checked = 0
    context = report_context(figures, language="en")
    workbook = openpyxl.load_workbook(io.BytesIO(report_xlsx(figures, language="en")))
    archive = zipfile.ZipFile(io.BytesIO(report_csv_zip(figures, language="en")))
    for layout in context["tables"]:
        table = figures["tables"][layout.number - 1]
        keys = len(layout.key_headers)
        sheet = list(workbook[f"{layout.number}-{layout.code}"].iter_rows(min_row=4, values_only=True))
        rows = list(csv.reader(io.StringIO(archive.read(f"{layout.number}-{layout.code}.csv").decode("utf-8-sig"))))
        body = len(layout.header_rows)
        for index, row in enumerate(layout.rows):
            cells = row["cells"] + ([row["total"]] if row["total"] else [])
            for column, cell in enumerate(cells):
                position = (table["code"], index, "total" if column == len(row["cells"]) else column)
                value_in_sheet = sheet[body + index][keys + column]
                value_in_csv = rows[1 + index][2 * keys + column]
                if position in hidden:
                    assert (cell.text, value_in_sheet, value_in_csv) == ("–", "–", "–"), position
                    checked += 1
                elif isinstance(cell.value, int) and table.get("threshold_class") != "none" and cell.unit != "text":
                    assert cell.value == 0 or cell.value >= 5 or table["shape"] == "measures", position
    assert checked == len({entry for entry in hidden if entry[1] != "total"}) > 10

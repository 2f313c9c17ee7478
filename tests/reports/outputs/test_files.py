"""The XLSX workbook, the CSV zip and the JSON file, read back."""

import csv
import io
import json
import zipfile

import openpyxl
import pytest

from reports.outputs import report_csv_zip, report_json, report_xlsx
from tests.reports.outputs.sample import sample_figures, sample_public_figures

pytestmark = pytest.mark.django_db

TABLE_CODES = [
    "headline",
    "headline_change",
    "cumulative",
    "by_month",
    "by_crossing",
    "by_province",
    "sex_age",
    "volrep_centres",
    "volrep_assistance",
    "iom_crossing",
    "iom_vulnerability",
    "assistance_by_type",
    "referrals",
    "monitoring",
    "reconciliation",
]


def test_the_workbook_has_an_about_sheet_a_sheet_per_table_and_the_definitions():
    workbook = openpyxl.load_workbook(io.BytesIO(report_xlsx(sample_figures(), language="en")))

    assert workbook.sheetnames == [
        "About",
        *(f"{number}-{code}" for number, code in enumerate(TABLE_CODES, start=1)),
        "Definitions",
    ]
    about = workbook["About"]
    assert about["A1"].value == "Returns to Afghanistan: joint UNHCR–IOM report, 2017"
    assert (about["A6"].value, about["B6"].value) == ("Data cut-off", "1 February 2018, 00:00 UTC")
    definitions = workbook["Definitions"]
    assert [cell.value for cell in definitions[1]] == ["Table", "Source", "Definition"]
    assert definitions["A2"].value == "1. Returns by status and country of departure"


def test_a_table_sheet_has_its_title_source_headers_numbers_and_total():
    sheet = openpyxl.load_workbook(io.BytesIO(report_xlsx(sample_figures(), language="en")))["1-headline"]

    assert sheet["A1"].value == "1. Returns by status and country of departure"
    assert sheet["A2"].value == "Source: UNHCR (registrations); DoRR/IOM (border counts)"
    assert [cell.value for cell in sheet[4]] == ["Status", "Pakistan", "Iran", "Other countries", "Total"]
    refugees = "Registered refugee returning through VolRep (VRF)"
    assert [cell.value for cell in sheet[5]] == [refugees, 5120, 310, 12, 5442]
    assert [cell.value for cell in sheet[10]] == ["Total", 105400, 142815, 385, 248600]
    assert sheet["B5"].number_format == "#,##0"


def test_money_is_a_number_with_its_currency_as_a_format():
    sheet = openpyxl.load_workbook(io.BytesIO(report_xlsx(sample_figures(), language="en")))["9-volrep_assistance"]

    assert sheet["A5"].value == "Repatriation grants paid"
    assert sheet["D5"].value == 2036250
    assert sheet["D5"].number_format == '#,##0.00 "USD"'


def test_a_suppressed_cell_is_a_dash_with_a_note_and_a_dari_workbook_reads_right_to_left():
    english = openpyxl.load_workbook(io.BytesIO(report_xlsx(sample_public_figures(), language="en")))
    dari = openpyxl.load_workbook(io.BytesIO(report_xlsx(sample_public_figures(), language="fa")))

    sheet = english["6-by_province"]
    nimroz = next(row for row in sheet.iter_rows(min_row=5) if row[0].value == "Nimroz")
    assert [cell.value for cell in nimroz] == ["Nimroz", 12, 4, "–", "–", 30, 51]
    assert nimroz[3].comment.text.startswith("Fewer than 5, suppressed.")
    assert english["6-by_province"].sheet_view.rightToLeft in (None, False)
    assert all(dari[name].sheet_view.rightToLeft for name in dari.sheetnames)


def read_csv(archive, name):
    raw = archive.read(name)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_csv_zip_has_a_file_per_table_definitions_and_a_readme():
    archive = zipfile.ZipFile(io.BytesIO(report_csv_zip(sample_public_figures(), language="en")))

    assert archive.namelist() == [
        *(f"{number}-{code}.csv" for number, code in enumerate(TABLE_CODES, start=1)),
        "definitions.csv",
        "README.txt",
    ]
    headline = read_csv(archive, "1-headline.csv")
    assert headline[0] == ["Status", "status", "Pakistan", "Iran", "Other countries", "Total"]
    assert headline[1] == [
        "Registered refugee returning through VolRep (VRF)",
        "registered_refugee",
        "5120",
        "310",
        "12",
        "5442",
    ]
    assert headline[-1] == ["Total", "total", "105400", "142815", "385", "248600"]
    province = read_csv(archive, "6-by_province.csv")
    assert ["Nimroz", "AF34", "12", "4", "–", "–", "30", "51"] in province
    reconciliation = read_csv(archive, "15-reconciliation.csv")
    assert reconciliation[2] == [
        "Torkham border crossing",
        "February 2017",
        "TKM",
        "2017-02",
        "0",
        "40",
        "-40",
        "Registrations without a count (a count missing or late)",
    ]
    definitions = read_csv(archive, "definitions.csv")
    assert definitions[0] == ["Number", "Code", "Table", "Source", "Definition"]
    assert definitions[1][:3] == ["1", "headline", "Returns by status and country of departure"]
    readme = archive.read("README.txt").decode("utf-8")
    assert "Data cut-off: 1 February 2018, 00:00 UTC" in readme
    assert "Edition: Public edition" in readme


def test_the_json_is_the_figures_with_sorted_keys_and_dari_unescaped():
    figures = sample_figures()
    figures["tables"][0]["title"] = "عودت‌ها"

    raw = report_json(figures)

    assert json.loads(raw) == figures
    assert raw.startswith(b'{\n "cut_off": "2018-02-01T00:00:00+00:00",\n "edition": "internal",')
    assert "عودت‌ها".encode() in raw

"""Reading an officer's spreadsheet (``returns.imports.reading``): whatever Excel, LibreOffice or Kobo
wrote (encoding, separator, XLSX), the same rows come out, numbered as the officer sees them; a file
that cannot be read is refused whole, with a code and a sentence that says how to fix it.
No database: these are pure functions.
"""

import datetime
import io

import openpyxl
import pytest

from agencies.calendars import date_read
from returns.imports.reading import FileRefused, Sheet, formula_like, sheet_read

COLUMNS = ["household", "given_name", "family_name", "arrival_date", "address", "phone"]
REQUIRED = ["household", "given_name", "arrival_date"]
MEGABYTE = 1024 * 1024
ZWNJ = "\u200c"
NBSP = "\u00a0"


def read(content: bytes, *, filename: str = "households.csv", max_rows: int = 100, max_bytes: int = MEGABYTE):
    return sheet_read(
        content, filename=filename, columns=COLUMNS, required=REQUIRED, max_rows=max_rows, max_bytes=max_bytes
    )


def refused(content: bytes, **options) -> FileRefused:
    with pytest.raises(FileRefused) as refusal:
        read(content, **options)
    return refusal.value


def xlsx(*rows, second_sheet_rows=()) -> bytes:
    workbook = openpyxl.Workbook()
    for cells in rows:
        workbook.active.append(cells)
    second = workbook.create_sheet("Other")
    for cells in second_sheet_rows:
        second.append(cells)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


NAVID = {"household": "1", "given_name": "Navid", "arrival_date": "2025-03-21"}
NAVID_SHEET = Sheet(columns=["household", "given_name", "arrival_date"], extra_columns=[], rows=[(2, NAVID)])


# --- Encodings and separators ------------------------------------------------------------------


def test_utf8_without_bom():
    assert read(b"household,given_name,arrival_date\n1,Navid,2025-03-21\n") == NAVID_SHEET


def test_utf8_with_bom_does_not_stick_to_the_first_header():
    assert read(b"\xef\xbb\xbfhousehold,given_name,arrival_date\r\n1,Navid,2025-03-21\r\n") == NAVID_SHEET


def test_utf16_little_endian_tab_separated_as_excel_unicode_text():
    text = "household\tgiven_name\tarrival_date\r\n1\tنوید\t1404/01/01\r\n"
    content = b"\xff\xfe" + text.encode("utf-16-le")

    sheet = read(content, filename="households.txt")

    assert sheet.rows == [(2, {"household": "1", "given_name": "نوید", "arrival_date": "1404/01/01"})]


def test_utf16_big_endian():
    content = b"\xfe\xff" + "household\tgiven_name\tarrival_date\r\n1\tNavid\t2025-03-21\r\n".encode("utf-16-be")

    assert read(content) == NAVID_SHEET


def test_semicolon_separated_as_excel_writes_where_the_comma_is_a_decimal_mark():
    assert read(b"household;given_name;arrival_date\n1;Navid;2025-03-21\n") == NAVID_SHEET


def test_quoted_field_with_a_comma_and_a_newline_is_one_cell_and_row_numbers_count_records():
    content = (
        b"household,given_name,arrival_date,address\n"
        b'1,Navid,2025-03-21,"Street 4, House 7\nJalalabad"\n'
        b"2,Zalmai,2025-03-22,Kabul\n"
    )

    sheet = read(content)

    assert sheet.rows == [
        (2, {**NAVID, "address": "Street 4, House 7\nJalalabad"}),
        (3, {"household": "2", "given_name": "Zalmai", "arrival_date": "2025-03-22", "address": "Kabul"}),
    ]


def test_undecodable_bytes_are_refused_with_the_way_to_save_as_utf8():
    content = b"given_name\n\xff\xfe\xfa"
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    refusal = refused(content)

    assert refusal.code == "encoding"
    assert refusal.message == (
        "The file's letters could not be read. In Excel, save it as “CSV UTF-8 (Comma delimited)” and upload it again."
    )


def test_a_dari_sheet_saved_in_the_old_windows_arabic_code_page_is_refused_for_its_encoding():
    content = "household,given_name,arrival_date\n1,احمد,2025-03-21\n".encode("cp1256")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    assert refused(content).code == "encoding"


# --- Cells -------------------------------------------------------------------------------------


def test_dari_and_pashto_text_is_kept_with_its_zero_width_non_joiner():
    content = (
        "household,given_name,family_name,arrival_date\n1,ذبیح\u200cالله,ځدراڼ,2025-03-21\n2,نوید,ښکلی,2025-03-21\n"
    )

    sheet = read(content.encode())

    assert sheet.rows[0][1]["given_name"] == "ذبیح" + ZWNJ + "الله"
    assert sheet.rows[0][1]["family_name"] == "ځدراڼ"
    assert sheet.rows[1][1] == {
        "household": "2",
        "given_name": "نوید",
        "family_name": "ښکلی",
        "arrival_date": "2025-03-21",
    }


def test_persian_and_arabic_indic_digits_become_ascii_digits():
    content = "household,given_name,arrival_date,phone\n۱,Navid,۱۴۰۴/۰۱/۰۱,٠٧٠٠١٢٣٤٥٦\n"

    sheet = read(content.encode())

    assert sheet.rows == [
        (2, {"household": "1", "given_name": "Navid", "arrival_date": "1404/01/01", "phone": "0700123456"})
    ]


def test_cells_are_stripped_of_spaces_and_no_break_spaces():
    content = f"household,given_name,arrival_date\n 1 ,{NBSP}Navid{NBSP} ,\t2025-03-21\n"

    assert read(content.encode()) == NAVID_SHEET


def test_empty_rows_are_skipped_and_row_numbers_stay_those_of_the_spreadsheet():
    content = f"household,given_name,arrival_date\n\n,,\n1,Navid,2025-03-21\n {NBSP},,\n2,Zalmai,2025-03-22\n"

    sheet = read(content.encode())

    assert sheet.rows == [
        (4, NAVID),
        (6, {"household": "2", "given_name": "Zalmai", "arrival_date": "2025-03-22"}),
    ]


def test_a_short_row_holds_only_its_written_cells_and_cells_beyond_the_header_are_ignored():
    sheet = read(b"household,given_name,arrival_date,phone\n1,Navid,,\n2,Zalmai,2025-03-22,0700,surplus\n3,Gul\n")

    assert sheet.rows == [
        (2, {"household": "1", "given_name": "Navid"}),
        (3, {"household": "2", "given_name": "Zalmai", "arrival_date": "2025-03-22", "phone": "0700"}),
        (4, {"household": "3", "given_name": "Gul"}),
    ]


def test_formulas_are_returned_as_written_for_the_caller_to_report():
    sheet = read(b'household,given_name,arrival_date\n1,=HYPERLINK("x"),2025-03-21\n')

    assert sheet.rows[0][1]["given_name"] == '=HYPERLINK("x")'


# --- Headers -----------------------------------------------------------------------------------


def test_headers_are_matched_whatever_their_case_spaces_and_hyphens():
    sheet = read(b" Household ,Given Name,ARRIVAL-DATE\n1,Navid,2025-03-21\n")

    assert sheet == NAVID_SHEET


def test_extra_columns_are_reported_as_written_and_left_out_of_the_rows():
    sheet = read(b"household,Notes,given_name,arrival_date,,\n1,call back,Navid,2025-03-21,,\n")

    assert sheet == Sheet(
        columns=["household", "given_name", "arrival_date"], extra_columns=["Notes"], rows=[(2, NAVID)]
    )


def test_kobo_group_prefixes_are_dropped_from_headers():
    sheet = read(b"household,group_members/given_name,group_a/group_b/arrival_date\n1,Navid,2025-03-21\n")

    assert sheet == NAVID_SHEET


def test_columns_keep_the_file_order():
    sheet = read(b"arrival_date,phone,given_name,household\n2025-03-21,0700,Navid,1\n")

    assert sheet.columns == ["arrival_date", "phone", "given_name", "household"]


def test_missing_required_columns_are_all_named_in_the_order_of_the_template():
    refusal = refused(b"phone,given_name\n0700,Navid\n")

    assert refusal.code == "missing_columns"
    assert refusal.message == (
        "These columns are missing from the first row: household, arrival_date. Add them, as in the template."
    )


def test_the_same_column_twice_is_refused():
    refusal = refused(b"household,given_name,Given Name,arrival_date\n1,Navid,Navid,2025-03-21\n")

    assert refusal.code == "duplicate_column"
    assert refusal.message == "The column “given_name” appears twice. Keep one of them and delete the other."


def test_a_header_only_file_has_no_rows():
    assert read(b"household,given_name,arrival_date\n") == Sheet(
        columns=["household", "given_name", "arrival_date"], extra_columns=[], rows=[]
    )


# --- Refused files -----------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n", b" , ,\r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(content):
    refusal = refused(content)

    assert refusal.code == "empty"
    assert refusal.message == "The file is empty. Its first row should hold the column names."


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    content = b"household,given_name,arrival_date\n" + b"1,Navid,2025-03-21\n" * 60_000
    assert len(content) > MEGABYTE

    refusal = refused(content, max_bytes=MEGABYTE)

    assert refusal.code == "too_large"
    assert refusal.message == "The file is larger than 1 MB. Split it into smaller files and upload each one."


def test_a_file_at_the_size_limit_is_read():
    content = b"household,given_name,arrival_date\n1,Navid,2025-03-21\n"

    assert read(content, max_bytes=len(content)) == NAVID_SHEET


def test_more_rows_than_the_limit_are_refused():
    content = b"household,given_name,arrival_date\n" + b"1,Navid,2025-03-21\n" * 3

    refusal = refused(content, max_rows=2)

    assert refusal.code == "too_many_rows"
    assert refusal.message == "The file has more than 2 rows. Split it into files of at most 2 rows each."


def test_empty_rows_do_not_count_towards_the_row_limit():
    content = b"household,given_name,arrival_date\n1,Navid,2025-03-21\n,,\n\n2,Zalmai,2025-03-22\n"

    assert [number for number, _cells in read(content, max_rows=2).rows] == [2, 5]


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_dates_integral_floats_and_empty_rows():
    content = xlsx(
        ["household", "given_name", "arrival_date", "phone", "Notes"],
        [1, "Navid", datetime.date(2025, 3, 21), 12.0, None],
        [None, None, None, None, None],
        [2.0, " ذبیح\u200cالله ", datetime.datetime(2025, 3, 22, 10, 30), 12.5, "second"],
        second_sheet_rows=[["household"], ["ignored"]],
    )

    sheet = read(content, filename="households.xlsx")

    assert sheet == Sheet(
        columns=["household", "given_name", "arrival_date", "phone"],
        extra_columns=["Notes"],
        rows=[
            (2, {"household": "1", "given_name": "Navid", "arrival_date": "2025-03-21", "phone": "12"}),
            (
                4,
                {"household": "2", "given_name": "ذبیح" + ZWNJ + "الله", "arrival_date": "2025-03-22", "phone": "12.5"},
            ),
        ],
    )


def test_xlsx_is_recognised_by_its_content_whatever_the_file_name():
    content = xlsx(["household", "given_name", "arrival_date"], ["1", "Navid", "2025-03-21"])

    assert read(content, filename="households.csv") == NAVID_SHEET


def test_xlsx_with_missing_columns_is_refused_like_a_csv():
    assert refused(xlsx(["household"], ["1"]), filename="households.xlsx").code == "missing_columns"


def test_an_empty_xlsx_is_refused_as_empty():
    assert refused(xlsx(), filename="households.xlsx").code == "empty"


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"household,given_name,arrival_date\n1,Navid,2025-03-21\n", "households.xlsx"),
        (b"household,given_name,arrival_date\n", "HOUSEHOLDS.XLSX"),
        (b"PK\x03\x04 this is not a workbook", "households.xlsx"),
        (b"PK\x03\x04 this is not a workbook", "households.csv"),
    ],
)
def test_an_xlsx_that_is_not_a_workbook_is_refused_as_unreadable(content, filename):
    refusal = refused(content, filename=filename)

    assert refusal.code == "unreadable"
    assert refusal.message == (
        "This file could not be read as a spreadsheet. Open it in Excel and save it again as an Excel workbook "
        "(.xlsx) or as “CSV UTF-8 (Comma delimited)”."
    )


# --- Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2025-03-21", datetime.date(2025, 3, 21)),
        ("2025/03/21", datetime.date(2025, 3, 21)),
        ("2025-3-1", datetime.date(2025, 3, 1)),
        ("21/03/2025", datetime.date(2025, 3, 21)),
        ("21-03-2025", datetime.date(2025, 3, 21)),
        ("21.03.2025", datetime.date(2025, 3, 21)),
        ("1/3/2025", datetime.date(2025, 3, 1)),
        ("2025-03-21T10:15:00", datetime.date(2025, 3, 21)),
        ("2025-03-21 10:15:00", datetime.date(2025, 3, 21)),
        ("2025-03-21T10:15:00.000+04:30", datetime.date(2025, 3, 21)),
        (" 2025-03-21 ", datetime.date(2025, 3, 21)),
        ("2024-02-29", datetime.date(2024, 2, 29)),
        ("1900-01-01", datetime.date(1900, 1, 1)),
        ("2100-12-31", datetime.date(2100, 12, 31)),
        # Solar Hijri, the Afghan calendar: 1 Hamal 1404 is Nowruz 2025.
        ("1404/01/01", datetime.date(2025, 3, 21)),
        ("1404-01-01", datetime.date(2025, 3, 21)),
        ("01/01/1404", datetime.date(2025, 3, 21)),
        ("۱۴۰۴/۰۱/۰۱", datetime.date(2025, 3, 21)),
        ("١٤٠٤/٠١/٠١", datetime.date(2025, 3, 21)),
        ("1403-12-30", datetime.date(2025, 3, 20)),  # 1403 is a leap year
        ("1300/01/01", datetime.date(1921, 3, 21)),
    ],
)
def test_date_read(text, date):
    assert date_read(text) == date


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2025-02-30",
        "2025-13-01",
        "2025-00-10",
        "2023-02-29",
        "1404/13/01",
        "1404/12/30",  # 1404 is not a leap year
        "1404/00/01",
        "32/01/2025",
        "03/21/2025",  # day first: there is no 21st month
        "21/03/25",  # a two-digit year could be either calendar
        "2025-03/21",
        "1899-12-31",
        "2101-01-01",
        "1299/12/29",
        "1500/01/01",
        "20250321",
        "2025-03-21 noon",
    ],
)
def test_date_read_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError) as refusal:
        date_read(text)

    assert str(refusal.value) == "Write the date as 2025-03-21 (or 1404/01/01 in the Solar Hijri calendar)."


# --- Formulas ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1:A2)",
        "@SUM(A1)",
        "+SUM(A1)",
        "-cmd|' /C calc'!A0",
        "\tvalue",
        "\rvalue",
        "+ SUM(A1)",
        "--5",
        "＝SUM(A1)",
        "＠SUM(A1)",
        "＋SUM(A1)",
        "－cmd",
    ],
)
def test_formula_like(text):
    assert formula_like(text) is True


@pytest.mark.parametrize(
    "text",
    ["", "Navid", "نوید", "+93 700 123 456", "+93700123456", "-5", "- 5", "+ 5", "＋93 700", "－5", "+۹۳", "-", "a=b"],
)
def test_not_formula_like(text):
    assert formula_like(text) is False

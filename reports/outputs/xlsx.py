"""The report as an XLSX workbook: an "About" sheet, one sheet per table, and the definitions.

Numbers are written as numbers (money with its currency as a number format, percentages as the
figure with a % format) so that the agencies' analysts can sum and chart them; a suppressed cell
is "–" with a note saying why, never a zero or a blank that a formula would read as zero.
"""

import io
from decimal import Decimal

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from .context import SUPPRESSED_MARK, Cell, TableLayout, build_context

KEY_WIDTH = 30
VALUE_WIDTH = 15


def sheet_name(layout: TableLayout) -> str:
    """ "4-by_month": the table's number and code, within Excel's 31 characters."""
    return f"{layout.number}-{layout.code}"[:31]


def suppression_note(layout: TableLayout, cell: Cell) -> str:
    marks = {note["mark"]: note["text"] for note in layout.footnotes}
    return marks.get(cell.note, _("Suppressed."))


def report_xlsx(figures: dict, *, language: str) -> bytes:
    """The report in ``language`` as an XLSX workbook (right to left in Dari and Pashto)."""
    context = build_context(figures, language=language, with_charts=False)
    output = io.BytesIO()
    # in_memory: a server with a read-only or shared /tmp still writes it; the tables are aggregates
    # (hundreds of rows at most), so the whole workbook in memory is small.
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    rtl = context["direction"] == "rtl"
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 13}),
        "muted": workbook.add_format({"font_color": "#555555", "italic": True}),
        "header": workbook.add_format(
            {"bold": True, "bg_color": "#f3f5f8", "bottom": 2, "align": "center", "valign": "top", "text_wrap": True}
        ),
        "key": workbook.add_format({}),
        "key_total": workbook.add_format({"bold": True, "top": 2}),
        "people": workbook.add_format({"num_format": "#,##0"}),
        "people_total": workbook.add_format({"num_format": "#,##0", "bold": True, "top": 2}),
        "percent": workbook.add_format({"num_format": '0.0"%"'}),
        "percent_total": workbook.add_format({"num_format": '0.0"%"', "bold": True, "top": 2}),
        "text": workbook.add_format({}),
        "text_total": workbook.add_format({"bold": True, "top": 2}),
        "suppressed": workbook.add_format({"align": "center", "font_color": "#555555"}),
        "suppressed_total": workbook.add_format({"align": "center", "font_color": "#555555", "bold": True, "top": 2}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "bold": workbook.add_format({"bold": True}),
    }
    money_formats = {}

    def money_format(currency: str, total: bool):
        if (currency, total) not in money_formats:
            style = {"num_format": f'#,##0.00 "{currency}"'}
            if total:
                style.update({"bold": True, "top": 2})
            money_formats[(currency, total)] = workbook.add_format(style)
        return money_formats[(currency, total)]

    with translation.override(language):
        about = workbook.add_worksheet(_("About")[:31])
        if rtl:
            about.right_to_left()
        about.set_column(0, 0, 24)
        about.set_column(1, 1, 90)
        about.write(0, 0, context["title"], formats["title"])
        sources = context["sources"]
        for row, (label, value) in enumerate(
            [
                (_("Period"), sources["period"]),
                (_("Compared with"), sources["previous_period"]),
                (_("Edition"), sources["edition"]),
                (_("Data cut-off"), sources["cut_off"]),
                (_("Reference date"), sources["reference_date"]),
                *([(_("Rounding"), sources["rounding"])] if sources["rounding"] else []),
                (
                    _("Suppression and rounding"),
                    _(
                        "In the public edition a count below the table's threshold is shown as – (suppressed), "
                        "and so is any count that would let it be worked out from the totals; the highlights "
                        "are rounded."
                    ),
                ),
            ],
            start=2,
        ):
            about.write(row, 0, label, formats["bold"])
            about.write(row, 1, value, formats["wrap"])

        for layout in context["tables"]:
            sheet = workbook.add_worksheet(sheet_name(layout))
            if rtl:
                sheet.right_to_left()
            write_table_sheet(sheet, layout, formats=formats, money_format=money_format)

        definitions = workbook.add_worksheet(_("Definitions")[:31])
        if rtl:
            definitions.right_to_left()
        definitions.set_column(0, 0, 45)
        definitions.set_column(1, 1, 40)
        definitions.set_column(2, 2, 90)
        for column, header in enumerate((_("Table"), _("Source"), _("Definition"))):
            definitions.write(0, column, header, formats["header"])
        for row, entry in enumerate(sources["tables"], start=1):
            definitions.write(row, 0, f"{entry['number']}. {entry['title']}", formats["wrap"])
            definitions.write(row, 1, entry["source"], formats["wrap"])
            definitions.write(row, 2, entry["definition"], formats["wrap"])
    workbook.close()
    return output.getvalue()


def write_table_sheet(sheet, layout: TableLayout, *, formats: dict, money_format) -> None:
    keys = len(layout.key_headers)
    sheet.set_column(0, max(keys - 1, 0), KEY_WIDTH)
    sheet.set_column(keys, keys + len(layout.column_labels), VALUE_WIDTH)
    sheet.write(0, 0, f"{layout.number}. {layout.title}", formats["title"])
    sheet.write(1, 0, f"{_('Source:')} {layout.source}", formats["muted"])
    first = 3
    # The header rows, merged where a label spans columns or rows.
    occupied = set()
    for level, header_row in enumerate(layout.header_rows):
        column = 0
        for header in header_row:
            while (level, column) in occupied:
                column += 1
            last_row, last_column = first + level + header["rowspan"] - 1, column + header["colspan"] - 1
            if header["rowspan"] > 1 or header["colspan"] > 1:
                sheet.merge_range(first + level, column, last_row, last_column, header["label"], formats["header"])
            else:
                sheet.write(first + level, column, header["label"], formats["header"])
            for row in range(level, level + header["rowspan"]):
                for spanned in range(column, last_column + 1):
                    occupied.add((row, spanned))
            column = last_column + 1
    row_number = first + len(layout.header_rows)
    sheet.freeze_panes(row_number, keys)
    for row in layout.rows:
        for position, label in enumerate(row["labels"]):
            sheet.write(row_number, position, label["full"], formats["key"])
        cells = row["cells"] + ([row["total"]] if row["total"] else [])
        for offset, cell in enumerate(cells):
            write_cell(
                sheet, row_number, keys + offset, cell, layout=layout, formats=formats, money_format=money_format
            )
        row_number += 1
    if layout.total:
        sheet.write(row_number, 0, layout.total["label"], formats["key_total"])
        for position in range(1, keys):
            sheet.write_blank(row_number, position, None, formats["key_total"])
        cells = layout.total["cells"] + ([layout.total["total"]] if layout.total["total"] else [])
        for offset, cell in enumerate(cells):
            write_cell(
                sheet,
                row_number,
                keys + offset,
                cell,
                layout=layout,
                formats=formats,
                money_format=money_format,
                total=True,
            )
        row_number += 1
    row_number += 1
    for note in layout.footnotes:
        sheet.write(row_number, 0, f"{note['mark']} {note['text']}", formats["muted"])
        row_number += 1
    sheet.write(row_number, 0, layout.definition, formats["muted"])


def write_cell(
    sheet, row: int, column: int, cell: Cell, *, layout: TableLayout, formats: dict, money_format, total: bool = False
) -> None:
    suffix = "_total" if total else ""
    if cell.value is None:
        if cell.suppressed:
            sheet.write_string(row, column, SUPPRESSED_MARK, formats["suppressed" + suffix])
            sheet.write_comment(row, column, suppression_note(layout, cell))
        else:
            sheet.write_blank(row, column, None, formats["text" + suffix])
        return
    if cell.unit == "text":
        sheet.write_string(row, column, cell.text, formats["text" + suffix])
    elif cell.unit == "percent":
        sheet.write_number(row, column, float(Decimal(str(cell.value))), formats["percent" + suffix])
    elif cell.unit in {"people", "households"}:
        sheet.write_number(row, column, int(cell.value), formats["people" + suffix])
    else:
        sheet.write_number(row, column, float(Decimal(str(cell.value))), money_format(cell.unit, total))

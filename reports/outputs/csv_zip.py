"""The report as a zip of CSV files: one per table, its definitions, and a README.

UTF-8 with a byte-order mark, which is how Excel knows to read Dari and Pashto rather than guess a
code page. Each row carries its labels in the report's language and its codes (P-codes, ISO
codes, month), so that a file can be joined to other data without the words.
"""

import csv
import io
import zipfile

from django.utils import translation
from django.utils.translation import gettext as _

from .context import Cell, TableLayout, build_context

BOM = "\ufeff"


def _csv_bytes(rows: list[list]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerows(rows)
    return (BOM + text.getvalue()).encode("utf-8")


def _raw(cell: Cell | None) -> str:
    """The exact figure as the snapshot holds it; a suppressed one as "–"."""
    if cell is None:
        return ""
    if cell.value is None:
        return cell.text  # "–" when suppressed, "" when there is no figure
    return cell.text if cell.unit == "text" else str(cell.value)


def table_rows(layout: TableLayout) -> list[list]:
    """The table as CSV rows: labels, then codes, then the figures; the total last."""
    header = [*layout.key_headers, *layout.key_kinds, *layout.column_labels]
    if layout.has_row_total:
        header.append(_("Total"))
    rows = [header]
    for row in layout.rows:
        values = [_raw(cell) for cell in row["cells"]]
        if layout.has_row_total:
            values.append(_raw(row["total"]))
        rows.append([*(label["full"] for label in row["labels"]), *row["key"], *values])
    if layout.total:
        keys = len(layout.key_headers)
        values = [_raw(cell) for cell in layout.total["cells"]]
        if layout.has_row_total:
            values.append(_raw(layout.total["total"]))
        labels = [layout.total["label"]] + [""] * (keys - 1)
        rows.append([*labels, *(["total"] + [""] * (keys - 1)), *values])
    return rows


def report_csv_zip(figures: dict, *, language: str) -> bytes:
    """A zip: ``<number>-<code>.csv`` per table, ``definitions.csv`` and ``README.txt``."""
    context = build_context(figures, language=language, with_charts=False)
    output = io.BytesIO()
    with translation.override(language), zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for layout in context["tables"]:
            archive.writestr(f"{layout.number}-{layout.code}.csv", _csv_bytes(table_rows(layout)))
        definitions = [[_("Number"), _("Code"), _("Table"), _("Source"), _("Definition")]]
        definitions += [
            [layout.number, layout.code, layout.title, layout.source, layout.definition] for layout in context["tables"]
        ]
        archive.writestr("definitions.csv", _csv_bytes(definitions))
        sources = context["sources"]
        readme = "\n".join(
            [
                context["title"],
                "",
                f"{_('Period')}: {sources['period']}",
                f"{_('Compared with')}: {sources['previous_period']}",
                f"{_('Edition')}: {sources['edition']}",
                f"{_('Data cut-off')}: {sources['cut_off']}",
                f"{_('Reference date')}: {sources['reference_date']}",
                *([f"{_('Rounding')}: {sources['rounding']}"] if sources["rounding"] else []),
                "",
                _(
                    "One CSV file per table (UTF-8): the labels of each row, its codes, then the figures. "
                    "A suppressed figure is written –. definitions.csv says what each table counts and "
                    "where its figures come from."
                ),
                "",
            ]
        )
        archive.writestr("README.txt", readme.encode("utf-8"))
    return output.getvalue()

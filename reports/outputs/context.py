"""What every output shows, worked out once from a snapshot's figures: the words, the formatted
cells, the footnotes and the charts. The web page and the PDF render it with
``reports/outputs/report_body.html``; the XLSX and CSV writers read the same table layout
(``table_layout``) so that every output labels a figure the same way.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .charts import table_chart
from .formatting import (
    SUPPRESSED_MARK,
    date_text,
    is_rtl,
    moment_text,
    money_text,
    number_text,
    percent_text,
    period_text,
    plain_digits,
)
from .labels import TOTAL, ReportLabels, report_labels

# What each kind of row key is called, for the table's first header cells.
KIND_NAMES = {
    "status": gettext_lazy("Status"),
    "country_group": gettext_lazy("Country of departure"),
    "country": gettext_lazy("Country of asylum"),
    "month": gettext_lazy("Month"),
    "year": gettext_lazy("Year"),
    "crossing": gettext_lazy("Crossing point"),
    "office": gettext_lazy("Office"),
    "province": gettext_lazy("Province"),
    "sex": gettext_lazy("Sex"),
    "age_band": gettext_lazy("Age"),
    "return_type": gettext_lazy("Return"),
    "travelling": gettext_lazy("Travelling"),
    "need_code": gettext_lazy("Vulnerability"),
    "assistance_type": gettext_lazy("Type of assistance"),
    "agency": gettext_lazy("Agency"),
    "referral_direction": gettext_lazy("Referred"),
    "referral_service": gettext_lazy("Service"),
    "referral_status": gettext_lazy("Outcome"),
    "question": gettext_lazy("Question"),
    "answer": gettext_lazy("Answer"),
    "measure": gettext_lazy("Measure"),
    "item": gettext_lazy("Item"),
    "explanation": gettext_lazy("Explanation"),
}
REFERENCE_DATES = {
    "arrival": gettext_lazy("Arrival: everyone counts in the period they arrived."),
    "grant_paid": gettext_lazy(
        "Grant paid: registered refugees in VolRep count in the period their grant was paid (those never "
        "paid are not counted as VolRep returns); every other status counts by arrival."
    ),
}
EDITIONS = {
    "internal": gettext_lazy("Internal edition: exact figures, not for publication."),
    "public": gettext_lazy(
        "Public edition: small numbers suppressed (with the numbers that would reveal them), headline figures rounded."
    ),
}
EDITION_NAMES = {"internal": gettext_lazy("Internal edition"), "public": gettext_lazy("Public edition")}
# Footnote marks for a suppressed cell, by reason.
NOTE_MARKS = {"primary": "*", "secondary": "†"}
DEFAULT_THRESHOLDS = {"threshold": 5, "sensitive_threshold": 10}
NON_MONEY_UNITS = {"people", "households", "percent", "text"}


@dataclass
class Cell:
    text: str
    value: object = None  # the exact figure (None when suppressed); XLSX and CSV write it
    numeric: bool = True
    suppressed: str = ""  # "", "primary" or "secondary"
    unit: str = "people"
    css: str = ""  # "group-start": the first column of a second column group

    @property
    def note(self) -> str:
        return NOTE_MARKS.get(self.suppressed, "")


@dataclass
class TableLayout:
    """One table laid out for reading: header rows, labelled rows of formatted cells, the total."""

    number: int
    code: str
    title: str
    source: str
    definition: str
    key_headers: list  # the names of the row-key parts
    key_kinds: list
    header_rows: list  # [[{"label", "colspan", "rowspan", "css"}]]
    column_labels: list  # each column's full label, for a flat header (CSV, XLSX notes)
    rows: list = field(default_factory=list)  # {"key", "labels", "cells", "total", "css"}
    total: dict | None = None  # {"labels", "cells", "total"}
    footnotes: list = field(default_factory=list)
    has_row_total: bool = False
    chart: str = ""

    number_label: str = ""  # the number in the language's digits

    @property
    def css(self) -> str:
        """ "report-grid--wide" for a table of many columns, which print in a smaller size to fit A4."""
        return "report-grid--wide" if len(self.column_labels) + len(self.key_headers) > 9 else ""

    @property
    def anchor(self) -> str:
        return f"table-{self.code.replace('_', '-')}"


def _suppressed_reasons(table: dict) -> dict:
    reasons = {}
    for row, column, reason in table.get("suppressed", ()):
        reasons[(row, column)] = reason
    return reasons


def _format_value(value, *, unit: str, measure: str, labels: ReportLabels, language: str) -> tuple[str, bool]:
    """The words for one cell, and whether it is a number (aligned to the end, written as a number)."""
    if value is None:
        return SUPPRESSED_MARK, True
    if unit == "text":
        kind = "explanation" if measure == "explanation" else ""
        return (labels.label(kind, value) if kind else str(value)), False
    if unit == "percent":
        return percent_text(value, language=language), True
    if unit not in NON_MONEY_UNITS:
        return money_text(value, currency=unit, language=language), True
    return number_text(value, language=language), True


def _header_rows(table: dict, labels: ReportLabels, *, row_total: bool) -> tuple[list, list, list]:
    kinds = table.get("row_kinds", [])
    columns = table["columns"]
    levels = max((len(column.get("parts", ())) for column in columns), default=1)
    group_starts = {group[0] for group in table.get("column_groups", ())[1:] if group}
    key_headers = [str(KIND_NAMES.get(kind, kind)) for kind in kinds]
    header_rows = [[] for _level in range(levels)]
    for kind_name in key_headers:
        header_rows[0].append({"label": kind_name, "colspan": 1, "rowspan": levels, "css": "key"})
    for level in range(levels):
        index = 0
        while index < len(columns):
            column = columns[index]
            parts, column_kinds = column.get("parts", []), column.get("kinds", [])
            if level >= len(parts):
                index += 1
                continue
            span = 1
            while (
                index + span < len(columns)
                and level < levels - 1
                and columns[index + span].get("parts", [])[: level + 1] == parts[: level + 1]
                and index + span not in group_starts
            ):
                span += 1
            rowspan = levels - level if level == len(parts) - 1 else 1
            header_rows[level].append(
                {
                    "label": labels.label(column_kinds[level], parts[level]),
                    "colspan": span,
                    "rowspan": rowspan,
                    "css": "group-start" if index in group_starts else "",
                }
            )
            index += span
    if row_total:
        header_rows[0].append({"label": str(TOTAL), "colspan": 1, "rowspan": levels, "css": "total"})
    column_labels = [
        " – ".join(labels.label(kind, part) for kind, part in zip(column["kinds"], column["parts"], strict=False))
        for column in columns
    ]
    return key_headers, header_rows, column_labels


def table_layout(
    table: dict, *, number: int, labels: ReportLabels, language: str, with_chart: bool = False
) -> TableLayout:
    """The table as every output reads it, in the active language (call inside ``translation.override``)."""
    columns = table["columns"]
    counts = table.get("shape", "counts") == "counts"
    has_row_total = counts and any("total" in row for row in table["rows"])
    key_headers, header_rows, column_labels = _header_rows(table, labels, row_total=has_row_total)
    reasons = _suppressed_reasons(table)
    units = [column.get("unit", table.get("unit", "people")) if not counts else "people" for column in columns]
    measures = [column["parts"][0] if column.get("kinds") == ["measure"] else "" for column in columns]
    kinds = table.get("row_kinds", [])
    group_ends = {group[-1] for group in table.get("row_groups", ()) if group}
    group_starts = {group[0] for group in table.get("column_groups", ())[1:] if group}

    def cell(value, *, row, column, unit="people", measure=""):
        suppressed = reasons.get((row, column), "")
        if value is None and not suppressed:
            # No figure rather than a hidden one: the registry's column of a year before its data.
            return Cell(text="", value=None, numeric=unit != "text", unit=unit)
        text, numeric = _format_value(value, unit=unit, measure=measure, labels=labels, language=language)
        return Cell(text=text, value=value, numeric=numeric, suppressed=suppressed, unit=unit)

    layout = TableLayout(
        number=number,
        code=table["code"],
        title=_(table["title"]),
        source=_(table["source"]),
        definition=_(table["definition"]),
        key_headers=key_headers,
        key_kinds=list(kinds),
        header_rows=header_rows,
        column_labels=column_labels,
        has_row_total=has_row_total,
        number_label=plain_digits(number, language=language),
    )
    previous_key = None
    for index, row in enumerate(table["rows"]):
        key = row["key"]
        row_labels = []
        for position, (kind, part) in enumerate(zip(kinds, key, strict=False)):
            # A part repeated from the row above (the crossing of each of its months) is shown once.
            repeated = (
                previous_key is not None
                and position < len(key) - 1
                and previous_key[: position + 1] == key[: position + 1]
            )
            row_labels.append({"text": "" if repeated else labels.label(kind, part), "full": labels.label(kind, part)})
        previous_key = key
        cells = [
            cell(value, row=index, column=j, unit=units[j], measure=measures[j]) for j, value in enumerate(row["cells"])
        ]
        for j, table_cell in enumerate(cells):
            table_cell.css = "group-start" if j in group_starts else ""
        css = " ".join(
            name
            for name, applies in (("group-end", index in group_ends), ("sensitive", row.get("sensitive")))
            if applies
        )
        layout.rows.append(
            {
                "key": key,
                "labels": row_labels,
                "cells": cells,
                "total": cell(row.get("total"), row=index, column="total") if has_row_total else None,
                "css": css,
            }
        )
    total = table.get("total")
    if total:
        total_cells = [
            cell(value, row="total", column=j, unit=units[j], measure=measures[j])
            for j, value in enumerate(total.get("cells", ()))
        ]
        for j, table_cell in enumerate(total_cells):
            table_cell.css = "group-start" if j in group_starts else ""
        layout.total = {
            "label": str(TOTAL),
            "cells": total_cells,
            "total": cell(total.get("total"), row="total", column="total") if has_row_total else None,
        }
    layout.footnotes = _footnotes(table, language=language)
    if with_chart:
        layout.chart = mark_safe(table_chart(table, labels=labels, language=language))  # noqa: S308 - built from escaped parts
    return layout


def _footnotes(table: dict, *, language: str) -> list[dict]:
    """The notes a suppressed cell points to: which threshold hid it, or that it hides another."""
    reasons = {reason for _row, _column, reason in table.get("suppressed", ())}
    thresholds = {**DEFAULT_THRESHOLDS, **table.get("disclosure", {})}
    sensitive_rows = {
        row for row, _column, reason in table.get("suppressed", ()) if reason == "primary" and _is_sensitive(table, row)
    }
    notes = []
    if "primary" in reasons:
        text = _("Fewer than %(threshold)s, suppressed.") % {
            "threshold": number_text(thresholds["threshold"], language=language)
        }
        if sensitive_rows:
            text += " " + _("Fewer than %(threshold)s for a sensitive code.") % {
                "threshold": number_text(thresholds["sensitive_threshold"], language=language)
            }
        notes.append({"mark": NOTE_MARKS["primary"], "text": text})
    if "secondary" in reasons:
        notes.append(
            {
                "mark": NOTE_MARKS["secondary"],
                "text": _("Suppressed so that another suppressed value cannot be worked out from the totals."),
            }
        )
    return notes + _published_figure_notes(table.get("extra") or {}, language=language)


def _published_figure_notes(extra: dict, *, language: str) -> list[dict]:
    """The cumulative table's notes: where each year's published figure comes from (the admin's
    words, as entered), and which of them are approximate."""
    notes = []
    years_by_source: dict[str, list] = {}
    for year, source in sorted((extra.get("sources") or {}).items()):
        years_by_source.setdefault(source, []).append(plain_digits(year, language=language))
    for source, years in years_by_source.items():
        notes.append(
            {
                "mark": "",
                "text": _("Published figures, %(years)s: %(source)s") % {"years": ", ".join(years), "source": source},
            }
        )
    if extra.get("approximate"):
        years = ", ".join(plain_digits(year, language=language) for year in sorted(extra["approximate"]))
        notes.append({"mark": "", "text": _("Approximate: %(years)s.") % {"years": years}})
    return notes


def _is_sensitive(table: dict, row) -> bool:
    return isinstance(row, int) and bool(table["rows"][row].get("sensitive"))


def _period_text(period: dict, *, language: str) -> str:
    start = datetime.date.fromisoformat(period["start"])
    end = datetime.date.fromisoformat(period["end"])
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return plain_digits(start.year, language=language)
    return f"{date_text(start, language=language)} – {date_text(end, language=language)}"


def _highlights(figures: dict, *, language: str) -> list[str]:
    """The headline sentences; one whose figure is suppressed is left out rather than shown empty."""
    highlights = figures.get("highlights", {})
    period = figures["period"]

    def number(name):
        value = highlights.get(name)
        return None if value is None else number_text(value, language=language)

    def percent(name):
        value = highlights.get(name)
        return None if value is None else percent_text(value, language=language)

    sentences = []
    if number("total_returns") is not None:
        sentences.append(
            _("%(total)s people returned to Afghanistan in %(period)s.")
            % {"total": number("total_returns"), "period": _period_text(period, language=language)}
        )
    if number("previous_total_returns") is not None and highlights.get("change_percent") is not None:
        sentences.append(
            _("The same days a year earlier saw %(previous)s returns: a change of %(change)s.")
            % {"previous": number("previous_total_returns"), "change": percent("change_percent")}
        )
    if number("registered_refugee") is not None:
        sentences.append(
            _("%(refugees)s registered refugees returned through voluntary repatriation (VolRep).")
            % {"refugees": number("registered_refugee")}
        )
    if number("undocumented") is not None:
        sentences.append(
            _("%(undocumented)s undocumented returnees were counted at the border.")
            % {"undocumented": number("undocumented")}
        )
    if percent("children_percent") is not None:
        sentences.append(
            _("Children (under 18) were %(children)s of those returning.") % {"children": percent("children_percent")}
        )
    if percent("top_provinces_percent") is not None:
        sentences.append(
            _("The five provinces receiving most returnees received %(share)s of them.")
            % {"share": percent("top_provinces_percent")}
        )
    return sentences


def report_title(figures: dict, *, language: str) -> str:
    return _("Returns to Afghanistan: joint UNHCR–IOM report, %(period)s") % {
        "period": _period_text(figures["period"], language=language)
    }


def report_context(figures: dict, *, language: str) -> dict:
    """Everything ``reports/outputs/report_body.html`` shows, in ``language``: the highlights, each table
    labelled and formatted with its chart, the footnotes, and the sources and definitions."""
    return build_context(figures, language=language, with_charts=True)


def build_context(figures: dict, *, language: str, with_charts: bool) -> dict:
    """``report_context``; the workbook and the CSV files, which hold no pictures, skip the charts."""
    with translation.override(language):
        labels = report_labels(figures)
        tables = [
            table_layout(table, number=number, labels=labels, language=language, with_chart=with_charts)
            for number, table in enumerate(figures["tables"], start=1)
        ]
        period = figures["period"]
        edition = figures.get("edition", "internal")
        cut_off = datetime.datetime.fromisoformat(figures["cut_off"])
        # The public edition says how its headline numbers were rounded, in English (gettext_noop'd).
        rounding = _(figures["highlights"]["rounding"]) if figures.get("highlights", {}).get("rounding") else ""
        sources = {
            "period": period_text(
                datetime.date.fromisoformat(period["start"]),
                datetime.date.fromisoformat(period["end"]),
                language=language,
            ),
            "previous_period": period_text(
                datetime.date.fromisoformat(period["previous_start"]),
                datetime.date.fromisoformat(period["previous_end"]),
                language=language,
            ),
            "reference_date": str(REFERENCE_DATES.get(figures.get("reference_date", "arrival"), "")),
            "cut_off": moment_text(cut_off, language=language),
            "edition": str(EDITIONS.get(edition, edition)),
            "rounding": rounding,
            "tables": [
                {
                    "number": table.number_label,
                    "title": table.title,
                    "source": table.source,
                    "definition": table.definition,
                }
                for table in tables
            ],
        }
        return {
            "language": language,
            "direction": "rtl" if is_rtl(language) else "ltr",
            "title": report_title(figures, language=language),
            "period_label": _period_text(period, language=language),
            "edition": edition,
            "edition_label": str(EDITION_NAMES.get(edition, edition)),
            "highlights": _highlights(figures, language=language),
            "highlights_note": rounding,
            "tables": tables,
            "charts": {table.code: table.chart for table in tables if table.chart},
            "sources": sources,
        }

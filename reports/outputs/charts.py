"""The report's charts as SVG drawn on the server: no JavaScript and no external file, so that the
page, the PDF (WeasyPrint draws inline SVG) and an e-mailed copy all show the same picture.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``, writes its numbers
the language's way, and draws a suppressed value as a gap marked "–", never as a zero bar. Each
bar or tile carries ``data-row``, ``data-column`` and ``data-value`` (the exact figure), which is
what the tests read. Right-to-left languages mirror the charts that have a reading direction
(months, the pyramid's sides, bar lists), never the map.

Words in Arabic script stay out of the SVG: WeasyPrint lays SVG text out one letter at a time, so
Dari and Pashto words would come out unjoined and backwards in the PDF. Digits, P-codes and Latin
words may be drawn; every other word (legends, sides, bar names) is written in HTML next to the
SVG (``svg_safe``), where both the browser and WeasyPrint shape it properly.
"""

import math
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from .formatting import SUPPRESSED_MARK, is_rtl, money_text, number_text, percent_text, plain_digits
from .labels import ReportLabels

FONT_FAMILY = "Vazirmatn, sans-serif"
# Colour-blind-safe colours that stay apart in greyscale print (after Okabe and Ito).
STATUS_COLOURS = {
    "registered_refugee": "#0b5394",
    "refugee_card": "#56b4e9",
    "acc_holder": "#009e73",
    "passport_visa": "#e69f00",
    "undocumented": "#6b6b6b",
}
GROUP_OPACITY = {"PK": "1", "IR": "0.7", "other": "0.45"}
SEX_COLOURS = {"female": "#b2435e", "male": "#2c6e9b"}
BAR_COLOUR = "#0b5394"
VALUE_COLOUR = "#e69f00"
# Provinces shaded by people: none, then five steps of blue.
TILE_SHADES = ("#f2f2f2", "#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
SUPPRESSED_STROKE = "#444444"

# Afghanistan's 34 provinces as tiles on a 7 × 6 grid (column, row), roughly where each lies:
# the north along the top, Herat, Farah and Nimroz down the west, Kandahar and Paktika at the bottom.
PROVINCE_TILES = {
    "AF28": (1, 0),  # Faryab
    "AF27": (2, 0),  # Jawzjan
    "AF18": (3, 0),  # Balkh
    "AF17": (4, 0),  # Kunduz
    "AF16": (5, 0),  # Takhar
    "AF15": (6, 0),  # Badakhshan
    "AF29": (1, 1),  # Badghis
    "AF20": (2, 1),  # Sar-e-Pul
    "AF19": (3, 1),  # Samangan
    "AF09": (4, 1),  # Baghlan
    "AF08": (5, 1),  # Panjsher
    "AF14": (6, 1),  # Nuristan
    "AF30": (0, 2),  # Herat
    "AF21": (1, 2),  # Ghor
    "AF10": (2, 2),  # Bamyan
    "AF03": (3, 2),  # Parwan
    "AF02": (4, 2),  # Kapisa
    "AF07": (5, 2),  # Laghman
    "AF13": (6, 2),  # Kunar
    "AF31": (0, 3),  # Farah
    "AF22": (1, 3),  # Daykundi
    "AF04": (2, 3),  # Wardak
    "AF01": (3, 3),  # Kabul
    "AF05": (4, 3),  # Logar
    "AF06": (5, 3),  # Nangarhar
    "AF34": (0, 4),  # Nimroz
    "AF32": (1, 4),  # Helmand
    "AF23": (2, 4),  # Uruzgan
    "AF11": (3, 4),  # Ghazni
    "AF12": (4, 4),  # Paktya
    "AF26": (5, 4),  # Khost
    "AF33": (2, 5),  # Kandahar
    "AF24": (3, 5),  # Zabul
    "AF25": (4, 5),  # Paktika
}


@dataclass
class Canvas:
    """An SVG being written, and which way the chart reads."""

    width: float
    height: float
    rtl: bool
    code: str
    parts: list

    def x(self, x: float, width: float = 0) -> float:
        """Where a box that starts ``x`` from the reading start sits, from the left."""
        return round(self.width - x - width, 1) if self.rtl else round(x, 1)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, x: float, y: float, words: str, *, anchor: str = "start", size: int = 10, css: str = "", **attrs):
        extra = "".join(f" {name.replace('_', '-')}={quoteattr(str(value))}" for name, value in attrs.items())
        css_class = f" class={quoteattr(css)}" if css else ""
        self.add(
            f'<text x="{round(x, 1)}" y="{round(y, 1)}" font-size="{size}" text-anchor="{anchor}"{css_class}{extra}>'
            f"{escape(str(words))}</text>"
        )

    def svg(self, *, title: str, description: str) -> str:
        direction = ' direction="rtl"' if self.rtl else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="report-chart" '
            f'aria-labelledby="chart-{self.code}-title chart-{self.code}-desc" '
            f'viewBox="0 0 {round(self.width)} {round(self.height)}" width="{round(self.width)}" '
            f'height="{round(self.height)}" font-family="{FONT_FAMILY}"{direction}>'
            f'<title id="chart-{self.code}-title">{escape(title)}</title>'
            f'<desc id="chart-{self.code}-desc">{escape(description)}</desc>' + "".join(self.parts) + "</svg>"
        )


def _rect(canvas, *, x, y, width, height, fill, row, column, value, title, opacity="1"):
    canvas.add(
        f'<rect class="bar" x="{canvas.x(x, width)}" y="{round(y, 1)}" width="{round(width, 1)}" '
        f'height="{round(height, 1)}" fill="{fill}" fill-opacity="{opacity}" data-row={quoteattr(row)} '
        f"data-column={quoteattr(column)} data-value={quoteattr(str(value))}><title>{escape(title)}</title></rect>"
    )


def _gap(canvas, *, x, y, row, column, title, anchor="middle"):
    """A suppressed value: a dash where its bar would start, and no bar."""
    canvas.add(
        f'<text class="suppressed" x="{canvas.x(x)}" y="{round(y, 1)}" font-size="10" text-anchor="{anchor}" '
        f'fill="{SUPPRESSED_STROKE}" data-row={quoteattr(row)} data-column={quoteattr(column)}>'
        f"{SUPPRESSED_MARK}<title>{escape(title)}</title></text>"
    )


def _suppressed_title(label: str) -> str:
    return _("%(label)s: suppressed") % {"label": label}


def _nice_step(maximum: float) -> int:
    """A round step for four to six gridlines."""
    if maximum <= 0:
        return 1
    raw = maximum / 5
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return max(1, int(factor * magnitude))
    return int(10 * magnitude)


def svg_safe(words: str) -> bool:
    """Whether WeasyPrint can draw ``words`` as SVG text: no letter of a joined, right-to-left script
    (digits, separators and Latin are fine, laid out one character at a time)."""
    return not any(unicodedata.bidirectional(character) in {"AL", "R"} for character in words)


def _swatch(colour: str, opacity: str = "1") -> str:
    # An SVG square rather than a styled span: the page's content security policy allows no inline styles.
    return (
        '<svg class="chart-key__swatch" aria-hidden="true" width="10" height="10" viewBox="0 0 10 10">'
        f'<rect width="10" height="10" fill="{colour}" fill-opacity="{opacity}"/></svg>'
    )


def _key(entries, *, css: str = "chart-key") -> str:
    """The chart's words as an HTML list: (colour, opacity, words) or (None, None, words)."""
    items = "".join(
        f"<li>{_swatch(colour, opacity) if colour else ''}<span>{escape(str(words))}</span></li>"
        for colour, opacity, words in entries
    )
    return f'<ul class="{css}">{items}</ul>'


def _figure(code: str, *parts: str) -> str:
    return f'<div class="chart chart--{code.replace("_", "-")}" data-chart="{code}">' + "".join(parts) + "</div>"


def monthly_stacked_bars(table: dict, *, labels: ReportLabels, language: str) -> str:
    """People by month: one bar per month, stacked by status (colour) and country group (shade)."""
    rows, columns = table["rows"], table["columns"]
    canvas = Canvas(width=720, height=290, rtl=is_rtl(language), code=table["code"], parts=[])
    left, right, top, bottom = 60, 10, 12, 264
    # Undocumented returns are counted minus registered, and a month can come out negative (a count
    # missing or late): a bar cannot stand below zero, so only what is above zero is stacked.
    stacks = [sum(value for value in row["cells"] if value is not None and value > 0) for row in rows]
    step = _nice_step(max(stacks, default=0))
    ceiling = step * max(math.ceil(max(stacks, default=0) / step), 1)
    scale = (bottom - top) / ceiling
    for tick in range(0, ceiling + 1, step):
        y = bottom - tick * scale
        canvas.add(
            f'<line x1="{canvas.x(left)}" x2="{canvas.x(canvas.width - right)}" y1="{round(y, 1)}" '
            f'y2="{round(y, 1)}" stroke="#d0d0d0" stroke-width="0.5"/>'
        )
        canvas.text(canvas.x(left - 4), y + 3, number_text(tick, language=language), size=9, anchor="end")
    slot = (canvas.width - left - right) / max(len(rows), 1)
    for index, row in enumerate(rows):
        month = row["key"][0]
        month_label = labels.label("month", month)
        x = left + index * slot + slot * 0.15
        width = slot * 0.7
        y = bottom
        for column, value in zip(columns, row["cells"], strict=True):
            status, group = column["parts"]
            words = f"{month_label}, {labels.label('status', status)}, {labels.label('country_group', group)}"
            if value is None:
                _gap(canvas, x=x + width / 2, y=y - 3, row=month, column=column["key"], title=_suppressed_title(words))
                continue
            if value <= 0:
                continue
            height = value * scale
            y -= height
            _rect(
                canvas,
                x=x,
                y=y,
                width=width,
                height=height,
                fill=STATUS_COLOURS.get(status, BAR_COLOUR),
                opacity=GROUP_OPACITY.get(group, "1"),
                row=month,
                column=column["key"],
                value=value,
                title=f"{words}: {number_text(value, language=language)}",
            )
        month_name = month_label.split(" ")[0][:3]
        tick = month_name if svg_safe(month_name) else plain_digits(int(month.split("-")[1]), language=language)
        canvas.text(canvas.x(x + width / 2), bottom + 14, tick, size=9, anchor="middle")
    statuses = list(dict.fromkeys(column["parts"][0] for column in columns))
    groups = list(dict.fromkeys(column["parts"][1] for column in columns))
    svg = canvas.svg(
        title=_("Returns by month, status and country of departure"),
        description=_(
            "Stacked bars, one per month: people who returned, coloured by status and shaded by country "
            "of departure. A dash marks a suppressed value."
        ),
    )
    return _figure(
        table["code"],
        svg,
        _key([(STATUS_COLOURS.get(status, BAR_COLOUR), "1", labels.label("status", status)) for status in statuses]),
        _key([("#333333", GROUP_OPACITY.get(group, "1"), labels.label("country_group", group)) for group in groups]),
    )


def _tile_shade(value, maximum) -> str:
    if not value or not maximum:
        return TILE_SHADES[0]
    step = min(int(5 * value / maximum - 1e-9), 4)
    return TILE_SHADES[1 + step]


def province_tiles(table: dict, *, labels: ReportLabels, language: str) -> str:
    """The 34 provinces as tiles shaded by people returning there, and the five that received most."""
    tile, gap = 66, 4
    map_width = 7 * (tile + gap)
    top_five = _top_provinces(table)
    # The map keeps its geography in every language; the top five's bars read in the language's direction.
    canvas = Canvas(
        width=map_width, height=6 * (tile + gap) + 8 + 20 * len(top_five), rtl=False, code=table["code"], parts=[]
    )
    people = {row["key"][0]: row["total"] for row in table["rows"]}
    maximum = max((value for value in people.values() if value), default=0)
    for pcode, (column, row) in PROVINCE_TILES.items():
        x, y = column * (tile + gap), row * (tile + gap)
        value = people.get(pcode, 0)
        name = labels.label("province", pcode)
        suppressed = pcode in people and value is None
        fill = "#ffffff" if suppressed else _tile_shade(value, maximum)
        ink = "#ffffff" if fill in TILE_SHADES[4:] else "#1a1a1a"
        title = _suppressed_title(name) if suppressed else f"{name}: {number_text(value, language=language)}"
        stroke = f' stroke="{SUPPRESSED_STROKE}" stroke-dasharray="3 2"' if suppressed else ' stroke="#ffffff"'
        value_attribute = "" if suppressed else f" data-value={quoteattr(str(value or 0))}"
        canvas.add(
            f'<g class="tile{" suppressed" if suppressed else ""}" data-row="{pcode}"{value_attribute}>'
            f"<title>{escape(title)}</title>"
            f'<rect x="{x}" y="{y}" width="{tile}" height="{tile}" fill="{fill}"{stroke}/>'
        )
        canvas.text(x + tile / 2, y + 15, pcode, size=9, anchor="middle", fill=ink)
        if svg_safe(name):
            canvas.text(x + tile / 2, y + 33, _short(name), size=9, anchor="middle", fill=ink)
        shown = SUPPRESSED_MARK if suppressed else number_text(value or 0, language=language)
        canvas.text(x + tile / 2, y + 52, shown, size=10, anchor="middle", fill=ink)
        canvas.add("</g>")
    canvas.rtl = is_rtl(language)
    y = 6 * (tile + gap) + 8
    biggest = max((entry["people"] or 0 for entry in top_five), default=0) or 1
    for rank, entry in enumerate(top_five, start=1):
        canvas.text(canvas.x(14), y + 11, plain_digits(rank, language=language), size=9, anchor="end")
        width = (map_width - 140) * (entry["people"] or 0) / biggest
        _rect(
            canvas,
            x=20,
            y=y + 2,
            width=width,
            height=12,
            fill=BAR_COLOUR,
            row=entry["province"],
            column="top",
            value=entry["people"],
            title=f"{labels.label('province', entry['province'])}: {number_text(entry['people'], language=language)}",
        )
        canvas.text(canvas.x(24 + width), y + 11, number_text(entry["people"], language=language), size=9)
        y += 20
    svg = canvas.svg(
        title=_("Returns by province of return"),
        description=_(
            "A tile map of Afghanistan's 34 provinces, each shaded by the people who returned there (darker: "
            "more), and the five provinces receiving most returnees with their shares. A dashed tile is suppressed."
        ),
    )
    top_list = "".join(
        f"<li><span>{escape(labels.label('province', entry['province']))}</span> "
        f'<span class="num">{escape(number_text(entry["people"], language=language))}</span> '
        f'<span class="num">({escape(percent_text(entry.get("percent"), language=language))})</span></li>'
        for entry in top_five
    )
    # Names the tiles could not hold (Dari and Pashto), by P-code, so that the map can still be read.
    unnamed = [pcode for pcode in sorted(PROVINCE_TILES) if not svg_safe(labels.label("province", pcode))]
    pcodes = (
        '<p class="chart-key chart-key--pcodes">'
        + " · ".join(f"{pcode} {escape(labels.label('province', pcode))}" for pcode in unnamed)
        + "</p>"
        if unnamed
        else ""
    )
    return _figure(
        table["code"],
        svg,
        pcodes,
        f'<p class="chart-key__title">{escape(_("The five provinces receiving most returnees"))}</p>',
        f'<ol class="chart-top">{top_list}</ol>',
    )


def _short(name: str) -> str:
    return name if len(name) <= 10 else name[:9] + "…"


def _top_provinces(table: dict) -> list[dict]:
    """``extra.top`` (``{"key": [<P-code>], "people", "share"}``) as ``{"province", "people", "percent"}``;
    worked out from the rows if it is missing."""
    top = table.get("extra", {}).get("top")
    if top is not None:
        return [
            {
                "province": (entry.get("key") or [entry.get("province")])[0],
                "people": entry.get("people"),
                "percent": entry.get("share", entry.get("percent")),
            }
            for entry in list(top)[:5]
        ]
    totals = [(row["total"], row["key"][0]) for row in table["rows"] if row.get("total")]
    everyone = sum(value for value, _pcode in totals) or 1
    return [
        {"province": pcode, "people": value, "percent": f"{100 * value / everyone:.1f}"}
        for value, pcode in sorted(totals, reverse=True)[:5]
    ]


def age_sex_pyramid(table: dict, *, labels: ReportLabels, language: str) -> str:
    """People by age band and sex: women on the reading start side, men on the other, stacked by status."""
    rows, columns = table["rows"], table["columns"]
    rtl = is_rtl(language)
    canvas = Canvas(width=720, height=12 + 34 * len(rows), rtl=False, code=table["code"], parts=[])
    centre, gutter, top = canvas.width / 2, 34, 6
    half = centre - gutter - 10

    def side_total(row, sex):
        return sum(
            max(value or 0, 0) for column, value in zip(columns, row["cells"], strict=True) if column["parts"][1] == sex
        )

    biggest = max((side_total(row, sex) for row in rows for sex in ("female", "male")), default=0) or 1
    scale = half / biggest
    # Women on the left in a left-to-right language, on the right in Dari and Pashto.
    outward = {"female": 1 if rtl else -1, "male": -1 if rtl else 1}
    for position, row in enumerate(reversed(rows)):  # the youngest at the bottom
        band = row["key"][0]
        y = top + position * 34
        band_label = labels.label("age_band", band)
        if not svg_safe(band_label) or band_label.isascii():
            band_label = plain_digits(band, language=language)
        canvas.text(centre, y + 18, band_label, size=10, anchor="middle")
        reach = {"female": gutter, "male": gutter}
        for column, value in zip(columns, row["cells"], strict=True):
            status, sex = column["parts"]
            words = f"{band_label}, {labels.label('sex', sex)}, {labels.label('status', status)}"
            direction = outward[sex]
            if value is None:
                x = centre + direction * (reach[sex] + 6)
                _gap(canvas, x=x, y=y + 18, row=band, column=column["key"], title=_suppressed_title(words))
                reach[sex] += 12
                continue
            if value <= 0:
                continue
            width = value * scale
            start = centre + direction * reach[sex]
            x = start if direction > 0 else start - width
            _rect(
                canvas,
                x=x,
                y=y + 4,
                width=width,
                height=22,
                fill=STATUS_COLOURS.get(status, BAR_COLOUR),
                row=band,
                column=column["key"],
                value=value,
                title=f"{words}: {number_text(value, language=language)}",
            )
            reach[sex] += width
    statuses = list(dict.fromkeys(column["parts"][0] for column in columns))
    svg = canvas.svg(
        title=_("Returns by sex and age"),
        description=_(
            "A population pyramid: for each age band, women on one side and men on the other, the bars "
            "stacked by status. A dash marks a suppressed value."
        ),
    )
    # The sides' names in HTML, in reading order: the first is on the right in Dari and Pashto, as women are.
    sides = (
        '<div class="chart-sides">'
        f"<span>{escape(labels.label('sex', 'female'))}</span><span>{escape(labels.label('sex', 'male'))}</span></div>"
    )
    return _figure(
        table["code"],
        sides,
        svg,
        _key([(STATUS_COLOURS.get(status, BAR_COLOUR), "1", labels.label("status", status)) for status in statuses]),
    )


def assistance_bars(table: dict, *, labels: ReportLabels, language: str) -> str:
    """Assistance by agency and type: the people assisted, then the value, as numbered horizontal bars
    (the key under them names each number)."""
    rows, columns = table["rows"], table["columns"]
    rtl = is_rtl(language)
    panels = []
    for panel_index, column in enumerate(columns):
        measure, unit = column["parts"][0], column.get("unit", "people")
        canvas = Canvas(width=720, height=10 + 22 * len(rows), rtl=rtl, code=f"{table['code']}-{measure}", parts=[])
        values = [row["cells"][panel_index] for row in rows]
        biggest = max((float(value) for value in values if value is not None), default=0) or 1
        bar_space = canvas.width - 40 - 170
        for index, (row, value) in enumerate(zip(rows, values, strict=True)):
            y = 6 + index * 22
            agency, kind = row["key"]
            words = f"{labels.label('agency', agency)} – {labels.label('assistance_type', kind)}"
            canvas.text(canvas.x(24), y + 12, plain_digits(index + 1, language=language), size=10, anchor="end")
            if value is None:
                _gap(canvas, x=40, y=y + 12, row=kind, column=measure, title=_suppressed_title(words), anchor="start")
                continue
            shown = (
                number_text(value, language=language)
                if unit in {"people", "households"}
                else money_text(value, currency=unit, language=language)
            )
            width = bar_space * float(value) / biggest
            _rect(
                canvas,
                x=32,
                y=y + 2,
                width=width,
                height=14,
                fill=BAR_COLOUR if panel_index == 0 else VALUE_COLOUR,
                row=kind,
                column=measure,
                value=value,
                title=f"{words}: {shown}",
            )
            if svg_safe(shown):
                canvas.text(canvas.x(36 + width), y + 13, shown, size=9)
        title = labels.label("measure", measure)
        panels.append(f'<p class="chart-key__title">{escape(title)}</p>')
        panels.append(
            canvas.svg(
                title=f"{_('Assistance by type')}: {title}",
                description=_(
                    "Horizontal bars, numbered as in the key: the people assisted or the value of the assistance, "
                    "by agency and type of assistance. A dash marks a suppressed value."
                ),
            )
        )
    names = "".join(
        f"<li>{escape(labels.label('agency', agency))} – {escape(labels.label('assistance_type', kind))}</li>"
        for agency, kind in (row["key"] for row in rows)
    )
    return _figure(table["code"], *panels, f'<ol class="chart-numbered">{names}</ol>')


CHARTS = {
    "monthly_stacked_bars": monthly_stacked_bars,
    "province_tiles": province_tiles,
    "province_map": province_tiles,
    "age_sex_pyramid": age_sex_pyramid,
    "assistance_bars": assistance_bars,
}
# Which table each chart draws, for figures whose tables do not name their chart.
CHART_OF_TABLE = {
    "by_month": "monthly_stacked_bars",
    "by_province": "province_tiles",
    "sex_age": "age_sex_pyramid",
    "assistance_by_type": "assistance_bars",
}


def table_chart(table: dict, *, labels: ReportLabels, language: str) -> str:
    """The chart of the table (its SVG and the HTML key that names what it shows), or "" for a table
    shown as a table only."""
    draw = CHARTS.get(table.get("chart") or CHART_OF_TABLE.get(table["code"], ""))
    return draw(table, labels=labels, language=language) if draw else ""

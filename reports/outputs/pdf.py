"""The report as an A4 PDF, drawn by WeasyPrint from the same markup and stylesheet as the page.

WeasyPrint shapes Dari and Pashto with HarfBuzz, but only with a font that has the letters: the
stylesheet's @font-face points at the Vazirmatn files the app ships, and WeasyPrint is handed a
font configuration that loads them, so the PDF is the same on any machine.
"""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .context import report_context

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "reports"
STYLESHEET = STATIC_DIR / "report.css"


def css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_numbers_content(*, counter_style: str = "decimal") -> str:
    """The words "Page N of M" as a CSS ``content`` value, the counters where the translation puts them."""
    sentence = _("Page %(page)s of %(pages)s")
    tokens = []
    rest = sentence
    while rest:
        positions = [(rest.find(marker), marker) for marker in ("%(page)s", "%(pages)s") if marker in rest]
        if not positions:
            tokens.append(css_string(rest))
            break
        position, marker = min(positions)
        if position:
            tokens.append(css_string(rest[:position]))
        counter = "page" if marker == "%(page)s" else "pages"
        tokens.append(f"counter({counter}, {counter_style})")
        rest = rest[position + len(marker) :]
    return " ".join(tokens)


def report_pdf(figures: dict, *, language: str) -> bytes:
    """The report in ``language`` as an A4 PDF: running header (title, edition), "Page N of M",
    tables whose header rows repeat on each page, and the charts as vector graphics."""
    context = report_context(figures, language=language)
    with translation.override(language):
        context["page_header"] = css_string(f"{context['title']} · {context['edition_label']}")
        # Dari and Pashto count pages in Persian digits, as they write every other number.
        context["page_numbers"] = page_numbers_content(
            counter_style="persian" if context["direction"] == "rtl" else "decimal"
        )
        html = render_to_string("reports/outputs/report_document.html", context)
    font_config = FontConfiguration()
    stylesheet = CSS(filename=str(STYLESHEET), font_config=font_config)
    document = HTML(string=html, base_url=str(STATIC_DIR) + "/")
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)

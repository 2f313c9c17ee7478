"""The A4 PDF in English, Dari and Pashto: its text read back with pypdf, its fonts the shipped ones."""

import io
import unicodedata
from pathlib import Path

import pypdf
import pytest
from fontTools.ttLib import TTFont

from agencies.models import Province
from reports.outputs import report_pdf
from returns.models import NeedCode
from tests.reports.outputs.sample import sample_public_figures

pytestmark = pytest.mark.django_db
FONTS = Path(__file__).resolve().parents[3] / "reports" / "static" / "reports" / "fonts"
A4 = (595.28, 841.89)


def pdf_text(pdf: bytes) -> list[str]:
    """Each page's text, with Arabic presentation forms folded back to letters."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [unicodedata.normalize("NFKC", page.extract_text()) for page in reader.pages]


def embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    """The fonts the PDF carries, by name, opened from their embedded files."""
    fonts = {}
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"].get_object()
            data = descriptor["/FontFile2"].get_object().get_data()
            fonts[str(font["/BaseFont"])] = TTFont(io.BytesIO(data))
    return fonts


def assert_fonts_are_the_shipped_ones(pdf: bytes) -> None:
    shipped = TTFont(FONTS / "Vazirmatn-Regular.ttf")
    fonts = embedded_fonts(pdf)
    assert fonts
    for name, font in fonts.items():
        assert "Vazirmatn" in name, name
        assert font["name"].getDebugName(1) == "Vazirmatn"
        assert font["head"].fontRevision == shipped["head"].fontRevision


def test_the_english_pdf_is_a4_with_its_tables_page_numbers_and_running_header():
    pdf = report_pdf(sample_public_figures(), language="en")

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert tuple(round(float(side), 2) for side in reader.pages[0].mediabox[2:]) == A4
    pages = pdf_text(pdf)
    text = "\n".join(pages)
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert all("Returns to Afghanistan: joint UNHCR–IOM report, 2017 · Public edition" in page for page in pages)
    for title in (
        "1. Returns by status and country of departure",
        "6. Returns by province of return and status",
        "15. Counted and registered, by crossing and month",
        "Sources and definitions",
    ):
        assert title in text
    assert "Registered refugee returning through VolRep (VRF) 5,120 310 12 5,442" in text
    assert "Repatriation grants paid 5,430 1,012 USD 2,036,250.00 USD 375.00" in text
    assert "Fewer than 5, suppressed." in text
    assert "248,600 people returned to Afghanistan in 2017." in text
    assert_fonts_are_the_shipped_ones(pdf)


def persian_digits(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def has_number(text: str, number: str) -> bool:
    """Whether ``number`` is in text extracted from a right-to-left page: pypdf gives a number
    inside a Dari or Pashto sentence in the order its glyphs were laid out, which may be reversed."""
    return number in text or number[::-1] in text


def test_the_dari_pdf_is_written_right_to_left_in_the_shipped_font():
    Province.objects.filter(pcode="AF06").update(name_fa="ننگرهار")

    pdf = report_pdf(sample_public_figures(), language="fa")

    pages = pdf_text(pdf)
    text = "\n".join(pages)
    assert "ننگرهار" in text
    assert has_number(text, "۲۴۸٬۶۰۰")  # the highlight's total, in Persian digits
    assert pages[0].strip().splitlines()[-1] == f"صفحه ۱ از {persian_digits(len(pages))}"  # translated
    assert has_number(text, "۲۰۱۷")
    assert_fonts_are_the_shipped_ones(pdf)


def test_pashto_letters_come_back_out_of_the_pashto_pdf():
    Province.objects.filter(pcode="AF06").update(name_ps="ننګرهار")
    Province.objects.filter(pcode="AF01").update(name_ps="کابل ښار")
    NeedCode.objects.filter(scheme="iom_vulnerability", code="CI").update(name="اوږدمهاله ناروغ")

    pdf = report_pdf(sample_public_figures(), language="ps")

    text = "\n".join(pdf_text(pdf))
    assert "ننګرهار" in text
    assert "کابل ښار" in text
    assert "اوږدمهاله ناروغ" in text
    assert has_number(text, "۲۴۸٬۶۰۰")
    pages = pdf_text(pdf)
    assert pages[0].strip().splitlines()[-1] == f"مخ ۱ له {persian_digits(len(pages))} څخه"
    assert_fonts_are_the_shipped_ones(pdf)

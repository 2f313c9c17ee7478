"""The shipped font has every letter of Dari and Pashto, so the report never needs the machine's fonts."""

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parents[3] / "reports" / "static" / "reports" / "fonts"
PERSIAN_ALPHABET = "آاءأؤئبپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیة"
PASHTO_LETTERS = "ټځڅډړږښګڼۍېي"
DIGITS_AND_SIGNS = "۰۱۲۳۴۵۶۷۸۹٫٬٪،؛؟–"


@pytest.mark.parametrize("name", ["Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf"])
def test_the_shipped_font_has_every_dari_and_pashto_letter(name):
    cmap = TTFont(FONTS / name).getBestCmap()

    missing = [letter for letter in PERSIAN_ALPHABET + PASHTO_LETTERS + DIGITS_AND_SIGNS if ord(letter) not in cmap]

    assert missing == []
    assert all(ord(letter) in cmap for letter in "AZaz09%,.")


def test_the_font_ships_with_its_licence():
    assert "SIL OPEN FONT LICENSE" in (FONTS / "OFL.txt").read_text().upper()

"""Reference data in Dari and Pashto: the names of the provinces, districts, countries, agencies and
offices that ``0002`` and later migrations loaded. Only empty names are filled: an administrator's
own wording stays. Countries take their names from pycountry's ISO 3166 catalogues (Dari: its
Persian one), with the Pashto names it lacks written here.
"""

import gettext

import pycountry
from django.db import migrations

PROVINCES_PS = {
    "AF01": "کابل",
    "AF02": "کاپیسا",
    "AF03": "پروان",
    "AF04": "وردګ",
    "AF05": "لوګر",
    "AF06": "ننګرهار",
    "AF07": "لغمان",
    "AF08": "پنجشیر",
    "AF09": "بغلان",
    "AF10": "بامیان",
    "AF11": "غزني",
    "AF12": "پکتیا",
    "AF13": "کونړ",
    "AF14": "نورستان",
    "AF15": "بدخشان",
    "AF16": "تخار",
    "AF17": "کندز",
    "AF18": "بلخ",
    "AF19": "سمنګان",
    "AF20": "سرپل",
    "AF21": "غور",
    "AF22": "دایکندي",
    "AF23": "ارزګان",
    "AF24": "زابل",
    "AF25": "پکتیکا",
    "AF26": "خوست",
    "AF27": "جوزجان",
    "AF28": "فاریاب",
    "AF29": "بادغیس",
    "AF30": "هرات",
    "AF31": "فراه",
    "AF32": "هلمند",
    "AF33": "کندهار",
    "AF34": "نیمروز",
}

# code: (Dari, Pashto)
DISTRICTS = {
    "AF0101": ("کابل", "کابل"),
    "AF0601": ("جلال\u200cآباد", "جلال اباد"),
    "AF0617": ("اچین", "اچین"),
    "AF3001": ("هرات", "هرات"),
    "AF3301": ("کندهار", "کندهار"),
}
AGENCIES = {
    "DRC": ("شورای پناهندگان دنمارک (DRC)", "د ډنمارک د کډوالو شورا (DRC)"),
    "IOM": ("سازمان بین\u200cالمللی مهاجرت (IOM)", "د مهاجرت نړیوال سازمان (IOM)"),
    "MORR": ("وزارت امور مهاجرین و عودت\u200cکنندگان", "د کډوالو او راستنېدونکو چارو وزارت"),
    "NRC": ("شورای پناهندگان ناروی (NRC)", "د ناروې د کډوالو شورا (NRC)"),
    "UNHCR": ("کمیساریای عالی ملل متحد برای پناهندگان (UNHCR)", "د کډوالو لپاره د ملګرو ملتونو عالي کمېشنري (UNHCR)"),
    "WAW": ("زنان برای زنان افغان (WAW)", "ښځې د افغانو ښځو لپاره (WAW)"),
}
OFFICES = {
    "DNG": (
        "ریاست امور مهاجرین و عودت\u200cکنندگان ولایت ننگرهار (DoRR)",
        "د ننګرهار ولایت د کډوالو او راستنېدونکو چارو ریاست (DoRR)",
    ),
    "EHR": ("مرکز پرداخت پول نقد هرات", "د هرات نغدو پیسو د ورکړې مرکز"),
    "IQL": ("گذرگاه مرزی اسلام قلعه", "د اسلام قلعې سرحدي دروازه"),
    "TIQ": ("مرکز ترانزیت اسلام قلعه", "د اسلام قلعې ترانزیټي مرکز"),
    "KBA": ("میدان هوایی کابل", "د کابل هوايي ډګر"),
    "EKB": ("مرکز پرداخت پول نقد کابل", "د کابل نغدو پیسو د ورکړې مرکز"),
    "EKD": ("مرکز پرداخت پول نقد کندهار", "د کندهار نغدو پیسو د ورکړې مرکز"),
    "TKH": ("مرکز ترانزیت کندهار", "د کندهار ترانزیټي مرکز"),
    "MLK": ("گذرگاه مرزی میلک", "د میلک سرحدي دروازه"),
    "TMK": ("مرکز ترانزیت میلک", "د میلک ترانزیټي مرکز"),
    "ENG": ("مرکز پرداخت پول نقد ننگرهار", "د ننګرهار نغدو پیسو د ورکړې مرکز"),
    "SBD": ("گذرگاه مرزی سپین بولدک", "د سپین بولدک سرحدي دروازه"),
    "TKM": ("گذرگاه مرزی تورخم", "د تورخم سرحدي دروازه"),
    "TTK": ("مرکز ترانزیت تورخم", "د تورخم ترانزیټي مرکز"),
}

COUNTRIES_FA = {"TR": "ترکیه"}
COUNTRIES_PS = {
    "AW": "اروبا",
    "AI": "انګویلا",
    "AX": "الانډ ټاپوګان",
    "AS": "امریکايي سامووا",
    "TF": "د فرانسې سویلي سیمې",
    "AG": "انټیګوا او باربودا",
    "BQ": "بونیر، سینټ یوسټاتیوس او سابا",
    "BS": "بهاماس",
    "BA": "بوسنیا او هرزګوینا",
    "BL": "سینټ بارتلمي",
    "BM": "برمودا",
    "BO": "بولیویا",
    "BN": "برونای",
    "BV": "بووې ټاپو",
    "CC": "کوکوس (کیلینګ) ټاپوګان",
    "CI": "د عاج ساحل",
    "CD": "د کانګو دیموکراتیک جمهوریت",
    "CG": "کانګو",
    "CK": "کوک ټاپوګان",
    "KM": "کوموروس",
    "CV": "کیپ ورډ",
    "CW": "کوراساو",
    "CX": "د کرسمس ټاپو",
    "KY": "کیمن ټاپوګان",
    "CY": "قبرس",
    "CZ": "چک جمهوریت",
    "DM": "دومینیکا",
    "EH": "لوېدیځه صحرا",
    "EE": "استونیا",
    "FJ": "فیجي",
    "FK": "فاکلنډ ټاپوګان (مالویناس)",
    "FO": "فارو ټاپوګان",
    "FM": "مایکرونیزیا",
    "GG": "ګرنزي",
    "GI": "جبل الطارق",
    "GP": "ګوادلوپ",
    "GM": "ګامبیا",
    "GW": "ګینې بیساو",
    "GQ": "استوایي ګینه",
    "GL": "ګرینلینډ",
    "GF": "فرانسوي ګیانا",
    "GU": "ګوام",
    "HM": "هرډ ټاپو او مکډونالډ ټاپوګان",
    "IM": "د مین ټاپو",
    "IO": "د هند په سمندر کې بریتانوي سیمه",
    "IR": "ایران",
    "JE": "جرسي",
    "KI": "کیریباتي",
    "KN": "سینټ کیټس او نیویس",
    "KR": "سویلي کوریا",
    "LA": "لاوس",
    "LY": "لیبیا",
    "LI": "لیختنشټاین",
    "LS": "لیسوتو",
    "LV": "لاتویا",
    "MO": "مکاو",
    "MF": "سینټ مارټن (فرانسوي برخه)",
    "MC": "موناکو",
    "MD": "مولدوا",
    "MX": "مکسیکو",
    "MH": "مارشل ټاپوګان",
    "MK": "شمالي مقدونیه",
    "MP": "شمالي ماریانا ټاپوګان",
    "MS": "مونټسرات",
    "MQ": "مارتینیک",
    "YT": "مایوټ",
    "NC": "نوې کالیډونیا",
    "NF": "نورفوک ټاپو",
    "NU": "نیووې",
    "NR": "ناورو",
    "PN": "پیټکېرن ټاپوګان",
    "PW": "پالاو",
    "PG": "پاپوا نوې ګینه",
    "PR": "پورټو ریکو",
    "KP": "شمالي کوریا",
    "PY": "پاراګوای",
    "PS": "فلسطین",
    "PF": "فرانسوي پولینیزیا",
    "RE": "ریونیون",
    "RU": "روسیه",
    "GS": "سویلي جورجیا او سویلي سېنډوچ ټاپوګان",
    "SH": "سینټ هېلینا، اسنشن او ټریسټان دا کونا",
    "SJ": "سوالبارډ او یان ماین",
    "SB": "سلیمان ټاپوګان",
    "PM": "سینټ پیېر او میکلون",
    "RS": "صربیا",
    "ST": "ساو ټومې او پرنسیپ",
    "SZ": "اسواتیني",
    "SX": "سینټ مارټن (هالنډي برخه)",
    "SY": "سوریه",
    "TC": "ترکس او کایکوس ټاپوګان",
    "TG": "ټوګو",
    "TK": "توکیلاو",
    "TL": "ختیځ تیمور",
    "TO": "ټونګا",
    "TT": "ټرینیډاډ او ټوباګو",
    "TR": "ترکیه",
    "TV": "تووالو",
    "TW": "تایوان",
    "TZ": "تانزانیا",
    "UG": "یوګانډا",
    "UM": "د متحده ایالاتو کوچني لرې پراته ټاپوګان",
    "US": "د امریکا متحده ایالات",
    "VA": "واتیکان",
    "VC": "سینټ وینسنټ او ګرېنادینز",
    "VE": "وینزویلا",
    "VG": "بریتانوي ورجن ټاپوګان",
    "VI": "د امریکا ورجن ټاپوګان",
    "VN": "ویتنام",
    "VU": "وانواتو",
    "WF": "والیس او فوتونا",
}


def _fill(model, key, names):
    for row in model.objects.filter(**{f"{key}__in": list(names)}):
        fa, ps = names[getattr(row, key)]
        row.name_fa = row.name_fa or fa
        row.name_ps = row.name_ps or ps
        row.save(update_fields=["name_fa", "name_ps"])


def names_fill(apps, schema_editor):
    Province = apps.get_model("agencies", "Province")
    for province in Province.objects.filter(pcode__in=list(PROVINCES_PS)):
        province.name_ps = province.name_ps or PROVINCES_PS[province.pcode]
        province.save(update_fields=["name_ps"])
    _fill(apps.get_model("agencies", "District"), "pcode", DISTRICTS)
    _fill(apps.get_model("agencies", "Agency"), "code", AGENCIES)
    _fill(apps.get_model("agencies", "Office"), "code", OFFICES)
    catalogues = {
        language: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        for language in ("fa", "ps")
    }
    Country = apps.get_model("agencies", "Country")
    for country in Country.objects.all():
        known = pycountry.countries.get(alpha_2=country.code)
        english = known.name if known else country.name
        fa = COUNTRIES_FA.get(country.code) or catalogues["fa"].gettext(english)
        ps = COUNTRIES_PS.get(country.code) or catalogues["ps"].gettext(english)
        country.name_fa = country.name_fa or (fa if fa != english else "")
        country.name_ps = country.name_ps or (ps if ps != english else "")
        country.save(update_fields=["name_fa", "name_ps"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0013_names_in_three_languages")]

    operations = [migrations.RunPython(names_fill, migrations.RunPython.noop)]

"""Reference data: provinces (OCHA P-codes), a few districts, countries (ISO 3166), agencies, offices.

Everything here is editable in the admin afterwards; the full district list is loaded by an admin.
"""

from django.db import migrations

PROVINCES = [
    ("AF01", "Kabul", "کابل"),
    ("AF02", "Kapisa", "کاپیسا"),
    ("AF03", "Parwan", "پروان"),
    ("AF04", "Wardak", "وردک"),
    ("AF05", "Logar", "لوگر"),
    ("AF06", "Nangarhar", "ننگرهار"),
    ("AF07", "Laghman", "لغمان"),
    ("AF08", "Panjsher", "پنجشیر"),
    ("AF09", "Baghlan", "بغلان"),
    ("AF10", "Bamyan", "بامیان"),
    ("AF11", "Ghazni", "غزنی"),
    ("AF12", "Paktya", "پکتیا"),
    ("AF13", "Kunar", "کنر"),
    ("AF14", "Nuristan", "نورستان"),
    ("AF15", "Badakhshan", "بدخشان"),
    ("AF16", "Takhar", "تخار"),
    ("AF17", "Kunduz", "کندز"),
    ("AF18", "Balkh", "بلخ"),
    ("AF19", "Samangan", "سمنگان"),
    ("AF20", "Sar-e-Pul", "سرپل"),
    ("AF21", "Ghor", "غور"),
    ("AF22", "Daykundi", "دایکندی"),
    ("AF23", "Uruzgan", "ارزگان"),
    ("AF24", "Zabul", "زابل"),
    ("AF25", "Paktika", "پکتیکا"),
    ("AF26", "Khost", "خوست"),
    ("AF27", "Jawzjan", "جوزجان"),
    ("AF28", "Faryab", "فاریاب"),
    ("AF29", "Badghis", "بادغیس"),
    ("AF30", "Herat", "هرات"),
    ("AF31", "Farah", "فراه"),
    ("AF32", "Helmand", "هلمند"),
    ("AF33", "Kandahar", "کندهار"),
    ("AF34", "Nimroz", "نیمروز"),
]

# The provincial-capital districts of the main return provinces, and Achin (DOMAIN.md's example).
DISTRICTS = [
    ("AF0101", "AF01", "Kabul"),
    ("AF0601", "AF06", "Jalalabad"),
    ("AF0617", "AF06", "Achin"),
    ("AF3001", "AF30", "Herat"),
    ("AF3301", "AF33", "Kandahar"),
]

COMMON_DEPARTURE = {"PK", "IR", "TJ", "IN", "TR"}

AGENCIES = [
    ("UNHCR", "United Nations High Commissioner for Refugees", "un_agency", True),
    ("IOM", "International Organization for Migration", "un_agency", True),
    ("MORR", "Ministry of Refugees and Repatriation", "government", False),
    ("NRC", "Norwegian Refugee Council", "ngo", False),
    ("DRC", "Danish Refugee Council", "ngo", False),
    ("WAW", "Women for Afghan Women", "ngo", False),
]

OFFICES = [
    ("TKM", "Torkham border crossing", "border_crossing", "AF06", None),
    ("SBD", "Spin Boldak border crossing", "border_crossing", "AF33", None),
    ("IQL", "Islam Qala border crossing", "border_crossing", "AF30", None),
    ("MLK", "Milak border crossing", "border_crossing", "AF34", None),
    ("KBA", "Kabul airport", "airport", "AF01", None),
    ("EKB", "Kabul encashment centre", "encashment_centre", "AF01", "UNHCR"),
    ("ENG", "Nangarhar encashment centre", "encashment_centre", "AF06", "UNHCR"),
    ("EKD", "Kandahar encashment centre", "encashment_centre", "AF33", "UNHCR"),
    ("EHR", "Herat encashment centre", "encashment_centre", "AF30", "UNHCR"),
    ("TTK", "Torkham transit centre", "transit_centre", "AF06", "IOM"),
    ("TIQ", "Islam Qala transit centre", "transit_centre", "AF30", "IOM"),
    ("TMK", "Milak transit centre", "transit_centre", "AF34", "IOM"),
    ("DNG", "DoRR Nangarhar provincial office", "provincial_office", "AF06", "MORR"),
]


def load(apps, schema_editor):
    import pycountry

    Province = apps.get_model("agencies", "Province")
    District = apps.get_model("agencies", "District")
    Country = apps.get_model("agencies", "Country")
    Agency = apps.get_model("agencies", "Agency")
    Office = apps.get_model("agencies", "Office")
    Province.objects.bulk_create([Province(pcode=code, name=name, name_local=local) for code, name, local in PROVINCES])
    District.objects.bulk_create(
        [District(pcode=code, province_id=province, name=name) for code, province, name in DISTRICTS]
    )
    Country.objects.bulk_create(
        [
            Country(
                code=country.alpha_2,
                name=getattr(country, "common_name", country.name),
                is_common_departure=country.alpha_2 in COMMON_DEPARTURE,
            )
            for country in pycountry.countries
        ]
    )
    agencies = {
        code: Agency.objects.create(code=code, name=name, kind=kind, receives_routed_households=routed)
        for code, name, kind, routed in AGENCIES
    }
    Office.objects.bulk_create(
        [
            Office(code=code, name=name, kind=kind, province_id=province, agency=agencies.get(agency))
            for code, name, kind, province, agency in OFFICES
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

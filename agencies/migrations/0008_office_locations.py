"""Where each office is: district, a place in words, and coordinates; the IOM transit centre in Kandahar city.

At Spin Boldak, IOM receives arrivals at the border and gives its services at the transit centre in
Kandahar city, about 100 km away (DOMAIN.md, "IOM post-arrival assistance"): two offices, so the
reception (SBD) and the transit centre (TKH) each have their own place.

EVERY COORDINATE BELOW IS APPROXIMATE, TO THE TOWN (about a kilometre): the centre of the border
town or the city the office is in, in decimal degrees (WGS 84), not a surveyed position of the
building. An administrator corrects them in the admin when an exact position is known. Offices in
one town (Kandahar's encashment and transit centres, Islam Qala's crossing and transit centre) share
their town's point.

Self-contained (no import of app code), so that it still runs when the models have moved on.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

# The IOM transit centre in Kandahar city, new here: "TKH" (Transit KandaHar), clear of the other codes.
KANDAHAR_TRANSIT = ("TKH", "Kandahar transit centre", "transit_centre", "AF33", "IOM")

# code: (district as (province P-code, name) or None, place in words, latitude, longitude)
# Districts are set only when that district is in the database (the reference data holds a few;
# an administrator loads the full list), found by province and name.
PLACES = {
    # Border crossings (approximate, to the border town).
    "TKM": (None, "Torkham, at the border with Pakistan (Khyber Pass)", "34.1170", "71.0950"),
    "SBD": (
        ("AF33", "Spin Boldak"),
        "Spin Boldak, at the border facing Chaman (Pakistan): reception at the border; services at the Kandahar transit centre",
        "31.0050",
        "66.4000",
    ),
    "IQL": (("AF30", "Kohsan"), "Islam Qala, at the border with Iran (Dogharoun)", "34.6600", "61.0700"),
    "MLK": (("AF34", "Zaranj"), "Milak, at the border with Iran, near Zaranj", "31.0000", "61.8000"),
    # Kabul airport (approximate, to the airport).
    "KBA": (("AF01", "Kabul"), "Kabul International Airport", "34.5660", "69.2120"),
    # UNHCR encashment centres (approximate, to the city or town).
    "EKB": (("AF01", "Kabul"), "Kabul city", "34.5300", "69.1700"),
    "ENG": (None, "Samarkhel, near Jalalabad", "34.4000", "70.5500"),
    "EKD": (("AF33", "Kandahar"), "Kandahar city", "31.6100", "65.7100"),
    "EHR": (("AF30", "Herat"), "Herat city", "34.3500", "62.2000"),
    # IOM transit centres (approximate, to the town of the crossing or the city).
    "TTK": (None, "Torkham, near the border crossing", "34.1170", "71.0950"),
    "TIQ": (("AF30", "Kohsan"), "Islam Qala, near the border crossing", "34.6600", "61.0700"),
    "TMK": (("AF34", "Zaranj"), "Milak, near the border crossing", "31.0000", "61.8000"),
    "TKH": (
        ("AF33", "Kandahar"),
        "Kandahar city, where arrivals received at Spin Boldak are assisted",
        "31.6100",
        "65.7100",
    ),
    # DoRR (approximate, to the city).
    "DNG": (("AF06", "Jalalabad"), "Jalalabad city", "34.4300", "70.4500"),
}


def locate(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    District = apps.get_model("agencies", "District")
    Office = apps.get_model("agencies", "Office")
    code, name, kind, province, agency = KANDAHAR_TRANSIT
    Office.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "province_id": province,
            "agency": Agency.objects.filter(code=agency).first(),
        },
    )
    districts = {(district.province_id, district.name.lower()): district for district in District.objects.all()}
    offices = list(Office.objects.filter(code__in=PLACES))
    for office in offices:
        district, place, latitude, longitude = PLACES[office.code]
        office.district = districts.get((district[0], district[1].lower())) if district else None
        office.place_description = place
        office.latitude, office.longitude = Decimal(latitude), Decimal(longitude)
    Office.objects.bulk_update(offices, ["district", "place_description", "latitude", "longitude"])
    # Check the new foreign keys now: the district index is created after this function, and
    # PostgreSQL refuses to create an index on a table with foreign key checks still pending.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def unlocate(apps, schema_editor):
    # In SQL: the historical models would follow relations to tables that have moved to returns.
    # The database's foreign keys refuse it if anything was registered at the transit centre.
    schema_editor.execute("DELETE FROM agencies_office WHERE code = %s", [KANDAHAR_TRANSIT[0]])
    # Checked now (and refused here if so), before the columns are dropped from the table.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0007_cases_leave_for_returns"),
    ]

    operations = [
        migrations.AddField(
            model_name="office",
            name="district",
            field=models.ForeignKey(
                blank=True,
                help_text="The district it is in, when known; in the office's province.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offices",
                to="agencies.district",
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="latitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=6,
                help_text="Decimal degrees, north positive (Afghanistan: about 29 to 39).",
                max_digits=8,
                null=True,
                verbose_name="latitude",
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="longitude",
            field=models.DecimalField(
                blank=True,
                decimal_places=6,
                help_text="Decimal degrees, east positive (Afghanistan: about 60 to 75).",
                max_digits=9,
                null=True,
                verbose_name="longitude",
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="place_description",
            field=models.CharField(
                blank=True,
                help_text="Where it is, in words a visitor can follow, e.g. “Kandahar city” or “at the border gate”.",
                max_length=200,
                verbose_name="place",
            ),
        ),
        migrations.AddConstraint(
            model_name="office",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("latitude__isnull", True), models.Q(("latitude__gte", -90), ("latitude__lte", 90)), _connector="OR"
                ),
                name="office_latitude_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="office",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("longitude__isnull", True),
                    models.Q(("longitude__gte", -180), ("longitude__lte", 180)),
                    _connector="OR",
                ),
                name="office_longitude_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="office",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("latitude__isnull", True), ("longitude__isnull", True)),
                    models.Q(("latitude__isnull", False), ("longitude__isnull", False)),
                    _connector="OR",
                ),
                name="office_coordinates_both_or_neither",
            ),
        ),
        migrations.RunPython(locate, unlocate),
    ]

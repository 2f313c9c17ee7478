"""Where IOM's provincial teams (seeded by 0011) are: the provincial capital, approximately (to the town).

The offices' coordinates came with agencies 0008, which ran before or after 0011 depending on the
database; the teams get theirs here, after both.
"""

from decimal import Decimal

from django.db import migrations

# code, latitude, longitude, place (approximate, to the town)
TEAMS = [
    ("IKB", "34.530000", "69.170000", "Kabul city"),
    ("ING", "34.430000", "70.450000", "Jalalabad"),
    ("IKD", "31.610000", "65.710000", "Kandahar city"),
    ("IHR", "34.350000", "62.200000", "Herat city"),
    ("IKZ", "36.730000", "68.860000", "Kunduz city"),
    ("IBL", "36.710000", "67.110000", "Mazar-i-Sharif"),
]


def load(apps, schema_editor):
    Office = apps.get_model("agencies", "Office")
    for code, latitude, longitude, place in TEAMS:
        Office.objects.filter(code=code, latitude__isnull=True).update(
            latitude=Decimal(latitude), longitude=Decimal(longitude), place_description=place
        )


class Migration(migrations.Migration):
    dependencies = [("returns", "0014_monitoring_sample"), ("agencies", "0008_office_locations")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

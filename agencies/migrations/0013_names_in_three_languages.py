"""Reference data in Dari and Pashto: provinces, districts, countries, agencies and offices.

The provinces' Dari names (``name_local``) become ``name_fa``; the Dari and Pashto names of the rows
that the first migrations loaded are filled in by ``0014``.
"""

from django.db import migrations, models


def _names():
    return [
        ("name_fa", models.CharField(blank=True, max_length=200, verbose_name="name in Dari")),
        ("name_ps", models.CharField(blank=True, max_length=200, verbose_name="name in Pashto")),
    ]


class Migration(migrations.Migration):
    dependencies = [("agencies", "0012_user_language_calendar_digits")]

    operations = [
        migrations.RenameField("province", "name_local", "name_fa"),
        migrations.AlterField(
            "province", "name_fa", models.CharField(blank=True, max_length=200, verbose_name="name in Dari")
        ),
        migrations.AddField(
            "province", "name_ps", models.CharField(blank=True, max_length=200, verbose_name="name in Pashto")
        ),
        *[
            migrations.AddField(model, field, definition)
            for model in ("district", "country", "agency", "office")
            for field, definition in _names()
        ],
    ]

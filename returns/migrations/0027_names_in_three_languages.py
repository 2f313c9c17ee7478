"""Code lists in Dari and Pashto: return types, document types, specific-needs codes, assistance types,
and the routing rules' explanations. The rows the first migrations loaded get their names in ``0028``."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("returns", "0026_import_valid_records"), ("agencies", "0013_names_in_three_languages")]

    operations = [
        *[
            migrations.AddField(model, field, models.CharField(blank=True, max_length=200, verbose_name=label))
            for model in ("returntype", "documenttype", "needcode", "assistancetype")
            for field, label in (("name_fa", "name in Dari"), ("name_ps", "name in Pashto"))
        ],
        migrations.AddField(
            "routingrule", "explanation_fa", models.TextField(blank=True, verbose_name="explanation in Dari")
        ),
        migrations.AddField(
            "routingrule", "explanation_ps", models.TextField(blank=True, verbose_name="explanation in Pashto")
        ),
    ]

from django.db import migrations, models

# The codes whose published counts could hurt the people counted: torture, sexual and
# gender-based violence (and their sub-codes), mental illness, drug use.
SENSITIVE = {"unhcr_snc": ("TR", "SV"), "iom_vulnerability": ("MI", "DA")}


def mark_sensitive(apps, schema_editor):
    NeedCode = apps.get_model("returns", "NeedCode")
    for scheme, codes in SENSITIVE.items():
        NeedCode.objects.filter(scheme=scheme, code__in=codes).update(is_sensitive=True)
        NeedCode.objects.filter(scheme=scheme, parent__code__in=codes).update(is_sensitive=True)


class Migration(migrations.Migration):
    dependencies = [("returns", "0015_iom_team_places")]

    operations = [
        migrations.AddField(
            model_name="needcode",
            name="is_sensitive",
            field=models.BooleanField(
                default=False,
                help_text="Published counts of people with this code need more people per cell (the report's stricter threshold).",
                verbose_name="sensitive",
            ),
        ),
        migrations.RunPython(mark_sensitive, migrations.RunPython.noop),
    ]

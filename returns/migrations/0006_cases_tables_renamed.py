"""The case tables take the returns app's name (agencies_case becomes returns_case, and so on).

A rename carries every row, index and constraint with it. Content types (and with them the
permissions and admin history that point at them) follow the models to the returns app.
"""

from django.db import migrations

MOVED_MODELS = ["assistance", "assistancetype", "case", "caseevent", "grantrate", "memberverification", "referral"]


def content_types_move(from_app: str, to_app: str):
    def move(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        taken = set(
            content_type.objects.filter(app_label=to_app, model__in=MOVED_MODELS).values_list("model", flat=True)
        )
        content_type.objects.filter(app_label=from_app, model__in=set(MOVED_MODELS) - taken).update(app_label=to_app)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0007_cases_leave_for_returns"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("returns", "0005_cases_join_the_registry"),
    ]

    operations = [
        migrations.AlterModelTable(
            name="assistance",
            table=None,
        ),
        migrations.AlterModelTable(
            name="assistancetype",
            table=None,
        ),
        migrations.AlterModelTable(
            name="case",
            table=None,
        ),
        migrations.AlterModelTable(
            name="caseevent",
            table=None,
        ),
        migrations.AlterModelTable(
            name="grantrate",
            table=None,
        ),
        migrations.AlterModelTable(
            name="memberverification",
            table=None,
        ),
        migrations.AlterModelTable(
            name="referral",
            table=None,
        ),
        migrations.RunPython(
            content_types_move("agencies", "returns"), content_types_move("returns", "agencies"), elidable=False
        ),
    ]

"""The pattern index on the case number, left behind under its old name when the case moved from
``agencies`` to ``returns`` (migration 0029 dropped the registration number's, under the name Django
gives it now): nothing reads it (a case number is looked up whole, ``iexact``), and every case an import
opens wrote to it."""

from django.db import migrations

INDEX = "agencies_case_case_number_39578c4a_like"


class Migration(migrations.Migration):
    dependencies = [("returns", "0029_indexes_an_import_writes")]

    operations = [
        migrations.RunSQL(
            f"DROP INDEX IF EXISTS {INDEX}",
            reverse_sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON returns_case (case_number varchar_pattern_ops)",
        ),
    ]

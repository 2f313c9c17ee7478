# Assistance of value 0 is nothing given: the database refuses it, as the service does. In-kind
# assistance has no value (null), which stays allowed.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_office_locations"),
        ("returns", "0016_need_code_sensitive"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="assistance",
            name="assistance_value_not_negative",
        ),
        migrations.AddConstraint(
            model_name="assistance",
            constraint=models.CheckConstraint(
                condition=models.Q(("value__isnull", True), ("value__gt", 0), _connector="OR"),
                name="assistance_value_positive",
            ),
        ),
    ]

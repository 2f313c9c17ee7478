"""The duplicate candidates' blocks read a name pair and then an age window from one index; the lists
read the newest arrivals first from one index, whichever branch of the gate lets a household through,
and count up to 10,000 of them from another, without reading a household.

Built concurrently: on a registry of millions, registration goes on while the indexes are built.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("returns", "0021_identity_and_one_grant_per_person"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="member",
            index=models.Index(
                fields=["given_key", "fathers_key", "estimated_age", "date_of_birth"], name="member_given_fathers_age"
            ),
        ),
        AddIndexConcurrently(
            model_name="member",
            index=models.Index(
                fields=["given_key", "family_key", "estimated_age", "date_of_birth"], name="member_given_family_age"
            ),
        ),
        RemoveIndexConcurrently(model_name="member", name="member_given_fathers_key"),
        AddIndexConcurrently(
            model_name="household",
            index=models.Index(
                fields=["-arrival_date", "-id"],
                condition=models.Q(("withdrawn_at__isnull", True)),
                name="household_arrival",
            ),
        ),
        AddIndexConcurrently(
            model_name="household",
            index=models.Index(
                fields=["routed_agency", "registered_by", "id"],
                condition=models.Q(("withdrawn_at__isnull", True)),
                name="household_gate",
            ),
        ),
    ]

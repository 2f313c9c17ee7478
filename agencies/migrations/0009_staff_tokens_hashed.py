"""Staff API tokens stored as hashes, with an expiry; DRF's plain-text tokens are moved over and dropped.

Existing tokens keep working (scripts in use are not cut off): each is copied as the SHA-256 of
its key, valid for 90 days from now (``STAFF_TOKEN_DAYS``' default), and the plain-text table of
``rest_framework.authtoken`` (no longer installed) is dropped, so no usable secret stays at rest.
Self-contained SQL: the table exists only in databases that had DRF's tokens.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_office_locations"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        blank=True, help_text="What uses the token, e.g. a script.", max_length=100, verbose_name="name"
                    ),
                ),
                ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staff_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "staff API token",
                "verbose_name_plural": "staff API tokens",
                "ordering": ["user", "-created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("expires_at__gt", models.F("created_at"))), name="staff_token_expires_later"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql="""
            DO $$
            BEGIN
                IF to_regclass('authtoken_token') IS NOT NULL THEN
                    INSERT INTO agencies_stafftoken (name, key_hash, created_at, expires_at, user_id)
                    SELECT 'moved from the plain-text tokens', encode(sha256(convert_to(key, 'UTF8')), 'hex'),
                           now(), now() + interval '90 days', user_id
                    FROM authtoken_token;
                    DROP TABLE authtoken_token;
                    DELETE FROM django_migrations WHERE app = 'authtoken';
                END IF;
            END $$;
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]

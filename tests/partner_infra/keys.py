"""Partners' keys for tests: issued through the same service as the admin and the command."""

import datetime

from django.utils import timezone
from rest_framework.test import APIClient

from agencies.api_keys import api_key_issue
from agencies.models import Agency, ApiKey, DataSharingAgreement, User
from agencies.models.partners import SHAREABLE_FIELDS
from tests.factories import UserFactory

ALL_SHAREABLE = [f"{resource}.{name}" for resource, names in SHAREABLE_FIELDS.items() for name in names]


def administrator(username: str = "admin.t") -> User:
    # Fetched when it exists: the factory would set its password again, which ends its sessions.
    existing = User.objects.filter(username=username).first()
    return existing or UserFactory(
        username=username, agency=None, office=None, role=User.Role.ADMIN, is_superuser=True, is_staff=True
    )


def agreement(*, partner: Agency, sources: list[Agency], fields=None) -> DataSharingAgreement:
    """An agreement in force since yesterday: ``partner`` receives ``sources``' records, every field by default.
    It replaces the partner's active one (the demo's, when the test loaded the demo)."""
    DataSharingAgreement.objects.filter(partner=partner, is_active=True).update(is_active=False)
    made = DataSharingAgreement.objects.create(
        partner=partner,
        title=f"{partner.code} agreement",
        fields=ALL_SHAREABLE if fields is None else fields,
        valid_from=timezone.localdate() - datetime.timedelta(days=1),
    )
    made.source_agencies.set(sources)
    return made


def issue(
    *,
    partner: Agency,
    scopes: list[str],
    issued_by: User | None = None,
    name: str = "Test sync",
    requests_per_minute: int = 600,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiKey, str]:
    return api_key_issue(
        partner=partner,
        name=name,
        scopes=scopes,
        expires_at=expires_at,
        requests_per_minute=requests_per_minute,
        issued_by=issued_by or administrator(),
    )


def key_client(full_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {full_key}")
    return client

"""The agencies app's models: who works in the operation, where, and what partners may receive."""

from agencies.models.access_log import AccessLogEntry, may_read_access_log
from agencies.models.organisation import (
    Agency,
    Country,
    District,
    Office,
    Province,
    StaffUserManager,
    User,
)
from agencies.models.partners import SHAREABLE_FIELDS, ApiKey, DataSharingAgreement, IdempotencyRecord, Scope
from agencies.models.scope import ALL_AGENCIES, agency_scope
from agencies.models.tokens import StaffToken, staff_token_hash

__all__ = [
    "ALL_AGENCIES",
    "SHAREABLE_FIELDS",
    "AccessLogEntry",
    "Agency",
    "ApiKey",
    "Country",
    "DataSharingAgreement",
    "District",
    "IdempotencyRecord",
    "Office",
    "Province",
    "Scope",
    "StaffToken",
    "StaffUserManager",
    "User",
    "agency_scope",
    "may_read_access_log",
    "staff_token_hash",
]

"""The agencies app's models: who works in the operation, and the cases they take through workflows."""

from agencies.models.cases import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRate,
    MemberVerification,
    Referral,
)
from agencies.models.organisation import (
    ALL_AGENCIES,
    Agency,
    Country,
    District,
    Office,
    Province,
    StaffUserManager,
    User,
    agency_scope,
)
from agencies.models.partners import SHAREABLE_FIELDS, ApiKey, DataSharingAgreement, IdempotencyRecord, Scope

__all__ = [
    "ALL_AGENCIES",
    "SHAREABLE_FIELDS",
    "Agency",
    "ApiKey",
    "Assistance",
    "AssistanceType",
    "Case",
    "CaseEvent",
    "Country",
    "DataSharingAgreement",
    "District",
    "GrantRate",
    "IdempotencyRecord",
    "MemberVerification",
    "Office",
    "Province",
    "Referral",
    "Scope",
    "StaffUserManager",
    "User",
    "agency_scope",
]

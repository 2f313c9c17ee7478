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

__all__ = [
    "ALL_AGENCIES",
    "Agency",
    "Assistance",
    "AssistanceType",
    "Case",
    "CaseEvent",
    "Country",
    "District",
    "GrantRate",
    "MemberVerification",
    "Office",
    "Province",
    "Referral",
    "StaffUserManager",
    "User",
    "agency_scope",
]

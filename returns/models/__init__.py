"""The returns app's models: the registry (households, members, routing) and the cases that
agencies take households through."""

from returns.models.cases import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRate,
    MemberVerification,
    Referral,
)
from returns.models.counts import BorderCount
from returns.models.monitoring import MonitoringInterview, MonitoringPlan
from returns.models.registry import (
    Category,
    DeletedRecord,
    DocumentType,
    Household,
    HouseholdEvent,
    Member,
    MemberDocument,
    NeedCode,
    ReturnType,
    RoutingRule,
    RoutingRuleSet,
)

__all__ = [
    "Assistance",
    "AssistanceType",
    "BorderCount",
    "Case",
    "CaseEvent",
    "Category",
    "DeletedRecord",
    "DocumentType",
    "GrantRate",
    "Household",
    "HouseholdEvent",
    "Member",
    "MemberDocument",
    "MemberVerification",
    "MonitoringInterview",
    "MonitoringPlan",
    "NeedCode",
    "Referral",
    "ReturnType",
    "RoutingRule",
    "RoutingRuleSet",
]

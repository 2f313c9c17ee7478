"""The returns app's models: the registry (households, members, routing) and the cases that
agencies take households through."""

from returns.models.cases import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRate,
    GrantRefusal,
    MemberEntitlement,
    MemberVerification,
    Referral,
    SupplementRule,
)
from returns.models.counts import BorderCount
from returns.models.exports import ExportJob
from returns.models.identity import IdentityEvent, MatchPair, MatchRun
from returns.models.imports import ImportBatch, ImportedHousehold, ManifestMember, VrfManifest
from returns.models.monitoring import MonitoringInterview, MonitoringPlan
from returns.models.registry import (
    CardValidityDecree,
    Category,
    DeletedRecord,
    DocumentType,
    Family,
    FlagFollowUp,
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
    "CardValidityDecree",
    "Case",
    "CaseEvent",
    "Category",
    "DeletedRecord",
    "DocumentType",
    "ExportJob",
    "Family",
    "FlagFollowUp",
    "GrantRate",
    "GrantRefusal",
    "Household",
    "HouseholdEvent",
    "IdentityEvent",
    "ImportBatch",
    "ImportedHousehold",
    "ManifestMember",
    "MatchPair",
    "MatchRun",
    "Member",
    "MemberDocument",
    "MemberEntitlement",
    "MemberVerification",
    "MonitoringInterview",
    "MonitoringPlan",
    "NeedCode",
    "Referral",
    "ReturnType",
    "RoutingRule",
    "RoutingRuleSet",
    "SupplementRule",
    "VrfManifest",
]

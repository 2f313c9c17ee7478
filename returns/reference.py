"""Reference data (offices, places, code lists, the active routing rules and flag follow-ups), cached per process.

Registration looks up a dozen codes per household; reading them from a small in-memory snapshot
keeps a registration to a handful of queries. The snapshot is rebuilt when an admin saves a code
list in this process, and at most ``SNAPSHOT_SECONDS`` later in every other process.
"""

import threading
import time
from dataclasses import dataclass, field

from django.db.models.signals import post_delete, post_save

from agencies.models import Agency, Country, District, Office, Province
from returns.models import DocumentType, FlagFollowUp, NeedCode, ReturnType, RoutingRule, RoutingRuleSet

SNAPSHOT_SECONDS = 60


@dataclass(frozen=True)
class ReferenceData:
    agencies: dict
    offices: dict
    countries: dict
    provinces: dict
    districts: dict
    return_types: dict
    document_types: dict
    specific_needs: dict
    rule_set: object | None
    rules: tuple
    # The active flag follow-ups by (flag, id of the agency whose case carries it).
    flag_follow_ups: dict = field(default_factory=dict)


_lock = threading.Lock()
_snapshot: tuple[float, ReferenceData] | None = None


def _load() -> ReferenceData:
    rule_set = RoutingRuleSet.objects.filter(status=RoutingRuleSet.Status.ACTIVE).first()
    rules = (
        tuple(RoutingRule.objects.filter(rule_set=rule_set).select_related("agency").order_by("order"))
        if rule_set
        else ()
    )
    return ReferenceData(
        agencies={agency.code: agency for agency in Agency.objects.all()},
        offices={office.code: office for office in Office.objects.filter(is_active=True)},
        countries={country.code: country for country in Country.objects.all()},
        provinces={province.pcode: province for province in Province.objects.all()},
        districts={district.pcode: district for district in District.objects.all()},
        return_types={return_type.code: return_type for return_type in ReturnType.objects.all()},
        document_types={document_type.code: document_type for document_type in DocumentType.objects.all()},
        specific_needs={
            need.code: need
            for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.UNHCR_SPECIFIC_NEED, is_active=True)
        },
        rule_set=rule_set,
        rules=rules,
        flag_follow_ups={
            (follow_up.flag, follow_up.case_agency_id): follow_up
            for follow_up in FlagFollowUp.objects.filter(is_active=True).select_related("to_agency")
        },
    )


def reference_data() -> ReferenceData:
    """The current snapshot, reloaded when older than SNAPSHOT_SECONDS or invalidated."""
    global _snapshot
    snapshot = _snapshot
    if snapshot is not None and time.monotonic() - snapshot[0] < SNAPSHOT_SECONDS:
        return snapshot[1]
    with _lock:
        if _snapshot is None or time.monotonic() - _snapshot[0] >= SNAPSHOT_SECONDS:
            _snapshot = (time.monotonic(), _load())
        return _snapshot[1]


def reference_invalidate(**_kwargs) -> None:
    global _snapshot
    _snapshot = None


def connect_invalidation() -> None:
    for model in (
        Agency,
        Office,
        Country,
        Province,
        District,
        ReturnType,
        DocumentType,
        NeedCode,
        RoutingRule,
        RoutingRuleSet,
        FlagFollowUp,
    ):
        post_save.connect(reference_invalidate, sender=model, dispatch_uid=f"reference-save-{model.__name__}")
        post_delete.connect(reference_invalidate, sender=model, dispatch_uid=f"reference-delete-{model.__name__}")

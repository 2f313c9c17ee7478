"""Reference data (offices, places, code lists, the dated policy, flag follow-ups), cached per process.

Registration looks up a dozen codes per household and the policy in force on its arrival date;
reading them from a small in-memory snapshot keeps a registration to a handful of queries. The
snapshot is rebuilt when an admin saves a code list or a policy in this process, and at most
``SNAPSHOT_SECONDS`` later in every other process.
"""

import bisect
import datetime
import threading
import time
from dataclasses import dataclass, field

from django.db.models.signals import post_delete, post_save

from agencies.models import Agency, Country, District, Office, Province
from returns.models import (
    CardValidityDecree,
    DocumentType,
    FlagFollowUp,
    NeedCode,
    ReturnType,
    RoutingRule,
    RoutingRuleSet,
)

SNAPSHOT_SECONDS = 60


@dataclass(frozen=True)
class PolicyVersion:
    """A published routing rule set with its rules, in force from ``effective_from`` until the next one."""

    rule_set: RoutingRuleSet
    rules: tuple
    effective_from: datetime.date
    effective_until: datetime.date | None  # the day before the next version starts


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
    # The active flag follow-ups by (flag, id of the agency whose case carries it).
    flag_follow_ups: dict = field(default_factory=dict)
    policies: tuple = ()  # PolicyVersion, by effective_from
    decrees: dict = field(default_factory=dict)  # card type code → its decrees, by effective_from

    def policy_on(self, day: datetime.date) -> PolicyVersion | None:
        """The routing policy in force on ``day``: the latest published version that started on or before it."""
        index = bisect.bisect_right([policy.effective_from for policy in self.policies], day)
        return self.policies[index - 1] if index else None

    def decree_on(self, document_type: str, day: datetime.date) -> CardValidityDecree | None:
        """The decision on the validity of cards of this type in force on ``day`` (None: the printed expiry decides)."""
        decrees = self.decrees.get(document_type, ())
        index = bisect.bisect_right([decree.effective_from for decree in decrees], day)
        return decrees[index - 1] if index else None

    def card_validity(
        self, document_type: str, printed_expiry: datetime.date | None, day: datetime.date
    ) -> tuple[bool, CardValidityDecree | None]:
        """Whether a refugee card is legally valid on ``day``, and the decree that makes it so (None: its printed date).

        A decree in force on the day extends every card of its type until its ``valid_until``; a card
        printed to expire later stays valid until its printed date.
        """
        printed_valid = printed_expiry is None or printed_expiry >= day
        decree = self.decree_on(document_type, day)
        if decree is None or printed_valid:
            return printed_valid, None
        return day <= decree.valid_until, decree


_lock = threading.Lock()
_snapshot: tuple[float, ReferenceData] | None = None


def _policies() -> tuple[PolicyVersion, ...]:
    published = list(RoutingRuleSet.objects.filter(status=RoutingRuleSet.Status.PUBLISHED).order_by("effective_from"))
    rules_by_set: dict[int, list] = {rule_set.pk: [] for rule_set in published}
    for rule in (
        RoutingRule.objects.filter(rule_set__in=published).select_related("agency").order_by("rule_set", "order")
    ):
        rules_by_set[rule.rule_set_id].append(rule)
    return tuple(
        PolicyVersion(
            rule_set=rule_set,
            rules=tuple(rules_by_set[rule_set.pk]),
            effective_from=rule_set.effective_from,
            effective_until=(
                published[index + 1].effective_from - datetime.timedelta(days=1) if index + 1 < len(published) else None
            ),
        )
        for index, rule_set in enumerate(published)
    )


def _decrees() -> dict[str, tuple]:
    by_type: dict[str, list] = {}
    for decree in CardValidityDecree.objects.order_by("document_type", "effective_from"):
        by_type.setdefault(decree.document_type_id, []).append(decree)
    return {code: tuple(decrees) for code, decrees in by_type.items()}


def _load() -> ReferenceData:
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
        policies=_policies(),
        decrees=_decrees(),
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
        CardValidityDecree,
        FlagFollowUp,
    ):
        post_save.connect(reference_invalidate, sender=model, dispatch_uid=f"reference-save-{model.__name__}")
        post_delete.connect(reference_invalidate, sender=model, dispatch_uid=f"reference-delete-{model.__name__}")

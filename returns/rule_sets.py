"""Versioning of the routing rule sets: copy a version into a new draft, publish a draft for a date.

Published versions form the routing policy's timeline: a household is routed by the version in
force on its arrival date. A household cites the rule and the version that decided it, so a
published or withdrawn version never changes: a change to routing is a new draft, edited in the
admin and published here from a day that has not passed yet, so no decision already made would
come out differently if it were evaluated again.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from returns.models import RoutingRule, RoutingRuleSet
from returns.reference import reference_invalidate


def _rule_sets_lock() -> dict[int, RoutingRuleSet]:
    """Lock every rule set (a handful of rows), in primary-key order, and return them by id.

    Copy and activation both read "the current state of all versions" (the highest version, the
    active one); locking the whole small table serialises them without deadlocks.
    """
    return {rule_set.pk: rule_set for rule_set in RoutingRuleSet.objects.select_for_update().order_by("pk")}


def rule_set_next_version() -> int:
    return (RoutingRuleSet.objects.aggregate(highest=Max("version"))["highest"] or 0) + 1


def rule_set_copy(*, rule_set: RoutingRuleSet, copied_by: User) -> RoutingRuleSet:
    """Copy a rule set and its rules into a new draft with the next version number."""
    if not copied_by.has_perm("returns.add_routingruleset"):
        raise PermissionDenied(_("You may not create routing rule sets."))
    with transaction.atomic():
        locked = _rule_sets_lock()
        source = locked.get(rule_set.pk)
        if source is None:
            raise ValidationError(_("This rule set no longer exists."))
        draft = RoutingRuleSet.objects.create(
            version=max(locked_set.version for locked_set in locked.values()) + 1,
            status=RoutingRuleSet.Status.DRAFT,
            notes=_("Draft copied from v%(version)s by %(user)s.") % {"version": source.version, "user": copied_by},
        )
        RoutingRule.objects.bulk_create(
            [
                RoutingRule(
                    rule_set=draft,
                    order=rule.order,
                    code=rule.code,
                    conditions=rule.conditions,
                    decides=rule.decides,
                    agency_id=rule.agency_id,
                    category=rule.category,
                    flags=list(rule.flags),
                    explanation=rule.explanation,
                )
                for rule in source.rules.order_by("order")
            ]
        )
    return draft


def rule_set_problems(rules: list[RoutingRule]) -> list[str]:
    """Why this ordered list of rules cannot be published (empty when it can)."""
    problems = []
    if not rules:
        return [_("Add at least one rule; the last one must decide with no conditions.")]
    for rule in rules:
        try:
            rule.clean()
        except ValidationError as error:
            problems.extend(
                _("Rule %(order)s “%(code)s”: %(problem)s") % {"order": rule.order, "code": rule.code, "problem": text}
                for text in error.messages
            )
            continue
        if rule.decides and not rule.agency.receives_routed_households:
            problems.append(
                _("Rule %(order)s “%(code)s”: households can only be routed to UNHCR or IOM, not %(agency)s.")
                % {"order": rule.order, "code": rule.code, "agency": rule.agency.code}
            )
    last = rules[-1]
    if not last.decides or last.conditions:
        problems.append(
            _(
                "The last rule (%(order)s “%(code)s”) must decide and have no conditions, "
                "so that every household is routed."
            )
            % {"order": last.order, "code": last.code}
        )
    return problems


def rule_set_publish(*, rule_set: RoutingRuleSet, published_by: User, effective_from: datetime.date) -> RoutingRuleSet:
    """Publish a draft: arrivals from ``effective_from`` are routed by it, until the next version's date.

    Raises ``ValidationError`` listing every problem: a draft that cannot route every household, a
    date in the past (decisions already made would no longer follow the policy of their date), or a
    day another published version already starts on.
    """
    if not published_by.has_perm("returns.change_routingruleset"):
        raise PermissionDenied(_("You may not publish routing rule sets."))
    with transaction.atomic():
        locked = _rule_sets_lock()
        target = locked.get(rule_set.pk)
        if target is None:
            raise ValidationError(_("This rule set no longer exists."))
        if target.status != RoutingRuleSet.Status.DRAFT:
            raise ValidationError(
                _("Only a draft can be published; v%(version)s is %(status)s. Copy it as a new draft version instead.")
                % {"version": target.version, "status": target.get_status_display().lower()}
            )
        problems = rule_set_problems(list(target.rules.select_related("agency").order_by("order")))
        today = timezone.localdate()
        if effective_from < today:
            problems.append(
                _(
                    "A version cannot take effect in the past (%(date)s): households already routed would no longer "
                    "follow the policy of their arrival date. Publish it from today or a later day."
                )
                % {"date": effective_from.isoformat()}
            )
        same_day = [
            other
            for other in locked.values()
            if other.status == RoutingRuleSet.Status.PUBLISHED and other.effective_from == effective_from
        ]
        if same_day:
            problems.append(
                _("v%(version)s already takes effect on %(date)s. Choose another day.")
                % {"version": same_day[0].version, "date": effective_from.isoformat()}
            )
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        target.status = RoutingRuleSet.Status.PUBLISHED
        target.effective_from = effective_from
        target.activated_at = now
        publication_note = _("Published by %(user)s on %(when)s, in force from %(date)s.") % {
            "user": published_by,
            "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
            "date": effective_from.isoformat(),
        }
        target.notes = f"{target.notes}\n{publication_note}".strip()
        target.save(update_fields=["status", "effective_from", "activated_at", "notes"])
        transaction.on_commit(reference_invalidate)
    return target


def rule_set_withdraw(*, rule_set: RoutingRuleSet, withdrawn_by: User) -> RoutingRuleSet:
    """Take a published version that has not taken effect yet off the timeline (it stays, withdrawn)."""
    if not withdrawn_by.has_perm("returns.change_routingruleset"):
        raise PermissionDenied(_("You may not withdraw routing rule sets."))
    with transaction.atomic():
        target = _rule_sets_lock().get(rule_set.pk)
        if target is None or target.status != RoutingRuleSet.Status.PUBLISHED:
            raise ValidationError(_("Only a published version can be withdrawn."))
        if target.effective_from <= timezone.localdate():
            raise ValidationError(
                _(
                    "v%(version)s has been in force since %(date)s and households were routed by it. "
                    "Publish a new version from a later day instead."
                )
                % {"version": target.version, "date": target.effective_from.isoformat()}
            )
        target.status = RoutingRuleSet.Status.WITHDRAWN
        target.save(update_fields=["status"])
        transaction.on_commit(reference_invalidate)
    return target

"""Versioning of the routing rule sets: copy a version into a new draft, activate a draft.

A household cites the rule and the rule-set version that decided it, so an active or retired rule
set never changes: a change to routing is a new draft version, edited in the admin and then
activated here, which retires the previous version in the same transaction.
"""

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
    """Why this ordered list of rules cannot become the active rule set (empty when it can)."""
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


def rule_set_activate(*, rule_set: RoutingRuleSet, activated_by: User) -> RoutingRuleSet:
    """Make a draft the active rule set and retire the previous one, in one transaction.

    Raises ``ValidationError`` listing every problem when the draft cannot route every household.
    New registrations use the new version once the transaction commits; households already
    registered keep citing the rule and version that decided them.
    """
    if not activated_by.has_perm("returns.change_routingruleset"):
        raise PermissionDenied(_("You may not activate routing rule sets."))
    with transaction.atomic():
        locked = _rule_sets_lock()
        target = locked.get(rule_set.pk)
        if target is None:
            raise ValidationError(_("This rule set no longer exists."))
        if target.status != RoutingRuleSet.Status.DRAFT:
            raise ValidationError(
                _("Only a draft can be activated; v%(version)s is %(status)s. Copy it as a new draft version instead.")
                % {"version": target.version, "status": target.get_status_display().lower()}
            )
        problems = rule_set_problems(list(target.rules.select_related("agency").order_by("order")))
        if problems:
            raise ValidationError(problems)
        for other in locked.values():
            if other.status == RoutingRuleSet.Status.ACTIVE:
                other.status = RoutingRuleSet.Status.RETIRED
                other.save(update_fields=["status"])
        now = timezone.now()
        target.status = RoutingRuleSet.Status.ACTIVE
        target.activated_at = now
        activation_note = _("Activated by %(user)s on %(when)s.") % {
            "user": activated_by,
            "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        }
        target.notes = f"{target.notes}\n{activation_note}".strip()
        target.save(update_fields=["status", "activated_at", "notes"])
        transaction.on_commit(reference_invalidate)
    return target

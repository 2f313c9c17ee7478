"""The visibility scope: whose personal records a user may see. Every visibility gate starts here."""

from django.utils import timezone

from agencies.models.organisation import User
from agencies.models.partners import DataSharingAgreement

ALL_AGENCIES = "all"


def agency_scope(user) -> frozenset[int] | str | None:
    """Whose personal records a user may see: ``ALL_AGENCIES`` (administrators), a set of agency
    ids (staff: their agency; a partner's key: the agencies its data-sharing agreement covers), or
    None (anonymous, inactive, coordinators who read only joint figures, users of no agency).
    Every visibility gate starts here."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.sees_everything:
        return ALL_AGENCIES
    if user.role == User.Role.COORDINATOR or user.agency_id is None:
        return None
    if user.role == User.Role.PARTNER:
        return partner_source_agencies(user)
    return frozenset({user.agency_id})


def partner_source_agencies(user) -> frozenset[int] | None:
    """The agencies whose records a partner's key may read: its agreement in force, else none."""
    agreement = partner_agreement(user)
    return agreement.source_agency_ids if agreement is not None else None


def partner_agreement(user):
    """The partner's data-sharing agreement in force today (cached on the user for the request)."""
    if not hasattr(user, "_agreement"):
        today = timezone.localdate()
        agreement = (
            DataSharingAgreement.objects.filter(partner_id=user.agency_id, is_active=True, valid_from__lte=today)
            .exclude(valid_until__lt=today)
            .prefetch_related("source_agencies")
            .first()
        )
        if agreement is not None:
            agreement.source_agency_ids = frozenset(agency.pk for agency in agreement.source_agencies.all())
        user._agreement = agreement
    return user._agreement

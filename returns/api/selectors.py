"""Reads the cases API needs beyond ``returns.selectors.cases``; each starts from a visibility gate.

Kept beside the API until the pages need them too; then they belong in ``returns.selectors.cases``.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from returns.api.filters import ReferralFilter
from returns.models import Assistance, Case, CaseEvent, Member, MemberEntitlement, Referral
from returns.selectors.cases import CASE_LIST_RELATED

ASSISTANCE_RELATED = ("assistance_type", "member", "office", "recorded_by", "approved_by")
REFERRAL_RELATED = ("case__household", "member", "from_agency", "to_agency", "created_by", "responded_by")


def case_visible(*, user, public_id) -> Case:
    """The case with what services read (agency, household), or 404 if this user may not see it."""
    return get_object_or_404(Case.objects.visible_to(user).select_related("agency", "household"), public_id=public_id)


def case_pks(*, user, public_ids: list) -> list[int]:
    """The primary keys of these cases; 0 (no case has it) for one this user may not see, so that the
    service refuses it as it refuses a case of another agency."""
    pks = dict(Case.objects.visible_to(user).filter(public_id__in=public_ids).values_list("public_id", "pk"))
    return [pks.get(public_id, 0) for public_id in public_ids]


def case_detail(*, user, public_id) -> Case:
    """One case with what its allowed transitions' forms read (the members), in a fixed number of queries."""
    queryset = (
        Case.objects.visible_to(user)
        .select_related(*CASE_LIST_RELATED)
        # On the household already joined, so that it is not fetched again (and its members are, with the
        # documents the verification form reads to know who the VRF covers).
        .prefetch_related(
            Prefetch("household__members", queryset=Member.objects.order_by("id").prefetch_related("documents")),
            Prefetch("entitlements", queryset=MemberEntitlement.objects.select_related("member").order_by("member_id")),
        )
    )
    return get_object_or_404(queryset, public_id=public_id)


def case_events(*, case: Case):
    """The case's append-only history, oldest first."""
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")


def case_assistance(*, case: Case):
    """Assistance recorded on the case, in the order it was delivered."""
    return (
        Assistance.objects.filter(case=case).select_related("case", *ASSISTANCE_RELATED).order_by("delivered_on", "id")
    )


def assistance_visible(*, user, public_id) -> Assistance:
    """Assistance on a case this user may see, or 404."""
    queryset = Assistance.objects.filter(case__in=Case.objects.visible_to(user)).select_related(
        "case__agency", *ASSISTANCE_RELATED
    )
    return get_object_or_404(queryset, public_id=public_id)


def assistance_one(*, pk: int) -> Assistance:
    return Assistance.objects.select_related("case", *ASSISTANCE_RELATED).get(pk=pk)


def referral_filter(*, user, params) -> ReferralFilter:
    """Referrals made by or addressed to the user's agency (``.qs`` is the filtered list)."""
    queryset = Referral.objects.visible_to(user).select_related(*REFERRAL_RELATED)
    return ReferralFilter(params, queryset=queryset, user=user)


def referral_visible(*, user, public_id) -> Referral:
    """A referral made by or addressed to the user's agency, or 404."""
    return get_object_or_404(Referral.objects.visible_to(user).select_related(*REFERRAL_RELATED), public_id=public_id)

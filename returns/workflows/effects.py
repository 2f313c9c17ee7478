"""What some transitions write beyond the stage change. Each runs inside the transition's transaction."""

import datetime

from django.utils.translation import gettext as _

from agencies.models import Agency
from returns.models import Member, MemberVerification, NeedCode, Referral
from returns.workflows.base import TransitionContext

REFERRAL_ANSWER_DAYS = 3


def record_verifications(context: TransitionContext) -> None:
    """Save the iris result typed for each member aged 5 or over."""
    prefix = "iris_"
    members = {str(member.public_id): member for member in context.members}
    MemberVerification.objects.bulk_create(
        [
            MemberVerification(
                case=context.case, member=members[key[len(prefix) :]], result=result, recorded_by=context.actor
            )
            for key, result in context.inputs.items()
            if key.startswith(prefix) and key[len(prefix) :] in members
        ],
        update_conflicts=True,
        unique_fields=["case", "member"],
        update_fields=["result", "recorded_by"],
    )


def refer_to_iom(context: TransitionContext) -> None:
    """A household refused the grant goes to IOM for post-arrival assistance."""
    from returns.services.cases import referral_make

    referral_make(
        case=context.case,
        made_by=context.actor,
        to_agency=Agency.objects.get(code="IOM"),
        service=Referral.Service.ASSISTANCE,
        reason=_("UNHCR verification failed: %(note)s") % {"note": context.inputs.get("note", "")},
        due_date=context.today + datetime.timedelta(days=REFERRAL_ANSWER_DAYS),
        locked=True,
    )


def record_vulnerabilities(context: TransitionContext) -> None:
    """Add the IOM vulnerability codes chosen for each member; the case is vulnerable if any."""
    prefix = "vulnerabilities_"
    members = {str(member.public_id): member for member in context.members}
    codes = {need.code: need for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY)}
    links = [
        Member.specific_needs.through(member_id=members[key[len(prefix) :]].pk, needcode_id=codes[code].pk)
        for key, chosen in context.inputs.items()
        if key.startswith(prefix) and key[len(prefix) :] in members
        for code in chosen
    ]
    Member.specific_needs.through.objects.bulk_create(links, ignore_conflicts=True)
    context.case.is_vulnerable = bool(links)

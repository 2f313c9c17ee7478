"""The encashment centre's check of a family against the VRF manifests the repatriation centres sent.

For each VRF the household's members carry (``DocumentType`` of the repatriation-form class):

- the VRF is on no manifest: flagged, the centre is asked before anyone is paid;
- the VRF is on a manifest: each person it lists is matched to one registered member (sex, and the
  given and father's names as one name, in either script: ``returns.matching.same_name``); members
  the VRF does not list are named (they are not paid by UNHCR: ``returns.entitlement``);
- another household presented the same VRF: a family returning in parts shares its VRF, so that is
  said, and flagged as presented twice when a person the VRF lists answers in both households (two
  brothers on one VRF, returning as two parts of the family, are two people, not one twice).

Read-only, in a handful of queries whatever the registry's size (every lookup is by the indexed
normal number). The other household's registration number is shown only to whoever may see it
(``Household.objects.visible_to``), otherwise its office and date.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from returns.matching import same_name
from returns.models import Case, DocumentType, Household, ManifestMember, Member, MemberDocument, VrfManifest
from returns.names import is_local_script
from returns.workflows import unhcr_voluntary_repatriation


@dataclass
class Finding:
    flagged: bool  # a warning the officer must resolve before paying, or a plain fact
    code: str  # stable: not_on_manifest, on_manifest, presented_twice, other_part, not_listed, not_found
    message: str


@dataclass
class ManifestCheck:
    vrf_number: str
    manifest: VrfManifest | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return any(finding.flagged for finding in self.findings)


def checks_manifests(case: Case) -> bool:
    """Whether the case's workflow is the one the manifests serve (voluntary repatriation)."""
    return case.workflow == unhcr_voluntary_repatriation.WORKFLOW.code


def manifest_checks(household: Household, members: list[Member], *, user) -> list[ManifestCheck]:
    """What the manifests say of each VRF the household presented (none: no VRF, nothing to check)."""
    numbers: dict[str, str] = {}  # each VRF once, as the first member's document wrote it
    for number, written in (
        MemberDocument.objects.filter(
            member__household=household,
            document_type__routing_class=DocumentType.RoutingClass.REPATRIATION_FORM,
        )
        .exclude(number_normal="")
        .values_list("number_normal", "number")
        .order_by("number_normal", "member_id", "id")
    ):
        numbers.setdefault(number, written)
    if not numbers:
        return []
    manifests = {
        manifest.vrf_number_normal: manifest
        for manifest in VrfManifest.objects.filter(vrf_number_normal__in=list(numbers)).prefetch_related("members")
    }
    others = _other_presentations(household, numbers=list(numbers), user=user)
    checks = []
    for number, written in numbers.items():
        manifest = manifests.get(number)
        check = ManifestCheck(vrf_number=written, manifest=manifest)
        checks.append(check)
        if manifest is None:
            check.findings.append(
                Finding(
                    True,
                    "not_on_manifest",
                    _(
                        "VRF %(vrf)s is on no manifest received from the repatriation centres: confirm it with "
                        "the centre before paying."
                    )
                    % {"vrf": written},
                )
            )
        else:
            check.findings.extend(_against_manifest(manifest, members))
        check.findings.extend(_presented_elsewhere(manifest, others.get(number, []), written=written, members=members))
    return checks


def _answers_to(listed: ManifestMember, member: Member) -> bool:
    """Whether a registered member is the person the VRF lists: same sex, the same given name and (when
    both have one) father's name, in either script (``returns.matching.same_name``)."""
    if listed.sex != member.sex:
        return False
    if not _same(listed.given_name, member.given_name, member.given_name_local):
        return False
    has_fathers = member.fathers_name or member.fathers_name_local
    return not (listed.fathers_name and has_fathers) or _same(
        listed.fathers_name, member.fathers_name, member.fathers_name_local
    )


def _same(written: str, latin: str, local: str) -> bool:
    """A name as the manifest wrote it (in either script) against each of a member's two forms."""
    forms = (written, "") if not is_local_script(written) else ("", written)
    return any(same_name(*forms, *other) for other in ((latin, ""), ("", local)) if any(other))


def _matched(listed: list[ManifestMember], members: list[Member]) -> dict[int, Member]:
    """Each person the VRF lists (by index) and the member who answers to them, each member once."""
    matched: dict[int, Member] = {}
    taken: set[int] = set()
    for index, person in enumerate(listed):
        member = next((member for member in members if member.pk not in taken and _answers_to(person, member)), None)
        if member is not None:
            matched[index] = member
            taken.add(member.pk)
    return matched


def _against_manifest(manifest: VrfManifest, members: list[Member]) -> list[Finding]:
    listed = list(manifest.members.all())
    answered = _matched(listed, members)
    matched = {member.pk for member in answered.values()}
    not_found = [str(person) for index, person in enumerate(listed) if index not in answered]
    findings = [
        Finding(
            False,
            "on_manifest",
            _(
                "On the manifest of %(centre)s, departed %(date)s: %(listed)s people listed, %(matched)s of them "
                "registered here."
            )
            % {
                "centre": manifest.repatriation_centre,
                "date": manifest.departure_date.isoformat(),
                "listed": len(listed),
                "matched": len(matched),
            },
        )
    ]
    if not_found:
        findings.append(
            Finding(
                False,
                "not_found",
                _("Listed on the VRF but not registered in this household: %(names)s.")
                % {"names": ", ".join(not_found)},
            )
        )
    unlisted = [str(member) for member in members if member.pk not in matched]
    if unlisted:
        findings.append(
            Finding(
                False,
                "not_listed",
                _("Not on the VRF (not paid by UNHCR; IOM may screen them): %(names)s.")
                % {"names": ", ".join(unlisted)},
            )
        )
    return findings


@dataclass
class _Presentation:
    household_id: int
    label: str
    members: list[Member] = field(default_factory=list)


def _other_presentations(household: Household, *, numbers: list[str], user) -> dict[str, list[_Presentation]]:
    """Other households (not withdrawn) whose members presented one of these VRFs, by number."""
    rows = (
        MemberDocument.objects.filter(
            number_normal__in=numbers,
            document_type__routing_class=DocumentType.RoutingClass.REPATRIATION_FORM,
            member__household__withdrawn_at__isnull=True,
        )
        .exclude(member__household=household)
        .values_list(
            "number_normal",
            "member__household_id",
            "member__household__registration_number",
            "member__household__arrival_date",
            "member__household__office__name",
        )
        .distinct()
        .order_by("member__household__arrival_date", "member__household_id")
    )
    rows = list(rows)
    if not rows:
        return {}
    household_ids = {row[1] for row in rows}
    visible = set(Household.objects.visible_to(user).filter(pk__in=household_ids).values_list("pk", flat=True))
    members: dict[int, list[Member]] = {}
    for member in Member.objects.filter(household_id__in=household_ids).order_by("household_id", "id"):
        members.setdefault(member.household_id, []).append(member)
    by_number: dict[str, list[_Presentation]] = {}
    for number, household_id, registration_number, arrival, office in rows:
        if household_id in visible:
            label = _("household %(number)s (arrived %(date)s)") % {
                "number": registration_number,
                "date": arrival.isoformat(),
            }
        else:
            label = _("a household registered at %(office)s (arrived %(date)s)") % {
                "office": office,
                "date": arrival.isoformat(),
            }
        by_number.setdefault(number, []).append(
            _Presentation(household_id=household_id, label=label, members=members.get(household_id, []))
        )
    return by_number


def _presented_elsewhere(
    manifest: VrfManifest | None, presentations: list[_Presentation], *, written: str, members: list[Member]
) -> list[Finding]:
    findings = []
    # The people the VRF lists who answer in this household.
    here = [
        person
        for person in (manifest.members.all() if manifest is not None else [])
        if any(_answers_to(person, member) for member in members)
    ]
    for presentation in presentations:
        twice = [str(person) for person in here if any(_answers_to(person, member) for member in presentation.members)]
        if twice or manifest is None:
            # Without a manifest nobody can tell the parts of a family from a second presentation.
            findings.append(
                Finding(
                    True,
                    "presented_twice",
                    (
                        _("VRF %(vrf)s was also presented by %(other)s, for the same people: %(names)s.")
                        % {"vrf": written, "other": presentation.label, "names": ", ".join(twice)}
                    )
                    if twice
                    else _("VRF %(vrf)s was also presented by %(other)s.")
                    % {"vrf": written, "other": presentation.label},
                )
            )
        else:
            findings.append(
                Finding(
                    False,
                    "other_part",
                    _("VRF %(vrf)s was also presented by %(other)s, for other people: another part of the family.")
                    % {"vrf": written, "other": presentation.label},
                )
            )
    return findings

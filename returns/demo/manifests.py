"""The demo's VRF manifests: what the repatriation centres sent for the families now waiting at verification.

For each voluntary repatriation case at verification whose family carries a VRF, the manifest lists
the members who hold it (a relative travelling without it is not on it, as on a real VRF). One VRF in
ten has no manifest (the first of every ten), so the case page's check (``returns.manifests``) shows
its flag. The manifests are saved as one import, as if an officer had uploaded the centres' file.
"""

import datetime
import random

from django.db.models import Q

from agencies.models import User
from returns.models import DocumentType, ImportBatch, ManifestMember, MemberDocument, VrfManifest
from returns.names import document_number_normal

# The voluntary repatriation centres in the countries of asylum, by country.
CENTRES = {
    "PK": ("Azakhel (Peshawar)", "Baleli (Quetta)"),
    "IR": ("Soleimankhani (Mashhad)", "Dogharoun"),
}
WITHOUT_MANIFEST = 10  # one VRF in this many has no manifest
VERIFICATION_STAGE = "verification"


def demo_manifests_load(*, uploaded_by: User, seed: int | None) -> int:
    """Manifests for the VRFs of the families at verification; returns how many were loaded."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    held = (
        MemberDocument.objects.filter(
            document_type__routing_class=DocumentType.RoutingClass.REPATRIATION_FORM,
            member__household__cases__stage=VERIFICATION_STAGE,
            member__household__cases__closed_at__isnull=True,
        )
        .filter(~Q(number_normal=""))
        # A second load leaves the manifests of the first as they are.
        .exclude(number_normal__in=VrfManifest.objects.values("vrf_number_normal"))
        .values_list(
            "number",
            "number_normal",
            "member__household__country_of_departure_id",
            "member__household__arrival_date",
            "member__given_name",
            "member__fathers_name",
            "member__family_name",
            "member__sex",
            "member__date_of_birth",
            "member__estimated_age",
        )
        .order_by("number_normal", "member_id")
    )
    by_vrf: dict[str, list[tuple]] = {}
    for row in held:
        by_vrf.setdefault(row[1], []).append(row)
    # One VRF in ten (the first, the eleventh...) has no manifest.
    wanted = {number: rows for index, (number, rows) in enumerate(by_vrf.items()) if index % WITHOUT_MANIFEST}
    if not wanted:
        return 0
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.MANIFESTS,
        status=ImportBatch.Status.DONE,
        file_name="demo-manifests.csv",
        content=b"",
        uploaded_by=uploaded_by,
        agency_id=uploaded_by.agency_id,
        rows_total=sum(len(rows) for rows in wanted.values()),
        households_total=len(wanted),
        households_valid=len(wanted),
        households_done=len(wanted),
    )
    manifests = VrfManifest.objects.bulk_create(
        VrfManifest(
            vrf_number=rows[0][0],
            vrf_number_normal=document_number_normal(rows[0][0]),
            repatriation_centre=rng.choice(CENTRES.get(rows[0][2], CENTRES["PK"])),
            country_id=rows[0][2] if rows[0][2] in CENTRES else "PK",
            departure_date=rows[0][3] - datetime.timedelta(days=rng.randint(1, 3)),
            batch=batch,
            position=position,
        )
        for position, rows in enumerate(wanted.values())
    )
    ManifestMember.objects.bulk_create(
        ManifestMember(
            manifest=manifest,
            given_name=given,
            fathers_name=fathers,
            family_name=family,
            sex=sex,
            age=_age(born, estimated, on=manifest.departure_date),
        )
        for manifest, rows in zip(manifests, wanted.values(), strict=True)
        for _number, _normal, _country, _arrival, given, fathers, family, sex, born, estimated in rows
    )
    return len(manifests)


def _age(born: datetime.date | None, estimated: int | None, *, on: datetime.date) -> int | None:
    if born is None:
        return estimated
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

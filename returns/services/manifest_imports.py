"""Importing VRF manifests: the families a repatriation centre issued a VRF to, sent before they cross.

One row per person the VRF lists; the rows of one VRF share the ``vrf_number`` column, and its
first row gives the repatriation centre, the country of asylum and the departure date (the other
rows may repeat them, or leave them empty, but may not contradict them). A VRF is on one manifest:
a VRF already loaded, or twice in the file, is a problem. What the encashment centre then checks
against the manifests is ``returns.manifests``'.
"""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.calendars import date_read
from agencies.problems import Problem, Refused
from returns.imports.records import ImportedRecord, date_cell, problem, whole_number_cell
from returns.imports.spec import ImportKind
from returns.models import ImportBatch, ManifestMember, Member, VrfManifest
from returns.names import document_number_normal
from returns.reference import reference_data

MANIFEST_COLUMNS = ["vrf_number", "repatriation_centre", "country_of_asylum", "departure_date"]
PERSON_COLUMNS = ["given_name", "fathers_name", "family_name", "sex", "age", "card_number"]
COLUMNS = MANIFEST_COLUMNS + PERSON_COLUMNS
REQUIRED = ["vrf_number", "repatriation_centre", "country_of_asylum", "departure_date", "given_name", "sex"]
EXAMPLE = {
    "vrf_number": "VRF-PK-2025-000123",
    "repatriation_centre": "Azakhel (Peshawar)",
    "country_of_asylum": "PK",
    "departure_date": "2025-10-30",
    "given_name": "Naveed",
    "fathers_name": "Gul",
    "family_name": "",
    "sex": "male",
    "age": "35",
    "card_number": "PK-1234567",
}
# How far ahead a departure may be planned when the manifest is sent.
DEPARTURE_DAYS_AHEAD = 60
MAX_AGE = 120
TEXT_LIMITS = {
    "vrf_number": 40,
    "repatriation_centre": 100,
    "given_name": 100,
    "fathers_name": 100,
    "family_name": 100,
    "card_number": 40,
}


@dataclass
class ManifestRecord:
    vrf_number: str
    repatriation_centre: str
    country: str
    departure_date: datetime.date | None
    members: list[dict] = field(default_factory=list)


def _manifest_build(record: ImportedRecord, rows: list[tuple[int, dict[str, str]]]) -> None:
    first_row, first = rows[0]
    problems = record.problems
    departure = date_cell(first_row, "departure_date", first.get("departure_date", ""), problems, required=True)
    for row, cells in rows[1:]:
        for column in MANIFEST_COLUMNS[1:]:
            text = cells.get(column, "")
            if text and not _same_cell(column, text, first.get(column, "")):
                problems.append(
                    problem(
                        row,
                        column,
                        _(
                            "The first row of this VRF (row %(row)s) says “%(first)s”: write the same on every row "
                            "of a VRF, or leave it empty."
                        )
                        % {"row": first_row, "first": first.get(column, "")},
                    )
                )
    members = []
    for row, cells in rows:
        sex = cells.get("sex", "").lower()
        if sex not in Member.Sex.values:
            problems.append(problem(row, "sex", _("Write female or male.")))
        age = whole_number_cell(
            row, "age", cells.get("age", ""), problems, message=_("Write the age as a whole number of years, e.g. 35.")
        )
        if age is not None and not 0 <= age <= MAX_AGE:
            problems.append(problem(row, "age", _("An age is between 0 and %(limit)s years.") % {"limit": MAX_AGE}))
        if not cells.get("given_name", ""):
            problems.append(problem(row, "given_name", _("Enter the person's given name.")))
        for column, limit in TEXT_LIMITS.items():
            if len(cells.get(column, "")) > limit:
                problems.append(problem(row, column, _("At most %(limit)s characters: shorten it.") % {"limit": limit}))
        members.append(
            {
                "row": row,
                "given_name": cells.get("given_name", ""),
                "fathers_name": cells.get("fathers_name", ""),
                "family_name": cells.get("family_name", ""),
                "sex": sex,
                "age": age,
                "card_number": cells.get("card_number", ""),
            }
        )
    record.value = ManifestRecord(
        vrf_number=record.reference,
        repatriation_centre=first.get("repatriation_centre", ""),
        country=first.get("country_of_asylum", "").upper(),
        departure_date=departure,
        members=members,
    )


def _same_cell(column: str, text: str, first: str) -> bool:
    """Whether a later row of a VRF says what its first row says (a date however it is written)."""
    if column == "departure_date":
        try:
            return date_read(text) == date_read(first)
        except ValueError:
            return False
    return text.casefold() == first.casefold()


def _manifests_check(records: list[ImportedRecord], *, user, registry: bool = True) -> None:
    """A manifest's own problems: no VRF number, an unknown country, a departure too far ahead, and
    (``registry``) a VRF already on a manifest. A VRF twice in the file is grouped as one, so its rows
    must agree (``_manifest_build``)."""
    reference = reference_data()
    latest_departure = timezone.localdate() + datetime.timedelta(days=DEPARTURE_DAYS_AHEAD)
    by_number: dict[str, ImportedRecord] = {}
    for record in records:
        manifest, first_row = record.value, record.rows[0]
        number = document_number_normal(manifest.vrf_number)
        if not number:
            record.problems.append(problem(first_row, "vrf_number", _("Enter the VRF number on each of its rows.")))
            continue
        if number in by_number:
            record.problems.append(
                problem(
                    first_row,
                    "vrf_number",
                    _("This VRF number is also on row %(row)s, written another way.")
                    % {"row": by_number[number].rows[0]},
                )
            )
        by_number.setdefault(number, record)
        if not manifest.repatriation_centre:
            record.problems.append(
                problem(first_row, "repatriation_centre", _("Enter the repatriation centre that issued the VRF."))
            )
        if not manifest.country:
            record.problems.append(
                problem(first_row, "country_of_asylum", _("Enter the country of asylum: PK for Pakistan, IR for Iran."))
            )
        elif manifest.country not in reference.countries:
            record.problems.append(
                problem(
                    first_row,
                    "country_of_asylum",
                    _("Unknown country code: write the two letters, PK for Pakistan or IR for Iran."),
                )
            )
        if manifest.departure_date is not None and manifest.departure_date > latest_departure:
            record.problems.append(
                problem(
                    first_row,
                    "departure_date",
                    _("This departure is more than %(days)s days ahead: check the date.")
                    % {"days": DEPARTURE_DAYS_AHEAD},
                )
            )
    if not registry or not by_number:
        return
    loaded = dict(
        VrfManifest.objects.filter(vrf_number_normal__in=list(by_number)).values_list("vrf_number_normal", "created_at")
    )
    for number, created_at in loaded.items():
        record = by_number[number]
        record.problems.append(problem(record.rows[0], "vrf_number", _already_loaded(created_at)))


def _already_loaded(created_at: datetime.datetime) -> str:
    return _("This VRF is already on a manifest, imported on %(date)s: leave it out of this file.") % {
        "date": timezone.localdate(created_at).isoformat()
    }


def _problems_placed(record: ImportedRecord, problems: dict[str, list[Problem]]) -> list[dict]:
    return [problem(record.rows[0], path, found.message) for path, founds in problems.items() for found in founds]


def _manifests_save(batch: ImportBatch, chunk: list[tuple[int, ImportedRecord]]) -> None:
    """A chunk's manifests in one insert, then their people in one. A VRF another import loaded since the
    check fails the insert: the chunk's manifests are then saved one by one, which says which record it
    was (``_manifest_save``)."""
    try:
        with transaction.atomic():
            manifests = VrfManifest.objects.bulk_create(
                [_manifest_row(batch, position, record) for position, record in chunk]
            )
    except IntegrityError:
        for index, (position, record) in enumerate(chunk):
            try:
                _manifest_save(batch, position, record)
            except Refused as invalid:
                invalid.position = index
                raise
        return
    ManifestMember.objects.bulk_create(
        member
        for manifest, (_position, record) in zip(manifests, chunk, strict=True)
        for member in _people(manifest, record)
    )


def _manifest_save(batch: ImportBatch, position: int, record: ImportedRecord) -> None:
    try:
        with transaction.atomic():
            saved = _manifest_row(batch, position, record)
            saved.save(force_insert=True)
    except IntegrityError as error:
        # Another import loaded this VRF since the check.
        raise Refused.one("vrf_number", "already_on_manifest", _already_loaded(timezone.now())) from error
    ManifestMember.objects.bulk_create(_people(saved, record))


def _manifest_row(batch: ImportBatch, position: int, record: ImportedRecord) -> VrfManifest:
    manifest = record.value
    return VrfManifest(
        vrf_number=manifest.vrf_number,
        vrf_number_normal=document_number_normal(manifest.vrf_number),
        repatriation_centre=manifest.repatriation_centre,
        country_id=manifest.country,
        departure_date=manifest.departure_date,
        batch=batch,
        position=position,
    )


def _people(saved: VrfManifest, record: ImportedRecord) -> list[ManifestMember]:
    return [
        ManifestMember(
            manifest=saved,
            given_name=person["given_name"],
            fathers_name=person["fathers_name"],
            family_name=person["family_name"],
            sex=person["sex"],
            age=person["age"],
            card_number=person["card_number"],
        )
        for person in record.value.members
    ]


def _manifests_saved(batch: ImportBatch) -> set[int]:
    return set(VrfManifest.objects.filter(batch=batch).values_list("position", flat=True))


KIND = ImportKind(
    kind=ImportBatch.Kind.MANIFESTS,
    columns=COLUMNS,
    required=REQUIRED,
    example=EXAMPLE,
    group_by="vrf_number",
    file_name=gettext_lazy("VRF manifest import"),
    title=gettext_lazy("VRF manifest"),
    build=_manifest_build,
    check=_manifests_check,
    place=_problems_placed,
    save=_manifest_save,
    save_many=_manifests_save,
    saved=_manifests_saved,
)

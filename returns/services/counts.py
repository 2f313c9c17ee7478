"""Every write to the border arrival counts.

A count is never changed: ``border_count_record`` adds the next version for its crossing, day and
country of departure, under a lock, and a correction must say why; ``border_counts_record`` adds many
(an import's chunk) in one insert. Whoever may record is
``returns.policy``'s answer; what makes the numbers possible is this module's.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Country, Office, User
from agencies.problems import Problem, Refused
from returns import policy
from returns.models import BorderCount
from returns.models.counts import BREAKDOWNS, MEASURES

# The largest number a count can hold (PostgreSQL's integer).
MAX_COUNT = 2_147_483_647
# How each breakdown is named in a message.
BREAKDOWN_LABELS = {
    "return_type": gettext_lazy("Deported and spontaneous"),
    "travelling": gettext_lazy("In families and individuals"),
    "sex_age": gettext_lazy("The counts by sex and age"),
}


def border_count_problems(*, crossing: Office, day: datetime.date, counts: Mapping[str, int]) -> dict:
    """What is impossible about these figures, keyed by field (a breakdown by its name)."""
    problems: dict[str, list[Problem]] = {}

    def add(path: str, code: str, message: str) -> None:
        problems.setdefault(path, []).append(Problem(code, message))

    if crossing.kind != Office.Kind.BORDER_CROSSING:
        add(
            "crossing",
            "not_a_crossing",
            _("%(office)s is not a border crossing point: choose the crossing where the arrivals were counted.")
            % {"office": crossing.name},
        )
    if day > timezone.localdate():
        add("day", "future_day", _("This day has not come yet: enter counts for today or an earlier day."))
    for name in MEASURES:
        value = counts.get(name)
        if value is None:
            add(name, "required", _("Enter a number (0 if nobody)."))
        elif value < 0:
            add(name, "negative", _("A count cannot be negative."))
        elif value > MAX_COUNT:
            add(name, "too_large", _("This number is too large: check it."))
    if problems.keys() & set(MEASURES):
        return problems
    total = counts["total"]
    for breakdown, fields in BREAKDOWNS.items():
        added = sum(counts[name] for name in fields)
        if added != total:
            add(
                breakdown,
                "breakdown_not_total",
                _("%(breakdown)s add up to %(added)s, not to the %(total)s arrivals: correct them or the total.")
                % {"breakdown": BREAKDOWN_LABELS[breakdown], "added": added, "total": total},
            )
    return problems


@dataclass(frozen=True)
class CountEntry:
    """One crossing's counts of a day from one country, to record (``border_counts_record``)."""

    crossing: Office
    day: datetime.date
    country: Country
    counts: Mapping[str, int]
    note: str = ""
    import_position: int | None = None


def border_count_record(
    *,
    recorded_by: User,
    crossing: Office,
    day: datetime.date,
    country: Country,
    counts: Mapping[str, int],
    note: str = "",
    import_batch=None,
    import_position: int | None = None,
) -> BorderCount:
    """Record the arrivals counted at a crossing on a day from one country, as its next version.

    The first version needs no note; a correction (any later version) needs one. Refuses with
    ``Refused`` (problems keyed by field, nothing saved) or ``PermissionDenied`` (role). An import
    (``returns.services.count_imports``) gives its batch and the row's position among its counts.
    """
    entry = CountEntry(crossing, day, country, counts, note, import_position)
    return border_counts_record(recorded_by=recorded_by, entries=[entry], import_batch=import_batch)[0]


@transaction.atomic
def border_counts_record(*, recorded_by: User, entries: Sequence[CountEntry], import_batch=None) -> list[BorderCount]:
    """``border_count_record`` for many counts at once (an import's chunk), in one insert: all are
    recorded or none. A refusal says which entry it was (``Refused.position``, its index); the same
    crossing, day and country twice makes the second the next version of the first."""
    policy.require_record_border_counts(recorded_by)
    for index, entry in enumerate(entries):
        problems = border_count_problems(crossing=entry.crossing, day=entry.day, counts=entry.counts)
        if problems:
            refused = Refused(problems)
            refused.position = index
            raise refused
    if not entries:
        return []
    # Serialises the versions of each crossing's counts, the crossings in one order (no two imports
    # wait for each other). FOR NO KEY UPDATE does not block the registrations that reference the
    # offices meanwhile (they take only a key-share lock).
    crossings = sorted({entry.crossing.pk for entry in entries})
    list(Office.objects.select_for_update(no_key=True).filter(pk__in=crossings).order_by("pk").values_list("pk"))
    latest = {
        (crossing, day, country): version
        for crossing, day, country, version in BorderCount.objects.filter(
            crossing_id__in=crossings,
            day__in={entry.day for entry in entries},
            country_id__in={entry.country.pk for entry in entries},
        )
        .values("crossing_id", "day", "country_id")
        .annotate(latest=Max("version"))
        .values_list("crossing_id", "day", "country_id", "latest")
    }
    recorded_at = timezone.now()
    rows = []
    for index, entry in enumerate(entries):
        key = (entry.crossing.pk, entry.day, entry.country.pk)
        note = entry.note.strip()
        if key in latest and not note:
            refused = Refused.one(
                "note",
                "correction_without_note",
                _("These counts replace version %(version)s: say why you are correcting them.")
                % {"version": latest[key]},
            )
            refused.position = index
            raise refused
        latest[key] = latest.get(key, 0) + 1
        rows.append(
            BorderCount(
                crossing=entry.crossing,
                day=entry.day,
                country=entry.country,
                version=latest[key],
                note=note,
                recorded_by=recorded_by,
                recorded_at=recorded_at,
                import_batch=import_batch,
                import_position=entry.import_position,
                **{name: entry.counts[name] for name in MEASURES},
            )
        )
    return BorderCount.objects.bulk_create(rows)

"""Border arrival counts for the demo: every crossing point, every day of the demo period.

Border teams count everyone who crosses; the registry holds only the households screened and
registered, so each day's count at a crossing is larger than the people registered there that day
(DOMAIN.md, "Most undocumented returnees are counted, not assisted"). The proportions follow the
published figures: in the week of 24-30 June 2018, Islam Qala counted 2,515 deported and 5,846
spontaneous arrivals (30% deported), Milak 4,244 and 1,388 (75%); 10% of deportees came with their
family; most deportees from Iran are single men. Daily levels rise and fall with the demo's months
(``population.month_weight``: the Pakistan deportation drive of late 2023, 2025's mass returns).

A few counts are corrected (a second version, with a note), as border teams do. Written with COPY
in the loader's transaction; the demo period's counts at the crossings are replaced, and their
totals follow the households registered by then, so loading twice keeps counted above registered.
"""

import datetime
import io
import math
import random
from dataclasses import dataclass

from django.db.models import Sum

from agencies.models import Office
from returns.demo.population import FIRST_ARRIVAL, month_weight
from returns.models import BorderCount, Household
from returns.models.counts import AGE_BANDS, MEASURES

CORRECTION_NOTE = "Recounted from the gate's tally sheet."
CORRECTED_SHARE = 0.03  # counts that get a second version


@dataclass(frozen=True)
class CrossingProfile:
    country: str  # where nearly everyone comes from
    daily: int  # arrivals on an ordinary day (month weight 1)
    deported: float  # share of arrivals deported
    deportees_in_families: float  # share of deportees who come with their family
    spontaneous_in_families: float


PROFILES = {
    # Iran: the week of 24-30 June 2018 (8,361 a week at Islam Qala, 5,632 at Milak).
    "IQL": CrossingProfile("IR", daily=1_200, deported=0.30, deportees_in_families=0.10, spontaneous_in_families=0.6),
    "MLK": CrossingProfile("IR", daily=800, deported=0.75, deportees_in_families=0.10, spontaneous_in_families=0.6),
    # Pakistan: mostly families, deported or returning under pressure.
    "TKM": CrossingProfile("PK", daily=700, deported=0.45, deportees_in_families=0.6, spontaneous_in_families=0.9),
    "SBD": CrossingProfile("PK", daily=400, deported=0.45, deportees_in_families=0.6, spontaneous_in_families=0.9),
}
DEFAULT_PROFILE = CrossingProfile("PK", daily=300, deported=0.4, deportees_in_families=0.5, spontaneous_in_families=0.8)

# Who travels in a family, by UNHCR's age bands (about half children), half female and half male;
# and who travels alone: nearly all men of working age, a few boys.
FAMILY_BANDS = {"0_4": 0.17, "5_11": 0.20, "12_17": 0.13, "18_59": 0.45, "60_plus": 0.05}
ALONE = {"male_18_59": 0.93, "male_12_17": 0.04, "male_60_plus": 0.01, "female_18_59": 0.02}

COLUMNS = ("crossing_id", "day", "country_id", "version", *MEASURES, "note", "recorded_by_id", "recorded_at")


def _apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """``total`` split by ``shares`` into whole numbers adding up to it exactly (largest remainder)."""
    exact = {name: total * share for name, share in shares.items()}
    whole = {name: math.floor(value) for name, value in exact.items()}
    left = total - sum(whole.values())
    for name in sorted(exact, key=lambda name: exact[name] - whole[name], reverse=True)[:left]:
        whole[name] += 1
    return whole


def _figures(rng: random.Random, profile: CrossingProfile, total: int) -> dict[str, int]:
    """One day's figures for ``total`` arrivals: every breakdown adds up to it."""
    deported = min(total, round(total * min(1.0, profile.deported * rng.uniform(0.85, 1.15))))
    spontaneous = total - deported
    in_families = min(
        total, round(deported * profile.deportees_in_families + spontaneous * profile.spontaneous_in_families)
    )
    individuals = total - in_families
    sex_age = dict.fromkeys((f"{sex}_{band}" for sex in ("female", "male") for band, _label in AGE_BANDS), 0)
    families = {f"{sex}_{band}": share / 2 for band, share in FAMILY_BANDS.items() for sex in ("female", "male")}
    for name, value in _apportion(in_families, families).items():
        sex_age[name] += value
    for name, value in _apportion(individuals, ALONE).items():
        sex_age[name] += value
    return {
        "total": total,
        "deported": deported,
        "spontaneous": spontaneous,
        "in_families": in_families,
        "individuals": individuals,
        **sex_age,
    }


def _row(crossing_id, day, country, version, figures, note, recorded_by, recorded_at) -> str:
    values = (str(figures[name]) for name in MEASURES)
    stamp = recorded_at.isoformat(sep=" ", timespec="seconds") + "+04:30"  # Kabul
    note = note.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return "\t".join((str(crossing_id), day.isoformat(), country, str(version), *values, note, str(recorded_by), stamp))


def demo_border_counts_load(cursor, *, seed: int | None, today: datetime.date, recorded_by: int) -> int:
    """Count arrivals at every crossing point on every day of the demo period, above the people
    registered there each day; COPY them (replacing the period's counts). Returns the rows written."""
    rng = random.Random(f"counts-{seed}" if seed is not None else None)  # noqa: S311 - demo data
    crossings = {
        office.pk: office.code
        for office in Office.objects.filter(kind=Office.Kind.BORDER_CROSSING, is_active=True).order_by("code")
    }
    # The people registered at each crossing on each day: one grouped query.
    registered = {
        (row["office_id"], row["arrival_date"]): row["people"]
        for row in Household.objects.filter(office_id__in=crossings)
        .values("office_id", "arrival_date")
        .annotate(people=Sum("member_count"))
        .order_by()
    }
    first = min([FIRST_ARRIVAL, *(day for _office, day in registered)])
    last = max([today, *(day for _office, day in registered)])
    BorderCount.objects.filter(crossing_id__in=crossings, day__range=(first, last)).delete()
    rows = []
    for crossing_id, code in crossings.items():
        profile = PROFILES.get(code, DEFAULT_PROFILE)
        day = first
        while day <= last:
            people = registered.get((crossing_id, day), 0)
            # Counted arrivals always exceed the people registered: registration is a subset.
            floor = people + max(1, math.ceil(people * 0.1))
            level = profile.daily * month_weight(day.year, day.month) * max(0.2, rng.gauss(1, 0.2))
            total = max(floor, round(level))
            recorded_at = datetime.datetime.combine(day, datetime.time(18, rng.randrange(60)))
            figures = _figures(rng, profile, total)
            rows.append(_row(crossing_id, day, profile.country, 1, figures, "", recorded_by, recorded_at))
            if rng.random() < CORRECTED_SHARE:
                corrected = max(floor, total + rng.randint(-total // 20, total // 20))
                rows.append(
                    _row(
                        crossing_id,
                        day,
                        profile.country,
                        2,
                        _figures(rng, profile, corrected),
                        CORRECTION_NOTE,
                        recorded_by,
                        recorded_at + datetime.timedelta(hours=2),
                    )
                )
            day += datetime.timedelta(days=1)
    table = BorderCount._meta.db_table
    cursor.copy_expert(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN", io.StringIO("\n".join(rows) + "\n"))
    cursor.execute(f"ANALYZE {table}")
    return len(rows)

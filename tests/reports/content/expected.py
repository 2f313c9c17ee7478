"""What each table must say, computed from the caseload's specification with plain Python arithmetic."""

import datetime
from collections import Counter, defaultdict

from tests.reports.content.world import BORDER_OFFICES, CUT_OFF, STATUSES, CountSpec, HouseholdSpec, World

COUNTRY_GROUPS = ("PK", "IR", "other")
AGE_BANDS = ("0-4", "5-11", "12-17", "18-59", "60+")
BAND_FIELDS = ("0_4", "5_11", "12_17", "18_59", "60_plus")
SEXES = ("female", "male")
Y2017 = (datetime.date(2017, 1, 1), datetime.date(2017, 12, 31))
Y2016 = (datetime.date(2016, 1, 1), datetime.date(2016, 12, 31))


def group(country: str) -> str:
    return country if country in ("PK", "IR") else "other"


def age_band(age: int) -> str:
    for band, upper in zip(AGE_BANDS, (4, 11, 17, 59), strict=False):
        if age <= upper:
            return band
    return "60+"


def age_on_arrival(person, arrival: datetime.date) -> int:
    if person.date_of_birth is None:
        return person.age
    born = person.date_of_birth
    return arrival.year - born.year - ((arrival.month, arrival.day) < (born.month, born.day))


def reference_day(household: HouseholdSpec, reference: str) -> datetime.date | None:
    if reference == "grant_paid" and household.category == "registered_refugee":
        return household.grant_paid
    return household.arrival


def registered(world: World) -> list[HouseholdSpec]:
    return [household for household in world.households if household.created <= CUT_OFF]


def within(day, period) -> bool:
    return day is not None and period[0] <= day <= period[1]


def current_counts(world: World) -> list[CountSpec]:
    latest: dict[tuple, CountSpec] = {}
    for count in world.counts:
        if count.recorded_at > CUT_OFF:
            continue
        key = (count.crossing, count.day, count.country)
        if key not in latest or latest[key].version < count.version:
            latest[key] = count
    return list(latest.values())


def documented_at_border(world: World, period, key) -> Counter:
    """Documented people registered at border crossings, arrived in ``period``, by ``key(household, person)``."""
    people = Counter()
    for household in registered(world):
        if (
            household.category != "undocumented"
            and household.office in BORDER_OFFICES
            and within(household.arrival, period)
        ):
            for person in household.members:
                people[key(household, person)] += 1
    return people


def status_people(world: World, period, reference: str, key) -> Counter:
    """People of documented statuses counted in ``period`` by ``key(household, person)``, with undocumented
    people counted at the border less the documented registered there (``key`` gets ``None`` for a count)."""
    people = Counter()
    for household in registered(world):
        if household.category != "undocumented" and within(reference_day(household, reference), period):
            for person in household.members:
                people[household.category, *key(household, person, reference_day(household, reference))] += 1
    return people


def headline(world: World, period=Y2017, reference="arrival") -> dict[tuple, int]:
    people = status_people(world, period, reference, lambda h, p, day: (group(h.country),))
    for count in current_counts(world):
        if within(count.day, period):
            people["undocumented", group(count.country)] += count.total
    for (cg,), number in documented_at_border(world, period, lambda h, p: (group(h.country),)).items():
        people["undocumented", cg] -= number
    return {(status, cg): people[status, cg] for status in STATUSES for cg in COUNTRY_GROUPS}


def by_month(world: World, reference="arrival") -> dict[tuple, int]:
    people = status_people(world, Y2017, reference, lambda h, p, day: (group(h.country), day.strftime("%Y-%m")))
    for count in current_counts(world):
        if within(count.day, Y2017):
            people["undocumented", group(count.country), count.day.strftime("%Y-%m")] += count.total
    documented = documented_at_border(world, Y2017, lambda h, p: (group(h.country), h.arrival.strftime("%Y-%m")))
    for (cg, month), number in documented.items():
        people["undocumented", cg, month] -= number
    return people


def by_province(world: World) -> Counter:
    people = Counter()
    for household in registered(world):
        if within(household.arrival, Y2017):
            people[household.province, household.category] += len(household.members)
    return people


def sex_age(world: World) -> Counter:
    people = Counter()
    for household in registered(world):
        if household.category != "undocumented" and within(household.arrival, Y2017):
            for person in household.members:
                people[household.category, person.sex, age_band(age_on_arrival(person, household.arrival))] += 1
    for count in current_counts(world):
        if within(count.day, Y2017):
            measures = count.measures()
            for sex in SEXES:
                for band, suffix in zip(AGE_BANDS, BAND_FIELDS, strict=True):
                    people["undocumented", sex, band] += measures[f"{sex}_{suffix}"]
    documented = documented_at_border(world, Y2017, lambda h, p: (p.sex, age_band(age_on_arrival(p, h.arrival))))
    for (sex, band), number in documented.items():
        people["undocumented", sex, band] -= number
    return people


def registry_refugees_by_year(world: World, reference="arrival", end=datetime.date(2017, 12, 31)) -> Counter:
    years = Counter()
    for household in registered(world):
        day = reference_day(household, reference)
        if household.category == "registered_refugee" and day is not None and day <= end:
            years[day.year] += len(household.members)
    return years


def crossing_counts(world: World) -> dict[str, Counter]:
    crossings = defaultdict(Counter)
    for count in current_counts(world):
        if within(count.day, Y2017):
            crossings[count.crossing].update(count.measures())
    return crossings


def reconciliation(world: World) -> dict[tuple, tuple[int, int]]:
    counted, people = Counter(), Counter()
    for count in current_counts(world):
        if within(count.day, Y2017):
            counted[count.crossing, count.day.strftime("%Y-%m")] += count.total
    for household in registered(world):
        if household.office in BORDER_OFFICES and within(household.arrival, Y2017):
            people[household.office, household.arrival.strftime("%Y-%m")] += len(household.members)
    return {key: (counted[key], people[key]) for key in sorted(set(counted) | set(people))}

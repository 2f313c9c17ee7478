"""A caseload of known composition for the joint report: the specification, and the rows built from it.

The specification is plain data (households with their members, border counts with their
versions, the special households whose cases, grants, referrals and interviews the tables count);
``world_build`` writes it to the database in bulk, and the tests compute what each table must say
from the specification alone, with Python arithmetic, never with the report's SQL.
"""

import contextlib
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from agencies.models import Agency, Office, User
from returns.models import (
    Assistance,
    AssistanceType,
    BorderCount,
    Case,
    CaseEvent,
    GrantRefusal,
    Household,
    Member,
    MemberEntitlement,
    MonitoringInterview,
    MonitoringPlan,
    NeedCode,
    Referral,
)
from returns.models.counts import SEX_AGE_FIELDS
from tests.factories import UserFactory


@contextlib.contextmanager
def history_backdated():
    """Let the world back-date rows it has just written into the append-only history (events,
    decided assistance), which set in 2017: the triggers of returns 0017 refuse every UPDATE, so
    they are off for this session meanwhile (``session_replication_role``: a superuser's setting,
    out of the application's reach)."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


UTC = datetime.UTC
CUT_OFF = datetime.datetime(2018, 2, 1, tzinfo=UTC)
BEFORE = datetime.datetime(2017, 12, 31, tzinfo=UTC)  # any moment before the cut-off
AFTER = datetime.datetime(2018, 3, 1, tzinfo=UTC)  # any moment after it
BORDER_OFFICES = {"TKM", "IQL", "SBD", "MLK"}
AGES = (0, 4, 5, 11, 12, 17, 18, 59, 60, 80)
STATUSES = ("registered_refugee", "refugee_card", "acc_holder", "passport_visa", "undocumented")
AGENCY_OF = {"registered_refugee": "UNHCR", "refugee_card": "UNHCR"}


def moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@dataclass
class PersonSpec:
    sex: str
    age: int | None = None
    date_of_birth: datetime.date | None = None
    needs: tuple[str, ...] = ()  # IOM vulnerability codes


@dataclass
class HouseholdSpec:
    key: str
    category: str
    country: str
    office: str
    arrival: datetime.date
    province: str
    members: list[PersonSpec]
    created_at: datetime.datetime | None = None
    grant_paid: datetime.date | None = None  # the first grant counted by the cut-off (for grant_paid)

    @property
    def created(self) -> datetime.datetime:
        return self.created_at or moment(self.arrival + datetime.timedelta(days=1))


@dataclass
class CountSpec:
    crossing: str
    day: datetime.date
    country: str
    version: int
    total: int
    recorded_at: datetime.datetime

    def measures(self) -> dict[str, int]:
        deported = self.total // 3
        in_families = self.total * 2 // 3
        parts = [self.total // 10] * 10
        parts[(self.day.day + self.version) % 10] += self.total - sum(parts)
        return {
            "total": self.total,
            "deported": deported,
            "spontaneous": self.total - deported,
            "in_families": in_families,
            "individuals": self.total - in_families,
            **dict(zip(SEX_AGE_FIELDS, parts, strict=True)),
        }


def generated_households(year: int, count: int, prefix: str) -> list[HouseholdSpec]:
    households = []
    for i in range(count):
        arrival = datetime.date(year, 1 + i % 12, 1 + (i * 7) % 28)
        members = []
        for j in range(1 + i % 4):
            sex = ("female", "male")[(i + j) % 2]
            age = AGES[(i + 3 * j) % len(AGES)]
            if j == 1:  # some people with a date of birth: their age on arrival is computed
                members.append(PersonSpec(sex=sex, date_of_birth=datetime.date(arrival.year - age - 1, 6, 15)))
            else:
                members.append(PersonSpec(sex=sex, age=age))
        households.append(
            HouseholdSpec(
                key=f"{prefix}{i}",
                category=STATUSES[i % 5],
                country=("PK", "IR", "TJ")[i % 3],
                office=("TKM", "IQL", "SBD", "TTK")[i % 4],
                arrival=arrival,
                province=f"AF{1 + (i * 5) % 34:02d}",
                members=members,
            )
        )
    return households


def special_households() -> list[HouseholdSpec]:
    d = datetime.date
    return [
        HouseholdSpec(
            "A",
            "registered_refugee",
            "PK",
            "TKM",
            d(2017, 4, 10),
            "AF01",
            [PersonSpec("male", 40), PersonSpec("female", 35), PersonSpec("male", 10), PersonSpec("female", 2)],
            grant_paid=d(2017, 4, 12),
        ),
        HouseholdSpec(
            "B",
            "registered_refugee",
            "IR",
            "IQL",
            d(2017, 6, 1),
            "AF30",
            [PersonSpec("male", 50), PersonSpec("female", 48)],
        ),
        HouseholdSpec("C", "registered_refugee", "PK", "TKM", d(2017, 8, 1), "AF06", [PersonSpec("male", 22)]),
        HouseholdSpec(
            "D",
            "registered_refugee",
            "PK",
            "SBD",
            d(2017, 9, 1),
            "AF33",
            [PersonSpec("male", 33), PersonSpec("female", 31), PersonSpec("female", 7)],
        ),
        HouseholdSpec(
            "P",
            "registered_refugee",
            "PK",
            "TKM",
            d(2016, 12, 20),
            "AF01",
            [PersonSpec("male", 45), PersonSpec("male", 16)],
            grant_paid=d(2017, 1, 5),
        ),
        HouseholdSpec(
            "L",
            "registered_refugee",
            "IR",
            "IQL",
            d(2017, 12, 20),
            "AF30",
            [PersonSpec("female", 29), PersonSpec("female", 3)],
            grant_paid=d(2018, 1, 10),
        ),
        HouseholdSpec(
            "E",
            "undocumented",
            "IR",
            "IQL",
            d(2017, 3, 5),
            "AF30",
            [
                PersonSpec("female", 30, needs=("SF",)),
                PersonSpec("male", 5, needs=("UMC", "MI")),
                PersonSpec("female", 62, needs=("MI",)),
            ],
        ),
        HouseholdSpec(
            "F", "undocumented", "IR", "IQL", d(2017, 3, 6), "AF30", [PersonSpec("male", 19), PersonSpec("male", 17)]
        ),
        HouseholdSpec("G", "undocumented", "PK", "TKM", d(2017, 11, 1), "AF06", [PersonSpec("male", 25)]),
        # Registered after the cut-off: counts nowhere.
        HouseholdSpec(
            "LATE", "registered_refugee", "PK", "TKM", d(2017, 7, 7), "AF01", [PersonSpec("male", 30)], created_at=AFTER
        ),
        # Arrived after the period.
        HouseholdSpec("NEXT", "acc_holder", "PK", "TKM", d(2018, 1, 10), "AF01", [PersonSpec("female", 30)]),
    ]


def household_specs() -> list[HouseholdSpec]:
    return generated_households(2017, 30, "N") + generated_households(2016, 12, "O") + special_households()


def count_specs() -> list[CountSpec]:
    counts = []
    for year, number in ((2017, 24), (2016, 8)):
        for i in range(number):
            counts.append(
                CountSpec(
                    crossing=("TKM", "IQL", "SBD", "MLK")[i % 4],
                    day=datetime.date(year, 1 + i % 12, 3 + i % 20),
                    country=("PK", "IR", "TJ")[i % 3],
                    version=1,
                    total=100 + 17 * i,
                    recorded_at=moment(datetime.date(year, 1 + i % 12, 25)),
                )
            )
    first = counts[0]
    # A correction recorded before the cut-off (it counts), and another after it (it does not).
    counts.append(CountSpec(first.crossing, first.day, first.country, 2, 250, moment(datetime.date(2017, 2, 1))))
    counts.append(CountSpec(first.crossing, first.day, first.country, 3, 999, AFTER))
    # A count whose only version was recorded after the cut-off.
    counts.append(CountSpec("TKM", datetime.date(2017, 12, 30), "PK", 1, 77, AFTER))
    return counts


@dataclass
class World:
    households: list[HouseholdSpec]
    counts: list[CountSpec]
    saved: dict[str, Household] = field(default_factory=dict)
    people: dict[str, list[Member]] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)

    def spec(self, key: str) -> HouseholdSpec:
        return next(household for household in self.households if household.key == key)


def world_build() -> World:
    world = World(households=household_specs(), counts=count_specs())
    officer = UserFactory(username="report.officer", role=User.Role.CASE_WORKER)
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    offices = {office.code: office for office in Office.objects.all()}
    households = Household.objects.bulk_create(
        [
            Household(
                registration_number=f"TKM-2017-{index:06d}",
                arrival_date=spec.arrival,
                office=offices[spec.office],
                country_of_departure_id=spec.country,
                return_type_id="spontaneous",
                destination_province_id=spec.province,
                registered_by=officer,
                routed_agency=agencies[AGENCY_OF.get(spec.category, "IOM")],
                category=spec.category,
                routing_reason="Known composition.",
                member_count=len(spec.members),
            )
            for index, spec in enumerate(world.households)
        ]
    )
    for spec, saved in zip(world.households, households, strict=True):
        world.saved[spec.key] = saved
        Household.objects.filter(pk=saved.pk).update(created_at=spec.created)
    members = Member.objects.bulk_create(
        [
            Member(
                household=saved,
                given_name=f"P{index}",
                fathers_name="Known",
                sex=person.sex,
                estimated_age=person.age,
                date_of_birth=person.date_of_birth,
                relationship="head" if index == 0 else "other_relative",
            )
            for spec, saved in zip(world.households, households, strict=True)
            for index, person in enumerate(spec.members)
        ]
    )
    position = 0
    codes = {need.code: need for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY)}
    links = []
    for spec in world.households:
        world.people[spec.key] = members[position : position + len(spec.members)]
        for person, saved in zip(spec.members, world.people[spec.key], strict=True):
            links += [
                Member.specific_needs.through(member_id=saved.pk, needcode_id=codes[code].pk) for code in person.needs
            ]
        position += len(spec.members)
    Member.specific_needs.through.objects.bulk_create(links)
    border_counts_build(world, offices=offices, recorded_by=officer)
    cases_build(world, agencies=agencies, offices=offices, officer=officer)
    return world


def border_counts_build(world: World, *, offices, recorded_by) -> None:
    BorderCount.objects.bulk_create(
        [
            BorderCount(
                crossing=offices[spec.crossing],
                day=spec.day,
                country_id=spec.country,
                version=spec.version,
                note="" if spec.version == 1 else "Corrected.",
                recorded_by=recorded_by,
                recorded_at=spec.recorded_at,
                **spec.measures(),
            )
            for spec in world.counts
        ]
    )


def cases_build(world: World, *, agencies, offices, officer) -> None:
    checker = UserFactory(username="report.checker", role=User.Role.CASE_WORKER)
    types = {(t.agency.code, t.code): t for t in AssistanceType.objects.select_related("agency")}

    def case(
        key: str, agency: str, workflow: str, stage: str, *, outcome: str = "", closed: datetime.datetime | None = None
    ):
        household = world.saved[key]
        created = Case.objects.create(
            case_number=f"C-{key}",
            household=household,
            agency=agencies[agency],
            office=household.office,
            workflow=workflow,
            stage=stage,
            outcome=outcome,
            closed_at=closed,
        )
        Case.objects.filter(pk=created.pk).update(opened_at=world.spec(key).created)
        world.cases[key] = created
        return created

    def give(
        case_,
        type_key,
        *,
        delivered,
        quantity=1,
        value=None,
        recorded,
        approved=None,
        member=None,
        office=None,
        overridden_by=None,
    ):
        item = Assistance.objects.create(
            case=case_,
            member=member,
            assistance_type=types[type_key],
            quantity=Decimal(quantity),
            value=None if value is None else Decimal(value),
            currency="" if value is None else "USD",
            delivered_on=delivered,
            office=offices[office or "TKM"],
            recorded_by=officer,
            approval="not_required" if approved is None else "approved",
            approved_by=None if approved is None else checker,
            approved_at=approved,
            overridden_by=overridden_by,
            override_justification="The first grant was lost." if overridden_by else "",
        )
        with history_backdated():
            Assistance.objects.filter(pk=item.pk).update(recorded_at=recorded)
        return item

    volrep, iom = "unhcr_voluntary_repatriation", "iom_post_arrival"
    d = datetime.date
    a = case("A", "UNHCR", volrep, "closed", outcome="assisted", closed=moment(d(2017, 8, 1)))
    give(
        a,
        ("UNHCR", "cash_grant"),
        delivered=d(2017, 4, 12),
        quantity=3,
        value="600.00",
        recorded=moment(d(2017, 4, 12)),
        approved=moment(d(2017, 4, 12)),
        office="ENG",
    )
    give(
        a,
        ("UNHCR", "return_supplement"),
        delivered=d(2017, 7, 15),
        value="700.00",
        recorded=moment(d(2017, 7, 15)),
        approved=moment(d(2017, 7, 16)),
        office="ENG",
    )
    give(
        a,
        ("UNHCR", "health_screening"),
        delivered=d(2017, 4, 12),
        recorded=moment(d(2017, 4, 12)),
        member=world.people["A"][0],
        office="ENG",
    )
    decisions = ["eligible", "eligible", "already_assisted", "eligible"]
    MemberEntitlement.objects.bulk_create(
        [
            MemberEntitlement(case=a, member=person, decision=decision, decided_by=officer)
            for person, decision in zip(world.people["A"], decisions, strict=True)
        ]
    )
    MemberEntitlement.objects.filter(case=a).update(decided_at=moment(d(2017, 4, 11)))
    case("B", "UNHCR", volrep, "encashment")
    c = case("C", "UNHCR", volrep, "closed", outcome="not_eligible", closed=moment(d(2017, 8, 2)))
    dd = case("D", "UNHCR", volrep, "encashment")
    give(
        dd,
        ("UNHCR", "cash_grant"),
        delivered=d(2017, 9, 2),
        quantity=3,
        value="600.00",
        recorded=AFTER,
        approved=AFTER,
        office="EKD",
    )
    p = case("P", "UNHCR", volrep, "closed", outcome="assisted", closed=moment(d(2017, 4, 1)))
    give(
        p,
        ("UNHCR", "cash_grant"),
        delivered=d(2017, 1, 5),
        quantity=2,
        value="400.00",
        recorded=moment(d(2017, 1, 5)),
        approved=moment(d(2017, 1, 6)),
        office="EKB",
    )
    late = case("L", "UNHCR", volrep, "services")
    give(
        late,
        ("UNHCR", "cash_grant"),
        delivered=d(2018, 1, 10),
        quantity=2,
        value="400.00",
        recorded=moment(d(2018, 1, 10)),
        approved=moment(d(2018, 1, 11)),
        office="EHR",
        overridden_by=checker,  # given again on a manager's override
    )

    e = case("E", "IOM", iom, "transport")
    f = case("F", "IOM", iom, "closed", outcome="counted_not_assisted", closed=moment(d(2017, 3, 6)))
    g = case("G", "IOM", iom, "screening")
    events = [
        CaseEvent(case=e, kind="transition", from_stage="screening", to_stage="assistance", actor=officer),
        CaseEvent(case=f, kind="transition", from_stage="screening", to_stage="closed", actor=officer),
    ]
    CaseEvent.objects.bulk_create(events)
    with history_backdated():
        CaseEvent.objects.filter(case=e).update(created_at=moment(d(2017, 3, 5)))
        CaseEvent.objects.filter(case=f).update(created_at=moment(d(2017, 3, 6)))
    give(e, ("IOM", "meals"), delivered=d(2017, 3, 5), quantity=6, recorded=moment(d(2017, 3, 5)), office="TIQ")
    # A second meal for one of them: still three people reached.
    give(e, ("IOM", "meals"), delivered=d(2017, 3, 6), recorded=moment(d(2017, 3, 6)), member=world.people["E"][0])
    give(
        e,
        ("IOM", "transport_cash"),
        delivered=d(2017, 3, 6),
        value="50.00",
        recorded=moment(d(2017, 3, 6)),
        approved=moment(d(2017, 3, 6)),
        office="TIQ",
    )

    # One grant per person: B's head refused twice (one person refused), one of E refused by IOM, and
    # D's head refused after the cut-off (not counted).
    a_grant = Assistance.objects.get(case=a, assistance_type=types[("UNHCR", "cash_grant")])
    e_cash = Assistance.objects.get(case=e, assistance_type=types[("IOM", "transport_cash")])
    refusals = [
        ("B", ("UNHCR", "cash_grant"), a_grant, moment(d(2017, 6, 1))),
        ("B", ("UNHCR", "cash_grant"), a_grant, moment(d(2017, 6, 2))),
        ("E", ("IOM", "cash_for_protection"), e_cash, moment(d(2017, 3, 7))),
        ("D", ("UNHCR", "cash_grant"), a_grant, AFTER),
    ]
    written = GrantRefusal.objects.bulk_create(
        [
            GrantRefusal(
                case=world.cases[key],
                member=world.people[key][0],
                assistance_type=types[type_key],
                earlier=earlier,
                through_duplicate=True,
                refused_by=officer,
            )
            for key, type_key, earlier, _when in refusals
        ]
    )
    with history_backdated():
        for refusal, (*_rest, when) in zip(written, refusals, strict=True):
            GrantRefusal.objects.filter(pk=refusal.pk).update(refused_at=when)

    def refer(from_case, to, service, status, *, created, responded=None):
        referral = Referral.objects.create(
            case=from_case,
            from_agency=from_case.agency,
            to_agency=agencies[to],
            service=service,
            reason="Known composition.",
            status=status,
            due_date=created.date(),
            responded_at=responded,
            created_by=officer,
        )
        Referral.objects.filter(pk=referral.pk).update(created_at=created)

    refer(a, "IOM", "screening", "accepted", created=moment(d(2017, 4, 11)), responded=moment(d(2017, 4, 12)))
    refer(c, "IOM", "assistance", "completed", created=moment(d(2017, 8, 2)), responded=moment(d(2017, 8, 3)))
    refer(e, "NRC", "protection", "accepted", created=moment(d(2017, 3, 7)), responded=AFTER)
    refer(e, "WAW", "protection", "declined", created=moment(d(2017, 3, 7)), responded=moment(d(2017, 3, 10)))
    refer(g, "UNHCR", "verification", "pending", created=AFTER)

    plans = {
        code: MonitoringPlan.objects.get_or_create(
            agency=agencies[code], defaults={"sample_rate": "0.05", "seed": "known"}
        )[0]
        for code in ("UNHCR", "IOM")
    }

    def interview(key, agency, *, status="pending", on=None, answers=None):
        done = status != "pending"
        item = MonitoringInterview.objects.create(
            household=world.saved[key],
            agency=agencies[agency],
            plan=plans[agency],
            drawn_on=d(2017, 5, 1),
            due_by=d(2017, 12, 1),
            status=status,
            method="phone" if done else "",
            interviewed_on=on,
            interviewed_by=officer if done else None,
            consent=status == "completed",
            **(answers or {}),
        )
        MonitoringInterview.objects.filter(pk=item.pk).update(created_at=moment(d(2017, 5, 1)))

    interview(
        "A",
        "UNHCR",
        status="completed",
        on=d(2017, 10, 1),
        answers={
            "current_province_id": "AF01",
            "shelter": "own_house",
            "work": "daily_labour",
            "intends_to_stay": "yes",
            "needs": ["food"],
        },
    )
    interview(
        "E",
        "IOM",
        status="completed",
        on=d(2017, 6, 1),
        answers={
            "current_province_id": "AF30",
            "shelter": "rented",
            "work": "none",
            "intends_to_stay": "undecided",
            "needs": ["shelter"],
        },
    )
    interview("B", "UNHCR")
    interview(
        "F",
        "IOM",
        status="completed",
        on=d(2018, 3, 1),
        answers={
            "current_province_id": "AF30",
            "shelter": "with_relatives",
            "work": "daily_labour",
            "intends_to_stay": "yes",
            "needs": ["food"],
        },
    )
    interview("C", "UNHCR", status="not_reached", on=d(2017, 9, 1))

"""Synthetic demo data: the demo users and a realistic caseload, loaded with PostgreSQL COPY.

The proportions follow docs/DOMAIN.md ("Scale"): most people are undocumented returnees from
Iran, about 90% of Iran's deportees are single men, registered refugees (PoR card, VRF) come
mostly from Pakistan, households average about 5.4 people. Every household is routed by the
real routing rules (``routing_decide`` on a ``HouseholdRegistration``), so the demo shows what
the system would have decided. Loading uses COPY with ids reserved from each table's sequence,
so a million people load in about a minute rather than the hours ``save()`` would take.

Every household also gets its routed agency's case (as ``household_register`` opens one), at a
realistic point of the agency's workflow: households that arrived long ago are mostly closed,
recent arrivals are spread over every stage, with the history (events), assistance, iris
verifications and IOM vulnerability codes the transitions would have written.

Nothing here runs in production: ``manage.py seed_demo`` refuses to run unless DEBUG is on.
"""

import bisect
import datetime
import io
import itertools
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from agencies.models import Agency, Office, User
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    GrantRate,
    Household,
    HouseholdEvent,
    Member,
    MemberDocument,
    MemberVerification,
    NeedCode,
    Referral,
)
from returns.reference import ReferenceData
from returns.registration import DocumentRegistration, HouseholdRegistration, MemberRegistration
from returns.routing import routing_decide
from returns.services.households import REGISTRATION_NUMBER_SEQUENCE
from returns.workflows import Workflow, workflow_for_agency
from returns.workflows.unhcr_voluntary_repatriation import IRIS_FROM_AGE

DEMO_PASSWORD = "returns-demo-2026"  # noqa: S105 - a published demo password, DEBUG only

# username: (agency code, office code, role, is_superuser)
DEMO_USERS = {
    "unhcr.officer": ("UNHCR", "TKM", User.Role.FIELD_OFFICER, False),
    "unhcr.manager": ("UNHCR", None, User.Role.MANAGER, False),
    "iom.officer": ("IOM", "IQL", User.Role.FIELD_OFFICER, False),
    "iom.manager": ("IOM", None, User.Role.MANAGER, False),
    "unhcr.caseworker": ("UNHCR", "ENG", User.Role.CASE_WORKER, False),
    "iom.caseworker": ("IOM", "TIQ", User.Role.CASE_WORKER, False),
    "coordinator": ("UNHCR", None, User.Role.COORDINATOR, False),
    "admin": (None, None, User.Role.ADMIN, True),
}

FIRST_ARRIVAL = datetime.date(2023, 1, 1)

# ---------------------------------------------------------------------------------------------
# Names: common Afghan names in Latin transliteration and in Dari script.
# ---------------------------------------------------------------------------------------------

MALE_NAMES = [
    ("Ahmad", "احمد"),
    ("Mohammad", "محمد"),
    ("Mahmood", "محمود"),
    ("Abdullah", "عبدالله"),
    ("Abdul Rahman", "عبدالرحمن"),
    ("Ali", "علی"),
    ("Hassan", "حسن"),
    ("Hussain", "حسین"),
    ("Omar", "عمر"),
    ("Khalid", "خالد"),
    ("Naveed", "نوید"),
    ("Farid", "فرید"),
    ("Jawad", "جواد"),
    ("Rahim", "رحیم"),
    ("Karim", "کریم"),
    ("Hamid", "حمید"),
    ("Rashid", "رشید"),
    ("Nasir", "ناصر"),
    ("Bashir", "بشیر"),
    ("Nazir", "نذیر"),
    ("Qasim", "قاسم"),
    ("Yousuf", "یوسف"),
    ("Ibrahim", "ابراهیم"),
    ("Ismail", "اسماعیل"),
    ("Mustafa", "مصطفی"),
    ("Wahid", "وحید"),
    ("Zabihullah", "ذبیح‌الله"),
    ("Habibullah", "حبیب‌الله"),
    ("Najibullah", "نجیب‌الله"),
    ("Samiullah", "سمیع‌الله"),
    ("Ahmad Shah", "احمدشاه"),
    ("Gul Ahmad", "گل‌احمد"),
    ("Sayed", "سید"),
    ("Shafiq", "شفیق"),
    ("Rafiq", "رفیق"),
    ("Javid", "جاوید"),
    ("Faizullah", "فیض‌الله"),
    ("Noorullah", "نورالله"),
    ("Ghulam", "غلام"),
    ("Sharif", "شریف"),
    ("Aziz", "عزیز"),
    ("Mirwais", "میرویس"),
]

FEMALE_NAMES = [
    ("Zahra", "زهرا"),
    ("Fatima", "فاطمه"),
    ("Maryam", "مریم"),
    ("Khadija", "خدیجه"),
    ("Aisha", "عایشه"),
    ("Zainab", "زینب"),
    ("Masooma", "معصومه"),
    ("Fereshta", "فرشته"),
    ("Nargis", "نرگس"),
    ("Parwana", "پروانه"),
    ("Shabana", "شبانه"),
    ("Shukria", "شکریه"),
    ("Sima", "سیما"),
    ("Soraya", "ثریا"),
    ("Laila", "لیلا"),
    ("Mahbooba", "محبوبه"),
    ("Nasima", "نسیمه"),
    ("Farzana", "فرزانه"),
    ("Gulalai", "گلالی"),
    ("Hamida", "حمیده"),
    ("Latifa", "لطیفه"),
    ("Marzia", "مرضیه"),
    ("Nilofar", "نیلوفر"),
    ("Roya", "رویا"),
    ("Sakina", "سکینه"),
    ("Tahmina", "تهمینه"),
    ("Wahida", "وحیده"),
    ("Zarghona", "زرغونه"),
    ("Hadia", "هادیه"),
    ("Bibi Gul", "بی‌بی‌گل"),
]

# Many Afghans use no family name; about half of the demo households carry one.
FAMILY_NAMES = [
    ("Ahmadi", "احمدی"),
    ("Rahimi", "رحیمی"),
    ("Karimi", "کریمی"),
    ("Hakimi", "حکیمی"),
    ("Noori", "نوری"),
    ("Sultani", "سلطانی"),
    ("Amiri", "امیری"),
    ("Rasuli", "رسولی"),
    ("Haidari", "حیدری"),
    ("Azizi", "عزیزی"),
    ("Habibi", "حبیبی"),
    ("Qaderi", "قادری"),
    ("Sharifi", "شریفی"),
    ("Hashimi", "هاشمی"),
    ("Mohammadi", "محمدی"),
    ("Safi", "صافی"),
    ("Stanikzai", "ستانکزی"),
    ("Ahmadzai", "احمدزی"),
]

# ---------------------------------------------------------------------------------------------
# Where people go: destination shares by population (OCHA P-codes).
# ---------------------------------------------------------------------------------------------

# 2017 VolRep: 68% to Kabul, Nangarhar, Kunduz, Logar and Sar-e-Pul.
VOLREP_DESTINATIONS = {
    "AF01": 22,
    "AF06": 20,
    "AF17": 10,
    "AF05": 8,
    "AF20": 8,
    "AF13": 3,
    "AF07": 3,
    "AF09": 3,
    "AF18": 3,
    "AF12": 3,
    "AF26": 2,
    "AF11": 2,
    "AF33": 3,
    "AF32": 2,
    "AF16": 2,
    "AF27": 2,
    "AF03": 2,
    "AF04": 2,
}
FROM_IRAN_DESTINATIONS = {
    "AF30": 22,
    "AF01": 11,
    "AF18": 7,
    "AF34": 6,
    "AF31": 6,
    "AF32": 6,
    "AF33": 6,
    "AF28": 6,
    "AF29": 5,
    "AF21": 5,
    "AF16": 3,
    "AF22": 3,
    "AF11": 4,
    "AF27": 3,
    "AF19": 2,
    "AF20": 2,
    "AF10": 2,
    "AF24": 2,
}
FROM_PAKISTAN_DESTINATIONS = {
    "AF06": 25,
    "AF01": 18,
    "AF13": 7,
    "AF07": 6,
    "AF33": 8,
    "AF26": 5,
    "AF12": 5,
    "AF25": 4,
    "AF32": 4,
    "AF05": 4,
    "AF17": 4,
    "AF09": 3,
    "AF11": 3,
    "AF04": 2,
    "AF18": 2,
}
FROM_ELSEWHERE_DESTINATIONS = {"AF01": 55, "AF18": 10, "AF30": 10, "AF06": 10, "AF33": 5, "AF10": 5, "AF03": 5}

# Crossing points by country of departure; anyone else lands at Kabul airport.
CROSSINGS = {"PK": (("TKM", 70), ("SBD", 30)), "IR": (("IQL", 75), ("MLK", 25))}
OTHER_COUNTRIES = (("TR", 40), ("TJ", 15), ("IN", 15), ("DE", 10), ("GB", 5), ("AE", 10), ("SA", 5))

# Family sizes (households that are not a single person): mean about 7, so that with the single
# deportees the average is about 5.4 people per household.
FAMILY_SIZES = {2: 5, 3: 7, 4: 9, 5: 12, 6: 13, 7: 13, 8: 12, 9: 10, 10: 8, 11: 5, 12: 3, 13: 2, 14: 1, 15: 1}


@dataclass(frozen=True)
class Scenario:
    """One kind of arriving household and its share of all households."""

    code: str
    weight: float
    country: str
    return_types: tuple  # ((code, weight), ...)
    single: bool = False
    documents: str = "none"  # none | por_vrf | amayesh_vrf | por | amayesh | mixed_por | expired_por | acc | other
    destinations: str = "pk"


SCENARIOS = (
    Scenario("ir_single_deportee", 0.17, "IR", (("deportation", 1),), single=True, destinations="ir"),
    Scenario("ir_single_spontaneous", 0.02, "IR", (("spontaneous", 1),), single=True, destinations="ir"),
    Scenario("ir_family_deported", 0.0015, "IR", (("deportation", 1),), destinations="ir"),
    Scenario("ir_family_spontaneous", 0.30, "IR", (("spontaneous", 1),), destinations="ir"),
    Scenario(
        "ir_amayesh_volrep", 0.012, "IR", (("voluntary_repatriation", 1),), documents="amayesh_vrf", destinations="vr"
    ),
    Scenario("ir_amayesh_deported", 0.0015, "IR", (("deportation", 1),), documents="amayesh", destinations="ir"),
    Scenario("pk_volrep", 0.08, "PK", (("voluntary_repatriation", 1),), documents="por_vrf", destinations="vr"),
    Scenario("pk_por_spontaneous", 0.012, "PK", (("spontaneous", 1),), documents="por", destinations="vr"),
    Scenario(
        "pk_mixed_status",
        0.015,
        "PK",
        (("spontaneous", 7), ("deportation", 3)),
        documents="mixed_por",
        destinations="vr",
    ),
    Scenario("pk_por_deported", 0.015, "PK", (("deportation", 1),), documents="por"),
    Scenario("pk_expired_card", 0.015, "PK", (("spontaneous", 6), ("deportation", 4)), documents="expired_por"),
    Scenario("pk_acc_holders", 0.035, "PK", (("deportation", 5), ("spontaneous", 5)), documents="acc"),
    Scenario("pk_undocumented", 0.10, "PK", (("spontaneous", 55), ("deportation", 45))),
    Scenario("pk_single_deportee", 0.02, "PK", (("deportation", 1),), single=True),
    Scenario(
        "elsewhere",
        0.008,
        "",
        (("other", 5), ("deportation", 3), ("spontaneous", 2)),
        documents="other",
        destinations="elsewhere",
    ),
)
DESTINATIONS = {
    "vr": VOLREP_DESTINATIONS,
    "ir": FROM_IRAN_DESTINATIONS,
    "pk": FROM_PAKISTAN_DESTINATIONS,
    "elsewhere": FROM_ELSEWHERE_DESTINATIONS,
}
REFUGEE_CARD = {"por": ("por_card", "PK"), "amayesh": ("amayesh_card", "IR")}


def _cumulative(weights) -> tuple[list, list]:
    items = list(weights)
    return items, list(itertools.accumulate(weight for _item, weight in items))


class _WeightedChoice:
    """rng.choices with precomputed cumulative weights, for the hot loop."""

    def __init__(self, weighted):
        items, self.cumulative = _cumulative(weighted.items() if isinstance(weighted, dict) else weighted)
        self.values = [item for item, _weight in items]
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


def _month_weight(year: int, month: int) -> float:
    """More arrivals in the published peaks: Pakistan's deportation drive from late 2023 and 2025's mass returns."""
    weight = {2023: 1.0, 2024: 1.0, 2025: 2.2}.get(year, 1.4)
    if (year, month) in {(2023, 10), (2023, 12)}:
        weight *= 1.6
    elif (year, month) == (2023, 11):
        weight *= 2.8
    elif year == 2025 and month in (4, 5, 6):
        weight *= 1.8
    elif (year, month) == (2025, 7):
        weight *= 3.0
    return weight


# ---------------------------------------------------------------------------------------------
# Households.
# ---------------------------------------------------------------------------------------------


class DemoCaseload:
    """Draws realistic arriving households as ``HouseholdRegistration`` objects (pure Python)."""

    def __init__(self, *, rng: random.Random, reference: ReferenceData, today: datetime.date):
        self.rng = rng
        self.reference = reference
        self.today = today
        self.scenario = _WeightedChoice([(scenario, scenario.weight) for scenario in SCENARIOS])
        self.family_scenario = _WeightedChoice(
            [(scenario, scenario.weight) for scenario in SCENARIOS if not scenario.single]
        )
        self.without_pk_volrep = _WeightedChoice(
            [(scenario, scenario.weight) for scenario in SCENARIOS if scenario.code != "pk_volrep"]
        )
        self.family_size = _WeightedChoice(FAMILY_SIZES)
        self.destination = {key: _WeightedChoice(table) for key, table in DESTINATIONS.items()}
        self.crossing = {country: _WeightedChoice(offices) for country, offices in CROSSINGS.items()}
        self.other_country = _WeightedChoice(OTHER_COUNTRIES)
        self.return_type = {scenario.code: _WeightedChoice(scenario.return_types) for scenario in SCENARIOS}
        self.districts_by_province: dict[str, list[str]] = {}
        for district in reference.districts.values():
            self.districts_by_province.setdefault(district.province_id, []).append(district.pcode)
        months = []
        day = FIRST_ARRIVAL
        while day <= today:
            months.append(((day.year, day.month), _month_weight(day.year, day.month)))
            day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        self.month = _WeightedChoice(months)
        self.needs = set(reference.specific_needs)

    def arrival_dates(self, count: int) -> list[datetime.date]:
        """``count`` arrival dates from 2023 to today, weighted by month, in chronological order."""
        rng = self.rng
        dates = []
        for _ in range(count):
            year, month = self.month(rng)
            first = datetime.date(year, month, 1)
            last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
            last = min(last, self.today)
            dates.append(first + datetime.timedelta(days=rng.randrange((last - first).days + 1)))
        dates.sort()
        return dates

    def household(self, arrival: datetime.date, *, size: int | None = None) -> HouseholdRegistration:
        """One arriving household; ``size`` forces a family of that many people."""
        rng = self.rng
        if size is not None:
            scenario = self.family_scenario(rng)
        else:
            scenario = self.scenario(rng)
            # UNHCR pauses voluntary repatriation from Pakistan from 1 December to 28 February.
            while scenario.code == "pk_volrep" and arrival.month in (12, 1, 2):
                scenario = self.without_pk_volrep(rng)
        country = scenario.country or self.other_country(rng)
        office = self.crossing[country](rng) if country in self.crossing else "KBA"
        province = self.destination[scenario.destinations](rng)
        district = ""
        districts = self.districts_by_province.get(province)
        if districts and rng.random() < 0.6:
            district = rng.choice(districts)
        return_type = self.return_type[scenario.code](rng)
        if size is None:
            size = 1 if scenario.single else self.family_size(rng)
            if scenario.documents == "other":
                size = rng.choice((1, 1, 2, 3, 4))
        members = self._members(scenario, size, arrival, return_type)
        phone = ""
        if rng.random() < 0.55:
            phone = f"+93 7{rng.randrange(10)} {rng.randrange(1000):03d} {rng.randrange(10000):04d}"
        return HouseholdRegistration(
            arrival_date=arrival,
            office=office,
            country_of_departure=country,
            return_type=return_type,
            destination_province=province,
            destination_district=district,
            phone=phone,
            members=members,
        )

    # -- members --------------------------------------------------------------------------------

    def _members(self, scenario: Scenario, size: int, arrival, return_type: str) -> list[MemberRegistration]:
        rng = self.rng
        family_name, family_name_local = rng.choice(FAMILY_NAMES) if rng.random() < 0.5 else ("", "")
        if size == 1:
            # Single men, mostly young; a few unaccompanied boys.
            age = rng.randint(15, 17) if rng.random() < 0.04 else rng.randint(18, 45)
            head = self._person("male", "head", age, arrival, family_name, family_name_local)
            if age < 18:
                head.specific_needs.append("SC-UC")
            members = [head]
        else:
            members = self._family(size, arrival, family_name, family_name_local)
        self._documents(scenario, members, arrival)
        self._specific_needs(members, return_type)
        return members

    def _family(self, size: int, arrival, family_name: str, family_name_local: str) -> list[MemberRegistration]:
        rng = self.rng
        female_head = rng.random() < 0.05
        head_age = rng.randint(24, 62)
        head = self._person(
            "female" if female_head else "male", "head", head_age, arrival, family_name, family_name_local
        )
        members = [head]
        if female_head:
            children_father = rng.choice(MALE_NAMES)  # a widow: the children carry their late father's name
            head.specific_needs.extend(["SP", "WR"] if rng.random() < 0.5 else ["SP"])
        else:
            children_father = (head.given_name, head.given_name_local)
            spouse_age = max(16, head_age - rng.randint(0, 10))
            members.append(self._person("female", "spouse", spouse_age, arrival, family_name, family_name_local))
        if len(members) < size and size >= 5 and head_age >= 35 and rng.random() < 0.15:
            parent = self._person(
                rng.choice(("female", "male")), "parent", head_age + rng.randint(20, 30), arrival, "", ""
            )
            parent.fathers_name, parent.fathers_name_local = rng.choice(MALE_NAMES)
            members.append(parent)
        if len(members) < size and rng.random() < 0.1:
            sibling = self._person(
                rng.choice(("female", "male")), "sibling", max(1, head_age - rng.randint(2, 15)), arrival, "", ""
            )
            sibling.fathers_name, sibling.fathers_name_local = head.fathers_name, head.fathers_name_local
            members.append(sibling)
        oldest_child = max(0, min(head_age - 18, 26))
        while len(members) < size:
            sex = rng.choice(("female", "male"))
            child = self._person(
                sex, "son" if sex == "male" else "daughter", rng.randint(0, oldest_child), arrival, "", ""
            )
            child.fathers_name, child.fathers_name_local = children_father
            child.family_name, child.family_name_local = family_name, family_name_local
            members.append(child)
        return members

    def _person(self, sex, relationship, age, arrival, family_name, family_name_local) -> MemberRegistration:
        rng = self.rng
        given, given_local = rng.choice(FEMALE_NAMES if sex == "female" else MALE_NAMES)
        father, father_local = rng.choice(MALE_NAMES)
        age = min(age, 95)
        date_of_birth = None
        estimated_age = age
        if rng.random() < 0.35:
            date_of_birth = arrival - datetime.timedelta(days=age * 365 + rng.randrange(365))
            estimated_age = None
        return MemberRegistration(
            given_name=given,
            fathers_name=father,
            sex=sex,
            relationship=relationship,
            family_name=family_name,
            given_name_local=given_local,
            fathers_name_local=father_local,
            family_name_local=family_name_local,
            date_of_birth=date_of_birth,
            estimated_age=estimated_age,
        )

    # -- documents ------------------------------------------------------------------------------

    def _card(self, kind: str, arrival, *, expired: bool = False) -> DocumentRegistration:
        rng = self.rng
        document_type, issuer = REFUGEE_CARD[kind]
        if expired:
            expiry = arrival - datetime.timedelta(days=rng.randint(30, 700))
        else:
            expiry = arrival + datetime.timedelta(days=rng.randint(60, 900))
        prefix = "PoR" if kind == "por" else "AM"
        return DocumentRegistration(
            document_type=document_type,
            issuing_country=issuer,
            number=f"{prefix}-{rng.randrange(10**9):09d}",
            expiry_date=expiry,
            expired_confirmed=expired,
        )

    def _documents(self, scenario: Scenario, members: list[MemberRegistration], arrival) -> None:
        rng = self.rng
        kind = scenario.documents
        head = members[0]
        if kind in {"por_vrf", "amayesh_vrf", "por", "amayesh", "mixed_por", "expired_por"}:
            card = "amayesh" if kind.startswith("amayesh") else "por"
            expired = kind == "expired_por"
            # Refugee cards are issued from age 5; younger children are listed on a parent's card.
            # In a mixed-status family the spouse married in after registration and holds no card.
            for member in members:
                if (member.age_on(arrival) or 0) < 5:
                    continue
                if kind == "mixed_por" and member.relationship in {"spouse", "sibling"}:
                    continue
                member.documents.append(self._card(card, arrival, expired=expired))
            if kind == "mixed_por" and all(member.documents or (member.age_on(arrival) or 0) < 5 for member in members):
                # No spouse came along: a child born after the family's registration holds no card.
                unregistered = [member for member in members[1:] if member.documents]
                if unregistered:
                    unregistered[-1].documents.clear()
            if kind.endswith("_vrf"):
                issuer = "IR" if card == "amayesh" else "PK"
                head.documents.append(
                    DocumentRegistration(
                        document_type="vrf",
                        issuing_country=issuer,
                        number=f"VRF-{arrival.year}-{rng.randrange(10**6):06d}",
                    )
                )
        elif kind == "acc":
            for member in members:
                if (member.age_on(arrival) or 0) >= 18 or member is head:
                    member.documents.append(
                        DocumentRegistration(
                            document_type="acc",
                            issuing_country="PK",
                            number=f"ACC-{rng.randrange(10**8):08d}",
                            expiry_date=arrival + datetime.timedelta(days=rng.randint(30, 700)),
                        )
                    )
        elif kind == "other":
            for member in members:
                if (member.age_on(arrival) or 0) >= 18 or member is head:
                    member.documents.append(
                        DocumentRegistration(
                            document_type="passport",
                            issuing_country="AF",
                            number=f"P{rng.randrange(10**8):08d}",
                            expiry_date=arrival + datetime.timedelta(days=rng.randint(30, 1800)),
                        )
                    )
        elif scenario.country == "IR":
            draw = rng.random()
            if draw < 0.2:
                head.documents.append(
                    DocumentRegistration(
                        document_type="census_slip", issuing_country="IR", number=f"{rng.randrange(10**7):07d}"
                    )
                )
            elif draw < 0.35:
                head.documents.append(self._tazkira())
        elif rng.random() < 0.3:
            head.documents.append(self._tazkira())

    def _tazkira(self) -> DocumentRegistration:
        rng = self.rng
        return DocumentRegistration(
            document_type="tazkira",
            issuing_country="AF",
            number=f"{rng.randrange(1400, 1405)}-{rng.randrange(10**4):04d}-{rng.randrange(10**5):05d}",
        )

    def _specific_needs(self, members: list[MemberRegistration], return_type: str) -> None:
        rng = self.rng
        for member in members:
            draw = rng.random()
            if draw < 0.025:
                member.specific_needs.append("SM-CI")
            elif draw < 0.037:
                member.specific_needs.append("DS-PM")
            elif draw < 0.042:
                member.specific_needs.append("SM")
            age = member.estimated_age if member.estimated_age is not None else 0
            if age >= 60 and rng.random() < 0.3:
                member.specific_needs.append("ER")
        if return_type == "deportation" and members[0].documents and rng.random() < 0.1:
            members[0].specific_needs.append("LP")
        for member in members:
            member.specific_needs = [code for code in dict.fromkeys(member.specific_needs) if code in self.needs]


# ---------------------------------------------------------------------------------------------
# Cases: where each household stands in its agency's workflow today.
# ---------------------------------------------------------------------------------------------

# Arrivals of the last three weeks are spread over every stage of their workflow (a shuffled deck
# of stages, so that even a small caseload shows each one); older households follow the natural
# timeline below, so they are mostly closed.
RECENT_DAYS = 21
# How many open recent cases each demo case worker should end up with (My cases).
ASSIGNED_PER_CASE_WORKER = 120
# Which crossing points each demo case worker's centre serves.
CASE_WORKER_OFFICES = {"unhcr.caseworker": {"TKM", "SBD"}, "iom.caseworker": {"IQL"}}
# Rough shares, to spread the assignments evenly whatever the caseload's size.
AGENCY_SHARE = {"UNHCR": 0.12, "IOM": 0.86}
CASE_WORKER_OFFICE_SHARE = {"UNHCR": 0.95, "IOM": 0.55}

UNHCR_REFUSED = 0.03  # iris or documents failed: grant refused, referred to IOM
STUCK = 0.003  # cases that never left a stage: open and overdue
NEVER_CLOSED = 0.01  # monitoring or reintegration never done: open and overdue
IOM_BASIC_PACKAGE = 0.55  # single adults, not vulnerable, who close after the basic package
# Encashment centres (UNHCR) and transit centres (IOM) serving each crossing point.
UNHCR_CENTRE = {"TKM": "ENG", "SBD": "EKD", "IQL": "EHR", "MLK": "EHR", "KBA": "EKB"}
IOM_CENTRE = {"TKM": "TTK", "IQL": "TIQ", "MLK": "TMK"}
# UNHCR specific needs seen at IOM screening, as IOM vulnerability categories.
IOM_CODE_FOR_NEED = {"SC-UC": "UMC", "SM-CI": "CI", "SM": "MC", "DS-PM": "PD", "LP": "SC", "SP": "SP"}

MONITORING_NOTES = (
    "Family reached by phone; settled with relatives.",
    "Family reached; looking for work, children not yet in school.",
    "Interview at the encashment centre follow-up; shelter needs noted.",
    "Family reached; has a tazkira appointment.",
)
REINTEGRATION_NOTES = (
    "Assessment done; referred to a health partner.",
    "Assessment done; cash for protection given.",
    "Assessment done; referred for legal aid (documents).",
    "Assessment done; livelihood referral.",
)
REFUSAL_NOTES = ("Iris: assisted before.", "Iris could not be verified; VRF not matching.")


@dataclass
class CaseStep:
    transition: str
    source: str
    target: str
    on: datetime.date


@dataclass
class CasePlan:
    """Where a case stands today: the transitions it went through, its stage and outcome."""

    steps: list[CaseStep]
    stage: str
    entered_on: datetime.date
    outcome: str = ""
    vulnerable: bool = False

    def passed(self, transition: str) -> CaseStep | None:
        return next((step for step in self.steps if step.transition == transition), None)


class _Days(_WeightedChoice):
    """A number of days drawn from {days: weight}, where a key (low, high) means any day in between."""

    def __call__(self, rng: random.Random) -> int:
        value = super().__call__(rng)
        return rng.randint(*value) if isinstance(value, tuple) else value


STAGE_DAYS = _Days({0: 62, 1: 24, 2: 8, (3, 7): 6})  # verification, encashment, services, screening...
RECEPTION_DAYS = _Days({0: 90, 1: 10})
TRANSPORT_DAYS = _Days({0: 20, 1: 40, 2: 25, 3: 10, (4, 8): 5})


class _Deck:
    """Stages dealt like cards, shuffled, so that every stage comes up once per round."""

    def __init__(self, rng: random.Random, cards: list[str]):
        self.rng, self.cards, self.hand = rng, cards, []

    def draw(self, accept: Callable[[str], bool]) -> str | None:
        if not self.hand:
            self.hand = list(self.cards)
            self.rng.shuffle(self.hand)
        for index, card in enumerate(self.hand):
            if accept(card):
                return self.hand.pop(index)
        return None


def _settle(
    *,
    workflow: Workflow,
    path: list[CaseStep],
    arrival: datetime.date,
    today: datetime.date,
    stop_at: str | None = None,
) -> CasePlan:
    """The steps of ``path`` done by ``today`` (or until the stage ``stop_at``), and where that leaves the case."""
    done = []
    for step in path:
        if step.source == stop_at or step.on > today:
            break
        done.append(step)
    stage = done[-1].target if done else workflow.initial_stage.code
    plan = CasePlan(steps=done, stage=stage, entered_on=done[-1].on if done else arrival)
    return plan


class DemoCases:
    """Draws where each household's case stands today (pure Python; deterministic for a seed)."""

    def __init__(self, *, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.unhcr_workflow = workflow_for_agency("UNHCR")
        self.iom_workflow = workflow_for_agency("IOM")
        self.decks = {
            "UNHCR": _Deck(rng, [stage.code for stage in self.unhcr_workflow.stages if not stage.is_final]),
            # IOM closes most non-vulnerable households within days: closed comes up too.
            "IOM": _Deck(rng, [stage.code for stage in self.iom_workflow.stages if not stage.is_final] + ["closed"]),
        }

    def plan(self, *, agency: str, arrival: datetime.date, members: list[MemberRegistration]) -> CasePlan:
        age = (self.today - arrival).days
        target = None
        if age <= RECENT_DAYS:
            first = self.unhcr_workflow.initial_stage.code if agency == "UNHCR" else "reception"

            def accept(stage: str) -> bool:
                # Still at the first stage after a few days: a backlog, so only some of them.
                return stage != first or age <= 2 or self.rng.random() < 0.3

            target = self.decks[agency].draw(accept)
        if agency == "UNHCR":
            return self._unhcr(arrival, target)
        return self._iom(arrival, members, target)

    def _on_time(self, plan: CasePlan, workflow: Workflow, arrival: datetime.date) -> None:
        """Most recent cases are within their stage's time: they entered it lately, not on arrival."""
        stage = workflow.stage(plan.stage)
        if stage.is_final or stage.due_in_days is None or not plan.steps or self.rng.random() < 0.25:
            return
        entered = self.today - datetime.timedelta(days=self.rng.randrange(stage.due_in_days))
        if entered > plan.entered_on:
            plan.steps[-1].on = entered
            plan.entered_on = entered

    def _unhcr(self, arrival: datetime.date, target: str | None) -> CasePlan:
        rng, today, workflow = self.rng, self.today, self.unhcr_workflow
        verified = arrival + datetime.timedelta(days=STAGE_DAYS(rng))
        if rng.random() < UNHCR_REFUSED:
            path = [CaseStep("refuse_grant", "verification", "closed", verified)]
            plan = _settle(workflow=workflow, path=path, arrival=arrival, today=today)
            if plan.stage == "closed":
                plan.outcome = Case.Outcome.NOT_ELIGIBLE
            return plan
        paid = verified + datetime.timedelta(days=STAGE_DAYS(rng))
        served = paid + datetime.timedelta(days=STAGE_DAYS(rng))
        interviewed = arrival + datetime.timedelta(days=30 + int(150 * rng.betavariate(1.3, 2.5)))
        path = [
            CaseStep("verify", "verification", "encashment", verified),
            CaseStep("pay_grant", "encashment", "services", paid),
            CaseStep("complete_services", "services", "monitoring", served),
            CaseStep("record_monitoring", "monitoring", "closed", max(interviewed, served)),
        ]
        if target is not None:
            path = [CaseStep(s.transition, s.source, s.target, min(s.on, today)) for s in path]
            plan = _settle(workflow=workflow, path=path, arrival=arrival, today=today, stop_at=target)
            self._on_time(plan, workflow, arrival)
            return plan
        stop_at = None
        if rng.random() < STUCK:
            stop_at = rng.choice(("verification", "encashment", "services"))
        elif rng.random() < NEVER_CLOSED:
            stop_at = "monitoring"
        plan = _settle(workflow=workflow, path=path, arrival=arrival, today=today, stop_at=stop_at)
        if plan.stage == "closed":
            plan.outcome = Case.Outcome.ASSISTED
        return plan

    def _iom_vulnerable(self, members: list[MemberRegistration], arrival: datetime.date) -> bool:
        rng = self.rng
        head = members[0]
        if any(member.specific_needs for member in members):
            chance = 0.7
        elif (len(members) == 1 and head.sex == "female") or (head.age_on(arrival) or 0) < 18:
            chance = 0.8
        elif len(members) > 1 and head.sex == "female":
            chance = 0.5
        else:
            chance = 0.06
        return rng.random() < chance

    def _iom(self, arrival: datetime.date, members: list[MemberRegistration], target: str | None) -> CasePlan:
        rng, today, workflow = self.rng, self.today, self.iom_workflow
        vulnerable = self._iom_vulnerable(members, arrival)
        single_adult = len(members) == 1 and (members[0].age_on(arrival) or 0) >= 18
        if target == "reintegration":
            vulnerable = True
        elif target == "closed":
            vulnerable = False
        received = arrival + datetime.timedelta(days=RECEPTION_DAYS(rng))
        screened = received + datetime.timedelta(days=STAGE_DAYS(rng))
        assisted = screened + datetime.timedelta(days=STAGE_DAYS(rng))
        path = [
            CaseStep("receive", "reception", "screening", received),
            CaseStep("screen", "screening", "assistance", screened),
        ]
        if single_adult and not vulnerable and target != "transport" and rng.random() < IOM_BASIC_PACKAGE:
            path.append(CaseStep("close_after_basic_package", "assistance", "closed", assisted))
            outcome = Case.Outcome.BASIC_PACKAGE
        else:
            transported = assisted + datetime.timedelta(days=TRANSPORT_DAYS(rng))
            path.append(CaseStep("complete_assistance", "assistance", "transport", assisted))
            if vulnerable:
                closed = arrival + datetime.timedelta(days=20 + int(90 * rng.betavariate(2, 2.5)))
                path.append(CaseStep("complete_transport", "transport", "reintegration", transported))
                path.append(CaseStep("close_reintegration", "reintegration", "closed", max(closed, transported)))
                outcome = Case.Outcome.REINTEGRATION_COMPLETED
            else:
                path.append(CaseStep("close_after_transport", "transport", "closed", transported))
                outcome = Case.Outcome.ASSISTED
        if target is not None:
            path = [CaseStep(s.transition, s.source, s.target, min(s.on, today)) for s in path]
            plan = _settle(workflow=workflow, path=path, arrival=arrival, today=today, stop_at=target)
            self._on_time(plan, workflow, arrival)
        else:
            stop_at = None
            if rng.random() < STUCK:
                stop_at = rng.choice(("reception", "screening", "assistance", "transport"))
            elif vulnerable and rng.random() < NEVER_CLOSED:
                stop_at = "reintegration"
            plan = _settle(workflow=workflow, path=path, arrival=arrival, today=today, stop_at=stop_at)
        if plan.stage == "closed":
            plan.outcome = outcome
        plan.vulnerable = vulnerable and plan.passed("screen") is not None
        return plan


def iom_vulnerability_codes(members: list[MemberRegistration], *, deported: bool) -> list[list[str]]:
    """IOM vulnerability categories for each member of a household screened as vulnerable (never none)."""
    single = len(members) == 1
    codes = []
    for member in members:
        chosen = [IOM_CODE_FOR_NEED[need] for need in member.specific_needs if need in IOM_CODE_FOR_NEED]
        if "ER" in member.specific_needs and single:
            chosen.append("UE")
        if single and member.sex == "female":
            chosen.append("SF")
        codes.append(list(dict.fromkeys(chosen)))
    if not any(codes):
        codes[0].append("DF" if deported and not single else "PF")
    return codes


def _grant_rate(rates: list[tuple], on: datetime.date) -> tuple | None:
    for valid_from, valid_until, amount, currency in rates:
        if valid_from <= on and (valid_until is None or on <= valid_until):
            return amount, currency
    return None


# ---------------------------------------------------------------------------------------------
# Users.
# ---------------------------------------------------------------------------------------------


def demo_users_ensure(*, password: str = DEMO_PASSWORD) -> dict[str, User]:
    """Create or update the demo users, all with the one demo password."""
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    offices = {office.code: office for office in Office.objects.all()}
    users = {}
    for username, (agency, office, role, superuser) in DEMO_USERS.items():
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "agency": agencies.get(agency),
                "office": offices.get(office),
                "role": role,
                "is_superuser": superuser,
                "is_staff": superuser,
                "is_active": True,
                "email": f"{username}@example.org",
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        users[username] = user
    return users


# ---------------------------------------------------------------------------------------------
# Loading with COPY.
# ---------------------------------------------------------------------------------------------

NULL = r"\N"
KABUL_OFFSET = "+04:30"
HOUSEHOLD_COLUMNS = (
    "id, public_id, registration_number, arrival_date, office_id, country_of_departure_id, return_type_id, "
    "destination_province_id, destination_district_id, phone, registered_by_id, routed_agency_id, category, "
    "routing_rule_id, routing_version, routing_reason, flags, member_count, created_at, updated_at"
)
MEMBER_COLUMNS = (
    "id, public_id, household_id, given_name, fathers_name, family_name, given_name_local, fathers_name_local, "
    "family_name_local, sex, date_of_birth, estimated_age, relationship"
)
DOCUMENT_COLUMNS = "id, member_id, document_type_id, number, issuing_country_id, expiry_date"
NEED_COLUMNS = "id, member_id, needcode_id"
EVENT_COLUMNS = "id, household_id, kind, actor_id, created_at, from_agency_id, to_agency_id, note"


def _text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


CASE_COLUMNS = (
    "id, public_id, case_number, household_id, agency_id, office_id, workflow, stage, assigned_to_id, "
    "stage_due_date, overdue_since, followup_due_date, followup_notified_on, is_vulnerable, opened_at, closed_at, "
    "outcome, opened_by_referral_id, version, updated_at"
)
CASE_EVENT_COLUMNS = "id, case_id, kind, actor_id, created_at, transition, from_stage, to_stage, note, details"
ASSISTANCE_COLUMNS = (
    "id, public_id, case_id, member_id, assistance_type_id, quantity, value, currency, delivered_on, office_id, "
    "recorded_by_id, recorded_at, approval, needs_manager_approval, approved_by_id, approved_at, note"
)
VERIFICATION_COLUMNS = "id, case_id, member_id, result, recorded_by_id, recorded_at"


def case_tables() -> list[str]:
    """The case tables seed_demo writes (or clears), children first."""
    return [
        CaseEvent._meta.db_table,
        Assistance._meta.db_table,
        MemberVerification._meta.db_table,
        Referral._meta.db_table,
        Case._meta.db_table,
    ]


def registry_tables() -> list[str]:
    """The tables seed_demo writes, children first: never reference data or users."""
    return [
        *case_tables(),
        HouseholdEvent._meta.db_table,
        Member.specific_needs.through._meta.db_table,
        MemberDocument._meta.db_table,
        Member._meta.db_table,
        Household._meta.db_table,
    ]


def registry_clear() -> None:
    """Delete every household with its members, documents, needs and events, and every case."""
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit; rows written earlier in this transaction are checked
        # now, since PostgreSQL cannot truncate a table with pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(registry_tables())} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ALTER SEQUENCE {REGISTRATION_NUMBER_SEQUENCE} RESTART")


@dataclass
class LoadReport:
    households: int = 0
    members: int = 0
    documents: int = 0
    needs: int = 0
    cases: int = 0
    case_events: int = 0
    assistance: int = 0
    verifications: int = 0
    vulnerabilities: int = 0
    seconds: float = 0.0
    stages: dict = field(default_factory=dict)  # (agency, stage) -> cases

    @property
    def rows(self) -> int:
        return (
            2 * self.households
            + self.members
            + self.documents
            + self.needs
            + self.cases
            + self.case_events
            + self.assistance
            + self.verifications
            + self.vulnerabilities
        )


class _Ids:
    """Ids taken from a table's identity sequence: the first with nextval, the last given back by setval."""

    def __init__(self, cursor, table: str):
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (self.sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [self.sequence])
        (self.next,) = cursor.fetchone()
        self.first = self.next

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value

    def release(self, cursor) -> None:
        if self.next > self.first:
            cursor.execute("SELECT setval(%s, %s)", [self.sequence, self.next - 1])


def _stamp(moment: datetime.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}{KABUL_OFFSET}"


class _Clock:
    """Moments for a case's history, in order: later on the same day, or during office hours of a later day."""

    def __init__(self, rng: random.Random, start: datetime.datetime):
        self.rng, self.moment = rng, start

    def at(self, day: datetime.date) -> datetime.datetime:
        if day <= self.moment.date():
            self.moment += datetime.timedelta(minutes=self.rng.randint(5, 50))
        else:
            self.moment = datetime.datetime.combine(
                day, datetime.time(self.rng.randint(8, 15), self.rng.randrange(60), self.rng.randrange(60))
            )
        return self.moment


class _CaseRows:
    """COPY rows for each household's case: the case, its events, assistance, verifications, IOM codes."""

    IOM_OFFICERS = {"receive", "complete_transport", "close_after_transport"}

    def __init__(self, *, rng: random.Random, today: datetime.date, users: dict, reference, ids: dict):
        self.rng, self.today, self.ids, self.reference = rng, today, ids, reference
        self.cases = DemoCases(rng=rng, today=today)
        self.users = {username: str(user.pk) for username, user in users.items()}
        self.workflows = {"UNHCR": self.cases.unhcr_workflow, "IOM": self.cases.iom_workflow}
        self.types = {
            (item.agency.code, item.code): str(item.pk) for item in AssistanceType.objects.select_related("agency")
        }
        self.rates = [
            (rate.valid_from, rate.valid_until, rate.amount_per_person, rate.currency)
            for rate in GrantRate.objects.filter(
                assistance_type__agency__code="UNHCR", assistance_type__code="cash_grant"
            )
        ]
        self.limits = {agency.code: agency.manager_approval_above for agency in Agency.objects.all()}
        self.iom_codes = {
            need.code: str(need.pk) for need in NeedCode.objects.filter(scheme=NeedCode.Scheme.IOM_VULNERABILITY)
        }
        self.assign_chance: dict[str, float] = {}
        self.rows: dict[str, list[str]] = {}
        self.reset()

    def plan_assignments(self, dates: list[datetime.date]) -> None:
        """Assign about ASSIGNED_PER_CASE_WORKER open recent cases to each demo case worker."""
        recent = sum(1 for day in dates if (self.today - day).days <= RECENT_DAYS)
        for agency, open_share in (("UNHCR", 0.97), ("IOM", 5 / 6)):
            expected = recent * AGENCY_SHARE[agency] * CASE_WORKER_OFFICE_SHARE[agency] * open_share
            self.assign_chance[agency] = min(0.8, ASSIGNED_PER_CASE_WORKER / max(expected, 1.0))

    def reset(self) -> None:
        self.rows = {"case": [], "case_event": [], "assistance": [], "verification": [], "need": []}

    def _event(self, case_id, kind, actor, moment, *, transition="", source="", target="", note="", details=None):
        self.rows["case_event"].append(
            "\t".join(
                (
                    str(self.ids["case_event"].take()),
                    case_id,
                    kind,
                    actor,
                    _stamp(moment),
                    transition,
                    source,
                    target,
                    _text(note),
                    _text(json.dumps(details or {})),
                )
            )
        )

    def _assistance(
        self, case_id, agency, code, *, quantity, value, currency, day, office, clock, recorder, approver=None
    ) -> int:
        """One assistance row (cash approved by ``approver``, or pending); returns how many events it wrote."""
        public_id = str(uuid.uuid4())
        recorded = clock.at(day)
        is_cash = value is not None
        limit = self.limits.get(agency)
        approval = Assistance.Approval.NOT_REQUIRED
        approved_at = approved_by = NULL
        if is_cash:
            approval = Assistance.Approval.APPROVED if approver else Assistance.Approval.PENDING
        details = {
            "assistance": public_id,
            "type": code,
            "value": str(value) if is_cash else None,
            "currency": currency,
        }
        self._event(case_id, CaseEvent.Kind.ASSISTANCE_RECORDED, recorder, recorded, details=details)
        events = 1
        if is_cash and approver:
            moment = clock.at(day)
            approved_at, approved_by = _stamp(moment), approver
            self._event(
                case_id, CaseEvent.Kind.ASSISTANCE_APPROVED, approver, moment, details={"assistance": public_id}
            )
            events += 1
        self.rows["assistance"].append(
            "\t".join(
                (
                    str(self.ids["assistance"].take()),
                    public_id,
                    case_id,
                    NULL,
                    self.types[(agency, code)],
                    str(quantity),
                    str(value) if is_cash else NULL,
                    currency if is_cash else "",
                    day.isoformat(),
                    office,
                    recorder,
                    _stamp(recorded),
                    approval,
                    "t" if is_cash and limit is not None and value > limit else "f",
                    approved_by,
                    approved_at,
                    "",
                )
            )
        )
        return events

    def add(
        self,
        *,
        household_id: int,
        registration_number: str,
        registration: HouseholdRegistration,
        agency: str,
        agency_id: str,
        opened_by: str,
        created: datetime.datetime,
        member_ids: list[str],
        report: LoadReport,
    ) -> None:
        workflow = self.workflows.get(agency)
        if workflow is None:
            return
        rng, users, arrival = self.rng, self.users, registration.arrival_date
        members = registration.members
        plan = self.cases.plan(agency=agency, arrival=arrival, members=members)
        case_id = str(self.ids["case"].take())
        office_code = registration.office
        office_id = str(self.reference.offices[office_code].pk)
        clock = _Clock(rng, created)
        self._event(case_id, CaseEvent.Kind.OPENED, opened_by, created, target=workflow.initial_stage.code)
        changes = 0
        closed_at = None
        if agency == "UNHCR":
            worker, manager = users["unhcr.caseworker"], users["unhcr.manager"]
            centre = str(self.reference.offices[UNHCR_CENTRE.get(office_code, office_code)].pk)
            grant = None
            for step in plan.steps:
                if step.transition == "pay_grant":
                    grant = step.on
                    changes += self._grant(case_id, registration, step.on, centre, clock, worker, manager)
                moment = clock.at(step.on)
                note = ""
                if step.transition == "record_monitoring":
                    note = rng.choice(MONITORING_NOTES)
                elif step.transition == "refuse_grant":
                    note = rng.choice(REFUSAL_NOTES)
                if step.transition in ("verify", "refuse_grant"):
                    self._verifications(case_id, members, member_ids, arrival, moment, worker, step)
                self._event(
                    case_id,
                    CaseEvent.Kind.TRANSITION,
                    worker,
                    moment,
                    transition=step.transition,
                    source=step.source,
                    target=step.target,
                    note=note,
                )
                changes += 1
                if step.target == "closed":
                    closed_at = moment
            if plan.stage == "encashment" and grant is None and rng.random() < 0.5:
                changes += self._grant(case_id, registration, plan.entered_on, centre, clock, worker, None)
        else:
            worker, officer, manager = users["iom.caseworker"], users["iom.officer"], users["iom.manager"]
            centre = str(self.reference.offices[IOM_CENTRE.get(office_code, office_code)].pk)
            for step in plan.steps:
                if step.transition in ("complete_assistance", "close_after_basic_package"):
                    changes += self._iom_package(case_id, registration, step, centre, clock, worker, manager)
                moment = clock.at(step.on)
                if step.transition == "screen" and plan.vulnerable:
                    deported = registration.return_type == "deportation"
                    for member_id, codes in zip(
                        member_ids, iom_vulnerability_codes(members, deported=deported), strict=True
                    ):
                        for code in codes:
                            self.rows["need"].append(f"{self.ids['need'].take()}\t{member_id}\t{self.iom_codes[code]}")
                            report.vulnerabilities += 1
                self._event(
                    case_id,
                    CaseEvent.Kind.TRANSITION,
                    officer if step.transition in self.IOM_OFFICERS else worker,
                    moment,
                    transition=step.transition,
                    source=step.source,
                    target=step.target,
                    note=rng.choice(REINTEGRATION_NOTES) if step.transition == "close_reintegration" else "",
                )
                changes += 1
                if step.target == "closed":
                    closed_at = moment
            if plan.stage == "assistance" and rng.random() < 0.6:
                changes += self._assistance(
                    case_id,
                    "IOM",
                    "meals",
                    quantity=len(members) * 2,
                    value=None,
                    currency="",
                    day=plan.entered_on,
                    office=centre,
                    clock=clock,
                    recorder=worker,
                )
        assigned = NULL
        is_open = plan.stage != "closed"
        if (
            is_open
            and (self.today - arrival).days <= RECENT_DAYS
            and office_code in CASE_WORKER_OFFICES[f"{agency.lower()}.caseworker"]
            and rng.random() < self.assign_chance.get(agency, 0.0)
        ):
            username = f"{agency.lower()}.caseworker"
            assigned = users[username]
            manager = users[f"{agency.lower()}.manager"]
            moment = clock.at(plan.entered_on)
            self._event(
                case_id,
                CaseEvent.Kind.ASSIGNED,
                manager,
                moment,
                note=username,
                details={"from": None, "to": int(assigned)},
            )
            changes += 1
        stage = workflow.stage(plan.stage)
        due = stage.due_date(entered_on=plan.entered_on, arrival_date=arrival)
        followup = NULL
        if plan.passed("complete_services"):
            followup = (arrival + datetime.timedelta(days=30)).isoformat()
        self.rows["case"].append(
            "\t".join(
                (
                    case_id,
                    str(uuid.uuid4()),
                    f"{workflow.case_number_prefix}-{registration_number}",
                    str(household_id),
                    agency_id,
                    office_id,
                    workflow.code,
                    plan.stage,
                    assigned,
                    due.isoformat() if due else NULL,
                    NULL,
                    followup,
                    NULL,
                    "t" if plan.vulnerable else "f",
                    _stamp(created),
                    _stamp(closed_at) if closed_at else NULL,
                    plan.outcome,
                    NULL,
                    str(1 + changes),
                    _stamp(clock.moment),
                )
            )
        )
        report.stages[(agency, plan.stage)] = report.stages.get((agency, plan.stage), 0) + 1

    def _grant(self, case_id, registration, day, centre, clock, worker, manager) -> int:
        rate = _grant_rate(self.rates, day)
        if rate is None:
            return 0
        amount, currency = rate
        return self._assistance(
            case_id,
            "UNHCR",
            "cash_grant",
            quantity=1,
            value=amount * len(registration.members),
            currency=currency,
            day=day,
            office=centre,
            clock=clock,
            recorder=worker,
            approver=manager,
        )

    def _iom_package(self, case_id, registration, step, centre, clock, worker, manager) -> int:
        size = len(registration.members)
        common = {"day": step.on, "office": centre, "clock": clock, "recorder": worker}
        events = self._assistance(case_id, "IOM", "meals", quantity=size * 2, value=None, currency="", **common)
        events += self._assistance(case_id, "IOM", "nfi_kit", quantity=1, value=None, currency="", **common)
        if step.transition == "complete_assistance":
            value = Decimal(10 * size + self.rng.choice((10, 20, 30)))
            events += self._assistance(
                case_id, "IOM", "transport_cash", quantity=1, value=value, currency="USD", approver=manager, **common
            )
        return events

    def _verifications(self, case_id, members, member_ids, arrival, moment, worker, step) -> None:
        checked = [
            member_id
            for member, member_id in zip(members, member_ids, strict=True)
            if (member.age_on(arrival) or 0) >= IRIS_FROM_AGE
        ]
        failed = self.rng.choice(checked) if step.transition == "refuse_grant" and checked else None
        failure = self.rng.choice((MemberVerification.Result.PREVIOUSLY_ASSISTED, MemberVerification.Result.FAILED))
        for member_id in checked:
            result = failure if member_id == failed else MemberVerification.Result.CLEAR
            self.rows["verification"].append(
                f"{self.ids['verification'].take()}\t{case_id}\t{member_id}\t{result}\t{worker}\t{_stamp(moment)}"
            )


def demo_caseload_load(
    *,
    households: int,
    reference: ReferenceData,
    users: dict[str, User],
    seed: int | None = None,
    today: datetime.date,
    chunk_size: int = 5000,
    progress: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Generate and COPY ``households`` demo households, each with its agency's case, in one transaction;
    ANALYZE afterwards.

    The registry and case tables are locked against other writers while the ids are assigned, so
    the ids taken from each sequence cannot clash with a registration made meanwhile.
    """
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    caseload = DemoCaseload(rng=rng, reference=reference, today=today)
    dates = caseload.arrival_dates(households)
    registrar = {"UNHCR": users["unhcr.officer"].pk, "IOM": users["iom.officer"].pk}
    report = LoadReport()
    reasons: dict[str, str] = {}
    needs = {code: str(need.pk) for code, need in reference.specific_needs.items()}
    tables = {
        "household": Household._meta.db_table,
        "member": Member._meta.db_table,
        "document": MemberDocument._meta.db_table,
        "need": Member.specific_needs.through._meta.db_table,
        "event": HouseholdEvent._meta.db_table,
        "case": Case._meta.db_table,
        "case_event": CaseEvent._meta.db_table,
        "assistance": Assistance._meta.db_table,
        "verification": MemberVerification._meta.db_table,
    }
    columns = {
        "household": HOUSEHOLD_COLUMNS,
        "member": MEMBER_COLUMNS,
        "document": DOCUMENT_COLUMNS,
        "need": NEED_COLUMNS,
        "event": EVENT_COLUMNS,
        "case": CASE_COLUMNS,
        "case_event": CASE_EVENT_COLUMNS,
        "assistance": ASSISTANCE_COLUMNS,
        "verification": VERIFICATION_COLUMNS,
    }

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(registry_tables())} IN EXCLUSIVE MODE")
        ids = {key: _Ids(cursor, table) for key, table in tables.items()}
        # A separate stream for the cases, so that the households drawn for a seed do not change.
        case_rows = _CaseRows(
            rng=random.Random(f"cases-{seed}" if seed is not None else None),  # noqa: S311 - demo data
            today=today,
            users=users,
            reference=reference,
            ids=ids,
        )
        case_rows.plan_assignments(dates)
        # The registration number sequence is not tied to a table: reserve the whole range at once.
        cursor.execute(
            "SELECT setval(%s, nextval(%s) + %s - 1) - %s + 1",
            [REGISTRATION_NUMBER_SEQUENCE, REGISTRATION_NUMBER_SEQUENCE, households, households],
        )
        (first_serial,) = cursor.fetchone()
        serial = first_serial

        for chunk_start in range(0, households, chunk_size):
            household_rows, member_rows, document_rows, need_rows, event_rows = [], [], [], [], []
            for arrival in dates[chunk_start : chunk_start + chunk_size]:
                registration = caseload.household(arrival)
                decision = routing_decide(registration, reference=reference)
                household_id = ids["household"].take()
                agency_id = str(decision.agency.pk)
                actor = str(registrar[decision.agency.code])
                reason = reasons.get(decision.reason)
                if reason is None:
                    reason = reasons[decision.reason] = _text(decision.reason)
                day = arrival.isoformat()
                created_at = datetime.datetime.combine(
                    arrival, datetime.time(rng.randint(7, 17), rng.randrange(60), rng.randrange(60))
                )
                created = _stamp(created_at)
                registration_number = f"{registration.office}-{arrival.year}-{serial:06d}"
                household_rows.append(
                    "\t".join(
                        (
                            str(household_id),
                            str(uuid.uuid4()),
                            registration_number,
                            day,
                            str(reference.offices[registration.office].pk),
                            registration.country_of_departure,
                            registration.return_type,
                            registration.destination_province,
                            registration.destination_district or NULL,
                            registration.phone,
                            actor,
                            agency_id,
                            decision.category,
                            str(decision.rule.pk),
                            str(decision.version),
                            reason,
                            "{" + ",".join(decision.flags) + "}",
                            str(len(registration.members)),
                            created,
                            created,
                        )
                    )
                )
                serial += 1
                event_rows.append(
                    "\t".join(
                        (
                            str(ids["event"].take()),
                            str(household_id),
                            "registered",
                            actor,
                            created,
                            NULL,
                            agency_id,
                            reason,
                        )
                    )
                )
                household_key = str(household_id)
                member_ids = []
                for member in registration.members:
                    member_id = str(ids["member"].take())
                    member_ids.append(member_id)
                    member_rows.append(
                        "\t".join(
                            (
                                member_id,
                                str(uuid.uuid4()),
                                household_key,
                                member.given_name,
                                member.fathers_name,
                                member.family_name,
                                member.given_name_local,
                                member.fathers_name_local,
                                member.family_name_local,
                                member.sex,
                                member.date_of_birth.isoformat() if member.date_of_birth else NULL,
                                NULL if member.estimated_age is None else str(member.estimated_age),
                                member.relationship,
                            )
                        )
                    )
                    for document in member.documents:
                        document_rows.append(
                            "\t".join(
                                (
                                    str(ids["document"].take()),
                                    member_id,
                                    document.document_type,
                                    document.number,
                                    document.issuing_country,
                                    document.expiry_date.isoformat() if document.expiry_date else NULL,
                                )
                            )
                        )
                    for code in member.specific_needs:
                        need_rows.append(f"{ids['need'].take()}\t{member_id}\t{needs[code]}")
                case_rows.add(
                    household_id=household_id,
                    registration_number=registration_number,
                    registration=registration,
                    agency=decision.agency.code,
                    agency_id=agency_id,
                    opened_by=actor,
                    created=created_at,
                    member_ids=member_ids,
                    report=report,
                )

            report.households += len(household_rows)
            report.members += len(member_rows)
            report.documents += len(document_rows)
            report.needs += len(need_rows)
            report.cases += len(case_rows.rows["case"])
            report.case_events += len(case_rows.rows["case_event"])
            report.assistance += len(case_rows.rows["assistance"])
            report.verifications += len(case_rows.rows["verification"])
            chunk = {
                "household": household_rows,
                "member": member_rows,
                "document": document_rows,
                "need": need_rows + case_rows.rows["need"],
                "event": event_rows,
                "case": case_rows.rows["case"],
                "case_event": case_rows.rows["case_event"],
                "assistance": case_rows.rows["assistance"],
                "verification": case_rows.rows["verification"],
            }
            for key, rows in chunk.items():
                if rows:
                    rows.append("")
                    cursor.copy_expert(f"COPY {tables[key]} ({columns[key]}) FROM STDIN", io.StringIO("\n".join(rows)))
            case_rows.reset()
            report.seconds = time.perf_counter() - started
            if progress:
                progress(report)

        for sequence in ids.values():
            sequence.release(cursor)

    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"ANALYZE {table}")
    report.seconds = time.perf_counter() - started
    return report

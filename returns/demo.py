"""Synthetic demo data: the demo users and a realistic caseload, loaded with PostgreSQL COPY.

The proportions follow docs/DOMAIN.md ("Scale"): most people are undocumented returnees from
Iran, about 90% of Iran's deportees are single men, registered refugees (PoR card, VRF) come
mostly from Pakistan, households average about 5.4 people. Every household is routed by the
real routing rules (``routing_decide`` on a ``HouseholdRegistration``), so the demo shows what
the system would have decided. Loading uses COPY with ids reserved from each table's sequence,
so a million people load in about a minute rather than the hours ``save()`` would take.

Nothing here runs in production: ``manage.py seed_demo`` refuses to run unless DEBUG is on.
"""

import bisect
import datetime
import io
import itertools
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from agencies.models import Agency, Office, User
from returns.models import Household, HouseholdEvent, Member, MemberDocument
from returns.reference import ReferenceData
from returns.registration import DocumentRegistration, HouseholdRegistration, MemberRegistration
from returns.routing import routing_decide
from returns.services import REGISTRATION_NUMBER_SEQUENCE

DEMO_PASSWORD = "returns-demo-2026"  # noqa: S105 - a published demo password, DEBUG only

# username: (agency code, office code, role, is_superuser)
DEMO_USERS = {
    "unhcr.officer": ("UNHCR", "TKM", User.Role.FIELD_OFFICER, False),
    "unhcr.manager": ("UNHCR", None, User.Role.MANAGER, False),
    "iom.officer": ("IOM", "IQL", User.Role.FIELD_OFFICER, False),
    "iom.manager": ("IOM", None, User.Role.MANAGER, False),
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


def registry_tables() -> list[str]:
    """The tables seed_demo writes, children first: never reference data or users."""
    return [
        HouseholdEvent._meta.db_table,
        Member.specific_needs.through._meta.db_table,
        MemberDocument._meta.db_table,
        Member._meta.db_table,
        Household._meta.db_table,
    ]


def registry_clear() -> None:
    """Delete every household with its members, documents, needs and events."""
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
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return 2 * self.households + self.members + self.documents + self.needs


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
    """Generate and COPY ``households`` demo households in one transaction; ANALYZE afterwards.

    The registry tables are locked against other writers while the ids are assigned, so the ids
    taken from each sequence cannot clash with a registration made meanwhile.
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
    }

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(registry_tables())} IN EXCLUSIVE MODE")
        ids = {key: _Ids(cursor, table) for key, table in tables.items()}
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
                created = (
                    f"{day} {rng.randint(7, 17):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}{KABUL_OFFSET}"
                )
                household_rows.append(
                    "\t".join(
                        (
                            str(household_id),
                            str(uuid.uuid4()),
                            f"{registration.office}-{arrival.year}-{serial:06d}",
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
                for member in registration.members:
                    member_id = str(ids["member"].take())
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

            report.households += len(household_rows)
            report.members += len(member_rows)
            report.documents += len(document_rows)
            report.needs += len(need_rows)
            for table, columns, rows in (
                (tables["household"], HOUSEHOLD_COLUMNS, household_rows),
                (tables["member"], MEMBER_COLUMNS, member_rows),
                (tables["document"], DOCUMENT_COLUMNS, document_rows),
                (tables["need"], NEED_COLUMNS, need_rows),
                (tables["event"], EVENT_COLUMNS, event_rows),
            ):
                if rows:
                    rows.append("")
                    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO("\n".join(rows)))
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

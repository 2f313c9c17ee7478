"""Arriving households, drawn as ``HouseholdRegistration`` objects (pure Python, deterministic for a seed).

Each is routed afterwards by the real routing rules (``routing_decide``), so the demo shows what
the system would have decided for it.
"""

import datetime
import random

from returns.demo.names import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES
from returns.demo.population import (
    CROSSINGS,
    DESTINATIONS,
    FAMILY_SIZES,
    FIRST_ARRIVAL,
    OTHER_COUNTRIES,
    REFUGEE_CARD,
    SCENARIOS,
    Scenario,
    WeightedChoice,
    month_weight,
)
from returns.reference import ReferenceData
from returns.registration import DocumentRegistration, HouseholdRegistration, MemberRegistration


class DemoCaseload:
    """Draws realistic arriving households as ``HouseholdRegistration`` objects (pure Python)."""

    def __init__(self, *, rng: random.Random, reference: ReferenceData, today: datetime.date):
        self.rng = rng
        self.reference = reference
        self.today = today
        self.scenario = WeightedChoice([(scenario, scenario.weight) for scenario in SCENARIOS])
        self.family_scenario = WeightedChoice(
            [(scenario, scenario.weight) for scenario in SCENARIOS if not scenario.single]
        )
        self.without_pk_volrep = WeightedChoice(
            [(scenario, scenario.weight) for scenario in SCENARIOS if scenario.code != "pk_volrep"]
        )
        self.family_size = WeightedChoice(FAMILY_SIZES)
        self.destination = {key: WeightedChoice(table) for key, table in DESTINATIONS.items()}
        self.crossing = {country: WeightedChoice(offices) for country, offices in CROSSINGS.items()}
        self.other_country = WeightedChoice(OTHER_COUNTRIES)
        self.return_type = {scenario.code: WeightedChoice(scenario.return_types) for scenario in SCENARIOS}
        self.districts_by_province: dict[str, list[str]] = {}
        for district in reference.districts.values():
            self.districts_by_province.setdefault(district.province_id, []).append(district.pcode)
        months = []
        day = FIRST_ARRIVAL
        while day <= today:
            months.append(((day.year, day.month), month_weight(day.year, day.month)))
            day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        self.month = WeightedChoice(months)
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
                # The VRF lists every member who repatriates; in about one family in seven a relative
                # who travels with them (married in, or undocumented) is not on it and holds no card.
                issuer = "IR" if card == "amayesh" else "PK"
                number = f"VRF-{arrival.year}-{rng.randrange(10**6):06d}"
                relatives = [member for member in members[1:] if (member.age_on(arrival) or 0) >= 18]
                not_listed = rng.choice(relatives) if relatives and rng.random() < 0.15 else None
                for member in members:
                    if member is not_listed:
                        member.documents.clear()
                        continue
                    member.documents.append(
                        DocumentRegistration(document_type="vrf", issuing_country=issuer, number=number)
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

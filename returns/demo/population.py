"""Who arrives, from where, and where they go: the proportions of the demo caseload.

They follow docs/DOMAIN.md ("Scale"): most people are undocumented returnees from Iran, about 90%
of Iran's deportees are single men, registered refugees (PoR card, VRF) come mostly from Pakistan,
households average about 5.4 people.
"""

import bisect
import datetime
import itertools
import random
from dataclasses import dataclass

FIRST_ARRIVAL = datetime.date(2023, 1, 1)

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


class WeightedChoice:
    """rng.choices with precomputed cumulative weights, for the hot loop."""

    def __init__(self, weighted):
        items, self.cumulative = _cumulative(weighted.items() if isinstance(weighted, dict) else weighted)
        self.values = [item for item, _weight in items]
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


def month_weight(year: int, month: int) -> float:
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

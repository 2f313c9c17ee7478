"""Request bodies: realistic households of five drawn by the demo caseload generator."""

import datetime
import json
import random
import time

from returns.demo import DemoCaseload
from returns.reference import reference_data
from returns.registration import HouseholdRegistration


def registration_json(registration: HouseholdRegistration) -> dict:
    return {
        "arrival_date": registration.arrival_date.isoformat(),
        "office": registration.office,
        "country_of_departure": registration.country_of_departure,
        "return_type": registration.return_type,
        "destination_province": registration.destination_province,
        "destination_district": registration.destination_district or None,
        "phone": registration.phone,
        "members": [
            {
                "given_name": member.given_name,
                "fathers_name": member.fathers_name,
                "family_name": member.family_name,
                "given_name_local": member.given_name_local,
                "fathers_name_local": member.fathers_name_local,
                "family_name_local": member.family_name_local,
                "sex": member.sex,
                "date_of_birth": member.date_of_birth.isoformat() if member.date_of_birth else None,
                "estimated_age": member.estimated_age,
                "relationship": member.relationship,
                "documents": [
                    {
                        "document_type": document.document_type,
                        "number": document.number,
                        "issuing_country": document.issuing_country,
                        "expiry_date": document.expiry_date.isoformat() if document.expiry_date else None,
                        "expired_confirmed": document.expired_confirmed,
                    }
                    for document in member.documents
                ],
                "specific_needs": member.specific_needs,
            }
            for member in registration.members
        ],
    }


def household_bodies(*, count: int, size: int = 5, seed: int | None = None) -> list[bytes]:
    """``count`` JSON bodies of households of ``size`` people who arrived in the last 30 days.

    A person's document number is theirs alone (a second person with it is refused), so each body's
    cards and tazkiras carry a mark of this run and of the body: no two requests of a run, and no
    run against an earlier one's registrations, present the same number. The families are drawn
    anew on each run (``seed``: the run's mark): with ``BENCH_REUSE_DB=1``, runs drawing the same
    families registered each of them again, and the later searches of their names read every copy."""
    run = f"{int(time.time()) % 10**6:06d}"
    rng = random.Random(int(run) if seed is None else seed)
    today = datetime.date.today()
    caseload = DemoCaseload(rng=rng, reference=reference_data(), today=today)
    bodies = []
    for index in range(count):
        body = registration_json(caseload.household(today - datetime.timedelta(days=rng.randrange(30)), size=size))
        for member in body["members"]:
            for document in member["documents"]:
                if document["document_type"] != "vrf" and document["number"]:
                    document["number"] = f"{document['number']}-{run}{index:06d}"
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies

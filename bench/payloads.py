"""Request bodies: realistic households of five drawn by the demo caseload generator."""

import datetime
import json
import random

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


def household_bodies(*, count: int, size: int = 5, seed: int = 5) -> list[bytes]:
    """``count`` JSON bodies of households of ``size`` people who arrived in the last 30 days."""
    rng = random.Random(seed)
    today = datetime.date.today()
    caseload = DemoCaseload(rng=rng, reference=reference_data(), today=today)
    return [
        json.dumps(
            registration_json(caseload.household(today - datetime.timedelta(days=rng.randrange(30)), size=size)),
            ensure_ascii=False,
        ).encode()
        for _ in range(count)
    ]

"""JSON bodies for POST /api/v1/households/, as a client would send them."""

import itertools

ARRIVAL = "2025-11-01"


# Each card without a number of its own gets the next: a second person with a card's number is refused.
CARD_SERIALS = itertools.count(223456)


def por_card_json(*, number=None, expiry_date="2030-12-31", **extra) -> dict:
    number = number or f"PK-{next(CARD_SERIALS)}"
    return {"document_type": "por_card", "number": number, "issuing_country": "PK", "expiry_date": expiry_date, **extra}


def member_json(
    *, relationship="head", given_name="Ahmad", fathers_name="Mohammad", sex="male", age=35, **extra
) -> dict:
    body = {"given_name": given_name, "fathers_name": fathers_name, "sex": sex, "relationship": relationship}
    if "date_of_birth" not in extra:
        body["estimated_age"] = age
    return {**body, **extra}


def household_json(*, members=None, **extra) -> dict:
    return {
        "arrival_date": ARRIVAL,
        "office": "TKM",
        "country_of_departure": "PK",
        "return_type": "voluntary_repatriation",
        "destination_province": "AF06",
        "members": members if members is not None else [member_json()],
        **extra,
    }

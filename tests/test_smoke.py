from returns.services.households import household_register
from tests.factories import household, member, por_card


def test_a_por_card_holder_is_routed_to_unhcr(unhcr_officer, unhcr):
    registered = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )

    assert registered.routed_agency == unhcr
    # Without a VRF, since 20 August 2025 (v3): a refugee-card holder UNHCR assists at the border.
    assert registered.category == "refugee_card"
    assert registered.routing_rule.code == "por_holder_without_vrf"
    assert registered.routing_version == 3
    assert registered.registration_number.startswith("TKM-")
    assert registered.member_count == 1

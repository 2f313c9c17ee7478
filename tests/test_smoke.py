from returns.services.households import household_register
from tests.factories import household, member, por_card


def test_a_por_card_holder_is_routed_to_unhcr(unhcr_officer, unhcr):
    registered = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )

    assert registered.routed_agency == unhcr
    assert registered.category == "registered_refugee"
    assert registered.routing_rule.code == "refugee_documents"
    assert registered.routing_version == 1
    assert registered.registration_number.startswith("TKM-")
    assert registered.member_count == 1

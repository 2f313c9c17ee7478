"""``agencies.joined.JoinedLookup``: what ``select_related(...).get()`` gives, in one query built once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.authentication import API_KEY, STAFF_TOKEN
from agencies.joined import JoinedLookup
from agencies.models import Agency, StaffToken, User, staff_token_hash
from agencies.models.partners import Scope
from tests.factories import UserFactory, api_token_for
from tests.partner_infra.keys import issue

pytestmark = pytest.mark.django_db


def _columns(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}


def test_a_token_comes_with_its_user_agency_and_office_as_select_related_gives_them(iom_officer):
    key_hash = staff_token_hash(api_token_for(iom_officer))
    expected = StaffToken.objects.select_related("user__agency", "user__office").get(key_hash=key_hash)

    with CaptureQueriesContext(connection) as queries:
        token = STAFF_TOKEN.get(key_hash)
        related = (token.user, token.user.agency, token.user.office)
    assert len(queries.captured_queries) == 1
    for ours, theirs in zip(
        (token, *related), (expected, expected.user, expected.user.agency, expected.user.office), strict=True
    ):
        assert type(ours) is type(theirs)
        assert _columns(ours) == _columns(theirs)
        assert (ours._state.adding, ours._state.db) == (False, "default")
    assert token.user.office.code == "TKM"


def test_an_absent_row_is_none_and_so_is_a_user_without_office(iom):
    admin = UserFactory(username="no.office", agency=iom, office=None, role=User.Role.ADMIN)
    token = STAFF_TOKEN.get(staff_token_hash(api_token_for(admin)))

    assert token.user == admin
    assert token.user.agency == iom
    with CaptureQueriesContext(connection) as queries:
        assert token.user.office is None
    assert queries.captured_queries == []
    assert STAFF_TOKEN.get(staff_token_hash("not a token")) is None
    assert API_KEY.get("rk_none") is None


def test_only_a_unique_column_can_be_looked_up():
    with pytest.raises(ValueError, match="not unique"):
        JoinedLookup(StaffToken, unique_field="name", related=("user",), name="test_not_unique")


def test_a_one_to_one_link_is_cached_both_ways():
    """A partner's key and its technical user: the user knows its key without another query."""
    nrc = Agency.objects.get(code="NRC")
    key, _full = issue(partner=nrc, scopes=[Scope.HOUSEHOLDS_READ])
    found = API_KEY.get(key.prefix)

    with CaptureQueriesContext(connection) as queries:
        assert found.user.api_key is found
        assert found.partner == nrc
    assert queries.captured_queries == []

"""returns 0020 fills the search and matching columns of the people, documents and phones registered
before it (anonymised people keep theirs empty)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from returns.models import Household, Member, MemberDocument
from returns.names import name_index
from returns.services.households import household_register
from returns.services.retention import households_anonymise
from tests.factories import household, member, por_card

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("returns.migrations.0020_name_search_and_document_numbers")


def test_the_migration_fills_the_columns_of_what_was_registered_before_it(unhcr_officer):
    kept = household_register(
        registered_by=unhcr_officer,
        registration=household(
            phone="+93 70 012 3456",
            members=[member(given_name="Naveed", fathers_name="Gul", documents=[por_card(number="pk-77 88")])],
        ),
    )
    gone = household_register(registered_by=unhcr_officer, registration=household(members=[member()]))
    households_anonymise(household_ids=[gone.pk])
    # As before the migration: the new columns empty
    Member.objects.update(given_key="", fathers_key="", family_key="", name_search="")
    MemberDocument.objects.update(number_normal="")
    Household.objects.filter(pk=kept.pk).update(phone_digits="")

    backfill.names_index(apps, SimpleNamespace(connection=connection))

    naveed = Member.objects.get(household=kept)
    expected = name_index(given=("Naveed", ""), fathers=("Gul", ""), family=("", ""))
    assert (naveed.given_key, naveed.fathers_key, naveed.family_key, naveed.name_search) == expected
    assert list(MemberDocument.objects.filter(member=naveed).values_list("number_normal", flat=True)) == ["PK7788"]
    assert Household.objects.get(pk=kept.pk).phone_digits == "700123456"
    assert list(Member.objects.filter(household=gone).values_list("given_key", "name_search")) == [("", "")]

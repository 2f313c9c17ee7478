"""Two border officers recording the same day's counts at the same moment: real threads, real
PostgreSQL transactions. The crossing's lock makes the second wait and write the next version;
without it both would read "no version yet" and write version 1 twice."""

import datetime
import time
from unittest import mock

import pytest

from agencies.models import Agency, Country, Office, User
from returns.models import BorderCount
from returns.services.counts import border_count_record
from tests.factories import UserFactory
from tests.returns.cases.test_concurrency import (  # noqa: F401 (fixtures)
    _reference_data_restored,
    migrated_reference_data,
    run_together,
)
from tests.returns.test_border_counts import figures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOLD_LOCK_SECONDS = 0.3


def slow_writes():
    """Hold each transaction a moment between reading the latest version and writing the next."""
    create = BorderCount.objects.create

    def slowly(**fields):
        time.sleep(HOLD_LOCK_SECONDS)
        return create(**fields)

    return mock.patch.object(BorderCount.objects, "create", slowly)


def test_two_officers_recording_at_once_write_versions_one_and_two():
    officers = [
        UserFactory(username=f"iom.border.{n}", agency=Agency.objects.get(code="IOM"), role=User.Role.FIELD_OFFICER)
        for n in (1, 2)
    ]
    torkham, pakistan = Office.objects.get(code="TKM"), Country.objects.get(code="PK")
    day = datetime.date(2026, 10, 5)

    with slow_writes():
        outcomes = run_together(
            *(
                lambda officer=officer, total=total: border_count_record(
                    recorded_by=officer,
                    crossing=torkham,
                    day=day,
                    country=pakistan,
                    counts=figures(total=total, deported=total - 40, in_families=total - 30, male_18_59=total - 65),
                    note="Tally sheets of both shifts.",
                )
                for officer, total in zip(officers, (100, 110), strict=True)
            )
        )

    assert all(isinstance(outcome, BorderCount) for outcome in outcomes), outcomes
    assert sorted(outcome.version for outcome in outcomes) == [1, 2]
    assert sorted(BorderCount.objects.values_list("version", flat=True)) == [1, 2]

"""Who may do what with the joint report: every role of every kind of agency, against the policy.

``may_x`` is true exactly when the service would not refuse for role or state.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from agencies.models import Agency, User
from reports import policy
from reports.models import Report
from reports.services import report_sign_off
from tests.factories import UserFactory
from tests.reports.test_services import computed, requested

ROLES = [
    # (name, agency code, role): may generate, edition
    ("unhcr_field_officer", "UNHCR", User.Role.FIELD_OFFICER, False, "internal"),
    ("unhcr_case_worker", "UNHCR", User.Role.CASE_WORKER, False, "internal"),
    ("unhcr_manager", "UNHCR", User.Role.MANAGER, False, "internal"),
    ("iom_field_officer", "IOM", User.Role.FIELD_OFFICER, False, "internal"),
    ("iom_manager", "IOM", User.Role.MANAGER, False, "internal"),
    ("coordinator", "UNHCR", User.Role.COORDINATOR, True, "public"),
    ("administrator", None, User.Role.ADMIN, True, "internal"),
    ("nrc_manager", "NRC", User.Role.MANAGER, False, "public"),
    ("nrc_partner_key", "NRC", User.Role.PARTNER, False, "public"),
]


def user_for(name: str, agency_code: str | None, role: str) -> User:
    agency = Agency.objects.get(code=agency_code) if agency_code else None
    return UserFactory(username=f"{name}.p", agency=agency, office=None, role=role)


@pytest.mark.parametrize(("name", "agency_code", "role", "generates", "edition"), ROLES, ids=[row[0] for row in ROLES])
def test_who_generates_and_which_edition_each_role_has(db, name, agency_code, role, generates, edition):
    user = user_for(name, agency_code, role)

    assert policy.may_generate_report(user) is generates
    assert policy.report_edition(user) == edition
    assert policy.may_have_edition(user, "public") is True
    assert policy.may_have_edition(user, "internal") is (edition == "internal")


def test_nobody_anonymous_or_inactive_generates_or_has_the_internal_edition(db, coordinator):
    coordinator.is_active = False
    for user in (AnonymousUser(), coordinator):
        assert policy.may_generate_report(user) is False
        assert policy.report_edition(user) == "public"


@pytest.mark.parametrize(("name", "agency_code", "role", "generates", "edition"), ROLES, ids=[row[0] for row in ROLES])
def test_only_a_manager_of_unhcr_or_iom_signs_a_draft_off(db, coordinator, name, agency_code, role, generates, edition):
    user = user_for(name, agency_code, role)
    draft = computed(coordinator)

    expected = name in ("unhcr_manager", "iom_manager")
    assert policy.may_sign_off(user, draft) is expected


def test_a_manager_may_sign_off_only_a_draft_their_agency_has_not_signed(coordinator, unhcr_manager, iom_manager):
    queued = requested(coordinator)
    draft = computed(coordinator)
    assert policy.may_sign_off(unhcr_manager, queued) is False

    report_sign_off(report=draft, signed_by=unhcr_manager)
    draft = Report.objects.prefetch_related("sign_offs").get(pk=draft.pk)

    assert policy.may_sign_off(unhcr_manager, draft) is False  # UNHCR signed already
    assert policy.may_sign_off(iom_manager, draft) is True
    report_sign_off(report=draft, signed_by=iom_manager)
    final = Report.objects.prefetch_related("sign_offs").get(pk=draft.pk)
    assert policy.may_sign_off(iom_manager, final) is False  # final: nothing more to sign


def test_downloads_are_of_computed_reports_in_an_edition_the_user_may_have(coordinator, unhcr_manager):
    queued = requested(coordinator)
    draft = computed(coordinator)

    assert policy.may_download(coordinator, draft, "public") is True
    assert policy.may_download(coordinator, draft, "internal") is False
    assert policy.may_download(unhcr_manager, draft, "internal") is True
    assert policy.may_download(unhcr_manager, queued, "internal") is False
    assert policy.may_download(unhcr_manager, draft, "secret") is False

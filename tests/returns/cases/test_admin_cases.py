"""The cases in the admin: read-only and behind the visibility gate; the assistance catalogue is editable."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from returns.models import Assistance, AssistanceType, Case, CaseEvent, MemberVerification, Referral
from returns.services.cases import assistance_record, case_transition, referral_make
from returns.services.households import household_register
from tests.factories import UserFactory, household, member, por_card

CASE_MODELS = [Case, CaseEvent, Assistance, MemberVerification, Referral]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def listed(response) -> list:
    return list(response.context["cl"].result_list)


@pytest.fixture
def cases(unhcr_officer, unhcr, iom, torkham) -> tuple[Case, Case]:
    """A UNHCR case in encashment, with a verification, assistance and a referral; an IOM case at screening."""
    worker = UserFactory(username="unhcr.worker.adm", agency=unhcr, role=User.Role.CASE_WORKER, office=torkham)
    unhcr_household = household_register(
        registered_by=unhcr_officer, registration=household(members=[member(documents=[por_card()])])
    )
    iom_household = household_register(registered_by=unhcr_officer, registration=household())
    head = unhcr_household.members.get()
    unhcr_case = case_transition(
        case=Case.objects.get(household=unhcr_household),
        transition_code="verify",
        actor=worker,
        data={"documents_checked": "on", f"iris_{head.public_id}": "clear"},
    )
    assistance_record(
        case=unhcr_case,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency=unhcr, code="health_screening"),
        delivered_on=timezone.localdate(),
        office=torkham,
    )
    referral_make(
        case=unhcr_case,
        made_by=worker,
        to_agency=iom,
        service="health",
        reason="Needs a doctor.",
        due_date=timezone.localdate(),
    )
    return unhcr_case, Case.objects.get(household=iom_household)


@pytest.mark.parametrize("model", [*CASE_MODELS, AssistanceType], ids=lambda model: model.__name__)
def test_list_search_and_change_pages_open(model, admin_client, cases):
    first = model._default_manager.order_by("pk").first()

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "changelist"), {"q": "a"}).status_code == 200
    assert admin_client.get(admin_url(model, "change", first.pk)).status_code == 200


def test_cases_filter_by_stage_and_overdue(admin_client, cases):
    unhcr_case, iom_case = cases
    Case.objects.filter(pk=iom_case.pk).update(stage_due_date=timezone.localdate() - datetime.timedelta(days=1))

    def found(**filters):
        return [case.pk for case in listed(admin_client.get(admin_url(Case, "changelist"), filters))]

    assert found(overdue="yes") == [iom_case.pk]
    assert found(overdue="no") == [unhcr_case.pk]
    assert found(stage="unhcr_voluntary_repatriation:encashment") == [unhcr_case.pk]
    assert found(stage="iom_post_arrival:screening") == [iom_case.pk]


@pytest.mark.parametrize("model", CASE_MODELS, ids=lambda model: model.__name__)
def test_case_records_cannot_be_added_changed_or_deleted(model, admin_client, cases):
    first = model._default_manager.order_by("pk").first()

    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "change", first.pk), {"note": "edited"}).status_code == 403
    assert admin_client.post(admin_url(model, "delete", first.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(admin_url(model, "change", first.pk)).context["has_change_permission"] is False


def test_staff_of_an_agency_see_only_their_cases_in_the_admin(client, iom, cases):
    unhcr_case, iom_case = cases
    staff = UserFactory(username="iom.staff.adm", agency=iom, role=User.Role.MANAGER, office=None, is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[f"view_{model._meta.model_name}" for model in [*CASE_MODELS, AssistanceType]]
        )
    )
    client.force_login(staff)

    assert [case.pk for case in listed(client.get(admin_url(Case, "changelist")))] == [iom_case.pk]
    assert {event.case_id for event in listed(client.get(admin_url(CaseEvent, "changelist")))} == {iom_case.pk}
    assert listed(client.get(admin_url(Assistance, "changelist"))) == []
    assert listed(client.get(admin_url(MemberVerification, "changelist"))) == []
    assert [r.to_agency_id for r in listed(client.get(admin_url(Referral, "changelist")))] == [iom.pk]  # sent to IOM
    assert {t.agency_id for t in listed(client.get(admin_url(AssistanceType, "changelist")))} == {iom.pk}
    assert client.get(admin_url(Case, "change", unhcr_case.pk)).status_code == 302  # not found: redirected


def test_a_grant_rate_is_added_to_the_catalogue(admin_client, unhcr):
    grant = AssistanceType.objects.get(agency=unhcr, code="cash_grant")
    rates = list(grant.rates.order_by("-valid_from"))
    data = {
        "agency": unhcr.pk,
        "code": grant.code,
        "name": grant.name,
        "is_cash": "on",
        "is_grant": "on",
        "unit": grant.unit,
        "order": grant.order,
        "is_active": "on",
        "rates-TOTAL_FORMS": str(len(rates) + 1),
        "rates-INITIAL_FORMS": str(len(rates)),
        "rates-MIN_NUM_FORMS": "0",
        "rates-MAX_NUM_FORMS": "1000",
    }
    for index, rate in enumerate(rates):
        data |= {
            f"rates-{index}-id": rate.pk,
            f"rates-{index}-assistance_type": grant.pk,
            f"rates-{index}-valid_from": rate.valid_from.isoformat(),
            f"rates-{index}-valid_until": rate.valid_until.isoformat() if rate.valid_until else "",
            f"rates-{index}-amount_per_person": str(rate.amount_per_person),
            f"rates-{index}-unit": rate.unit,
            f"rates-{index}-currency": rate.currency,
            f"rates-{index}-is_approximate": "on" if rate.is_approximate else "",
            f"rates-{index}-source": rate.source,
        }
    data["rates-0-valid_until"] = "2026-12-31"  # the current rate ends...
    new = len(rates)
    data |= {  # ...and a new one starts
        f"rates-{new}-assistance_type": grant.pk,
        f"rates-{new}-valid_from": "2027-01-01",
        f"rates-{new}-amount_per_person": "400.00",
        f"rates-{new}-unit": "person",
        f"rates-{new}-currency": "USD",
    }

    response = admin_client.post(admin_url(AssistanceType, "change", grant.pk), data)

    assert response.status_code == 302
    assert list(grant.rates.order_by("-valid_from").values_list("valid_from", "valid_until", "amount_per_person"))[
        :2
    ] == [
        (datetime.date(2027, 1, 1), None, 400),
        (datetime.date(2022, 8, 1), datetime.date(2026, 12, 31), 375),
    ]


def test_case_lists_need_a_fixed_number_of_queries(admin_client, cases, unhcr_officer):
    def queries() -> list[int]:
        counts = []
        for model in CASE_MODELS:
            with CaptureQueriesContext(connection) as captured:
                assert admin_client.get(admin_url(model, "changelist")).status_code == 200
            counts.append(len(captured))
        return counts

    before = queries()
    for _more in range(3):
        household_register(registered_by=unhcr_officer, registration=household())

    assert queries() == before

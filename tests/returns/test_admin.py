"""The admin: every page opens, history stays read-only, rule-set versions go through the services."""

import datetime
import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.api_keys import api_key_issue
from agencies.models import Agency, Country, DataSharingAgreement, User
from returns.models import AssistanceType, Case, Household, HouseholdEvent, Referral, RoutingRule, RoutingRuleSet
from returns.models.counts import MEASURES as BORDER_COUNT_MEASURES
from returns.services.cases import assistance_record, case_transition, referral_make
from returns.services.counts import border_count_record
from returns.services.households import household_register, household_withdraw
from tests.factories import UserFactory, api_token_for, household, member, por_card
from tests.returns.monitoring_support import interview_for

PROJECT_APPS = {"agencies", "returns"}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    """The messages shown on the page an action redirected to (post with ``follow=True``)."""
    return [str(message) for message in response.context["messages"]]


def redirected(response) -> bool:
    return [status for _url, status in response.redirect_chain] == [302]


@pytest.fixture
def admin_registered_households(unhcr_officer, iom_officer, iom, torkham):
    registered = [
        household_register(
            registered_by=unhcr_officer,
            registration=household(members=[member(documents=[por_card(number="PK-123456")])]),
        ),
        household_register(
            registered_by=iom_officer,
            registration=household(
                members=[
                    member(specific_needs=["SM-CI"]),
                    member(relationship="spouse", given_name="Fatima", sex="female"),
                ]
            ),
        ),
    ]
    # Something on every cases page: a verification, assistance and a referral on the UNHCR case.
    worker = UserFactory(username="unhcr.worker.adm", agency=unhcr_officer.agency, role=User.Role.CASE_WORKER)
    case = Case.objects.get(household=registered[0])
    head = registered[0].members.get()
    case = case_transition(
        case=case,
        transition_code="verify",
        actor=worker,
        data={"documents_checked": "on", f"iris_{head.public_id}": "clear"},
    )
    assistance_record(
        case=case,
        recorded_by=worker,
        office=torkham,
        delivered_on=timezone.localdate(),
        assistance_type=AssistanceType.objects.get(agency=case.agency, code="health_screening"),
    )
    referral_make(
        case=case,
        made_by=worker,
        to_agency=iom,
        service="health",
        reason="Needs a doctor.",
        due_date=timezone.localdate(),
    )
    # And on the partner pages: an agreement, a key, and a tombstone.
    nrc = Agency.objects.get(code="NRC")
    agreement = DataSharingAgreement.objects.create(
        partner=nrc, title="Shelter referrals", valid_from=timezone.localdate(), fields=["household.arrival_date"]
    )
    agreement.source_agencies.set([iom])
    admin_of_keys = UserFactory(username="keys.admin.t", agency=None, office=None, role=User.Role.ADMIN)
    api_key_issue(
        partner=nrc,
        name="NRC sync",
        scopes=["households:read"],
        expires_at=None,
        requests_per_minute=60,
        issued_by=admin_of_keys,
    )
    manager = UserFactory(username="iom.manager.adm", agency=iom, office=None, role=User.Role.MANAGER)
    registered_twice = household_register(registered_by=iom_officer, registration=household())
    household_withdraw(household=registered_twice, withdrawn_by=manager, reason="Registered twice by mistake.")
    # And a day's border counts.
    border_count_record(
        recorded_by=iom_officer,
        crossing=torkham,
        day=timezone.localdate(),
        country=Country.objects.get(code="PK"),
        counts={
            **dict.fromkeys(BORDER_COUNT_MEASURES, 0),
            "total": 1,
            "deported": 1,
            "individuals": 1,
            "male_18_59": 1,
        },
    )
    # And the UNHCR household drawn for return monitoring.
    interview_for(registered[0])
    # And an officer's API token.
    api_token_for(iom_officer)
    return registered


def test_createsuperuser_makes_an_administrator(django_user_model):
    superuser = django_user_model.objects.create_superuser("root.t", "root@example.org", "a-long-password-1")

    assert (superuser.role, superuser.agency, superuser.is_superuser, superuser.is_staff) == ("admin", None, True, True)


def test_createsuperuser_command_works_without_an_agency(django_user_model):
    call_command("createsuperuser", interactive=False, username="ops.t", email="ops@example.org", verbosity=0)

    assert django_user_model.objects.get(username="ops.t").role == "admin"


def test_every_project_model_is_registered():
    registered = {model._meta.label for model in admin.site._registry if model._meta.app_label in PROJECT_APPS}

    assert registered == {
        "agencies.Province",
        "agencies.District",
        "agencies.Country",
        "agencies.Agency",
        "agencies.Office",
        "agencies.User",
        "returns.ReturnType",
        "returns.DocumentType",
        "returns.NeedCode",
        "returns.RoutingRuleSet",
        "returns.FlagFollowUp",
        "returns.CardValidityDecree",
        "returns.SupplementRule",
        "returns.MemberEntitlement",
        "returns.Household",
        "returns.HouseholdEvent",
        "returns.Case",
        "returns.CaseEvent",
        "returns.AssistanceType",
        "returns.Assistance",
        "returns.Referral",
        "returns.MemberVerification",
        "agencies.DataSharingAgreement",
        "agencies.ApiKey",
        "agencies.StaffToken",
        "returns.DeletedRecord",
        "returns.BorderCount",
        "returns.MonitoringPlan",
        "returns.MonitoringInterview",
    }


@pytest.mark.parametrize(
    "model",
    [model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS],
    ids=lambda model: model._meta.label,
)
def test_changelist_and_first_change_page_open_for_a_superuser(model, admin_client, admin_registered_households):
    changelist = admin_client.get(admin_url(model, "changelist"))
    searched = admin_client.get(admin_url(model, "changelist"), {"q": "a"})
    first = model._default_manager.order_by("pk").first()
    change = admin_client.get(admin_url(model, "change", first.pk))

    assert changelist.status_code == 200
    assert searched.status_code == 200
    assert change.status_code == 200


@pytest.mark.parametrize("model", [RoutingRuleSet, User], ids=["rule_set", "user"])
def test_add_page_opens(model, admin_client):
    assert admin_client.get(admin_url(model, "add")).status_code == 200


def test_household_search_finds_a_registration_number_or_a_member_name(admin_client, admin_registered_households):
    unhcr_household, iom_household = admin_registered_households

    def found(text):
        response = admin_client.get(admin_url(Household, "changelist"), {"q": text})
        return [row.pk for row in response.context["cl"].result_list]

    assert found(unhcr_household.registration_number.lower()) == [unhcr_household.pk]
    assert found("fatima") == [iom_household.pk]
    assert found("nobody") == []


def test_household_pages_need_a_fixed_number_of_queries(admin_client, admin_registered_households, iom_officer):
    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    small = admin_registered_households[0]
    changelist_before = queries(admin_url(Household, "changelist"))
    events_before = queries(admin_url(HouseholdEvent, "changelist"))
    queries(admin_url(Household, "change", small.pk))  # warms the content-type cache the history link reads
    change_small = queries(admin_url(Household, "change", small.pk))
    large = household_register(
        registered_by=iom_officer,
        registration=household(
            members=[
                member(documents=[por_card()], specific_needs=["DS"]),
                *[
                    member(relationship="son", given_name=f"Son {index}", documents=[por_card(number=f"PK-{index}")])
                    for index in range(5)
                ],
            ]
        ),
    )
    for _more in range(3):
        household_register(registered_by=iom_officer, registration=household())

    assert queries(admin_url(Household, "changelist")) == changelist_before
    assert queries(admin_url(HouseholdEvent, "changelist")) == events_before
    assert queries(admin_url(Household, "change", large.pk)) == change_small


# ---------------------------------------------------------------------------------------------
# The registry is read-only
# ---------------------------------------------------------------------------------------------


def test_household_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, admin_registered_households):
    registered = admin_registered_households[0]
    before = (registered.routed_agency_id, registered.category, registered.phone)

    add = admin_client.get(admin_url(Household, "add"))
    change_page = admin_client.get(admin_url(Household, "change", registered.pk))
    post = admin_client.post(admin_url(Household, "change", registered.pk), {"phone": "+93 70 000 0000"})
    delete = admin_client.post(admin_url(Household, "delete", registered.pk), {"post": "yes"})

    assert add.status_code == 403
    assert change_page.status_code == 200
    assert change_page.context["has_change_permission"] is False
    assert 'name="_save"' not in change_page.content.decode()
    assert post.status_code == 403
    assert delete.status_code == 403
    registered.refresh_from_db()
    assert (registered.routed_agency_id, registered.category, registered.phone) == before


def test_household_change_page_shows_members_and_documents_read_only(admin_client, admin_registered_households):
    content = admin_client.get(admin_url(Household, "change", admin_registered_households[0].pk)).content.decode()

    assert "PoR card (Proof of Registration) PK-123456" in content
    assert 'name="members-0-given_name"' not in content


def test_household_event_is_append_only(admin_client, admin_registered_households):
    event = HouseholdEvent.objects.order_by("pk").first()

    assert admin_client.get(admin_url(HouseholdEvent, "add")).status_code == 403
    assert admin_client.post(admin_url(HouseholdEvent, "change", event.pk), {"note": "edited"}).status_code == 403
    assert admin_client.post(admin_url(HouseholdEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.note != "edited"
    assert HouseholdEvent.objects.count() == 4  # the household withdrawn keeps its history: registered, withdrawn


def test_staff_of_an_agency_see_only_their_households_in_the_admin(client, iom, admin_registered_households):
    staff = UserFactory(username="iom.staff.t", agency=iom, role=User.Role.MANAGER, office=None, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_household", "view_householdevent"]))
    client.force_login(staff)

    households = client.get(admin_url(Household, "changelist")).context["cl"].result_list
    events = client.get(admin_url(HouseholdEvent, "changelist")).context["cl"].result_list
    unhcr_household = admin_registered_households[0]

    # IOM's own household, and UNHCR's while UNHCR's referral to IOM is pending (the one gate).
    assert [row.pk for row in households] == [admin_registered_households[1].pk, unhcr_household.pk]
    assert {event.household_id for event in events} == {admin_registered_households[1].pk, unhcr_household.pk}
    Referral.objects.filter(case__household=unhcr_household).update(status=Referral.Status.DECLINED)
    assert client.get(admin_url(Household, "change", unhcr_household.pk)).status_code == 302  # not found: redirected


# ---------------------------------------------------------------------------------------------
# Routing rule sets: versions
# ---------------------------------------------------------------------------------------------


def rule_set_post_data(rule_set: RoutingRuleSet, **changes_by_code) -> dict:
    """The change form of a draft, as the browser posts it, with some rules' fields replaced."""
    rules = list(rule_set.rules.order_by("order"))
    data = {
        "title": rule_set.title,
        "effective_from": rule_set.effective_from.isoformat() if rule_set.effective_from else "",
        "notes": rule_set.notes,
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(len(rules)),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, rule in enumerate(rules):
        fields = {
            "id": rule.pk,
            "rule_set": rule_set.pk,
            "order": rule.order,
            "code": rule.code,
            "conditions": json.dumps(rule.conditions),
            "agency": rule.agency_id or "",
            "category": rule.category,
            "flags": ",".join(rule.flags),
            "explanation": rule.explanation,
        }
        if rule.decides:
            fields["decides"] = "on"
        for name, value in changes_by_code.get(rule.code, {}).items():
            if name == "decides" and not value:
                fields.pop("decides", None)
            else:
                fields[name] = value
        data.update({f"rules-{index}-{name}": value for name, value in fields.items()})
    return data


def test_published_rule_set_is_read_only(admin_client):
    active = RoutingRuleSet.objects.get(version=3)
    before = list(active.rules.order_by("order").values_list("code", "explanation"))

    page = admin_client.get(admin_url(RoutingRuleSet, "change", active.pk))
    post = admin_client.post(
        admin_url(RoutingRuleSet, "change", active.pk),
        rule_set_post_data(active, undocumented={"explanation": "Changed under existing decisions."}),
    )
    delete = admin_client.post(admin_url(RoutingRuleSet, "delete", active.pk), {"post": "yes"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="rules-0-code"' not in page.content.decode()
    assert post.status_code == 403
    assert delete.status_code == 403
    assert list(active.rules.order_by("order").values_list("code", "explanation")) == before


def test_rule_sets_cannot_be_bulk_deleted(admin_client):
    response = admin_client.get(admin_url(RoutingRuleSet, "changelist"))

    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert actions == ["", "copy_as_new_draft", "publish", "withdraw"]


def test_copy_action_makes_a_new_draft(admin_client):
    published = RoutingRuleSet.objects.get(version=3)

    response = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"),
        {"action": "copy_as_new_draft", "_selected_action": [published.pk]},
        follow=True,
    )

    draft = RoutingRuleSet.objects.get(version=4)
    assert redirected(response)
    assert (draft.status, draft.effective_from) == ("draft", None)
    assert draft.rules.count() == 9
    assert messages_of(response) == ["Copied v3 as draft v4. Edit its rules, set its first day, then publish it."]


def versions() -> list[tuple]:
    return list(RoutingRuleSet.objects.order_by("version").values_list("version", "status"))


def test_a_draft_is_edited_dated_then_published(admin_client, admin_user):
    from returns.rule_sets import rule_set_copy

    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=admin_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = rule_set_post_data(draft, undocumented={"explanation": "No refugee document: IOM assists."})

    edit = admin_client.post(
        admin_url(RoutingRuleSet, "change", draft.pk),
        {**data, "effective_from": tomorrow.isoformat(), "title": "Tomorrow's policy"},
        follow=True,
    )
    publish = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"), {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    assert redirected(edit)
    assert (
        RoutingRule.objects.get(rule_set=draft, code="undocumented").explanation == "No refugee document: IOM assists."
    )
    assert messages_of(publish) == [
        f"v4 is published: households arriving from {tomorrow.isoformat()} are routed by it."
    ]
    assert versions() == [(1, "withdrawn"), (2, "published"), (3, "published"), (4, "published")]
    assert RoutingRuleSet.objects.get(version=4).effective_from == tomorrow


def test_a_draft_rule_with_bad_conditions_is_refused_by_the_form(admin_client, admin_user):
    from returns.rule_sets import rule_set_copy

    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=admin_user)

    response = admin_client.post(
        admin_url(RoutingRuleSet, "change", draft.pk),
        rule_set_post_data(draft, mixed_status={"conditions": '{"coverage": ["some"]}'}),
    )

    assert response.status_code == 200
    assert "Unknown fact “coverage”" in response.content.decode()
    assert RoutingRule.objects.get(rule_set=draft, code="mixed_status").conditions == {
        "refugee_document_coverage": ["some"]
    }


def test_publish_action_explains_why_a_draft_is_refused(admin_client, admin_user):
    from returns.rule_sets import rule_set_copy

    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=admin_user)
    undated = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"), {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    RoutingRuleSet.objects.filter(pk=draft.pk).update(effective_from=timezone.localdate())
    draft.rules.filter(code="undocumented").delete()

    response = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"), {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    assert messages_of(undated) == ["Set the day v4 takes effect, then publish it."]
    assert messages_of(response) == [
        "v4 was not published: The last rule (80 “passport_or_visa_holder”) must decide and have no conditions, "
        "so that every household is routed."
    ]
    assert versions() == [(1, "withdrawn"), (2, "published"), (3, "published"), (4, "draft")]


def test_publish_action_needs_exactly_one_draft(admin_client, admin_user):
    from returns.rule_sets import rule_set_copy

    published = RoutingRuleSet.objects.get(version=3)
    draft = rule_set_copy(rule_set=published, copied_by=admin_user)

    both = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"),
        {"action": "publish", "_selected_action": [published.pk, draft.pk]},
        follow=True,
    )
    assert messages_of(both) == ["Select exactly one draft to publish."]
    again = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"), {"action": "publish", "_selected_action": [published.pk]}, follow=True
    )

    assert messages_of(again) == [
        "v3 was not published: Only a draft can be published; v3 is published. Copy it as a new draft version instead."
    ]
    assert versions() == [(1, "withdrawn"), (2, "published"), (3, "published"), (4, "draft")]


def test_withdraw_action_takes_a_future_version_off_the_timeline_but_not_one_in_force(admin_client, admin_user):
    from returns.rule_sets import rule_set_copy

    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=admin_user)
    RoutingRuleSet.objects.filter(pk=draft.pk).update(effective_from=timezone.localdate() + datetime.timedelta(days=10))
    admin_client.post(
        admin_url(RoutingRuleSet, "changelist"), {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    in_force = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"),
        {"action": "withdraw", "_selected_action": [RoutingRuleSet.objects.get(version=3).pk]},
        follow=True,
    )
    future = admin_client.post(
        admin_url(RoutingRuleSet, "changelist"), {"action": "withdraw", "_selected_action": [draft.pk]}, follow=True
    )

    assert messages_of(in_force) == [
        "v3 has been in force since 2025-08-20 and households were routed by it. "
        "Publish a new version from a later day instead."
    ]
    assert messages_of(future) == ["v4 was withdrawn."]
    assert versions() == [(1, "withdrawn"), (2, "published"), (3, "published"), (4, "withdrawn")]


def test_a_new_rule_set_added_in_the_admin_is_a_draft_with_the_next_version(admin_client):
    data = {
        "notes": "Written from scratch.",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-order": "10",
        "rules-0-code": "everyone_to_iom",
        "rules-0-conditions": "{}",
        "rules-0-decides": "on",
        "rules-0-agency": str(Agency.objects.get(code="IOM").pk),
        "rules-0-category": "undocumented",
        "rules-0-flags": "",
        "rules-0-explanation": "Everyone to IOM.",
    }

    response = admin_client.post(admin_url(RoutingRuleSet, "add"), data)

    created = RoutingRuleSet.objects.get(version=4)
    assert response.status_code == 302
    assert (created.status, created.notes, created.rules.count(), created.effective_from) == (
        "draft",
        "Written from scratch.",
        1,
        None,
    )


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


def test_adding_a_user_without_agency_explains_the_rule(admin_client):
    response = admin_client.post(
        admin_url(User, "add"),
        {"username": "new.officer", "usable_password": "false", "role": "field_officer", "agency": "", "office": ""},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["agency"] == [
        "Choose the agency this person works for; only administrators have none."
    ]
    assert not User.objects.filter(username="new.officer").exists()


def test_adding_a_user_with_agency_office_and_role(admin_client, iom, torkham):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "username": "new.officer",
            "usable_password": "false",
            "role": "case_worker",
            "agency": str(iom.pk),
            "office": str(torkham.pk),
        },
    )

    created = User.objects.get(username="new.officer")
    assert response.status_code == 302
    assert (created.agency, created.office, created.role) == (iom, torkham, "case_worker")


def test_actions_on_the_rule_set_page_copy_the_published_version_and_publish_the_draft(admin_client):
    published = RoutingRuleSet.objects.get(version=3)
    today = timezone.localdate()

    page = admin_client.get(admin_url(RoutingRuleSet, "change", published.pk))
    copy = admin_client.post(
        admin_url(RoutingRuleSet, "change", published.pk),
        {"CHANGE_FORM-action": "copy_as_new_draft", "_selected_action": [published.pk]},
        follow=True,
    )
    assert messages_of(copy) == ["Copied v3 as draft v4. Edit its rules, set its first day, then publish it."]
    draft = RoutingRuleSet.objects.get(version=4)
    RoutingRuleSet.objects.filter(pk=draft.pk).update(effective_from=today)
    publish = admin_client.post(
        admin_url(RoutingRuleSet, "change", draft.pk),
        {"CHANGE_FORM-action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )

    assert 'value="copy_as_new_draft"' in page.content.decode()
    assert redirected(copy)
    assert redirected(publish)
    assert messages_of(publish) == [f"v4 is published: households arriving from {today.isoformat()} are routed by it."]
    assert versions() == [(1, "withdrawn"), (2, "published"), (3, "published"), (4, "published")]


def test_a_deciding_rule_without_agency_is_explained_once(admin_client, admin_user):
    from returns.rule_sets import rule_set_copy

    draft = rule_set_copy(rule_set=RoutingRuleSet.objects.get(version=3), copied_by=admin_user)

    response = admin_client.post(
        admin_url(RoutingRuleSet, "change", draft.pk), rule_set_post_data(draft, undocumented={"agency": ""})
    )

    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.non_field_errors() for form in formset.forms if form.errors] == [
        ["A deciding rule needs an agency and a category."]
    ]
    assert RoutingRule.objects.get(rule_set=draft, code="undocumented").agency.code == "IOM"


def test_the_rule_set_page_lists_the_facts_conditions_can_test(admin_client):
    content = admin_client.get(
        admin_url(RoutingRuleSet, "change", RoutingRuleSet.objects.get(version=3).pk)
    ).content.decode()

    assert "<code>refugee_document_coverage</code>" in content
    assert "Values: all, some, none." in content

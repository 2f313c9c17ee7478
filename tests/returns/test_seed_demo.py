"""seed_demo: demo users and a synthetic caseload routed by the real rules, loaded with COPY,
each household with its agency's case at a realistic stage of the workflow."""

import dataclasses
import datetime
import random
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from agencies.api_keys import api_key_issue
from agencies.models import Agency, DataSharingAgreement, User
from returns.assistance_rules import (
    approval_on_record,
    approval_refusal,
    grant_for_members,
    grant_rate_on,
    manager_approval_needed,
)
from returns.demo import DEMO_PASSWORD, demo_users_ensure
from returns.demo.case_rows import CaseRows
from returns.demo.cases import WorkflowPaths
from returns.demo.users import demo_staff
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    CaseEvent,
    DocumentType,
    GrantRate,
    Household,
    HouseholdEvent,
    Member,
    MemberDocument,
    MemberEntitlement,
    MemberVerification,
    MonitoringInterview,
    MonitoringPlan,
    NeedCode,
    VrfManifest,
)
from returns.reference import reference_data
from returns.registration import (
    DocumentRegistration,
    HouseholdRegistration,
    MemberRegistration,
    registration_problems,
)
from returns.routing import routing_decide
from returns.services.cases import assistance_record, case_transition
from returns.workflows import Transition, all_workflows, iom_post_arrival, workflow_for_agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def registration_of(household: Household) -> HouseholdRegistration:
    """Rebuild the registration from what was stored, as the routing rules would have seen it."""
    return HouseholdRegistration(
        arrival_date=household.arrival_date,
        office=household.office.code,
        country_of_departure=household.country_of_departure_id,
        return_type=household.return_type_id,
        destination_province=household.destination_province_id,
        destination_district=household.destination_district_id or "",
        phone=household.phone,
        members=[
            MemberRegistration(
                given_name=member.given_name,
                fathers_name=member.fathers_name,
                sex=member.sex,
                relationship=member.relationship,
                family_name=member.family_name,
                given_name_local=member.given_name_local,
                fathers_name_local=member.fathers_name_local,
                family_name_local=member.family_name_local,
                date_of_birth=member.date_of_birth,
                estimated_age=member.estimated_age,
                documents=[
                    DocumentRegistration(
                        document_type=document.document_type_id,
                        issuing_country=document.issuing_country_id,
                        number=document.number,
                        expiry_date=document.expiry_date,
                        expired_confirmed=True,
                    )
                    for document in member.documents.all()
                ],
                # IOM vulnerability codes come from the case's screening, not from the registration.
                specific_needs=[
                    need.code
                    for need in member.specific_needs.all()
                    if need.scheme == NeedCode.Scheme.UNHCR_SPECIFIC_NEED
                ],
            )
            for member in household.members.all()
        ],
    )


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed(households=10)

    assert not User.objects.filter(username__in=["unhcr.officer", "admin"]).exists()
    assert Household.objects.count() == 0


def test_creates_the_demo_users_with_one_password(debug):
    output = seed(households=0)

    expected = {
        "unhcr.officer": ("UNHCR", "TKM", User.Role.FIELD_OFFICER, False),
        "unhcr.manager": ("UNHCR", None, User.Role.MANAGER, False),
        "iom.officer": ("IOM", "IQL", User.Role.FIELD_OFFICER, False),
        "iom.manager": ("IOM", None, User.Role.MANAGER, False),
        "unhcr.caseworker": ("UNHCR", "ENG", User.Role.CASE_WORKER, False),
        "iom.caseworker": ("IOM", "TIQ", User.Role.CASE_WORKER, False),
        "coordinator": ("UNHCR", None, User.Role.COORDINATOR, False),
        "admin": (None, None, User.Role.ADMIN, True),
    }
    users = {user.username: user for user in User.objects.select_related("agency", "office")}
    for username, (agency, office, role, superuser) in expected.items():
        user = users[username]
        assert (user.agency.code if user.agency else None) == agency
        assert (user.office.code if user.office else None) == office
        assert user.role == role
        assert user.is_superuser is superuser
        assert user.check_password(DEMO_PASSWORD)
        assert username in output
    assert DEMO_PASSWORD in output


def test_users_are_updated_not_duplicated(debug):
    seed(households=0)
    User.objects.filter(username="iom.manager").update(role=User.Role.CASE_WORKER)

    seed(households=0)

    assert User.objects.filter(username="iom.manager").get().role == User.Role.MANAGER
    assert User.objects.count() == 8


def test_caseload_is_complete_and_routed_by_the_real_rules(debug):
    seed(households=200, seed=1)

    assert Household.objects.count() == 200
    assert HouseholdEvent.objects.filter(kind=HouseholdEvent.Kind.REGISTERED).count() == 200
    mismatched = Household.objects.annotate(rows=Count("members")).exclude(rows=F("member_count"))
    assert not mismatched.exists()
    assert Member.objects.count() == Household.objects.aggregate(total=Sum("member_count"))["total"]
    assert Member.objects.filter(relationship="head").count() == 200
    assert len(set(Household.objects.values_list("registration_number", flat=True))) == 200

    reference = reference_data()
    households = Household.objects.select_related("office", "routed_agency").prefetch_related(
        "members__documents", "members__specific_needs"
    )
    for household in households:
        registration = registration_of(household)
        assert registration_problems(registration, reference=reference, today=household.arrival_date) == {}
        decision = routing_decide(registration, reference=reference)
        assert (household.routed_agency.code, household.category) == (decision.agency.code, decision.category)
        assert household.routing_rule_id == decision.rule.pk
        assert household.routing_version == decision.version
        assert household.flags == decision.flags
        assert household.routing_reason == decision.reason


def test_caseload_has_realistic_proportions(debug):
    seed(households=200, seed=1)

    by_agency = dict(Household.objects.values_list("routed_agency__code").annotate(n=Count("id")))
    assert by_agency["IOM"] > by_agency["UNHCR"] > 0
    # Every UNHCR household holds a refugee card or a VRF.
    refugee_document = MemberDocument.objects.filter(
        member__household=OuterRef("pk"), document_type__routing_class__in=["refugee_card", "repatriation_form"]
    )
    assert not Household.objects.filter(routed_agency__code="UNHCR").exclude(Exists(refugee_document)).exists()
    # About 5.4 people per household; Iran's deportees mostly single men; refugees mostly from Pakistan.
    people = Household.objects.aggregate(total=Sum("member_count"))["total"]
    assert 4.5 <= people / 200 <= 6.5
    deported_from_iran = Household.objects.filter(country_of_departure="IR", return_type="deportation")
    assert deported_from_iran.filter(member_count=1).count() >= 0.8 * deported_from_iran.count()
    refugees = Household.objects.filter(category="registered_refugee")
    assert refugees.filter(country_of_departure="PK").count() > refugees.filter(country_of_departure="IR").count()
    people_from_iran = Household.objects.filter(country_of_departure="IR").aggregate(n=Sum("member_count"))["n"]
    assert people_from_iran > people / 3
    # Crossing points match the country of departure.
    assert not Household.objects.filter(
        Q(country_of_departure="PK") & ~Q(office__code__in=["TKM", "SBD"])
        | Q(country_of_departure="IR") & ~Q(office__code__in=["IQL", "MLK"])
    ).exists()
    assert Household.objects.filter(arrival_date__year__lt=2023).count() == 0
    assert Member.objects.exclude(given_name_local="").count() == Member.objects.count()


def test_same_seed_gives_the_same_caseload(debug):
    def snapshot():
        return list(
            Member.objects.order_by("id").values_list(
                "household__arrival_date", "given_name", "fathers_name", "sex", "estimated_age", "relationship"
            )
        )

    seed(households=30, seed=7)
    first = snapshot()

    seed(households=30, seed=7, clear=True)

    assert snapshot() == first


def test_if_empty_does_nothing_when_households_exist(debug):
    seed(households=20, seed=1)
    numbers = set(Household.objects.values_list("registration_number", flat=True))

    output = seed(households=20, seed=2, if_empty=True)

    assert "nothing to do" in output
    assert set(Household.objects.values_list("registration_number", flat=True)) == numbers


def test_clear_deletes_households_but_keeps_reference_data_and_users(debug):
    seed(households=20, seed=1)

    seed(households=5, seed=1, clear=True)

    assert Household.objects.count() == 5
    assert HouseholdEvent.objects.count() == 5
    assert Case.objects.count() == 5
    assert not CaseEvent.objects.exclude(case__in=Case.objects.all()).exists()
    assert User.objects.count() == 8
    assert [policy.rule_set.version for policy in reference_data().policies] == [2, 3]


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

# A caseload drawn as of a fixed day, so that it is the same on every run: with arrivals from
# 1 January 2023, about a fifth arrived in the last three weeks.
TODAY = datetime.date(2023, 4, 30)
CASELOAD = {"households": 400, "seed": 3, "today": TODAY}
OUTCOMES = {
    "UNHCR": {Case.Outcome.ASSISTED, Case.Outcome.NOT_ELIGIBLE},
    "IOM": {Case.Outcome.COUNTED_NOT_ASSISTED, Case.Outcome.ASSISTED, Case.Outcome.REINTEGRATION_COMPLETED},
}


def age_on(member: Member, day: datetime.date) -> int:
    if member.date_of_birth is None:
        return member.estimated_age
    born = member.date_of_birth
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_every_household_has_one_case_at_its_routed_agency(debug):
    seed(**CASELOAD)

    assert Case.objects.count() == Household.objects.count() == 400
    assert not Household.objects.annotate(n=Count("cases")).exclude(n=1).exists()
    for case in Case.objects.select_related("household", "agency"):
        workflow = workflow_for_agency(case.agency.code)
        assert case.agency_id == case.household.routed_agency_id
        assert case.workflow == workflow.code
        assert case.case_number == f"{workflow.case_number_prefix}-{case.household.registration_number}"
        # The office responsible: where registered, unless IOM handed the case to a provincial team.
        handed_to = case.events.filter(kind=CaseEvent.Kind.HANDOVER).exclude(details__to_office=None)
        expected = handed_to.get().details["to_office"] if handed_to.exists() else case.household.office.code
        assert case.office.code == expected
    opened = CaseEvent.objects.filter(kind=CaseEvent.Kind.OPENED)
    assert opened.count() == 400
    assert not Case.objects.annotate(n=Count("events", filter=Q(events__kind="opened"))).exclude(n=1).exists()


def test_recent_cases_are_in_every_stage_and_old_ones_mostly_closed(debug):
    output = seed(**CASELOAD)

    present = set(Case.objects.values_list("workflow", "stage").distinct())
    for workflow in all_workflows().values():
        for stage in workflow.stages:
            assert (workflow.code, stage.code) in present, f"no case in {workflow.code} {stage.code}"
    recent = Case.objects.filter(household__arrival_date__gt=TODAY - datetime.timedelta(days=21))
    assert set(recent.values_list("stage", flat=True)) >= {"verification", "encashment", "services", "screening"}
    old_iom = Case.objects.filter(agency__code="IOM", household__arrival_date__lt=TODAY - datetime.timedelta(days=60))
    assert old_iom.filter(closed_at__isnull=False).count() > 0.8 * old_iom.count()
    assert "UNHCR: " in output and "reintegration" in output


def test_closed_cases_have_outcomes_and_open_ones_consistent_due_dates(debug):
    seed(**CASELOAD)

    outcomes = Counter()
    for case in Case.objects.select_related("household", "agency"):
        workflow = workflow_for_agency(case.agency.code)
        stage = workflow.stage(case.stage)
        arrival = case.household.arrival_date
        if stage.is_final:
            assert case.closed_at is not None
            assert case.outcome in OUTCOMES[case.agency.code]
            assert case.stage_due_date is None
            assert case.assigned_to_id is None
            outcomes[case.agency.code, case.outcome] += 1
            continue
        assert case.closed_at is None and case.outcome == ""
        if stage.due_after_arrival_days is not None:
            assert case.stage_due_date == arrival + datetime.timedelta(days=stage.due_after_arrival_days)
        else:
            # Entered the stage between arrival and today.
            assert arrival + datetime.timedelta(days=stage.due_in_days) <= case.stage_due_date
            assert case.stage_due_date <= TODAY + datetime.timedelta(days=stage.due_in_days)
        # The history ends where the case is.
        last = case.events.filter(kind=CaseEvent.Kind.TRANSITION).order_by("created_at", "id").last()
        assert (last.to_stage if last else workflow.initial_stage.code) == case.stage
    assert outcomes["IOM", Case.Outcome.COUNTED_NOT_ASSISTED] and outcomes["IOM", Case.Outcome.ASSISTED]
    assert outcomes["IOM", Case.Outcome.REINTEGRATION_COMPLETED] and outcomes["UNHCR", Case.Outcome.ASSISTED]
    overdue = Case.objects.overdue(TODAY)
    assert 0 < overdue.count() < Case.objects.open().count() / 2
    assert (
        Case.objects.filter(closed_at__isnull=False).exclude(outcome="").count()
        == Case.objects.exclude(closed_at=None).count()
    )


def test_history_assistance_and_verifications_follow_the_workflow(debug):
    seed(**CASELOAD)

    unhcr = Case.objects.filter(agency__code="UNHCR").select_related("household")
    uncovered = {MemberEntitlement.Decision.NOT_ON_VRF, MemberEntitlement.Decision.UNDOCUMENTED}
    for case in unhcr:
        passed = set(case.events.filter(kind=CaseEvent.Kind.TRANSITION).values_list("transition", flat=True))
        decisions = dict(case.entitlements.values_list("member_id", "decision"))
        verified = set(case.verifications.values_list("member_id", flat=True))
        covered_from_five = {
            member.pk
            for member in case.household.members.all()
            if age_on(member, case.household.arrival_date) >= 5 and decisions.get(member.pk) not in uncovered
        }
        if passed & {"verify", "refuse_grant"}:
            # Every member has an entitlement; an iris result for each covered member aged 5 or over.
            assert len(decisions) == case.household.member_count
            assert verified == covered_from_five
        else:
            assert (decisions, verified) == ({}, set())
        eligible = sum(decision == MemberEntitlement.Decision.ELIGIBLE for decision in decisions.values())
        grants = case.assistance.filter(assistance_type__code="cash_grant")
        if "pay_grant" in passed:
            grant = grants.get()
            assert grant.approval == Assistance.Approval.APPROVED
            assert grant.approved_by.username == "unhcr.manager" and grant.recorded_by.username == "unhcr.caseworker"
            # Arrivals from 1 August 2022: USD 375 for each eligible member.
            assert eligible >= 1
            assert (grant.value, grant.currency) == (Decimal(375) * eligible, "USD")
        elif case.stage != "encashment":
            assert not grants.exists()
        if case.outcome == Case.Outcome.NOT_ELIGIBLE:
            assert eligible == 0
            assert not case.verifications.filter(result=MemberVerification.Result.CLEAR).exists()
    assert MemberVerification.objects.exists()
    # A member carrying the VRF is never recorded as not on it (a young child refused with the family is refused).
    assert not MemberEntitlement.objects.filter(
        decision=MemberEntitlement.Decision.NOT_ON_VRF,
        member__documents__document_type__routing_class="repatriation_form",
    ).exists()
    # Relatives not on the VRF, who hold no papers, are undocumented.
    assert MemberEntitlement.objects.filter(decision=MemberEntitlement.Decision.UNDOCUMENTED).exists()

    iom = Case.objects.filter(agency__code="IOM")
    codes = Member.specific_needs.through.objects.filter(needcode__scheme=NeedCode.Scheme.IOM_VULNERABILITY)
    vulnerable_households = set(codes.values_list("member__household_id", flat=True))
    assert vulnerable_households
    assert vulnerable_households == set(iom.filter(is_vulnerable=True).values_list("household_id", flat=True))
    assert not iom.filter(is_vulnerable=True, stage="screening").exists()
    assert not iom.filter(stage__in=["assistance", "transport", "reintegration"], is_vulnerable=False).exists()
    counted = iom.filter(outcome=Case.Outcome.COUNTED_NOT_ASSISTED)
    assert not counted.filter(Q(is_vulnerable=True) | Exists(Assistance.objects.filter(case=OuterRef("pk")))).exists()
    # Most undocumented returnees from Iran are counted, not assisted, fewer from Pakistan
    # (cases.IOM_ELIGIBLE; recent cases are dealt to every stage instead).
    screened = iom.exclude(stage="screening").filter(household__arrival_date__lt=TODAY - datetime.timedelta(days=21))
    for country, low, high in (("IR", 0.85, 1.0), ("PK", 0.05, 0.4)):
        share = counted.filter(pk__in=screened.filter(household__country_of_departure=country)).count() / max(
            screened.filter(household__country_of_departure=country).count(), 1
        )
        assert low <= share <= high, (country, share)
    # The screening's event lists each eligible member's codes, as stored on the members.
    for event in CaseEvent.objects.filter(transition="screen_eligible").select_related("case"):
        stored = {}
        for public_id, code in codes.filter(member__household_id=event.case.household_id).values_list(
            "member__public_id", "needcode__code"
        ):
            stored.setdefault(str(public_id), []).append(code)
        assert event.details == {
            "eligible": True,
            "vulnerabilities": {public_id: sorted(chosen) for public_id, chosen in stored.items()},
        }
    # Going on to reintegration hands the case over: to the provincial team, or the history says there is none.
    handovers = CaseEvent.objects.filter(kind=CaseEvent.Kind.HANDOVER)
    assert handovers.exclude(details__to_office=None).exists()
    assert set(handovers.values_list("case_id", flat=True)) == set(
        CaseEvent.objects.filter(transition="complete_transport").values_list("case_id", flat=True)
    )
    past_assistance = iom.filter(Q(stage__in=["transport", "reintegration"]) | Q(closed_at__isnull=False)).exclude(
        outcome=Case.Outcome.COUNTED_NOT_ASSISTED
    )
    assert not past_assistance.exclude(
        Exists(Assistance.objects.filter(case=OuterRef("pk"), assistance_type__code="meals"))
    ).exists()
    transport_cash = Assistance.objects.filter(assistance_type__code="transport_cash")
    assert transport_cash.exists()
    assert not transport_cash.exclude(approval=Assistance.Approval.APPROVED).exists()
    # Every case's version counts its changes: the events after it was opened (a handover is part
    # of its transition's change).
    events = Count("events", filter=~Q(events__kind=CaseEvent.Kind.HANDOVER))
    assert not Case.objects.annotate(n=events).exclude(version=F("n")).exists()


def test_demo_case_workers_have_open_cases_of_their_agency(debug):
    output = seed(**CASELOAD)

    for username, agency in (("unhcr.caseworker", "UNHCR"), ("iom.caseworker", "IOM")):
        worker = User.objects.get(username=username)
        assert worker.role == User.Role.CASE_WORKER and worker.check_password(DEMO_PASSWORD)
        assigned = Case.objects.filter(assigned_to=worker)
        assert assigned.exists()
        assert not assigned.exclude(agency__code=agency).exists()
        assert not assigned.filter(closed_at__isnull=False).exists()
        assert assigned.count() == CaseEvent.objects.filter(kind=CaseEvent.Kind.ASSIGNED, note=username).count()
        assert username in output
    assert Case.objects.open().filter(assigned_to=None).exists()


def test_the_families_at_verification_have_their_vrf_manifests_but_a_few(debug):
    output = seed(**CASELOAD)

    at_verification = set(
        MemberDocument.objects.filter(
            document_type__routing_class=DocumentType.RoutingClass.REPATRIATION_FORM,
            member__household__cases__stage="verification",
            member__household__cases__closed_at__isnull=True,
        ).values_list("number_normal", flat=True)
    )
    on_manifests = set(VrfManifest.objects.values_list("vrf_number_normal", flat=True))
    # Every manifest is of a family at verification; one VRF in ten (the first of each ten) has none.
    assert on_manifests <= at_verification
    assert len(at_verification - on_manifests) == (len(at_verification) + 9) // 10
    assert min(at_verification) not in on_manifests
    assert f"VRF manifests: {len(on_manifests):,} from the repatriation centres" in output
    # A manifest lists the members who hold the VRF, as the families registered them.
    manifest = VrfManifest.objects.order_by("pk").first()
    holders = Member.objects.filter(documents__number_normal=manifest.vrf_number_normal).order_by("pk")
    assert list(manifest.members.order_by("pk").values_list("given_name", "sex")) == list(
        holders.values_list("given_name", "sex")
    )


def test_seeded_cases_move_on_through_the_services(debug):
    seed(**CASELOAD)
    worker = User.objects.get(username="iom.caseworker")

    counted = case_transition(
        case=Case.objects.filter(agency__code="IOM", stage="screening").first(),
        transition_code="screen_not_eligible",
        actor=worker,
    )
    assert (counted.stage, counted.outcome) == ("closed", Case.Outcome.COUNTED_NOT_ASSISTED)
    in_assistance = Case.objects.filter(agency__code="IOM", stage="assistance").first()
    assistance_record(
        case=in_assistance,
        recorded_by=worker,
        assistance_type=AssistanceType.objects.get(agency__code="IOM", code="nfi_kit"),
        delivered_on=datetime.date.today(),
        office=in_assistance.office,
    )
    moved = case_transition(case=in_assistance, transition_code="complete_assistance", actor=worker)
    assert moved.stage == "transport"


# ---------------------------------------------------------------------------------------------
# Derived from the real definitions: the workflows and the assistance rules
# ---------------------------------------------------------------------------------------------


def test_each_outcome_has_one_path_read_off_the_workflow():
    unhcr = WorkflowPaths(workflow_for_agency("UNHCR"))
    iom = WorkflowPaths(workflow_for_agency("IOM"))

    assert {outcome: [t.code for t in path] for outcome, path in unhcr.paths.items()} == {
        Case.Outcome.ASSISTED: ["verify", "pay_grant", "complete_services", "close_after_supplement"],
        Case.Outcome.NOT_ELIGIBLE: ["refuse_grant"],
    }
    assert {outcome: [t.code for t in path] for outcome, path in iom.paths.items()} == {
        Case.Outcome.COUNTED_NOT_ASSISTED: ["screen_not_eligible"],
        Case.Outcome.REINTEGRATION_COMPLETED: [
            "screen_eligible",
            "complete_assistance",
            "complete_transport",
            "close_reintegration",
        ],
        Case.Outcome.ASSISTED: ["screen_eligible", "complete_assistance", "close_after_transport"],
    }
    assert unhcr.quick_stages == ("verification", "encashment", "services")
    assert iom.outcomes_through("reintegration") == {Case.Outcome.REINTEGRATION_COMPLETED}


def test_every_history_walks_the_transitions_of_its_workflow(debug):
    seed(**CASELOAD)

    for case in Case.objects.prefetch_related("events"):
        workflow = all_workflows()[case.workflow]
        transitions = {(t.code, t.source, t.target): t for t in workflow.transitions}
        stage = workflow.initial_stage.code
        last = None
        for event in sorted(case.events.all(), key=lambda event: (event.created_at, event.pk)):
            if event.kind != CaseEvent.Kind.TRANSITION:
                continue
            last = transitions[(event.transition, event.from_stage, event.to_stage)]
            assert last.source == stage, f"{case.case_number}: {event.transition} from {stage}"
            stage = last.target
        assert stage == case.stage
        if case.closed_at is not None:
            assert case.outcome == last.outcome


def test_assistance_follows_the_rules_the_services_decide_with(debug):
    seed(**CASELOAD)
    limits = {agency.code: agency for agency in Agency.objects.all()}
    rates = list(GrantRate.objects.all())

    assistance = Assistance.objects.select_related("assistance_type", "case__agency", "case__household", "approved_by")
    assert assistance.filter(assistance_type__is_grant=True).exists()
    for item in assistance:
        agency = limits[item.case.agency.code]
        needs_manager = manager_approval_needed(
            is_cash=item.assistance_type.is_cash,
            value=item.value,
            currency=item.currency,
            limit=agency.manager_approval_above,
            limit_currency=agency.manager_approval_currency,
        )
        assert item.needs_manager_approval is needs_manager
        if item.approval == Assistance.Approval.APPROVED:
            assert item.assistance_type.is_cash
            assert (
                approval_refusal(
                    recorded_by_id=item.recorded_by_id,
                    approver_id=item.approved_by_id,
                    approver_is_manager=item.approved_by.role == User.Role.MANAGER,
                    needs_manager_approval=item.needs_manager_approval,
                )
                is None
            )
        else:
            assert item.approval == approval_on_record(is_cash=item.assistance_type.is_cash)
        if item.assistance_type.is_grant:
            rate = grant_rate_on(
                rates=[rate for rate in rates if rate.assistance_type_id == item.assistance_type_id],
                on=item.case.household.arrival_date,
            )
            eligible = item.case.entitlements.filter(decision=MemberEntitlement.Decision.ELIGIBLE).count()
            assert (item.value, item.currency) == grant_for_members(rate=rate, eligible=eligible)


def test_the_same_seed_gives_the_same_case_histories(debug):
    def snapshot():
        return list(
            CaseEvent.objects.order_by("id").values_list(
                "case__workflow", "kind", "created_at", "transition", "from_stage", "to_stage", "note"
            )
        )

    seed(households=60, seed=5, today=TODAY)
    first = snapshot()

    seed(households=60, seed=5, today=TODAY, clear=True)

    assert snapshot() == first


def test_a_guard_the_demo_cannot_meet_stops_the_loader(debug, monkeypatch):
    def never(context):
        return "never"

    workflow = workflow_for_agency("IOM")
    guarded = tuple(
        dataclasses.replace(t, guards=(*t.guards, never)) if t.code == "screen_eligible" else t
        for t in workflow.transitions
    )
    changed = dataclasses.replace(workflow, transitions=guarded)
    monkeypatch.setattr(
        "returns.demo.cases.workflow_for_agency",
        lambda agency: changed if agency == "IOM" else workflow_for_agency(agency),
    )

    with pytest.raises(ValueError, match="never of 'screen_eligible'"):
        CaseRows(
            rng=random.Random(1),
            today=TODAY,
            staff=demo_staff(demo_users_ensure()),
            reference=reference_data(),
            ids={},
        )


def test_two_paths_to_one_outcome_are_refused():
    workflow = workflow_for_agency("IOM")
    shortcut = Transition(
        "close_early",
        "Close early",
        "screening",
        workflow.final_stage.code,
        roles=iom_post_arrival.CASE_WORKERS,
        outcome=Case.Outcome.ASSISTED,
    )

    with pytest.raises(ValueError, match="one path to each outcome"):
        WorkflowPaths(dataclasses.replace(workflow, transitions=(*workflow.transitions, shortcut)))


def test_the_demo_fills_todays_monitoring_queue_from_the_plans(debug):
    # Given UNHCR's plan drawing everyone (IOM's stays inactive)
    MonitoringPlan.objects.filter(agency__code="UNHCR").update(sample_rate=1)

    output = seed(**CASELOAD)

    # Then every UNHCR household 30 to 180 days after arrival is in the queue, and no IOM one
    window = (TODAY - datetime.timedelta(days=180), TODAY - datetime.timedelta(days=30))
    in_window = Household.objects.filter(routed_agency__code="UNHCR", arrival_date__range=window)
    drawn = MonitoringInterview.objects.all()
    assert in_window.exists()
    assert set(drawn.values_list("household_id", flat=True)) == set(in_window.values_list("pk", flat=True))
    assert set(drawn.values_list("status", "agency__code", "drawn_on").distinct()) == {("pending", "UNHCR", TODAY)}
    assert f"Return monitoring: {drawn.count():,} households drawn into the queue." in output


def test_the_demo_partner_has_an_agreement_so_that_its_key_syncs_the_demo_households(debug, client):
    # Given the demo (with its partner's agreement) and a key issued to NRC as the README says
    output = seed(households=20, seed=4)
    admin = User.objects.get(username="admin")
    nrc = Agency.objects.get(code="NRC")
    _key, secret = api_key_issue(
        partner=nrc,
        name="Demo sync",
        scopes=["households:read"],
        expires_at=None,
        requests_per_minute=600,
        issued_by=admin,
    )

    # When the partner reads the households
    response = client.get("/api/v1/households/?page_size=100", headers={"Authorization": f"Bearer {secret}"})

    # Then it receives every demo household, minimised by the agreement
    assert response.status_code == 200
    households = response.json()["results"]
    assert len(households) == 20
    assert "phone" not in households[0]
    assert "documents" not in households[0]["members"][0]
    assert "given_name_local" not in households[0]["members"][0]
    agreement = DataSharingAgreement.objects.get(partner=nrc, is_active=True)
    assert sorted(agreement.source_agencies.values_list("code", flat=True)) == ["IOM", "UNHCR"]
    assert "issue_api_key NRC" in output
    # and seeding again keeps the one agreement.
    seed(households=0)
    assert DataSharingAgreement.objects.filter(partner=nrc).count() == 1

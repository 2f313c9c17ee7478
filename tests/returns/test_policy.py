"""The action policy, cell by cell: every action × role × the actor's own agency's object or another's.

``returns.policy`` is the one place that decides who may do what. In every cell three answers must
agree, and be the answer the table below gives:

(a) the policy's (``may_<action>``). Which households a user may act on at all is the visibility
    gate's answer (the household services lock through it), so for a household the policy is asked
    about one the gate lets the actor reach;
(b) the page's: the real page, rendered with the test client for the actor, shows the button or
    form, found by the URL it posts to (a page the actor may not see, a 404, shows none). Changing,
    deleting and merging a household have no page, only the API: for them the API's answer is
    taken instead, in a savepoint that is rolled back;
(c) the service's: called for real; where it refuses, nothing changed.

"The service refuses exactly where the page hides the button." The expected answers are written out
here (not read from ``agencies.roles``), so that a rule cannot move in all three places unnoticed.

Actors: the staff of an agency (field officer, case worker, manager, coordinator), an administrator
(of no agency: the same in both columns), and a partner's key (its technical user): "own" is the
partner whose data-sharing agreement covers the agency (NRC: UNHCR; DRC: IOM), or for a referral
the partner it is addressed to.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, Country, Office, Scope, User
from agencies.problems import Refused
from returns import policy
from returns.models import (
    Assistance,
    AssistanceType,
    BorderCount,
    Case,
    CaseEvent,
    DeletedRecord,
    Household,
    HouseholdEvent,
    MemberVerification,
    MonitoringInterview,
    Referral,
)
from returns.services.cases import (
    assistance_decide,
    assistance_record,
    case_assign,
    case_for_transition,
    case_transition,
    referral_answer,
    referral_make,
    transition_context,
)
from returns.services.counts import border_count_record
from returns.services.households import (
    household_merge,
    household_register,
    household_reroute,
    household_update,
    household_withdraw,
)
from returns.services.monitoring import monitoring_interview_record
from returns.workflows import workflow_named
from tests.factories import UserFactory, api_token_for, household, member, por_card
from tests.partner_infra.keys import administrator, agreement, issue, key_client
from tests.returns.cases.conftest import (  # noqa: F401 (fixtures)
    iom_case,
    iom_worker,
    unhcr_case,
    unhcr_checker,
    unhcr_worker,
)
from tests.returns.monitoring_support import completed_answers, households_arrived, interview_for

ROLES = ("field_officer", "case_worker", "manager", "coordinator", "admin", "partner")
SIDES = ("own", "other")
OTHER_AGENCY = {"UNHCR": "IOM", "IOM": "UNHCR"}
PARTNER_SHARING = {"UNHCR": "NRC", "IOM": "DRC"}  # the partner whose agreement shares the agency's records
STAFF_FIXTURES = {
    ("field_officer", "UNHCR"): "unhcr_officer",
    ("case_worker", "UNHCR"): "unhcr_checker",  # unhcr_worker records the cash waiting for approval
    ("manager", "UNHCR"): "unhcr_manager",
    ("coordinator", "UNHCR"): "coordinator",
    ("field_officer", "IOM"): "iom_officer",
    ("case_worker", "IOM"): "iom_worker",
    ("manager", "IOM"): "iom_manager",
}
JUSTIFICATION = "Registered twice at Torkham by mistake."

# Who may, on their own agency's object and on another agency's (the specification).
STAFF = frozenset({"field_officer", "case_worker", "manager"})
CASE_WORKERS = frozenset({"case_worker", "manager"})
MANAGER = frozenset({"manager"})
NOBODY: frozenset[str] = frozenset()
REGISTERING = STAFF | {"admin", "partner"}
REGISTRY_MANAGERS = MANAGER | {"admin"}
ADMIN = frozenset({"admin"})


@dataclass
class Scene:
    """One cell: the actor, their page client and API client, and the objects the action is about."""

    request: pytest.FixtureRequest
    role: str
    actor: User | None = None
    web: object = None
    api: APIClient | None = None
    objects: dict = field(default_factory=dict)

    def fixture(self, name: str):
        return self.request.getfixturevalue(name)

    def page(self, url: str) -> str:
        """The page as the actor gets it; empty when they may not see it."""
        response = self.web.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        return response.content.decode() if response.status_code == 200 else ""

    def api_allows(self, method: str, url: str, body: dict) -> bool:
        """Whether the API does it (2xx), in a savepoint rolled back so that nothing stays done."""
        with transaction.atomic():
            response = getattr(self.api, method)(url, body, format="json")
            transaction.set_rollback(True)
        assert response.status_code in (200, 204, 403, 404), (url, response.status_code, response.content)
        return response.status_code < 300


@dataclass(frozen=True)
class Action:
    name: str
    owner: str  # the agency whose case or household it is: the actor's own, or the other one's
    own: frozenset[str]  # roles that may, on their own agency's object
    other: frozenset[str]  # roles that may, on another agency's
    setup: Callable[[Scene], None]
    policy: Callable[[Scene], bool]
    shown: Callable[[Scene], bool]
    perform: Callable[[Scene], object]

    def expected(self, role: str, side: str) -> bool:
        return role in (self.own if side == "own" else self.other)


# ---------------------------------------------------------------------------------------------
# The actors
# ---------------------------------------------------------------------------------------------


def actor_in(scene: Scene, agency_code: str) -> None:
    """The scene's actor: its role, of ``agency_code`` (a partner: the one sharing that agency's records)."""
    role = scene.role
    if role == "partner":
        partner = Agency.objects.get(code=PARTNER_SHARING[agency_code])
        agreement(partner=partner, sources=[Agency.objects.get(code=agency_code)])
        key, full_key = issue(partner=partner, scopes=list(Scope.values), issued_by=administrator("policy.keys"))
        scene.actor, scene.api = key.user, key_client(full_key)
    else:
        if role == "admin":
            scene.actor = UserFactory(username="policy.admin", role=User.Role.ADMIN, agency=None, office=None)
        elif (role, agency_code) in STAFF_FIXTURES:
            scene.actor = scene.fixture(STAFF_FIXTURES[role, agency_code])
        else:
            scene.actor = UserFactory(
                username=f"policy.{agency_code.lower()}.{role}", role=role, agency=Agency.objects.get(code=agency_code)
            )
        scene.api = APIClient()
        scene.api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(scene.actor)}")
    scene.web = scene.fixture("client")
    scene.web.force_login(scene.actor)


def recorder(agency_code: str) -> User:
    """A case worker outside the table, who records cash and makes referrals for the scenes."""
    return UserFactory(
        username=f"policy.{agency_code.lower()}.recorder",
        role=User.Role.CASE_WORKER,
        agency=Agency.objects.get(code=agency_code),
    )


def sees_household(scene: Scene, *households: Household) -> bool:
    visible = Household.objects.visible_to(scene.actor).filter(pk__in=[h.pk for h in households])
    return visible.count() == len({h.pk for h in households})


# ---------------------------------------------------------------------------------------------
# The objects
# ---------------------------------------------------------------------------------------------


def with_case(name: str) -> Callable[[Scene], None]:
    def setup(scene: Scene) -> None:
        scene.objects["case"] = scene.fixture(name)

    return setup


def with_cash(value: str) -> Callable[[Scene], None]:
    """UNHCR's case with cash recorded by a case worker, waiting for a second person."""

    def setup(scene: Scene) -> None:
        case = scene.fixture("unhcr_case")
        scene.objects["case"] = case
        scene.objects["assistance"] = assistance_record(
            case=case,
            recorded_by=scene.fixture("unhcr_worker"),
            # The grant with its amount typed: any value (the supplement's is fixed by its rules).
            assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="cash_grant"),
            delivered_on=timezone.localdate(),
            office=case.office,
            value=Decimal(value),
            currency="USD",
        )

    return setup


def with_referral(scene: Scene) -> None:
    """A referral addressed to UNHCR (from IOM's case), or to NRC (from UNHCR's) when a partner answers."""
    source, to = ("unhcr_case", "NRC") if scene.role == "partner" else ("iom_case", "UNHCR")
    case = scene.fixture(source)
    scene.objects["referral"] = referral_make(
        case=case,
        made_by=recorder(case.agency.code),
        to_agency=Agency.objects.get(code=to),
        service=Referral.Service.PROTECTION,
        reason="Needs legal counselling.",
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )


def with_household(scene: Scene) -> None:
    scene.objects["household"] = scene.fixture("unhcr_case").household


def with_duplicate(scene: Scene) -> None:
    """Two UNHCR households: the one registered twice, and the one that stays."""
    scene.objects["household"] = scene.fixture("unhcr_case").household
    scene.objects["survivor"] = household_register(
        registered_by=scene.fixture("unhcr_officer"),
        registration=household(members=[member(given_name="Gul", fathers_name="Rahim", documents=[por_card()])]),
    )


def nothing(scene: Scene) -> None:
    return None


# ---------------------------------------------------------------------------------------------
# What each action's page shows, and the service it calls
# ---------------------------------------------------------------------------------------------


def case_url(scene: Scene) -> str:
    return reverse("returns:case-detail", kwargs={"public_id": scene.objects["case"].public_id})


def case_page_posts_to(name: str, **kwargs) -> Callable[[Scene], bool]:
    """Whether the case page has a form posting to the action's URL."""

    def shown(scene: Scene) -> bool:
        case = scene.objects["case"]
        url = reverse(
            f"returns:{name}", kwargs={"public_id": case.public_id, **{k: v(scene) for k, v in kwargs.items()}}
        )
        return f'action="{url}"' in scene.page(case_url(scene))

    return shown


def transition_shown(code: str) -> Callable[[Scene], bool]:
    def shown(scene: Scene) -> bool:
        case = scene.objects["case"]
        html = scene.page(case_url(scene))
        # Any transition at all: the page's "Next steps" offers one exactly when the policy allows one.
        assert policy.may_transition(scene.actor, case) == ("data-action=" in html)
        url = reverse("returns:case-transition", kwargs={"public_id": case.public_id, "transition_code": code})
        return f'action="{url}"' in html

    return shown


def transition_allowed(code: str) -> Callable[[Scene], bool]:
    def allowed(scene: Scene) -> bool:
        case = Case.objects.get(pk=scene.objects["case"].pk)
        return policy.may_transition(scene.actor, case, workflow_named(case.workflow).transition(case.stage, code))

    return allowed


def transition_inputs(case: Case, code: str) -> dict:
    """Valid inputs for the transition's form: documents checked, every iris clear, nobody refused, a note."""
    transition = workflow_named(case.workflow).transition(case.stage, code)
    context = transition_context(case=case_for_transition(case), actor=None)
    inputs = {}
    for name in transition.input_form_class(context).base_fields:
        if name == "documents_checked":
            inputs[name] = "on"
        elif name.startswith("iris_"):
            inputs[name] = MemberVerification.Result.CLEAR
        elif name.startswith("refuse_"):
            inputs[name] = ""  # nobody refused: every member is paid
        else:
            inputs[name] = "Seen at the crossing."
    return inputs


def fire(code: str) -> Callable[[Scene], object]:
    def perform(scene: Scene):
        case = scene.objects["case"]
        return case_transition(case=case, transition_code=code, actor=scene.actor, data=transition_inputs(case, code))

    return perform


def assign(scene: Scene):
    colleague = None
    if scene.actor.agency_id is not None and scene.role != "partner":
        colleague = recorder(Agency.objects.get(pk=scene.actor.agency_id).code)
    return case_assign(case_ids=[scene.objects["case"].pk], assignee=colleague, assigned_by=scene.actor)


def record(scene: Scene):
    case = scene.objects["case"]
    return assistance_record(
        case=case,
        recorded_by=scene.actor,
        assistance_type=AssistanceType.objects.get(agency__code="UNHCR", code="health_screening"),
        delivered_on=timezone.localdate(),
        office=case.office,
    )


def decide(scene: Scene):
    return assistance_decide(assistance=scene.objects["assistance"], decided_by=scene.actor, approve=True)


def decision_allowed(scene: Scene) -> bool:
    assistance = Assistance.objects.select_related("case").get(pk=scene.objects["assistance"].pk)
    return policy.may_decide_assistance(scene.actor, assistance, assistance.case)


def refer(scene: Scene):
    return referral_make(
        case=scene.objects["case"],
        made_by=scene.actor,
        to_agency=Agency.objects.get(code="NRC"),
        service=Referral.Service.PROTECTION,
        reason="Needs legal counselling.",
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )


def answer_shown(scene: Scene) -> bool:
    url = reverse("returns:referral-answer", kwargs={"public_id": scene.objects["referral"].public_id})
    return f'action="{url}"' in scene.page(reverse("returns:referrals"))


def answer(scene: Scene):
    return referral_answer(
        referral=scene.objects["referral"], answered_by=scene.actor, status=Referral.Status.ACCEPTED, response=""
    )


def register_shown(scene: Scene) -> bool:
    url = reverse("returns:household-register")
    shown = f'href="{url}"' in scene.page(reverse("returns:household-list"))
    # The registration page itself opens exactly for those it offers the link to.
    assert (scene.web.get(url).status_code == 200) == shown
    return shown


def register(scene: Scene):
    return household_register(
        registered_by=scene.actor, registration=household(members=[member(documents=[por_card(number="PK-777")])])
    )


def household_url(scene: Scene) -> str:
    return reverse("returns:household-detail", kwargs={"public_id": scene.objects["household"].public_id})


def export_shown(scene: Scene) -> bool:
    url = reverse("returns:household-export-csv")
    return f'href="{url}' in scene.page(reverse("returns:household-list"))


def export(scene: Scene):
    response = scene.web.get(reverse("returns:household-export-csv"))
    if response.status_code == 403:
        raise PermissionDenied
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def reroute_shown(scene: Scene) -> bool:
    url = reverse("returns:household-reroute", kwargs={"public_id": scene.objects["household"].public_id})
    return f'action="{url}"' in scene.page(household_url(scene))


def reroute(scene: Scene):
    return household_reroute(
        household=scene.objects["household"],
        rerouted_by=scene.actor,
        agency=Agency.objects.get(code="IOM"),
        category="undocumented",
        justification=JUSTIFICATION,
    )


def api_household_url(scene: Scene, name: str = "household-detail") -> str:
    return reverse(f"api:{name}", kwargs={"id": scene.objects["household"].public_id})


def update_shown(scene: Scene) -> bool:
    return scene.api_allows("patch", api_household_url(scene), {"phone": "+93 70 123 4567"})


def update(scene: Scene):
    return household_update(
        household=scene.objects["household"], updated_by=scene.actor, changes={"phone": "+93 70 123 4567"}
    )


def delete_shown(scene: Scene) -> bool:
    return scene.api_allows("delete", api_household_url(scene), {"note": JUSTIFICATION})


def delete(scene: Scene):
    return household_withdraw(household=scene.objects["household"], withdrawn_by=scene.actor, reason=JUSTIFICATION)


def merge_shown(scene: Scene) -> bool:
    body = {"into": str(scene.objects["survivor"].public_id), "note": JUSTIFICATION}
    return scene.api_allows("post", api_household_url(scene, "household-merge"), body)


def merge(scene: Scene):
    return household_merge(
        duplicate=scene.objects["household"],
        survivor=scene.objects["survivor"],
        merged_by=scene.actor,
        note=JUSTIFICATION,
    )


def record_counts_shown(scene: Scene) -> bool:
    url = reverse("returns:border-count-record")
    shown = f'href="{url}"' in scene.page(reverse("returns:household-list"))
    # The entry page itself opens exactly for those it offers the link to.
    assert (scene.web.get(url).status_code == 200) == shown
    return shown


def with_interview(scene: Scene) -> None:
    """A UNHCR household 40 days after arrival, drawn for return monitoring."""
    (arrived,) = households_arrived(
        agency=Agency.objects.get(code="UNHCR"), registered_by=recorder("UNHCR"), days_ago=40
    )
    scene.objects["interview"] = interview_for(arrived)


def monitoring_recordable(scene: Scene) -> bool:
    return policy.may_record_monitoring(scene.actor, scene.objects["interview"])


def questionnaire_shown(scene: Scene) -> bool:
    return "data-questionnaire" in scene.page(scene.objects["interview"].get_absolute_url())


def record_monitoring(scene: Scene):
    return monitoring_interview_record(
        interview=scene.objects["interview"], recorded_by=scene.actor, data=completed_answers()
    )


def record_counts(scene: Scene):
    # 12 arrivals at Torkham today from Pakistan: all deported, in families; 5 women, 7 men of 18-59.
    counts = {
        "total": 12,
        "deported": 12,
        "spontaneous": 0,
        "in_families": 12,
        "individuals": 0,
        **{f"{sex}_{band}": 0 for sex in ("female", "male") for band in ("0_4", "5_11", "12_17", "60_plus")},
        "female_18_59": 5,
        "male_18_59": 7,
    }
    return border_count_record(
        recorded_by=scene.actor,
        crossing=Office.objects.get(code="TKM"),
        day=timezone.localdate(),
        country=Country.objects.get(code="PK"),
        counts=counts,
    )


def on_household(may: Callable[[User], bool], *names: str) -> Callable[[Scene], bool]:
    """The policy's answer for a household the gate lets the actor reach (the gate decides which)."""

    def allowed(scene: Scene) -> bool:
        return sees_household(scene, *(scene.objects[name] for name in names)) and may(scene.actor)

    return allowed


def on_case(may: Callable[[User, Case], bool]) -> Callable[[Scene], bool]:
    return lambda scene: may(scene.actor, Case.objects.get(pk=scene.objects["case"].pk))


ACTIONS = [
    Action(
        "transition-verify",  # UNHCR: case workers and managers
        "UNHCR",
        CASE_WORKERS,
        NOBODY,
        with_case("unhcr_case"),
        transition_allowed("verify"),
        transition_shown("verify"),
        fire("verify"),
    ),
    Action(
        "transition-screen_not_eligible",  # IOM: case workers and managers
        "IOM",
        CASE_WORKERS,
        NOBODY,
        with_case("iom_case"),
        transition_allowed("screen_not_eligible"),
        transition_shown("screen_not_eligible"),
        fire("screen_not_eligible"),
    ),
    Action(
        "assign",
        "UNHCR",
        MANAGER,
        NOBODY,
        with_case("unhcr_case"),
        on_case(policy.may_assign),
        case_page_posts_to("case-assign"),
        assign,
    ),
    Action(
        "record-assistance",
        "UNHCR",
        STAFF,
        NOBODY,
        with_case("unhcr_case"),
        on_case(policy.may_record_assistance),
        case_page_posts_to("case-assistance"),
        record,
    ),
    Action(
        "approve-assistance",
        "UNHCR",
        CASE_WORKERS,
        NOBODY,
        with_cash("20.00"),
        decision_allowed,
        case_page_posts_to("case-assistance-decide", assistance_id=lambda scene: scene.objects["assistance"].public_id),
        decide,
    ),
    Action(
        "approve-assistance-above-the-limit",  # UNHCR's limit: 3000 USD
        "UNHCR",
        MANAGER,
        NOBODY,
        with_cash("5000.00"),
        decision_allowed,
        case_page_posts_to("case-assistance-decide", assistance_id=lambda scene: scene.objects["assistance"].public_id),
        decide,
    ),
    Action(
        "make-referral",
        "UNHCR",
        STAFF,
        NOBODY,
        with_case("unhcr_case"),
        on_case(policy.may_make_referral),
        case_page_posts_to("case-referral"),
        refer,
    ),
    Action(
        "answer-referral",
        "UNHCR",
        STAFF | {"partner"},
        NOBODY,
        with_referral,
        lambda scene: policy.may_answer_referral(
            scene.actor, Referral.objects.get(pk=scene.objects["referral"].pk), Referral.Status.ACCEPTED
        ),
        answer_shown,
        answer,
    ),
    Action(
        "register",
        "UNHCR",
        REGISTERING,
        REGISTERING,  # whichever agency: registration is not about an agency's record
        nothing,
        lambda scene: policy.may_register(scene.actor),
        register_shown,
        register,
    ),
    Action(
        "export-households",
        "UNHCR",
        REGISTRY_MANAGERS,
        REGISTRY_MANAGERS,  # a list of what they may see, whichever agency
        with_household,
        lambda scene: policy.may_export_households(scene.actor),
        export_shown,
        export,
    ),
    Action(
        "reroute",
        "UNHCR",
        REGISTRY_MANAGERS,
        ADMIN,
        with_household,
        on_household(policy.may_reroute, "household"),
        reroute_shown,
        reroute,
    ),
    Action(
        "update-household",
        "UNHCR",
        REGISTERING,
        ADMIN,
        with_household,
        on_household(policy.may_update_household, "household"),
        update_shown,
        update,
    ),
    Action(
        "delete-household",
        "UNHCR",
        REGISTRY_MANAGERS,
        ADMIN,
        with_household,
        on_household(policy.may_remove_household, "household"),
        delete_shown,
        delete,
    ),
    Action(
        "merge-households",
        "UNHCR",
        REGISTRY_MANAGERS,
        ADMIN,
        with_duplicate,
        on_household(policy.may_remove_household, "household", "survivor"),
        merge_shown,
        merge,
    ),
    Action(
        "record-border-counts",
        "UNHCR",
        STAFF | ADMIN,
        STAFF | ADMIN,  # UNHCR's staff or IOM's: counts are not an agency's record
        nothing,
        lambda scene: policy.may_record_border_counts(scene.actor),
        record_counts_shown,
        record_counts,
    ),
    Action(
        "record-monitoring-interview",
        "UNHCR",
        CASE_WORKERS,
        NOBODY,
        with_interview,
        monitoring_recordable,
        questionnaire_shown,
        record_monitoring,
    ),
]

CELLS = [
    pytest.param(action, role, side, id=f"{action.name}-{role}-{side}")
    for action in ACTIONS
    for role in ROLES
    for side in SIDES
]


def state() -> dict:
    """Everything an action may write, so that a refused one can be shown to have changed nothing."""
    return {
        "households": sorted(
            Household.objects.values_list("pk", "routed_agency_id", "category", "phone", "updated_at")
        ),
        "cases": sorted(
            Case.objects.values_list("pk", "stage", "version", "assigned_to_id", "closed_at", "updated_at")
        ),
        "assistance": sorted(Assistance.objects.values_list("pk", "approval", "approved_by_id")),
        "referrals": sorted(Referral.objects.values_list("pk", "status", "responded_by_id")),
        "case_events": CaseEvent.objects.count(),
        "household_events": HouseholdEvent.objects.count(),
        "deleted": DeletedRecord.objects.count(),
        "verifications": MemberVerification.objects.count(),
        "border_counts": BorderCount.objects.count(),
        "monitoring": sorted(MonitoringInterview.objects.values_list("pk", "status", "attempts", "updated_at")),
    }


@pytest.mark.parametrize(("action", "role", "side"), CELLS)
def test_the_service_refuses_exactly_where_the_page_hides_the_button(db, request, action, role, side):
    scene = Scene(request=request, role=role)
    action.setup(scene)
    actor_in(scene, action.owner if side == "own" else OTHER_AGENCY[action.owner])

    allowed = action.policy(scene)
    shown = action.shown(scene)
    before = state()
    refusal = None
    try:
        action.perform(scene)
    except (PermissionDenied, Refused, ObjectDoesNotExist) as refused:
        refusal = refused
        assert state() == before

    expected = action.expected(role, side)
    assert {"policy": allowed, "page": shown, "service": refusal is None} == {
        "policy": expected,
        "page": expected,
        "service": expected,
    }, refusal


def test_the_table_covers_every_role_of_the_floor():
    assert set(ROLES) == set(User.Role.values)

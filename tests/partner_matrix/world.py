"""The world every matrix row is tried against: one UNHCR and one IOM household (each with its
case and a cash payment waiting for approval), referrals between agencies and to two partners,
the staff principals and NRC's keys (its agreement shares UNHCR's records, not IOM's); last year's
joint report as a draft and as a final version."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, Scope, User
from reports.models import Report
from reports.services import report_compute, report_request, report_sign_off
from returns.identity import pair_different
from returns.models import (
    Assistance,
    AssistanceType,
    Case,
    ExportJob,
    Household,
    ImportBatch,
    MatchPair,
    MonitoringInterview,
    MonitoringPlan,
    Referral,
)
from returns.services.cases import assistance_record, referral_make
from returns.services.households import household_register
from tests.factories import UserFactory, api_token_for, household, member, por_card
from tests.partner_infra.keys import administrator, agreement, issue


@dataclass(frozen=True)
class Principal:
    """Who sends the request: nobody, a member of staff (role, agency), or an NRC key (scopes)."""

    name: str
    kind: str  # anonymous | staff | key
    role: str | None = None
    agency: str | None = None
    scopes: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.name


ANONYMOUS = Principal("anonymous", "anonymous")
STAFF = [
    Principal("unhcr.field_officer", "staff", User.Role.FIELD_OFFICER, "UNHCR"),
    Principal("unhcr.case_worker", "staff", User.Role.CASE_WORKER, "UNHCR"),
    Principal("unhcr.manager", "staff", User.Role.MANAGER, "UNHCR"),
    Principal("iom.field_officer", "staff", User.Role.FIELD_OFFICER, "IOM"),
    Principal("coordinator", "staff", User.Role.COORDINATOR, "UNHCR"),
    Principal("admin", "staff", User.Role.ADMIN, None),
]
KEYS = [Principal(f"key[{scope}]", "key", User.Role.PARTNER, "NRC", frozenset({scope})) for scope in Scope.values]
KEYS.append(Principal("key[all scopes]", "key", User.Role.PARTNER, "NRC", frozenset(Scope.values)))
PRINCIPALS = [ANONYMOUS, *STAFF, *KEYS]

# NRC's agreement shares UNHCR's records: a key's "own" objects are UNHCR's, IOM's are another agency's.
PARTNER = "NRC"
PARTNER_SOURCES = frozenset({"UNHCR"})


@dataclass
class World:
    households: dict[str, Household] = field(default_factory=dict)  # by agency code
    spares: dict[str, Household] = field(default_factory=dict)  # a second household of each agency (merges)
    cases: dict[str, Case] = field(default_factory=dict)
    assistance: dict[str, Assistance] = field(default_factory=dict)  # cash waiting for approval
    referrals: dict[str, Referral] = field(default_factory=dict)  # to_nrc, to_unhcr, to_drc
    interviews: dict[str, MonitoringInterview] = field(default_factory=dict)  # drawn 40 days after arrival
    reports: dict[str, Report] = field(default_factory=dict)  # last year's joint report: draft, final
    # Possible duplicates: UNHCR's household's head and the UNHCR spare's, waiting for a decision; the
    # UNHCR monitoring household's head and the spare's, decided different people.
    duplicate_pairs: dict[str, MatchPair] = field(default_factory=dict)  # pending, decided
    imports: dict[str, ImportBatch] = field(default_factory=dict)  # checked: the UNHCR manager's, ready to start
    exports: dict[str, ExportJob] = field(default_factory=dict)  # done: the UNHCR manager's, its file written
    clients: dict[str, APIClient] = field(default_factory=dict)  # by principal name

    def target(self, kind: str, name: str):
        return {
            "household": self.households,
            "case": self.cases,
            "assistance": self.assistance,
            "interview": self.interviews,
            "report": self.reports,
        }.get(kind, self.referrals)[name]


def build_world() -> World:
    world = World()
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    registrar = administrator("matrix.registrar")
    workers = {
        code: UserFactory(username=f"{code.lower()}.recorder", agency=agencies[code], role=User.Role.CASE_WORKER)
        for code in ("UNHCR", "IOM")
    }
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    # Each call a new person: a card's number is one person's (the spare holds a card of its own).
    registrations = {
        "UNHCR": lambda: household(members=[member(given_name="Ahmad", documents=[por_card()])]),
        "IOM": lambda: household(members=[member(given_name="Karim")]),
    }
    for code, registration in registrations.items():
        registered = household_register(registered_by=registrar, registration=registration())
        assert registered.routed_agency_id == agencies[code].pk
        world.households[code] = registered
        world.cases[code] = Case.objects.get(household=registered, agency=agencies[code])
        world.spares[code] = household_register(registered_by=registrar, registration=registration())
    # UNHCR's grant with its amount typed (the supplement's amount and date are fixed by its rules).
    cash = {"UNHCR": "cash_grant", "IOM": "transport_cash"}
    for code, type_code in cash.items():
        world.assistance[code] = assistance_record(
            case=world.cases[code],
            recorded_by=workers[code],
            assistance_type=AssistanceType.objects.get(agency=agencies[code], code=type_code),
            delivered_on=yesterday,
            office=world.households[code].office,
            value=Decimal("20.00"),
            currency="USD",
        )
    due = timezone.localdate() + datetime.timedelta(days=14)
    for name, source, to in (("to_nrc", "UNHCR", "NRC"), ("to_unhcr", "IOM", "UNHCR"), ("to_drc", "IOM", "DRC")):
        world.referrals[name] = referral_make(
            case=world.cases[source],
            made_by=workers[source],
            to_agency=agencies[to],
            service=Referral.Service.PROTECTION,
            reason="Needs legal counselling.",
            due_date=due,
        )

    for code, registration_of in registrations.items():
        # A household of each agency 40 days after arrival, in its agency's monitoring sample.
        registration = registration_of()
        registration.arrival_date = timezone.localdate() - datetime.timedelta(days=40)
        drawn = household_register(registered_by=registrar, registration=registration)
        plan = MonitoringPlan.objects.get(agency=agencies[code])
        world.interviews[code] = MonitoringInterview.objects.create(
            household=drawn,
            agency=agencies[code],
            plan=plan,
            drawn_on=timezone.localdate(),
            due_by=drawn.arrival_date + datetime.timedelta(days=plan.window_until_days),
        )

    # Scored below a likely duplicate, so that no grant is held back by them.
    heads = {
        name: household.members.get(relationship="head")
        for name, household in (
            ("household", world.households["UNHCR"]),
            ("spare", world.spares["UNHCR"]),
            ("drawn", world.interviews["UNHCR"].household),
        )
    }
    for name, (one, other) in (("pending", ("household", "spare")), ("decided", ("drawn", "spare"))):
        first, second = sorted((heads[one], heads[other]), key=lambda head: head.pk)
        world.duplicate_pairs[name] = MatchPair.objects.create(
            first=first, second=second, score=Decimal("0.700"), source=MatchPair.Source.BATCH
        )
    pair_different(pair=world.duplicate_pairs["decided"], decided_by=registrar)

    world.reports = joint_reports(agencies)

    world.clients[ANONYMOUS.name] = APIClient(raise_request_exception=False)
    for principal in STAFF:
        user = UserFactory(
            username=f"matrix.{principal.name}",
            role=principal.role,
            agency=agencies.get(principal.agency),
            office=world.households["UNHCR"].office if principal.role == User.Role.FIELD_OFFICER else None,
            is_superuser=principal.role == User.Role.ADMIN,
        )
        world.clients[principal.name] = _client(f"Token {api_token_for(user)}")
    agreement(partner=agencies[PARTNER], sources=[agencies[code] for code in sorted(PARTNER_SOURCES)])
    for principal in KEYS:
        _key, full_key = issue(partner=agencies[PARTNER], scopes=sorted(principal.scopes), issued_by=registrar)
        world.clients[principal.name] = _client(f"Bearer {full_key}")
    world.imports["checked"] = ImportBatch.objects.create(
        status=ImportBatch.Status.VALIDATED,
        file_name="arrivals.csv",
        # Kept, so that the rows with problems can be downloaded: the household of row 3 is left out.
        content=(
            b"household,arrival_date,office,country_of_departure,return_type,destination_province,"
            b"given_name,fathers_name,sex,relationship,estimated_age\n"
            b"1,2025-11-01,TKM,PK,voluntary_repatriation,AF06,Naveed,Gul,male,head,35\n"
            b"2,2025-11-01,TKM,PK,voluntary_repatriation,AF06,Wahid,Gul,x,head,30\n"
        ),
        uploaded_by=User.objects.get(username="matrix.unhcr.manager"),
        households_total=1,
        households_valid=1,
        problems=[{"row": 3, "column": "sex", "message": "Choose female or male."}],
    )
    world.exports["done"] = ExportJob.objects.create(
        kind=ExportJob.Kind.HOUSEHOLDS,
        format="csv",
        status=ExportJob.Status.DONE,
        requested_by=User.objects.get(username="matrix.unhcr.manager"),
        rows_total=1,
        rows_done=1,
        file_name="households.csv",
        content=b"Household id\n",
    )
    return world


def joint_reports(agencies: dict[str, Agency]) -> dict[str, Report]:
    """Last year's joint report: version 1 signed off by UNHCR and IOM (final), version 2 a draft."""
    coordinator = UserFactory(
        username="matrix.report.coordinator", role=User.Role.COORDINATOR, agency=agencies["UNHCR"]
    )
    managers = [
        UserFactory(
            username=f"matrix.report.{code.lower()}", role=User.Role.MANAGER, agency=agencies[code], office=None
        )
        for code in ("UNHCR", "IOM")
    ]
    year = timezone.localdate().year - 1
    reports = {}
    for name in ("final", "draft"):
        requested = report_request(
            requested_by=coordinator,
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
            reference_date=Report.ReferenceDate.ARRIVAL,
        )
        reports[name] = report_compute(report_id=requested.pk, progress_every=0)
    for manager in managers:
        report_sign_off(report=reports["final"], signed_by=manager)
    return reports


def _client(authorization: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client

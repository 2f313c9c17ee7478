"""Loading the demo caseload: households drawn, routed by the real rules, each with its agency's
case, written in batches with COPY in one transaction."""

import datetime
import functools
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from agencies.models import User
from returns.demo.case_rows import CaseRows
from returns.demo.counts import demo_border_counts_load
from returns.demo.households import DemoCaseload
from returns.demo.manifests import demo_manifests_load
from returns.demo.tables import COLUMNS, NULL, Ids, copy_rows, registry_tables, stamp, table, text
from returns.demo.users import demo_staff
from returns.models import Assistance, GrantRefusal, MemberEntitlement
from returns.names import document_number_normal, name_index, phone_digits
from returns.reference import ReferenceData
from returns.routing import routing_decide
from returns.services.households import REGISTRATION_NUMBER_SEQUENCE
from returns.services.monitoring import monitoring_sample_draw

# Households are registered by the demo user of this role at the agency they are routed to.
REGISTRAR_ROLE = User.Role.FIELD_OFFICER


@functools.lru_cache(maxsize=65536)
def _name_index(given, given_local, fathers, fathers_local, family, family_local) -> tuple[str, ...]:
    """The member's search and matching columns (``Member.names_indexed``), once per distinct name: the
    demo draws its names from small lists."""
    return name_index(given=(given, given_local), fathers=(fathers, fathers_local), family=(family, family_local))


@dataclass
class LoadReport:
    households: int = 0
    members: int = 0
    documents: int = 0
    needs: int = 0
    cases: int = 0
    case_events: int = 0
    assistance: int = 0
    verifications: int = 0
    vulnerabilities: int = 0
    monitoring_interviews: int = 0  # drawn for return monitoring today, by the plans in force
    manifests: int = 0  # VRF manifests of the families at verification
    seconds: float = 0.0
    stages: dict = field(default_factory=dict)  # (agency, stage) -> cases

    @property
    def rows(self) -> int:
        return (
            2 * self.households
            + self.members
            + self.documents
            + self.needs
            + self.cases
            + self.case_events
            + self.assistance
            + self.verifications
            + self.vulnerabilities
        )


def demo_caseload_load(
    *,
    households: int,
    reference: ReferenceData,
    users: dict[str, User],
    seed: int | None = None,
    today: datetime.date,
    chunk_size: int = 5000,
    progress: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Generate and COPY ``households`` demo households, each with its agency's case, in one transaction;
    ANALYZE afterwards.

    The registry and case tables are locked against other writers while the ids are assigned, so
    the ids taken from each sequence cannot clash with a registration made meanwhile.
    """
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    caseload = DemoCaseload(rng=rng, reference=reference, today=today)
    dates = caseload.arrival_dates(households)
    staff = demo_staff(users)
    registrar = {agency: roles[REGISTRAR_ROLE].pk for agency, roles in staff.items() if REGISTRAR_ROLE in roles}
    report = LoadReport()
    reasons: dict[str, str] = {}
    needs = {code: str(need.pk) for code, need in reference.specific_needs.items()}

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(registry_tables())} IN EXCLUSIVE MODE")
        ids = {key: Ids(cursor, table(key)) for key in COLUMNS}
        # A separate stream for the cases, so that the households drawn for a seed do not change.
        case_rows = CaseRows(
            rng=random.Random(f"cases-{seed}" if seed is not None else None),  # noqa: S311 - demo data
            today=today,
            staff=staff,
            reference=reference,
            ids=ids,
        )
        case_rows.plan_assignments(dates)
        # The registration number sequence is not tied to a table: reserve the whole range at once.
        cursor.execute(
            "SELECT setval(%s, nextval(%s) + %s - 1) - %s + 1",
            [REGISTRATION_NUMBER_SEQUENCE, REGISTRATION_NUMBER_SEQUENCE, households, households],
        )
        (first_serial,) = cursor.fetchone()
        serial = first_serial

        for chunk_start in range(0, households, chunk_size):
            household_rows, member_rows, document_rows, need_rows, event_rows = [], [], [], [], []
            for arrival in dates[chunk_start : chunk_start + chunk_size]:
                registration = caseload.household(arrival)
                decision = routing_decide(registration, reference=reference)
                household_id = ids["household"].take()
                agency_id = str(decision.agency.pk)
                actor = str(registrar[decision.agency.code])
                reason = reasons.get(decision.reason)
                if reason is None:
                    reason = reasons[decision.reason] = text(decision.reason)
                day = arrival.isoformat()
                created_at = datetime.datetime.combine(
                    arrival, datetime.time(rng.randint(7, 17), rng.randrange(60), rng.randrange(60))
                )
                created = stamp(created_at)
                registration_number = f"{registration.office}-{arrival.year}-{serial:06d}"
                household_rows.append(
                    "\t".join(
                        (
                            str(household_id),
                            str(uuid.uuid4()),
                            registration_number,
                            day,
                            str(reference.offices[registration.office].pk),
                            registration.country_of_departure,
                            registration.return_type,
                            registration.destination_province,
                            registration.destination_district or NULL,
                            registration.phone,
                            actor,
                            agency_id,
                            decision.category,
                            str(decision.rule.pk),
                            str(decision.version),
                            reason,
                            text(json.dumps(decision.facts)),
                            "{" + ",".join(decision.flags) + "}",
                            str(len(registration.members)),
                            created,
                            created,
                            phone_digits(registration.phone),
                        )
                    )
                )
                serial += 1
                event_rows.append(
                    "\t".join(
                        (
                            str(ids["event"].take()),
                            str(household_id),
                            "registered",
                            actor,
                            created,
                            NULL,
                            agency_id,
                            reason,
                        )
                    )
                )
                household_key = str(household_id)
                member_ids, member_public_ids = [], []
                for member in registration.members:
                    member_id = str(ids["member"].take())
                    member_ids.append(member_id)
                    member_public_ids.append(str(uuid.uuid4()))
                    member_rows.append(
                        "\t".join(
                            (
                                member_id,
                                member_public_ids[-1],
                                household_key,
                                member.given_name,
                                member.fathers_name,
                                member.family_name,
                                member.given_name_local,
                                member.fathers_name_local,
                                member.family_name_local,
                                member.sex,
                                member.date_of_birth.isoformat() if member.date_of_birth else NULL,
                                NULL if member.estimated_age is None else str(member.estimated_age),
                                member.relationship,
                                *_name_index(
                                    member.given_name,
                                    member.given_name_local,
                                    member.fathers_name,
                                    member.fathers_name_local,
                                    member.family_name,
                                    member.family_name_local,
                                ),
                            )
                        )
                    )
                    for document in member.documents:
                        document_rows.append(
                            "\t".join(
                                (
                                    str(ids["document"].take()),
                                    member_id,
                                    document.document_type,
                                    document.number,
                                    document.issuing_country,
                                    document.expiry_date.isoformat() if document.expiry_date else NULL,
                                    document_number_normal(document.number),
                                )
                            )
                        )
                    for code in member.specific_needs:
                        need_rows.append(f"{ids['need'].take()}\t{member_id}\t{needs[code]}")
                case_rows.add(
                    household_id=household_id,
                    registration_number=registration_number,
                    registration=registration,
                    agency=decision.agency.code,
                    category=decision.category,
                    agency_id=agency_id,
                    opened_by=actor,
                    created=created_at,
                    member_ids=member_ids,
                    member_public_ids=member_public_ids,
                    report=report,
                )

            report.households += len(household_rows)
            report.members += len(member_rows)
            report.documents += len(document_rows)
            report.needs += len(need_rows)
            report.cases += len(case_rows.rows["case"])
            report.case_events += len(case_rows.rows["case_event"])
            report.assistance += len(case_rows.rows["assistance"])
            report.verifications += len(case_rows.rows["verification"])
            report.vulnerabilities += len(case_rows.rows["need"])
            chunk = {
                "household": household_rows,
                "member": member_rows,
                "document": document_rows,
                "need": need_rows + case_rows.rows["need"],
                "event": event_rows,
                "case": case_rows.rows["case"],
                "case_event": case_rows.rows["case_event"],
                "assistance": case_rows.rows["assistance"],
                "verification": case_rows.rows["verification"],
                "entitlement": case_rows.rows["entitlement"],
            }
            for key, rows in chunk.items():
                copy_rows(cursor, key, rows)
            case_rows.reset()
            report.seconds = time.perf_counter() - started
            if progress:
                progress(report)

        demo_border_counts_load(cursor, seed=seed, today=today, recorded_by=registrar["IOM"])
        if "UNHCR" in staff and REGISTRAR_ROLE in staff["UNHCR"]:
            report.manifests = demo_manifests_load(uploaded_by=staff["UNHCR"][REGISTRAR_ROLE], seed=seed)
        if "UNHCR" in staff and User.Role.CASE_WORKER in staff["UNHCR"]:
            demo_grant_refusals(refused_by=staff["UNHCR"][User.Role.CASE_WORKER])

        for sequence in ids.values():
            sequence.release(cursor)

    with connection.cursor() as cursor:
        for key in COLUMNS:
            cursor.execute(f"ANALYZE {table(key)}")
    # Today's monitoring queue, as the daily draw would have filled it (``returns.tasks``).
    report.monitoring_interviews = sum(monitoring_sample_draw(today=today).values())
    report.seconds = time.perf_counter() - started
    return report


# A few recyclers: people paid the VolRep grant who came back for a second one and were refused.
DEMO_GRANT_REFUSALS = 3


def demo_grant_refusals(*, refused_by: User, count: int = DEMO_GRANT_REFUSALS) -> int:
    """Refusals of a second grant for the first eligible member of the first few cases paid a grant, so
    that the joint report's one-grant-per-person rows are not empty (the service writes them in use)."""
    grants = list(
        Assistance.objects.filter(assistance_type__is_grant=True, approval=Assistance.Approval.APPROVED)
        .order_by("pk")
        .values_list("pk", "case_id", "assistance_type_id")[:count]
    )
    first_eligible = dict(
        MemberEntitlement.objects.filter(
            case_id__in=[case_id for _pk, case_id, _type in grants], decision=MemberEntitlement.Decision.ELIGIBLE
        )
        .order_by("case_id", "member_id")
        .distinct("case_id")
        .values_list("case_id", "member_id")
    )
    refusals = GrantRefusal.objects.bulk_create(
        [
            GrantRefusal(
                case_id=case_id,
                member_id=first_eligible[case_id],
                assistance_type_id=type_id,
                earlier_id=pk,
                refused_by=refused_by,
            )
            for pk, case_id, type_id in grants
            if case_id in first_eligible
        ]
    )
    return len(refusals)

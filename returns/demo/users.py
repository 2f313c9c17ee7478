"""The demo users: one of each role at UNHCR and IOM, a coordinator and an administrator, one password."""

from agencies.models import Agency, DataSharingAgreement, Office, User

DEMO_PASSWORD = "returns-demo-2026"  # noqa: S105 - a published demo password, DEBUG only

# username: (agency code, office code, role, is_superuser)
DEMO_USERS = {
    "unhcr.officer": ("UNHCR", "TKM", User.Role.FIELD_OFFICER, False),
    "unhcr.manager": ("UNHCR", None, User.Role.MANAGER, False),
    "iom.officer": ("IOM", "IQL", User.Role.FIELD_OFFICER, False),
    "iom.manager": ("IOM", None, User.Role.MANAGER, False),
    "unhcr.caseworker": ("UNHCR", "ENG", User.Role.CASE_WORKER, False),
    "iom.caseworker": ("IOM", "TIQ", User.Role.CASE_WORKER, False),
    "coordinator": ("UNHCR", None, User.Role.COORDINATOR, False),
    "admin": (None, None, User.Role.ADMIN, True),
}


def demo_users_ensure(*, password: str = DEMO_PASSWORD) -> dict[str, User]:
    """Create or update the demo users, all with the one demo password."""
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    offices = {office.code: office for office in Office.objects.all()}
    users = {}
    for username, (agency, office, role, superuser) in DEMO_USERS.items():
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "agency": agencies.get(agency),
                "office": offices.get(office),
                "role": role,
                "is_superuser": superuser,
                "is_staff": superuser,
                "is_active": True,
                "email": f"{username}@example.org",
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        users[username] = user
    return users


def demo_staff(users: dict[str, User]) -> dict[str, dict[str, User]]:
    """The demo users by agency and role (``staff["IOM"][User.Role.MANAGER]``): whom the loader lets act."""
    staff: dict[str, dict[str, User]] = {}
    for username, (agency, _office, role, _superuser) in DEMO_USERS.items():
        if agency is not None and username in users:
            staff.setdefault(agency, {}).setdefault(role, users[username])
    return staff


# The demo partner: NRC, with a data-sharing agreement over both agencies' households, so that a key
# issued for it (manage.py issue_api_key NRC ...) syncs something. Its fields are minimised as a real
# agreement's would be: no phone, no documents, no Dari spellings of names.
DEMO_PARTNER = "NRC"
DEMO_AGREEMENT_FIELDS = [
    "household.registration_number",
    "household.arrival_date",
    "household.office",
    "household.country_of_departure",
    "household.return_type",
    "household.destination_province",
    "household.destination_district",
    "household.category",
    "household.members",
    "member.given_name",
    "member.fathers_name",
    "member.family_name",
    "member.sex",
    "member.estimated_age",
    "member.date_of_birth",
    "member.relationship",
    "member.specific_needs",
    "case.case_number",
    "case.stage",
    "case.stage_label",
    "case.outcome",
    "referral.reason",
]


def demo_partner_agreement_ensure(*, today) -> DataSharingAgreement | None:
    """NRC's demo agreement (UNHCR's and IOM's households, from a year before ``today``), unless NRC
    has an active agreement already; None when the reference data has no NRC."""
    partner = Agency.objects.filter(code=DEMO_PARTNER).first()
    if partner is None:
        return None
    agreement = DataSharingAgreement.objects.filter(partner=partner, is_active=True).first()
    if agreement is None:
        agreement = DataSharingAgreement.objects.create(
            partner=partner,
            title="Demo: NRC shelter and protection follow-up of returnees",
            reference="DEMO-NRC-2026",
            fields=DEMO_AGREEMENT_FIELDS,
            valid_from=today.replace(year=today.year - 1, day=1),
        )
        agreement.source_agencies.set(Agency.objects.filter(code__in=("UNHCR", "IOM")))
    return agreement

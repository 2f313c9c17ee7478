"""The demo users: one of each role at UNHCR and IOM, a coordinator and an administrator, one password."""

from agencies.models import Agency, Office, User

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

"""One policy for the joint report: who may generate it, sign it off, and have which edition.

Beside the gate for reading (``Report.objects.readable_by``): a report a user may not read is a 404
before anyone asks here; this module decides what they may *do* with the reports they read.

- Coordinators and administrators generate reports: the coordinators' job is the joint report,
  and an administrator stands in for them.
- A manager of UNHCR or of IOM signs off a draft for their agency, once per agency; when both
  agencies have signed, the draft is final (``reports.services.report_sign_off``).
- Administrators and the staff of UNHCR and IOM have the internal (exact) edition; coordinators
  and partners only the public one, where small cells are suppressed: the issue says
  "Coordinators and partners get only the public edition".

As in ``returns.policy``, each action has a ``may_<action>`` (what pages, templates and the API ask
to show a button or leave it out) and a ``require_<action>`` (what the service calls): the first is
true exactly when the second would not raise.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.problems import Refused
from reports.models import Report
from returns.reference import reference_data

# The agencies whose managers sign the joint report off; the report is final once all have signed.
SIGNING_AGENCIES = ("UNHCR", "IOM")

INTERNAL = "internal"
PUBLIC = "public"
EDITIONS = (INTERNAL, PUBLIC)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _administers(user) -> bool:
    return _active(user) and user.sees_everything


def _agency(user):
    """The user's agency from the cached reference data: no query on every page's navigation."""
    agency_id = getattr(user, "agency_id", None)
    if agency_id is None:
        return None
    return next((agency for agency in reference_data().agencies.values() if agency.pk == agency_id), None)


def _agency_code(user) -> str | None:
    agency = _agency(user)
    return agency.code if agency is not None else None


def _require(refusal: Exception | None) -> None:
    if refusal is not None:
        raise refusal


def may_read_reports(user) -> bool:
    """Whether the reports gate (``Report.objects.readable_by``) lets this user read any report on the
    pages: what the navigation asks before it shows the Reports link. Partners read through the API."""
    if not _active(user) or user.role == User.Role.PARTNER:
        return False
    if user.sees_everything or user.role == User.Role.COORDINATOR:
        return True
    agency = _agency(user)
    return agency is not None and agency.receives_routed_households


def _generate_refusal(user) -> Exception | None:
    if _administers(user) or (_active(user) and user.role == User.Role.COORDINATOR):
        return None
    return PermissionDenied(_("Only a coordinator or an administrator can generate the joint report."))


def may_generate_report(user) -> bool:
    """Generate a report (and see the coordinator's home page): coordinators and administrators."""
    return _generate_refusal(user) is None


def require_generate_report(user) -> None:
    _require(_generate_refusal(user))


def _sign_off_refusal(user, report: Report | None) -> Exception | None:
    if not (_active(user) and user.role == User.Role.MANAGER and _agency_code(user) in SIGNING_AGENCIES):
        return PermissionDenied(_("Only a manager of UNHCR or of IOM can sign off the joint report."))
    if report is None:
        return None
    if report.status != Report.Status.DRAFT:
        return Refused.one(
            "report",
            "not_a_draft",
            _("Only a draft awaiting sign-off can be signed off; this report is “%(status)s”.")
            % {"status": report.get_status_display()},
        )
    # Through ``all()`` so that a prefetched list of sign-offs is used (no query per report on a list).
    if any(sign_off.agency_id == user.agency_id for sign_off in report.sign_offs.all()):
        return Refused.one(
            "report",
            "already_signed",
            _("%(agency)s has already signed off this version: the other agency's manager signs next.")
            % {"agency": _agency_code(user)},
        )
    return None


def may_sign_off(user, report: Report) -> bool:
    """A manager of UNHCR or of IOM, the report a draft, their agency not signed yet."""
    return _sign_off_refusal(user, report) is None


def require_sign_off(user, report: Report | None = None) -> None:
    """Without the report: the role only (before anything is read); with the locked report: everything."""
    _require(_sign_off_refusal(user, report))


def report_edition(user) -> str:
    """The edition a user may have: ``internal`` for administrators and the staff of UNHCR and IOM,
    ``public`` for everyone else who reads reports (coordinators and partners)."""
    if _administers(user):
        return INTERNAL
    staff = _active(user) and user.role not in (User.Role.COORDINATOR, User.Role.PARTNER)
    if staff and _agency_code(user) in SIGNING_AGENCIES:
        return INTERNAL
    return PUBLIC


def may_have_edition(user, edition: str) -> bool:
    """Whoever has the internal edition may also have the public one; the public edition is for all readers."""
    if edition == PUBLIC:
        return True
    return edition == INTERNAL and report_edition(user) == INTERNAL


def may_download(user, report: Report, edition: str) -> bool:
    """Download ``edition`` of a report the user reads (through the gate): once it is computed, and
    only an edition they may have."""
    return _active(user) and report.is_computed and edition in EDITIONS and may_have_edition(user, edition)

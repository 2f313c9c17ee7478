"""Synthetic demo data: the demo users and a realistic caseload, loaded with PostgreSQL COPY.

Nothing here runs in production: ``manage.py seed_demo`` refuses to run unless DEBUG is on.

- ``users``: the demo users, one password.
- ``names``, ``population``: who arrives, from where, going where (docs/DOMAIN.md, "Scale").
- ``households``: arriving households drawn as ``HouseholdRegistration`` objects, then routed by
  the real routing rules (``routing_decide``), so the demo shows what the system would decide.
- ``cases``: where each household's case stands today, walked through its agency's ``Workflow``
  (stages, transitions and outcomes come from ``returns.workflows``, never restated here).
- ``case_rows``: the rows each case writes, replaying each transition's guards and effects, with
  the services' own assistance rules (``returns.assistance_rules``).
- ``tables``, ``loader``: COPY with ids reserved from each table's sequence, in one transaction,
  so a million people load in about a minute rather than the hours ``save()`` would take.
"""

from returns.demo.households import DemoCaseload
from returns.demo.loader import LoadReport, demo_caseload_load
from returns.demo.tables import case_tables, registry_clear, registry_tables
from returns.demo.users import DEMO_PARTNER, DEMO_PASSWORD, DEMO_USERS, demo_partner_agreement_ensure, demo_users_ensure

__all__ = [
    "DEMO_PARTNER",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DemoCaseload",
    "LoadReport",
    "case_tables",
    "demo_caseload_load",
    "demo_partner_agreement_ensure",
    "demo_users_ensure",
    "registry_clear",
    "registry_tables",
]

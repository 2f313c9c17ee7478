"""The groups of roles, named once. Who may do what with them is ``returns.policy``'s to say.

A workflow's transitions name one of these groups as the roles that may fire them; the action
policy, the pages and the API speak of the same groups, so a role joins or leaves a group here and
nowhere else.
"""

from agencies.models.organisation import User

Role = User.Role

# An agency's staff who hold cases: they move them along, record assistance, make and answer referrals.
CASE_STAFF = frozenset({Role.FIELD_OFFICER, Role.CASE_WORKER, Role.MANAGER})
# The case workers and their managers: the later stages of a workflow, the second person on cash.
CASE_WORKERS = frozenset({Role.CASE_WORKER, Role.MANAGER})
# Who assigns cases, approves cash above the agency's limit, re-routes, deletes and merges households.
MANAGERS = frozenset({Role.MANAGER})
# Who registers households and corrects their contact details: staff, administrators, partners' keys.
REGISTERING = CASE_STAFF | {Role.ADMIN, Role.PARTNER}
# Who answers a referral addressed to their organisation: its case staff, or a partner's key.
REFERRAL_ANSWERING = CASE_STAFF | {Role.PARTNER}

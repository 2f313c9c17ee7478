"""Web pages: ``households`` (register, list, detail, re-route) and ``cases`` (my cases, caseload,
case page, referrals inbox)."""

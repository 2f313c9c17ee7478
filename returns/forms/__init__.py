"""Forms of the web pages: ``households`` (registration, re-routing) and ``cases`` (transitions,
assistance, referrals, assignment)."""

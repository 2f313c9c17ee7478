"""Every write of the returnee's journey: ``households`` (registration, re-routing, merge) and
``cases`` (workflow transitions, assistance, referrals)."""

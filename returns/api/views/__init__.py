"""API views: ``households`` and ``cases`` (with assistance and referrals)."""

"""API serializers: ``households`` and ``cases`` (with assistance and referrals)."""

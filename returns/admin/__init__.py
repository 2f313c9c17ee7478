"""Admin of the registry (code lists, rule sets, households), of the cases, the border counts and return monitoring."""

from returns.admin import cases, counts, households, monitoring

__all__ = ["cases", "counts", "households", "monitoring"]

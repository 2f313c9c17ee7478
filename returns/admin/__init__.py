"""Admin of the registry (code lists, rule sets, households), of the cases and of the border counts."""

from returns.admin import cases, counts, households

__all__ = ["cases", "counts", "households"]

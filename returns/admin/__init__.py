"""Admin of the registry (code lists, rule sets, households) and of the cases."""

from returns.admin import cases, households

__all__ = ["cases", "households"]

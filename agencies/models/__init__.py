"""The agencies app's models: who works in the operation, and the cases they take through workflows."""

from agencies.models.organisation import Agency, Country, District, Office, Province, StaffUserManager, User

__all__ = ["Agency", "Country", "District", "Office", "Province", "StaffUserManager", "User"]

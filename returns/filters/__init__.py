"""Filters shared by pages and the API: ``households`` and ``cases``."""

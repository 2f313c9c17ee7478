"""Settings for the benchmark server only: the production settings plus the bare DRF endpoint.

The app's own URLconf never exposes ``bench/bare/``; only ``DJANGO_SETTINGS_MODULE=bench.settings``
(set by ``python -m bench``) does.
"""

import os
import tempfile
import warnings
from pathlib import Path

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# ``python -m bench`` runs collectstatic here, as a deployment would: the pages need the manifest.
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", Path(tempfile.gettempdir()) / "returns-bench-static"))
# Before collectstatic has run, WhiteNoise would warn in every worker.
warnings.filterwarnings("ignore", message="No directory at")

# The benchmark server speaks plain HTTP on the loopback, and its sessions are made with
# force_login: no redirect to HTTPS, no second factor asked of its managers.
SECURE_SSL_REDIRECT = False
OTP_REQUIRED_ROLES = []

"""The production settings (DEBUG off) pass Django's deployment checks, and are as secure as we say."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def production_environment(**overrides) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
            "DJANGO_ALLOWED_HOSTS": "example.org",
        }
        | overrides
    )
    return env


def production_settings(*names: str, **overrides) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}, default=str))"
    )
    completed = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=production_environment(**overrides),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def test_check_deploy_finds_no_issue_with_the_production_settings():
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 0, completed.stderr + completed.stdout
    assert completed.stdout.strip() == "System check identified no issues (1 silenced)."


def test_production_is_https_only_with_hsts_for_a_year():
    assert production_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "OTP_REQUIRED_ROLES",
        "PASSWORD_HASHERS",
    ) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "OTP_REQUIRED_ROLES": ["manager", "admin"],
        "PASSWORD_HASHERS": [
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
            "django.contrib.auth.hashers.ScryptPasswordHasher",
        ],
    }


def test_preloading_is_a_choice_and_then_the_check_is_not_silenced():
    assert production_settings("SECURE_HSTS_PRELOAD", "SILENCED_SYSTEM_CHECKS", DJANGO_SECURE_HSTS_PRELOAD="1") == {
        "SECURE_HSTS_PRELOAD": True,
        "SILENCED_SYSTEM_CHECKS": [],
    }


def test_on_a_developers_machine_nobody_must_use_two_factor_unless_asked():
    assert production_settings("OTP_REQUIRED_ROLES", "SECURE_SSL_REDIRECT", DJANGO_DEBUG="1") == {
        "OTP_REQUIRED_ROLES": [],
        "SECURE_SSL_REDIRECT": False,
    }
    assert production_settings("OTP_REQUIRED_ROLES", DJANGO_DEBUG="1", DJANGO_OTP_REQUIRED="1") == {
        "OTP_REQUIRED_ROLES": ["manager", "admin"]
    }

"""Settings, read from the environment. Safe production defaults; see .env.example."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.embedded_db import embedded_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Required in production: left empty, Django refuses to sign anything (sessions, CSRF) and says so,
# while commands that sign nothing (migrations, checks) still run.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "development-only-secret-key-not-for-production"  # noqa: S105 - DEBUG only
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc, served from our own static files
    "agencies",
    "returns",
    "reports",
]

MIDDLEWARE = [
    # First: every later middleware's log lines carry the request's id (agencies/request_log.py).
    "agencies.request_log.RequestLogMiddleware",
    # After a write, remember where the primary stood, so that the writer's replica reads wait for it.
    "agencies.replica.ReplicaLagMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The person's own language and calendar, once we know who they are.
    "agencies.middleware.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "agencies.sessions.SessionTimeoutMiddleware",
    "agencies.middleware.LoginRequiredMiddleware",
    "agencies.two_factor.TwoFactorRequiredMiddleware",
    "agencies.middleware.RequestSizeLimitMiddleware",
    "agencies.access_log.AccessLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the "locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
            ],
            # Dates in the reader's calendar, in every template (agencies/templatetags/calendar_dates.py).
            "builtins": ["agencies.templatetags.calendar_dates"],
        },
    },
]

# PostgreSQL everywhere: DATABASE_URL, or the embedded development server when it is unset. Only its
# URL is computed here, so that importing the settings starts nothing; the entry points that connect
# (manage.py, the test run, make worker/beat) start it (config/embedded_db.py).
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded_database_url()
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection is checked before each request: after a database restart the app reconnects.
        conn_health_checks=True,
    )
}
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DATABASE_TEST_NAME", "test_returns")}
# A streaming replica of that database, for the long reads (the joint report, exports, dashboards):
# agencies/replica.py. Unset: everything reads the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["agencies.replica.ReplicaRouter"]
# Reads go to the primary while the replica is further behind than this...
DATABASE_REPLICA_MAX_LAG_SECONDS = int(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "30"))
# ...and for a user who changed something, until the replica has replayed it (at most this long).
DATABASE_REPLICA_PIN_SECONDS = int(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "300"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
# django-axes first: it refuses a locked-out username or address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the coordinator lands on the joint report, everyone else on the households
LOGOUT_REDIRECT_URL = "login"
# Argon2 for new passwords; older hashes still verify and are upgraded at the next log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT
# after log-in whatever happens (agencies/sessions.py).
SESSION_IDLE_TIMEOUT = int(os.environ.get("DJANGO_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("DJANGO_SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60)))
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT

# Failed log-ins (django-axes; agencies/login_attempts.py): a username is locked after
# AXES_FAILURE_LIMIT failures, an address after LOGIN_ADDRESS_FAILURE_LIMIT across usernames.
AXES_HANDLER = "agencies.login_attempts.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURES_PER_USER", "10"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURES_PER_ADDRESS", "50"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_CLIENT_IP_CALLABLE = "agencies.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "agencies.login_attempts.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = False  # a success must not wipe an address's failures with other usernames
AXES_VERBOSE = False

# Two-factor authentication (agencies/two_factor.py): the roles that must use it. On a developer's
# machine (DEBUG) nobody must, so that the demo users log in with a password, unless DJANGO_OTP_REQUIRED=1.
OTP_REQUIRED_ROLES = (
    env_list("DJANGO_OTP_REQUIRED_ROLES", "manager,admin") if (not DEBUG or env_bool("DJANGO_OTP_REQUIRED")) else []
)
OTP_TOTP_ISSUER = os.environ.get("DJANGO_OTP_ISSUER", "Returns")
# The admin lists and deletes people's devices (a lost phone) but never shows their secrets or codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Staff API tokens (agencies/staff_tokens.py) expire after this many days unless issued otherwise.
STAFF_TOKEN_DAYS = int(os.environ.get("DJANGO_STAFF_TOKEN_DAYS", "90"))
# Wrong API tokens or keys from one address before it gets 429 for the rest of the window (seconds).
API_AUTH_FAILURES_PER_ADDRESS = int(os.environ.get("DJANGO_API_AUTH_FAILURES_PER_ADDRESS", "100"))
API_AUTH_FAILURE_WINDOW = int(os.environ.get("DJANGO_API_AUTH_FAILURE_WINDOW", "600"))

# A shared cache (Redis) in production, so that API throttling counts across processes.
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Requests per staff user (partners' keys carry their own rate); "" turns the limit off.
API_STAFF_RATE = os.environ.get("DJANGO_API_STAFF_RATE", "6000/min") or None

# Internationalisation: English, Dari and Pashto (both written right to left). Times in UTC.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fa", _("Dari")), ("ps", _("Pashto"))]
LANGUAGES_BIDI = ["fa", "ps", "ar", "he", "ur"]
# Ours first, then Django's own messages (validation, login, pagination, the admin) in Afghan Dari and
# Pashto: Django ships Iranian Persian and no Pashto (django_locale/, scripts/django-strings).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "django_locale"]
TIME_ZONE = "Asia/Kabul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")  # where collectstatic writes
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # Compressing every file (gzip and Brotli, served to the field offices' slow links) makes
            # collectstatic take a minute and a half here: DJANGO_STATIC_COMPRESS=0 skips it (tests).
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_COMPRESS", True)
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
    },
}

# Security. Every asset is served by the app itself, so the policy allows only 'self'.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# In production (DEBUG off) everything is HTTPS: redirect, secure cookies, HSTS for a year.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # the load balancer's checks speak plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading binds the whole parent domain and every subdomain for months, and is asked for at
# hstspreload.org by whoever owns that domain: their decision, so off unless set, and the deploy
# check's reminder about it (W021) is silenced only while it is off.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind our own TLS-terminating proxy: trust its X-Forwarded-Proto, and take the client's address
# from X-Forwarded-For, DJANGO_PROXY_COUNT entries from the right (agencies/client_address.py).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.authentication.ApiKeyAuthentication",
        "agencies.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "agencies.api.access.ScopeRequired"],
    "DEFAULT_THROTTLE_CLASSES": ["agencies.api.access.ApiKeyRateThrottle", "agencies.api.access.StaffRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "agencies.api.errors.api_exception_handler",
    # JSON bodies only, bounded in size and depth: anything else is a 4xx problem (agencies.api.parsers).
    "DEFAULT_PARSER_CLASSES": ["agencies.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Returns API",
    "DESCRIPTION": "Registration and routing of households returning to Afghanistan.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Error responses are RFC 9457 problems: documented as application/problem+json (agencies.api.errors).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "agencies.api.errors.problem_responses_in_schema",
    ],
    # Swagger UI (/api/docs/) and ReDoc (/api/redoc/) from drf-spectacular-sidecar's files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online validator badge: it would send the schema's address to a third party.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Retention: the personal data of a household whose cases all closed (or that was withdrawn) this many
# days ago is anonymised by the nightly job (returns.services.retention); the figures stay.
RETENTION_CLOSED_CASE_DAYS = int(os.environ.get("RETENTION_CLOSED_CASE_DAYS", str(5 * 365)))

# The access log (agencies.access_log): every read, export and change of personal records. Only
# ``make bench`` turns it off, to measure what it costs; the deploy check warns when it is off.
ACCESS_LOG_ENABLED = env_bool("DJANGO_ACCESS_LOG", True)

# Celery: with no broker, tasks run in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A worker started before its broker (make prod starts them together) waits for it rather than exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that sends a task while the broker is away waits at most about a second, then goes on
# (agencies/queueing.py): the work stays queued in the database and is sent again later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Workers log through LOGGING below (JSON lines with the request's id), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None  # e.g. redis://127.0.0.1:6379/1
# Three queues, so that a long job never holds up an email and a burst of emails never holds up a
# report: the default one (the daily checks, the hourly search of new registrations), the heavy one
# (the joint report, the search of the whole registry for duplicates, imports: a worker of its own,
# one job at a time) and the notifications' (emails: quick, retried). The Procfile starts a worker
# for each. Their names are settings so that two deployments can share one broker.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE_DEFAULT", "default")
CELERY_QUEUE_HEAVY = os.environ.get("CELERY_QUEUE_HEAVY", "heavy")
CELERY_QUEUE_NOTIFICATIONS = os.environ.get("CELERY_QUEUE_NOTIFICATIONS", "notifications")
CELERY_TASK_ROUTES = {
    "reports.tasks.report_compute_task": {"queue": CELERY_QUEUE_HEAVY},
    "returns.tasks.find_duplicates": {"queue": CELERY_QUEUE_HEAVY},
    "returns.tasks.import_households": {"queue": CELERY_QUEUE_HEAVY},
    "returns.tasks.export_run": {"queue": CELERY_QUEUE_HEAVY},
    "returns.tasks.notify_overdue_cases": {"queue": CELERY_QUEUE_NOTIFICATIONS},
    "returns.tasks.notify_overdue_referrals": {"queue": CELERY_QUEUE_NOTIFICATIONS},
}

_email_backend = os.environ.get(
    "DJANGO_EMAIL_BACKEND", f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend"
)
# A mailer refuses options its backend does not know: a host is for SMTP, a directory for files.
_email_options = {}
if _email_backend.endswith(".smtp.EmailBackend"):
    _email_options["host"] = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
if _email_backend.endswith(".filebased.EmailBackend"):
    _email_options["file_path"] = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "returns@localhost")

# Logs go to standard output, one JSON object a line in production (DJANGO_LOG_FORMAT=json, the
# default when DEBUG is off), each with the request's id (agencies/request_log.py); plain text on a
# developer's machine. The process manager or the container runtime collects them.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "agencies.request_log.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # in UTC, ISO 8601
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of every PDF (and of its own stylesheets, when imported) at INFO;
    # fontTools each font it subsets; django-axes every successful log-in: only their warnings
    # (for axes: failed log-ins and lockouts) are worth a line in the log. The development server
    # logs each request itself; ours (returns.requests) says the same with the request's id.
    "loggers": {
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "axes")},
        "django.server": {"level": "WARNING"},
        "returns.requests": {"level": os.environ.get("DJANGO_REQUEST_LOG_LEVEL", "INFO")},
    },
}

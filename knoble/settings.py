"""The one settings module, configured entirely by environment variables (see README)."""

from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.urls import reverse_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# Lets the generic classes of the type stubs (ModelAdmin[Model], QuerySet[Model]) work at run time.
django_stubs_ext.monkeypatch()

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Required outside DEBUG: a missing key must stop the process, not fall back to a known value.
SECRET_KEY = (
    env.str("DJANGO_SECRET_KEY") if not DEBUG else env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key")
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "django_countries",
    "simple_history",
    "csp",
    "core",
    "knoble",
    "translations",
    "personas",
    "members",
    "sharing",
    "roadmap",
    "ecosystem",
    "outcomes",
    "initiatives",
    "voice",
    "spaces",
    "engagement",
    "campaigns",
    "directory",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ClientInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (the switcher's cookie) and before CommonMiddleware (which may redirect): the browser's
    # language; members.middleware.MemberLanguageMiddleware then applies the member's own choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "members.middleware.MemberLanguageMiddleware",
    "members.middleware.MembershipGateMiddleware",
]

ROOT_URLCONF = "knoble.urls"
WSGI_APPLICATION = "knoble.wsgi.application"

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
                "knoble.context_processors.navigation",
                "initiatives.context_processors.notifications",
            ],
            # Extension points: a lower app's page shows something of a higher app through a library loaded by
            # a neutral name, so that its template never names the higher app (docs/ARCHITECTURE.md).
            "libraries": {
                "related_work": "initiatives.related_work",
                "field_outcomes": "outcomes.field_outcomes",
                "evidence": "voice.evidence",
                "email_digest": "campaigns.digest_settings",
            },
        },
    },
]
# Django's form renderer, with its commonest templates (selects, inputs, labels) written in Python: the same HTML.
FORM_RENDERER = "core.form_rendering.PortalFormRenderer"

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'knoble.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web server and the Celery worker write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
# PostgreSQL: parameters bound by the server rather than quoted into the SQL, and a statement that a connection has
# run five times prepared, so that PostgreSQL parses and plans each page's queries once per connection rather than
# on every request (docs/PERFORMANCE.md). Django's default, off, suits a pooler in transaction mode that cannot
# keep prepared statements: DATABASE_PREPARED_STATEMENTS=false.
POSTGRESQL_OPTIONS: dict[str, Any] = (
    {"server_side_binding": True, "prepare_threshold": 5}
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
    else {}
)
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = POSTGRESQL_OPTIONS
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL read replica for the dashboards and the staff exports (core.db_routers, docs/PERFORMANCE.md): only
# when DATABASE_REPLICA_URL is set; without it there is one database and nothing is routed. In tests the replica
# is the primary's test database seen through a second connection.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
KNOBLE_READ_REPLICA = bool(DATABASE_REPLICA_URL)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["OPTIONS"] = POSTGRESQL_OPTIONS
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_routers.ReplicaRouter"]
# Lets two suites share one PostgreSQL server; SQLite test databases stay in memory.
test_db_name = env.str("DJANGO_TEST_DB_NAME", default="")
if test_db_name and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": test_db_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by every process of the embedded setup, so login rate limits hold.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.str("DJANGO_CACHE_DIR", default=str(VAR_DIR / "cache")),
        }
    }

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, loading the member's status with the user (members.access reads it each request).
    "members.backends.ModelBackend",
    "members.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = reverse_lazy("account_login")
LOGIN_REDIRECT_URL = "/"

# allauth: e-mail is the login, verification is mandatory, enumeration is prevented.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "members.forms.SignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Knoble] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("KNOBLE_LOGIN_FAILED_RATE", default="10/m/ip,5/5m/key"),
    # Every sign-in, per client address; the load test raises it because all its users share 127.0.0.1.
    "login": env.str("KNOBLE_LOGIN_RATE", default="30/m/ip"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "The Knoble"
# Recording last-seen would cost a write on every request; the session list shows sign-in time and IP.
USERSESSIONS_TRACK_ACTIVITY = False
# Staff and leadership must enrol in MFA before using their pages; the embedded demo turns it off.
KNOBLE_REQUIRE_MFA = env.bool("KNOBLE_REQUIRE_MFA", default=True)
# The load test's capacity reference (`python -m bench.loadtest --capacity`): a minimal page behind the same
# middleware, session and authentication as every member page. Never set in a deployment.
KNOBLE_BENCH_FLOOR = env.bool("KNOBLE_BENCH_FLOOR", default=False)

LANGUAGE_CODE = "en-gb"
# The member's profile language, else the browser's (Accept-Language), else English. URLs carry no prefix.
# Each language's name is written in that language, so that a reader finds their own in the switcher.
LANGUAGES = [("en-gb", "English"), ("es", "Español"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed names need `collectstatic`; DEBUG and the test suite serve the sources directly.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
# Uploaded files (the spaces' documents): never served by URL, only through the spaces' permission-checked view.
MEDIA_ROOT = env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
SPACES_MAX_UPLOAD_BYTES = env.int("SPACES_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="The Knoble <portal@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/ (no server).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = Path(env.str("KNOBLE_BROKER_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    # The filesystem transport has no broadcast, so remote control cannot work over it.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# Engagement campaigns (README: "Engagement campaigns").
KNOBLE_CAMPAIGN_CONTACT_BUDGET = env.int("KNOBLE_CAMPAIGN_CONTACT_BUDGET", default=3)  # messages per member per 7 days
KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS = env.int("KNOBLE_CAMPAIGN_SEND_LEASE_SECONDS", default=600)
KNOBLE_CAMPAIGN_CHUNK_SIZE = env.int("KNOBLE_CAMPAIGN_CHUNK_SIZE", default=100)
# A message the mail server refuses for now (4xx, e.g. greylisting) is offered again after each of these delays in
# turn (the last repeats), until the horizon after it was due; then it fails.
KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS = env.list(
    "KNOBLE_CAMPAIGN_RETRY_DELAYS_SECONDS", cast=int, default=[5 * 60, 15 * 60, 30 * 60, 60 * 60]
)
KNOBLE_CAMPAIGN_RETRY_HORIZON_SECONDS = env.int("KNOBLE_CAMPAIGN_RETRY_HORIZON_SECONDS", default=2 * 24 * 60 * 60)

# How many reverse proxies of our own stand in front of the portal: only their X-Forwarded-For entries are
# believed for the client's address (README: "API errors, limits and proxies"). 0: none, use the peer address.
KNOBLE_TRUSTED_PROXY_COUNT = env.int("KNOBLE_TRUSTED_PROXY_COUNT", default=0)

# Bounces (README "Bounces"): the VERP base address ("" sends campaigns from the plain sender), the mailbox
# its notifications land in (imap[s]:// or pop3[s]://user:password@host[:port][/folder]; "" reads none), and
# how many soft bounces within how many days make an address undeliverable.
KNOBLE_BOUNCE_ADDRESS = env.str("KNOBLE_BOUNCE_ADDRESS", default="")
KNOBLE_BOUNCE_MAILBOX_URL = env.str("KNOBLE_BOUNCE_MAILBOX_URL", default="")
KNOBLE_BOUNCE_SOFT_LIMIT = env.int("KNOBLE_BOUNCE_SOFT_LIMIT", default=3)
KNOBLE_BOUNCE_SOFT_WINDOW_DAYS = env.int("KNOBLE_BOUNCE_SOFT_WINDOW_DAYS", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that an anonymous call is told "401, send a Bearer token" rather than "403".
        "members.api_auth.ApiTokenAuthentication",
        "members.api_auth.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.KnobleAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api_limits.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api_base.ApiFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "core.api_base.api_exception_handler",
    # JSON in, JSON out: one request format keeps the contract (and its schema) small.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api_limits.AnonRateThrottle",
        "core.api_limits.UserRateThrottle",
        "core.api_limits.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "token": env.str("API_THROTTLE_TOKEN", default="600/minute"),
        "activity_batch": env.str("API_THROTTLE_ACTIVITY_BATCH", default="120/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Knoble Portal API",
    "DESCRIPTION": "Personas, roadmap, initiatives, activity and engagement of The Knoble's member portal.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components, so that read-only fields are never demanded of a client.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SectorEnum": "personas.models.Sector.choices",
        "MemberStatusEnum": "members.models.MemberStatus.choices",
        "OpportunityStatusEnum": "roadmap.models.OpportunityStatus.choices",
        "RoadmapItemStatusEnum": "roadmap.models.ItemStatus.choices",
        "InitiativeStatusEnum": "initiatives.models.InitiativeStatus.choices",
        "ParticipationStatusEnum": "initiatives.models.ParticipationStatus.choices",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus.choices",
        "DeliveryStatusEnum": "campaigns.models.DeliveryStatus.choices",
        "AccessChannelEnum": "sharing.models.Channel.choices",
        "CampaignChannelEnum": "campaigns.models.Channel.choices",
        "TlpLabelEnum": "sharing.models.Label.choices",
        "RedFlagReviewStateEnum": "ecosystem.models.ReviewState.choices",
    },
}

# Security: everything that `check --deploy` asks for follows DEBUG, overridable per deployment.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "core.error_pages.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis, or the file cache without it) and written through to the database,
# which keeps them when the cache is emptied: a page costs no session query (docs/PERFORMANCE.md).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The demo password used by seed_demo for the three demo logins.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="knoble-demo")

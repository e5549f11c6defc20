"""OSE Platform settings: one module, everything read from the environment.

Every variable is listed in README.md. A `.env` file beside manage.py is read
when present; real environment variables win over it.
"""

import copy
import logging
import zoneinfo
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.logging import JSON_FORMATTER

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    # daphne first: its runserver serves HTTP and websockets in development. It is a
    # development dependency (".[dev]"); production serves with gunicorn and uvicorn.
    *(["daphne"] if find_spec("daphne") else []),
    # The admin site whose has_permission asks for the second factor (staff/admin_site.py).
    "staff.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "axes",
    # A second factor for staff (TOTP authenticators): accounts/services/mfa.py.
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The database task queue (TASK_BACKEND=database): its table and `db_worker`.
    "django_tasks_db",
    "config",
    "accounts",
    "zakat",
    "campaigns",
    "loans",
    # Before staff: the role sync after migrate (staff/apps.py) gives roles the
    # `distribution.view_*` permissions, which must exist by then.
    "distribution",
    # Before staff: staff's post_migrate fills the role groups with every app's
    # view permissions, so those must exist by then.
    "payouts",
    "giving",
    "staff",
    "reports",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    # Request latency, status and query counts by route (only with METRICS_TOKEN).
    "config.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "config.middleware.GZipMiddleware",
    # /api/v1/health and /api/v1/health/ready answer internal probes (Host 127.0.0.1,
    # plain HTTP) before host validation: those two paths only. The middleware above
    # still apply (headers, CORS); SECURE_REDIRECT_EXEMPT spares them the redirect.
    "config.middleware.HealthProbeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: the language comes from the django_language
    # cookie (the switcher), else Accept-Language, else LANGUAGE_CODE. Paths carry
    # no language prefix (no i18n_patterns): bookmarks stay the same.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): was the second factor given in this session?
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, so it can replace any sign-in answer with the lockout answer.
    "axes.middleware.AxesMiddleware",
]

# BENCH_BASELINES=1 (benchmarks only) adds the bare-Django baseline views of bench/.
ROOT_URLCONF = "bench.urls" if env.bool("BENCH_BASELINES", default=False) else "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue
    # instead of failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    # A database that does not answer costs a connection attempt at most this many
    # seconds (libpq's connect_timeout; unset it waits forever). The pool's own
    # reconnection attempts are bounded by it too.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
    )
    # Connections are reused unless told otherwise: a new PostgreSQL connection
    # per request served the same views 2-4x slower (docs/deploy.md). Two ways to
    # reuse them (Django refuses both at once):
    # - DB_POOL_MAX_SIZE > 0: Django's psycopg pool, at most that many connections
    #   per process. Unset with DEBUG off, a pool of DB_POOL_DEFAULT_MAX_SIZE, so
    #   every way of starting a process (gunicorn with or without config/gunicorn.py,
    #   uvicorn, db_worker) keeps its connections. A process opens only as many as
    #   it has threads using the database at once: one per sync gunicorn worker and
    #   per task worker, up to the maximum under uvicorn (one thread per request).
    # - DB_POOL_MAX_SIZE=0: no pool; CONN_MAX_AGE then keeps one connection per
    #   thread (default 0: a new one per request, as in development and the tests'
    #   concurrency checks; `check --deploy` warns about it, config.W001).
    DB_POOL_DEFAULT_MAX_SIZE = 4
    DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=0 if DEBUG else DB_POOL_DEFAULT_MAX_SIZE)
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DB_POOL_MIN_SIZE", default=1), DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            # Waiting longer than this for a free connection raises (a 500),
            # instead of queueing forever behind a stuck request.
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Read replicas (config/replicas.py): a comma list of streaming replicas of
# DATABASE_URL. Safe reads of web requests go to one of them; writes, reads in a
# transaction and the reads of a user who wrote in the last REPLICA_STICKY_SECONDS
# go to the primary. Each replica gets the primary's connection settings.
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=5)
DATABASE_REPLICAS: list[str] = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _replica = environ.Env.db_url_config(_url)
    for _setting in ("OPTIONS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if _setting in DATABASES["default"]:
            _replica[_setting] = copy.deepcopy(DATABASES["default"][_setting])
    # The test runner makes no database of its own for a replica.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica_{_number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "config.replicas.ReplicaRoutingMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The health probes (config/health.py) wait at most this long (seconds) for a
# pooled connection and for the database's answer, then say 503.
HEALTH_TIMEOUT = env.float("HEALTH_TIMEOUT", default=1.5)

# --- Redis-backed services (optional) ---------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# A Redis that is down or hung costs at most these (seconds) per call, once per
# REDIS_RETRY_SECONDS: then the cache answers "miss" without asking, throttles
# count per process and the lockout counts in the database (config/cache.py).
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.25)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5.0)

# Channel layer on Redis: "pubsub" (channels_redis.pubsub, chosen by measurement:
# docs/benchmarks.md) or "core" (channels_redis.core, per-channel lists).
CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
_CHANNEL_LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
if CHANNEL_LAYER not in _CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured("CHANNEL_LAYER must be 'pubsub' or 'core'.")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": _CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER],
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # Without Redis the memory cache is per process: rate limits would split per
    # process, so config/gunicorn.py refuses more than one worker, and the sign-in
    # lockout counts in the database (config.security.LockoutHandler).

# Page fragments that depend only on the language and the code (the header's
# links, the footer): rendered once per process and language, never stale (a
# deploy restarts the processes), kept in memory because a round trip to Redis
# would cost about what rendering them does.
CACHES["templates"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "templates",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# --- Background tasks (django.tasks) -----------------------------------------------
# "immediate": run in the request's process right after commit (one process,
# development and tests). "database": django-tasks-db queues each task as a row
# in PostgreSQL and `manage.py db_worker` (`make worker`) runs them; the default
# as soon as REDIS_URL says we run as many processes. See docs/deploy.md.
TASK_BACKEND = env.str("TASK_BACKEND", default="database" if REDIS_URL else "immediate")
if TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured("TASK_BACKEND must be 'immediate' or 'database'.")

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in lockout (API, pages and admin alike): the sixth failure in a row for one
# email from one address locks that pair out for 15 minutes, counted where every
# web process sees the same count: Redis, or the database without Redis or while
# Redis does not answer (config.security.LockoutHandler).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = 6
AXES_LOCK_OUT_AT_FAILURE = True
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
# Exactly 15 minutes from the lockout: retries while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "config.security.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_USERNAME_CALLABLE = "config.security.login_username"
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_VERBOSE = False
# No AccessLog row per sign-in (the cache handler never wrote one; the database
# handler counts failures without it). Sign-ins are in the JSON logs.
AXES_DISABLE_ACCESS_LOG = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ------------------------------------------------------
# English is the default (no cookie and no Accept-Language: English); Arabic is
# right to left (templates read get_current_language_bidi). Translations live in
# locale/<lang>/LC_MESSAGES/django.po with the compiled .mo committed beside it
# (docs/architecture.md, "Translations").
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Money keeps Western digits, "." for decimals and "," for thousands in every
# language (config/formats/ar); month and day names follow the language.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Uploaded media (campaign covers) -------------------------------------------------
# Public files people upload, re-encoded before they are stored (campaigns/images.py).
# In development Django serves them (SERVE_MEDIA, on with DEBUG); in production the
# web server or a CDN does (docs/deploy.md).
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
# The largest campaign cover accepted, in bytes, and the most pixels Pillow may
# decode (a decompression bomb is refused before it is expanded).
COVER_MAX_BYTES = env.int("COVER_MAX_BYTES", default=5 * 1024 * 1024)
COVER_MAX_PIXELS = env.int("COVER_MAX_PIXELS", default=40_000_000)

# --- E-mail --------------------------------------------------------------------
# EMAIL_URL (smtp://user:pass@host:587/?tls=True, consolemail://, filemail:///path,
# memorymail://) becomes Django's MAILERS["default"].
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _email_options = {k: v for k, v in _email_options.items() if v not in (None, "")}
elif _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # django-environ drops the leading "/" of filemail:///abs/path; put it back.
    _email_options = {"file_path": "/" + _email.get("EMAIL_FILE_PATH", "").lstrip("/")}
else:
    _email_options = {}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OSE Platform <no-reply@ose.example>")

# --- Security ----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis with REDIS_URL) and written through to
# the database: a signed-in page costs no session query, and a cache that is
# flushed or down loses nobody's session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = False  # the site's own JS reads it for API calls

# HTTPS=1 in production switches on every HTTPS-only protection at once.
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Orchestrators probe health over plain HTTP from inside (config.health).
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health(/ready)?$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Scripts, styles, images and connections from our own origin only: no inline
# code, no CDN. The API docs pages loosen this for themselves alone.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- CORS ------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "X-Process-Time", "Retry-After"]
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-csrftoken",
    "x-request-id",
]

# --- REST API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, telling the user whether the token carries the second factor.
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["config.api.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.negotiation.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["config.api.filters.FilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.AnonThrottle",
        "config.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/minute"),
        "user_burst": env.str("THROTTLE_USER_BURST", default="100/minute"),
        "user_sustained": env.str("THROTTLE_USER_SUSTAINED", default="1000/hour"),
        # The password reset page: per client address and per e-mail address.
        "password_reset_address": env.str("THROTTLE_PASSWORD_RESET_ADDRESS", default="10/hour"),
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL", default="5/hour"),
    },
    # The client address is REMOTE_ADDR unless NUM_PROXIES trusted proxies sit in
    # front; X-Forwarded-For alone is never believed.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=30),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,  # accounts.services.auth_login stamps it once
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "CHECK_REVOKE_TOKEN": True,
    "LEEWAY": 0,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OSE Platform API",
    "DESCRIPTION": (Path(__file__).parent / "api" / "description.md").read_text(),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]",
    "TAGS": [
        {"name": "platform", "description": "Health and service information."},
        {"name": "auth", "description": "Registration, JWT login, refresh and logout."},
        {"name": "wallet", "description": "The caller's wallet, its history and top-ups."},
        {"name": "zakat", "description": "Nisab, zakat calculation, records and payments."},
        {"name": "campaigns", "description": "Donation campaigns and donations."},
        {"name": "loans", "description": "Qard hasan (interest-free) loans."},
        {"name": "murabaha", "description": "Murabaha (disclosed cost-plus) contracts."},
        {"name": "staff", "description": "Staff roles, four-eyes approvals and the audit trail."},
        {
            "name": "zakat-distribution",
            "description": "Zakat cases, the eight categories, disbursements, fund ageing "
            "and transparency.",
        },
        {
            "name": "payouts",
            "description": "Bank accounts, wallet withdrawals, campaign payouts and the "
            "payout provider's webhooks.",
        },
        {
            "name": "giving",
            "description": "Recurring gifts, paying a donation by card at checkout, PDF "
            "receipts and yearly statements.",
        },
        {
            "name": "reports",
            "description": "Staff reports: trial balance, general journal, portfolio at risk.",
        },
    ],
    "ENUM_NAME_OVERRIDES": {
        "HealthStateEnum": ["ok", "error"],
        "AsnafCategoryEnum": "distribution.models.AsnafCategory",
        "ZakatCaseStatusEnum": "distribution.models.CaseStatus",
        "PayoutStatusEnum": "payouts.models.Payout.Status",
        "RecurringStatusEnum": "giving.models.RecurringDonation.Status",
        "RecurringRunStatusEnum": "giving.models.RecurringRun.Status",
        "CheckoutStatusEnum": "giving.models.Checkout.Status",
        "LoanStatusEnum": "loans.models.Loan.Status",
    },
}

# --- Platform settings ------------------------------------------------------------
# Who issues receipts and statements (giving/pdf.py): printed at the top of every PDF.
INSTITUTION_NAME = env.str("INSTITUTION_NAME", default="OSE Platform")
INSTITUTION_ADDRESS = env.str("INSTITUTION_ADDRESS", default="")
INSTITUTION_REGISTRATION_NUMBER = env.str("INSTITUTION_REGISTRATION_NUMBER", default="")
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="sandbox")
# Stripe (accounts/payments_stripe.py, PAYMENT_GATEWAY=stripe): the secret API key, the
# webhook endpoint's signing secret, how old a signed webhook may be, where the payer
# comes back to after 3-D Secure, and the API's address (a stand-in in tests).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
STRIPE_RETURN_URL = env.str("STRIPE_RETURN_URL", default="http://localhost:8000/wallet/")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=8.0)
METAL_PRICES_URL = env.str("METAL_PRICES_URL", default="")
LOAN_MAX_PRINCIPAL = env.str("LOAN_MAX_PRINCIPAL", default="50000.00")
# How many parts a campaign's sadaqah fund may spill into when donations arrive
# at once (campaigns.services, docs/scaling.md): 1 turns spilling off.
CAMPAIGN_FUND_PARTS = env.int("CAMPAIGN_FUND_PARTS", default=8)
SLOW_REQUEST_SECONDS = env.float("SLOW_REQUEST_SECONDS", default=1.0)
PLATFORM_CURRENCY = env.str("PLATFORM_CURRENCY", default="USD")
# Zakat calculation (README, "Zakat"): the nisab standard when a calculation names
# none, and the age past which metal prices are flagged stale.
ZAKAT_DEFAULT_NISAB = env.str("ZAKAT_DEFAULT_NISAB", default="silver")
if ZAKAT_DEFAULT_NISAB not in ("gold", "silver"):
    raise ImproperlyConfigured("ZAKAT_DEFAULT_NISAB must be 'gold' or 'silver'.")
METAL_PRICES_MAX_AGE_DAYS = env.int("METAL_PRICES_MAX_AGE_DAYS", default=7)
# Zakat al-fitr closes at the start of 1 Shawwal, midnight in this zone: set it to
# where the institution distributes, so the deadline falls before the Eid prayer there.
FITR_TIME_ZONE = env.str("FITR_TIME_ZONE", default="UTC")
try:
    zoneinfo.ZoneInfo(FITR_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"FITR_TIME_ZONE {FITR_TIME_ZONE!r} is not a time zone.") from None
# Approval kinds that need a second person (API.md; staff/roles.py APPROVAL_KINDS).
# Unset: every kind; set but empty: none (and `check --deploy` warns).
FOUR_EYES = env.list(
    "FOUR_EYES",
    default=[
        "wallet_adjustment",
        "loan_disbursement",
        "murabaha_purchase",
        "write_off",
        "rebate",
        "zakat_disbursement",
        "campaign_payout",
        "withdrawal",
        "mfa_reset",
    ],
)
WALLET_ADJUSTMENT_MAX = env.str("WALLET_ADJUSTMENT_MAX", default="10000.00")
# Zakat distribution: the collectors' (amilin) share, in percent of a Hijri year's
# collected zakat (AAOIFI Sharia Standard No. 35), and where applicants' supporting
# documents are kept (outside MEDIA_ROOT and every URL; served by a checking view).
ZAKAT_AMIL_SHARE = env.str("ZAKAT_AMIL_SHARE", default="12.5")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
# Payouts (payouts/): the provider money leaves through, the withdrawal amount above
# which finance approves, and the keys that encrypt bank details at rest
# (comma-separated Fernet keys, newest first; README "Rotating the encryption key").
PAYOUT_GATEWAY = env.str("PAYOUT_GATEWAY", default="sandbox")
PAYOUT_APPROVAL_LIMIT = env.str("PAYOUT_APPROVAL_LIMIT", default="1000.00")
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
# The bank-file payout gateway (payouts/bankfile.py, PAYOUT_GATEWAY=bankfile): the
# institution's own account that pain.001 credit transfers are paid from.
BANKFILE_DEBTOR_NAME = env.str("BANKFILE_DEBTOR_NAME", default="")
BANKFILE_DEBTOR_IBAN = env.str("BANKFILE_DEBTOR_IBAN", default="")
BANKFILE_DEBTOR_BIC = env.str("BANKFILE_DEBTOR_BIC", default="")
# A second factor for staff holding a role (accounts/services/mfa.py): "required"
# (production) refuses them the admin and every staff action until they have
# enrolled an authenticator and given a code in this session or token; "optional"
# (make run, the bulk of the tests) asks only those who enrolled. check --deploy warns.
STAFF_MFA = env.str("STAFF_MFA", default="required")
if STAFF_MFA not in ("required", "optional"):
    raise ImproperlyConfigured("STAFF_MFA must be 'required' or 'optional'.")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="OSE Platform")

# --- Logging -----------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# Python's warnings become log records ("py.warnings"): JSON like every other line.
logging.captureWarnings(True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    # The one JSON format of every process (gunicorn and uvicorn use it too).
    "formatters": {"json": JSON_FORMATTER},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Our access log replaces Django's per-request lines.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
    },
}

# --- Operations: metrics and error reports (docs/operations.md) ----------------------
# /metrics (Prometheus) answers only a bearer of this token; unset, /metrics is a 404
# and nothing is measured. Several processes: set PROMETHEUS_MULTIPROC_DIR too.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# /api/v1/health/ready fails ("tasks") when the oldest ready task has waited longer
# than this; 0 (the default) only reports the age: a stuck worker should page
# someone (docs/operations.md), not take every web process out of the balancer.
TASK_QUEUE_MAX_AGE_SECONDS = env.int("TASK_QUEUE_MAX_AGE_SECONDS", default=0)
# A donation's receipt task waits this long in the database queue, so one run mails
# the receipts of every gift made meanwhile (campaigns.tasks.send_donation_receipt).
RECEIPT_BATCH_SECONDS = env.float("RECEIPT_BATCH_SECONDS", default=1.0)
# Errors go to Sentry when set (config/sentry.py: no personal data, request id tagged).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from config import sentry

    sentry.init(
        SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

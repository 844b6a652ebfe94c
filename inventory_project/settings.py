"""Settings for the inventory project.

Everything that differs between machines is read from the environment (or a
``.env`` file beside ``manage.py``) in this one place; ``.env.example`` lists
every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The test settings switch the file off, so a developer's .env cannot change
# what the suite tests.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Only a development machine may fall back to a throwaway key: with DEBUG off a
# missing SECRET_KEY must stop the app instead of signing sessions with a
# value that is public on GitHub.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(see .env.example), or set DEBUG=true for local development."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # Audit history of master data and documents (see audit/).
    "auditlog",
    # Bootstrap's compiled CSS/JS, installed from PyPI (django-bootstrap-static).
    "bootstrap",
    # The task queue in the database (Django's tasks framework): no extra server.
    "django_tasks_db",
    # The project's apps, lowest layer first; each imports only from those
    # above it in this list (see [tool.importlinter] in pyproject.toml).
    "core",
    "jobs",
    "stores",
    "people",
    "accounts",
    "products",
    "purchases",
    "sales",
    "transfers",
    "replenishment",
    "dashboard",
    "demo",
    "audit",
    "imports",
]

MIDDLEWARE = [
    "inventory_project.log.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before CommonMiddleware, so even the 400 it gives a bad Host carries it.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware: the chosen language, then Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: it records the signed-in user as the actor of each change.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After authentication: it needs to know whether the user is signed in.
    "core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication: a user given a temporary password goes to
    # the password change page first (accounts.middleware).
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username/IP is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for the
# same username from the same address, that pair is locked out for
# AXES_COOLOFF_MINUTES.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
# "Forgot password?" sends at most this many links per client address, and per address
# asked for, within the window (accounts/reset_limits.py).
PASSWORD_RESET_LIMIT = env.int("PASSWORD_RESET_LIMIT", default=5)
PASSWORD_RESET_WINDOW = env.int("PASSWORD_RESET_WINDOW_MINUTES", default=60) * 60  # seconds
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Also: an address is locked out after this many failures across all user
# names within the cool-off (password spraying). Higher than the per-user
# limit: a shop's staff share one address (see accounts.throttling).
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_HANDLER = "accounts.throttling.AddressLimitHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip_address"
# Attempts refused during a lockout are not counted: counting them let anyone
# who kept trying (the right password included) extend the lockout for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# Content Security Policy: everything comes from this site; no inline scripts
# or styles, no third-party origins. Bootstrap's CSS draws some icons from
# data: URIs, hence img-src data:.
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

ROOT_URLCONF = "inventory_project.urls"

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
                "core.context_processors.site",
            ],
        },
    },
]

# Django's form renderer, with <select> options written in Python (core.rendering).
FORM_RENDERER = "core.rendering.QuickSelectRenderer"

WSGI_APPLICATION = "inventory_project.wsgi.application"
ASGI_APPLICATION = "inventory_project.asgi.application"

# SQLite is the embedded default. For PostgreSQL or MariaDB set DATABASE_URL,
# e.g. postgres://user@127.0.0.1:5432/inventory or mysql://root@127.0.0.1:3306/inventory.
# An empty DATABASE_URL (as in "DATABASE_URL= make test") means the default too.
DATABASES = {
    "default": env.db_url_config(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"].setdefault("OPTIONS", {})
_engine = DATABASES["default"]["ENGINE"]
if _engine == "django.db.backends.sqlite3":
    # Two clerks saving at once should wait for each other, not fail with
    # "database is locked": IMMEDIATE takes the write lock when the transaction
    # starts, WAL lets readers run beside the writer, and the timeout is how
    # long a writer waits for the lock.
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif _engine == "django.db.backends.postgresql":
    # No JIT compilation: it pays off for long analytical queries, not for a
    # web page's. PostgreSQL compiled the dashboard's needs-attention query
    # (0.4 s to run) for 1.3 s because its cost estimate crossed jit_above_cost.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
elif _engine == "django.db.backends.mysql":
    DATABASES["default"]["OPTIONS"].setdefault("charset", "utf8mb4")
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
# /healthz turns red on SQLite when the database's disk has less free space than
# this: a full disk first fails the inserts a sale needs, while the health
# check's one-row update still fits in pages SQLite's WAL already holds.
HEALTHZ_MIN_FREE_MB = env.int("HEALTHZ_MIN_FREE_MB", default=16)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# models.W036/W043: MariaDB has neither expression indexes nor the functional
# unique constraints built on them; its case-insensitive default collation
# makes the plain unique columns enforce the same rule (see Store.Meta).
SILENCED_SYSTEM_CHECKS = (
    ["models.W036", "models.W043"] if _engine == "django.db.backends.mysql" else []
)

if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}

# Outgoing email (the low-stock digest): an EMAIL_URL such as
# smtp+tls://user:password@smtp.example.com:587, as django-environ reads it,
# given to Django as its default mailer (the test runner swaps it for one that
# collects emails in mail.outbox). Without one, development prints emails to
# the console; production hands them to the local mail server, as Django
# always did (check --deploy refuses the console there: mail.E001).
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_EMAIL_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
    "EMAIL_FILE_PATH": "file_path",
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        # Only what the URL gives: the console backend takes no host or port.
        "OPTIONS": {
            option: _email[name]
            for name, option in _EMAIL_OPTIONS.items()
            if _email.get(name) not in (None, "")
        },
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="stockroom@localhost")

# Argon2id (argon2-cffi) for new and upgraded hashes; the others only verify
# hashes made before, which Django then upgrades at the user's next login.
PASSWORD_HASHERS = [
    "accounts.hashers.ShopArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "welcome"

LANGUAGE_CODE = "en-us"
# The languages the pages speak, by their own names (the chooser at the foot of every
# page sets a cookie; otherwise the browser's Accept-Language decides). Their catalogs
# are locale/<code>/LC_MESSAGES/django.po, compiled by `make` (pybabel compile).
LANGUAGES = [("en", "English"), ("es", "Español"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background jobs (jobs/): Django's tasks framework with django-tasks-db's queue
# table; `manage.py db_worker` runs them.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Files the jobs write (big CSV exports) live under MEDIA_ROOT/jobs/. MEDIA_ROOT is
# never served as static files: downloads go through jobs' view, which checks who asks.
# A relative path is taken from BASE_DIR (Path's "/" keeps an absolute one as it is).
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default="media")
# Hours a job's file is kept after the job finishes; `manage.py purge_jobs` deletes it then.
JOB_FILES_KEEP = timedelta(hours=env.float("JOB_FILES_KEEP_HOURS", default=24))
# A job still "running" this long after it started lost its worker (killed, restarted):
# `manage.py purge_jobs` marks it failed. The longest jobs take minutes.
JOB_RUNNING_LIMIT = timedelta(hours=env.float("JOB_RUNNING_LIMIT_HOURS", default=6))
# Exports with more rows than this run as a background job (a download link when
# ready) instead of streaming while the user waits.
EXPORT_IN_BACKGROUND_ROWS = env.int("EXPORT_IN_BACKGROUND_ROWS", default=50_000)
# Imports (imports/): files with more data rows than this are checked and run as a
# background job; smaller ones while the user waits. Uploads larger than the byte
# limit are refused with a message before they are read.
IMPORT_IN_BACKGROUND_ROWS = env.int("IMPORT_IN_BACKGROUND_ROWS", default=2000)
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_MB", default=100) * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}  # Bootstrap calls Django's "error" level "danger".

SITE_NAME = env.str("SITE_NAME", default="Stockroom")
# Read directly: django-environ treats a value starting with "$" as a reference
# to another variable, and "$" is the most common symbol.
CURRENCY_SYMBOL = os.environ.get("CURRENCY_SYMBOL") or "$"
# The shop's own details on every printed document (receipts, credit and debit
# notes, purchase orders), below SITE_NAME. The address may hold "\n" for its
# line breaks, as a one-line .env value must.
SHOP_ADDRESS = env.str("SHOP_ADDRESS", default="", multiline=True).strip()
SHOP_TAX_NUMBER = env.str("SHOP_TAX_NUMBER", default="").strip()
# Whether products' sale prices include tax (as on a shop's shelf labels in
# most of Europe) or have it added at the till (as in most of the US). Each
# sale records the setting it was made under.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)
# The largest discount, as a percentage of a line, that a user without the
# "change sale prices" permission (a Clerk) may give. 0: none.
CLERK_MAX_DISCOUNT_PERCENT = env.int("CLERK_MAX_DISCOUNT_PERCENT", default=0)
# Whether a user limited to some stores (accounts.access) sees the other stores'
# documents too, read-only (false), or only their own stores' (true).
HIDE_OTHER_STORES = env.bool("HIDE_OTHER_STORES", default=False)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind the proxy the client's address is the one it appends to
# X-Forwarded-For (login throttling counts per address: accounts.throttling).
CLIENT_ADDRESS_FROM_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if CLIENT_ADDRESS_FROM_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "inventory_project.log.RequestContextFilter"},
        "client_errors": {"()": "inventory_project.log.ClientErrorFilter"},
    },
    "formatters": {"json": {"()": "inventory_project.log.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context", "client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own console handler would print every django.* line a second time.
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.db.backends": {"level": "WARNING"},
    },
}

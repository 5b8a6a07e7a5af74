"""CrisisCenter settings: one file, driven by the environment (see README "Configuration").

Embedded defaults when variables are absent: SQLite file, in-memory channel layer and tasks
run in-process. Production sets DATABASE_URL and REDIS_URL; nothing else differs.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (written by `make run`) fills in what the environment leaves out.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set SECRET_KEY in the environment (or DEBUG=1 for local use).")
    SECRET_KEY = "insecure-local-development-key"  # noqa: S105 (only with DEBUG on)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here, not a CDN
    "channels",
    "workspaces",
    "realtime",
    "contacts",
    "playbooks",
    "monitoring",
    "incidents",
    "statements",
    "escalation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "crisiscenter.request_guard.NulRefusedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "workspaces.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crisiscenter.urls"
ASGI_APPLICATION = "crisiscenter.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections; https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL and a busy timeout let the in-process scheduler write while pages read.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="nl")
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

# --- Static files (WhiteNoise serves them, also with DEBUG off) -------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the dashboard's fetch() reads it for X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Redis, Celery, Channels ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED = not REDIS_URL

from crisiscenter.settings_parts.celery import *  # noqa: E402,F403
from crisiscenter.settings_parts.channels import *  # noqa: E402,F403
from crisiscenter.settings_parts.escalation import *  # noqa: E402,F403
from crisiscenter.settings_parts.logging import *  # noqa: E402,F403
from crisiscenter.settings_parts.rest import *  # noqa: E402,F403

# Embedded mode runs the beat schedule inside the web process (crisiscenter/embedded.py).
EMBEDDED_SCHEDULER = env.bool("EMBEDDED_SCHEDULER", default=True)

# Largest webhook push body, in bytes (a larger one gets 413 before it is read:
# crisiscenter/body_limit.py): 1,000 items of about 10 kB (a long post with its author fields
# and counts takes about 3 kB).
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=10 * 1024 * 1024)
# Largest body of any other request, in bytes (crisiscenter/body_limit.py): an import upload
# of up to 50 MB and the form around it.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=64 * 1024 * 1024)

# Sources' URLs come from admins (news feeds, a Mastodon instance, a Bluesky service): by
# default no request goes to a loopback, private, link-local or reserved address (SSRF guard,
# monitoring/platforms/addresses.py). True allows them (local test servers, private feeds).
SOURCES_ALLOW_PRIVATE_URLS = env.bool("SOURCES_ALLOW_PRIVATE_URLS", default=False)

# Fernet key for source credentials at rest (monitoring/credentials.py); derived from
# SECRET_KEY when unset.
CREDENTIALS_KEY = env("CREDENTIALS_KEY", default="")

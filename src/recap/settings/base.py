"""Settings shared by every environment. Secrets and deployment facts come from the environment."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The repository root when running from a checkout; var/ holds the SQLite file and local state.
BASE_DIR = Path(os.environ.get("RECAP_HOME", PACKAGE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("RECAP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}.")
    return int(raw)


def env_networks(name: str, default: str) -> list[str]:
    """Addresses or networks (10.0.0.0/8, ::1), each checked."""
    entries = env_list(name, default)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not an IP address or network"
            ) from None
    return entries


def local_secret_key() -> str:
    """A key kept in var/ for development, made on first use, never committed."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Lets classes such as admin.ModelAdmin[Model] be subscripted at run time.
django_stubs_ext.monkeypatch()

DEBUG = env_bool("RECAP_DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin, which it extends with a tab per language
    "recap.core",
    "recap.accounts",
    "recap.cities",
    "recap.tracking",
    "recap.pipeline",
    "recap.hazards",
    "recap.catalogue",
    "recap.assessments",
    "recap.planning",
    "recap.learning",
    "recap.implementation",
    "recap.votes",
    "recap.feedback",
    "recap.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # the API documentation's Swagger UI from local static files, not a CDN
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages and API answers compressed for whoever accepts gzip (a first visit on 3G): the
    # CSRF token is masked anew in every response (BREACH), and a response already encoded
    # (WhiteNoise's compressed static files) is left as it is.
    "django.middleware.gzip.GZipMiddleware",
    # Last to see a view's error: a read whose connection died is read again (core.middleware).
    "recap.core.middleware.RetryReadsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "recap.urls"
WSGI_APPLICATION = "recap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recap.web.context_processors.site",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'recap.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one process writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "recap.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "web:home"

# Sessions end after eight hours of work or when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "recap.web.views.csrf_failure"

# The client's address (for lockouts and rate limits), see recap/core/client.py: how many
# proxies in front of the app servers extend X-Forwarded-For (0: clients connect directly and
# the header is ignored), and, optionally, the addresses those proxies connect from.
RECAP_PROXY_HOPS = env_int("RECAP_PROXY_HOPS", 0)
RECAP_TRUSTED_PROXIES = env_networks("RECAP_TRUSTED_PROXIES", "")
RATELIMIT_IP_META_KEY = "recap.core.client.client_address"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_CLIENT_IP_CALLABLE = "recap.core.client.client_address"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Background work (robustness over many re-optimisations) goes through a database-backed queue:
# nothing extra to run; `recap serve` starts a worker next to the web server.
# Work on more candidates than RECAP_LONG_WORK_CANDIDATES goes to the 'long' queue, the rest to
# 'short' ('default' holds what older versions queued); see recap/planning/tasks.py.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["short", "long", "default"],
    }
}
RECAP_LONG_WORK_CANDIDATES = 150
# Runs one city may have waiting or being computed at once, and candidates a session takes.
RECAP_PENDING_RUNS_PER_CITY = 3
RECAP_SESSION_MAX_CANDIDATES = 1000
# This host's name among several (workers on each host must tell their own from others').
RECAP_HOST_NAME = os.environ.get("RECAP_HOST_NAME", "")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "recap_cache",
        # Rate-limit counters and drawn charts (a few per run and language) live here: room for
        # a network's worth before the oldest third is culled (Django's default is 300).
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
RATELIMIT_VIEW = "recap.web.views.rate_limited"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Content (catalogue, frameworks, taxonomy, countries and cities, lessons, the results
# framework) is held in both languages, a column per language (`title_en`, `title_fr`). A text
# missing in the reader's language falls back to the other one, and the pages mark it
# (`recap.core.translation.untranslated`).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "fr")
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
with contextlib.suppress(OSError):  # WhiteNoise warns on every start without it
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]


def document_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """Where uploaded documents live: the local disk (`MEDIA_ROOT`) by default, which one host
    serves; S3-compatible object storage (AWS S3, MinIO, Ceph, Scaleway...) through
    django-storages when `RECAP_S3_BUCKET` is set, so that every host serving the site reads
    the same files. The credentials are boto3's own (`AWS_ACCESS_KEY_ID`,
    `AWS_SECRET_ACCESS_KEY`, or the host's role); the bucket stays private, and documents are
    served through the site, by the same views, with the same headers, never by a public URL."""
    bucket = environ.get("RECAP_S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": environ.get("RECAP_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": environ.get("RECAP_S3_REGION", "").strip() or None,
            "location": environ.get("RECAP_S3_PREFIX", "").strip().strip("/"),
            "default_acl": None,  # the bucket's own: private
            "file_overwrite": False,  # a stored document is never replaced
            "querystring_auth": True,
        },
    }


STORAGES = {
    "default": document_storage(os.environ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Where people reach this site: links in e-mails start with it.
RECAP_SITE_URL = os.environ.get("RECAP_SITE_URL", "http://127.0.0.1:8000")
# Who publishes the programme's IATI activity: its organisation identifier (IATI's
# organisation registration agency code, then the organisation's code), its name and its type
# (IATI's OrganisationType codelist, e.g. 40 multilateral). No default: a deployment publishes
# under its own identifier or not at all (the IATI download refuses while they are unset).
RECAP_IATI_ORGANISATION = os.environ.get("RECAP_IATI_ORGANISATION", "")
RECAP_IATI_ORGANISATION_NAME = os.environ.get("RECAP_IATI_ORGANISATION_NAME", "")
RECAP_IATI_ORGANISATION_TYPE = os.environ.get("RECAP_IATI_ORGANISATION_TYPE", "")
# The funder's IATI organisation identifier and type, by the name ReCAP records it under (the
# programme's donor), e.g. {"<the donor's name>": ("DE-1", "10")}; a donor not listed is named only.
RECAP_IATI_FUNDERS: dict[str, tuple[str, str]] = {}
# The programme's sectors on the OECD DAC 5-digit purpose codes (IATI Sector codelist,
# vocabulary 1), with their percentages (adding up to 100): 43030 Urban development and
# management, 43060 Disaster risk reduction.
RECAP_IATI_SECTORS = {"43030": 70, "43060": 30}
# The OC4IDS project identifier prefix registered for this publisher (`oc4ids-` and six
# letters or digits): every project id begins with it. No default, like the IATI identifier.
RECAP_OC4IDS_PREFIX = os.environ.get("RECAP_OC4IDS_PREFIX", "")
# The licence of the OC4IDS data (its canonical URI, e.g.
# https://creativecommons.org/licenses/by/4.0/) and the publisher's publication policy (its data
# user guide), as URIs: the publisher's to choose, left out of the package while empty.
RECAP_OC4IDS_LICENSE = os.environ.get("RECAP_OC4IDS_LICENSE", "")
RECAP_OC4IDS_PUBLICATION_POLICY = os.environ.get("RECAP_OC4IDS_PUBLICATION_POLICY", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ReCAP <no-reply@recap.localhost>")

# Content-Security-Policy: the pages load scripts, styles, images and fonts from the site
# itself, run no inline script or style (no `style` attribute either), send forms and
# requests to the site only, and may not be framed. A page that needs more says so with
# django-csp's decorators, not by loosening this.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Personal API tokens expire after this many days unless their owner says otherwise.
RECAP_API_TOKEN_DAYS = 180
# Active personal API tokens one person may hold at once.
RECAP_API_TOKENS_PER_PERSON = 20
# Password reset e-mails that may be asked for, per client address and per e-mail address.
RECAP_RESET_EMAIL_RATE = "5/h"
# No uploaded file is kept past this size (every import reads 5 MB at most).
RECAP_UPLOAD_MAX_BYTES = 5 * 1024 * 1024 + 1
FILE_UPLOAD_HANDLERS = [
    "recap.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A checked spreadsheet waits this long (seconds) for its uploader to confirm the preview.
RECAP_PENDING_IMPORT_SECONDS = 60 * 60
# Previews one person may have waiting at once (older ones are dropped beyond it).
RECAP_PENDING_IMPORTS_PER_PERSON = 10
# Problem reports accepted per address.
RECAP_FEEDBACK_RATE = "5/10m"
# Re-optimisations behind a run's robustness (each a fresh weighting within the spread).
RECAP_ROBUSTNESS_SAMPLES = 200
# Runs of the engine a person may queue through the API (each is up to minutes of CPU).
RECAP_API_RUN_RATE = "30/h"

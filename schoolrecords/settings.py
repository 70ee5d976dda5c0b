"""Settings, read from the environment; the defaults are the embedded demo (SQLite, eager Celery, ./var)."""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from schoolrecords import objectstorage

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")).resolve()
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    # The demo keeps one generated key under ./var so sessions survive a restart.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "guardian",
    "axes",
    "django_htmx",
    "schoolrecords.apps.SchoolRecordsConfig",
    "gradebook",
    "eledger",
    "archive",
    "families.apps.FamiliesConfig",
    "portal",
    "seed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON gzipped (a 40-student grid: 70 KB to about 8). After WhiteNoise, which sends static
    # files compressed by collectstatic; before everything that writes a body. schoolrecords.delivery.
    "schoolrecords.delivery.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "schoolrecords.middleware.SchoolLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the body (the CSRF check reads the form in its view phase).
    "schoolrecords.middleware.RequestSizeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "schoolrecords.middleware.ForcePasswordChangeMiddleware",
    "schoolrecords.middleware.PrivatePagesMiddleware",
    # A parent's session reaches only the families' pages (families.middleware).
    "families.middleware.ParentPagesMiddleware",
    "schoolrecords.middleware.AdminAddressMiddleware",
    # Axes goes last so it sees the outcome of the authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "schoolrecords.urls"
WSGI_APPLICATION = "schoolrecords.wsgi.application"
ASGI_APPLICATION = "schoolrecords.asgi.application"

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
                "schoolrecords.context_processors.school",
            ],
        },
    },
]

# PostgreSQL in production has two roles (docs/operations.md, "Database roles"): the site and the workers
# connect as the runtime role, DATABASE_URL, which has row rights only; migrations, `db_roles` and
# restores run as the owner of the tables, MIGRATE_DATABASE_URL, in a process started with
# DATABASE_ROLE=owner (scripts/migrate.sh; docker-compose's migrate step). The owner's URL belongs
# in that process's environment alone, never in the site's.
DATABASE_ROLE = os.environ.get("DATABASE_ROLE", "runtime")
if DATABASE_ROLE not in ("runtime", "owner"):
    raise ImproperlyConfigured(f"DATABASE_ROLE must be runtime or owner, not {DATABASE_ROLE!r}.")
if DATABASE_ROLE == "owner" and not os.environ.get("MIGRATE_DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_ROLE=owner needs MIGRATE_DATABASE_URL, the owner role's database URL.")
_RUNTIME_DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
# The role `db_roles` gives the row rights to: DATABASE_URL's user unless named.
DATABASE_RUNTIME_ROLE = (os.environ.get("DATABASE_RUNTIME_ROLE")
                         or dj_database_url.parse(_RUNTIME_DATABASE_URL).get("USER") or "")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["MIGRATE_DATABASE_URL"] if DATABASE_ROLE == "owner" else _RUNTIME_DATABASE_URL,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo: the server, its print worker and the deadline check write the same file.
    # WAL lets readers go on while one writes; a writer waits its turn instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE",
                                       "init_command": "PRAGMA journal_mode=WAL;"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The wider locks (per account, per address) before any password is hashed: schoolrecords.lockout.
    "schoolrecords.lockout.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A parent's phone number as they write it, or their e-mail (families.auth).
    "families.auth.ParentLoginBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Teachers share one school address, so lockout is keyed on username and address together (and a
# known device passes: schoolrecords.lockout).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "schoolrecords.views.locked_out"
AXES_USERNAME_CALLABLE = "schoolrecords.lockout.attempted_username"
AXES_VERBOSE = False
# A browser a person has logged in from (a signed cookie per login name) is not locked by others' failures.
AXES_WHITELIST_CALLABLE = "schoolrecords.lockout.trusted_device"
# Wider limits within the cool-off time (schoolrecords.lockout): one account from any addresses, and one
# address over any accounts (a school's shared address: every teacher's typing mistakes together).
LOGIN_USERNAME_FAILURE_LIMIT = 20
LOGIN_ADDRESS_FAILURE_LIMIT = 30
LOGIN_DEVICE_DAYS = 180

GUARDIAN_ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# The shared cache: Redis in production (CACHE_URL, e.g. redis://redis:6379/1, docs/operations.md), where
# sessions are then read from it and written through to PostgreSQL (``cached_db``: a restart of Redis logs
# nobody out), and the score saves keep each term's windows and locks under its rules version
# (gradebook.entry). Without CACHE_URL (the demo, the tests): each process's memory and sessions in the database.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "sr", "TIMEOUT": 6 * 60 * 60}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Shared school laptops: a session ends with the browser and after a working day at most.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts only from the site's own files, never inline (templates load static/js/*.js); styles may stay
# in attributes. Nothing is framed, no plug-in runs, forms post only here.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # Behind the proxy REMOTE_ADDR is the proxy itself; lockouts need the teacher's address.
        AXES_CLIENT_IP_CALLABLE = "schoolrecords.signals.client_address"

# The proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): a request
# from anywhere else is known by its own address, whatever header it sends (schoolrecords.signals).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")
# Where /admin/ answers from (addresses or networks); empty: from anywhere, behind its log-in.
ADMIN_ALLOWED_NETWORKS = env_list("ADMIN_ALLOWED_NETWORKS", "")
for _proxy in TRUSTED_PROXIES + ADMIN_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES, ADMIN_ALLOWED_NETWORKS: {_proxy!r} is not an address or a "
                                   "network.") from None

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["schoolrecords.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media")).resolve()
ARCHIVE_ROOT = Path(os.environ.get("ARCHIVE_ROOT", VAR_DIR / "archive")).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Without DEBUG: hashed names, gzip and Brotli copies, kept by browsers for ever (schoolrecords.delivery).
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "schoolrecords.delivery.StaticStorage"},
}

STORAGE_URL = os.environ.get("STORAGE_URL", "")
# s3://MEDIA_BUCKET?archive=ARCHIVE_BUCKET&endpoint=URL&region=R: media and the archive in object storage.
OBJECT_STORAGE = objectstorage.parse_url(STORAGE_URL)
if OBJECT_STORAGE:
    STORAGES["default"] = objectstorage.media_storage(OBJECT_STORAGE)
# How long the archive bucket's Object Lock (compliance mode) keeps each sealed file: the school's retention.
ARCHIVE_RETENTION_YEARS = int(os.environ.get("ARCHIVE_RETENTION_YEARS", "20"))
if ARCHIVE_RETENTION_YEARS < 1:
    raise ImproperlyConfigured("ARCHIVE_RETENTION_YEARS must be 1 or more.")
# The group the web and worker users share, which the local archive's files (0440) and folders (0750) get.
ARCHIVE_GROUP = os.environ.get("ARCHIVE_GROUP", "").strip()
# A periodic print of data that did not change since the version that stands is not rendered again
# (archive.services); the benchmark turns it off to render the same year-end set twice.
ARCHIVE_SKIP_UNCHANGED = env_bool("ARCHIVE_SKIP_UNCHANGED", True)

# Signed records (archive/signing/, docs: README "Signed records"). The PKCS#11 module of the server's
# tokens (the school seal's HSM or USB token; in the demo and CI every token is a SoftHSM2 one, whose
# configuration SIGNING_SOFTHSM2_CONF names). The RFC 3161 TSA (production: the government CA's; empty:
# the demo's own TSA under SIGNING_DIR, started while a signature is made). The trust roots and the
# revocation lists known here are PEM/DER files (comma-separated; empty: the demo PKI's under SIGNING_DIR);
# SIGNING_FETCH_REVOCATION lets pyHanko fetch CRLs/OCSP named in real certificates.
SIGNING_DIR = Path(os.environ.get("SIGNING_DIR", VAR_DIR / "signing")).resolve()
SIGNING_PKCS11_MODULE = os.environ.get("SIGNING_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
SIGNING_SOFTHSM2_CONF = os.environ.get("SOFTHSM2_CONF", "")
SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL", "").strip()
SIGNING_TRUST_ROOTS = env_list("SIGNING_TRUST_ROOTS")
SIGNING_CRLS = env_list("SIGNING_CRLS")
SIGNING_FETCH_REVOCATION = env_bool("SIGNING_FETCH_REVOCATION", False)
# The school seal's token on this server and its PIN (a secret: from the environment, in the demo from SIGNING_DIR).
SIGNING_SEAL_TOKEN_LABEL = os.environ.get("SIGNING_SEAL_TOKEN_LABEL", "").strip()
SIGNING_SEAL_PIN = os.environ.get("SIGNING_SEAL_PIN", "")
# The files as they are in the checkout too, for the settings run without collectstatic (scripts/bench_*.py);
# what collectstatic wrote (STATIC_ROOT) is served with them, the hashed names kept for ever.
WHITENOISE_USE_FINDERS = True
if DEBUG:  # WhiteNoise warns about a missing STATIC_ROOT, which only collectstatic fills in production
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The largest request a logged-in person sends: ten evidence files of 10 MB with a correction request.
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_MB", "110")) * 1024 * 1024
# Not logged in: the log-in and password-reset forms only.
ANONYMOUS_REQUEST_MAX_BYTES = 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# A file past its field's limit stops reaching the disk at once (schoolrecords.uploads).
FILE_UPLOAD_HANDLERS = [
    "schoolrecords.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
_MB = 1024 * 1024
# One file's limit, in bytes: by "URL name field", by URL name, by field name, else the default (the
# largest any form takes: a document of the store, 20 MB). Each form still says its own limit.
UPLOAD_LIMITS = {
    "default": 20 * _MB,
    "evidence": 10 * _MB,  # a correction's or a re-entry's evidence
    "setup:import": 5 * _MB,  # the board's student import
    "gradebook:grid_import": 2 * _MB,  # a class's scores
    "setup:student_photo_upload": 10 * _MB,  # one student's photo (schoolrecords.forms.PhotoForm)
    "setup:class_photos": 50 * _MB,  # a class's photos in a zip (ClassPhotosForm)
    "verify:index": 20 * _MB,  # a PDF anyone uploads to the public verification page (archive.verify_views)
}

# The public verification page (archive.verify_views): the address printed (with a QR code) on every
# page of an archived document, and how many questions one address may ask of it in a window.
VERIFY_BASE_URL = os.environ.get("VERIFY_BASE_URL", "http://localhost:8000")
VERIFY_RATE_LIMIT = int(os.environ.get("VERIFY_RATE_LIMIT", "20"))
VERIFY_RATE_WINDOW = timedelta(minutes=int(os.environ.get("VERIFY_RATE_WINDOW_MINUTES", "10")))
# Not logged in, the public verification page takes a PDF from anyone (rate-limited, the file checked
# against its own limit as it arrives, nothing of it kept but its hash): its request may be that large.
# the signing agent posts without a session (its one-time code in a header): a class's batch of signature values
SIGNING_AGENT_MAX_BODY = 256 * 1024
ANONYMOUS_REQUEST_PATHS = {"/verify/": UPLOAD_LIMITS["verify:index"] + 64 * 1024,
                           "/archive/signing/agent/": SIGNING_AGENT_MAX_BODY}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Eager without a broker (the embedded demo); tests may force eager under a real broker URL.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# The embedded demo's broker (scripts/demo.sh): messages are files under var/celery/, so the demo's
# worker prints in the background without Redis. Production uses Redis (docs/operations.md).
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = Path(os.environ.get("CELERY_FILESYSTEM_DIR", VAR_DIR / "celery"))
    for _folder in ("queue", "processed"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"), "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"), "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 400_000  # KiB
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Celery beat (`celery -A schoolrecords beat`, the beat service of docker-compose.yml) sends the
# archive's deadline check every SNAPSHOT_CHECK_SECONDS; the embedded demo runs the same check in
# `manage.py snapshots_due --every` (scripts/demo.sh). docs/operations.md "Snapshots at the deadlines".
SNAPSHOT_CHECK_SECONDS = int(os.environ.get("SNAPSHOT_CHECK_SECONDS", "300"))
# Beat also sends the nightly backup (schoolrecords.tasks.backup_nightly) at BACKUP_HOUR:00 school
# time (CELERY_TIMEZONE): a new backup folder in BACKUP_DIR, then all but the BACKUP_KEEP newest
# finished ones deleted. docs/operations.md "Scheduled backups".
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups")).resolve()
BACKUP_HOUR = int(os.environ.get("BACKUP_HOUR", "2"))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
if not 0 <= BACKUP_HOUR <= 23:
    raise ImproperlyConfigured(f"BACKUP_HOUR must be an hour from 0 to 23, not {BACKUP_HOUR}.")
if BACKUP_KEEP < 1:
    raise ImproperlyConfigured(f"BACKUP_KEEP must be 1 or more (the newest backup is always kept), not {BACKUP_KEEP}.")
CELERY_BEAT_SCHEDULE = {
    "archive-snapshots-due": {
        "task": "archive.tasks.snapshots_due",
        "schedule": float(SNAPSHOT_CHECK_SECONDS),
        "options": {"expires": max(SNAPSHOT_CHECK_SECONDS - 10, 10)},
    },
    "schoolrecords-backup-nightly": {
        "task": "schoolrecords.tasks.backup_nightly",
        "schedule": crontab(minute=0, hour=BACKUP_HOUR),
        # Not started within 6 hours (the worker was down): skipped, not run during school hours.
        "options": {"expires": 6 * 3600},
    },
    # The signing agent's batches whose one-time code expired unused (archive.signing.agent_services.batches_clean).
    "archive-agent-batches-clean": {
        "task": "archive.signing.tasks.agent_batches_clean",
        "schedule": crontab(minute=17),
        "options": {"expires": 3000},
    },
    # The month's record of entry progress (seed 000 art. 9.3), on the first of the next month; once per month.
    "gradebook-progress-monthly": {
        "task": "gradebook.tasks.progress_records_monthly",
        "schedule": crontab(minute=30, hour=0, day_of_month=1),
        "options": {"expires": 20 * 3600},
    },
}

# E-mail: entry reminders are also e-mailed when EMAIL_HOST names an SMTP server (none by default: the
# reminder is on the teacher's home page only). docs/operations.md "E-mail".
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "so-diem@localhost")

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "utc": {
            "()": "schoolrecords.logging.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "utc"}},
    "loggers": {
        "schoolrecords.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "schoolrecords.operations": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The address printed and e-mailed with a family's invitation code (families.services).
FAMILIES_JOIN_URL = os.environ.get("FAMILIES_JOIN_URL", "http://localhost:8000/family/join/")
# How a notice or a correction's message reaches a parent besides their page (families.channels): dotted paths of
# channel classes, comma-separated; e-mail is built in (docs/operations.md, "Families").
FAMILIES_CHANNELS = [path.strip() for path in os.environ.get(
    "FAMILIES_CHANNELS", "families.channels.EmailChannel").split(",") if path.strip()]

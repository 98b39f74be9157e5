"""Studio's one settings file, configured only by environment variables (docs/deployment.md).

The defaults run on one machine with nothing installed but the Python packages: SQLite and the
secret key in the data folder, and the embedded Redis that the launcher starts on a Unix socket.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from studio.environment import (
    celery_url,
    data_dir,
    env_bool,
    env_int,
    env_list,
    parse_storage_url,
    redis_url,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()
SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind TLS (a reverse proxy terminating HTTPS), every cookie and redirect must say so.
HTTPS = env_bool("STUDIO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
# Behind a proxy that overwrites X-Forwarded-For, the launcher's Daphne takes the client's address
# from it; otherwise anyone could pick an address per request and escape the throttles.
STUDIO_PROXY_HEADERS = env_bool("STUDIO_PROXY_HEADERS", default=False)
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "studio",
    "projects",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The permission table (projects/access.py) for pages; the APIs read it in DRF.
    "projects.access.PageAccessMiddleware",
    "studio.page_messages.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "studio.urls"
ASGI_APPLICATION = "studio.asgi.application"

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
                "projects.context_processors.project_sections",
            ],
        },
    },
]

# SQLite is the embedded default; web, worker and launcher write concurrently, so wait for locks
# instead of failing, and take the write lock at BEGIN so read-then-write never deadlocks.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'studio.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory: the Celery worker and the ASGI server of the tests open the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Web requests run on reused threads (studio/asgi_handler.py), so a thread's connection serves
# its next requests instead of one connection being opened per request; 0 closes it each time.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("STUDIO_DB_CONN_MAX_AGE_SECONDS", 60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer fails a request within seconds (a 503, see
    # studio/errors.py) instead of holding it for the system's TCP timeout; a connect_timeout
    # in DATABASE_URL's query wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("STUDIO_DB_CONNECT_TIMEOUT_SECONDS", 5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served straight from the source folders: no collectstatic step between a clone and a run.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Redis carries the channel layer, the Celery broker (unless CELERY_BROKER_URL names another)
# and Celery's results. Unset, it is the embedded server on a socket in the data folder.
REDIS_URL = redis_url(DATA_DIR)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # Each socket's reader waits in BZPOPMIN for up to 5 s (channels_redis' brpop_timeout);
            # redis-py's default read timeout is also 5 s, so an idle reader would time out, the
            # consumer fail and the socket drop every few seconds. Reads get a wider margin.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
            "prefix": os.environ.get("STUDIO_CHANNEL_PREFIX", "studio"),
        },
    }
}
# Workers' heartbeat keys (studio/heartbeat.py), under the same prefix as the channel layer so
# that studios sharing one Redis see only their own workers.
WORKER_HEARTBEAT_PREFIX = f"{CHANNEL_LAYERS['default']['CONFIG']['prefix']}:worker:"
# Web processes load every deployed model at start and on each deploy (training/warmup.py);
# STUDIO_SERVING_WARMUP=0 leaves loading to the first request, as before.
SERVING_WARMUP = env_bool("STUDIO_SERVING_WARMUP", default=True)

CELERY_BROKER_URL = celery_url(os.environ.get("CELERY_BROKER_URL") or REDIS_URL)
CELERY_RESULT_BACKEND = celery_url(REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"training.run_job": {"queue": "training"}}
# Beat runs embedded in the launcher's default worker (`-B`): it reaps jobs whose worker died.
CELERY_BEAT_SCHEDULE = {
    "fail-stale-jobs": {
        "task": "training.fail_stale_jobs",
        "schedule": float(env_int("STUDIO_REAP_INTERVAL_SECONDS", 60)),
    }
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message not acknowledged within the visibility timeout is delivered again; it must outlast
# the longest training run (the task also refuses a job another worker already runs).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("STUDIO_MAX_TRAINING_SECONDS", 6 * 3600) + 600
}

STUDIO_BASE_MODEL = os.environ.get("STUDIO_BASE_MODEL") or None
# A running job whose heartbeat is older than this is failed as "worker lost"; workers beat
# four times per period. Minutes in production, seconds in the kill -9 test.
STUDIO_STALE_JOB_SECONDS = env_int("STUDIO_STALE_JOB_SECONDS", 180)
# A queued job still waiting this long while no job of its kind runs has lost its message (a
# broker restarted without it): the reaper sends it again, and fails it after a few sends.
STUDIO_RESEND_AFTER_SECONDS = env_int("STUDIO_RESEND_AFTER_SECONDS", 120)
# How long a job's status stays readable after it is created (Azure's expirationDateTime), in
# hours: a week for training and authoring jobs, a day for analyze-text results, as Azure does.
STUDIO_JOB_LIFETIME_HOURS = env_int("STUDIO_JOB_LIFETIME_HOURS", 7 * 24)
STUDIO_ANALYZE_JOB_LIFETIME_HOURS = env_int("STUDIO_ANALYZE_JOB_LIFETIME_HOURS", 24)
STUDIO_ARTIFACTS_DIR = DATA_DIR / "artifacts"
STUDIO_STORAGE_DIR = DATA_DIR / "storage"
# Files the engine derives and can rebuild: the base model's ONNX graph (training.engine.exported).
STUDIO_CACHE_DIR = DATA_DIR / "cache"
# Project containers: folders under STUDIO_STORAGE_DIR, or s3://bucket/prefix on S3-compatible
# storage (endpoint below; credentials from boto3's AWS_* variables). Parsed now so a bad URL
# stops the start instead of the first import.
STUDIO_STORAGE_URL = os.environ.get("STUDIO_STORAGE_URL", "").strip()
parse_storage_url(STUDIO_STORAGE_URL)
STUDIO_S3_ENDPOINT_URL = os.environ.get("STUDIO_S3_ENDPOINT_URL") or None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "studio.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["projects.access.FromTable"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "studio.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "studio.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Studio API",
    "DESCRIPTION": "The studio's own API and the Azure-compatible custom text classification API.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page are public in the one permission table (projects/access.py).
    "SERVE_PERMISSIONS": ["projects.access.FromTable"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "studio.schema.error_responses",
    ],
}

# --- Throttling (docs/security.md) ---
# Sign-ins: django-axes counts failures in the database, so every web process sees the same count.
# An account, and separately an address, with STUDIO_LOGIN_FAILURE_LIMIT failures within the
# cool-off is refused (429, even with the right password) until the cool-off has passed since
# its last attempt. The address is REMOTE_ADDR: the launcher's Daphne takes it from the proxy's
# X-Forwarded-For (docs/deployment.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("STUDIO_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STUDIO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "studio.throttle.locked_out"
# Bad API keys: counted per address in Redis, shared by every process (studio/auth.py).
STUDIO_API_KEY_FAILURE_LIMIT = env_int("STUDIO_API_KEY_FAILURE_LIMIT", 20)
STUDIO_API_KEY_FAILURE_WINDOW_SECONDS = env_int("STUDIO_API_KEY_FAILURE_WINDOW_SECONDS", 900)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "studio.cache.SharedPoolRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "studio-throttle",
    },
}
RATELIMIT_USE_CACHE = "throttle"

# --- Content-Security-Policy (django-csp) ---
# Only the studio's own files run or style: no inline script, no inline style, no eval. Pages
# pass data in <script type="application/json"> blocks and set computed styles from their JS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI's stylesheet draws its icons as data: images.
        "img-src": [SELF, "data:"],
        # 'self' covers the pages' websockets (ws: and wss: to the same host).
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Size limits (docs/security.md, docs/data.md) ---
# A body over a cap is answered 413 before Django reads it (studio/asgi_handler.py); zips are
# inflated as streams and stop at their caps (projects/formats/zips.py). In megabytes (MiB).
MIB = 1024 * 1024
# Every request body, uploads included: a project's zip export of thousands of documents fits.
STUDIO_MAX_REQUEST_BYTES = env_int("STUDIO_MAX_REQUEST_MB", 100) * MIB
# JSON and form bodies are parsed in memory. Azure allows 100,000 documents per project and a
# 30,000-document Azure JSON is about 3 MB, so tens of MB; Django's default (2.5 MB) is too small.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("STUDIO_MAX_JSON_MB", 32) * MIB
# Each uploaded .csv, .jsonl, .json or .zip; a .txt is one document, so at most 128,000
# characters of UTF-8 (projects/importers.py).
STUDIO_MAX_UPLOAD_FILE_BYTES = env_int("STUDIO_MAX_UPLOAD_FILE_MB", 50) * MIB
# Zips: one entry inflated (a project JSON is the largest), everything one import inflates,
# and the entries one import holds (Azure's 100,000 documents, a project JSON and some slack).
STUDIO_MAX_ZIP_ENTRY_BYTES = env_int("STUDIO_MAX_ZIP_ENTRY_MB", 32) * MIB
STUDIO_MAX_ZIP_TOTAL_BYTES = env_int("STUDIO_MAX_ZIP_TOTAL_MB", 256) * MIB
STUDIO_MAX_ZIP_ENTRIES = env_int("STUDIO_MAX_ZIP_ENTRIES", 110_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STUDIO_LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}

"""The one settings module. Every deployment choice is read from the environment.

With nothing set, the service runs on one machine with nothing to install: SQLite, Celery in
eager mode, files in a local folder. Production sets DATABASE_URL, CELERY_BROKER_URL,
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (the README lists every variable).
"""

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # the repository root


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The demo (`make demo`): one machine, plain HTTP on 127.0.0.1, nothing to configure, and DEBUG
# off like production (a 500 shows no traceback); DJANGO_DEBUG=1 turns DEBUG on for development.
# It keeps a secret key of its own in its var folder, serves static files through WhiteNoise from
# the apps' folders (no collectstatic step), trusts the development CA it made and makes its own
# ledger key.
DEMO = env_bool("RIGHTSLEDGER_DEMO", False)
DEVELOPMENT = DEBUG or DEMO

VAR_DIR = Path(os.environ.get("RIGHTSLEDGER_VAR_DIR", BASE_DIR / "var"))


def demo_secret_key(path: Path) -> str:
    """Return the demo's secret key, kept in a 0600 file, made on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEMO:
        SECRET_KEY = demo_secret_key(VAR_DIR / "demo-secret-key")
    elif not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (for example: export "
            "DJANGO_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))'))."
        )
    else:
        SECRET_KEY = "development-only-insecure-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEVELOPMENT else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    # Two-factor sign-in for local accounts (portal/two_factor.py): authenticator apps (TOTP),
    # recovery codes (django-otp's static device) and passkeys (WebAuthn).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "rightsledger",
    "provenance",
    "generation",
    "portal",
    "tracker",
    "demo",
]

MIDDLEWARE = [
    # First, so that every line logged for a request carries its id (config/observability.py).
    "config.observability.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # user.is_verified(): whether this session passed a second factor; then, for those who must,
    # nothing but the second step (or enrolling a first device) until it has.
    "django_otp.middleware.OTPMiddleware",
    "portal.auth.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.middleware.UniqueViolationMiddleware",
    "config.middleware.ContentLengthMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Content-Security-Policy (django-csp): everything from this origin, no inline script or style,
# no framing. The portal's pages are made to need nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

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
                "portal.context.portal",
            ],
            # The portal's words (labels, prose, dates, people) in every template, unloaded.
            "builtins": ["portal.templatetags.words"],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'rightsledger.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A connection kept across a database restart is checked, and replaced, before use.
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound on the server, and a statement run 5 times on a connection prepared: the
    # queries every request makes (its token, its roles, the gate's snapshot) skip PostgreSQL's
    # planner after that. Set it to "" behind a transaction-pooling PgBouncer, which cannot keep
    # prepared statements: parameters are then bound on the client, as Django does by default.
    threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        prepare_threshold=int(threshold) if threshold else None, server_side_binding=bool(threshold)
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite: a transaction takes the write lock when it begins, and a writer waits
    # for it (up to the timeout) rather than failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Where content lives: the local disk (MEDIA_ROOT) by default, as the demo runs; S3 or an
# S3-compatible store with RIGHTSLEDGER_STORAGE=s3, for processes on several hosts. Every read and
# write of content goes through the storage API (default_storage, FieldFile), never a path.
STORAGE_KIND = os.environ.get("RIGHTSLEDGER_STORAGE", "local").strip().lower() or "local"
if STORAGE_KIND not in ("local", "s3"):
    raise ImproperlyConfigured(f"RIGHTSLEDGER_STORAGE is {STORAGE_KIND!r}; use local (the default) or s3.")
if STORAGE_KIND == "s3":
    from boto3.s3.transfer import TransferConfig

    # Uploads and downloads go in 8 MB parts, AWS_S3_MAX_CONCURRENCY at a time, with as many parts
    # of an upload and at most 16 MB of a download waiting in memory (s3transfer's defaults allow
    # 80 MB and 256 MB): some 2 x concurrency x 8 MB of a file in memory at most, whatever its size.
    _concurrency = env_int("AWS_S3_MAX_CONCURRENCY", 4)
    _transfer_config = TransferConfig(
        multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=_concurrency
    )
    # s3transfer's own settings, which boto3's constructor does not take.
    _transfer_config.max_in_memory_upload_chunks = _concurrency
    _transfer_config.max_in_memory_download_chunks = 64  # of 256 KB
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured(
            "RIGHTSLEDGER_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (the bucket's name)."
        )
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            # An on-premises or test endpoint (MinIO, Ceph, moto); empty for AWS itself.
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": (
                os.environ.get("AWS_S3_REGION_NAME") or os.environ.get("AWS_DEFAULT_REGION") or None
            ),
            # Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
            # a profile, or the host's role); nothing here names them.
            "location": os.environ.get("AWS_LOCATION", ""),
            # Content is addressed by its SHA-256: the same name is the same bytes.
            "file_overwrite": True,
            # Objects are private; downloads stream through the app, which applies the access rules
            # and the opt-out headers (no presigned URLs).
            "default_acl": None,
            # A stored file opened for reading is spooled to a temporary file past this size, never
            # held whole in memory (django-storages' default, 0, keeps it all in memory).
            "max_memory_size": env_int("AWS_S3_MAX_MEMORY_SIZE", 8 * 1024 * 1024),
            "transfer_config": _transfer_config,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Engines write their outputs into a local folder of temporary files, never into the storage;
# each run's files are removed when the run ends. Empty: the system's temporary folder.
GENERATION_WORK_DIR = os.environ.get("GENERATION_WORK_DIR", "")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEVELOPMENT
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development and the demo serve static files from the apps' folders, found when the server
# starts (with DEBUG, looked for again on each request); production serves what collectstatic made.
WHITENOISE_USE_FINDERS = DEVELOPMENT
if DEVELOPMENT:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks there too, and warns when it is missing

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: the largest asset accepted, and the largest image (in pixels) Pillow may decode.
ASSET_MAX_BYTES = env_int("ASSET_MAX_BYTES", 500 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 8192 * 8192)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # API tokens (rl_…), under "Bearer" or "Token"; an older token still works until rotated.
        "rightsledger.api.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # A request made with an API token stays within the token's scope.
        "rightsledger.api.tokens.TokenScope",
    ],
    "DEFAULT_PARSER_CLASSES": [
        # JSON only: a form cannot carry the nested lists (memberships, inputs...) these bodies
        # have, and would drop them silently. Views that take files say so themselves.
        "rightsledger.api.parsers.JSONParser",
    ],
    # JSON only: the schema documents JSON, and the API answers nothing else (no browsable HTML
    # pages under /api/; /api/docs/ is the API's page for people).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rightsledger.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["rightsledger.api.filtering.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rightsledger.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"training_clearance": os.environ.get("TRAINING_CLEARANCE_RATE", "120/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Rightsledger API",
    "DESCRIPTION": (
        "Rights clearance, consent and provenance for AI-assisted film and TV production. "
        "Every write is recorded in an append-only ledger; amendments and revocations are new versions."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny", "rightsledger.api.tokens.TokenScope"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rightsledger.api.schema.document_errors",
        "rightsledger.api.schema.document_ids",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RecordStatusEnum": "rightsledger.vocab.RECORD_STATUSES",
        "TokenScopeEnum": "rightsledger.vocab.TOKEN_SCOPES",
        "RequestStatusEnum": "generation.models.STATUSES",
        "FlagOutcomeEnum": "rightsledger.models.notices.FLAG_OUTCOMES",
        "FlagStateEnum": "rightsledger.models.notices.FLAG_STATES",
    },
}

# Celery: eager (in-process) unless a broker is configured.
# The cache counts login attempts (and API throttles): shared by every process when CACHE_URL
# names a Redis database, per process otherwise (the demo).
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Failed sign-ins (portal form and API token; successful ones are not counted) allowed per client
# address and per account, as "count/period" ("50/15min"); past either, 429 until the window slides
# on. The address's ceiling is well above one person's, so an office behind one NAT address signs
# in, and a spray of passwords across accounts is still stopped. NUM_PROXIES: the proxies in front.
LOGIN_RATE = os.environ.get("LOGIN_RATE", "50/15min")
LOGIN_ACCOUNT_RATE = os.environ.get("LOGIN_ACCOUNT_RATE", "10/15min")
NUM_PROXIES = env_int("NUM_PROXIES", 0)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
# Tasks record what they do in the database; nobody waits on a task's result. Sending one then
# needs only the broker (with results on, a send while Redis is down breaks the result consumer).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker died is not redelivered: the request is marked failed when its lease
# runs out, and a person decides whether to retry it.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
if not CELERY_BROKER_URL:
    # Eager Celery still takes a producer from a broker connection to serialise each task; a
    # host named here keeps kombu from warning, on every first send, that none was supplied.
    CELERY_BROKER_URL = "memory://localhost/"

# External model servers, as JSON: {"name": {"url": ..., "version": ..., "uses": [...],
# "trains_on_inputs": false, "timeout": 300}}. They speak the contract in generation/engines/http.py.
GENERATION_HTTP_ENGINES = json.loads(os.environ.get("GENERATION_HTTP_ENGINES") or "{}")
# A run not finished this long after it started is presumed lost (its worker died) and is
# marked failed, ready to retry.
GENERATION_RUN_LEASE_SECONDS = env_int("GENERATION_RUN_LEASE_SECONDS", 900)
# A request queued for longer than this without a worker taking it is sent again (its message was
# not sent while the broker was down, or was lost with it).
GENERATION_REQUEUE_SECONDS = env_int("GENERATION_REQUEUE_SECONDS", 300)

# Content Credentials: the roots trusted when verifying (PEM files, comma-separated), and an
# optional signing callback (package.module:function) for a key held in a KMS or HSM.
C2PA_TRUST_ANCHORS = env_list("C2PA_TRUST_ANCHORS")
# In development (the demo) the development CA this service made is trusted too, so its outputs
# verify as Trusted here; its certificates say UNTRUSTED, and no other verifier trusts them.
C2PA_TRUST_DEVELOPMENT_ROOTS = env_bool("C2PA_TRUST_DEVELOPMENT_ROOTS", DEVELOPMENT)
C2PA_SIGNER_CALLBACK = os.environ.get("C2PA_SIGNER_CALLBACK", "")
# Every signature is time-stamped by this RFC 3161 time-stamp authority (one on the C2PA TSA Trust
# List in production), so a manifest still validates once its signing certificate has expired. A
# TSA that does not answer fails the signing (retry it); C2PA_TSA_REQUIRED=0 signs without a
# time-stamp instead, or when no TSA is configured.
C2PA_TSA_URL = os.environ.get("C2PA_TSA_URL", "")
C2PA_TSA_REQUIRED = env_bool("C2PA_TSA_REQUIRED", True)
# In development (the demo), with no C2PA_TSA_URL, each process that signs runs the development TSA
# (provenance/tsa.py: OpenSSL on this machine, a development chain under SIGNING_KEYS_DIR/dev-tsa
# whose names say UNTRUSTED): its time-stamps are trusted here beside the development CA, nowhere else.
C2PA_DEVELOPMENT_TSA = env_bool("C2PA_DEVELOPMENT_TSA", DEVELOPMENT)
# C2PA Trust Lists (ETSI TS 119 602 JSON, as the C2PA conformance program publishes them): the
# signers' anchors, added to C2PA_TRUST_ANCHORS, and the time-stamp authorities' anchors.
C2PA_TRUST_LIST = os.environ.get("C2PA_TRUST_LIST", "")
C2PA_TSA_TRUST_LIST = os.environ.get("C2PA_TSA_TRUST_LIST", "")
SIGNING_KEYS_DIR = Path(os.environ.get("SIGNING_KEYS_DIR", VAR_DIR / "keys"))

# Fingerprints and similarity. CLIP_WEIGHTS is a local file; nothing is downloaded.
CLIP_MODEL = os.environ.get("CLIP_MODEL", "ViT-B-32")
CLIP_WEIGHTS = os.environ.get("CLIP_WEIGHTS", "")
CLIP_MODEL_CONFIG = os.environ.get("CLIP_MODEL_CONFIG", "")
CLIP_BATCH_SIZE = env_int("CLIP_BATCH_SIZE", 64)
VIDEO_KEYFRAME_SECONDS = float(os.environ.get("VIDEO_KEYFRAME_SECONDS", "2.0"))
# The most frames this service decodes of one clip (an hour at 30 a second); each is held to IMAGE_MAX_PIXELS.
VIDEO_MAX_FRAMES = env_int("VIDEO_MAX_FRAMES", 30 * 60 * 60)
FINGERPRINT_QUEUE = os.environ.get("FINGERPRINT_QUEUE", "fingerprint")
CELERY_TASK_ROUTES = {
    "provenance.asset_fingerprint": {"queue": FINGERPRINT_QUEUE},
    "provenance.asset_faces_scan": {"queue": FINGERPRINT_QUEUE},
}
SIMILARITY_INDEX_PATH = os.environ.get("SIMILARITY_INDEX_PATH", str(VAR_DIR / "similarity.faiss"))
SIMILARITY_EXACT_MAX = env_int("SIMILARITY_EXACT_MAX", 100_000)
SIMILARITY_NPROBE = env_int("SIMILARITY_NPROBE", 0)  # IVF lists searched per query; 0: nlist / 200
PHASH_MAX_DISTANCE = env_int("PHASH_MAX_DISTANCE", 7)
EMBED_CANDIDATE_COSINE = float(os.environ.get("EMBED_CANDIDATE_COSINE", "0.97"))
EMBED_CONFIRM_COSINE = float(os.environ.get("EMBED_CONFIRM_COSINE", "0.80"))
TRAINING_CLEARANCE_RATE = os.environ.get("TRAINING_CLEARANCE_RATE", "120/min")
# The longest an API token for a machine may last; a longer-lived pipeline gets a new token.
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
TRAINING_CLEARANCE_MAX_ITEMS = env_int("TRAINING_CLEARANCE_MAX_ITEMS", 100)
# Fingerprints are about 40 bytes a file: a batch holds many more of them than of files.
TRAINING_CLEARANCE_MAX_FINGERPRINTS = env_int("TRAINING_CLEARANCE_MAX_FINGERPRINTS", 2000)
TRAINING_CLEARANCE_MAX_FRAMES = env_int(
    "TRAINING_CLEARANCE_MAX_FRAMES", 1200
)  # sampled frames of one clip, in fingerprint mode

# Faces (dlib, provenance/faces.py). The models are read from FACE_MODELS_DIR, by default the folder
# the face-recognition-models package installs them in; nothing is downloaded. FACE_DETECTOR is
# hog (the CPU's) or mmod (dlib's CNN detector, for a GPU worker). Detection runs on the frame
# scaled to FACE_DETECT_MAX_SIDE (0: not scaled); landmarks and descriptors use the full frame.
# Faces under FACE_MIN_SIZE px are reported as skipped. FACE_MATCH_DISTANCE: bench/faces.py measures it.
FACE_MODELS_DIR = os.environ.get("FACE_MODELS_DIR", "")
FACE_DETECTOR = os.environ.get("FACE_DETECTOR", "hog")
FACE_DETECT_MAX_SIDE = env_int("FACE_DETECT_MAX_SIDE", 960)
FACE_DETECT_UPSAMPLE = env_int("FACE_DETECT_UPSAMPLE", 0)
FACE_MIN_SIZE = env_int("FACE_MIN_SIZE", 40)
FACE_MATCH_DISTANCE = float(os.environ.get("FACE_MATCH_DISTANCE", "0.6"))
FACE_MAX_PER_FRAME = env_int("FACE_MAX_PER_FRAME", 50)  # the rest are reported as skipped
# The likeness check on faces: the faces of likeness references, plates and elements are found as
# they are registered, and every output's (a clip's at least every FACE_KEYFRAME_SECONDS) after its
# run. R6 holds an output showing a performer no consent covers; R2 asks consent for an input that
# shows one. FACE_CHECK=0 turns all of it off.
FACE_CHECK = env_bool("FACE_CHECK", True)
FACE_KEYFRAME_SECONDS = float(os.environ.get("FACE_KEYFRAME_SECONDS", "1.0"))

# Kitsu (zou): its API's URL (without nginx in front, the server's root) and the account the
# service posts with. From the environment only, never from the database.
KITSU_URL = os.environ.get("KITSU_URL", "")
KITSU_EMAIL = os.environ.get("KITSU_EMAIL", "")
KITSU_PASSWORD = os.environ.get("KITSU_PASSWORD", "")
KITSU_TIMEOUT = float(os.environ.get("KITSU_TIMEOUT_SECONDS", "10"))
KITSU_EVENTS_URL = os.environ.get(
    "KITSU_EVENTS_URL", ""
)  # zou's event stream, where it is not behind the same host

# Who to ask about the outputs' text-and-data-mining terms (TDMRep's policy assigner): a URL.
TDM_POLICY_ASSIGNER = os.environ.get("TDM_POLICY_ASSIGNER", "")
# The ledger's origin line, the name under which its checkpoints are published, and its key.
LEDGER_ORIGIN = os.environ.get("LEDGER_ORIGIN", "rightsledger.example/ledger")
LEDGER_SIGNING_KEY_FILE = os.environ.get(
    "LEDGER_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "ledger-signing.key")
)
# Make a key on first use when none exists: on for development, off in production.
LEDGER_SIGNING_KEY_CREATE = env_bool("LEDGER_SIGNING_KEY_CREATE", DEVELOPMENT)
LEDGER_CHECKPOINT_INTERVAL_SECONDS = env_int("LEDGER_CHECKPOINT_INTERVAL_SECONDS", 10)
# A write sends a publish when it commits, unless one is already queued (it will take the write);
# with Celery eager (the demo) the publish runs as the write commits. Off: the beat alone publishes.
LEDGER_PUBLISH_ON_WRITE = env_bool("LEDGER_PUBLISH_ON_WRITE", True)
# The audit reads a tree of at least LEDGER_AUDIT_PARALLEL_MIN leaves in this many parts at once,
# one database connection each (one per core of the database server is a good start).
LEDGER_AUDIT_WORKERS = env_int("LEDGER_AUDIT_WORKERS", 2)
LEDGER_AUDIT_PARALLEL_MIN = env_int("LEDGER_AUDIT_PARALLEL_MIN", 100_000)
# The witnesses each new checkpoint is submitted to, and how many must cosign it: a C2SP
# tlog-policy file (`witness <name> <vkey> <submission URL>` lines and a `quorum` line). Empty: no
# witness. Each submission waits at most LEDGER_WITNESS_TIMEOUT_SECONDS for an answer.
LEDGER_WITNESS_POLICY_FILE = os.environ.get("LEDGER_WITNESS_POLICY_FILE", "")
LEDGER_WITNESS_TIMEOUT_SECONDS = float(os.environ.get("LEDGER_WITNESS_TIMEOUT_SECONDS") or 10)

# The portal: where people land after logging in, and the address e-mails link to.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"
# Single sign-on through the studio's OpenID Connect provider (mozilla-django-oidc): on when
# OIDC_RP_CLIENT_ID is set, off otherwise (no button, no backend; the demo signs in with local
# accounts). The library reads no discovery document: the provider's endpoints are given, as its
# /.well-known/openid-configuration lists them. Signing in grants no role (README, "Single sign-on").
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
SSO_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
# The provider's end_session_endpoint, where it has one: signing out of a session that began at the
# provider signs out there too, and the provider sends the browser back to /accounts/signed-out/
# (register that address with the provider as a post-logout redirect URI). Empty: signing out ends
# only Rightsledger's session. The session keeps the ID token, to name the sign-in to end.
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_STORE_ID_TOKEN = True
OIDC_OP_LOGOUT_URL_METHOD = "portal.sso.provider_logout_url"
if OIDC_OP_LOGOUT_ENDPOINT:
    # The log-out form's answer sends the browser on to the provider: a form may go there.
    _provider = urlsplit(OIDC_OP_LOGOUT_ENDPOINT)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_provider.scheme}://{_provider.netloc}")
# The provider as the login page's button names it: "Sign in with Okta".
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your studio's account")
# Link a first sign-in to an existing local account with the same e-mail address, only when the
# provider says it verified that address. Off: a first sign-in always makes a new account.
OIDC_MATCH_VERIFIED_EMAIL = env_bool("OIDC_MATCH_VERIFIED_EMAIL", False)
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT_SECONDS") or 10)
# Seconds of clock difference with the provider allowed when reading an ID token's times.
OIDC_CLOCK_LEEWAY_SECONDS = env_int("OIDC_CLOCK_LEEWAY_SECONDS", 30)
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
if SSO_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_ISSUER",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"OIDC_RP_CLIENT_ID is set, so single sign-on is on, but {', '.join(_missing)} "
            "is not: copy each from the provider's /.well-known/openid-configuration."
        )
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if SSO_ENABLED:
    AUTHENTICATION_BACKENDS.append("portal.sso.StudioOIDCBackend")
# Where people reach the portal: links in e-mails and those posted to the tracker point here.
# RIGHTSLEDGER_URL is the name this setting had for the tracker's links; it is still read.
PORTAL_URL = os.environ.get("PORTAL_URL") or os.environ.get("RIGHTSLEDGER_URL") or "http://127.0.0.1:8000"
# Two-factor sign-in: the roles whose holders must have a second factor (an authenticator app or a
# passkey) on a local account, comma-separated. On by default; the demo turns it off (README,
# "Two-factor sign-in"), and OTP_REQUIRED_ROLES= (empty) turns it off anywhere. Those who sign in
# through the studio's provider rely on its second factor (portal.auth.signs_in_elsewhere).
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "" if DEMO else "studio_admin,clearance,guild_rep")
# What the authenticator app shows beside the account, and the passkey's relying party.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Rightsledger")
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
# The passkey's relying party is the host the portal is reached at (PORTAL_URL's, unless given);
# the browser's origin must be PORTAL_URL's (or one of OTP_WEBAUTHN_ALLOWED_ORIGINS).
OTP_WEBAUTHN_RP_ID_CALLABLE = "portal.two_factor.relying_party_id"
# (The address a page was reached at, which ALLOWED_HOSTS checks, is allowed too: see
# portal.two_factor.PortalWebAuthnHelper. A passkey needs a host name, not an IP address: the demo
# makes them at http://localhost:8000.)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("OTP_WEBAUTHN_ALLOWED_ORIGINS") or [
    PORTAL_URL.rstrip("/")
    if PORTAL_URL.startswith(("https://", "http://localhost"))
    else "http://localhost:8000"
]
OTP_WEBAUTHN_HELPER_CLASS = "portal.two_factor.PortalWebAuthnHelper"
# A passkey is the second step after the password, never a sign-in by itself.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# E-mail (expiry alerts, flags): the console in development, SMTP settings from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "rightsledger@localhost")

# Operations (README, "Operations"). LOG_FORMAT=json writes one JSON object a line (time, level,
# logger, message, request_id) for a log collector; the default, text, stays readable for the demo.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}: set it to text or json.")
# /readyz: each check's own timeout, in seconds.
READYZ_TIMEOUT_SECONDS = float(os.environ.get("READYZ_TIMEOUT_SECONDS") or 3)
# /readyz: how long one run's answer serves the calls after it, in this process (0: every call runs).
READYZ_CACHE_SECONDS = float(os.environ.get("READYZ_CACHE_SECONDS") or 2)
# /metrics: served to these addresses or networks (comma-separated), or to a caller sending
# "Authorization: Bearer <METRICS_BEARER_TOKEN>"; to this machine alone by default.
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1")
METRICS_BEARER_TOKEN = os.environ.get("METRICS_BEARER_TOKEN", "")
# A Celery worker's own metrics (config/worker_metrics.py): with a port set, each worker serves what
# it counted over HTTP on that port and this address, to the same callers as /metrics.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
# Empty: every interface; the access rule still applies. Set the host's private address where it has one.
WORKER_METRICS_ADDRESS = os.environ.get("WORKER_METRICS_ADDRESS", "")
# Probes and scrapes reach a process over plain HTTP inside the deployment: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {"json": {"()": "config.observability.json_formatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Which build of faiss loaded (AVX2 or not) is a line per process, and WeasyPrint's steps and
    # fontTools' subsetting ten lines per PDF report: of no use to anyone reading the log.
    "loggers": {
        "faiss.loader": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in the caller's process (the demo, a command): the caller says what came of them,
    # and Celery's "Task ... succeeded" line per task would bury it; failures are still logged.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
    LOGGING["loggers"]["rightsledger.tasks"] = {"level": "WARNING"}  # a task's start and end

if not DEBUG:
    # The demo is plain HTTP on this machine: no redirect to HTTPS, and cookies that HTTP carries.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEMO)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = not DEMO
    CSRF_COOKIE_SECURE = not DEMO
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Sentry: errors (and, at SENTRY_TRACES_SAMPLE_RATE, traces) of the web processes and the workers go
# to SENTRY_DSN when it is set; nothing is sent, and the SDK is not started, when it is not.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "demo" if DEMO else "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
        # No user names, addresses, cookies or bodies: consent records are about people.
        send_default_pii=False,
    )

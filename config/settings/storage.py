"""Where files live: static files, content (a local folder or S3), and the limits on uploads."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import DEVELOPMENT, VAR_DIR, env_int

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


# Uploads: the largest asset accepted, and the largest image (in pixels) Pillow may decode.
ASSET_MAX_BYTES = env_int("ASSET_MAX_BYTES", 500 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 8192 * 8192)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
